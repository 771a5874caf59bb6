"""Adaptive LIF: parameters, the law's own integration, golden subcircuit, adaptation in ngspice
against the effective LIF surrogate."""

import numpy as np
import pytest
from golden import assert_golden

from circuitsnn.library import registry
from circuitsnn.errors import ValidationError
from circuitsnn.library.neurons import spikes
from circuitsnn.library.neurons.adaptive_lif import AdaptiveLIFParams, adapted_rate, subckt
from circuitsnn.library.neurons.lif import LIFParams, analytic_isi, analytic_rate
from circuitsnn.physics.adaptive_lif import LAW, effective_jump
from circuitsnn.physics.law import values_of
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


def _law_times(p, i, t_stop, t_start=0.0):
    """Threshold crossings (s) of the law under ``i`` (A) switched on at ``t_start``."""
    steps = [t_start] * (t_start > 0) + [t_stop - t_start]
    cur = [0.0] * (t_start > 0) + [i]
    return LAW.run(values_of(p), cur, steps).spike_times


def test_law_without_adaptation_is_the_lif():
    p = AdaptiveLIFParams(b=0.0)
    i = 2e-8
    times = _law_times(p, i, 10e-3)
    np.testing.assert_allclose(np.diff(times), analytic_isi(i, p), rtol=1e-9)
    # the first crossing comes from rest (v_rest = v_reset here)
    assert times[0] == pytest.approx(analytic_isi(i, p) - p.t_ref, rel=1e-9)


def test_law_intervals_lengthen_to_the_adapted_rate():
    p = AdaptiveLIFParams()
    i = 2 * p.rheobase
    isi = np.diff(_law_times(p, i, 10 * p.tau_w))
    assert np.all(np.diff(isi[:10]) > 0)
    assert 1 / isi[-1] == pytest.approx(float(adapted_rate(i, p)), rel=0.02)


def test_effective_jump_accounts_for_the_pumped_adaptation():
    p = AdaptiveLIFParams()
    tp = p.t_ref - p.t_latch
    # the pump delivers one unit over tp while a decays; a jump at the crossing decays for t_ref
    pumped = (p.tau_w / tp) * (1 - np.exp(-tp / p.tau_w))
    assert effective_jump(p) * np.exp(-p.t_ref / p.tau_w) == pytest.approx(pumped, rel=1e-12)
    assert 1.0 < effective_jump(p) < 1.02
    assert p.lif_equivalent()["b"] == pytest.approx(p.b * effective_jump(p))


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
    import torch

    from circuitsnn.surrogates.lif import LIFParameters, lif_run

    p = AdaptiveLIFParams()
    i_amp = 2 * p.rheobase
    t_on = 1e-4  # the step's start (s)
    tb = registry.get("adaptive_lif").testbench("step", p, i_amp=i_amp, t_delay=t_on, t_stop=30e-3)
    res = simulate(tb.deck)
    times = spikes.spike_times(res.tran.time, res.tran["out"], p.spike_threshold())
    isi = np.diff(times)
    # the reference: the exact-relaxation surrogate step with the circuit's effective LIF (the
    # input ramps over one max step: switched on half-way, then 10 us steps)
    lp = LIFParameters(**{k: v for k, v in p.lif_equivalent().items() if k in LIFParameters._fields})
    on = t_on + 0.5 * p.max_step()
    steps = [on] + [1e-5] * int(round((30e-3 - on) / 1e-5))
    cur = torch.full((len(steps), 1), i_amp, dtype=torch.float64)
    cur[0] = 0.0
    t_model = lif_run(cur, lp, steps)[1][:, 0].numpy()
    ref = np.diff(t_model[np.isfinite(t_model)])
    n = min(isi.size, ref.size)
    err = np.max(np.abs(isi[:n] / ref[:n] - 1))
    ratio = isi[-1] / isi[0]
    print(
        f"adaptive LIF at 2x rheobase: {times.size} spikes, ISI {isi[0] * 1e6:.1f} -> {isi[-1] * 1e6:.1f} us "
        f"(ratio {ratio:.3f}), max ISI error vs the effective LIF {err:.3%}, steady rate "
        f"{1 / isi[-3:].mean():.1f} Hz vs mean-adaptation {float(adapted_rate(i_amp, p)):.1f} Hz"
    )
    assert abs(isi.size - ref.size) <= 1 and n >= 15
    assert np.all(np.diff(isi[:8]) > 0)  # monotonic lengthening while a builds up
    assert ratio > 1.4
    assert err < 0.005
