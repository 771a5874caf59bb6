"""Thin ``torch.nn.Module`` wrappers around the step functions of :mod:`.functional`.

They only hold parameters (as buffers, or as ``nn.Parameter`` for the names listed in
``learn``) and call the pure step; all the physics lives in :mod:`.functional`. Build one from a
fitted surrogate with e.g. ``LIFCell.from_model("models/lif.json", dt=1e-5)``, or any family
with :func:`from_model`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import torch
from torch import nn

from ..errors import ValidationError
from . import functional as F
from .holder import ParamHolder as _ParamHolder  # moved to surrogates/holder.py
from .lif import LIF, LIFCell  # noqa: F401  (the neuron modules live in surrogates/lif.py)


class OptoSynapse(_ParamHolder):
    """Optocoupler synapse (:func:`~circuitsnn.surrogates.functional.opto_step`): input
    ``(v_read, v_led)``, state ``G``; returns the step-mean current."""

    def __init__(self, p: F.OptoParameters = F.OptoParameters(), dt: float = 1e-4, *, learn: Iterable[str] = (),
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.dt = float(dt)
        self._store(p, learn, dtype)

    def forward(self, v_read: torch.Tensor, v_led: torch.Tensor, state: F.OptoState | None = None):
        p = self.params()
        if state is None:
            state = F.OptoState(g=F.opto_g_steady(torch.zeros_like(v_led), p))
        return F.opto_step((v_read, v_led), state, p, self.dt)


class SchottkySynapse(_ParamHolder):
    """Gated Schottky synapse (:func:`~circuitsnn.surrogates.functional.schottky_step`): input
    ``(v_r, v_gate, v_erase)``, state the barrier lowering ``dphi``."""

    def __init__(self, p: F.SchottkyParameters = F.SchottkyParameters(), dt: float = 1e-6, *,
                 learn: Iterable[str] = (), dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.dt = float(dt)
        self._store(p, learn, dtype)

    def forward(self, v_r: torch.Tensor, v_gate: torch.Tensor, v_erase: torch.Tensor | None = None,
                state: F.SchottkyState | None = None):
        state = state if state is not None else F.SchottkyState(dphi=torch.zeros_like(v_r))
        v_erase = v_erase if v_erase is not None else torch.zeros_like(v_r)
        return F.schottky_step((v_r, v_gate, v_erase), state, self.params(), self.dt)


class Memristor(_ParamHolder):
    """Memristor (:func:`~circuitsnn.surrogates.functional.memristor_step`): input ``v`` across
    the device, state ``x``; :meth:`pulse` applies the per-pulse programming update."""

    def __init__(self, p: F.MemristorParameters = F.MemristorParameters(), dt: float = 1e-6, *,
                 learn: Iterable[str] = (), dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.dt = float(dt)
        self._store(p, learn, dtype)

    def forward(self, v: torch.Tensor, state: F.MemristorState):
        return F.memristor_step(v, state, self.params(), self.dt)

    def pulse(self, x: torch.Tensor, amplitude: torch.Tensor | float, width: float) -> torch.Tensor:
        return F.memristor_pulse(x, amplitude, width, self.params())

    def conductance(self, x: torch.Tensor) -> torch.Tensor:
        return F.memristor_conductance(x, self.params())


class DigitalSynapse(_ParamHolder):
    """Digital-code synapse (:func:`~circuitsnn.surrogates.functional.digital_current`): the
    current for a read voltage and bits ``(..., N)``."""

    def __init__(self, p: F.DigitalParameters, *, learn: Iterable[str] = (), dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self._store(p, learn, dtype)

    def forward(self, v: torch.Tensor, bits: torch.Tensor) -> torch.Tensor:
        return F.digital_current(v, bits, self.params())


def from_model(path: str | Path, **kw) -> nn.Module:
    """The module of a stored surrogate (``models/<name>.json``), whatever its family; ``kw``
    (e.g. ``dt=``, ``learn=``) go to the module."""
    from .artifacts import load_model

    m = load_model(path)
    v = m.parameters
    if m.model == "LIFParameters":
        return LIFCell(F.LIFParameters(**{k: v[k] for k in F.LIFParameters._fields if k in v}), **kw)
    if m.model == "OptoParameters":
        return OptoSynapse(F.OptoParameters(**{k: v[k] for k in F.OptoParameters._fields}), **kw)
    if m.model == "SchottkyParameters":
        return SchottkySynapse(F.SchottkyParameters(**{k: v[k] for k in F.SchottkyParameters._fields}), **kw)
    if m.model == "MemristorParameters":
        return Memristor(F.MemristorParameters(**{k: v[k] for k in F.MemristorParameters._fields}), **kw)
    if m.model == "DigitalParameters":
        n = len([k for k in v if k.startswith("g_b")])
        g = torch.tensor([v[f"g_b{k}"] for k in range(n)], dtype=torch.float64)
        return DigitalSynapse(F.DigitalParameters(g=g, beta=v.get("beta", 0.0)), **kw)
    raise ValidationError(f"surrogate {m.name!r} has an unknown model class {m.model!r}.")
