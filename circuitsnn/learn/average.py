"""An exponential moving average of a network's trainable tensors (Polyak & Juditsky 1992;
``[optimizer] ema``), kept beside the trained weights and swapped in for evaluation.

After every optimizer step (and the projection into the device range)::

    avg <- decay * avg + (1 - decay) * theta

The average of weights inside a convex range (the normalized conductance interval) stays inside
it, so the averaged net is as deployable as the trained one; quantized families quantize the
averaged latent weights in their forward pass as they do the trained ones.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


class WeightAverage:
    """The moving average of ``net``'s parameters with ``decay`` per step."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must lie in (0, 1), got {decay!r}")
        self.decay = float(decay)
        # the parameter tensors themselves: optimizer steps and load_state_dict update them in place
        named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.average = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        for a, p in zip(self.average, self.params):
            a.lerp_(p, 1.0 - self.decay)

    @contextmanager
    def swapped(self) -> Iterator[None]:
        """The averaged tensors in the network's parameters while the block runs."""
        with torch.no_grad():
            kept = [p.detach().clone() for p in self.params]
            for p, a in zip(self.params, self.average):
                p.copy_(a)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, k in zip(self.params, kept):
                    p.copy_(k)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {n: a.clone() for n, a in zip(self.names, self.average)}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        missing = [n for n in self.names if n not in state]
        if missing:
            raise KeyError(f"the saved average lacks {', '.join(missing)}")
        with torch.no_grad():
            for a, n in zip(self.average, self.names):
                a.copy_(state[n])
