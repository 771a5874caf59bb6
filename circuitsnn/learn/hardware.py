"""Hardware-aware training and evaluation over sampled chips.

A *chip* is one draw of every device in every synapse array:

* **device-to-device variation** from the family's fitted Monte Carlo
  (:meth:`~circuitsnn.surrogates.weights.WeightInterface.sample_devices`: each parameter
  log-normal around its fitted value with the measured coefficient of variation, widened or
  narrowed by ``sigma_scale``), read with each device's own parameters. ``programming`` says
  how the weights got there:

  - ``"open_loop"`` — each device gets the state the nominal model says gives its target
    conductance, so a device whose ``r_on`` is 5 % low conducts 5 % more than planned;
  - ``"verify"`` — program-and-verify, as deployment programs devices
    (:mod:`circuitsnn.deploy.mapping`): each device ends at the programmable state whose own
    conductance is nearest its target
    (:meth:`~circuitsnn.surrogates.weights.WeightInterface.verified_state`: on the family's
    DAC or code grid, clamped to what that device reaches). What variation is left is what
    the loop cannot correct: a device that cannot reach its target, level spacing, and the
    loop's tolerance (give it as ``prog_noise``);
* **programming noise** ``prog_noise``: a relative error of each programmed conductance, drawn
  once per chip (the program-and-verify tolerance or cycle-to-cycle spread; a configuration
  value: the fitted models have no cycle-to-cycle data);
* **read noise** ``read_noise``: a relative error of each device's read current, drawn anew on
  every forward pass.

Families whose Monte Carlo is empty (nominal models, the ideal device) vary only through the
two noise terms. Hardware-aware training draws a new chip for every mini-batch
(:func:`on_chip` with a seed derived from the epoch and batch); :func:`evaluate_chips`
evaluates a trained network on ``n`` chips and reports mean and standard deviation.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, asdict
from typing import Any, Callable, Iterator

import torch

from ..errors import ValidationError


PROGRAMMING = ("open_loop", "verify")


@dataclass
class HardwareSpec:
    """The ``[hardware]`` section: what varies on a chip and whether training sees it."""

    variation: bool = True
    sigma_scale: float = 1.0
    #: how devices are programmed on a chip: "open_loop" or "verify" (module docstring)
    programming: str = "open_loop"
    prog_noise: float = 0.0
    read_noise: float = 0.0
    #: inject chips into training (hardware-aware training); False: train nominal
    train: bool = False
    #: chips sampled for the evaluation
    eval_chips: int = 20

    def __post_init__(self) -> None:
        for name in ("sigma_scale", "prog_noise", "read_noise"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValidationError(f"hardware {name} must be a number >= 0, got {v!r}.")
        if self.programming not in PROGRAMMING:
            raise ValidationError(f"hardware programming must be one of {', '.join(PROGRAMMING)}, got {self.programming!r}.",
                                  hint="open_loop: the nominal state for each target; verify: program-and-verify.")
        if self.eval_chips < 0:
            raise ValidationError(f"hardware eval_chips must be >= 0, got {self.eval_chips!r}.")

    @property
    def active(self) -> bool:
        return self.variation or self.prog_noise > 0 or self.read_noise > 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_chip(net: Any, spec: HardwareSpec, seed: int) -> dict[str, dict[str, Any]]:
    """One chip for every array of ``net`` (a :class:`~circuitsnn.learn.layers.DeviceNetwork`):
    per-device parameters ``(out, in)`` for both sides of every pair, and the programming
    factors. Deterministic in ``seed``."""
    chip: dict[str, dict[str, Any]] = {}
    for k, (name, syn) in enumerate(net.arrays()):
        shape = (syn.n_out, syn.n_in)
        n = shape[0] * shape[1]
        dev = syn.model.device
        params: dict[str, torch.Tensor] = {}
        if spec.variation:
            params = dev.sample_devices(2 * n, seed=int(seed) * 1009 + k, sigma_scale=spec.sigma_scale)
        gen = torch.Generator().manual_seed(int(seed) * 1009 + k + 500_000)
        dtype = syn.theta.dtype
        pos = {p: v[:n].reshape(shape) for p, v in params.items()}
        neg = {p: v[n:].reshape(shape) for p, v in params.items()}
        if spec.prog_noise > 0:
            fp = 1 + spec.prog_noise * torch.randn(shape, generator=gen, dtype=dtype)
            fn = 1 + spec.prog_noise * torch.randn(shape, generator=gen, dtype=dtype)
        else:
            fp = fn = torch.ones((), dtype=dtype)
        chip[name] = {"pos": pos, "neg": neg, "prog_pos": fp, "prog_neg": fn, "generator": gen,
                      "verify": spec.programming == "verify"}
    return chip


@contextlib.contextmanager
def on_chip(net: Any, chip: dict[str, dict[str, Any]] | None, read_noise: float = 0.0) -> Iterator[None]:
    """Run ``net`` on ``chip`` inside the block (``None``: the nominal devices)."""
    arrays = dict(net.arrays())
    saved = {n: (s.chip, s.read_noise) for n, s in arrays.items()}
    try:
        for n, s in arrays.items():
            s.chip = None if chip is None else chip[n]
            s.read_noise = read_noise if chip is not None else 0.0
        yield
    finally:
        for n, s in arrays.items():
            s.chip, s.read_noise = saved[n]


def evaluate_chips(net: Any, evaluate: Callable[[], dict[str, float]], spec: HardwareSpec, n: int, *,
                   seed: int = 10_000) -> dict[str, Any]:
    """``evaluate()`` (a closure returning metrics such as ``{"acc": ...}``) on ``n`` sampled
    chips (seeds ``seed .. seed + n - 1``, distinct from training's); mean, std and every value
    per metric."""
    rows = []
    for c in range(n):
        with on_chip(net, sample_chip(net, spec, seed + c), spec.read_noise):
            rows.append(evaluate())
    out: dict[str, Any] = {"n_chips": n, "spec": spec.to_dict()}
    for key in rows[0] if rows else ():
        vals = torch.tensor([r[key] for r in rows], dtype=torch.float64)
        out[key] = {"mean": float(vals.mean()), "std": float(vals.std()) if n > 1 else 0.0, "values": vals.tolist()}
    return out
