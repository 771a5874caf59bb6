"""Weight interface of the gated Schottky synapse: the state is the barrier lowering ``dphi``
(V) by trapped charge.

* **read** — the law's read current at the read bias ``v_read`` with the gate at 0 V
  (saturation: nearly independent of the read voltage; the ``eta`` lowering remains);
* **programming** — one-way. A gate pulse (``Pulse(..., terminal="gate")``) injects charge:
  the closed form of :mod:`circuitsnn.surrogates.schottky` integrates the law's injection over
  each piece of the pulse (edges as steps), so identical pulses give the logarithmic trapping
  (``I ~ (1 + n c)^m``, near-linear in the pulse count). Only an erase pulse
  (``terminal="erase"``) lowers the state: it discharges the trap layer exponentially
  (``tau_erase``), i.e. it resets it;
* **range** — from the erased state (``dphi = 0``) to the state ``n_max`` nominal pulses reach
  (the component's ``operating`` table: ``v_prog``, ``t_prog``, ``t_edge``, ``n_max``): the
  near-linear window the device is designed for. A program-and-verify controller stops there,
  so :meth:`SchottkyWeights.program` saturates at the top of the range;
* **planner** — :meth:`SchottkyWeights.plan` erases first when the target is below the current
  state, then applies nominal gate pulses that do not pass the target, then ever shorter ones.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ValidationError
from ...physics.constants import T_NOMINAL
from ...physics.expr import MATH, NUMPY, TORCH
from .. import schottky as S
from .base import Pulse, PulsePlan, WeightInterface
from .memristor import law_values

OPERATING = ("v_read", "v_prog", "t_prog", "v_erase", "t_erase", "n_max")


class SchottkyWeights(WeightInterface):
    family = "schottky"
    state_name = "dphi"
    state_unit = "V"
    increasing = True

    def __init__(self, component: str, values: Mapping[str, float], operating: Mapping[str, float], *,
                 temp: float = T_NOMINAL, **kw: Any) -> None:
        missing = set(OPERATING) - set(operating)
        if missing:
            raise ValidationError(f"{component}: the operating table lacks {sorted(missing)}.",
                                  hint=f"Declare {', '.join(OPERATING)} (and t_edge) in the component.")
        super().__init__(component, values, v_read=operating["v_read"], **kw)
        self.operating = dict(operating)
        self.temp = float(temp)
        self.bounds = (0.0, math.inf)
        top = 0.0
        for _ in range(int(operating["n_max"])):
            top = self.program(top, self.nominal_pulse(+1))
        self.bounds = (0.0, float(top))

    @classmethod
    def from_component(cls, comp: Any, model: Any = None, **kw: Any) -> "SchottkyWeights":
        """From a registered component: its operating table and the fitted values of ``model``
        (a surrogate JSON) when given, else the nominal parameters."""
        values, extra, source = law_values(comp, model)
        levels = (extra.get("range_potentiation") or {}).get("levels")
        return cls(comp.name, values, comp.operating, variation=extra.get("variation"), levels=levels,
                   source=source, **kw)

    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        return S.read(v, 0.0, self._t(state), self._params(params), self.temp, TORCH)

    def nominal_pulse(self, direction: int) -> Pulse:
        """+1: a nominal gate program pulse; -1: an erase pulse (the only way down: a reset)."""
        op = self.operating
        edge = op.get("t_edge", 0.0)
        if direction > 0:
            return Pulse(op["v_prog"], op["t_prog"], edge, edge, "gate")
        return Pulse(op["v_erase"], op["t_erase"], edge, edge, "erase")

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None) -> Any:
        import torch

        is_tensor = isinstance(state, torch.Tensor)
        scalar = isinstance(state, (int, float))
        backend = TORCH if is_tensor else (MATH if scalar else NUMPY)
        s = float(state) if scalar else (state if is_tensor else np.asarray(state, dtype=float))
        p = self._params(params)
        if pulse.terminal == "gate":
            for dt, level in pulse.segments():
                s = S.program(s, level, dt, p, backend)
        elif pulse.terminal == "erase":
            for dt, level in pulse.segments():
                s = S.erase(s, level, dt, p, backend)
        else:
            raise ValidationError(f"{self.component}: a Schottky synapse is programmed on 'gate' and erased on "
                                  f"'erase', not on {pulse.terminal!r}.")
        lo, hi = self.bounds
        if is_tensor:
            return torch.clamp(s, lo, hi)
        if scalar:
            return min(max(float(s), lo), hi)
        return np.clip(s, lo, hi)

    def plan(self, start: float, target: float, *, tol: float = 0.005, max_pulses: int = 1000,
             fine: Sequence[float] = (0.5, 0.25, 0.125, 0.0625)) -> PulsePlan:
        """One-way program-and-verify: erase first when the target conductance is below the
        start's (by more than ``tol`` x the range), then nominal gate pulses that do not pass
        the target by more than ``tol``, then ever shorter ones (``fine`` x the width)."""
        g_lo, g_hi = self.g_range()
        span = g_hi - g_lo
        g_target = float(self.conductance(target))
        plan = PulsePlan(start=float(start), target=float(target))
        s = float(start)

        def err(x: float) -> float:
            return float(self.conductance(x)) - g_target

        if err(s) > tol * span:
            pulse = self.nominal_pulse(-1)
            s = float(self.program(s, pulse))
            plan.pulses.append(pulse)
            plan.states.append(s)
        base = self.nominal_pulse(+1)
        for scale in (1.0, *fine):
            pulse = Pulse(base.amplitude, base.width * scale, base.rise * scale, base.fall * scale, base.terminal)
            while plan.count < max_pulses and err(s) < -tol * span:
                s_new = float(self.program(s, pulse))
                if s_new == s or err(s_new) > tol * span:
                    break  # stuck at the top, or would pass the target: finer pulses
                plan.pulses.append(pulse)
                plan.states.append(s_new)
                s = s_new
            if abs(err(s)) <= tol * span:
                break
        plan.final = s
        plan.error = err(s)
        plan.rel_error = abs(plan.error) / span if span > 0 else float("nan")
        plan.converged = plan.rel_error <= tol
        return plan
