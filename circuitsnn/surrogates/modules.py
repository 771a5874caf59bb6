"""Thin ``torch.nn.Module`` wrappers around the LIF step functions of :mod:`.functional`, and
:func:`from_model`, which builds any component's module from its stored surrogate.

They only hold parameters (as buffers, or as ``nn.Parameter`` for the names listed in
``learn``) and call the pure step. Build one from a fitted surrogate with e.g.
``LIFCell.from_model("models/lif.json", dt=1e-5)``, or any component with :func:`from_model`
(synapse modules live beside their step functions: :mod:`.device` for law devices such as the
memristors, :mod:`.schottky`, :mod:`.optocoupler`, :mod:`.digital_code`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import torch
from torch import nn

from ..errors import ValidationError
from . import functional as F


class _ParamHolder(nn.Module):
    """Stores the fields of a parameter NamedTuple as float64-able tensors."""

    def _store(self, p: tuple, learn: Iterable[str], dtype: torch.dtype) -> None:
        learn = set(learn)
        unknown = learn - set(p._fields)  # type: ignore[attr-defined]
        if unknown:
            raise ValidationError(
                f"{type(self).__name__}: cannot learn unknown parameter(s) {sorted(unknown)}.",
                hint=f"Known: {', '.join(p._fields)}.",  # type: ignore[attr-defined]
            )
        self._names = tuple(p._fields)  # type: ignore[attr-defined]
        self._cls = type(p)
        for name in self._names:
            t = torch.as_tensor(getattr(p, name), dtype=dtype).clone()
            if name in learn:
                setattr(self, name, nn.Parameter(t))
            else:
                self.register_buffer(name, t)

    def params(self):
        return self._cls(**{n: getattr(self, n) for n in self._names})


class LIFCell(_ParamHolder):
    """One time step of the fitted LIF (:func:`~circuitsnn.surrogates.functional.lif_step`)."""

    def __init__(
        self,
        p: F.LIFParameters = F.LIFParameters(),
        dt: float = 1e-5,
        *,
        learn: Iterable[str] = (),
        soft: bool = False,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        if not dt > 0:
            raise ValidationError(f"LIFCell: dt must be > 0 s, got {dt!r}.")
        self.dt = float(dt)
        self.soft = soft
        self._store(p, learn, dtype)

    @classmethod
    def from_model(cls, path: str | Path, dt: float, **kw) -> "LIFCell":
        from .artifacts import lif_parameters

        return cls(lif_parameters(path), dt, **kw)

    def forward(self, i: torch.Tensor, state: F.LIFState | None = None):
        p = self.params()
        if state is None:
            state = F.lif_initial_state(i.shape, p, dtype=i.dtype, device=i.device)
        return F.lif_step(i, state, p, self.dt, soft=self.soft)


class LIF(LIFCell):
    """The fitted LIF over a whole input sequence ``(T, ...)``: returns spikes ``(T, ...)``,
    spike times (s, nan where none) and the final state."""

    def forward(self, current: torch.Tensor, state: F.LIFState | None = None):  # type: ignore[override]
        z, t, _, state = F.lif_run(current, self.params(), self.dt, state=state, soft=self.soft)
        return z, t, state


def from_model(path: str | Path, **kw) -> nn.Module:
    """The torch module of a stored surrogate (``models/<name>.json``): built by the ``module``
    entry point of the component the file belongs to, from the component's nominal parameter
    values overlaid with the fitted ones; ``kw`` (e.g. ``dt=``, ``learn=``) go to the module.
    Neurons without their own entry point get the effective LIF (:class:`LIFCell`)."""
    from ..library.registry import get
    from ..physics.law import values_of
    from .artifacts import load_model

    m = load_model(path)
    comp = get(m.name)
    builder = comp.resolve("module")
    if builder is None:
        if comp.kind == "neuron" and m.model == "LIFParameters":
            return LIFCell(F.LIFParameters(**{k: v for k, v in m.parameters.items() if k in F.LIFParameters._fields}), **kw)
        raise ValidationError(f"component {comp.name!r} declares no torch module for its surrogate.",
                              hint="Set Component.module to a builder module(component, values, **kw) -> nn.Module "
                              "(or 'module:attribute').")
    return builder(comp, {**values_of(comp.default_params()), **m.parameters}, **kw)
