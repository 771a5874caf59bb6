"""An ideal bounded-conductance device behind the weight interface: the "ideal weights"
baseline of every comparison, and a quantizing stand-in for digital codes in tests.

:class:`IdealConductance` is a synapse whose state *is* its conductance ``G`` (S) in
``[g_min, g_max]``, read linearly (``I = G v``), programmed exactly (a pulse's ``amplitude``
adds that many siemens, saturating at the bounds), with no device-to-device variation. With
``levels = N`` it has a uniform grid of ``N`` conductances and a :meth:`quantize` like the
digital code's, so layers treat it as a digital family.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..errors import ValidationError
from ..surrogates.weights import Pulse, WeightInterface


class IdealConductance(WeightInterface):
    family = "ideal"
    state_name = "g"
    state_unit = "S"
    increasing = True

    def __init__(self, g_min: float = 1e-9, g_max: float = 50e-9, *, v_read: float = 0.2, levels: int | None = None,
                 name: str = "ideal") -> None:
        if not 0 <= g_min < g_max:
            raise ValidationError(f"ideal device: need 0 <= g_min < g_max, got {g_min!r}, {g_max!r} S.")
        if levels is not None and levels < 2:
            raise ValidationError(f"ideal device: levels must be >= 2, got {levels!r}.")
        super().__init__(name, {}, v_read=v_read, levels=levels)
        self.bounds = (float(g_min), float(g_max))
        self.quantized = levels is not None
        if not self.quantized:
            self._levels = 0  # continuous: no finite level count

    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self._t(state) * v

    def g_range(self, v_read: float | None = None) -> tuple[float, float]:
        return self.bounds

    def state_for(self, g: Any, v_read: float | None = None, params: Mapping[str, Any] | None = None) -> Any:
        import torch

        s = torch.clamp(self._t(g), *self.bounds)
        return self.quantize(s) if self.quantized else s

    def grid(self, v_read: float | None = None) -> Any:
        import torch

        return torch.linspace(self.bounds[0], self.bounds[1], int(self._levels), dtype=torch.float64)

    def nominal_pulse(self, direction: int) -> Pulse:
        step = (self.bounds[1] - self.bounds[0]) / (max(int(self._levels or 101), 2) - 1)
        return Pulse(step if direction > 0 else -step, 0.0, terminal="g")

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None) -> Any:
        import torch

        lo, hi = self.bounds
        if isinstance(state, torch.Tensor):
            return torch.clamp(state + pulse.amplitude, lo, hi)
        if isinstance(state, (int, float)):
            return float(min(max(state + pulse.amplitude, lo), hi))
        return np.clip(np.asarray(state, float) + pulse.amplitude, lo, hi)

    def count_levels(self, resolution: float = 0.01, max_pulses: int = 10_000) -> int:
        return int(self._levels or 0)

    def quantize(self, g: Any, *, stochastic: bool = False, generator: Any = None, straight_through: bool = False,
                 v_read: float | None = None) -> Any:
        """Nearest grid level (or stochastic rounding); ``straight_through``: the gradient passes
        to ``g`` unchanged. Only when built with ``levels``."""
        import torch

        if not self.quantized:
            raise ValidationError("this ideal device is continuous (built without levels): nothing to quantize.")
        lo, hi = self.bounds
        n = int(self._levels) - 1
        g_t = self._t(g)
        u = (torch.clamp(g_t, lo, hi) - lo) / (hi - lo) * n
        if stochastic:
            f = torch.floor(u.detach())
            k = f + (torch.rand(u.shape, generator=generator, dtype=u.dtype) < (u.detach() - f)).to(u.dtype)
        else:
            k = torch.round(u.detach())
        q = lo + k / n * (hi - lo)
        return g_t + (q - g_t).detach() if straight_through else q

    def describe(self) -> dict[str, Any]:
        return {"component": self.component, "family": self.family, "v_read": self.v_read, "g_min": self.bounds[0],
                "g_max": self.bounds[1], "levels": int(self._levels or 0), "state": "g (S)", "bounds": self.bounds,
                "source": "ideal"}
