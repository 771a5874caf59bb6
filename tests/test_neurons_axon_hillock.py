"""Axon-Hillock neuron and the generic 180 nm MOSFET cards: parameters, netlist, physics."""

import numpy as np
import pytest
from golden import assert_golden

from circuitsnn.library import registry
from circuitsnn.errors import ValidationError
from circuitsnn.library.neurons import PORTS, mosfets, spikes
from circuitsnn.library.neurons.axon_hillock import AxonHillockParams, rate_estimate, subckt
from circuitsnn.spice import simulate
from circuitsnn.spice.render import render_subckt


@pytest.mark.parametrize(
    "values, field, allowed",
    [
        ({"c_fb": -1e-12}, "AxonHillockParams.c_fb", "> 0 F"),
        ({"w_n": 0.1e-6}, "AxonHillockParams.w_n", ">= 1.8e-07 m"),
        ({"v_pw": 0.4}, "AxonHillockParams.v_pw", "0.5 V < v_pw <= vdd = 1.8 V"),
        ({"v_pw": 2.0}, "AxonHillockParams.v_pw", "0.5 V < v_pw <= vdd = 1.8 V"),
        ({"vdd": 0.9, "v_pw": 0.6}, "AxonHillockParams.vdd", "1 V < vdd"),
    ],
)
def test_bad_parameters_are_rejected(values, field, allowed):
    with pytest.raises(ValidationError) as exc:
        AxonHillockParams(**values)
    text = str(exc.value)
    assert field in text and allowed in text, text


def test_square_law_estimates():
    p = AxonHillockParams()
    assert p.i_pw == pytest.approx(0.5 * 387e-6 * 0.1**2)
    assert 0.5 < p.v_switch < 1.3  # inside the supply, near the middle
    assert p.dv_hyst == pytest.approx(0.6)
    i = np.array([-1e-9, 0.0, 1e-7, 0.99 * p.i_pw, 1.01 * p.i_pw])
    f = rate_estimate(i, p)
    assert f[0] == f[1] == f[-1] == 0 and f[2] > 0 and f[3] > 0
    assert f[2] == pytest.approx(1 / (p.c_fb * p.vdd / 1e-7 + p.c_fb * p.vdd / (p.i_pw - 1e-7)))


def test_subckt_inlines_the_models():
    sub = subckt(AxonHillockParams())
    assert sub.ports == PORTS and sub.name.startswith("ah_")
    assert {m.name for m in sub.models} == {"nmos180", "pmos180"}
    assert sum(1 for e in sub.elements if getattr(e, "name", "").startswith("M")) == 6


def test_golden_default_subckt():
    assert_golden("\n".join(render_subckt(subckt(AxonHillockParams()))) + "\n", "neurons/axon_hillock.lib")


def test_model_library_file_is_up_to_date():
    assert mosfets.LIBRARY_PATH.read_text() == mosfets.library_text(), (
        "models/spice/generic180.lib is stale: run "
        "`python -c 'from circuitsnn.library.technology import generic; generic.write_library()'`"
    )


def test_mosfet_helpers():
    assert mosfets.saturation_current(mosfets.NMOS, 1e-6, 1e-6, -0.1) == 0.0
    assert mosfets.saturation_current(mosfets.NMOS, 2e-6, 1e-6, 0.2, v_ds=1.0) == pytest.approx(387e-6 * 0.04 * 1.2)
    # a symmetric inverter (k_n = k_p, |V_tn| = |V_tp|) switches at vdd/2
    assert mosfets.inverter_threshold(1.8, 1e-6, 387 / 86 * 1e-6, 1e-6) == pytest.approx(0.9)


@pytest.mark.ngspice
def test_fires_periodically_with_rate_rising_with_input():
    """Five copies from I_pw/40 to 0.4 I_pw in one deck: regular spikes, rate rising with I."""
    p = AxonHillockParams()
    tb = registry.get("axon_hillock").testbench("fi", p)
    res = simulate(tb.deck)
    m = tb.measure(res)
    cvs = []
    for k in range(m["i_in"].size):
        times = spikes.spike_times(res.tran.time, res.tran[f"out{k}"], p.spike_threshold())
        isi = np.diff(times)[1:]  # the first interval starts from rest
        cvs.append(isi.std() / isi.mean())
    dev = m["rate"] / m["rate_model"] - 1
    print(
        "Axon-Hillock rates "
        + ", ".join(f"{i * 1e9:.0f} nA: {f / 1e3:.1f} kHz" for i, f in zip(m["i_in"], m["rate"]))
        + f"; max ISI CV {max(cvs):.2%}; vs estimate {dev.min():+.1%}..{dev.max():+.1%}"
    )
    assert np.all(m["n_spikes"] >= 5)
    assert np.all(np.diff(m["rate"]) > 0)
    assert max(cvs) < 0.02
    assert np.all(np.abs(dev) < 0.2)
    # rail-to-rail output pulses
    out = res.tran["out0"]
    assert out.max() > 0.95 * p.vdd and out.min() < 0.05 * p.vdd


@pytest.mark.ngspice
def test_pulse_width_bias_sets_the_spike_width():
    """A higher v_pw means a larger reset current and shorter output pulses."""
    widths = []
    for v_pw in (0.6, 0.7):
        p = AxonHillockParams(v_pw=v_pw)
        tb = registry.get("axon_hillock").testbench("step", p, i_amp=1e-7, t_stop=40e-6)
        m = tb.measure(simulate(tb.deck))
        assert m["n_spikes"] >= 3
        widths.append(float(np.mean(m["widths"])))
    print(f"Axon-Hillock spike width {widths[0] * 1e9:.0f} ns at v_pw = 0.6 V, {widths[1] * 1e9:.0f} ns at 0.7 V")
    assert widths[1] < 0.5 * widths[0]  # I_pw ~ (v_pw - VTO)^2: 4x the current
