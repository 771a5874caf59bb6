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
    p: Mapping[str, float],
    sources: Mapping[str, np.ndarray],
    initial: Mapping[str, float],
    t_samples: np.ndarray,
    *,
    fixed_inputs: Mapping[str, float] | None = None,
    max_dt: float | None = None,
    substeps: int = 2,
    ramp_substeps: int = 2,
    backend: Backend = MATH,
    tol: float | None = None,
) -> dict[str, np.ndarray]:
    """The states of ``law`` at ``t_samples`` when its inputs follow PWL ``sources``
    (input name -> points ``(n, 2)`` from :func:`~.waveforms.source_points`) and
    ``fixed_inputs`` are constant. ``MATH`` (plain floats) is the fast path for fitting;
    ``TORCH`` runs the same steps on float64 tensors (returned as numpy). ``tol`` (relative
    to the state's range) makes the steps adaptive; ``None`` keeps them fixed."""
    names = list(sources)
    grid = event_grid([sources[n] for n in names], np.asarray(t_samples, float), ramp_substeps=ramp_substeps, max_dt=max_dt)
    env = {k: float(v) for k, v in p.items()}
    env.update({k: float(v) for k, v in (fixed_inputs or {}).items()})
    state = {k: float(v) for k, v in initial.items()}
    out = {k: [state[k]] for k in law.state_names()}
    u = grid.u.tolist()
    if backend is TORCH:
        import torch

        env = {k: torch.tensor(v, dtype=torch.float64) for k, v in env.items()}
        state = {k: torch.tensor(v, dtype=torch.float64) for k, v in state.items()}
    for k, dt in enumerate(grid.dt.tolist()):
        for j, n in enumerate(names):
            env[n] = u[k][j]
        state = law.advance(state, env, dt, backend, substeps, tol=tol)
        for s in out:
            out[s].append(float(state[s]))
    return {s: np.asarray(v)[grid.sample_idx] for s, v in out.items()}


class LawDevice:
    """A law with parameter values: ``step(inputs, state, dt)`` on torch, ``read`` of one
    branch. Parameters are held as float64 tensors; ``learn`` names those that require
    gradients (a plain object, not an ``nn.Module``, so it composes inside learners' modules)."""

    def __init__(self, law: Law, values: Mapping[str, float], *, learn: Iterable[str] = (), dtype=None) -> None:
        import torch

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
