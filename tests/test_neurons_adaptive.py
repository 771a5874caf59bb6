"""Adaptive LIF: parameters, the exact Python reference, golden subcircuit, adaptation in ngspice."""

import numpy as np
import pytest
from golden import assert_golden

from circuitsnn.library import registry
from circuitsnn.errors import ValidationError
from circuitsnn.library.neurons import spikes
from circuitsnn.library.neurons.adaptive import AdaptiveLIFParams, adapted_rate, reference_spike_times, subckt
from circuitsnn.library.neurons.lif import LIFParams, analytic_isi, analytic_rate
from circuitsnn.spice import simulate
from circuitsnn.spice.render import render_subckt


@pytest.mark.parametrize(
    "values, field, allowed",
    [
        ({"tau_w": 0.0}, "AdaptiveLIFParams.tau_w", "> 0 s"),
        ({"b": -1e-9}, "AdaptiveLIFParams.b", ">= 0 A"),
        ({"v_reset": 0.6}, "AdaptiveLIFParams.v_reset", "v_reset < v_th"),
    ],
)
def test_bad_parameters_are_rejected(values, field, allowed):
    with pytest.raises(ValidationError) as exc:
        AdaptiveLIFParams(**values)
    assert field in str(exc.value) and allowed in str(exc.value)


def test_adapted_rate_solves_the_mean_adaptation_equation():
    p = AdaptiveLIFParams()
    i = np.array([0.5, 1.5, 2.0, 5.0, 20.0]) * p.rheobase
    f = adapted_rate(i, p)
    assert f[0] == 0
    # f = f_LIF(I - b tau_w f), and adaptation only ever slows the neuron
    np.testing.assert_allclose(f, analytic_rate(i - p.b * p.tau_w * f, p), rtol=1e-6)
    assert np.all(f[1:] < analytic_rate(i[1:], p)) and np.all(np.diff(f) > 0)
    np.testing.assert_array_equal(adapted_rate(i, p.replace(b=0.0)), analytic_rate(i, p))


def test_reference_without_adaptation_is_the_lif():
    p = AdaptiveLIFParams(b=0.0)
    i = 2e-8
    times = reference_spike_times(p, i, 10e-3)
    np.testing.assert_allclose(np.diff(times), analytic_isi(i, p), rtol=1e-9)
    # the first spike comes from rest (v_rest = v_reset here), t_delay after the crossing
    assert times[0] == pytest.approx(analytic_isi(i, p) - p.t_ref + p.t_delay, rel=1e-9)


def test_reference_intervals_lengthen_to_the_adapted_rate():
    p = AdaptiveLIFParams()
    i = 2 * p.rheobase
    isi = np.diff(reference_spike_times(p, i, 10 * p.tau_w))
    assert np.all(np.diff(isi[:10]) > 0)
    assert 1 / isi[-1] == pytest.approx(float(adapted_rate(i, p)), rel=0.02)


def test_subckt_extends_the_lif():
    p = AdaptiveLIFParams()
    names = {e.name for e in subckt(p).elements if hasattr(e, "name")}
    assert {"Cmem", "Bq", "Btm", "Breset", "Bout", "Bpump", "Ca", "Ra", "Bahp"} <= names
    assert subckt(p).name.startswith("alif_") and subckt(p).name != subckt(p.replace(b=1e-9)).name
    assert isinstance(p, LIFParams)


def test_golden_default_subckt():
    assert_golden("\n".join(render_subckt(subckt(AdaptiveLIFParams()))) + "\n", "neurons/adaptive_lif.lib")


@pytest.mark.ngspice
def test_intervals_lengthen_under_constant_input_as_the_model_predicts():
    p = AdaptiveLIFParams()
    i_amp = 2 * p.rheobase
    t_on = 1e-4  # the step's start (s)
    tb = registry.get("adaptive_lif").testbench("step", p, i_amp=i_amp, t_delay=t_on, t_stop=30e-3)
    res = simulate(tb.deck)
    times = spikes.spike_times(res.tran.time, res.tran["out"], p.spike_threshold())
    isi = np.diff(times)
    # the input ramps over one max step; the reference switches it on half-way
    ref = np.diff(reference_spike_times(p, i_amp, 30e-3, t_start=t_on + 0.5 * p.max_step()))
    n = min(isi.size, ref.size)
    err = np.max(np.abs(isi[:n] / ref[:n] - 1))
    ratio = isi[-1] / isi[0]
    print(
        f"adaptive LIF at 2x rheobase: {times.size} spikes, ISI {isi[0] * 1e6:.1f} -> {isi[-1] * 1e6:.1f} us "
        f"(ratio {ratio:.3f}), max ISI error vs exact model {err:.3%}, steady rate "
        f"{1 / isi[-3:].mean():.1f} Hz vs mean-adaptation {float(adapted_rate(i_amp, p)):.1f} Hz"
    )
    assert abs(isi.size - ref.size) <= 1 and n >= 15
    assert np.all(np.diff(isi[:8]) > 0)  # monotonic lengthening while a builds up
    assert ratio > 1.4
    assert err < 0.01
