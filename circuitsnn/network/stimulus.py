"""Input spike trains: spike times per input line, and how they become PWL sources.

:class:`SpikeInput` holds one sorted array of spike times (s) per input and the pulse shape an
input spike has (width at half amplitude, linear edges: by default the shape of a default LIF
output spike, so an input looks like a presynaptic neuron). A deck turns each train into a PWL
spike waveform into a row driver, or directly into the read pulses on the row
(:func:`spike_pwl`). :func:`poisson` draws seeded Poisson trains from rates; :func:`digit_rates`
gives digits-like 8x8 rate images without any dataset download.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import ValidationError
from ..spice.ir import Pwl


@dataclass(frozen=True)
class SpikeInput:
    """Spike times per input line (s), the simulated duration and the input pulse shape."""

    times: tuple[np.ndarray, ...]
    t_stop: float
    width: float = 10e-6
    edge: float = 4e-6

    def __post_init__(self) -> None:
        if not self.t_stop > 0 or not self.width > 0 or not self.edge > 0:
            raise ValidationError("SpikeInput needs t_stop, width and edge > 0 s.")
        trains = []
        gap = self.width + self.edge
        for k, t in enumerate(self.times):
            t = np.sort(np.asarray(t, dtype=float).reshape(-1))
            if t.size and (t[0] < self.edge or t[-1] + self.width + self.edge > self.t_stop):
                raise ValidationError(f"input {k}: spikes must start after {self.edge:g} s and end before t_stop = "
                                      f"{self.t_stop:g} s.")
            if t.size > 1 and np.min(np.diff(t)) < gap:
                raise ValidationError(f"input {k}: spikes closer than width + edge = {gap:g} s overlap.",
                                      hint="Use a dead time in the generator (poisson(..., dead_time=...)).")
            trains.append(t)
        object.__setattr__(self, "times", tuple(trains))

    @property
    def n_inputs(self) -> int:
        return len(self.times)

    @property
    def count(self) -> int:
        return int(sum(t.size for t in self.times))

    def until(self, t_stop: float) -> "SpikeInput":
        """The first ``t_stop`` seconds: spikes whose pulse ends by then."""
        return SpikeInput(tuple(t[t + self.width + self.edge <= t_stop] for t in self.times), t_stop, self.width,
                          self.edge)

    def aligned(self, grid: float) -> "SpikeInput":
        """Spike times rounded to a ``grid`` (s), duplicates merged: fewer distinct edges (the
        solver's cost grows with them)."""
        out = []
        for t in self.times:
            g = np.unique(np.round(t / grid) * grid)
            g = g[g >= self.edge]
            keep = [g[0]] if g.size else []
            for x in g[1:]:
                if x - keep[-1] >= self.width + self.edge:
                    keep.append(x)
            out.append(np.asarray(keep, float))
        return SpikeInput(tuple(out), self.t_stop, self.width, self.edge)


def spike_pwl(times: np.ndarray, *, low: float, high: float, width: float, edge: float) -> Pwl:
    """Trapezoids from ``low`` to ``high``: each spike at time t has its rising edge centred on t
    (half amplitude at t), is ``width`` wide at half amplitude, with linear ``edge``s."""
    pts: list[tuple[float, float]] = [(0.0, low)]
    for t in np.asarray(times, float):
        a = t - edge / 2
        pts += [(a, low), (a + edge, high), (a + width, high), (a + width + edge, low)]
    return Pwl(tuple(pts))


def poisson(rates: Sequence[float] | np.ndarray, t_stop: float, *, seed: int, width: float = 10e-6,
            edge: float = 4e-6, dead_time: float | None = None, t_start: float | None = None) -> SpikeInput:
    """Seeded Poisson spike trains, one per rate (Hz), on ``t_start .. t_stop - width - edge``.
    A spike closer than ``dead_time`` (default width + edge) to the previous one is dropped,
    so pulses never overlap."""
    rng = np.random.default_rng(seed)
    rates = np.asarray(rates, dtype=float).reshape(-1)
    if np.any(rates < 0) or not np.all(np.isfinite(rates)):
        raise ValidationError("Poisson rates must be finite and >= 0 Hz.")
    dead = width + edge if dead_time is None else dead_time
    start = edge if t_start is None else t_start
    end = t_stop - width - edge
    trains = []
    for r in rates:
        n = rng.poisson(r * (end - start))
        t = np.sort(rng.uniform(start, end, n))
        keep: list[float] = []
        for x in t:
            if not keep or x - keep[-1] >= dead:
                keep.append(float(x))
        trains.append(np.asarray(keep))
    return SpikeInput(tuple(trains), t_stop, width, edge)


#: seven-segment glyphs of the digits 0-9 (segments a b c d e f g)
_SEGMENTS = {0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc", 5: "afgcd", 6: "afgedc", 7: "abc",
             8: "abcdefg", 9: "abcdfg"}


def digit_rates(digit: int, r_max: float = 200.0, *, seed: int = 0, jitter: float = 0.15) -> np.ndarray:
    """A digits-like 8x8 rate image (Hz, flattened, 64 values): the digit drawn as a
    seven-segment glyph with soft (blurred) strokes, intensities 0..16 as in scikit-learn's
    digits, pixel rate ``intensity / 16 * r_max``, with a seeded ``jitter`` of the stroke
    intensities (no two samples of a digit alike)."""
    if digit not in _SEGMENTS:
        raise ValidationError(f"digit must be 0..9, got {digit!r}.")
    img = np.zeros((8, 8))
    # rows 1, 4, 7 (horizontal strokes), columns 2 and 5 (vertical strokes)
    seg = {"a": (1, slice(2, 6)), "g": (4, slice(2, 6)), "d": (7, slice(2, 6)),
           "f": (slice(1, 5), 2), "b": (slice(1, 5), 5), "e": (slice(4, 8), 2), "c": (slice(4, 8), 5)}
    for s in _SEGMENTS[digit]:
        img[seg[s]] = 16.0
    blur = img.copy()
    blur[1:, :] += 0.25 * img[:-1, :]
    blur[:-1, :] += 0.25 * img[1:, :]
    blur[:, 1:] += 0.25 * img[:, :-1]
    blur[:, :-1] += 0.25 * img[:, 1:]
    rng = np.random.default_rng(seed)
    blur *= 1.0 + jitter * rng.standard_normal(blur.shape)
    intensity = np.clip(np.rint(blur * 16.0 / blur.max()), 0, 16)
    return (intensity / 16.0 * r_max).reshape(-1)


__all__ = ["SpikeInput", "spike_pwl", "poisson", "digit_rates"]
