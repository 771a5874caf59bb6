"""Gated Schottky synapse surrogate: the law's read current, and its trapping rate integrated in
closed form.

The read is the law itself (:data:`circuitsnn.physics.schottky.CURRENT`, on torch). The state
rate of the law has the form ::

    d(dphi)/dt = r(V_gate) * exp(-dphi / v_q) - k(V_erase) * dphi

(``r``: the injection rate of an empty trap layer, ``v_q = q0 / c_trap``, ``k``: the erase rate,
all read off the law). Over a step of constant gate and erase voltages the two parts are
integrated exactly, one after the other::

    exp(dphi' / v_q) = exp(dphi / v_q) + r(V_gate) dt / v_q        (injection: logarithmic trapping)
    dphi''           = dphi' * exp(-k(V_erase) dt)                  (erase: exponential discharge)

so a step is exact for a pure programming or a pure erase pulse, whatever ``dt`` (the law's
RK4 would need steps below ``v_q / rate``); a test keeps it equal to the integrated law. Every
function runs on torch tensors (differentiable), numpy arrays or floats (``backend``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..physics.constants import T_NOMINAL
from ..physics.expr import TORCH, Backend, compile_exprs
from ..physics.schottky import LAW, RATE, VQ
from .device import ParamModule

_RATE = compile_exprs(RATE, VQ)


def read(v_r: Any, v_gate: Any, dphi: Any, p: Mapping[str, Any], temp: Any = T_NOMINAL, backend: Backend = TORCH) -> Any:
    """Read current (A, ``in -> out``) of the law at reverse bias ``v_r``, gate ``v_gate``,
    barrier lowering ``dphi`` (V) and temperature ``temp`` (K)."""
    return LAW.current({**p, "v": v_r, "v_gate": v_gate, "dphi": dphi, "temp": temp}, backend)


def injection_rate(v_gate: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> tuple[Any, Any]:
    """``(r, v_q)``: the law's injection rate ``d(dphi)/dt`` (V/s) of an empty trap layer at gate
    voltage ``v_gate`` (no erase), and the charge scale ``v_q`` (V)."""
    r, vq = _RATE({**p, "v_gate": v_gate, "v_erase_in": 0.0, "dphi": 0.0}, backend)
    return r, vq


def erase_rate(v_erase: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """The law's discharge rate ``k`` (1/s) at erase voltage ``v_erase``: ``-d(dphi)/dt / dphi``
    with the gate off."""
    r, _ = _RATE({**p, "v_gate": 0.0, "v_erase_in": v_erase, "dphi": 1.0}, backend)
    return -r


def program(dphi: Any, v_gate: Any, dt: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """Barrier lowering after ``dt`` seconds at constant gate voltage ``v_gate`` (closed form)."""
    r, vq = injection_rate(v_gate, p, backend)
    # vq ln(exp(dphi/vq) + r dt/vq), written so that it never falls below dphi in floating point
    return dphi + vq * backend.f_log(1 + r * dt / vq * backend.f_exp(-dphi / vq))


def erase(dphi: Any, v_erase: Any, dt: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """Barrier lowering after ``dt`` seconds at constant erase voltage ``v_erase`` (exact decay)."""
    return dphi * backend.f_exp(-erase_rate(v_erase, p, backend) * dt)


def schottky_step(x: tuple[Any, Any, Any], dphi: Any, p: Mapping[str, Any], dt: float, temp: Any = T_NOMINAL,
                  backend: Backend = TORCH) -> tuple[Any, Any]:
    """Advance by ``dt`` with ``x = (v_r, v_gate, v_erase)`` held: inject, then erase (module
    docstring); returns the read current at the end of the step and the new ``dphi``."""
    v_r, v_g, v_e = x
    d = erase(program(dphi, v_g, dt, p, backend), v_e, dt, p, backend)
    return read(v_r, v_g, d, p, temp, backend), d


class SchottkySynapse(ParamModule):
    """Gated Schottky synapse (:func:`schottky_step`) with the law's parameters: input
    ``(v_r, v_gate, v_erase)``, state the barrier lowering ``dphi`` (V); ``temp`` in K."""

    def __init__(self, values: Mapping[str, float], dt: float = 1e-6, *, temp: float = T_NOMINAL,
                 learn: Iterable[str] = (), dtype=None) -> None:
        LAW.check_values(values)
        super().__init__({k: values[k] for k in sorted(LAW.params())}, learn=learn, dtype=dtype)
        self.dt = float(dt)
        self.temp = float(temp)

    @classmethod
    def from_values(cls, component: Any, values: Mapping[str, float], **kw: Any) -> "SchottkySynapse":
        return cls(values, **kw)

    def forward(self, v_r, v_gate, v_erase=None, dphi=None):
        import torch

        dphi = dphi if dphi is not None else torch.zeros_like(v_r)
        v_erase = v_erase if v_erase is not None else torch.zeros_like(v_r)
        return schottky_step((v_r, v_gate, v_erase), dphi, self.params(), self.dt, self.temp)
