"""Gated Schottky synapse surrogate: the device's read in closed form, and its trapping rate
integrated in closed form.

The read is the junction primitive's closed form with the law's saturation current
(:func:`circuitsnn.physics.schottky.read_current`: a diode of ideality ``n`` over the lowered
barrier ``phi_eff``, in series with ``r_s``, Lambert W), on torch. The state rate of the law has
the form ::

    d(dphi)/dt = r(V_gate) * exp(-dphi / v_q) - k(V_erase) * dphi

(``r``: the injection rate of an empty trap layer, ``v_q = q0 / c_trap``, ``k``: the erase rate,
all read off the law). Over a step of constant gate and erase voltages the two parts are
integrated exactly, one after the other::

    exp(dphi' / v_q) = exp(dphi / v_q) + r(V_gate) dt / v_q        (injection: logarithmic trapping)
    dphi''           = dphi' * exp(-k(V_erase) dt)                  (erase: exponential discharge)

so a step is exact for a pure programming or a pure erase pulse, whatever ``dt`` (the law's
RK4 would need steps below ``v_q / rate``); a test keeps it equal to the integrated law. The
closed forms live with the law (:mod:`circuitsnn.physics.schottky`); here they default to torch.
Every function runs on torch tensors (differentiable), numpy arrays or floats (``backend``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..physics import schottky as SP
from ..physics.constants import T_NOMINAL
from ..physics.expr import TORCH, Backend
from ..physics.schottky import LAW
from .device import ParamModule


def read(v_r: Any, v_gate: Any, dphi: Any, p: Mapping[str, Any], temp: Any = T_NOMINAL, backend: Backend = TORCH) -> Any:
    """Read current (A, ``in -> out``) at reverse bias ``v_r``, gate ``v_gate``, barrier
    lowering ``dphi`` (V) and temperature ``temp`` (K)."""
    return SP.read_current({**p, "v": v_r, "v_gate": v_gate, "dphi": dphi, "temp": temp}, backend)


def injection_rate(v_gate: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> tuple[Any, Any]:
    """``(r, v_q)``: the law's injection rate (V/s) of an empty trap layer, and ``v_q`` (V)."""
    return SP.injection_rate(v_gate, p, backend)


def erase_rate(v_erase: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """The law's discharge rate ``k`` (1/s) at erase voltage ``v_erase``."""
    return SP.erase_rate(v_erase, p, backend)


def program(dphi: Any, v_gate: Any, dt: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """Barrier lowering after ``dt`` seconds at constant gate voltage ``v_gate`` (closed form)."""
    return SP.program(dphi, v_gate, dt, p, backend)


def erase(dphi: Any, v_erase: Any, dt: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """Barrier lowering after ``dt`` seconds at constant erase voltage ``v_erase`` (exact decay)."""
    return SP.erase(dphi, v_erase, dt, p, backend)


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
