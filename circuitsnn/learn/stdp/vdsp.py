"""Voltage-dependent synaptic plasticity (VDSP; after Garg et al., Front. Neurosci. 16:983950,
2022): the weight changes only when the *post*-synaptic neuron spikes, and the presynaptic
neuron's membrane potential at that moment sets the sign and the size. No trace is stored:
the membrane is the memory.

A presynaptic neuron that fired shortly before sits below rest after its reset (``v_reset <
v_rest``) and recovers towards rest; one that did not fire sits at rest or above, charging
towards threshold. With ``u = (v_pre - v_rest) / (v_th - v_rest)`` (``u_reset < 0`` right
after a pre spike, 0 at rest, 1 at threshold)::

    post spike j:  u_i < 0  ->  dw_ij = +eta_plus  (1 - w_ij)^mu  (u_i / u_reset)      (causal)
                   u_i >= 0 ->  dw_ij = -eta_minus  w_ij^mu  (1 + u_i) / 2              (acausal /
                                                                                    silent input)

i.e. potentiation largest just after a pre spike, fading as the pre neuron recovers (an
exponential window in ``t_post - t_pre`` of time constant ``tau_m`` of the pre neuron: the
STDP-equivalence of the paper), depression for silent inputs and largest for a pre neuron about
to fire; the ``w``-dependence keeps the weights inside ``[0, 1]`` (the paper's weight
regularization). The coefficient shapes are this package's reading of the rule, not the
paper's code. :func:`vdsp_step` is the pure step; :func:`vdsp_presentation` the whole
presentation as two matrix products (weights held).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from .pair import _contract, _outer


class VDSPParameters(NamedTuple):
    """``eta_plus``/``eta_minus``: potentiation/depression rates; ``mu``: weight dependence
    exponent; ``u_reset``: the pre neuron's normalized reset level (< 0)."""

    eta_plus: float = 0.01
    eta_minus: float = 0.005
    mu: float = 1.0
    u_reset: float = -0.5


def vdsp_factors(u_pre: torch.Tensor, p: VDSPParameters) -> tuple[torch.Tensor, torch.Tensor]:
    """``(a, d)``: the potentiation and depression factors of normalized pre membranes ``u``."""
    u = u_pre.to(torch.float64)
    a = torch.clamp(u / p.u_reset, 0.0, 1.0)
    d = torch.where(u >= 0, (1 + torch.clamp(u, max=1.0)) / 2, torch.zeros_like(u))
    return a, d


def vdsp_step(u_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, p: VDSPParameters) -> torch.Tensor:
    """``dw`` ``(I, J)`` of one step: ``u_pre`` ``(B, I)`` the pre membranes (normalized, as
    in the module docstring) when the post neurons ``z_post`` ``(B, J)`` spiked."""
    a, d = vdsp_factors(u_pre, p)
    wc = torch.clamp(w, 0.0, 1.0)
    return (p.eta_plus * (1 - wc) ** p.mu * _outer(a, z_post)
            - p.eta_minus * wc ** p.mu * _outer(d, z_post))


def vdsp_presentation(u_pre: torch.Tensor, z_post: torch.Tensor, w: torch.Tensor, p: VDSPParameters) -> torch.Tensor:
    """Over a presentation: ``u_pre`` ``(T, B, I)`` (the pre membranes *at the time of* each
    step's post spikes), ``z_post`` ``(T, B, J)`` -> ``dw`` ``(I, J)``."""
    a, d = vdsp_factors(u_pre, p)
    wc = torch.clamp(w, 0.0, 1.0)
    return p.eta_plus * (1 - wc) ** p.mu * _contract(a, z_post) - p.eta_minus * wc ** p.mu * _contract(d, z_post)


def normalized_membrane(v: torch.Tensor, v_rest: float, v_th: float) -> torch.Tensor:
    """``u = (v - v_rest) / (v_th - v_rest)``."""
    return (v - v_rest) / (v_th - v_rest)
