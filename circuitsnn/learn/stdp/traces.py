"""Spike traces: the exponentially decaying memories every STDP rule reads.

A trace ``x`` of spikes ``z`` with time constant ``tau`` (s), on a grid of steps ``dt``::

    all-to-all:        x(t) = x(t - dt) exp(-dt / tau) + z(t)      (every earlier spike counts)
    nearest-neighbour: x(t) = z(t) ? 1 : x(t - dt) exp(-dt / tau)  (only the last spike counts)

(Morrison, Diesmann & Gerstner, Biol. Cybern. 98:459, 2008, "all-to-all" and "nearest spike"
interactions.) :func:`trace_step` is the pure one-step form the rules' step functions use;
:func:`trace` computes a whole presentation at once (``(T, ...)`` spikes), exactly equal to
iterating :func:`trace_step` (the all-to-all sum as scaled cumulative sums in chunks short
enough not to overflow, the nearest-neighbour one from the index of the last spike), and
:func:`trace_before` the value just before the step's own spikes are added (what a rule reads
when a spike of the other side arrives in the same step).
"""

from __future__ import annotations

import math

import torch


def decay(dt: float, tau: float) -> float:
    """The factor ``exp(-dt / tau)`` a trace keeps over one step."""
    return math.exp(-dt / tau)


def trace_step(x: torch.Tensor, z: torch.Tensor, dt: float, tau: float, *, nearest: bool = False) -> torch.Tensor:
    """One step of a trace (module docstring): decay by ``exp(-dt/tau)``, then add (all-to-all)
    or reset to 1 (nearest-neighbour) where ``z`` spiked."""
    x = x * decay(dt, tau)
    return torch.where(z > 0, torch.ones_like(x), x) if nearest else x + z


def trace(z: torch.Tensor, dt: float, tau: float, *, nearest: bool = False,
          x0: torch.Tensor | None = None) -> torch.Tensor:
    """The trace after each step of spikes ``z`` ``(T, ...)``, from ``x0`` (default 0) before
    the first step; equal to iterating :func:`trace_step`."""
    T = z.shape[0]
    z = z.to(torch.float64) if not z.is_floating_point() else z
    k = torch.arange(T, dtype=z.dtype, device=z.device).reshape(T, *([1] * (z.dim() - 1)))
    a = dt / tau
    if nearest:
        idx = torch.where(z > 0, k.expand_as(z), torch.full_like(z, -1.0))
        last = torch.cummax(idx, dim=0).values
        x = torch.where(last >= 0, torch.exp(-(k - last) * a), torch.zeros_like(z))
        if x0 is not None:
            x = torch.where(last >= 0, x, x0 * torch.exp(-(k + 1) * a))
        return x
    out = torch.empty_like(z)
    carry = torch.zeros_like(z[0]) if x0 is None else x0.to(z.dtype).expand_as(z[0]).clone()
    chunk = max(1, int(40.0 / a)) if a > 0 else T
    for s in range(0, T, chunk):
        e = min(T, s + chunk)
        kk = k[: e - s]
        up = torch.exp(kk * a)          # e^{+j a}, j = 0 .. chunk-1 (bounded by e^40)
        down = torch.exp(-(kk + 1) * a)  # e^{-(j+1) a}: decay of what came before the chunk
        c = torch.cumsum(z[s:e] * up, dim=0) * torch.exp(-kk * a)
        out[s:e] = c + carry * down
        carry = out[e - 1]
    return out


def trace_before(x: torch.Tensor, z: torch.Tensor, *, nearest: bool = False, dt: float | None = None,
                 tau: float | None = None) -> torch.Tensor:
    """The trace of each step before that step's own spikes were added: ``x - z`` for
    all-to-all; for nearest-neighbour the decayed value of the step before (needs ``dt``,
    ``tau``)."""
    if not nearest:
        return x - z
    prev = torch.cat([torch.zeros_like(x[:1]), x[:-1]], dim=0)
    return prev * decay(dt, tau)
