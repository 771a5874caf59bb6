"""Every weight change goes through the device: requested changes -> programming events.

A rule asks for ``dw`` (normalized weights, :mod:`.pair`); a :class:`Programmer` turns the
request into the programming events the family really has and applies them with the family's
own programming update from its weight interface
(:meth:`~circuitsnn.surrogates.weights.WeightInterface.program`), so what happens is what the
device does — nonlinear, asymmetric, saturating, one-way, quantized, lagging:

* **pulsed devices** (two-terminal state devices, e.g. memristors; nominal pulses on ``in``):
  ``n = stochastic_round(dw / step)`` nominal set (``n > 0``) or reset (``n < 0``) pulses.
  ``mapping = "nominal"`` (open loop, the default): ``step`` is the mean normalized change of
  one pulse over the range (``1 / (pulses to cross the range - 1)``), so the controller knows
  only the device's nominal step and the device's state-dependent response decides the real
  change; ``mapping = "local"``: ``step`` is the change one pulse makes at each device's
  present state (a controller that knows the device's curve). The pulse response is the
  interface's ``program`` tabulated once on a fine state grid (``table_points``) and
  interpolated (``exact = True`` calls ``program`` on every pulse instead; the table's error
  is tested);
* **one-way devices** (potentiation on ``gate``, the only way down an ``erase``: the gated
  Schottky): potentiation as above on the ladder of states that ``k`` nominal pulses reach
  from the erased state; a depression of ``n`` rungs is an erase followed by ``k - n`` program
  pulses (so depression is expensive: every one is counted);
* **code steps** (``code``: the digital code): ``n = stochastic_round(dw x (levels - 1))``
  LSB steps, each one ``program(state, Pulse(+-1, terminal="code"))``; the states stay on the
  code grid;
* **drive steps** (``led``: the optocoupler, a volatile device whose weight is the LED drive
  a DAC holds): the target conductance is rounded stochastically to one of the two
  neighbouring DAC levels, a changed drive is one event ``program(state, Pulse(v_new, t_hold,
  "led"))`` and the conductance the network reads follows with the device's lag
  (:meth:`~circuitsnn.surrogates.weights.optocoupler.OptocouplerWeights.conductance_after`
  over ``t_hold``);
* **ideal** (:class:`IdealProgrammer`): the requested change, exactly, clipped to ``[0, 1]``:
  the comparison baseline.

Every :meth:`Programmer.apply` returns the new states and :class:`ProgramStats`: events up and
down, erases, devices touched, and an energy estimate (J): a two-terminal pulse
``|V I(s, V)| x width`` with the law's current at the pulse voltage and the device's state; a
gate or erase pulse ``c_trap V^2`` (the trap layer's capacitance charged to the pulse voltage)
when the law has ``c_trap``; a code step ``e_bit`` per bit that flips (a configuration value,
default 1 fJ, an assumption: the fitted model has no write energy); an LED drive
``V_led I_led(V_led) t_hold``. Stochastic rounding uses the caller's ``torch.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from ...errors import ValidationError
from ...surrogates.weights import Pulse, WeightInterface, nearest_level


@dataclass
class ProgramStats:
    """What one :meth:`Programmer.apply` did: ``up``/``down`` programming events (pulses, code
    steps, drive changes), ``erases``, ``touched`` devices that received at least one event,
    ``energy`` (J), ``requested`` devices with a nonzero request, ``realized`` the sum of
    |realized change| and ``asked`` the sum of |requested change| (normalized weights)."""

    up: int = 0
    down: int = 0
    erases: int = 0
    touched: int = 0
    energy: float = 0.0
    requested: int = 0
    realized: float = 0.0
    asked: float = 0.0

    @property
    def events(self) -> int:
        return self.up + self.down + self.erases

    def __iadd__(self, other: "ProgramStats") -> "ProgramStats":
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)
        return self

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["events"] = self.events
        return d


def stochastic_round(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """``floor(x)`` or ``floor(x) + 1`` with probability ``x - floor(x)`` (unbiased)."""
    f = torch.floor(x)
    return f + (torch.rand(x.shape, generator=generator, dtype=x.dtype) < (x - f)).to(x.dtype)


class Programmer:
    """Base: a family's synapses as states (the family's unit) behind normalized weights."""

    kind = "base"

    def __init__(self, device: WeightInterface | None, *, max_events: int = 64) -> None:
        self.device = device
        self.max_events = int(max_events)
        if device is not None:
            self.g_min, self.g_max = (float(g) for g in device.g_range())
            if not self.g_max > self.g_min >= 0:
                raise ValidationError(f"{device.component}: empty conductance range [{self.g_min:g}, {self.g_max:g}] S.")
            self.span = self.g_max - self.g_min

    # -- what the network reads ----------------------------------------------------------------
    def conductance(self, states: torch.Tensor) -> torch.Tensor:
        """Conductance (S) at the family's read bias."""
        return self.device.conductance(states).to(torch.float64)

    def weights(self, states: torch.Tensor) -> torch.Tensor:
        """Normalized weights ``(G - g_min) / (g_max - g_min)``."""
        return (self.conductance(states) - self.g_min) / self.span

    def read(self, states: torch.Tensor, amplitude: float, extra: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Read current (A) of every device under a read pulse of ``amplitude`` (V): the
        interface's read, with its read nonlinearity."""
        return self.device.read(states, float(amplitude)).to(torch.float64)

    def states_for(self, w: torch.Tensor) -> torch.Tensor:
        """Initial states for normalized weights ``w`` (the nearest reachable state)."""
        return self.device.state_for(self.g_min + torch.clamp(w, 0, 1) * self.span).to(torch.float64)

    def levels_used(self, states: torch.Tensor) -> int:
        """Distinct levels occupied (analog families: on a grid of ``levels`` over the range)."""
        n = max(int(self.device.levels), 2)
        return int(torch.unique(torch.round(self.weights(states) * (n - 1))).numel())

    def describe(self) -> dict[str, Any]:
        d = dict(self.device.describe()) if self.device is not None else {}
        d.update({"programmer": self.kind, "g_min": self.g_min, "g_max": self.g_max})
        return d

    # -- programming ---------------------------------------------------------------------------
    def apply(self, states: torch.Tensor, dw: torch.Tensor, generator: torch.Generator | None = None,
              extra: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, ProgramStats]:
        raise NotImplementedError

    def init_extra(self, states: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-synapse quantities besides the state (the optocoupler's lagging conductance)."""
        return {}

    def effective_conductance(self, states: torch.Tensor, extra: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.conductance(states)

    def _stats(self, w0: torch.Tensor, w1: torch.Tensor, dw: torch.Tensor) -> ProgramStats:
        return ProgramStats(requested=int((dw != 0).sum()), realized=float((w1 - w0).abs().sum()),
                            asked=float(dw.abs().sum()))


class IdealProgrammer(Programmer):
    """Ideal weights: the state is the normalized weight; changes are exact, clipped to [0, 1]."""

    kind = "ideal"

    def __init__(self, g_min: float = 1e-9, g_max: float = 50e-9, v_read: float = 0.2) -> None:
        super().__init__(None)
        if not 0 <= g_min < g_max:
            raise ValidationError(f"ideal synapse: need 0 <= g_min < g_max, got {g_min!r}, {g_max!r} S.")
        self.g_min, self.g_max, self.span, self.v_read = float(g_min), float(g_max), float(g_max - g_min), float(v_read)

    def conductance(self, states: torch.Tensor) -> torch.Tensor:
        return self.g_min + states.to(torch.float64) * self.span

    def weights(self, states: torch.Tensor) -> torch.Tensor:
        return states.to(torch.float64)

    def read(self, states: torch.Tensor, amplitude: float, extra: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        return self.conductance(states) * float(amplitude)

    def states_for(self, w: torch.Tensor) -> torch.Tensor:
        return torch.clamp(w.to(torch.float64), 0, 1)

    def levels_used(self, states: torch.Tensor) -> int:
        return int(torch.unique(states).numel())

    def describe(self) -> dict[str, Any]:
        return {"component": "ideal", "family": "ideal", "programmer": self.kind, "g_min": self.g_min,
                "g_max": self.g_max, "v_read": self.v_read, "levels": None, "source": "ideal"}

    def apply(self, states, dw, generator=None, extra=None):
        new = torch.clamp(states + dw, 0.0, 1.0)
        st = self._stats(states, new, dw)
        changed = new != states
        st.touched = int(changed.sum())
        st.up = int((new > states).sum())
        st.down = int((new < states).sum())
        return new, st


class _Table:
    """A pulse's effect ``s -> program(s, pulse)`` and its energy, tabulated on a uniform state
    grid and interpolated linearly."""

    def __init__(self, device: WeightInterface, pulse: Pulse, lo: float, hi: float, points: int,
                 energy: np.ndarray | None) -> None:
        self.lo, self.hi = float(lo), float(hi)
        self.ds = (self.hi - self.lo) / (points - 1)
        grid = np.linspace(self.lo, self.hi, points)
        nxt = np.asarray(device.program(grid, pulse), dtype=float)
        self.next = torch.as_tensor(nxt, dtype=torch.float64)
        self.energy = torch.as_tensor(energy if energy is not None else np.zeros(points), dtype=torch.float64)
        self.pulse = pulse

    def _interp(self, s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        u = (torch.clamp(s, self.lo, self.hi) - self.lo) / self.ds
        k = torch.clamp(torch.floor(u), 0, len(y) - 2).long()
        f = u - k.to(u.dtype)
        return y[k] + f * (y[k + 1] - y[k])

    def __call__(self, s: torch.Tensor) -> torch.Tensor:
        return torch.clamp(self._interp(s, self.next), self.lo, self.hi)

    def energy_at(self, s: torch.Tensor) -> torch.Tensor:
        return self._interp(s, self.energy)


def pulse_energy(device: WeightInterface, states: np.ndarray, pulse: Pulse, *, e_bit: float = 1e-15,
                 bits_flipped: Any = None) -> np.ndarray:
    """Energy estimate (J) of one programming event per device (module docstring)."""
    s = np.asarray(states, dtype=float)
    if pulse.terminal == "in":
        i = device.read(torch.as_tensor(s, dtype=torch.float64), pulse.amplitude).detach().numpy()
        return np.abs(pulse.amplitude * i) * pulse.width
    if pulse.terminal in ("gate", "erase"):
        c = device.values.get("c_trap")
        return np.full(s.shape, float("nan") if c is None else c * pulse.amplitude**2)
    if pulse.terminal == "code":
        return e_bit * (np.ones(s.shape) if bits_flipped is None else np.asarray(bits_flipped, float))
    if pulse.terminal == "led":
        from ...surrogates import optocoupler as O

        i_led = O.led_current(torch.as_tensor(pulse.amplitude, dtype=torch.float64), device.values)
        return np.full(s.shape, abs(pulse.amplitude * float(i_led)) * pulse.width)
    return np.full(s.shape, float("nan"))


class PulseProgrammer(Programmer):
    """Two-terminal pulsed devices (module docstring): nominal set/reset pulses."""

    kind = "pulse"

    def __init__(self, device: WeightInterface, *, mapping: str = "nominal", table_points: int = 2049,
                 exact: bool = False, max_events: int = 64, pulses: dict[str, Any] | None = None) -> None:
        super().__init__(device, max_events=max_events)
        if mapping not in ("nominal", "local"):
            raise ValidationError(f"mapping must be 'nominal' or 'local', got {mapping!r}.")
        self.mapping, self.exact = mapping, bool(exact)
        lo, hi = device.bounds
        set_p, reset_p = programming_pulses(device, **(pulses or {}))
        self.pulses = {+1: set_p, -1: reset_p}
        if not device.increasing:  # a state that lowers G when it grows: swap the roles
            self.pulses = {+1: reset_p, -1: set_p}
        grid = np.linspace(lo, hi, table_points)
        self.tables = {d: _Table(device, p, lo, hi, table_points, pulse_energy(device, grid, p))
                       for d, p in self.pulses.items()}
        for d, name in ((+1, "set" if device.increasing else "reset"), (-1, "reset" if device.increasing else "set")):
            moved = self.weights(self.tables[d].next) - self.weights(torch.as_tensor(grid, dtype=torch.float64))
            if not bool((moved * d > 1e-9).any()):
                p = self.pulses[d]
                raise ValidationError(f"{device.component}: the {name} pulse ({p.amplitude:g} V x {p.width:g} s) does not "
                                      f"move the weight {'up' if d > 0 else 'down'} anywhere in the range.",
                                      hint=f"[synapse] v_{name} / t_{name}: a larger voltage or a longer pulse.")
        self.steps = {d: self._mean_step(d) for d in (+1, -1)}

    def _mean_step(self, direction: int) -> float:
        """Mean |normalized change| of one nominal pulse crossing the range: ``1 / (n - 1)``
        where ``n`` pulses take the device from one end to 99 % of the way to the other."""
        lo, hi = self.device.bounds
        start = torch.tensor([lo if (direction > 0) == self.device.increasing else hi], dtype=torch.float64)
        w0 = float(self.weights(start))
        s, n = start, 1
        for n in range(1, 100_000):
            s = self.tables[direction](s)
            if abs(float(self.weights(s)) - w0) >= 0.99:
                break
        return 1.0 / max(n, 1)

    def _pulse(self, s: torch.Tensor, direction: int) -> torch.Tensor:
        if self.exact:
            return torch.as_tensor(np.asarray(self.device.program(s.numpy(), self.pulses[direction]), dtype=float),
                                   dtype=torch.float64)
        return self.tables[direction](s)

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        names = {+1: "set", -1: "reset"} if self.device.increasing else {+1: "reset", -1: "set"}
        d["pulses"] = {names[k]: {"amplitude_V": p.amplitude, "width_s": p.width, "rise_s": p.rise, "fall_s": p.fall}
                       for k, p in self.pulses.items()}
        d["mapping"] = self.mapping
        return d

    def counts(self, states: torch.Tensor, dw: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Signed pulse counts for the requests ``dw``."""
        if self.mapping == "nominal":
            step = torch.where(dw >= 0, torch.full_like(dw, self.steps[+1]), torch.full_like(dw, self.steps[-1]))
        else:
            w = self.weights(states)
            up = (self.weights(self.tables[+1](states)) - w).abs()
            dn = (self.weights(self.tables[-1](states)) - w).abs()
            step = torch.clamp(torch.where(dw >= 0, up, dn), min=1e-6)
        q = dw / step
        return torch.clamp(stochastic_round(q, generator), -self.max_events, self.max_events)

    def apply(self, states, dw, generator=None, extra=None):
        n = self.counts(states, dw, generator)
        s = states.clone()
        st = ProgramStats()
        w0 = self.weights(states)
        rounds = int(n.abs().max()) if n.numel() else 0
        for r in range(1, rounds + 1):
            for d in (+1, -1):
                sel = (n * d) >= r
                if not bool(sel.any()):
                    continue
                cur = s[sel]
                st.energy += float(self.tables[d].energy_at(cur).sum())
                s[sel] = self._pulse(cur, d)
                if d > 0:
                    st.up += int(sel.sum())
                else:
                    st.down += int(sel.sum())
        st2 = self._stats(w0, self.weights(s), dw)
        st.requested, st.realized, st.asked = st2.requested, st2.realized, st2.asked
        st.touched = int((n != 0).sum())
        return s, st


class OneWayProgrammer(PulseProgrammer):
    """Potentiation-only devices with an erase (module docstring): states on the ladder of
    ``k`` nominal program pulses from the erased state."""

    kind = "one-way"

    def __init__(self, device: WeightInterface, *, table_points: int = 2049, max_events: int = 64, **_: Any) -> None:
        Programmer.__init__(self, device, max_events=max_events)
        self.exact = False
        self.mapping = "nominal"
        lo, hi = device.bounds
        self.pulses = {+1: device.nominal_pulse(+1), -1: device.nominal_pulse(-1)}
        grid = np.linspace(lo, hi, table_points)
        self.tables = {+1: _Table(device, self.pulses[+1], lo, hi, table_points, pulse_energy(device, grid, self.pulses[+1]))}
        self.erase_energy = float(pulse_energy(device, np.zeros(1), self.pulses[-1])[0])
        # the ladder: exact states after k program pulses from the erased state
        ladder = [float(device.program(float(lo), self.pulses[-1]))]
        for _ in range(100_000):
            nxt = float(device.program(ladder[-1], self.pulses[+1]))
            if nxt <= ladder[-1] * (1 + 1e-12) or nxt >= hi:
                if nxt > ladder[-1]:
                    ladder.append(min(nxt, hi))
                break
            ladder.append(nxt)
        self.ladder = torch.tensor(ladder, dtype=torch.float64)
        self.steps = {+1: 1.0 / (len(ladder) - 1), -1: 1.0 / (len(ladder) - 1)}

    def rung(self, states: torch.Tensor) -> torch.Tensor:
        """The ladder index nearest each state."""
        k = torch.searchsorted(self.ladder, states.contiguous())
        k = torch.clamp(k, 1, len(self.ladder) - 1)
        lower = (states - self.ladder[k - 1]).abs() <= (self.ladder[k] - states).abs()
        return torch.where(lower, k - 1, k)

    def states_for(self, w: torch.Tensor) -> torch.Tensor:
        s = super().states_for(w)
        return self.ladder[self.rung(s)]

    def levels_used(self, states: torch.Tensor) -> int:
        return int(torch.unique(self.rung(states)).numel())

    def apply(self, states, dw, generator=None, extra=None):
        n = self.counts(states, dw, generator)
        w0 = self.weights(states)
        s = states.clone()
        st = ProgramStats()
        # depressions: erase, then program back up to the lower rung
        down = n < 0
        if bool(down.any()):
            k_new = torch.clamp(self.rung(states[down]) + n[down].long(), min=0)
            e = self.device.program(s[down], self.pulses[-1])
            st.erases += int(down.sum())
            st.energy += self.erase_energy * int(down.sum())
            st.down += int(down.sum())  # one depression event = erase + reprogram
            sd = e.clone()
            for r in range(1, int(k_new.max()) + 1 if k_new.numel() else 1):
                sel = k_new >= r
                st.energy += float(self.tables[+1].energy_at(sd[sel]).sum())
                st.up += int(sel.sum())
                sd[sel] = self.tables[+1](sd[sel])
            s[down] = sd
        up = n > 0
        for r in range(1, int(n.max()) + 1 if bool(up.any()) else 1):
            sel = n >= r
            st.energy += float(self.tables[+1].energy_at(s[sel]).sum())
            st.up += int(sel.sum())
            s[sel] = self.tables[+1](s[sel])
        st2 = self._stats(w0, self.weights(s), dw)
        st.requested, st.realized, st.asked = st2.requested, st2.realized, st2.asked
        st.touched = int((n != 0).sum())
        return s, st


class CodeProgrammer(Programmer):
    """Digital codes: ``n`` LSB steps, each through ``program(state, Pulse(+-1, "code"))``."""

    kind = "code"

    def __init__(self, device: WeightInterface, *, e_bit: float = 1e-15, max_events: int = 64, **_: Any) -> None:
        super().__init__(device, max_events=max_events)
        self.e_bit = float(e_bit)
        self.n_codes = int(device.bounds[1] - device.bounds[0]) + 1
        self.pulses = {+1: device.nominal_pulse(+1), -1: device.nominal_pulse(-1)}

    def levels_used(self, states: torch.Tensor) -> int:
        return int(torch.unique(torch.round(states)).numel())

    def apply(self, states, dw, generator=None, extra=None):
        n = torch.clamp(stochastic_round(dw * (self.n_codes - 1), generator), -self.max_events, self.max_events)
        s = states.clone()
        st = ProgramStats()
        w0 = self.weights(states)
        for r in range(1, int(n.abs().max()) + 1 if n.numel() else 1):
            for d in (+1, -1):
                sel = (n * d) >= r
                if bool(sel.any()):
                    cur = s[sel]
                    new = self.device.program(cur, self.pulses[d])
                    moved = new != cur
                    flips = _popcount(cur.long() ^ new.long())
                    st.energy += self.e_bit * float(flips.sum())
                    if d > 0:
                        st.up += int(moved.sum())
                    else:
                        st.down += int(moved.sum())
                    s[sel] = new
        st2 = self._stats(w0, self.weights(s), dw)
        st.requested, st.realized, st.asked = st2.requested, st2.realized, st2.asked
        st.touched = int((s != states).sum())
        return s, st


def _popcount(x: torch.Tensor) -> torch.Tensor:
    c = torch.zeros_like(x)
    while bool((x > 0).any()):
        c += x & 1
        x = x >> 1
    return c


class DriveProgrammer(Programmer):
    """Volatile devices weighted by a held drive on a DAC grid (module docstring)."""

    kind = "drive"

    def __init__(self, device: WeightInterface, *, t_hold: float = 0.15, max_events: int = 64, **_: Any) -> None:
        super().__init__(device, max_events=max_events)
        if not hasattr(device, "dac") or not hasattr(device, "conductance_after"):
            raise ValidationError(f"{device.component}: a drive-programmed device needs dac() and conductance_after().")
        self.t_hold = float(t_hold)
        step = device.dac_step
        self.codes = torch.arange(0.0, device.bounds[1] + 0.5 * step, step, dtype=torch.float64)
        self.codes = torch.as_tensor(device.dac(self.codes), dtype=torch.float64)
        self.g_codes = self.conductance(self.codes)
        self.w_codes = (self.g_codes - self.g_min) / self.span
        from ...surrogates import optocoupler as O

        #: LED power (W) at every DAC level: a drive change costs power x t_hold
        self.p_codes = (self.codes * O.led_current(self.codes, device.values)).abs().to(torch.float64)

    def code_of(self, states: torch.Tensor) -> torch.Tensor:
        return torch.round(states / self.device.dac_step).long()

    def levels_used(self, states: torch.Tensor) -> int:
        return int(torch.unique(self.code_of(states)).numel())

    def states_for(self, w: torch.Tensor) -> torch.Tensor:
        return self.codes[nearest_level(w.to(torch.float64), self.w_codes)]

    def init_extra(self, states):
        return {"g": self.conductance(states)}

    def effective_conductance(self, states, extra):
        return extra["g"] if extra and "g" in extra else self.conductance(states)

    def read(self, states, amplitude, extra=None):
        g = self.effective_conductance(states, extra or {})
        # the read is linear in v for this family: scale the interface's read at the state
        g_ss = self.conductance(states)
        return self.device.read(states, float(amplitude)).to(torch.float64) * (g / torch.clamp(g_ss, min=1e-300))

    def apply(self, states, dw, generator=None, extra=None):
        g_now = self.effective_conductance(states, extra or {})
        w_now = (g_now - self.g_min) / self.span
        target = torch.clamp(w_now + dw, 0.0, 1.0)
        hi = torch.clamp(torch.searchsorted(self.w_codes, target.contiguous()), 1, len(self.w_codes) - 1)
        lo = hi - 1
        frac = (target - self.w_codes[lo]) / torch.clamp(self.w_codes[hi] - self.w_codes[lo], min=1e-300)
        up = torch.rand(frac.shape, generator=generator, dtype=frac.dtype) < frac
        k_new = torch.where(up, hi, lo)
        k_old = self.code_of(states)
        # no request, no event: keep the drive where nothing was asked
        k_new = torch.where(dw == 0, k_old, k_new)
        changed = k_new != k_old
        s = states.clone()
        g_new = g_now.clone()
        st = ProgramStats()
        if bool(changed.any()):
            from ...surrogates import optocoupler as O

            # each new drive through the interface's programming event (one call per DAC level);
            # the lag of every changed device at once with the closed form conductance_after
            # uses (O.relax: g_from -> G_ss(new drive) over t_hold)
            drive = torch.empty(len(self.codes), dtype=torch.float64)
            for k in torch.unique(k_new[changed]).tolist():
                drive[k] = float(self.device.program(0.0, Pulse(float(self.codes[k]), self.t_hold, terminal="led")))
            energy = self.p_codes * self.t_hold
            kc = k_new[changed]
            s[changed] = drive[kc]
            g_ss = self.conductance(s[changed])
            g_new[changed] = O.relax(g_now[changed], g_ss, self.t_hold, self.device.values)[0].to(torch.float64)
            st.energy += float(energy[kc].sum())
            st.up += int((k_new > k_old).sum())
            st.down += int((k_new < k_old).sum())
        if extra is not None:
            extra["g"] = g_new
        st2 = self._stats(w_now, (g_new - self.g_min) / self.span, dw)
        st.requested, st.realized, st.asked = st2.requested, st2.realized, st2.asked
        st.touched = int(changed.sum())
        return s, st


def programming_pulses(device: WeightInterface, *, v_set: float | None = None, t_set: float | None = None,
                       v_reset: float | None = None, t_reset: float | None = None,
                       t_edge: float | None = None) -> tuple[Pulse, Pulse]:
    """The set and reset pulses of a two-terminal pulsed device: its nominal pulses
    (``nominal_pulse(+1)``, ``nominal_pulse(-1)``) with the given voltages and widths replaced.
    Edges: ``t_edge`` when given, else the nominal edge, at most a tenth of the pulse's width
    (a nominal 0.5 ms edge cannot frame a 20 us pulse)."""
    out = []
    for nominal, v, t in ((device.nominal_pulse(+1), v_set, t_set), (device.nominal_pulse(-1), v_reset, t_reset)):
        if v is None and t is None and t_edge is None:
            out.append(nominal)
            continue
        width = nominal.width if t is None else float(t)
        if t_edge is not None:
            rise = fall = float(t_edge)
        else:
            rise, fall = min(nominal.rise, 0.1 * width), min(nominal.fall, 0.1 * width)
        if rise + fall > 2 * width:
            raise ValidationError(f"programming pulse edges ({rise:g} s + {fall:g} s) longer than twice its width {width:g} s.",
                                  hint="[synapse] t_edge: at most the pulse's width.")
        out.append(Pulse(nominal.amplitude if v is None else float(v), width, rise, fall, nominal.terminal))
    return out[0], out[1]


def programmer_for(device: WeightInterface | None, **options: Any) -> Programmer:
    """The programmer for a weight interface, chosen by the programming events it declares
    (its nominal pulses' terminals), never by family name; ``None``: ideal weights (options
    ``g_min``, ``g_max``, ``v_read``)."""
    if device is None:
        return IdealProgrammer(**{k: v for k, v in options.items() if k in ("g_min", "g_max", "v_read")})
    up, down = device.nominal_pulse(+1), device.nominal_pulse(-1)
    pulses = {k: options[k] for k in ("v_set", "t_set", "v_reset", "t_reset", "t_edge") if options.get(k) is not None}
    opts = {k: v for k, v in options.items() if k not in ("g_min", "g_max", "v_read", *pulses)}
    if pulses and (up.terminal != "in" or down.terminal != "in"):
        raise ValidationError(f"{device.component} is not programmed by set/reset pulses across its terminals: "
                              f"{', '.join(sorted(pulses))} do not apply.")
    if up.terminal == "code":
        return CodeProgrammer(device, **opts)
    if up.terminal == "led":
        return DriveProgrammer(device, **opts)
    if down.terminal == "erase":
        return OneWayProgrammer(device, **opts)
    return PulseProgrammer(device, pulses=pulses, **{k: v for k, v in opts.items() if k in ("mapping", "table_points",
                                                                                           "exact", "max_events")})
