"""Closed form of a diode with series resistance: the torch side of ngspice's ``D`` primitive.

A diode ``I = i_s (exp(V_d / n_vt) - 1)`` (ngspice's ``D`` model with ``is``, ``n`` and ``rs``;
``n_vt = n kT/q``, at the model's nominal temperature) in series with a resistance ``r_s``
(the model's ``rs`` plus any drive resistor), at a total voltage ``v``, has the explicit
solution (Banwell & Jayakumar, Electron. Lett. 36, 2000)::

    I = (n_vt / r_s) W((i_s r_s / n_vt) exp((v + i_s r_s) / n_vt)) - i_s

with ``W`` the principal Lambert W function. It is a deliberately different form from the
circuit (ngspice solves the implicit equation by Newton iteration); a test keeps it equal to
the primitive. Used by the optocoupler's LED.
"""

from __future__ import annotations

from typing import Union

import torch

Number = Union[float, torch.Tensor]


def lambertw_exp(y: torch.Tensor, iterations: int = 30) -> torch.Tensor:
    """``W(exp(y))``, the principal Lambert W of ``e^y``, without overflow for large ``y``.

    Solves ``w + ln w = y`` by Newton's method without gradient tracking, then takes one
    differentiable Newton step at the solution, which gives the exact implicit derivative
    ``dw/dy = w / (1 + w)``.
    """
    with torch.no_grad():
        w = torch.where(y > 1.0, y - torch.log(torch.clamp(y, min=1.0 + 1e-12)), torch.exp(torch.clamp(y, max=1.0)))
        for _ in range(iterations):
            w = torch.clamp(w * (1 + y - torch.log(w)) / (1 + w), min=torch.finfo(y.dtype).tiny)
    w = w.detach()
    return w - (w + torch.log(w) - y) * w / (1 + w)


def diode_series_current(v: torch.Tensor, i_s: Number, n_vt: Number, r_s: Number) -> torch.Tensor:
    """Current (A) of a diode ``I = i_s (exp(V_d / n_vt) - 1)`` in series with ``r_s`` (Ohm)
    at total voltage ``v`` (V), in closed form (see the module docstring)."""
    v = torch.as_tensor(v, dtype=torch.float64) if not isinstance(v, torch.Tensor) else v
    y = torch.log(torch.as_tensor(i_s * r_s / n_vt, dtype=v.dtype)) + (v + i_s * r_s) / n_vt
    return n_vt / r_s * lambertw_exp(y) - i_s
