"""Optocoupler synapse: validation, conductance vs LED current (monotonic power law), and the
asymmetric on/off time constants."""

from __future__ import annotations

import numpy as np
import pytest

from circuitsnn.library.synapses import optocoupler as o
from circuitsnn.errors import ValidationError
from circuitsnn.spice import simulate

C = o.COMPONENT


def test_rejects_bad_values_naming_field_unit_and_range():
    with pytest.raises(ValidationError, match=r"OptocouplerParams\.tau_on .*unit s.*> 0"):
        o.OptocouplerParams(tau_on=0.0)
    with pytest.raises(ValidationError, match=r"OptocouplerParams\.g_dark .*unit S"):
        o.OptocouplerParams(g_dark=-1e-9)
    with pytest.raises(ValidationError, match=r"OptocouplerParams\.gamma .*<= 2"):
        o.OptocouplerParams(gamma=3.0)
    with pytest.raises(ValidationError, match=r"OptocouplerParams\.led_n .*>= 1"):
        o.OptocouplerParams(led_n=0.5)


@pytest.mark.ngspice
def test_conductance_is_monotonic_in_led_current_and_follows_the_power_law():
    p = o.OptocouplerParams()
    tb = C.testbench("transfer", p)
    r = tb.measure(simulate(tb.deck))
    order = np.argsort(r["i_led"])
    g = r["g"][order]
    assert np.all(np.diff(g) >= -1e-15), "G never falls as the LED current rises"
    lit = r["i_led"][order] > 1e-8
    assert np.all(np.diff(g[lit]) > 0), "strictly rising once the LED conducts"
    assert g[-1] / g[0] > 30, "dark to full drive spans a network's weight range (20 nS .. 1 uS)"
    assert r["g"] == pytest.approx(p.g_steady(r["i_led"]), rel=2e-3)  # ngspice's DC reltol 1e-3 on v(g)
    # the power law: the log-log slope of (G - G_dark) vs I_led is gamma
    bright = r["i_led"] > 1e-7
    slope = np.polyfit(np.log(r["i_led"][bright]), np.log(r["g"][bright] - p.g_dark), 1)[0]
    assert slope == pytest.approx(p.gamma, rel=0.01)


@pytest.mark.ngspice
@pytest.mark.parametrize(
    "params",
    [o.OptocouplerParams(), o.OptocouplerParams(tau_on=1e-3, tau_off=4e-3, gamma=0.6)],
    ids=["default", "fast"],
)
def test_on_and_off_time_constants_match_their_parameters(params):
    tb = C.testbench("step", params)
    r = tb.measure(simulate(tb.deck))
    assert r["tau_on"] == pytest.approx(params.tau_on, rel=0.05)
    assert r["tau_off"] == pytest.approx(params.tau_off, rel=0.05)


@pytest.mark.ngspice
def test_pulse_train_builds_up_conductance():
    """LED pulses closer than tau_off accumulate: each pulse ends at a higher conductance."""
    tb = C.testbench("program", count=6)
    g = tb.measure(simulate(tb.deck))["g"]
    assert np.all(np.diff(g) > 0)
