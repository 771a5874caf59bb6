"""Reward-modulated STDP with eligibility traces: the three-factor rule (Izhikevich, Cereb.
Cortex 17:2443, 2007; Frémaux & Gerstner, Front. Neural Circuits 9:85, 2016)::

    de_ij/dt = -e_ij / tau_e + STDP_ij(t)      (pair STDP's updates feed the eligibility)
    dw_ij/dt = eta M(t) e_ij                    M = R - <R>   (reward minus its running mean)

In steps of ``dt``: ``e <- e exp(-dt/tau_e) + stdp(t)``, ``dw = eta m(t) e`` where ``m`` is the
modulator *per step* (a reward delivered at one step is ``m = R - <R>`` there and 0
elsewhere). :func:`rstdp_step` is the pure step (one sample, or a batch where each sample has
its own eligibility and modulator: ``e`` is ``(B, I, J)``); :func:`rstdp_presentation` is the
same for a reward given at the end of a presentation, for a batch of independent samples at
once: ``dw = eta sum_b M_b e_b(T)`` with ``e_b(T) = sum_t exp(-(T-1-t) dt / tau_e)
stdp_b(t)``, as two matrix products (tested equal to the steps). :class:`RewardBaseline`
keeps ``<R>`` (a running mean per stimulus class, or one for all).

**Learning-rate schedule** (:func:`eta_factor`): the run may let ``eta`` decay over training,
``eta(s) = eta f(s)`` at the fraction ``s`` in ``[0, 1)`` of the run's batches done
(``s = (epoch n_batches + batch) / (epochs n_batches)``), ending at ``f -> r = eta_final``::

    constant:  f = 1
    linear:    f = 1 - (1 - r) s
    cosine:    f = r + (1 - r) (1 + cos(pi s)) / 2

so the policy, which keeps moving under a constant ``eta`` (every wrong decision changes the
weights), settles as the run ends.

**Weight normalization** (``[reward] normalize``, :func:`~.network.normalize_request`): after
each batch the change asked of the devices is folded so that each readout neuron's input
column keeps the mean normalized weight ``normalize`` (Diehl & Cook's normalization applied to
the readout): the reward then only redistributes a neuron's conductance among its inputs, so
no readout neuron can win every decision by growing all its synapses, nor fall silent.
``normalize_axis = "input"`` keeps instead each input's row (its synapses onto the readout
neurons): a depression of one input's synapse onto a wrong winner then goes, as potentiation,
to its synapses onto the other readout neurons (heterosynaptic; no input's row can be
depressed to silence onto the whole readout).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .pair import PairSTDPParameters, pair_stdp_presentation, soft_bounds
from .traces import trace_step


class RSTDPParameters(NamedTuple):
    """``stdp``: the pair rule feeding the eligibility; ``tau_e`` (s) the eligibility time
    constant; ``eta`` the learning rate; ``baseline_rate`` the running mean's step."""

    stdp: PairSTDPParameters = PairSTDPParameters(a_plus=1.0, a_minus=1.0)
    tau_e: float = 0.2
    eta: float = 0.01
    baseline_rate: float = 0.05


#: the learning-rate schedules of :func:`eta_factor`
ETA_SCHEDULES = ("constant", "linear", "cosine")


def eta_factor(schedule: str, progress: float, final: float = 0.0) -> float:
    """The factor on ``eta`` at the fraction ``progress`` in ``[0, 1]`` of the run done, for a
    ``schedule`` ending at ``final`` (module docstring)."""
    if schedule not in ETA_SCHEDULES:
        raise ValueError(f"unknown eta schedule {schedule!r} (one of {', '.join(ETA_SCHEDULES)})")
    if not 0.0 <= final <= 1.0:
        raise ValueError(f"eta_final must be in [0, 1], got {final!r}")
    s = min(max(float(progress), 0.0), 1.0)
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return 1.0 - (1.0 - final) * s
    return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * s))


class RSTDPState(NamedTuple):
    x: torch.Tensor   # pre trace (B, I)
    y: torch.Tensor   # post trace (B, J)
    e: torch.Tensor   # eligibility (B, I, J)


def rstdp_initial_state(batch: int, n_pre: int, n_post: int, dtype=torch.float64) -> RSTDPState:
    return RSTDPState(torch.zeros(batch, n_pre, dtype=dtype), torch.zeros(batch, n_post, dtype=dtype),
                      torch.zeros(batch, n_pre, n_post, dtype=dtype))


def rstdp_step(z_pre: torch.Tensor, z_post: torch.Tensor, modulator: torch.Tensor, w: torch.Tensor,
               state: RSTDPState, p: RSTDPParameters, dt: float) -> tuple[torch.Tensor, RSTDPState]:
    """One step for a batch: ``z_pre`` ``(B, I)``, ``z_post`` ``(B, J)``, ``modulator`` ``(B,)``
    -> ``(dw (I, J) summed over the batch, state)``."""
    s = p.stdp
    x = trace_step(state.x, z_pre, dt, s.tau_plus, nearest=s.nearest)
    y_before = state.y * math.exp(-dt / s.tau_minus)
    f_plus, f_minus = soft_bounds(w, s)
    z_pre = z_pre.to(torch.float64)
    z_post = z_post.to(torch.float64)
    stdp = (s.a_plus * f_plus * (x.unsqueeze(-1) * z_post.unsqueeze(-2))
            - s.a_minus * f_minus * (z_pre.unsqueeze(-1) * y_before.unsqueeze(-2)))
    e = state.e * math.exp(-dt / p.tau_e) + stdp
    dw = p.eta * (modulator.to(torch.float64).reshape(-1, 1, 1) * e).sum(0)
    y = trace_step(state.y, z_post, dt, s.tau_minus, nearest=s.nearest)
    return dw, RSTDPState(x, y, e)


def eligibility_weights(n_steps: int, dt: float, tau_e: float, dtype=torch.float64) -> torch.Tensor:
    """``exp(-(T-1-t) dt / tau_e)`` for ``t = 0 .. T-1``: how much step ``t``'s STDP is still
    eligible at the end of the presentation."""
    t = torch.arange(n_steps, dtype=dtype)
    return torch.exp(-(n_steps - 1 - t) * dt / tau_e)


def rstdp_presentation(z_pre: torch.Tensor, z_post: torch.Tensor, modulator: torch.Tensor, w: torch.Tensor,
                       p: RSTDPParameters, dt: float) -> torch.Tensor:
    """A reward at the end of the presentation for each sample of a batch: ``z_pre``
    ``(T, B, I)``, ``z_post`` ``(T, B, J)``, ``modulator`` ``(B,)`` (``R - <R>``) -> ``dw``
    ``(I, J)`` (module docstring)."""
    T = z_pre.shape[0]
    rw = eligibility_weights(T, dt, p.tau_e).unsqueeze(1) * modulator.to(torch.float64).unsqueeze(0)
    return p.eta * pair_stdp_presentation(z_pre, z_post, w, p.stdp, dt, row_weight=rw)


class RewardBaseline:
    """``<R>``: an exponential running mean of the reward, one per stimulus class (``n_classes``)
    or one for all (``n_classes = 1``), updated after the modulator is taken."""

    def __init__(self, n_classes: int = 1, rate: float = 0.05) -> None:
        self.mean = torch.zeros(n_classes, dtype=torch.float64)
        self.rate = float(rate)

    def modulator(self, reward: torch.Tensor, cls: torch.Tensor | None = None) -> torch.Tensor:
        """``M = R - <R>`` for each sample, then the means move towards the batch's rewards."""
        idx = torch.zeros_like(reward, dtype=torch.long) if cls is None or len(self.mean) == 1 else cls.long()
        r = reward.to(torch.float64)
        m = r - self.mean[idx]
        for k in idx.unique():
            sel = idx == k
            self.mean[k] += self.rate * (r[sel].mean() - self.mean[k])
        return m

    def state_dict(self) -> dict:
        return {"mean": self.mean.clone(), "rate": self.rate}

    def load_state_dict(self, d: dict) -> None:
        self.mean = d["mean"].clone()
        self.rate = float(d["rate"])
