"""Optocoupler synapse surrogate: the LED's diode in closed form, the law's steady conductance,
and the law's first-order lag integrated exactly.

* LED current: the closed form of the ngspice ``D`` primitive with series resistance
  (:func:`~circuitsnn.surrogates.diode.diode_series_current`; ``n_vt = led_n kT/q`` at 27 degC,
  the diode model's nominal temperature; ``r_s = r_limit + led_rs``), clipped at 0;
* ``G_ss``: the law's :data:`~circuitsnn.physics.optocoupler.STEADY` of that current;
* the lag: the law's rate is linear in ``G_ss - G`` on each side,
  ``dG/dt = k (G_ss - G)`` with ``k = 1/tau_on`` rising and ``1/tau_off`` falling (both read off
  the law's :data:`~circuitsnn.physics.optocoupler.RATE`), so over a step of constant drive ::

      G(t + dt) = G_ss + (G - G_ss) exp(-k dt),   mean G = G_ss + (G - G_ss) (1 - exp(-k dt)) / (k dt)

  exactly, whatever ``dt`` (a test keeps it equal to the integrated law). The output of a step
  is the step-mean current ``v_read * mean G``, so charge is conserved.

Every function runs on torch tensors (differentiable) and on floats/numpy arrays (fitting).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from ..physics.constants import T_NOMINAL, thermal_voltage
from ..physics.expr import MATH, NUMPY, TORCH, Backend, compile_exprs
from ..physics.optocoupler import LAW, RATE, STEADY
from .device import ParamModule
from .diode import diode_series_current

_STEADY = compile_exprs(STEADY)
_RATE = compile_exprs(RATE)
#: the Params fields of the LED branch (diode primitive and drive resistor)
LED_FIELDS = ("led_is", "led_n", "led_rs", "r_limit")
#: every surrogate parameter: the LED branch and the law's
FIELDS = LED_FIELDS + tuple(sorted(LAW.params()))


def led_current(v_led: Any, p: Mapping[str, Any]) -> torch.Tensor:
    """LED current (A) at drive voltage ``v_led`` (V), never negative (torch)."""
    n_vt = p["led_n"] * thermal_voltage(T_NOMINAL)
    return torch.clamp(diode_series_current(torch.as_tensor(v_led, dtype=torch.float64) if not isinstance(v_led, torch.Tensor)
                                            else v_led, p["led_is"], n_vt, p["r_limit"] + p["led_rs"]), min=0.0)


def g_steady_of_current(i_led: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """The law's steady-state conductance (S) at LED current ``i_led`` (A)."""
    return _STEADY({**p, "i_led": i_led}, backend)[0]


def g_steady(v_led: Any, p: Mapping[str, Any]) -> torch.Tensor:
    """Steady-state conductance (S) at LED drive ``v_led`` (V) (torch)."""
    return g_steady_of_current(led_current(v_led, p), p, TORCH)


def lag_rates(p: Mapping[str, Any], backend: Backend = TORCH) -> tuple[Any, Any]:
    """``(k_rise, k_fall)`` (1/s): the law's rate per unit ``G_ss - G`` while G rises and falls."""
    rise = _RATE({**p, "g_ss": 1.0, "g": 0.0}, backend)[0]
    fall = -_RATE({**p, "g_ss": 0.0, "g": 1.0}, backend)[0]
    return rise, fall


def relax(g0: Any, g_ss: Any, dt: Any, p: Mapping[str, Any]) -> tuple[Any, Any]:
    """Exact first-order relaxation of ``G`` towards ``g_ss`` over ``dt`` (module docstring);
    returns ``(G_end, G_mean)``. Tensors, numpy arrays or plain floats (the fitting path)."""
    if isinstance(g0, torch.Tensor) or isinstance(g_ss, torch.Tensor):
        g0 = torch.as_tensor(g0, dtype=torch.float64) if not isinstance(g0, torch.Tensor) else g0
        g_ss = torch.as_tensor(g_ss, dtype=g0.dtype)
        k_rise, k_fall = lag_rates(p, TORCH)
        k = torch.where(g_ss > g0, k_rise + torch.zeros_like(g_ss), k_fall + torch.zeros_like(g_ss))
        x = k * torch.as_tensor(dt, dtype=g0.dtype)
        decay = torch.exp(-x)
        safe = torch.where(x > 0, x, torch.ones_like(x))
        frac = torch.where(x > 0, -torch.expm1(-safe) / safe, torch.ones_like(x))
    elif isinstance(g0, float) and isinstance(g_ss, float):
        k_rise, k_fall = lag_rates(p, MATH)
        x = (k_rise if g_ss > g0 else k_fall) * dt
        decay = math.exp(-x)
        frac = -math.expm1(-x) / x if x > 0 else 1.0
    else:
        g0, g_ss = np.asarray(g0, float), np.asarray(g_ss, float)
        k_rise, k_fall = lag_rates(p, NUMPY)
        x = np.where(g_ss > g0, k_rise, k_fall) * dt
        decay = np.exp(-x)
        safe = np.where(x > 0, x, 1.0)
        frac = np.where(x > 0, -np.expm1(-safe) / safe, 1.0)
    g1 = g_ss + (g0 - g_ss) * decay
    g_mean = g_ss + (g0 - g_ss) * frac
    return g1, g_mean


def opto_step(x: tuple[Any, Any], g: Any, p: Mapping[str, Any], dt: float) -> tuple[Any, Any]:
    """Advance by ``dt`` with ``x = (v_read, v_led)`` held: ``G`` relaxes exactly towards
    ``G_ss(v_led)``; returns the step-mean current ``v_read * mean(G)`` and the new ``G``."""
    v_read, v_led = x
    g1, g_mean = relax(g, g_steady(v_led, p), dt, p)
    return v_read * g_mean, g1


class OptoSynapse(ParamModule):
    """Optocoupler synapse (:func:`opto_step`): input ``(v_read, v_led)``, state ``G`` (S); it
    starts at the steady state of zero drive."""

    def __init__(self, values: Mapping[str, float], dt: float = 1e-4, *, learn: Iterable[str] = (), dtype=None) -> None:
        LAW.check_values(values)
        missing = set(LED_FIELDS) - set(values)
        if missing:
            from ..errors import ValidationError

            raise ValidationError(f"optocoupler surrogate needs the LED parameter(s) {sorted(missing)}.")
        super().__init__({k: values[k] for k in FIELDS}, learn=learn, dtype=dtype)
        self.dt = float(dt)

    @classmethod
    def from_values(cls, component: Any, values: Mapping[str, float], **kw: Any) -> "OptoSynapse":
        return cls(values, **kw)

    def forward(self, v_read: torch.Tensor, v_led: torch.Tensor, g: torch.Tensor | None = None):
        p = self.params()
        if g is None:
            g = g_steady(torch.zeros_like(v_led), p)
        return opto_step((v_read, v_led), g, p, self.dt)
