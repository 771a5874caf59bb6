"""The one threshold-crossing routine (circuitsnn.spice.spikes): hysteresis, both directions,
reversed axes, and the sweep measures and old import path using it."""

import math

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.spice import spikes

# a pulse, a dip that stays above 0.3 (noise on the high level), a real reset, a pulse
T = np.arange(8.0)
V = np.array([0.0, 1.0, 0.45, 1.0, 0.0, 1.0, 1.0, 0.0])


def test_hysteresis_rearms_only_below_level_minus_hysteresis():
    np.testing.assert_allclose(spikes.crossings(T, V, 0.5), [0.5, 2 + 0.05 / 0.55, 4.5])
    np.testing.assert_allclose(spikes.crossings(T, V, 0.5, hysteresis=0.2), [0.5, 4.5])
    # a dip to exactly level - hysteresis does not re-arm; just below does
    assert spikes.crossings(T, np.where(V == 0.45, 0.3, V), 0.5, hysteresis=0.2).size == 2
    assert spikes.crossings(T, np.where(V == 0.45, 0.2999, V), 0.5, hysteresis=0.2).size == 3
    np.testing.assert_allclose(spikes.spike_times(T, V, 0.5, hysteresis=0.2), [0.5, 4.5])


def test_falling_hysteresis_mirrors_rising():
    np.testing.assert_allclose(spikes.crossings(T, 1 - V, 0.5, "falling", hysteresis=0.2), [0.5, 4.5])
    np.testing.assert_allclose(spikes.crossings(T, 1 - V, 0.5, "falling"), [0.5, 2 + 0.05 / 0.55, 4.5])


def test_either_direction_in_time_order_and_first_crossing():
    got = spikes.crossings(T, V, 0.5, "either")
    np.testing.assert_allclose(got, [0.5, 1 + 0.5 / 0.55, 2 + 0.05 / 0.55, 3.5, 4.5, 6.5])
    assert spikes.first_crossing(T, V, 0.5) == pytest.approx(0.5)
    assert spikes.first_crossing(T, V, 0.5, after=3.0) == pytest.approx(3.5)
    assert spikes.first_crossing(T, V, 0.5, "rising", after=3.0) == pytest.approx(4.5)
    assert math.isnan(spikes.first_crossing(T, V, 2.0))


def test_reversed_axis_only_when_asked():
    x = np.linspace(1.0, 0.0, 11)  # a DC sweep run from 1 V down to 0 V
    y = 1.0 - x
    with pytest.raises(ValidationError, match="must not decrease"):
        spikes.crossings(x, y, 0.25)
    np.testing.assert_allclose(spikes.crossings(x, y, 0.25, increasing=False), [0.75])


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "0.1", True])
def test_bad_hysteresis_is_named(bad):
    with pytest.raises(ValidationError, match="hysteresis"):
        spikes.crossings(T, V, 0.5, hysteresis=bad)


def test_sweep_measures_and_the_old_import_path_use_this_routine():
    from circuitsnn.library.neurons import spikes as old
    from circuitsnn.spice.result import Plot, Result
    from circuitsnn.sweep import get_measure

    assert old.crossings is spikes.crossings and old.spike_times is spikes.spike_times
    res = Result(plots=(Plot("tran", "Transient Analysis", "time", T, {"v(out)": V}, {"v(out)": "V"}, "s"),))
    count = get_measure("spike_count")
    for h in (0.0, 0.2):
        assert count(res, signal="out", threshold=0.5, hysteresis=h) == spikes.crossings(T, V, 0.5, hysteresis=h).size
    fall = get_measure("crossing_time")(res, signal="out", threshold=0.5, direction="fall", n=2)
    assert fall == pytest.approx(spikes.crossings(T, V, 0.5, "falling")[1])
