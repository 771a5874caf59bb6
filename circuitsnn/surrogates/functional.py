"""Pure, differentiable step functions of the fitted surrogates (norse style).

Every model is written as ``step(x, state, p, dt) -> (out, state)``: ``x`` the input over one
time step of length ``dt`` (held constant during the step), ``state`` and ``p`` NamedTuples of
tensors (or floats) that broadcast against ``x``. Nothing here knows SPICE; the parameters come
from :mod:`circuitsnn.fit.core` and are stored in ``models/<name>.json``.

Neuron parts
------------
The spike functions and surrogate gradients live in :mod:`.spikes`, the LIF (every neuron
circuit's effective model: step, run, f-I, compiled loop) in :mod:`.lif`; both are re-exported
here.

Models
------
* :func:`lif_step` — every neuron circuit's effective LIF (:mod:`.lif`);
* :func:`opto_step` — optocoupler: LED diode + series resistance (closed form with Lambert W),
  power-law photoconductance, asymmetric first-order lag;
* :func:`schottky_step` — gated Schottky synapse: thermionic read current, logarithmic charge
  trapping in closed form;
* :func:`memristor_step` / :func:`memristor_pulse` — bounded-state memristor with threshold
  power-law, windowed, asymmetric rates (Biolek and VTEAM in one form), RK4 over a step;
* :func:`digital_current` — digital-code synapse: per-bit conductances and a read nonlinearity.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Union

import torch

Number = Union[float, torch.Tensor]

# the neuron parts moved to one model per file; re-exported for existing callers
from .lif import (  # noqa: E402,F401
    LIFParameters, LIFState, _eif_free, _has_eif, _lif_run_loop, _log_expm1_ratio, _relax, law_values, lif_initial_state,
    lif_latency, lif_rate, lif_run, lif_spike_times_fast, lif_step,
)
from .spikes import DEFAULT_ALPHA, _SuperSpike, soft_spike, spike_fn, superspike  # noqa: E402,F401


# -- helpers for device models ----------------------------------------------------------------


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
    at total voltage ``v`` (V), in closed form (Banwell & Jayakumar, Electron. Lett. 2000)::

        I = (n_vt / r_s) W((i_s r_s / n_vt) exp((v + i_s r_s) / n_vt)) - i_s
    """
    y = torch.log(torch.as_tensor(i_s * r_s / n_vt, dtype=v.dtype)) + (v + i_s * r_s) / n_vt
    return n_vt / r_s * lambertw_exp(y) - i_s


# -- optocoupler -------------------------------------------------------------------------------


class OptoParameters(NamedTuple):
    """Optocoupler synapse surrogate (base SI).

    LED branch: ``i_s`` saturation current (A), ``n_vt`` emission coefficient times kT/q (V),
    ``r_s`` total series resistance (drive resistor + LED, Ohm). Photoresistor:
    ``g_dark`` (S), ``k_photo`` (S/A^gamma), ``gamma``, ``tau_on``/``tau_off`` (s)::

        I_led = diode_series_current(v_led)
        G_ss  = g_dark + k_photo * I_led^gamma
        dG/dt = (G_ss - G) / tau,  tau = tau_on while G rises, tau_off while it falls
        I(in -> out) = G * v_read
    """

    i_s: Number = 1e-19
    n_vt: Number = 0.0517
    r_s: Number = 160.0
    g_dark: Number = 2e-8
    k_photo: Number = 0.038
    gamma: Number = 0.8
    tau_on: Number = 2.5e-3
    tau_off: Number = 35e-3


class OptoState(NamedTuple):
    """``g`` photoconductance (S)."""

    g: torch.Tensor


def opto_led_current(v_led: torch.Tensor, p: OptoParameters) -> torch.Tensor:
    """LED current (A) at drive voltage ``v_led`` (V); never negative."""
    return torch.clamp(diode_series_current(v_led, p.i_s, p.n_vt, p.r_s), min=0.0)


def opto_g_steady(v_led: torch.Tensor, p: OptoParameters, i_floor: float = 1e-12) -> torch.Tensor:
    """Steady-state photoconductance (S) at LED drive ``v_led`` (V). ``i_floor`` (A) keeps the
    power law's derivative finite at zero current."""
    return p.g_dark + p.k_photo * (opto_led_current(v_led, p) + i_floor) ** p.gamma


def opto_relax(g0, g_ss, dt, tau_on, tau_off):
    """Exact first-order relaxation of ``G`` towards ``g_ss`` over ``dt`` (rising with
    ``tau_on``, falling with ``tau_off``); returns ``(G_end, G_mean)``. Works on tensors and on
    plain floats (the fitting path)."""
    if isinstance(g0, torch.Tensor) or isinstance(g_ss, torch.Tensor):
        g0 = torch.as_tensor(g0)
        g_ss = torch.as_tensor(g_ss, dtype=g0.dtype)
        tau = torch.where(g_ss > g0, torch.as_tensor(tau_on, dtype=g0.dtype), torch.as_tensor(tau_off, dtype=g0.dtype))
        decay = torch.exp(-torch.as_tensor(dt, dtype=g0.dtype) / tau)
    else:
        tau = tau_on if g_ss > g0 else tau_off
        decay = math.exp(-dt / tau)
    g1 = g_ss + (g0 - g_ss) * decay
    g_mean = g_ss + (g0 - g_ss) * tau / dt * (1 - decay)
    return g1, g_mean


def opto_step(
    x: tuple[torch.Tensor, torch.Tensor],
    state: OptoState,
    p: OptoParameters,
    dt: Number,
) -> tuple[torch.Tensor, OptoState]:
    """Advance the optocoupler by ``dt`` with ``x = (v_read, v_led)`` held for the step.

    ``G`` relaxes exactly towards ``G_ss(v_led)``; the output is the mean current over the step,
    ``v_read * mean(G)``, so charge is conserved whatever ``dt``.
    """
    v_read, v_led = x
    g1, g_mean = opto_relax(state.g, opto_g_steady(v_led, p), dt, p.tau_on, p.tau_off)
    return v_read * g_mean, OptoState(g=g1)


# -- gated Schottky synapse --------------------------------------------------------------------


class SchottkyParameters(NamedTuple):
    """Gated Schottky diode synapse surrogate (base SI; ``temp`` in K).

    Read (reverse bias ``v_r = v(in, out)``, gate ``v_g``, stored barrier lowering ``dphi``)::

        v_t = k temp / q
        I = a_rich * temp^2 * exp(-(phi_b0 - alpha_g v_g - dphi - eta v_r) / v_t) * (1 - exp(-v_r / v_t))

    Program (gate pulse above ``v_onset``): ``d(dphi)/dt = rate * exp((v_g - v_prog)/v_slope)
    * exp(-dphi / vq)``, which integrates in closed form over a step of constant gate voltage::

        exp(dphi' / vq) = exp(dphi / vq) + (rate dt / vq) exp((v_g - v_prog) / v_slope)

    so the barrier lowering, and ``ln I``, grow with the logarithm of the pulse count. Erase
    (``v_e > v_erase``): ``dphi`` decays with ``tau_erase``.
    """

    a_rich: Number = 1.12e-6
    phi_b0: Number = 0.5
    alpha_g: Number = 0.02
    eta: Number = 1e-3
    vq: Number = 0.029
    rate: Number = 1.45e3
    v_prog: Number = 8.0
    v_slope: Number = 0.5
    v_onset: Number = 5.0
    v_erase: Number = 2.5
    tau_erase: Number = 1e-6
    temp: Number = 300.15


class SchottkyState(NamedTuple):
    """``dphi`` barrier lowering by trapped charge, ``Q_trap / c_trap`` (V)."""

    dphi: torch.Tensor


#: Boltzmann constant over elementary charge (V/K), CODATA 2018 exact
K_OVER_Q = 8.617333262e-5


def schottky_current(v_r: torch.Tensor, v_g: torch.Tensor | float, dphi: torch.Tensor, p: SchottkyParameters,
                     v_forward_clamp: float = 0.3) -> torch.Tensor:
    """Read current (A, ``in -> out``) of the gated Schottky synapse (see the class doc)."""
    v_t = K_OVER_Q * p.temp
    vr_c = torch.clamp(v_r, min=-v_forward_clamp)
    phi = p.phi_b0 - p.alpha_g * v_g - dphi - p.eta * v_r
    return p.a_rich * p.temp**2 * torch.exp(-phi / v_t) * (1 - torch.exp(-vr_c / v_t))


def schottky_program(dphi: torch.Tensor, v_g: torch.Tensor, dt: Number, p: SchottkyParameters) -> torch.Tensor:
    """Barrier lowering after ``dt`` seconds of constant gate voltage ``v_g`` (closed form)."""
    on = (v_g > p.v_onset).to(dphi.dtype)
    inject = on * p.rate * dt / p.vq * torch.exp((v_g - p.v_prog) / p.v_slope)
    return p.vq * torch.log(torch.exp(dphi / p.vq) + inject)


def schottky_step(
    x: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    state: SchottkyState,
    p: SchottkyParameters,
    dt: Number,
) -> tuple[torch.Tensor, SchottkyState]:
    """Advance by ``dt`` with ``x = (v_r, v_g, v_e)`` held: program/erase the state, then read
    the current at the end of the step."""
    v_r, v_g, v_e = x
    d = schottky_program(state.dphi, v_g, dt, p)
    erasing = (v_e > p.v_erase).to(d.dtype)
    d = d * (1 - erasing + erasing * torch.exp(-torch.as_tensor(dt, dtype=d.dtype) / p.tau_erase))
    return schottky_current(v_r, v_g, d, p), SchottkyState(dphi=d)


# -- memristor ---------------------------------------------------------------------------------


class MemristorParameters(NamedTuple):
    """Memristive synapse surrogate (base SI): a bounded state ``x`` in [0, 1] (1 = ON).

    Read: ``I = v / R(x)``, ``R(x) = r_on x + r_off (1 - x)``. Programming, for a voltage ``v``
    across the device (one form for both threshold and current-controlled devices)::

        dx/dt = (G(x) r_on)^c_i * [ k_on  relu(v - v_on)^a_on   (1 - x^q_on)
                                   - k_off relu(v_off - v)^a_off (1 - (1 - x)^q_off) ]

    ``v_on >= 0 >= v_off`` are thresholds (0 for a thresholdless device), ``k_on``/``k_off``
    (1/(s V^a)) and ``a_on``/``a_off`` set the nonlinear, asymmetric rates, the windows
    ``q_on``/``q_off`` (the SPICE models' 2p) bound the state, and ``c_i`` = 1 makes the rate
    proportional to the device current (Biolek: ``dx/dt ~ i f(x)``), 0 to the voltage (VTEAM).
    Rate forms: Kvatinsky et al., IEEE TCAS-II 2015 (VTEAM); Biolek et al., Radioengineering 2009.
    """

    r_on: Number = 100.0
    r_off: Number = 16e3
    k_on: Number = 1e2
    v_on: Number = 0.0
    a_on: Number = 1.0
    k_off: Number = 1e2
    v_off: Number = 0.0
    a_off: Number = 1.0
    q_on: Number = 2.0
    q_off: Number = 2.0
    c_i: Number = 1.0


class MemristorState(NamedTuple):
    """``x`` normalized state (0 = OFF, 1 = ON)."""

    x: torch.Tensor


def _relu(y):
    return (y + abs(y)) * 0.5


def _clip01(x):
    if isinstance(x, torch.Tensor):
        return torch.clamp(x, 0.0, 1.0)
    if isinstance(x, float):
        return min(max(x, 0.0), 1.0)
    import numpy as np

    return np.clip(x, 0.0, 1.0)


def memristor_conductance(x, p: MemristorParameters):
    """``1 / (r_on x + r_off (1 - x))`` (S). Works on tensors and on plain numbers/arrays."""
    return 1.0 / (p.r_on * x + p.r_off * (1 - x))


def memristor_rate(x, v, p: MemristorParameters):
    """``dx/dt`` (1/s) at state ``x`` and voltage ``v`` (see the class doc). Plain arithmetic, so
    it runs on tensors (differentiable) and on numpy arrays alike."""
    xc = _clip01(x)
    g = (memristor_conductance(xc, p) * p.r_on) ** p.c_i
    on = p.k_on * _relu(v - p.v_on) ** p.a_on * (1 - xc**p.q_on)
    off = p.k_off * _relu(p.v_off - v) ** p.a_off * (1 - (1 - xc) ** p.q_off)
    return g * (on - off)


def memristor_advance(x, v, dt, p: MemristorParameters, substeps: int = 4):
    """State after ``dt`` seconds at constant voltage ``v``: classical Runge-Kutta (RK4) with
    ``substeps`` steps, the state clipped to [0, 1]."""
    h = dt / substeps
    for _ in range(substeps):
        k1 = memristor_rate(x, v, p)
        k2 = memristor_rate(x + 0.5 * h * k1, v, p)
        k3 = memristor_rate(x + 0.5 * h * k2, v, p)
        k4 = memristor_rate(x + h * k3, v, p)
        x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        x = _clip01(x)
    return x


def memristor_pulse(x, amplitude, width, p: MemristorParameters, substeps: int = 16):
    """The programming update of one rectangular pulse (V, s): the state after it."""
    return memristor_advance(x, amplitude, width, p, substeps)


def memristor_step(v: torch.Tensor, state: MemristorState, p: MemristorParameters, dt: Number,
                   substeps: int = 4) -> tuple[torch.Tensor, MemristorState]:
    """Advance by ``dt`` with ``v`` across the device held; returns the current (A) at the
    step's midpoint state and the new state."""
    x_mid = memristor_advance(state.x, v, 0.5 * dt, p, max(1, substeps // 2))
    x1 = memristor_advance(x_mid, v, 0.5 * dt, p, max(1, substeps // 2))
    return v * memristor_conductance(x_mid, p), MemristorState(x=x1)


# -- digital-code synapse ----------------------------------------------------------------------


class DigitalParameters(NamedTuple):
    """Digital-code synapse surrogate: ``g`` the conductance of each bit (S, shape ``(N,)``, LSB
    first; binary-weighted by design, fitted one by one so mismatch and switch error show) and
    ``beta`` (1/V) the read nonlinearity of the switches::

        I = v (1 + beta v) * sum_k bit_k g_k
    """

    g: Number
    beta: Number = 0.0


def code_to_bits(code: torch.Tensor, n_bits: int) -> torch.Tensor:
    """Integer codes ``(...)`` -> bits ``(..., n_bits)`` (LSB first) as floats."""
    shifts = torch.arange(n_bits, device=code.device)
    return ((code.long().unsqueeze(-1) >> shifts) & 1).to(torch.get_default_dtype() if not code.is_floating_point() else code.dtype)


def digital_current(v: torch.Tensor, bits: torch.Tensor, p: DigitalParameters) -> torch.Tensor:
    """Current (A, ``in -> out``) at read voltage ``v`` for ``bits`` ``(..., N)`` (0/1, or
    relaxed values in between for learning)."""
    g = (bits * torch.as_tensor(p.g, dtype=bits.dtype)).sum(-1)
    return v * (1 + p.beta * v) * g
