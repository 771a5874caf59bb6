"""Triplet STDP (Pfister & Gerstner, J. Neurosci. 26:9673, 2006).

Four traces: pre ``r1`` (``tau_plus``), ``r2`` (``tau_x``); post ``o1`` (``tau_minus``),
``o2`` (``tau_y``), all-to-all or nearest-neighbour (:mod:`.traces`). With normalized weights
``w`` in ``[0, 1]`` (:mod:`.pair`)::

    pre spike i:   dw_ij -= o1_j (a2_minus + a3_minus r2_i(t-))   (r2 before this spike)
    post spike j:  dw_ij += r1_i (a2_plus  + a3_plus  o2_j(t-))   (o2 before this spike)

``(t-)``: the trace just before the spike's own increment (the paper's ``t - ε``). As in
:mod:`.pair`, ``r1`` includes a pre spike of the same step and ``o1`` excludes a post spike of
the same step. Defaults: the paper's visual-cortex fit, all-to-all (Table 4: tau_plus 16.8 ms,
tau_minus 33.7 ms, tau_x 101 ms, tau_y 125 ms, a2_plus 5e-10, a3_plus 6.2e-3, a2_minus 7e-3,
a3_minus 2.3e-4). Diehl & Cook's rule (2015) is this rule with ``a2_plus = a3_minus = 0``:
``pre: w -= nu_pre o1``, ``post: w += nu_post r1 o2(t-)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from .pair import _contract, _outer, soft_bounds
from .traces import trace, trace_before, trace_step


class TripletSTDPParameters(NamedTuple):
    a2_plus: float = 5e-10
    a3_plus: float = 6.2e-3
    a2_minus: float = 7e-3
    a3_minus: float = 2.3e-4
    tau_plus: float = 16.8e-3
    tau_minus: float = 33.7e-3
    tau_x: float = 101e-3
    tau_y: float = 125e-3
    multiplicative: bool = False
    mu_plus: float = 1.0
    mu_minus: float = 1.0
    nearest: bool = False


class TripletSTDPState(NamedTuple):
    r1: torch.Tensor
    r2: torch.Tensor
    o1: torch.Tensor
    o2: torch.Tensor


def triplet_initial_state(pre_shape, post_shape, dtype=torch.float64) -> TripletSTDPState:
    zi, zj = torch.zeros(pre_shape, dtype=dtype), torch.zeros(post_shape, dtype=dtype)
    return TripletSTDPState(zi, zi.clone(), zj, zj.clone())


def triplet_stdp_step(z_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, state: TripletSTDPState,
                      p: TripletSTDPParameters, dt: float) -> tuple[torch.Tensor, TripletSTDPState]:
    """One step: ``(dw, state)`` (shapes as :func:`circuitsnn.learn.stdp.pair.pair_stdp_step`)."""
    import math

    n = p.nearest
    r1 = trace_step(state.r1, z_pre, dt, p.tau_plus, nearest=n)
    r2_before = state.r2 * math.exp(-dt / p.tau_x)
    o1_before = state.o1 * math.exp(-dt / p.tau_minus)
    o2_before = state.o2 * math.exp(-dt / p.tau_y)
    f_plus, f_minus = soft_bounds(w, p)
    ltp = _outer(r1, z_post * (p.a2_plus + p.a3_plus * o2_before))
    ltd = _outer(z_pre * (p.a2_minus + p.a3_minus * r2_before), o1_before)
    dw = f_plus * ltp - f_minus * ltd
    state = TripletSTDPState(r1, trace_step(state.r2, z_pre, dt, p.tau_x, nearest=n),
                             trace_step(state.o1, z_post, dt, p.tau_minus, nearest=n),
                             trace_step(state.o2, z_post, dt, p.tau_y, nearest=n))
    return dw, state


def triplet_stdp_presentation(z_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, p: TripletSTDPParameters,
                              dt: float, *, row_weight: torch.Tensor | None = None) -> torch.Tensor:
    """The rule over a presentation ``(T, B, ...)`` with the weights held -> ``dw`` ``(I, J)``
    (as :func:`circuitsnn.learn.stdp.pair.pair_stdp_presentation`)."""
    n = p.nearest
    r1 = trace(z_pre, dt, p.tau_plus, nearest=n)
    o1b = trace_before(trace(z_post, dt, p.tau_minus, nearest=n), z_post, nearest=n, dt=dt, tau=p.tau_minus)
    post = z_post * (p.a2_plus + p.a3_plus * (
        trace_before(trace(z_post, dt, p.tau_y, nearest=n), z_post, nearest=n, dt=dt, tau=p.tau_y)
        if p.a3_plus else 0.0))
    pre = z_pre * (p.a2_minus + p.a3_minus * (
        trace_before(trace(z_pre, dt, p.tau_x, nearest=n), z_pre, nearest=n, dt=dt, tau=p.tau_x)
        if p.a3_minus else 0.0))
    if row_weight is not None:
        post = post * row_weight.unsqueeze(-1)
        pre = pre * row_weight.unsqueeze(-1)
    f_plus, f_minus = soft_bounds(w, p)
    return f_plus * _contract(r1, post) - f_minus * _contract(pre, o1b)
