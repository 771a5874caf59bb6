"""The plastic update as the device can do it: a requested change of the pair's weight ->
programming events of the family, through its weight interface, differentiably.

A plastic synapse is a differential pair ``(G+, G-)`` (S) of one family. At the start of an
episode both devices are programmed to the learned ``W`` (erase-and-program, the differential
pair convention of :mod:`circuitsnn.learn.layers`); inside the episode the rule asks at every
step for ``dw = alpha (E_t - E_{t-1})`` (normalized weight) and the device realizes it with the
events it has. Which events a family has is read from its nominal pulses' terminals (as
:func:`circuitsnn.learn.stdp.devices.programmer_for` does), never from its name:

* **pulsed, two-way** (memristors, ``in``; digital codes, ``code``; the ideal device):
  ``n = dw / step`` nominal pulses (``step``: the mean normalized change of one pulse across
  the range, an open-loop controller; ``mapping = "local"``: the change one pulse makes at the
  device's present conductance, a controller that knows the fitted curve), rounded stochastically to whole pulses with a straight-through gradient,
  ``|n| <= max_pulses``; a positive request depresses ``G-`` while it is above the floor, else
  potentiates ``G+`` (and the mirror image for a negative request), so one side stays at the
  floor. The change of ``n`` pulses at conductance ``G`` is ``n * dG_pulse(G)``, where
  ``dG_pulse`` is the family's own :meth:`~circuitsnn.surrogates.weights.WeightInterface.program`
  of one nominal pulse tabulated over ``G`` (nonlinear, asymmetric, saturating as the fitted
  device is) and interpolated (differentiable in ``G``); the result is clamped to the range.
  Families with discrete levels are re-quantized (straight-through).
* **one-way** (the gated Schottky: potentiation on ``gate``, only an ``erase`` lowers it): a
  positive request potentiates ``G+``, a negative one potentiates ``G-``; nothing inside an
  episode can lower a device, so a pair whose both sides have climbed stays there until the
  next episode's erase.
* **drive** (the optocoupler, ``led``): the DAC holds a target conductance per device, moved by
  the request and rounded stochastically to the DAC's levels (straight-through); the device's
  conductance follows the target with its own rise/fall lag
  (:func:`circuitsnn.surrogates.optocoupler.relax` over each step).
* **ideal** (``ideal=True``): ``G+ - G- = W + alpha E`` exactly, clipped to the range: the
  comparison baseline of the device laws.

Every path keeps each conductance inside ``[g_min, g_max]`` of the family.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ...surrogates.weights import WeightInterface
from ..layers import DeviceModel


class PairState(NamedTuple):
    """``gp``, ``gn``: the pair's conductances the network reads (S); ``tp``, ``tn``: the drive
    targets (S) of a drive-programmed family (else the same as ``gp``, ``gn``)."""

    gp: torch.Tensor
    gn: torch.Tensor
    tp: torch.Tensor
    tn: torch.Tensor


def _st_stochastic_round(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Whole numbers, unbiased (floor or ceil with probability of the fraction), gradient
    straight through."""
    xd = x.detach()
    f = torch.floor(xd)
    r = f + (torch.rand(xd.shape, generator=generator, dtype=xd.dtype) < (xd - f)).to(xd.dtype)
    return x + (r - xd)


def _interp(g: torch.Tensor, g0: float, dg: float, y: torch.Tensor) -> torch.Tensor:
    u = (g - g0) / dg
    k = torch.clamp(torch.floor(u.detach()), 0, len(y) - 2).long()
    f = u - k.to(u.dtype)
    return y[k] + f * (y[k + 1] - y[k])


class DeviceUpdate:
    """The update law of one family (module docstring), built once from its weight interface."""

    def __init__(self, model: DeviceModel, *, ideal: bool = False, max_pulses: int = 8, table_points: int = 257,
                 dt: float = 1e-3, mapping: str = "nominal") -> None:
        self.model = model
        self.device: WeightInterface = model.device
        self.g_min, self.g_max, self.span = model.g_min, model.g_max, model.span
        self.max_pulses = int(max_pulses)
        self.dt = float(dt)
        self.ideal = bool(ideal)
        if mapping not in ("nominal", "local"):
            raise ValueError(f"mapping must be 'nominal' or 'local', got {mapping!r}")
        self.mapping = mapping
        dev = self.device
        up, down = dev.nominal_pulse(+1), dev.nominal_pulse(-1)
        if not dev.increasing:
            up, down = down, up
        self.kind = "ideal" if ideal else ("drive" if up.terminal == "led" else "one-way" if down.terminal == "erase"
                                           else "pulse")
        self.grid = torch.linspace(self.g_min, self.g_max, table_points, dtype=torch.float64)
        self.dg = self.span / (table_points - 1)
        if self.kind in ("pulse", "one-way"):
            # change of G (S) of one nominal pulse over the range: up >= 0, down <= 0
            self.up = self._table(up)
            self.down = self._table(down) if self.kind == "pulse" else None
            self.steps = {+1: self._mean_step(self.up, +1),
                          -1: self._mean_step(self.down, -1) if self.down is not None else None}
        if self.kind == "drive":
            from ..stdp.devices import DriveProgrammer

            dp = DriveProgrammer(dev)
            self.levels = torch.unique(torch.clamp(dp.g_codes, self.g_min, self.g_max)).to(torch.float64)
            self.lag_values = dev.values

    # -- tables ---------------------------------------------------------------------------------
    def _table(self, pulse) -> torch.Tensor:
        """Change of G (S) of one ``pulse`` at every grid conductance, by the family's program."""
        with torch.no_grad():
            s = self.device.state_for(self.grid).to(torch.float64)
            g0 = self.device.conductance(s).to(torch.float64)
            s1 = torch.as_tensor(np.asarray(self.device.program(s.numpy(), pulse), dtype=float), dtype=torch.float64)
            g1 = self.device.conductance(s1).to(torch.float64)
        return torch.clamp(g1, self.g_min, self.g_max) - g0

    def _mean_step(self, table: torch.Tensor, direction: int) -> float:
        """Mean normalized change of one pulse across the range: ``1 / pulses to cross 99 %``
        (the nominal step an open-loop controller knows)."""
        up = direction > 0
        g = torch.tensor([self.g_min if up else self.g_max], dtype=torch.float64)
        for n in range(1, 100_000):
            g = torch.clamp(g + _interp(g, self.g_min, self.dg, table), self.g_min, self.g_max)
            if (float(g) - self.g_min) / self.span >= 0.99 if up else (self.g_max - float(g)) / self.span >= 0.99:
                return 1.0 / n
            if abs(float(_interp(g, self.g_min, self.dg, table))) < 1e-6 * self.span:
                return 1.0 / n  # saturates before 99 %: a step as seen
        return 1.0 / 100_000

    def describe(self) -> dict:
        d = {"kind": self.kind, "g_min": self.g_min, "g_max": self.g_max}
        if self.kind in ("pulse", "one-way"):
            d["pulses_to_cross"] = {k: (round(1 / v) if v else None) for k, v in self.steps.items()}
        if self.kind == "drive":
            d["dac_levels"] = int(len(self.levels))
        return d

    # -- the law ---------------------------------------------------------------------------------
    def initial(self, w: torch.Tensor) -> PairState:
        """The pair programmed to normalized weights ``w`` (the start of an episode)."""
        gp, gn = self.model.split(w)
        return PairState(gp, gn, gp, gn)

    def ideal_state(self, w: torch.Tensor) -> PairState:
        return self.initial(w)

    def _pulses(self, g: torch.Tensor, n: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """``n >= 0`` pulses of ``table`` (signed change per pulse) at ``g``: first order in the
        local step, clamped to the range."""
        return torch.clamp(g + n * _interp(g, self.g_min, self.dg, table), self.g_min, self.g_max)

    def _q(self, g: torch.Tensor) -> torch.Tensor:
        return self.model.quantize(g) if (self.model.native_quantizer or self.model.levels) else g

    def step(self, s: PairState, dw: torch.Tensor, generator: torch.Generator | None = None) -> PairState:
        """Realize the requested change ``dw`` (normalized) on the pair (module docstring)."""
        pos = (dw.detach() > 0)
        if self.kind == "pulse":
            floor = self.g_min + 1e-6 * self.span
            # positive: lower G- while it is above its floor, else raise G+ (mirror for negative)
            use_gn = pos & (s.gn.detach() > floor)
            use_gp = ~pos & (s.gp.detach() > floor)
            if self.mapping == "local":
                # the controller knows the device's curve: the step of one pulse where it is
                g_dev = torch.where(pos, torch.where(use_gn, s.gn, s.gp), torch.where(use_gp, s.gp, s.gn)).detach()
                st_up = torch.clamp(_interp(g_dev, self.g_min, self.dg, self.up).abs() / self.span, min=1e-4)
                st_dn = torch.clamp(_interp(g_dev, self.g_min, self.dg, self.down).abs() / self.span, min=1e-4)
            else:
                st_up, st_dn = self.steps[+1], self.steps[-1]
            n_up = torch.clamp(_st_stochastic_round(dw.abs() / st_up, generator), 0, self.max_pulses)
            n_dn = torch.clamp(_st_stochastic_round(dw.abs() / st_dn, generator), 0, self.max_pulses)
            gp_up, gn_up = self._pulses(s.gp, n_up, self.up), self._pulses(s.gn, n_up, self.up)
            gp_dn, gn_dn = self._pulses(s.gp, n_dn, self.down), self._pulses(s.gn, n_dn, self.down)
            gp = torch.where(pos, torch.where(use_gn, s.gp, gp_up), torch.where(use_gp, gp_dn, s.gp))
            gn = torch.where(pos, torch.where(use_gn, gn_dn, s.gn), torch.where(use_gp, s.gn, gn_up))
            gp, gn = self._q(gp), self._q(gn)
            return PairState(gp, gn, gp, gn)
        if self.kind == "one-way":
            n = torch.clamp(_st_stochastic_round(dw.abs() / self.steps[+1], generator), 0, self.max_pulses)
            gp = torch.where(pos, self._pulses(s.gp, n, self.up), s.gp)
            gn = torch.where(pos, s.gn, self._pulses(s.gn, n, self.up))
            return PairState(gp, gn, gp, gn)
        if self.kind == "drive":
            from ...surrogates import optocoupler as O

            d = dw * self.span
            floor = self.g_min + 1e-6 * self.span
            use_tn = pos & (s.tn.detach() > floor)
            use_tp = ~pos & (s.tp.detach() > floor)
            tp = torch.where(pos, torch.where(use_tn, s.tp, s.tp + d), torch.where(use_tp, s.tp + d, s.tp))
            tn = torch.where(pos, torch.where(use_tn, s.tn - d, s.tn), torch.where(use_tp, s.tn, s.tn - d))
            tp, tn = self._snap(tp, generator), self._snap(tn, generator)
            gp = O.relax(s.gp, tp, self.dt, self.lag_values)[0].to(dw.dtype)
            gn = O.relax(s.gn, tn, self.dt, self.lag_values)[0].to(dw.dtype)
            return PairState(torch.clamp(gp, self.g_min, self.g_max), torch.clamp(gn, self.g_min, self.g_max), tp, tn)
        raise RuntimeError("the ideal update has no device step: use ideal_state(W + alpha E).")

    def _snap(self, g: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Stochastic rounding to the neighbouring DAC levels (straight-through)."""
        lv = self.levels.to(g.dtype)
        gd = torch.clamp(g.detach(), self.g_min, self.g_max)
        hi = torch.clamp(torch.searchsorted(lv, gd.contiguous()), 1, len(lv) - 1)
        lo = hi - 1
        frac = (gd - lv[lo]) / torch.clamp(lv[hi] - lv[lo], min=1e-300)
        up = torch.rand(frac.shape, generator=generator, dtype=frac.dtype) < frac
        q = torch.where(up, lv[hi], lv[lo])
        return torch.clamp(g, self.g_min, self.g_max) + (q - torch.clamp(g, self.g_min, self.g_max)).detach()
