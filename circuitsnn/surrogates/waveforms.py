"""Drive a surrogate with the same stimulus a deck gave SPICE.

Every surrogate step holds its input constant over a step and integrates exactly. A deck's sources
are piece-wise linear (PWL, PULSE, DC), so the surrogate only needs steps at the waveform's
breakpoints, a few sub-steps on each ramp (midpoint values), and the times where it is compared
with SPICE. :func:`event_grid` builds that grid; :func:`source_points` reads a source's waveform
back from the deck IR, so nothing is re-described by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from ..spice.ir import Dc, Deck, Element, Pulse, Pwl


def source_points(deck: Deck, name: str, t_stop: float | None = None) -> np.ndarray:
    """The waveform of independent source ``name`` as PWL points ``(n, 2)`` [time s, value]."""
    el = next((e for e in deck.elements if isinstance(e, Element) and e.name.lower() == name.lower()), None)
    if el is None:
        raise ValidationError(f"deck {deck.title!r} has no source {name!r}.")
    t_stop = t_stop if t_stop is not None else (deck.tran.stop if deck.tran else 1.0)
    v = el.value
    if isinstance(v, Pwl):
        pts = np.array(v.points, dtype=float)
        if pts[-1, 0] < t_stop:
            pts = np.vstack([pts, [t_stop, pts[-1, 1]]])
        if pts[0, 0] > 0:
            pts = np.vstack([[0.0, pts[0, 1]], pts])
        return pts
    if isinstance(v, Dc) or isinstance(v, (int, float)):
        val = float(v.value if isinstance(v, Dc) else v)
        return np.array([[0.0, val], [t_stop, val]])
    if isinstance(v, Pulse):
        pts = [(0.0, v.v1)]
        t = v.delay
        while t < t_stop:
            pts += [(t, v.v1), (t + v.rise, v.v2), (t + v.rise + v.width, v.v2), (t + v.rise + v.width + v.fall, v.v1)]
            if v.period <= 0:
                break
            t += v.period
        pts.append((max(t_stop, pts[-1][0]), v.v1))
        arr = np.array(pts, dtype=float)
        keep = np.concatenate([[True], np.diff(arr[:, 0]) > 0]) | (np.arange(len(arr)) == 0)
        return arr[keep]
    raise ValidationError(f"source {name!r} of deck {deck.title!r} has a waveform ({type(v).__name__}) "
                          "the surrogate driver does not read.", hint="Use DC, PULSE or PWL sources.")


@dataclass
class Grid:
    """Step boundaries ``t`` (n+1), the input held over each step ``u`` (n, one column per
    source), step lengths ``dt`` (n) and, for each requested sample time, the index of the step
    boundary equal to it (``sample_idx``, into ``t``)."""

    t: np.ndarray
    u: np.ndarray
    dt: np.ndarray
    sample_idx: np.ndarray


def event_grid(sources: list[np.ndarray], t_samples: np.ndarray, *, t_stop: float | None = None,
               ramp_substeps: int = 8, max_dt: float | None = None) -> Grid:
    """A step grid for piece-wise constant driving of a surrogate (see the module docstring).

    ``sources`` are PWL point arrays (from :func:`source_points`); ramps (segments whose value
    changes) are cut into ``ramp_substeps`` steps; ``max_dt`` caps every step.
    """
    t_samples = np.asarray(t_samples, dtype=float)
    t_stop = float(t_stop if t_stop is not None else max(float(t_samples.max()), *(float(s[-1, 0]) for s in sources)))
    knots = [np.array([0.0, t_stop]), t_samples]
    for s in sources:
        knots.append(s[:, 0])
        ramp = np.nonzero(np.diff(s[:, 1]) != 0)[0]
        for k in ramp:
            t0, t1 = s[k, 0], s[k + 1, 0]
            if t1 > t0:
                knots.append(np.linspace(t0, t1, ramp_substeps + 1))
    t = np.unique(np.clip(np.concatenate(knots), 0.0, t_stop))
    if max_dt is not None:
        extra = []
        for a, b in zip(t[:-1], t[1:]):
            n = int(np.ceil((b - a) / max_dt))
            if n > 1:
                extra.append(np.linspace(a, b, n + 1)[1:-1])
        if extra:
            t = np.unique(np.concatenate([t, *extra]))
    mid = 0.5 * (t[:-1] + t[1:])
    u = np.stack([np.interp(mid, s[:, 0], s[:, 1]) for s in sources], axis=1)
    idx = np.searchsorted(t, t_samples)
    idx = np.clip(idx, 0, len(t) - 1)
    return Grid(t=t, u=u, dt=np.diff(t), sample_idx=idx)
