"""Weight interface of the optocoupler synapse: the state is the LED drive voltage ``v_led`` (V).

The photoconductance is volatile: it holds only while the LED is lit, so the weight is the
drive a driver (a DAC) holds on the ``led`` port, and the conductance it stands for is the
steady-state ``G_ss(v_led)`` of the law (LED current from the diode's closed form, the law's
power law) at the read bias.

**A programming event is a drive change**: ``Pulse(amplitude=v_new, width=t_hold,
terminal="led")`` sets the drive to ``v_new`` (absolute, in V, rounded to the driver's DAC grid
of ``dac_bits`` over ``0 .. v_led_max``, the component's ``operating`` table) and holds it for
``t_hold`` before the weight is used. The state takes the new drive at once
(:meth:`OptocouplerWeights.program`); the conductance follows with the law's lag, ``tau_on``
rising and ``tau_off`` falling, exactly: :meth:`~OptocouplerWeights.conductance_after` is G at
the end of the hold. :meth:`~OptocouplerWeights.plan` makes one event: the DAC drive nearest the
target, held until G has settled within ``settle_tol`` x the range
(:meth:`~OptocouplerWeights.settle_time`). Levels: the DAC codes whose conductances differ by at
least 1 % of the range (the same rule as the pulsed families).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ValidationError
from ...physics.expr import MATH
from .. import optocoupler as O
from .base import Pulse, PulsePlan, WeightInterface
from .memristor import law_values

OPERATING = ("v_read", "v_led_max", "dac_bits")


class OptocouplerWeights(WeightInterface):
    family = "optocoupler"
    state_name = "v_led"
    state_unit = "V"
    increasing = True
    terminal = "led"

    def __init__(self, component: str, values: Mapping[str, float], operating: Mapping[str, float], **kw: Any) -> None:
        missing = set(OPERATING) - set(operating)
        if missing:
            raise ValidationError(f"{component}: the operating table lacks {sorted(missing)}.",
                                  hint=f"Declare {', '.join(OPERATING)} (and settle_tol) in the component.")
        super().__init__(component, {k: values[k] for k in O.FIELDS}, v_read=operating["v_read"], **kw)
        self.operating = dict(operating)
        self.bounds = (0.0, float(operating["v_led_max"]))
        self.dac_step = float(operating["v_led_max"]) / (2 ** int(operating["dac_bits"]) - 1)
        self.state_step = self.dac_step
        self.settle_tol = float(operating.get("settle_tol", 1e-3))

    @classmethod
    def from_component(cls, comp: Any, model: Any = None, **kw: Any) -> "OptocouplerWeights":
        """From a registered component: its operating table and the fitted values of ``model``
        (a surrogate JSON) when given, else the nominal parameters."""
        values, extra, source = law_values(comp, model)
        return cls(comp.name, values, comp.operating, variation=extra.get("variation"), source=source, **kw)

    # -- read ------------------------------------------------------------------------------
    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        return v * O.g_steady(self._t(state), self._params(params))

    # -- programming -------------------------------------------------------------------------
    def dac(self, v_led: Any) -> Any:
        """``v_led`` rounded to the driver's DAC grid and clipped to ``0 .. v_led_max``."""
        import torch

        lo, hi = self.bounds
        if isinstance(v_led, torch.Tensor):
            return torch.clamp(torch.round(v_led / self.dac_step) * self.dac_step, lo, hi)
        if isinstance(v_led, (int, float)):
            return float(min(max(round(v_led / self.dac_step) * self.dac_step, lo), hi))
        return np.clip(np.round(np.asarray(v_led, float) / self.dac_step) * self.dac_step, lo, hi)

    def nominal_pulse(self, direction: int) -> Pulse:
        """+1: full drive, -1: LED off; each held until G has settled (``settle_tol``)."""
        lo, hi = self.bounds
        start, end = (lo, hi) if direction > 0 else (hi, lo)
        return Pulse(end, self.settle_time(start, end), terminal=self.terminal)

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None) -> Any:
        """The drive after the event: ``pulse.amplitude`` on the DAC grid (same shape and type as
        ``state``; the new drive does not depend on the old one)."""
        import torch

        if pulse.terminal != self.terminal:
            raise ValidationError(f"{self.component}: the optocoupler is programmed by its LED drive (terminal "
                                  f"'led'), not on {pulse.terminal!r}.")
        new = self.dac(float(pulse.amplitude))
        if isinstance(state, torch.Tensor):
            return torch.full_like(state, new) if state.is_floating_point() else torch.full(state.shape, new, dtype=torch.float64)
        if isinstance(state, (int, float)):
            return new
        return np.full(np.shape(state), new)

    def conductance_after(self, state: Any, pulse: Pulse, g_from: Any = None,
                          params: Mapping[str, Any] | None = None) -> Any:
        """G (S) at the end of the event ``pulse`` applied at drive ``state`` (settled there, or
        at conductance ``g_from``): the law's lag, integrated exactly."""
        p = self._params(params)
        s = self._t(state)
        g0 = O.g_steady(s, p) if g_from is None else self._t(g_from)
        g_end, _ = O.relax(g0, O.g_steady(self._t(self.program(s, pulse)), p), pulse.width, p)
        return g_end

    def settle_time(self, state_from: float, state_to: float, tol: float | None = None) -> float:
        """Seconds until G, settled at drive ``state_from``, is within ``tol`` (default
        ``settle_tol``) x the range of its value at ``state_to`` (0 when it already is)."""
        tol = self.settle_tol if tol is None else tol
        g0, g1 = float(self.conductance(state_from)), float(self.conductance(self.dac(float(state_to))))
        g_lo, g_hi = self.g_range()
        gap = abs(g1 - g0)
        band = tol * (g_hi - g_lo)
        if gap <= band:
            return 0.0
        k_rise, k_fall = O.lag_rates(self.values, MATH)
        return math.log(gap / band) / (k_rise if g1 > g0 else k_fall)

    def count_levels(self, resolution: float = 0.01, max_pulses: int = 10_000) -> int:
        """DAC codes whose conductances differ by at least ``resolution`` x the range from the
        last counted one."""
        import torch

        g = self.conductance(torch.arange(0.0, self.bounds[1] + 0.5 * self.dac_step, self.dac_step,
                                          dtype=torch.float64)).detach().numpy()
        span = float(g.max() - g.min())
        n, g_prev = 1, g[0]
        for x in g[1:]:
            if abs(x - g_prev) >= resolution * span:
                n += 1
                g_prev = x
        return n

    def plan(self, start: float, target: float, *, tol: float = 0.005, max_pulses: int = 1,
             fine: Sequence[float] = ()) -> PulsePlan:
        """One drive change to the DAC level nearest ``target``, held for the settle time."""
        g_lo, g_hi = self.g_range()
        span = g_hi - g_lo
        g_target = float(self.conductance(target))
        new = float(self.state_for(g_target))
        new = self.dac(new)
        # of the two DAC neighbours, the one whose conductance is nearer the target
        cands = [self.dac(new - self.dac_step), new, self.dac(new + self.dac_step)]
        new = min(cands, key=lambda s: abs(float(self.conductance(s)) - g_target))
        pulse = Pulse(new, self.settle_time(start, new), terminal=self.terminal)
        plan = PulsePlan(start=float(start), target=float(target), pulses=[pulse], states=[new], final=new)
        plan.error = float(self.conductance_after(start, pulse)) - g_target
        plan.rel_error = abs(plan.error) / span if span > 0 else float("nan")
        plan.converged = plan.rel_error <= tol
        return plan
