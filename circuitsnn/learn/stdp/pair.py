"""Pair-based STDP (Bi & Poo 1998; Song, Miller & Abbott 2000; Gütig et al. 2003): additive or
multiplicative, all-to-all or nearest-neighbour traces.

Weights here are *normalized*: ``w`` in ``[0, 1]`` is the position of a synapse's conductance
in its device's range (``(G - g_min) / (g_max - g_min)``). A rule only *asks* for a change
``dw``; the device decides what really happens (:mod:`.devices`).

Rule, per step ``dt`` with pre spikes ``z_pre`` (``..., I``) and post spikes ``z_post``
(``..., J``)::

    x   = pre trace  (tau_plus),  y = post trace (tau_minus)         (see :mod:`.traces`)
    post spike j:  dw_ij += a_plus  f+(w_ij) x_i      x includes a pre spike of this step
    pre spike i:   dw_ij -= a_minus f-(w_ij) y_j      y excludes a post spike of this step
    additive:        f+ = 1,              f- = 1      (hard bounds: the device's range)
    multiplicative:  f+ = (1 - w)^mu_plus, f- = w^mu_minus   (soft bounds; mu = 1: Gütig's
                     multiplicative rule, van Rossum et al. 2000)

so a pre and a post spike in the same step count once, as pre-before-post (``dt_spike = 0``).
For one pair at distance ``Δt = t_post - t_pre``: ``dw = a_plus exp(-Δt/tau_plus)`` for
``Δt >= 0`` and ``-a_minus exp(Δt/tau_minus)`` for ``Δt < 0`` (the classic window).

:func:`pair_stdp_step` is the pure step; :func:`pair_stdp_presentation` is the same rule over a
whole presentation ``(T, B, ...)`` with the weights held (the devices are programmed between
presentations), as two matrix products, equal to summing the steps (tested).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from .traces import trace, trace_before, trace_step


class PairSTDPParameters(NamedTuple):
    """``a_plus``/``a_minus``: potentiation/depression amplitudes (normalized weight per
    pairing); ``tau_plus``/``tau_minus`` (s): the pre and post trace time constants;
    ``multiplicative``: soft bounds ``(1 - w)^mu_plus`` / ``w^mu_minus``; ``nearest``:
    nearest-neighbour traces instead of all-to-all."""

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 20e-3
    tau_minus: float = 20e-3
    multiplicative: bool = False
    mu_plus: float = 1.0
    mu_minus: float = 1.0
    nearest: bool = False


class PairSTDPState(NamedTuple):
    """``x`` the pre trace (``..., I``), ``y`` the post trace (``..., J``)."""

    x: torch.Tensor
    y: torch.Tensor


def pair_initial_state(pre_shape, post_shape, dtype=torch.float64) -> PairSTDPState:
    return PairSTDPState(torch.zeros(pre_shape, dtype=dtype), torch.zeros(post_shape, dtype=dtype))


def soft_bounds(w: torch.Tensor, p) -> tuple[torch.Tensor | float, torch.Tensor | float]:
    """``(f+, f-)`` of the weights: 1 and 1 (additive) or ``(1 - w)^mu_plus`` and ``w^mu_minus``."""
    if not p.multiplicative:
        return 1.0, 1.0
    wc = torch.clamp(w, 0.0, 1.0)
    return (1.0 - wc) ** p.mu_plus, wc ** p.mu_minus


def pair_stdp_step(z_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, state: PairSTDPState,
                   p: PairSTDPParameters, dt: float) -> tuple[torch.Tensor, PairSTDPState]:
    """One step: ``(dw, state)``; ``z_pre`` ``(I,)`` or ``(B, I)``, ``z_post`` ``(J,)`` or
    ``(B, J)``, ``w`` ``(I, J)``; ``dw`` ``(I, J)`` summed over the batch."""
    x = trace_step(state.x, z_pre, dt, p.tau_plus, nearest=p.nearest)
    y_before = state.y * torch.exp(torch.tensor(-dt / p.tau_minus, dtype=state.y.dtype))
    f_plus, f_minus = soft_bounds(w, p)
    ltp = _outer(x, z_post)
    ltd = _outer(z_pre, y_before)
    dw = p.a_plus * f_plus * ltp - p.a_minus * f_minus * ltd
    y = trace_step(state.y, z_post, dt, p.tau_minus, nearest=p.nearest)
    return dw, PairSTDPState(x, y)


def pair_stdp_presentation(z_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, p: PairSTDPParameters,
                           dt: float, *, row_weight: torch.Tensor | None = None) -> torch.Tensor:
    """The rule over a presentation, weights held: ``z_pre`` ``(T, B, I)``, ``z_post``
    ``(T, B, J)`` -> ``dw`` ``(I, J)`` summed over steps and the batch (traces start at 0).
    ``row_weight`` ``(T, B)`` weighs each step's updates (R-STDP's eligibility decay and
    reward); default 1."""
    x = trace(z_pre, dt, p.tau_plus, nearest=p.nearest)
    y = trace(z_post, dt, p.tau_minus, nearest=p.nearest)
    y_before = trace_before(y, z_post, nearest=p.nearest, dt=dt, tau=p.tau_minus)
    post = z_post if row_weight is None else z_post * row_weight.unsqueeze(-1)
    pre = z_pre if row_weight is None else z_pre * row_weight.unsqueeze(-1)
    ltp = _contract(x, post)
    ltd = _contract(pre, y_before)
    f_plus, f_minus = soft_bounds(w, p)
    return p.a_plus * f_plus * ltp - p.a_minus * f_minus * ltd


def pair_window(delta_t: torch.Tensor, p: PairSTDPParameters) -> torch.Tensor:
    """The closed-form window for one pair at ``Δt = t_post - t_pre`` (s), additive, ``w`` = 0.5
    for the multiplicative form: what :func:`pair_stdp_step` must reproduce."""
    d = torch.as_tensor(delta_t, dtype=torch.float64)
    f_plus, f_minus = soft_bounds(torch.tensor(0.5, dtype=torch.float64), p)
    return torch.where(d >= 0, p.a_plus * f_plus * torch.exp(-d / p.tau_plus),
                       -p.a_minus * f_minus * torch.exp(d / p.tau_minus))


def _outer(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``sum_batch a_i b_j``: ``(I,)x(J,) -> (I, J)`` or ``(B, I)x(B, J) -> (I, J)``."""
    a = a.to(torch.float64)
    b = b.to(torch.float64)
    if a.dim() == 1:
        return torch.outer(a, b)
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])


def _contract(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``sum_{t, b} a[t, b, i] b[t, b, j]`` as one matrix product."""
    a = a.to(torch.float64)
    b = b.to(torch.float64)
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])
