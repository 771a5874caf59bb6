"""Encoders: data set features -> input pulses on the time grid, once per batch, outside the
network's time loop (encoding inside the step cost about a quarter of a training step).

Every encoder returns a float tensor of shape ``(T, B, F)`` with ``T = n_steps``:

* binary pulses (``poisson``, ``latency``, ``times``): 1 where input ``f`` sends a read pulse
  in step ``t``. The synapse array turns a 1 into a voltage pulse of the configured amplitude
  and width (:class:`circuitsnn.learn.layers.PulseSpec`), so the circuit sees exactly these
  pulses;
* analog levels (``direct``): the fraction of the read amplitude applied during every step
  (``x`` itself), i.e. a constant input voltage ``x * V_read`` for the whole presentation — the
  "direct current" coding of snnTorch/norse, as a voltage.

Units are SI: ``dt`` and times in s, rates in Hz. Random encoders draw from a
``torch.Generator`` given by the caller (seeded: the same batch encodes the same way again),
with one of two sources of uniform numbers (``rng``):

* ``"torch"`` (default): ``torch.rand(...) < p`` (about twice as fast as ``torch.bernoulli``);
  one float per input and step from torch's Mersenne Twister, which runs on one thread;
* ``"counter"``: a counter-based generator (Salmon et al. 2011, "Parallel random numbers: as
  easy as 1, 2, 3"): draw ``k`` of a batch is a hash of ``k`` keyed by two 32-bit words taken
  from the caller's generator, ``u_k = lowbias32(lowbias32(k + key0) xor key1) / 2^32`` on a
  24-bit grid (C. Wellons' lowbias32 integer hash). Every draw is independent of the others,
  so ``torch.compile`` fuses hashing and comparing into one parallel loop that writes only the
  pulses: 4x faster than ``"torch"`` on this project's 2-core machine
  (``bench/train_throughput.py``). Same distribution, different draws: a run with one source
  does not reproduce a run with the other. The compiled loop is built on first use (seconds);
  where ``torch.compile`` cannot run (no C++ compiler), the same hash runs eagerly.

The :class:`Encoder` dataclass is what the TOML ``[encoding]`` section builds; the functions
are usable on their own.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import ValidationError

KINDS = ("poisson", "latency", "direct", "times")
RNGS = ("torch", "counter")

_MASK32 = 0xFFFFFFFF


def _lowbias32(h: torch.Tensor) -> torch.Tensor:
    """C. Wellons' lowbias32 integer hash of 32-bit words held in int64 (masked: no overflow)."""
    h = h ^ (h >> 16)
    h = (h * 0x7FEB352D) & _MASK32
    h = h ^ (h >> 15)
    h = (h * 0x846CA68B) & _MASK32
    return h ^ (h >> 16)


def counter_pulses(p: torch.Tensor, n_steps: int, key: torch.Tensor) -> torch.Tensor:
    """``(n_steps, *p.shape)`` pulses, 1 where ``u < p``, with ``u`` from the counter-based
    generator keyed by ``key`` (two words in ``[0, 2^32)``, int64): draw ``k`` (the flat index)
    is ``lowbias32(lowbias32(k + key0) xor key1)``, its top 24 bits scaled to ``[0, 1)``."""
    k = torch.arange(n_steps * p.numel(), dtype=torch.int64, device=p.device).view(n_steps, *p.shape)
    h = _lowbias32(_lowbias32((k + key[0]) & _MASK32) ^ key[1])
    u = (h >> 8).to(p.dtype) * (1.0 / (1 << 24))
    return (u < p).to(p.dtype)


#: the counter RNG's loop: torch.compile'd on first use, the eager function once compiling failed
_counter_loop: list = []


def _counter_pulses_fast(p: torch.Tensor, n_steps: int, key: torch.Tensor) -> torch.Tensor:
    """:func:`counter_pulses` through ``torch.compile`` (hash and comparison in one loop); where
    compiling fails (no C++ compiler), the same draws eagerly, with a warning once."""
    if not _counter_loop:
        _counter_loop.append(torch.compile(counter_pulses))
    if _counter_loop[0] is counter_pulses:
        return counter_pulses(p, n_steps, key)
    try:
        return _counter_loop[0](p, n_steps, key)
    except Exception as exc:  # noqa: BLE001 - a compiler problem: the same pulses, eagerly
        warnings.warn(f"torch.compile failed ({type(exc).__name__}: {exc}); the counter RNG runs eagerly "
                      "(same pulses, slower).", RuntimeWarning, stacklevel=3)
        _counter_loop[0] = counter_pulses
        return counter_pulses(p, n_steps, key)


def poisson(x: torch.Tensor, n_steps: int, dt: float, max_rate: float, *,
            generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
            rng: str = "torch") -> torch.Tensor:
    """Bernoulli (discrete Poisson) pulses: in each step input ``f`` pulses with probability
    ``x_f * max_rate * dt`` (at most 1). ``x`` in ``[0, 1]``, shape ``(B, F)``. ``rng``: the
    source of the uniform draws (module docstring)."""
    p = torch.clamp(x * (max_rate * dt), 0.0, 1.0).to(dtype)
    if rng == "counter":
        key = torch.randint(0, 1 << 32, (2,), generator=generator, dtype=torch.int64)
        return _counter_pulses_fast(p.contiguous(), n_steps, key.to(p.device))
    if rng != "torch":
        raise ValidationError(f"unknown random number source {rng!r}.", hint=f"Use one of {', '.join(RNGS)}.")
    u = torch.rand((n_steps, *x.shape), generator=generator, dtype=dtype)
    return (u < p).to(dtype)


def latency(x: torch.Tensor, n_steps: int, dt: float, *, t_max: float | None = None, tau: float | None = None,
            threshold: float = 0.01, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """One pulse per input, earlier for larger ``x``: linear ``t = t_max (1 - x)`` (default,
    ``t_max`` = the presentation time minus one step), or with ``tau`` the RC charging time
    ``t = tau ln(x / (x - threshold))`` (an RC input reaching ``threshold``; ``x <= threshold``
    never fires). Inputs at or below ``threshold`` send no pulse."""
    t_max = (n_steps - 1) * dt if t_max is None else t_max
    xs = x.to(torch.float64)
    if tau is not None:
        safe = torch.clamp(xs, min=threshold * (1 + 1e-12))
        t = tau * torch.log(safe / (safe - threshold))
    else:
        t = t_max * (1 - xs)
    step = torch.floor(t / dt + 1e-9).long()
    fires = (xs > threshold) & (step < n_steps)
    out = torch.zeros((n_steps, *x.shape), dtype=dtype)
    idx = torch.clamp(step, 0, n_steps - 1)
    out.scatter_(0, idx.unsqueeze(0), fires.unsqueeze(0).to(dtype))
    return out


def direct(x: torch.Tensor, n_steps: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The analog level ``x`` in every step: a constant input of ``x`` times the read amplitude."""
    return x.to(dtype).unsqueeze(0).expand(n_steps, *x.shape).contiguous()


def times(t: torch.Tensor, n_steps: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Pulses at given times: ``t`` fractions of the presentation in ``[0, 1)``, shape ``(B, F)``
    (one pulse per input) or ``(B, F, K)`` (``K`` pulses each; coinciding ones count once)."""
    if t.dim() == 2:
        t = t.unsqueeze(-1)
    step = torch.clamp(torch.floor(t.to(torch.float64) * n_steps).long(), 0, n_steps - 1)
    out = torch.zeros((n_steps, t.shape[0], t.shape[1]), dtype=dtype)
    for k in range(t.shape[2]):
        out.scatter_(0, step[..., k].unsqueeze(0), 1.0)
    return out


@dataclass
class Encoder:
    """An encoding of a data set's features (the ``[encoding]`` section of a training config).

    ``kind``: ``poisson`` (``max_rate`` Hz at ``x = 1``), ``latency`` (``t_max`` s or ``tau``
    s, ``threshold``), ``direct`` (analog level) or ``times`` (spike-time data such as Randman).
    ``rng``: the Poisson draws' source, ``torch`` or ``counter`` (module docstring).
    ``binary`` says whether the output is pulses (1/0) or analog levels.
    """

    kind: str = "poisson"
    max_rate: float = 1000.0
    t_max: float | None = None
    tau: float | None = None
    threshold: float = 0.01
    rng: str = "torch"
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValidationError(f"unknown encoding {self.kind!r}.", hint=f"Use one of {', '.join(KINDS)}.")
        if self.kind == "poisson" and not (math.isfinite(self.max_rate) and self.max_rate > 0):
            raise ValidationError(f"the Poisson max_rate must be > 0 Hz, got {self.max_rate!r}.")
        if self.rng not in RNGS:
            raise ValidationError(f"unknown random number source rng = {self.rng!r}.", hint=f"Use one of {', '.join(RNGS)}.")

    @property
    def binary(self) -> bool:
        return self.kind != "direct"

    def check(self, data_kind: str, dt: float) -> None:
        """Refuse an encoding that does not fit the data (``times`` needs spike-time data and
        spike-time data needs ``times``) or the time step (a rate above one pulse per step)."""
        if (data_kind == "times") != (self.kind == "times"):
            need = "times" if data_kind == "times" else "poisson, latency or direct"
            raise ValidationError(f"encoding {self.kind!r} does not fit {data_kind!r} data.", hint=f"Use {need}.")
        if self.kind == "poisson" and self.max_rate * dt > 1:
            raise ValidationError(
                f"max_rate {self.max_rate:g} Hz asks for more than one pulse per step of {dt:g} s.",
                hint=f"Keep max_rate <= 1/dt = {1 / dt:g} Hz or shorten dt.")

    def __call__(self, x: torch.Tensor, n_steps: int, dt: float, *, generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``(T, B, F)`` inputs of the batch ``x``."""
        if self.kind == "poisson":
            return poisson(x, n_steps, dt, self.max_rate, generator=generator, dtype=dtype, rng=self.rng)
        if self.kind == "latency":
            return latency(x, n_steps, dt, t_max=self.t_max, tau=self.tau, threshold=self.threshold, dtype=dtype)
        if self.kind == "direct":
            return direct(x, n_steps, dtype=dtype)
        return times(x, n_steps, dtype=dtype)
