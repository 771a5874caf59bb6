"""Every weight change goes through the device: realized updates never leave the device range,
digital weights stay on their code grid, the tabulated pulse response equals the interface's
program, one-way devices erase to depress, the optocoupler lags as its interface says."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.learn.stdp.devices import (CodeProgrammer, DriveProgrammer, IdealProgrammer, OneWayProgrammer,
                                           PulseProgrammer, programmer_for, stochastic_round)
from circuitsnn.surrogates.weights import Pulse, weights_for

FAMILIES = [c.name for c in registry.components("synapse", builtin_only=True)]


class _Programmers(dict):
    """Built on first use: a family whose technology is not installed (the GF180 switches
    without the PDK: those tests are skipped) must not break the others."""

    def __missing__(self, name):
        self[name] = programmer_for(weights_for(name), table_points=513)
        return self[name]


@pytest.fixture(scope="module")
def programmers():
    return _Programmers()


@pytest.mark.parametrize("name", FAMILIES)
def test_realized_updates_stay_in_range(programmers, name):
    pr = programmers[name]
    g = torch.Generator().manual_seed(0)
    s = pr.states_for(torch.rand(16, 12, generator=g, dtype=torch.float64))
    extra = pr.init_extra(s)
    lo, hi = pr.device.bounds
    for k in range(6):
        dw = torch.randn(16, 12, generator=g, dtype=torch.float64) * (0.5 if k % 2 else 0.05)
        s, st = pr.apply(s, dw, g, extra)
        assert bool(((s >= lo - 1e-12) & (s <= hi + 1e-12)).all()), name
        gg = pr.effective_conductance(s, extra)
        assert float(gg.min()) >= pr.g_min * (1 - 1e-9) - 1e-30 and float(gg.max()) <= pr.g_max * (1 + 1e-9), name
        assert st.events >= 0 and st.energy >= 0
    assert pr.levels_used(s) >= 1


@pytest.mark.parametrize("name", [n for n in FAMILIES if n.startswith("digital_code")])
def test_digital_codes_stay_on_grid(programmers, name):
    pr = programmers[name]
    assert isinstance(pr, CodeProgrammer)
    g = torch.Generator().manual_seed(1)
    s = pr.states_for(torch.rand(20, 10, generator=g, dtype=torch.float64))
    for _ in range(5):
        s, st = pr.apply(s, torch.randn(20, 10, generator=g, dtype=torch.float64) * 0.1, g)
        assert torch.equal(s, torch.round(s))
        assert float(s.min()) >= 0 and float(s.max()) <= pr.n_codes - 1
    grid = pr.device.grid()
    assert torch.isin(pr.conductance(s), grid).all()


def test_stochastic_rounding_is_unbiased():
    g = torch.Generator().manual_seed(2)
    x = torch.full((200_000,), 0.3, dtype=torch.float64)
    r = stochastic_round(x, g)
    assert set(r.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(r.mean()) - 0.3) < 0.005


@pytest.mark.parametrize("name", [n for n in FAMILIES if n.startswith("memristor")])
def test_pulse_table_equals_program(programmers, name):
    """The tabulated pulse response (2049 points) against the interface's program on random
    states: within 1e-3 of the state range; exact mode calls program itself."""
    iface = weights_for(name)
    pr = programmer_for(iface)
    assert isinstance(pr, PulseProgrammer)
    rng = np.random.default_rng(0)
    lo, hi = iface.bounds
    s = rng.uniform(lo, hi, 60)
    for d in (+1, -1):
        ref = np.asarray(iface.program(s, pr.pulses[d]))
        tab = pr.tables[d](torch.as_tensor(s)).numpy()
        assert np.max(np.abs(tab - ref)) <= 1e-3 * (hi - lo)
    import copy

    ex = copy.copy(pr)
    ex.exact = True
    st0 = torch.as_tensor(s[:20])
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    dw = torch.linspace(-0.3, 0.3, 20, dtype=torch.float64)
    a, _ = ex.apply(st0, dw, g1)
    b, _ = pr.apply(st0, dw, g2)
    assert torch.allclose(a, b, atol=2e-3 * (hi - lo))


def test_memristor_update_is_asymmetric_and_saturating(programmers):
    pr = programmers["memristor_vteam"]
    s = torch.tensor([pr.device.bounds[0]], dtype=torch.float64)
    steps = []
    for _ in range(200):
        s2 = pr.tables[+1](s)
        steps.append(float(pr.weights(s2) - pr.weights(s)))
        s = s2
    assert steps[-1] < 1e-6 < steps[0]          # saturates at the top
    up0 = pr.steps[+1]
    assert pr.steps[-1] != pytest.approx(up0, rel=0.05)  # set and reset differ


def test_one_way_depression_is_erase_then_program(programmers):
    pr = programmers["schottky_gated"]
    assert isinstance(pr, OneWayProgrammer)
    s = pr.ladder[torch.tensor([10, 20])]
    rung0 = pr.rung(s)
    dw = torch.tensor([-3 * pr.steps[-1], 2 * pr.steps[+1]], dtype=torch.float64)
    s2, st = pr.apply(s, dw, torch.Generator().manual_seed(0))
    assert st.erases == 1
    assert st.up == 7 + 2                       # 7 program pulses back to rung 7, 2 more on the other
    assert pr.rung(s2).tolist() == [int(rung0[0]) - 3, int(rung0[1]) + 2]


def test_optocoupler_drive_and_lag(programmers):
    pr = programmers["optocoupler"]
    assert isinstance(pr, DriveProgrammer)
    s = pr.codes[torch.tensor([10, 200])]
    extra = pr.init_extra(s)
    g_before = extra["g"].clone()
    s2, st = pr.apply(s, torch.tensor([0.4, -0.4], dtype=torch.float64), torch.Generator().manual_seed(0), extra)
    assert st.up == 1 and st.down == 1
    for k in range(2):
        pulse = Pulse(float(s2[k]), pr.t_hold, terminal="led")
        ref = float(pr.device.conductance_after(float(s[k]), pulse, g_from=float(g_before[k])))
        assert float(extra["g"][k]) == pytest.approx(ref, rel=1e-9)
    assert torch.isin(s2, pr.codes).all()


def test_ideal_is_exact():
    pr = IdealProgrammer(0.0, 1e-8)
    s, st = pr.apply(torch.tensor([0.2, 0.9]), torch.tensor([0.1, 0.5]))
    assert torch.allclose(s, torch.tensor([0.3, 1.0]))
    assert st.up == 2


def test_programming_pulses_are_configurable():
    """[synapse] t_set/t_reset/v_set/v_reset replace the nominal pulses of a two-terminal pulsed
    device (the tables follow them, edges at most a tenth of the width); a finer pulse moves the
    weight less; pulses that cannot apply or move nothing are refused, naming the key."""
    iface = weights_for("memristor_biolek")
    nominal = programmer_for(iface, mapping="local", table_points=513)
    fine = programmer_for(iface, mapping="local", table_points=513, t_set=1e-3, t_reset=15e-6)
    assert fine.pulses[+1] == Pulse(1.0, 1e-3, 1e-4, 1e-4, "in")
    assert fine.pulses[-1] == Pulse(-1.0, 15e-6, 1.5e-6, 1.5e-6, "in")
    assert fine.describe()["pulses"]["reset"]["width_s"] == 15e-6
    s = fine.states_for(torch.tensor([0.5], dtype=torch.float64))
    w = float(fine.weights(s))
    for d in (+1, -1):
        coarse = abs(float(nominal.weights(nominal.tables[d](s))) - w)
        small = abs(float(fine.weights(fine.tables[d](s))) - w)
        ref = abs(float(fine.weights(torch.as_tensor(iface.program(s.numpy(), fine.pulses[d])))) - w)
        assert 0.005 < small < 0.05 < coarse and small == pytest.approx(ref, rel=0.02)
    low = programmer_for(iface, v_set=0.5, t_edge=0.0)
    assert low.pulses[+1] == Pulse(0.5, 50e-3, 0.0, 0.0, "in") and low.pulses[-1].width == 50e-3
    with pytest.raises(ValidationError, match="do not apply"):
        programmer_for(weights_for("digital_code"), t_set=1e-3)
    with pytest.raises(ValidationError, match="edges"):
        programmer_for(iface, t_set=1e-3, t_edge=5e-3)
    with pytest.raises(ValidationError, match="v_set"):
        programmer_for(weights_for("memristor_vteam"), v_set=0.01, v_reset=-0.01, table_points=65)


def test_programming_pulse_keys_are_checked(tmp_path):
    from circuitsnn.learn.stdp.config import load_config

    p = tmp_path / "c.toml"
    cases = [('[synapse]\ncomponent = "memristor_biolek"\nv_set = -1.0\n', "v_set", "sign"),
             ('[synapse]\ncomponent = "memristor_biolek"\nt_reset = 0\n', "t_reset", "> 0"),
             ('[synapse]\ncomponent = "digital_code"\nt_set = 1e-3\n', "t_set", "set/reset pulses"),
             ('[synapse]\ncomponent = "ideal"\nv_reset = -1.0\n', "v_reset", "no programming pulse")]
    for text, key, words in cases:
        p.write_text(text)
        with pytest.raises(ValidationError) as e:
            load_config(p)
        assert key in str(e.value) and words in str(e.value) and "line 3" in str(e.value)
    p.write_text('[synapse]\ncomponent = "memristor_biolek"\nt_set = 1e-3\nt_reset = 15e-6\n')
    assert load_config(p).synapse["t_reset"] == 15e-6
