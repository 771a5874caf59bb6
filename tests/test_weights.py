"""The weight interface of every synapse family: weight <-> state both ways, programming that
stays inside the state's bounds, a planner that reaches random targets, and each family's own
rules (the Schottky synapse never goes down without an erase; a digital code stays on its
grid; the optocoupler's conductance follows a drive change with its lag). No simulator: the
interfaces run on the laws with nominal values (and on the committed models when they fit)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitsnn.library import registry
from circuitsnn.surrogates.weights import DifferentialPair, Pulse, weights_for

SYNAPSES = [c.name for c in registry.components("synapse", builtin_only=True)]
D = torch.float64


@pytest.fixture(scope="module", params=SYNAPSES)
def w(request):
    return weights_for(request.param, nominal=True)


def test_every_synapse_declares_a_weight_interface_and_its_operating_point():
    for name in SYNAPSES:
        comp = registry.get(name)
        assert comp.resolve("weights") is not None and comp.operating.get("v_read", 0) > 0, name


def test_range_and_levels(w):
    g_lo, g_hi = w.g_range()
    assert 0 <= g_lo < g_hi
    assert w.levels >= 2
    d = w.describe()
    assert d["g_min"] == g_lo and d["g_max"] == g_hi and d["family"] == w.family


def test_state_for_inverts_conductance(w):
    g_lo, g_hi = w.g_range()
    g = torch.linspace(g_lo, g_hi, 23, dtype=D)
    s = w.state_for(g)
    assert torch.all(s >= w.bounds[0]) and torch.all(s <= w.bounds[1])
    back = w.conductance(s)
    if w.family == "digital_code":  # the nearest level of the grid
        step = float(torch.diff(w.grid()).max())
        assert torch.all((back - g).abs() <= 0.5 * step + 1e-18)
        codes = torch.arange(2**w.n_bits, dtype=D)
        assert torch.equal(w.state_for(w.conductance(codes)), codes)
    else:
        assert torch.allclose(back, g, rtol=1e-6, atol=1e-9 * (g_hi - g_lo))
    # out-of-range conductances clamp to the ends
    assert float(w.conductance(w.state_for(2 * g_hi))) == pytest.approx(g_hi, rel=1e-6)


def test_programming_stays_inside_the_bounds(w):
    lo, hi = w.bounds
    rng = np.random.default_rng(1)
    s = rng.uniform(lo, hi, 16)
    if w.family == "digital_code":
        s = np.round(s)
    for direction in (+1, -1):
        pulse = w.nominal_pulse(direction)
        x = s.copy()
        for _ in range(40):
            x = w.program(x, pulse)
            assert np.all(x >= lo) and np.all(x <= hi)
    # the tensor and float paths agree with the array path
    pulse = w.nominal_pulse(+1)
    xa = w.program(s, pulse)
    xt = w.program(torch.as_tensor(s, dtype=D), pulse)
    xf = [w.program(float(v), pulse) for v in s]
    assert np.allclose(xt.numpy(), xa, rtol=1e-12) and np.allclose(xf, xa, rtol=1e-12)


@pytest.mark.parametrize("name", ["schottky_gated", "optocoupler", "digital_code", "digital_code_bitlines"])
def test_planner_reaches_random_targets(name):
    w = weights_for(name, nominal=True)
    lo, hi = w.bounds
    rng = np.random.default_rng(7)
    for _ in range(12):
        a, b = rng.uniform(lo, hi, 2)
        if w.family == "digital_code":
            a, b = float(round(a)), float(round(b))
        plan = w.plan(a, b, tol=0.005)
        assert plan.converged, (a, b, plan.rel_error, plan.count)
        # replaying the planned pulses gives the planned state
        s = a
        for pulse in plan.pulses:
            s = w.program(s, pulse)
        assert s == pytest.approx(plan.final, rel=1e-12, abs=1e-15)


def test_schottky_never_decreases_without_erase():
    w = weights_for("schottky_gated", nominal=True)
    gate = w.nominal_pulse(+1)
    assert gate.terminal == "gate" and w.nominal_pulse(-1).terminal == "erase"
    rng = np.random.default_rng(3)
    s = rng.uniform(*w.bounds, 32)
    for amp, width in ((8.0, 10e-6), (4.0, 1e-3), (9.0, 1e-6), (0.0, 1.0), (-3.0, 1e-3)):
        s2 = w.program(s, Pulse(amp, width, terminal="gate"))
        assert np.all(s2 >= s)
    # near-linear potentiation: conductance vs pulse count from the erased state
    g, x = [], 0.0
    for _ in range(33):
        g.append(float(w.conductance(x)))
        x = w.program(x, gate)
    steps = np.diff(g)
    assert np.all(steps > 0) and steps.max() / steps.min() < 2.5
    # only the erase goes down, and it resets
    assert w.program(w.bounds[1], w.nominal_pulse(-1)) < 1e-4 * w.bounds[1]
    # a plan to a lower target starts with the erase
    plan = w.plan(0.07, 0.02)
    assert plan.pulses[0].terminal == "erase" and all(p.terminal == "gate" for p in plan.pulses[1:])
    assert all(b >= a for a, b in zip(plan.states[1:], plan.states[2:]))
    with pytest.raises(Exception, match="gate"):
        w.program(0.0, Pulse(1.0, 1e-6, terminal="in"))


def test_digital_code_stays_on_the_grid():
    w = weights_for("digital_code", nominal=True)
    assert w.levels == 16 and w.bounds == (0.0, 15.0)
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 16, 40).astype(float)
    for amp in (1.0, -1.0, 3.0, -7.0, 0.4):
        out = w.program(codes, Pulse(amp, 1e-6, terminal="code"))
        assert np.all(out == np.round(out)) and np.all((out >= 0) & (out <= 15))
        assert np.all(out == np.clip(codes + round(amp), 0, 15))
    plan = w.plan(3, 11)
    assert plan.count == 8 and all(p.amplitude == 1.0 for p in plan.pulses) and plan.final == 11 and plan.error == 0
    grid = w.grid()
    g = torch.as_tensor(rng.uniform(0, float(grid[-1]), 200), dtype=D)
    q = w.quantize(g)
    assert torch.all(torch.isin(q, grid))
    assert torch.all((q - g).abs() <= 0.5 * torch.diff(grid).max() + 1e-18)
    # stochastic rounding is unbiased and only picks the two neighbours
    gen = torch.Generator().manual_seed(0)
    g1 = torch.full((20000,), float(0.3 * grid[2] + 0.7 * grid[3]), dtype=D)
    qs = w.quantize(g1, stochastic=True, generator=gen)
    assert set(qs.unique().tolist()) <= {float(grid[2]), float(grid[3])}
    assert float(qs.mean()) == pytest.approx(float(g1[0]), rel=5e-3)
    x = torch.full((20000,), 2.25, dtype=D)
    r = w.stochastic_round(x, torch.Generator().manual_seed(1))
    assert set(r.unique().tolist()) == {2.0, 3.0} and float(r.mean()) == pytest.approx(2.25, abs=0.02)
    # straight-through: the value is on the grid, the gradient passes
    gg = g[:5].clone().requires_grad_(True)
    w.quantize(gg, straight_through=True).sum().backward()
    assert torch.allclose(gg.grad, torch.ones(5, dtype=D))


def test_optocoupler_drive_change_and_lag():
    w = weights_for("optocoupler", nominal=True)
    assert w.state_name == "v_led" and w.bounds == (0.0, 5.0)
    # a programming event sets the drive (on the DAC grid); G follows with tau_on / tau_off
    ev = Pulse(3.0, 1e-3, terminal="led")
    assert w.program(0.0, ev) == pytest.approx(w.dac(3.0)) and abs(w.dac(3.0) - 3.0) <= w.dac_step / 2
    g0, g_end = float(w.conductance(0.0)), float(w.conductance(w.dac(3.0)))
    tau_on = w.values["tau_on"]
    g_t = float(w.conductance_after(0.0, Pulse(3.0, tau_on, terminal="led")))
    assert (g_t - g0) / (g_end - g0) == pytest.approx(1 - np.exp(-1), rel=1e-9)
    tau_off = w.values["tau_off"]
    g_t = float(w.conductance_after(3.0, Pulse(0.0, tau_off, terminal="led")))
    assert (g_t - g0) / (float(w.conductance(3.0)) - g0) == pytest.approx(np.exp(-1), rel=1e-9)
    # the settle time: within settle_tol of the range at the end of a planned event
    plan = w.plan(0.0, 4.0)
    assert plan.count == 1 and plan.pulses[0].width == pytest.approx(w.settle_time(0.0, plan.final))
    assert plan.pulses[0].width > 3 * tau_on
    # falling takes longer (tau_off > tau_on)
    assert w.settle_time(4.0, 0.0) > w.settle_time(0.0, 4.0)


def test_differential_pair_signs(w):
    pair = DifferentialPair(w)
    wts = torch.linspace(-pair.w_max, pair.w_max, 9, dtype=D)
    sp, sn = pair.states(wts)
    got = pair.weight(sp, sn)
    if w.family == "digital_code":
        step = float(torch.diff(w.grid()).max())
        assert torch.all((got - wts).abs() <= step)
    else:
        assert torch.allclose(got, wts, atol=1e-6 * pair.w_max)


def test_sampled_devices_vary_the_read(tmp_path):
    """With a Monte Carlo in the model, per-device parameter tensors change the read."""
    from circuitsnn.surrogates.artifacts import SurrogateModel, save_model
    from circuitsnn.physics import values_of

    comp = registry.get("schottky_gated")
    v = values_of(comp.default_params())
    var = {"parameters": {"phi_b0": {"mean": v["phi_b0"], "std": 0.005, "cv": 0.01}}}
    path = save_model(SurrogateModel(name=comp.name, kind="synapse", family="schottky", model="law:schottky_gated",
                                     parameters=v, passed=True, extra={"variation": var}), tmp_path)
    w = weights_for(comp, model=path)
    dev = w.sample_devices(64, seed=2)
    g = w.read(torch.full((64,), 0.04, dtype=D), 1.0, dev)
    assert float(g.std() / g.mean()) > 0.1  # 1 % of the barrier is 5 mV: 20 % in exp(-phi/V_T)


@pytest.mark.parametrize("name", SYNAPSES)
def test_committed_models_load_into_the_weight_interface(name):
    from circuitsnn.surrogates.weights import MODELS_DIR

    path = MODELS_DIR / f"{name}.json"
    if not path.exists():
        pytest.skip(f"no committed model for {name}")
    w = weights_for(name, model=path)
    nominal = weights_for(name, nominal=True)
    assert w.source == str(path)
    lo, hi = w.g_range()
    n_lo, n_hi = nominal.g_range()
    assert lo == pytest.approx(n_lo, rel=0.05, abs=1e-12) and hi == pytest.approx(n_hi, rel=0.05)


@pytest.mark.parametrize("name", SYNAPSES)
def test_program_and_verify_leaves_each_device_at_its_own_nearest_state(name):
    """``verified_state``: with each device's own parameters, no programmable state is nearer
    the target than the verified one, and it is never farther than open-loop programming."""
    from circuitsnn.surrogates.weights import MODELS_DIR

    path = MODELS_DIR / f"{name}.json"
    w = weights_for(name, model=path) if path.exists() else weights_for(name, nominal=True)
    own = w.sample_devices(200, seed=5, sigma_scale=3.0)
    g_lo, g_hi = w.g_range()
    g = torch.linspace(g_lo, g_hi, 200, dtype=D)
    s = w.verified_state(g, own)
    lo, hi = w.bounds
    assert torch.all(s >= lo) and torch.all(s <= hi)
    err = (w.conductance(s, None, own) - g).abs()
    err_open = (w.conductance(w.state_for(g), None, own) - g).abs()
    assert torch.all(err <= err_open + 1e-9 * (g_hi - g_lo))
    # brute force over the programmable states (the code words, the DAC grid, a fine grid otherwise)
    step = w.state_step or (hi - lo) / 4000
    grid = torch.arange(lo, hi + 0.5 * step, step, dtype=D).clamp(lo, hi)
    g_own = w.conductance(grid.unsqueeze(-1), None, own)  # (states, devices)
    best = (g_own - g).abs().min(0).values
    fine = 0.0 if w.state_step else float((g_own.diff(dim=0)).abs().max())
    assert torch.all(err <= best + fine + 1e-9 * (g_hi - g_lo)), name
    if own and w.family != "digital_code":
        # the Monte Carlo moves devices off their targets and verify brings them back (a code
        # word's error is mostly its level spacing, which verify cannot beat)
        assert float(err.median()) < 0.5 * float(err_open.median())


@pytest.mark.parametrize("n_levels, shuffled", [(16, False), (16, True), (300, False)])
def test_nearest_level_is_the_all_levels_argmin(n_levels, shuffled):
    """The shared nearest-level lookup (the digital code's quantizer, code and DAC-level
    programming, the STDP optocoupler's levels) picks what comparing with every level picks, for
    a level map out of order too, and for more levels than the counting path takes."""
    from circuitsnn.surrogates.weights import nearest_level

    gen = torch.Generator().manual_seed(3)
    grid = torch.sort(torch.rand(n_levels, generator=gen, dtype=D))[0]
    if shuffled:
        grid = grid[torch.randperm(n_levels, generator=gen)]
    x = torch.cat([torch.rand(4000, generator=gen, dtype=D) * 1.4 - 0.2, grid])  # outside, inside, on the levels
    assert torch.equal(nearest_level(x, grid), torch.argmin((x.unsqueeze(-1) - grid).abs(), dim=-1))
