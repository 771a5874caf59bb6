"""Activity regularization with lower and upper rate bounds (Zenke & Vogels, Neural
Computation 33, 2021), in physical units.

For a layer's spikes ``z`` ``(T, B, n)`` over a presentation of ``T dt`` seconds, the rate of
neuron ``j`` on sample ``b`` is ``r_bj = sum_t z_tbj / (T dt)`` (Hz). Two penalties:

* **lower bound, per neuron**: ``lower_strength * mean_bj relu(lower_rate - r_bj)^2 / lower_rate^2``
  — silent neurons get a gradient that wakes them (no dead units);
* **upper bound, on the population**: ``upper_strength * mean_b relu(mean_j r_bj - upper_rate)^2
  / upper_rate^2`` — the layer's mean rate stays below ``upper_rate`` (sparse activity: fewer
  read pulses, less energy).

Rates are divided by their bound so the strengths are dimensionless. Either term is off when
its strength is 0.

A third penalty keeps a **membrane read-out inside the range its circuit can hold**: the output
neurons' membranes ``v`` ``(T, B, C)`` (V) of ``readout = "membrane"`` are the nodes a column's
current copy charges, and a real copy only drives them between its rails (a behavioural one
would drive them anywhere, so a network trained without the penalty can score with volts no
circuit on a 1.8 V supply holds). ``membrane_strength * mean relu(v - membrane_max)^2 +
relu(membrane_min - v)^2 / (membrane_max - membrane_min)^2``, over steps, samples and neurons.
Deployment reports how far the deck's read-out membranes went (``circuitsnn verify``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import torch

from ..errors import ValidationError


@dataclass
class ActivityRegularizer:
    """The ``[regularization]`` section (module docstring); rates in Hz."""

    lower_rate: float = 10.0
    lower_strength: float = 0.0
    upper_rate: float = 100.0
    upper_strength: float = 0.0
    #: which layers: "hidden" (all but the output) or "all"
    layers: str = "hidden"
    #: the membrane read-out's range (V) and the strength that keeps it there (0: off)
    membrane_min: float = 0.0
    membrane_max: float = 1.8
    membrane_strength: float = 0.0

    def __post_init__(self) -> None:
        for name in ("lower_rate", "upper_rate"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValidationError(f"regularization {name} must be > 0 Hz, got {v!r}.")
        for name in ("lower_strength", "upper_strength"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValidationError(f"regularization {name} must be >= 0, got {v!r}.")
        if not (math.isfinite(self.membrane_strength) and self.membrane_strength >= 0):
            raise ValidationError(f"regularization membrane_strength must be >= 0, got {self.membrane_strength!r}.")
        if not self.membrane_max > self.membrane_min:
            raise ValidationError(f"regularization membrane_max ({self.membrane_max!r} V) must be above membrane_min "
                                  f"({self.membrane_min!r} V).")
        if self.layers not in ("hidden", "all"):
            raise ValidationError(f"regularization layers must be \"hidden\" or \"all\", got {self.layers!r}.")

    @property
    def active(self) -> bool:
        return self.lower_strength > 0 or self.upper_strength > 0 or self.membrane_strength > 0

    def membrane(self, v: torch.Tensor) -> torch.Tensor:
        """The read-out range penalty of membranes ``v`` (V) (module docstring)."""
        span = self.membrane_max - self.membrane_min
        out = torch.relu(v - self.membrane_max) ** 2 + torch.relu(self.membrane_min - v) ** 2
        return self.membrane_strength * out.mean() / span**2

    def __call__(self, spikes: Sequence[torch.Tensor], dt: float, v_readout: torch.Tensor | None = None) -> torch.Tensor:
        """The rate penalties of ``spikes`` and, with ``v_readout`` (a membrane read-out's
        membranes), the range penalty."""
        chosen = list(spikes[:-1]) if self.layers == "hidden" and len(spikes) > 1 else list(spikes)
        total = torch.zeros((), device=chosen[0].device) if chosen else torch.zeros(())
        for z in chosen:
            rate = z.sum(0) / (z.shape[0] * dt)
            if self.lower_strength > 0:
                total = total + self.lower_strength * (torch.relu(self.lower_rate - rate) ** 2).mean() / self.lower_rate**2
            if self.upper_strength > 0:
                total = total + self.upper_strength * (torch.relu(rate.mean(1) - self.upper_rate) ** 2).mean() / self.upper_rate**2
        if self.membrane_strength > 0 and v_readout is not None:
            total = total + self.membrane(v_readout)
        return total

    def to_dict(self) -> dict:
        return asdict(self)
