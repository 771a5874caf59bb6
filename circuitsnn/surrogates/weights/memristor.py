"""Weight interface of two-terminal state devices (memristors, and any user law of that shape):
one bounded state programmed by voltage pulses across ``in``/``out``, read by a small voltage
across the same terminals.

Everything comes from the component's law: the read is the law's branch current at the state
(with whatever nonlinearity the law has), a programming pulse is the law's state rate
integrated over the pulse (RK4, edges as steps), so the update is as nonlinear, asymmetric and
saturating as the law is. The nominal pulses and read bias come from the component's
``operating`` table (``v_read``, ``v_set``, ``v_reset``, ``t_prog``, ``t_edge``).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ...errors import ValidationError
from ...physics.expr import MATH, NUMPY, TORCH
from ...physics.law import Law
from .base import Pulse, WeightInterface


def law_values(comp: Any, model: Any = None) -> tuple[dict[str, float], dict, str]:
    """A law component's parameter values: the nominal ``Params`` overlaid with a fitted model's
    parameters (which must be the law's own), its ``extra`` block, and where they came from."""
    from ...physics.law import values_of
    from ..artifacts import load_model

    values = values_of(comp.default_params())
    if model is None:
        return values, {}, "nominal"
    m = load_model(model)
    if m.name != comp.name:
        raise ValidationError(f"surrogate {str(model)!r} is for {m.name!r}, not {comp.name!r}.")
    unknown = set(m.parameters) - set(values)
    if unknown:
        raise ValidationError(
            f"surrogate {str(model)!r} has parameters {sorted(unknown)} that {comp.name!r}'s law does not use.",
            hint=f"Refit it with `circuitsnn fit {comp.name}`.")
    values.update({k: float(v) for k, v in m.parameters.items()})
    return values, dict(m.extra), str(model)


class MemristorWeights(WeightInterface):
    family = "memristor"
    terminal = "in"

    def __init__(self, component: str, law: Law, values: Mapping[str, float], operating: Mapping[str, float],
                 **kw: Any) -> None:
        if len(law.states) != 1:
            raise ValidationError(f"{component}: a two-terminal state device has one state; its law has "
                                  f"{len(law.states)} ({', '.join(law.state_names())}).")
        missing = {"v_read", "v_set", "v_reset", "t_prog"} - set(operating)
        if missing:
            raise ValidationError(f"{component}: the operating table lacks {sorted(missing)}.",
                                  hint="Declare v_read, v_set, v_reset, t_prog (and t_edge) in the component.")
        super().__init__(component, values, v_read=operating["v_read"], **kw)
        self.law = law
        st = law.states[0]
        self.state_name = st.name
        self.state_unit = st.unit
        self.bounds = (st.lo if st.lo is not None else 0.0, st.hi if st.hi is not None else 1.0)
        self.operating = dict(operating)
        (self.input_name,) = sorted(law.inputs()) if len(law.inputs()) == 1 else (None,)
        if self.input_name is None:
            raise ValidationError(f"{component}: a two-terminal law reads one input (the voltage across it); "
                                  f"this one reads {sorted(law.inputs())}.")
        g0, g1 = (float(self.conductance(b)) for b in self.bounds)
        self.increasing = g1 > g0

    @classmethod
    def from_component(cls, comp: Any, model: Any = None, **kw: Any) -> "MemristorWeights":
        """From a registered component: its law and operating table, the fitted values of
        ``model`` (a surrogate JSON) when given, else the nominal parameters."""
        values, extra, source = law_values(comp, model)
        levels = (extra.get("range_potentiation") or {}).get("levels")
        return cls(comp.name, comp.law, values, comp.operating, variation=extra.get("variation"), levels=levels,
                   source=source, **kw)

    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        env = {**self._params(params), self.input_name: v, self.state_name: self._t(state)}
        return self.law.current(env, TORCH)

    def nominal_pulse(self, direction: int) -> Pulse:
        amp = self.operating["v_set"] if direction > 0 else self.operating["v_reset"]
        edge = self.operating.get("t_edge", 0.0)
        return Pulse(amp, self.operating["t_prog"], edge, edge, self.terminal)

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None, substeps: int = 4,
                tol: float | None = 1e-5) -> Any:
        import torch

        is_tensor = isinstance(state, torch.Tensor)
        scalar = isinstance(state, (int, float))
        backend = TORCH if is_tensor else (MATH if scalar else NUMPY)
        s = state if is_tensor or scalar else np.asarray(state, dtype=float)
        env = self._params(params)
        for dt, level in pulse.segments():
            s = self.law.advance({self.state_name: s}, {**env, self.input_name: level}, dt, backend, substeps, tol=tol)[self.state_name]
        return float(s) if scalar else s
