"""Weight interface of the digital-code synapse: the state is the integer code.

* **read** — the fitted read law ``I = v (1 + beta v) sum_k bit_k g_b<k>``
  (:mod:`circuitsnn.physics.digital_code`); a state is rounded to the nearest code;
* **levels** — the 2^N codes, every one distinct (the switches keep the code-to-conductance
  map monotonic; DNL well below one LSB); :meth:`DigitalCodeWeights.grid` gives their
  conductances, :meth:`~DigitalCodeWeights.state_for` the nearest code of a conductance;
* **programming** — a code step: ``Pulse(amplitude=+-n, width=t_write, terminal="code")`` adds
  ``n`` LSB (rounded) and saturates at 0 and 2^N - 1; writing is exact (no pulse dynamics). The
  planner steps one LSB at a time from the start code to the target code;
* **quantization** — :meth:`~DigitalCodeWeights.quantize` maps conductances to the grid
  (nearest, or stochastic rounding between the two neighbouring levels), optionally with a
  straight-through gradient; training with it is the learner's business.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ValidationError
from ..artifacts import load_model
from ..digital_code import code_to_bits, digital_current, n_bits_of
from .base import Pulse, PulsePlan, WeightInterface, nearest_level


class DigitalCodeWeights(WeightInterface):
    family = "digital_code"
    state_name = "code"
    state_unit = "1"
    increasing = True

    def __init__(self, component: str, values: Mapping[str, float], operating: Mapping[str, float], **kw: Any) -> None:
        if "v_read" not in operating:
            raise ValidationError(f"{component}: the operating table lacks v_read.")
        self.n_bits = n_bits_of(values)
        kw.setdefault("levels", 2**self.n_bits)
        super().__init__(component, {k: v for k, v in values.items() if k.startswith("g_b") or k == "beta"},
                         v_read=operating["v_read"], **kw)
        self.operating = dict(operating)
        self.bounds = (0.0, float(2**self.n_bits - 1))
        self.state_step = 1.0  # one code
        g = self.grid().detach().numpy()
        if not np.all(np.diff(g) > 0):
            raise ValidationError(f"{component}: the code-to-conductance map is not monotonic at {self.v_read:g} V.")

    @classmethod
    def from_component(cls, comp: Any, model: Any = None, **kw: Any) -> "DigitalCodeWeights":
        """From a registered component: the fitted bit conductances of ``model`` (a surrogate
        JSON) when given, else the design values ``2^k g_lsb (1 - eps)`` of the Params."""
        values = comp.default_params().design_bit_conductances()
        extra: dict = {}
        source = "nominal"
        if model is not None:
            m = load_model(model)
            if m.name != comp.name:
                raise ValidationError(f"surrogate {str(model)!r} is for {m.name!r}, not {comp.name!r}.")
            values = {k: float(v) for k, v in m.parameters.items()}
            extra, source = dict(m.extra), str(model)
        return cls(comp.name, values, comp.operating, variation=extra.get("variation"), source=source, **kw)

    # -- read ------------------------------------------------------------------------------
    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        import torch

        code = torch.round(self._t(state))
        bits = code_to_bits(code, self.n_bits).to(torch.float64)
        return digital_current(v, bits, self._params(params))

    def grid(self, v_read: float | None = None) -> Any:
        """Conductance (S) of every code 0 .. 2^N - 1 at the read bias."""
        import torch

        return self.conductance(torch.arange(2**self.n_bits, dtype=torch.float64), v_read)

    def state_for(self, g: Any, v_read: float | None = None, params: Mapping[str, Any] | None = None) -> Any:
        """The code whose conductance is nearest ``g`` (S), as a float tensor; with ``params``
        (per-device bit conductances, broadcast against ``g``) each device's own nearest code:
        every code is tried, since a device's own code map need not be monotonic."""
        import torch

        g_t = self._t(g)
        if not params:
            return nearest_level(g_t, self.grid(v_read)).to(torch.float64)
        codes = torch.arange(2**self.n_bits, dtype=torch.float64)
        own = {k: self._t(v).unsqueeze(-1) for k, v in params.items()}
        grid = self.conductance(codes, v_read, own)
        return torch.argmin((g_t.unsqueeze(-1) - grid).abs(), dim=-1).to(torch.float64)

    def verified_state(self, g: Any, params: Mapping[str, Any] | None = None, v_read: float | None = None) -> Any:
        """Program-and-verify on a code word: each device's own nearest code."""
        return self.state_for(g, v_read, params)

    def quantize(self, g: Any, *, stochastic: bool = False, generator: Any = None, straight_through: bool = False,
                 v_read: float | None = None) -> Any:
        """Conductances ``g`` (S) mapped onto the code grid: the nearest level, or with
        ``stochastic`` the lower or upper neighbour with probabilities by linear position
        (unbiased). ``straight_through``: the forward value is on the grid, the gradient passes
        to ``g`` unchanged (``g + (q - g).detach()``)."""
        import torch

        grid = self.grid(v_read)
        g_t = self._t(g)
        if stochastic:
            gc = torch.clamp(g_t, grid[0], grid[-1])
            hi = torch.clamp(torch.searchsorted(grid, gc.detach().contiguous()), 1, len(grid) - 1)
            lo = hi - 1
            frac = (gc - grid[lo]) / (grid[hi] - grid[lo])
            up = torch.rand(frac.shape, generator=generator, dtype=frac.dtype) < frac.detach()
            q = torch.where(up, grid[hi], grid[lo])
        else:
            q = grid[self.state_for(g_t.detach(), v_read).long()]
        return g_t + (q - g_t).detach() if straight_through else q

    @staticmethod
    def stochastic_round(x: Any, generator: Any = None) -> Any:
        """``floor(x)`` or ``floor(x) + 1`` with probability ``x - floor(x)`` (unbiased)."""
        import torch

        x = torch.as_tensor(x, dtype=torch.float64)
        f = torch.floor(x)
        return f + (torch.rand(x.shape, generator=generator, dtype=x.dtype) < (x - f)).to(x.dtype)

    # -- programming ------------------------------------------------------------------------
    def nominal_pulse(self, direction: int) -> Pulse:
        """One LSB up (+1) or down (-1)."""
        return Pulse(1.0 if direction > 0 else -1.0, self.operating.get("t_write", 0.0), terminal="code")

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None) -> Any:
        import torch

        if pulse.terminal != "code":
            raise ValidationError(f"{self.component}: a digital code is written as a code step (terminal 'code'), "
                                  f"not on {pulse.terminal!r}.")
        step = float(round(pulse.amplitude))
        lo, hi = self.bounds
        if isinstance(state, torch.Tensor):
            return torch.clamp(torch.round(state) + step, lo, hi)
        if isinstance(state, (int, float)):
            return float(min(max(round(state) + step, lo), hi))
        return np.clip(np.round(np.asarray(state, float)) + step, lo, hi)

    def count_levels(self, resolution: float = 0.01, max_pulses: int = 10_000) -> int:
        return 2**self.n_bits

    def plan(self, start: float, target: float, *, tol: float = 0.005, max_pulses: int = 1000,
             fine: Sequence[float] = ()) -> PulsePlan:
        """One LSB step at a time from ``round(start)`` to ``round(target)``: exact on the grid."""
        g_lo, g_hi = self.g_range()
        span = g_hi - g_lo
        s, goal = float(round(start)), float(min(max(round(target), self.bounds[0]), self.bounds[1]))
        plan = PulsePlan(start=float(start), target=float(target))
        while s != goal and plan.count < max_pulses:
            pulse = self.nominal_pulse(1 if goal > s else -1)
            s = float(self.program(s, pulse))
            plan.pulses.append(pulse)
            plan.states.append(s)
        plan.final = s
        plan.error = float(self.conductance(s)) - float(self.conductance(target))
        plan.rel_error = abs(plan.error) / span if span > 0 else float("nan")
        plan.converged = plan.rel_error <= tol
        return plan

