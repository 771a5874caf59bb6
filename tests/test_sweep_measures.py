"""Sweep measures on waveforms with known answers (analytic crossings, exponentials)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitsnn.errors import SignalNotFound, ValidationError
from circuitsnn.spice.result import Plot, Result
from circuitsnn.sweep import get_measure, register_measure
from circuitsnn.sweep.measures import MEASURES, MeasureSpec


def tran(t, **signals) -> Result:
    sig = {f"v({k})" if not k.startswith("i_") else f"i({k[2:]})": np.asarray(v, float) for k, v in signals.items()}
    units = {k: "V" if k.startswith("v(") else "A" for k in sig}
    return Result(plots=(Plot("tran", "Transient Analysis", "time", np.asarray(t, float), sig, units, "s"),))


def m(name, res, **args):
    d = get_measure(name)
    d.check_args(args)
    return d(res, **args)


def test_spike_measures_on_a_sine_match_the_analytic_crossings():
    f = 1e3
    t = np.linspace(0, 5e-3, 5001)
    res = tran(t, mem=np.sin(2 * np.pi * f * t))
    # sin crosses 0.5 upward at t = (1/12 + k) / f, k = 0..4
    assert m("spike_count", res, signal="mem", threshold=0.5) == 5
    assert m("first_spike_latency", res, signal="mem", threshold=0.5) == pytest.approx(1 / 12 / f, rel=1e-4)
    assert m("first_spike_latency", res, signal="mem", threshold=0.5, t_start=1.5e-3) == pytest.approx((2 + 1 / 12) / f - 1.5e-3, rel=1e-4)
    assert m("isi_rate", res, signal="mem", threshold=0.5) == pytest.approx(f, rel=1e-4)
    assert m("spike_rate", res, signal="mem", threshold=0.5, t_start=1e-3, t_stop=3e-3) == pytest.approx(2 / 2e-3)
    assert m("crossing_time", res, signal="mem", threshold=0.5, direction="fall", n=2) == pytest.approx((1 + 5 / 12) / f, rel=1e-4)
    assert math.isnan(m("first_spike_latency", res, signal="mem", threshold=2.0))
    assert m("spike_count", res, signal="mem", threshold=2.0) == 0


def test_hysteresis_ignores_a_dip_that_does_not_rearm():
    t = np.arange(6.0)
    res = tran(t, out=[0, 0.6, 0.45, 0.6, 0, 0.6])
    assert m("spike_count", res, signal="out", threshold=0.5) == 3
    assert m("spike_count", res, signal="out", threshold=0.5, hysteresis=0.2) == 2


def test_levels_and_windows():
    t = np.linspace(0, 1, 101)
    tau = 0.1
    res = tran(t, out=1 - np.exp(-t / tau), ramp=2 * t)
    assert m("final_value", res, signal="out") == pytest.approx(1 - math.exp(-10))
    assert m("value_at", res, signal="ramp", at=0.255) == pytest.approx(0.51)
    assert math.isnan(m("value_at", res, signal="ramp", at=2.0))
    assert m("mean", res, signal="ramp") == pytest.approx(1.0)
    assert m("mean", res, signal="ramp", t_start=0.5, t_stop=1.0) == pytest.approx(1.5)
    assert m("peak", res, signal="ramp", t_stop=0.5) == pytest.approx(1.0)
    assert m("peak", res, signal="ramp", mode="min") == 0.0
    assert m("integral", res, signal="ramp") == pytest.approx(1.0)
    # 10-90 % rise of 1 - exp(-t/τ) is τ ln 9 (to the grid's interpolation error)
    assert m("rise_time", res, signal="out") == pytest.approx(tau * math.log(9), rel=2e-2)
    with pytest.raises(ValidationError, match="mode"):
        m("peak", res, signal="ramp", mode="biggest")


def test_conductance_and_delta_g_from_read_windows():
    t = np.linspace(0, 1, 1001)
    v_read = 0.1
    g = np.where(t < 0.5, 1e-6, 3e-6)
    res = tran(t, i_vread=-g * v_read)  # ngspice: current into the source's + node is negative
    assert m("conductance", res, current="i(vread)", v_read=v_read, t_start=0.1, t_stop=0.4) == pytest.approx(1e-6)
    assert m("conductance", res, current="i(vread)", v_read=v_read, t_start=0.6, t_stop=0.9) == pytest.approx(3e-6)
    dg = m("delta_g_per_pulse", res, current="i(vread)", v_read=v_read, before=[0.1, 0.4], after=[0.6, 0.9], pulses=4)
    assert dg == pytest.approx(0.5e-6)
    with pytest.raises(ValidationError, match="v_read"):
        m("conductance", res, current="i(vread)", v_read=0.0)


def test_op_value_and_missing_signal():
    res = Result(plots=(Plot("op", "Operating Point", None, None, {"v(out)": np.array([0.25])}, {"v(out)": "V"}),))
    assert m("op_value", res, signal="out") == 0.25
    with pytest.raises(SignalNotFound, match="'nope'"):
        m("final_value", res, signal="nope")


def test_units_follow_the_signal():
    assert get_measure("final_value").unit_for({"signal": "out"}) == "V"
    assert get_measure("peak").unit_for({"signal": "i(vread)"}) == "A"
    assert get_measure("spike_rate").unit_for({"signal": "out"}) == "Hz"
    assert get_measure("conductance").unit_for({"current": "i(v1)"}) == "S"
    assert MeasureSpec("conductance", {"current": "I(Vread)", "v_read": 0.1}).signals() == ["i(vread)"]


def test_argument_check_lists_what_the_measure_takes():
    with pytest.raises(ValidationError) as info:
        get_measure("spike_count").check_args({"signal": "out", "treshold": 0.5})
    assert "treshold" in info.value.message
    assert "threshold" in info.value.hint and "t_start=None" in info.value.hint
    with pytest.raises(ValidationError, match="missing"):
        get_measure("spike_count").check_args({"signal": "out"})
    with pytest.raises(ValidationError, match="no measure named 'spikes'"):
        get_measure("spikes")


def test_users_register_their_own_measures():
    @register_measure("test_span_local", unit="{signal}")
    def span(result, *, signal: str) -> float:
        y = result[signal]
        return float(y.max() - y.min())

    try:
        res = tran([0, 1, 2], out=[0.2, 1.0, 0.5])
        assert m("test_span_local", res, signal="out") == pytest.approx(0.8)
        with pytest.raises(ValidationError, match="already registered"):
            register_measure("test_span_local")(lambda result: 0.0)
    finally:
        MEASURES.pop("test_span_local", None)
