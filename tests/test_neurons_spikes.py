"""Spike extraction: threshold crossings with linear interpolation, widths, rates."""

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library.neurons import spikes


def test_crossings_are_interpolated():
    t = [0.0, 1.0, 2.0, 3.0]
    v = [0.0, 1.0, 0.0, 2.0]
    np.testing.assert_allclose(spikes.crossings(t, v, 0.5), [0.5, 2.25])
    np.testing.assert_allclose(spikes.crossings(t, v, 0.5, "falling"), [1.5])
    # a sample exactly on the level counts once, at that sample
    np.testing.assert_allclose(spikes.crossings([0, 1, 2], [0, 0.5, 1], 0.5), [1.0])


def test_interpolation_error_is_second_order_on_a_sine():
    f = 1e3
    errors = []
    for n in (200, 2000):
        t = np.linspace(0, 5e-3, n)
        v = np.sin(2 * np.pi * f * t)
        got = spikes.spike_times(t, v, 0.5)
        want = (np.arange(5) + 1 / 12) / f  # sin(x) = 0.5 at x = pi/6
        assert got.size == 5
        errors.append(np.max(np.abs(got - want)))
    assert errors[0] < 1e-6  # 25 us samples: error well under 1 us
    assert errors[1] < errors[0] / 50  # 10x finer sampling: ~100x smaller error


def test_min_interval_debounces():
    t = np.arange(8.0)
    v = np.array([0, 1, 0, 1, 0, 0, 1, 0])
    assert spikes.spike_times(t, v, 0.5).size == 3
    np.testing.assert_allclose(spikes.spike_times(t, v, 0.5, min_interval=2.5), [0.5, 5.5])


def test_widths_skip_an_unfinished_pulse():
    t = np.arange(10.0)
    v = np.array([0, 1, 1, 0, 0, 1, 1, 1, 0, 1])
    np.testing.assert_allclose(spikes.spike_widths(t, v, 0.5), [2.0, 3.0])


def test_firing_rate():
    times = [0.0, 1.0, 2.0, 4.0]
    assert spikes.firing_rate(times) == pytest.approx(0.75)
    assert spikes.firing_rate(times, skip=1) == pytest.approx(2 / 3)
    assert spikes.firing_rate(times, tail=0.5) == pytest.approx(1 / 1.5)
    assert spikes.firing_rate([1.0]) == 0.0
    assert spikes.count_in(times, 1.0, 4.0) == 2
    with pytest.raises(ValidationError, match="tail"):
        spikes.firing_rate(times, tail=0)


def test_bad_input_is_named():
    with pytest.raises(ValidationError, match="differ in length"):
        spikes.crossings([0, 1], [0, 1, 2], 0.5)
    with pytest.raises(ValidationError, match="must not decrease"):
        spikes.crossings([0, 2, 1], [0, 1, 0], 0.5)
    with pytest.raises(ValidationError, match="direction"):
        spikes.crossings([0, 1], [0, 1], 0.5, "up")  # type: ignore[arg-type]
