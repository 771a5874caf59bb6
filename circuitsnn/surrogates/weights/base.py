"""The weight interface: what learners and deployment see of a synapse family.

A *weight* is a device state whose conductance (S, at a stated read bias) lies inside the range
the device can reach. Every family answers the same questions through :class:`WeightInterface`:

* ``g_range(v_read)`` — the reachable conductance range, and ``levels`` the number of
  distinguishable levels (from the fitted programming curves);
* ``conductance(state)`` / ``state_for(g)`` — weight <-> device state, both ways (with
  ``params``: for one device's own parameters); ``verified_state(g, params)`` — where
  program-and-verify leaves a device: the programmable state (``state_step`` grid) whose own
  conductance is nearest ``g``;
* ``read(state, v)`` — the read current (A) at a read voltage, with the read nonlinearity;
* ``program(state, pulse)`` — what one programming event does to the state: nonlinear,
  asymmetric, saturating as the device really is; ``plan(state, target)`` — the inverse: which
  pulses move ``state`` to ``target`` (program-and-verify planning);
* ``sample_devices(n)`` / ``cycle_noise`` — device-to-device variation from the fitted Monte
  Carlo and cycle-to-cycle programming noise.

States, conductances and currents are torch tensors (float64 by default) so learners
differentiate through ``read`` and ``conductance``; ``program`` and ``plan`` also accept numpy
arrays or floats. :class:`DifferentialPair` makes signed weights ``G+ - G-`` from any family.
Units are SI throughout: V, s, S, A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ValidationError


@dataclass(frozen=True)
class Pulse:
    """One programming event: ``amplitude`` (V, or the family's drive unit), ``width`` (s, full
    width at half amplitude) and linear ``rise``/``fall`` edges (s). ``terminal`` says where it
    is applied (``"in"``: across in/out; ``"gate"``; ``"erase"``; ``"led"``; ``"code"``)."""

    amplitude: float
    width: float
    rise: float = 0.0
    fall: float = 0.0
    terminal: str = "in"

    def __post_init__(self) -> None:
        for name in ("amplitude", "width", "rise", "fall"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValidationError(f"programming pulse {name} must be a finite number, got {v!r}.")
        if self.width < 0 or self.rise < 0 or self.fall < 0:
            raise ValidationError(
                f"programming pulse times must be >= 0 s, got width {self.width:g}, rise {self.rise:g}, fall {self.fall:g}."
            )

    def segments(self, edge_steps: int = 4) -> list[tuple[float, float]]:
        """(duration s, level) pieces that integrate the trapezoid: each edge as ``edge_steps``
        constant steps at their mid levels, the flat top (``width - (rise + fall)/2``) between."""
        from ...physics.law import pulse_segments

        return pulse_segments(self.amplitude, self.width, self.rise, self.fall, edge_steps)


@dataclass
class PulsePlan:
    """The pulses that move a device from ``start`` to ``target`` as the surrogate predicts:
    ``pulses`` in order, ``states`` after each, the predicted ``final`` state, its conductance
    error ``error`` (S) and relative to the range ``rel_error``, and whether it met ``tol``."""

    start: float
    target: float
    pulses: list[Pulse] = field(default_factory=list)
    states: list[float] = field(default_factory=list)
    final: float = float("nan")
    error: float = float("nan")
    rel_error: float = float("nan")
    converged: bool = False

    @property
    def count(self) -> int:
        return len(self.pulses)


class WeightInterface:
    """Base of every family's weight interface (see the module docstring).

    Subclasses set ``family``, ``state_name``, ``state_unit``, ``bounds`` (the state's range)
    and implement :meth:`read`, :meth:`program`; the rest has generic implementations that a
    family may replace with closed forms.
    """

    family: str = ""
    state_name: str = "state"
    state_unit: str = "1"
    #: the state's range (lo, hi)
    bounds: tuple[float, float] = (0.0, 1.0)
    #: the conductance grows with the state (True) or falls with it
    increasing: bool = True
    #: spacing of the states a programming event can set (a DAC step, one code); None: continuous
    state_step: float | None = None

    def __init__(self, component: str, values: Mapping[str, float], *, v_read: float,
                 variation: Mapping[str, Any] | None = None, levels: int | None = None,
                 source: str = "nominal") -> None:
        self.component = component
        self.values = {k: float(v) for k, v in values.items()}
        if not v_read > 0:
            raise ValidationError(f"{component}: the read bias v_read must be > 0 V, got {v_read!r}.")
        self.v_read = float(v_read)
        self.variation = dict(variation or {})
        self._levels = levels
        #: where the parameter values came from: "nominal" (the Params defaults) or a model file
        self.source = source

    # -- read ------------------------------------------------------------------------------
    def read(self, state: Any, v: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Read current (A) at read voltage ``v`` (V) and ``state``; torch, differentiable.
        ``params`` overrides parameter values (per-device tensors from :meth:`sample_devices`)."""
        raise NotImplementedError

    def conductance(self, state: Any, v_read: float | None = None, params: Mapping[str, Any] | None = None) -> Any:
        """``read(state, v_read) / v_read`` (S): the weight a state stands for."""
        v = self.v_read if v_read is None else float(v_read)
        return self.read(self._t(state), v, params) / v

    def g_range(self, v_read: float | None = None) -> tuple[float, float]:
        """(g_min, g_max) in S: the conductance at the two ends of the state range."""
        lo, hi = self.bounds
        g = self.conductance(self._t([lo, hi]), v_read).detach().numpy()
        return float(g.min()), float(g.max())

    def state_for(self, g: Any, v_read: float | None = None, params: Mapping[str, Any] | None = None, *,
                  halvings: int = 60) -> Any:
        """The state whose conductance is ``g`` (S), clamped to the reachable range; bisection
        on the monotonic state -> conductance map (60 halvings: exact to float precision).
        ``params``: per-device parameters (broadcast against ``g``): each device's own state
        and its own reachable range."""
        import torch

        g_t = self._t(g)
        lo = torch.full_like(g_t, self.bounds[0])
        hi = torch.full_like(g_t, self.bounds[1])
        if params:
            g_a, g_b = self.conductance(lo, v_read, params), self.conductance(hi, v_read, params)
            g_t = torch.minimum(torch.maximum(g_t, torch.minimum(g_a, g_b)), torch.maximum(g_a, g_b))
        else:
            g_lo, g_hi = self.g_range(v_read)
            g_t = torch.clamp(g_t, g_lo, g_hi)
        with torch.no_grad():
            for _ in range(halvings):
                mid = 0.5 * (lo + hi)
                above = self.conductance(mid, v_read, params) > g_t
                if self.increasing:
                    hi, lo = torch.where(above, mid, hi), torch.where(above, lo, mid)
                else:
                    lo, hi = torch.where(above, mid, lo), torch.where(above, hi, mid)
        return 0.5 * (lo + hi)

    def verified_state(self, g: Any, params: Mapping[str, Any] | None = None, v_read: float | None = None) -> Any:
        """Where program-and-verify leaves devices aimed at ``g`` (S): the programmable state
        (on the ``state_step`` grid) whose conductance, read with each device's own ``params``,
        is nearest ``g`` — the converged end of a verify loop; a device that cannot reach ``g``
        stops at its own end of the range. The residual error of a real loop (its tolerance)
        is not included: model it as programming noise."""
        import torch

        if self.state_step is None:
            return self.state_for(g, v_read, params)
        lo_s, hi_s = self.bounds
        step = self.state_step
        # bisect to a quarter of a step, then try the grid states around it (the nearest in
        # conductance brackets the exact state, which lies within that quarter step)
        halvings = max(1, math.ceil(math.log2(max((hi_s - lo_s) / step, 1.0))) + 2)
        s = self.state_for(g, v_read, params, halvings=halvings)
        g_t = self._t(g)
        base = lo_s + (torch.floor((s - lo_s) / step) - 1) * step
        best = err = None
        for k in range(4):
            cand = torch.clamp(base + k * step, lo_s, hi_s)
            e = (self.conductance(cand, v_read, params) - g_t).abs()
            if best is None:
                best, err = cand, e
            else:
                better = e < err
                best, err = torch.where(better, cand, best), torch.where(better, e, err)
        return best

    @property
    def levels(self) -> int:
        """Distinguishable levels (steps of at least 1 % of the range under the nominal
        programming pulses), from the fit when known, else counted on the surrogate."""
        if self._levels is None:
            self._levels = self.count_levels()
        return int(self._levels)

    def count_levels(self, resolution: float = 0.01, max_pulses: int = 10_000) -> int:
        """Count levels on the surrogate: nominal potentiating pulses from the low end until the
        state stops moving; a step counts when it moves G by at least ``resolution`` x range."""
        g_lo, g_hi = self.g_range()
        span = g_hi - g_lo
        s = self.bounds[0] if self.increasing else self.bounds[1]
        g_prev = float(self.conductance(s))
        n = 1
        pulse = self.nominal_pulse(+1)
        for _ in range(max_pulses):
            s_new = float(self.program(s, pulse))
            g = float(self.conductance(s_new))
            if abs(g - g_prev) >= resolution * span:
                n += 1
                g_prev = g
            if abs(s_new - s) < 1e-12 * (self.bounds[1] - self.bounds[0]) or g >= g_hi * (1 - 1e-9):
                break
            s = s_new
        return n

    # -- programming ---------------------------------------------------------------------------
    def nominal_pulse(self, direction: int) -> Pulse:
        """The family's nominal programming event: ``direction`` +1 raises G, -1 lowers it."""
        raise NotImplementedError

    def program(self, state: Any, pulse: Pulse, params: Mapping[str, Any] | None = None) -> Any:
        """The state after one programming event (same type as ``state``)."""
        raise NotImplementedError

    def plan(self, start: float, target: float, *, tol: float = 0.005, max_pulses: int = 1000,
             fine: Sequence[float] = (0.5, 0.25, 0.125, 0.0625)) -> PulsePlan:
        """Program-and-verify planning on the surrogate: nominal pulses towards ``target`` until
        the conductance passes it, then ever shorter pulses (``fine`` x the nominal width) that
        never overshoot, stopping when the conductance error is within ``tol`` x the range.
        One-way devices (Schottky) override this to erase first when the target is below."""
        g_lo, g_hi = self.g_range()
        span = g_hi - g_lo
        g_target = float(self.conductance(target))
        plan = PulsePlan(start=float(start), target=float(target))
        s = float(start)

        def err(x: float) -> float:
            return float(self.conductance(x)) - g_target

        for scale in (1.0, *fine):
            while plan.count < max_pulses and abs(err(s)) > tol * span:
                direction = 1 if err(s) < 0 else -1
                base = self.nominal_pulse(direction)
                pulse = Pulse(base.amplitude, base.width * scale, base.rise * scale, base.fall * scale, base.terminal)
                s_new = float(self.program(s, pulse))
                # a fine pulse that would overshoot is not applied: go finer
                if scale < 1.0 and np.sign(err(s_new)) != np.sign(err(s)) and abs(err(s_new)) > abs(err(s)):
                    break
                if s_new == s:
                    break
                plan.pulses.append(pulse)
                plan.states.append(s_new)
                s = s_new
                if scale == 1.0 and np.sign(err(s)) != np.sign(err(plan.states[-2] if len(plan.states) > 1 else start)):
                    break  # passed the target with nominal pulses: refine
            if abs(err(s)) <= tol * span:
                break
        plan.final = s
        plan.error = err(s)
        plan.rel_error = abs(plan.error) / span if span > 0 else float("nan")
        plan.converged = plan.rel_error <= tol
        return plan

    # -- variation ----------------------------------------------------------------------------
    def sample_devices(self, n: int, *, seed: int = 0, sigma_scale: float = 1.0) -> dict[str, Any]:
        """Per-device parameter tensors (shape ``(n,)``) drawn from the fitted Monte Carlo:
        each parameter log-normal around the nominal value with the coefficient of variation
        measured over the simulated devices (``sigma_scale`` widens or narrows it). Empty when
        the model has no Monte Carlo. Pass the result as ``params`` to :meth:`read`."""
        import torch

        stats = (self.variation or {}).get("parameters", {})
        gen = torch.Generator().manual_seed(int(seed))
        out: dict[str, Any] = {}
        for name, st in sorted(stats.items()):
            if name not in self.values:
                continue
            cv = float(st.get("cv", 0.0))
            if not math.isfinite(cv) or cv <= 0:
                continue
            sigma = math.sqrt(math.log1p((cv * sigma_scale) ** 2))
            z = torch.randn(n, generator=gen, dtype=torch.float64)
            out[name] = self.values[name] * torch.exp(sigma * z - 0.5 * sigma**2)
        return out

    def variation_summary(self) -> dict[str, float]:
        """Coefficient of variation per parameter from the fitted Monte Carlo (empty if none)."""
        stats = (self.variation or {}).get("parameters", {})
        return {k: float(v.get("cv", float("nan"))) for k, v in stats.items()}

    # -- helpers -------------------------------------------------------------------------------
    def _t(self, x: Any):
        import torch

        if isinstance(x, torch.Tensor):
            return x if x.is_floating_point() else x.to(torch.float64)
        return torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.values, **(params or {})}

    def describe(self) -> dict[str, Any]:
        """The figures a designer compares families by."""
        g_lo, g_hi = self.g_range()
        return {"component": self.component, "family": self.family, "v_read": self.v_read, "g_min": g_lo,
                "g_max": g_hi, "levels": self.levels, "state": f"{self.state_name} ({self.state_unit})",
                "bounds": self.bounds, "source": self.source}


class DifferentialPair:
    """Signed weights from two devices of one family: ``w = G+ - G-`` (S).

    ``split(w)`` puts the magnitude on one side and leaves the other at ``g_min``, so a pair
    spans ``[-(g_max - g_min), g_max - g_min]``; ``states(w)`` gives both devices' states."""

    def __init__(self, device: WeightInterface) -> None:
        self.device = device

    @property
    def w_max(self) -> float:
        g_lo, g_hi = self.device.g_range()
        return g_hi - g_lo

    def split(self, w: Any) -> tuple[Any, Any]:
        import torch

        g_lo, _ = self.device.g_range()
        w = self.device._t(w)
        w = torch.clamp(w, -self.w_max, self.w_max)
        return g_lo + torch.relu(w), g_lo + torch.relu(-w)

    def states(self, w: Any) -> tuple[Any, Any]:
        gp, gn = self.split(w)
        return self.device.state_for(gp), self.device.state_for(gn)

    def weight(self, s_pos: Any, s_neg: Any) -> Any:
        return self.device.conductance(s_pos) - self.device.conductance(s_neg)


def nearest_level(x: Any, grid: Any) -> Any:
    """Index of the ``grid`` entry nearest each ``x``, as ``argmin |x - grid|`` picks it (a tie
    goes to the lower level; ``grid`` in any order): the number of midpoints between the sorted
    levels that lie below ``x``. Up to 64 levels are counted one midpoint at a time, more found by
    binary search; comparing every ``x`` with every level (an ``(n, levels)`` intermediate) was
    half of a Fashion-MNIST training step with the digital code, whose quantizer runs every step."""
    import torch

    order = torch.argsort(grid, stable=True)
    levels = grid[order]
    mids = (levels[1:] + levels[:-1]) / 2
    x = x.detach()
    if len(mids) > 63:
        return order[torch.searchsorted(mids, x.to(mids.dtype).contiguous())]
    k = torch.zeros(x.shape, dtype=torch.long, device=x.device)
    for m in mids.tolist():
        k += x > m
    return order[k]
