"""Spike times from sampled waveforms, and the statistics built on them.

A spike is a rising crossing of a threshold (usually half the output pulse amplitude). SPICE
samples waveforms at irregular time points, so crossing times are found by linear interpolation
between the two samples that bracket the threshold: the error is second order in the local step
instead of one whole step. Everything here is plain numpy and knows nothing about SPICE, so the
surrogate fits and the sweep measures reuse it on any (t, v) arrays.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...errors import ValidationError

Direction = Literal["rising", "falling"]


def _as_tv(t: object, v: object) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float).reshape(-1)
    v = np.asarray(v, dtype=float).reshape(-1)
    if t.shape != v.shape:
        raise ValidationError(
            f"time and waveform differ in length ({t.size} vs {v.size} samples).",
            hint="Pass the time axis of the same analysis as the signal (res.tran.time).",
        )
    if t.size > 1 and np.any(np.diff(t) < 0):
        raise ValidationError("the time axis must not decrease.", hint="Sort the samples by time.")
    return t, v


def crossings(t: object, v: object, level: float, direction: Direction = "rising") -> np.ndarray:
    """Times (s) at which ``v`` crosses ``level`` in ``direction``, linearly interpolated.

    A rising crossing is a pair of samples with ``v[k] < level <= v[k+1]`` (falling: the mirror).
    """
    t, v = _as_tv(t, v)
    if direction not in ("rising", "falling"):
        raise ValidationError(f"direction must be 'rising' or 'falling', got {direction!r}.")
    if t.size < 2:
        return np.empty(0)
    if direction == "falling":
        v, level = -v, -level
    k = np.nonzero((v[:-1] < level) & (v[1:] >= level))[0]
    dv = v[k + 1] - v[k]
    return t[k] + (level - v[k]) * (t[k + 1] - t[k]) / dv


def spike_times(t: object, v: object, threshold: float, *, min_interval: float = 0.0) -> np.ndarray:
    """Rising threshold crossings of ``v`` (s). Crossings closer than ``min_interval`` (s) to the
    previous accepted one are dropped (debouncing a noisy edge)."""
    times = crossings(t, v, threshold, "rising")
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
