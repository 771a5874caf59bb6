"""Spike functions and their surrogate gradients: what a spiking surrogate emits and how
gradients pass through it.

Spike threshold and surrogate gradient
--------------------------------------
The forward pass of a spike is the Heaviside step ``z = H(v - v_th)``. Its backward pass uses the
derivative of the *fast sigmoid* (SuperSpike, Zenke & Ganguli, Neural Comput. 2018; Zenke &
Vogels, Neural Comput. 2021)::

    sigma(x) = 1/2 + 1/2 * alpha*x / (1 + alpha*|x|)        (the soft spike, 0..1)
    dz/dv   ~= sigma'(x) = (alpha/2) / (1 + alpha*|x|)**2    x = v - v_th  (V), alpha in 1/V

``alpha`` is the *scale*: the gradient falls to 1/4 of its peak ``alpha/2`` at
``|v - v_th| = 1/alpha`` and integrates to 1 over ``v``, so the surrogate has the same total
"mass" as the true step. ``alpha = 100 /V`` (the default) spreads it over about +-10 mV. With
``soft=True`` the forward pass itself is ``sigma``: every function here is then smooth, which is
what ``torch.autograd.gradcheck`` checks, and the hard spike's backward equals the soft spike's
exact derivative.

:func:`superspike` is the hard spike with that backward pass, :func:`soft_spike` the smooth one,
:func:`spike_fn` picks one. The neuron steps (:mod:`.lif`) call them on ``v - v_th``.
"""

from __future__ import annotations

from typing import Callable, Union

import torch

Number = Union[float, torch.Tensor]

#: default surrogate-gradient scale (1/V): gradient spread over about +-10 mV around threshold
DEFAULT_ALPHA = 100.0


class _SuperSpike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid derivative backward (see the module docstring)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x, alpha)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        x, alpha = ctx.saved_tensors
        g = grad * (alpha / 2) / (1 + alpha * x.abs()) ** 2
        galpha = None
        if ctx.needs_input_grad[1]:
            # the step's value does not depend on alpha: its true derivative is zero
            galpha = torch.zeros_like(alpha)
        return g, galpha


def soft_spike(x: torch.Tensor, alpha: Number = DEFAULT_ALPHA) -> torch.Tensor:
    """The fast sigmoid ``1/2 + 1/2 alpha x / (1 + alpha |x|)``: a smooth spike in 0..1."""
    ax = alpha * x
    return 0.5 + 0.5 * ax / (1 + ax.abs())


def superspike(x: torch.Tensor, alpha: Number = DEFAULT_ALPHA) -> torch.Tensor:
    """Heaviside ``x >= 0`` with the fast-sigmoid surrogate gradient of scale ``alpha`` (1/V)."""
    a = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
    return _SuperSpike.apply(x, a)


def spike_fn(soft: bool) -> Callable[[torch.Tensor, Number], torch.Tensor]:
    return soft_spike if soft else superspike


__all__ = ["DEFAULT_ALPHA", "soft_spike", "superspike", "spike_fn"]
