"""Surrogate gradients of the spike: Heaviside forward, a smooth pseudo-derivative backward.

``spike(x)`` with ``x = v - v_th`` (V) is ``1`` where ``x >= 0``. Backward, each shape is the
derivative of a smooth step of unit height, so every surrogate integrates to 1 over ``x`` (the
true step's "mass") and ``scale`` (1/V) sets its width, about ``1/scale`` volts:

============== ===================================================== =====================
shape          d spike / dx                                          peak
============== ===================================================== =====================
fast_sigmoid   ``(scale/2) / (1 + scale |x|)^2``  (SuperSpike)       ``scale/2``
arctan         ``(scale/pi) / (1 + (scale x)^2)``                    ``scale/pi``
sigmoid        ``scale s (1 - s)``, ``s = sigmoid(scale x)``         ``scale/4``
triangle       ``scale max(0, 1 - scale |x|)``                       ``scale``
============== ===================================================== =====================

``fast_sigmoid`` is the convention of :mod:`circuitsnn.surrogates.functional` (its
``alpha``): the default ``scale = 100 /V`` spreads the gradient over about +-10 mV. Zenke &
Vogels (Neural Computation 33, 2021) found training robust to the shape and sensitive to the
scale; ``examples/surrogate_scale_study.py`` measures that here.

Use :func:`get` (``get("arctan", 50.0)``) for a callable ``spike(x)``; the functions are
``torch.autograd.Function`` s that also run under ``torch.compile``.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ..errors import ValidationError

DEFAULT_SCALE = 100.0


class _Spike(torch.autograd.Function):
    """Heaviside forward; backward: the incoming gradient times :func:`derivative` of the
    subclass's ``shape`` (each shape's formula is written once, there)."""

    shape = ""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        ctx.scale = scale
        return (x >= 0).to(x.dtype)

    @classmethod
    def backward(cls, ctx, grad: torch.Tensor):  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad * derivative(cls.shape, x, ctx.scale), None


class FastSigmoid(_Spike):
    shape = "fast_sigmoid"


class ArcTan(_Spike):
    shape = "arctan"


class Sigmoid(_Spike):
    shape = "sigmoid"


class Triangle(_Spike):
    shape = "triangle"


SHAPES: dict[str, type[_Spike]] = {
    "fast_sigmoid": FastSigmoid,
    "arctan": ArcTan,
    "sigmoid": Sigmoid,
    "triangle": Triangle,
}
#: other names people use for the same shapes
ALIASES = {"superspike": "fast_sigmoid", "atan": "arctan", "triangular": "triangle"}


def derivative(shape: str, x: torch.Tensor, scale: float) -> torch.Tensor:
    """The surrogate derivative of ``shape`` at ``x`` in closed form (what the backward pass
    multiplies by)."""
    shape = ALIASES.get(shape, shape)
    a = scale
    if shape == "fast_sigmoid":
        return (0.5 * a) / (1 + a * x.abs()) ** 2
    if shape == "arctan":
        return (a / math.pi) / (1 + (a * x) ** 2)
    if shape == "sigmoid":
        s = torch.sigmoid(a * x)
        return a * s * (1 - s)
    if shape == "triangle":
        return a * torch.clamp(1 - a * x.abs(), min=0.0)
    raise ValidationError(f"unknown surrogate shape {shape!r}.", hint=f"Use one of {', '.join(SHAPES)}.")


class SpikeFunction:
    """A configured surrogate: ``SpikeFunction("arctan", 50.0)(x)`` (picklable, printable)."""

    def __init__(self, shape: str = "fast_sigmoid", scale: float = DEFAULT_SCALE) -> None:
        shape = ALIASES.get(shape, shape)
        if shape not in SHAPES:
            raise ValidationError(f"unknown surrogate shape {shape!r}.", hint=f"Use one of {', '.join(SHAPES)}.")
        if not (math.isfinite(scale) and scale > 0):
            raise ValidationError(f"the surrogate scale must be a positive number (1/V), got {scale!r}.")
        self.shape = shape
        self.scale = float(scale)
        self._fn = SHAPES[shape].apply

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self._fn(x, self.scale)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """The surrogate derivative at ``x`` (what the backward pass multiplies by)."""
        return derivative(self.shape, x, self.scale)

    def __repr__(self) -> str:
        return f"SpikeFunction({self.shape!r}, scale={self.scale:g}/V)"


def get(shape: str = "fast_sigmoid", scale: float = DEFAULT_SCALE) -> Callable[[torch.Tensor], torch.Tensor]:
    """The spike function of ``shape`` with ``scale`` (1/V)."""
    return SpikeFunction(shape, scale)
