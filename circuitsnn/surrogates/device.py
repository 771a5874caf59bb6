"""The surrogate of any device declared as a :class:`~circuitsnn.physics.law.Law`.

The law that renders the subcircuit is the one that runs here, on torch (differentiable) or on
plain floats (fitting loops). A step holds the inputs (port voltages) constant over ``dt``,
integrates the states with RK4 (clipped to their bounds) and returns the branch current at the
step's midpoint state, so the charge a step delivers is second-order accurate in ``dt``::

    x(t + dt) = RK4(dx/dt = rate(x, inputs; p), dt)      x in [lo, hi]
    i = current(x(t + dt/2), inputs; p)

:func:`replay` drives a law with the same piece-wise linear sources a deck gave SPICE (the
event grid of :mod:`.waveforms`), which is how fitters and held-out checks compare the two.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple

import numpy as np
import torch
from torch import nn

from ..errors import ValidationError
from ..physics.expr import MATH, TORCH, Backend
from ..physics.law import Law
from .waveforms import event_grid


class DeviceState(NamedTuple):
    """The states of a law device by name (tensors or floats)."""

    values: Mapping[str, Any]


def device_step(
    law: Law,
    inputs: Mapping[str, Any],
    state: Mapping[str, Any],
    p: Mapping[str, Any],
    dt: float,
    *,
    backend: Backend = TORCH,
    substeps: int = 4,
) -> tuple[Any, dict[str, Any]]:
    """One step of the law (see the module docstring): ``(current, new state)``.

    ``inputs`` are the law's inputs (``{"v": v(in,out)}`` for a memristor), ``state`` its states
    by name, ``p`` its parameters (floats or tensors that broadcast)."""
    env = {**p, **inputs}
    half = max(1, substeps // 2)
    mid = law.advance(state, env, 0.5 * dt, backend, half)
    current = law.current({**env, **mid}, backend)
    end = law.advance(mid, env, 0.5 * dt, backend, half)
    return current, end


def replay(
    law: Law,
    p: Mapping[str, Any],
    sources: Mapping[str, np.ndarray],
    initial: Mapping[str, Any],
    t_samples: np.ndarray,
    *,
    fixed_inputs: Mapping[str, float] | None = None,
    max_dt: float | None = None,
    substeps: int = 2,
    ramp_substeps: int = 2,
    backend: Backend = MATH,
    tol: float | None = None,
) -> dict[str, Any]:
    """The states of ``law`` at ``t_samples`` when its inputs follow PWL ``sources``
    (input name -> points ``(n, 2)`` from :func:`~.waveforms.source_points`) and
    ``fixed_inputs`` are constant. On :data:`MATH` (the default), plain floats: the fast path
    for fitting, numpy arrays out; on :data:`TORCH` the parameters and initial states may be
    tensors (gradients flow through the whole replay), tensors out. ``tol`` (relative to the state's range) makes the steps adaptive;
    ``None`` keeps them fixed."""
    names = list(sources)
    grid = event_grid([sources[n] for n in names], np.asarray(t_samples, float), ramp_substeps=ramp_substeps, max_dt=max_dt)
    if backend is MATH:
        env = {k: float(v) for k, v in p.items()}
        state = {k: float(v) for k, v in initial.items()}
    else:
        env = {k: v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=torch.float64) for k, v in p.items()}
        state = {k: v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=torch.float64)
                 for k, v in initial.items()}
    env.update({k: float(v) for k, v in (fixed_inputs or {}).items()})
    out = {k: [state[k]] for k in law.state_names()}
    u = grid.u.tolist()
    for k, dt in enumerate(grid.dt.tolist()):
        for j, n in enumerate(names):
            env[n] = u[k][j]
        state = law.advance(state, env, dt, backend, substeps, tol=tol)
        for s in out:
            out[s].append(state[s])
    if backend is MATH:
        return {s: np.asarray(v)[grid.sample_idx] for s, v in out.items()}
    idx = torch.as_tensor(grid.sample_idx)
    return {s: torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in v])[idx] for s, v in out.items()}


class LawDevice:
    """A law with parameter values: ``step(inputs, state, dt)`` on torch, ``read`` of one
    branch. Parameters are held as float64 tensors; ``learn`` names those that require
    gradients (a plain object, not an ``nn.Module``, so it composes inside learners' modules)."""

    def __init__(self, law: Law, values: Mapping[str, float], *, learn: Iterable[str] = (), dtype=None) -> None:
        law.check_values(values)
        learn = set(learn)
        unknown = learn - set(values)
        if unknown:
            raise ValidationError(f"{law.name}: cannot learn unknown parameter(s) {sorted(unknown)}.",
                                  hint=f"Known: {', '.join(sorted(values))}.")
        dtype = dtype or torch.float64
        self.law = law
        self.p = {k: torch.tensor(float(v), dtype=dtype, requires_grad=k in learn) for k, v in values.items()}

    def step(self, inputs: Mapping[str, Any], state: Mapping[str, Any], dt: float, substeps: int = 4):
        return device_step(self.law, inputs, state, self.p, dt, backend=TORCH, substeps=substeps)

    def current(self, inputs: Mapping[str, Any], state: Mapping[str, Any], branch: str | None = None):
        return self.law.current({**self.p, **inputs, **state}, TORCH, branch)



class ParamModule(nn.Module):
    """A ``torch.nn.Module`` holding named parameter values as float tensors: buffers, or
    ``nn.Parameter`` for the names in ``learn``. ``params()`` gives them back by name (what the
    laws and the family step functions read). Base of every law-based surrogate module."""

    def __init__(self, values: Mapping[str, float], *, learn: Iterable[str] = (), dtype=None) -> None:
        super().__init__()
        dtype = dtype or torch.float64
        learn = set(learn)
        unknown = learn - set(values)
        if unknown:
            raise ValidationError(f"{type(self).__name__}: cannot learn unknown parameter(s) {sorted(unknown)}.",
                                  hint=f"Known: {', '.join(sorted(values))}.")
        self._names = tuple(sorted(values))
        for name in self._names:
            t = torch.tensor(float(values[name]), dtype=dtype)
            if name in learn:
                setattr(self, name, nn.Parameter(t))
            else:
                self.register_buffer(name, t)

    def params(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self._names}


class LawModule(ParamModule):
    """The surrogate of a law component as a ``torch.nn.Module``: the law with fitted values;
    ``forward(inputs, state)`` is :func:`device_step` over ``dt`` (the current at the step's
    midpoint state, the new state). Inputs and states are mappings by the law's names (a
    memristor: ``{"v": v}`` and ``{"x": x}``). The ``module`` entry point of the memristors and
    of any user law component."""

    def __init__(self, law: Law, values: Mapping[str, float], dt: float = 1e-6, *, learn: Iterable[str] = (),
                 dtype=None, substeps: int = 4) -> None:
        law.check_values(values)
        super().__init__({k: values[k] for k in sorted(law.params())}, learn=learn, dtype=dtype)
        if not dt > 0:
            raise ValidationError(f"{law.name}: dt must be > 0 s, got {dt!r}.")
        self.law = law
        self.dt = float(dt)
        self.substeps = int(substeps)

    @classmethod
    def from_values(cls, component: Any, values: Mapping[str, float], **kw: Any) -> "LawModule":
        """The module of ``component`` (its law) with parameter ``values``."""
        return cls(component.law, values, **kw)

    def forward(self, inputs: Mapping[str, Any], state: Mapping[str, Any]):
        return device_step(self.law, inputs, state, self.params(), self.dt, backend=TORCH, substeps=self.substeps)

    def current(self, inputs: Mapping[str, Any], state: Mapping[str, Any], branch: str | None = None):
        """The branch current (A) at ``state`` for ``inputs`` (no time step)."""
        return self.law.current({**self.params(), **inputs, **state}, TORCH, branch)
