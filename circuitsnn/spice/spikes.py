"""Threshold crossings of sampled waveforms (spike times), and the statistics built on them.

The one threshold-crossing routine of circuitsnn: neurons, sweep measures and device
testbenches all find spikes and edges with :func:`crossings`.

A spike is a rising crossing of a threshold (usually half the output pulse amplitude). SPICE
samples waveforms at irregular time points, so crossing times are found by linear interpolation
between the two samples that bracket the threshold: the error is second order in the local step
instead of one whole step. A rising crossing is a pair of samples with
``v[k] < level <= v[k+1]`` (falling: the mirror), so a sample exactly on the level counts once.

``hysteresis`` (same unit as the signal, >= 0) debounces a noisy edge: after a rising crossing,
the next one counts only once the signal has fallen below ``level - hysteresis`` (falling
crossings: risen above ``level + hysteresis``). Everything here is plain numpy and knows nothing
about devices, so surrogate fits, sweep measures and testbenches use it on any (t, v) arrays.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from ..errors import ValidationError

Direction = Literal["rising", "falling", "either"]
DIRECTIONS = ("rising", "falling", "either")

__all__ = [
    "Direction", "DIRECTIONS", "crossings", "first_crossing", "spike_times", "spike_widths", "isi",
    "firing_rate", "count_in",
]


def _as_tv(t: object, v: object, *, increasing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float).reshape(-1)
    v = np.asarray(v)
    v = (v.real if np.iscomplexobj(v) else v).astype(float).reshape(-1)
    if t.shape != v.shape:
        raise ValidationError(
            f"time and waveform differ in length ({t.size} vs {v.size} samples).",
            hint="Pass the time axis of the same analysis as the signal (res.tran.time).",
        )
    if increasing and t.size > 1 and np.any(np.diff(t) < 0):
        raise ValidationError("the time axis must not decrease.", hint="Sort the samples by time.")
    return t, v


def _rising_index(v: np.ndarray, level: float, hysteresis: float) -> np.ndarray:
    """Indices k with v[k] < level <= v[k+1], re-armed below ``level - hysteresis``."""
    k = np.flatnonzero((v[:-1] < level) & (v[1:] >= level))
    if hysteresis > 0 and k.size > 1:
        rearmed = np.concatenate(([0], np.cumsum(v < level - hysteresis)))  # rearmed[j]: count in v[:j]
        kept = [k[0]]
        for j in k[1:]:
            # a sample in v[kept[-1]+1 .. j] went below level - hysteresis since the last spike
            if rearmed[j + 1] - rearmed[kept[-1] + 1] > 0:
                kept.append(j)
        k = np.asarray(kept, dtype=int)
    return k


def _interpolate(t: np.ndarray, v: np.ndarray, k: np.ndarray, level: float) -> np.ndarray:
    dv = v[k + 1] - v[k]
    return t[k] + (level - v[k]) * (t[k + 1] - t[k]) / dv


def crossings(
    t: object,
    v: object,
    level: float,
    direction: Direction = "rising",
    *,
    hysteresis: float = 0.0,
    increasing: bool = True,
) -> np.ndarray:
    """Axis values (s for a transient) at which ``v`` crosses ``level`` in ``direction``,
    linearly interpolated, in increasing sample order.

    ``direction``: "rising", "falling" or "either". ``hysteresis`` >= 0: see the module
    docstring. ``increasing=False`` accepts an axis that decreases (a DC sweep run from high to
    low); by default a decreasing time axis is an error.
    """
    if direction not in DIRECTIONS:
        raise ValidationError(f"direction must be 'rising', 'falling' or 'either', got {direction!r}.")
    h = float(hysteresis) if isinstance(hysteresis, numbers.Real) and not isinstance(hysteresis, bool) else math.nan
    if not (math.isfinite(h) and h >= 0):
        raise ValidationError(f"hysteresis must be a number >= 0, got {hysteresis!r}.", hint="Give it in the unit of the signal, e.g. 0.1 (V).")
    t, v = _as_tv(t, v, increasing=increasing)
    level = float(level)
    if t.size < 2:
        return np.empty(0)
    if direction == "either":
        up = _rising_index(v, level, h)
        down = _rising_index(-v, -level, h)
        order = np.argsort(np.concatenate((up, down)), kind="stable")
        times = np.concatenate((_interpolate(t, v, up, level), _interpolate(t, -v, down, -level)))
        return times[order]
    if direction == "falling":
        v, level = -v, -level
    return _interpolate(t, v, _rising_index(v, level, h), level)


def first_crossing(
    t: object, v: object, level: float, direction: Direction = "either", *, after: float | None = None
) -> float:
    """The first crossing of ``level`` at or after axis value ``after`` (NaN when there is none).

    Only samples from ``after`` on are looked at, so a crossing between the last sample before
    ``after`` and the first one after it is not seen."""
    t, v = _as_tv(t, v)
    if after is not None:
        keep = t >= after
        t, v = t[keep], v[keep]
    found = crossings(t, v, level, direction)
    return float(found[0]) if found.size else math.nan


def spike_times(
    t: object, v: object, threshold: float, *, min_interval: float = 0.0, hysteresis: float = 0.0
) -> np.ndarray:
    """Rising threshold crossings of ``v`` (s). Crossings closer than ``min_interval`` (s) to the
    previous accepted one are dropped; ``hysteresis`` (V) re-arms below ``threshold -
    hysteresis`` (both debounce a noisy edge)."""
    times = crossings(t, v, threshold, "rising", hysteresis=hysteresis)
    if min_interval <= 0 or times.size < 2:
        return times
    keep = [times[0]]
    for x in times[1:]:
        if x - keep[-1] >= min_interval:
            keep.append(x)
    return np.asarray(keep)


def spike_widths(t: object, v: object, threshold: float) -> np.ndarray:
    """Width (s) of each complete pulse: from a rising to the next falling crossing of
    ``threshold``. A pulse still high at the end of the record is left out."""
    up = crossings(t, v, threshold, "rising")
    down = crossings(t, v, threshold, "falling")
    widths = []
    for u in up:
        after = down[down > u]
        if after.size:
            widths.append(after[0] - u)
    return np.asarray(widths, dtype=float)


def isi(times: object) -> np.ndarray:
    """Inter-spike intervals (s) of sorted spike times."""
    times = np.asarray(times, dtype=float).reshape(-1)
    return np.diff(times)


def firing_rate(times: object, *, skip: int = 0, tail: float | None = None) -> float:
    """Firing rate (Hz) as the reciprocal of the mean inter-spike interval.

    ``skip``: leave out that many spikes at the start (an onset transient). ``tail`` in (0, 1]:
    use only that last fraction of the intervals (the steady state of an adapting neuron).
    Returns 0.0 when fewer than two spikes remain: no interval, no rate.
    """
    times = np.asarray(times, dtype=float).reshape(-1)[max(0, int(skip)) :]
    intervals = isi(times)
    if intervals.size == 0:
        return 0.0
    if tail is not None:
        if not 0 < tail <= 1:
            raise ValidationError(f"tail must be in (0, 1], got {tail!r}.")
        n = max(1, int(round(intervals.size * tail)))
        intervals = intervals[-n:]
    return float(1.0 / intervals.mean())


def count_in(times: object, t_start: float, t_stop: float) -> int:
    """Number of spikes with ``t_start <= t < t_stop``."""
    times = np.asarray(times, dtype=float).reshape(-1)
    return int(np.count_nonzero((times >= t_start) & (times < t_stop)))
