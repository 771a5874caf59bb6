"""Mapping: a saved model's conductances -> the programming of every device.

A trained network holds target conductances (S, at the family's read bias). Deployment has to
put real devices there. Every step goes through the family's weight interface
(:mod:`circuitsnn.surrogates.weights`): its ``program`` is what a programming event does,
``conductance``/``read`` what a read-back sees, ``nominal_pulse`` which events exist. Nothing
here knows a device law, and families are told apart only by the events they declare (the
terminals of their nominal pulses, as :func:`circuitsnn.learn.stdp.devices.programmer_for`):

* **pulsed** (``in``: memristors) — program-and-verify: plan a pulse train on the surrogate
  from the state the controller believes the device is in (nominal pulses until the target
  is passed, then ever shorter pulses that do not overshoot: the rules of
  :meth:`WeightInterface.plan <circuitsnn.surrogates.weights.WeightInterface.plan>`, run on
  all devices at once), apply it to the device, read the conductance back, infer the state
  from the read with the nominal law, plan again; until within ``tol`` x (g_max - g_min) or out
  of tries;
* **one-way** (``gate`` up, ``erase`` down: the gated Schottky) — the same, except that a
  device above its target is erased and programmed up again (every erase counted);
* **code words** (``code``: the digital synapse) — one write of the nearest code; verify reads
  the device and steps one code towards the target while that improves it;
* **LED drives** (``led``: the optocoupler) — one drive change to the nearest DAC level, held
  until the conductance has settled; verify steps one DAC level while that improves it.

Devices are drawn from the family's fitted Monte Carlo (``variation=True``:
:meth:`~circuitsnn.surrogates.weights.WeightInterface.sample_devices`), so the device obeys
its own parameters while the planner knows only the nominal law: the first try is the
**open-loop** result (reported), the verified result what program-and-verify makes of it.
With ``confirm="spice"`` the device *is* the component's subcircuit in ngspice: each try's
pulse trains are simulated as one deck (one instance per device, its state preset, its
parameters drawn from the same Monte Carlo) and the conductance read by a read pulse at the
end (each pulse on the port its terminal names: ``in``, ``gate``, ``erase``); codes and
drives have no pulse dynamics, so for them the surrogate confirm is used.

Conventions: arrays are in the network topology's orientation ``(n_in, n_out)`` (rows =
inputs, as :class:`circuitsnn.network.topology.Layer` takes them; the trainer saves
``(n_out, n_in)`` and is transposed here). Signed layers are differential pairs (pos, neg);
an STDP layer is one device per synapse (``neg`` is ``None``). Pruned pairs (NaN targets)
hold no devices: they are left out of programming and of the error figures. Errors are
relative to the family's nominal range ``g_max - g_min``. A quantized family (codes, DAC
levels) counts as converged at its best reachable level even when that is farther than
``tol`` (finer is not possible). ``states`` are what a network deck of nominal devices needs
to realize the achieved conductances (:meth:`LayerMapping.layer`); ``device_states`` are the
programmed devices' own states.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ValidationError

SCHEMA = "circuitsnn.mapping/1"
TRAINED = "circuitsnn.trained/1"
STDP = "circuitsnn.stdp/1"
CONFIRM = ("surrogate", "spice")


@dataclass(frozen=True)
class MapSettings:
    """How devices are programmed: ``tol`` (relative to the range), ``max_tries`` (plan ->
    apply -> read rounds; 1 is open loop), ``max_pulses`` (per device per plan), ``variation``
    (devices from the fitted Monte Carlo, widened by ``sigma_scale``), ``seed``, ``confirm``
    ("surrogate" or "spice") and ``fine`` (the planner's shorter pulses, x the nominal width).
    ``plan_margin``: plans aim at ``plan_margin x tol`` so a device a little off the nominal law
    still lands inside ``tol``. ``min_width`` (s): the pulse generator's shortest pulse; finer
    scales are not used."""

    tol: float = 0.01
    max_tries: int = 8
    max_pulses: int = 2000
    variation: bool = True
    sigma_scale: float = 1.0
    seed: int = 0
    confirm: str = "surrogate"
    fine: tuple[float, ...] = tuple(0.5**k for k in range(1, 17))
    plan_margin: float = 0.5
    min_width: float = 1e-9

    def __post_init__(self) -> None:
        if not (isinstance(self.tol, (int, float)) and 0 < self.tol < 1):
            raise ValidationError(f"mapping tol must be in (0, 1) (relative to the range), got {self.tol!r}.")
        if int(self.max_tries) < 1 or int(self.max_pulses) < 1:
            raise ValidationError(f"max_tries and max_pulses must be >= 1, got {self.max_tries!r}, {self.max_pulses!r}.")
        if self.confirm not in CONFIRM:
            raise ValidationError(f"confirm must be one of {CONFIRM}, got {self.confirm!r}.")
        if not (self.sigma_scale >= 0 and math.isfinite(self.sigma_scale)):
            raise ValidationError(f"sigma_scale must be >= 0, got {self.sigma_scale!r}.")
        if not 0 < self.plan_margin <= 1:
            raise ValidationError(f"plan_margin must be in (0, 1], got {self.plan_margin!r}.")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["fine"] = list(self.fine)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MapSettings":
        d = dict(d)
        d["fine"] = tuple(d.get("fine", cls.fine))
        return cls(**d)


# -- the devices: surrogate or ngspice ---------------------------------------------------------
def event_kind(dev: Any) -> str:
    """"pulse", "one-way", "code" or "drive", from the events the interface declares."""
    up, down = dev.nominal_pulse(+1), dev.nominal_pulse(-1)
    if up.terminal == "code":
        return "code"
    if up.terminal == "led":
        return "drive"
    if down.terminal == "erase":
        return "one-way"
    return "pulse"


def _sub(params: dict[str, Any], idx: Any) -> dict[str, Any]:
    return {k: v[idx] for k, v in params.items()}


class _SurrogateDevices:
    """Devices as the weight interface models them, each with its own parameters."""

    def __init__(self, dev: Any, start: Any, params: dict[str, Any]) -> None:
        self.dev, self.s = dev, start.clone()
        self.params = {k: np.asarray(v, float) for k, v in params.items()}
        self._g = None

    def apply(self, idx: Any, codes: np.ndarray, table: Sequence[Any]) -> None:
        import torch

        # numpy arrays: the interface's numpy backend is ~5x faster than torch on small batches
        s = self.s.numpy().copy()
        for row in codes:
            for c in np.unique(row[row >= 0]):
                sel = idx.numpy()[row == c]
                s[sel] = self.dev.program(s[sel], table[int(c)], params=_sub(self.params, sel) or None)
        self.s = torch.as_tensor(s, dtype=torch.float64)
        self._g = None

    def read(self) -> Any:
        if self._g is None:
            import torch

            prm = {k: torch.as_tensor(v) for k, v in self.params.items()}
            self._g = self.dev.conductance(self.s, params=prm or None).detach()
        return self._g


class _SpiceDevices(_SurrogateDevices):
    """Devices as the component's subcircuit in ngspice: every :meth:`apply` simulates one deck
    (one instance per device, state preset, its own parameters) and reads each device with a
    ``v_read`` pulse after its train; states come back from the state nodes."""

    def __init__(self, dev: Any, comp: Any, start: Any, params: dict[str, Any], *, timeout: float = 600.0) -> None:
        super().__init__(dev, start, params)
        law = comp.law
        if law is None or len(law.states) != 1 or not law.states[0].initial:
            raise ValidationError(f"{comp.name}: confirm='spice' needs a law device with one preset state.",
                                  hint="Use confirm='surrogate' for this family.")
        self.comp, self.law, self.timeout = comp, law, float(timeout)
        self.base = deck_params(comp, dev)[0]
        # the deck's device with each device's Monte Carlo ratio to the fitted values
        # integer parameters (window exponents) and the preset state stay nominal
        names = {f.name for f in dataclasses.fields(self.base)
                 if not isinstance(getattr(self.base, f.name), (int, bool)) and f.name != law.states[0].initial}
        self.ratios = {k: np.asarray(v, float) / dev.values[k] for k, v in params.items()
                       if k in names and dev.values.get(k)}
        self._g = dev.conductance(self.s).detach()  # fresh devices: nominal until simulated
        self.runs = 0

    def _subckt(self, k: int) -> Any:
        if not self.ratios:
            return self.comp.subckt(self.base)
        vals = {n: float(getattr(self.base, n)) * float(r[k]) for n, r in self.ratios.items()}
        return self.comp.subckt(self.base.replace(**vals))

    def apply(self, idx: Any, codes: np.ndarray, table: Sequence[Any]) -> None:
        import torch

        from ..library.synapses.common import pwl
        from ..spice.ir import Deck, Tran, V, X
        from ..spice.simulator import simulate

        st = self.law.states[0]
        # gaps and the read edge as the nominal pulse's edge: a ps edge rings on the junction
        # capacitance under the trapezoidal rule long after it
        gap = max(self.dev.nominal_pulse(+1).rise, 1e-9)
        v_read = self.dev.v_read
        read_w = self.dev.nominal_pulse(+1).width
        ports = None
        subs, els = {}, []
        trains = []
        for j in range(len(idx)):
            t, pts = 2 * gap, {}
            for c in codes[:, j]:
                if c < 0:
                    continue
                p = table[int(c)]
                for dt, level in p.segments():
                    pts.setdefault(p.terminal, [(0.0, 0.0)]).extend([(t, level), (t + dt, level)])
                    t += dt
                pts[p.terminal].append((t + 1e-12, 0.0))
                t += gap
            trains.append((t, pts))
        t_read = max(t for t, _ in trains) + gap
        t_stop = t_read + read_w + gap
        used = {int(c) for c in np.unique(codes) if c >= 0}
        widths = [table[c].width for c in used] + [read_w]
        # resolve the shortest pulse used; ngspice steps onto every PWL corner anyway
        step = max(min(w for w in widths if w > 0) / 5, t_stop / 200_000)
        for j, (t_end, pts) in enumerate(trains):
            k = int(idx[j])
            sub = subs.setdefault(k if self.ratios else -1, self._subckt(k))
            ports = sub.ports
            nodes = []
            for port in ports:
                if port == "out":
                    nodes.append(f"o{j}")
                    els.append(V(f"Vo{j}", f"o{j}", "0", 0.0))
                    continue
                seq = pts.get(port, [(0.0, 0.0)])
                if port == "in":
                    seq = seq + [(t_read, 0.0), (t_read + gap, v_read), (t_stop - gap, v_read), (t_stop, v_read)]
                if len(seq) == 1:
                    nodes.append("0")
                    continue
                nodes.append(f"{port}{j}")
                els.append(V(f"V{port}{j}", f"{port}{j}", "0", pwl(_monotonic(seq))))
            els.append(X(f"X{j}", tuple(nodes), sub.name, **{st.initial: float(self.s[k])}))
        deck = Deck("circuitsnn deploy: program-and-verify confirm", elements=tuple(els),
                    subckts=tuple({s.name: s for s in subs.values()}.values()), analyses=(Tran(step, t_stop, 0.0, step),))
        res = simulate(deck, timeout=self.timeout)
        self.runs += 1
        tr = res.tran
        time_ = np.asarray(tr.time)
        t_mid = t_read + gap + 0.9 * (t_stop - t_read - 2 * gap)  # late in the read: settled
        for j in range(len(idx)):
            k = int(idx[j])
            i = float(np.interp(t_mid, time_, np.asarray(tr.i(f"Vo{j}"))))
            # the ammeter sees the current leave ``out``: the device conducts in -> out
            self._g[k] = abs(i) / v_read
            node = f"x{j}.{st.symbol.spice_node}".lower()
            x = float(np.interp(t_read, time_, np.asarray(tr[node]))) / st.symbol.scale
            self.s[k] = torch.as_tensor(min(max(x, self.dev.bounds[0]), self.dev.bounds[1]), dtype=torch.float64)

    def read(self) -> Any:
        return self._g


def _monotonic(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """PWL points with strictly increasing times (coincident edges nudged by 1 ps)."""
    out: list[tuple[float, float]] = []
    for t, v in seq:
        if out and t <= out[-1][0]:
            t = out[-1][0] + 1e-12
        out.append((t, v))
    return out


# -- planning on the surrogate (the rules of WeightInterface.plan, for all devices at once) -----
_TABLES: dict[tuple[Any, ...], Any] = {}


def _tabulated(dev: Any, table: Sequence[Any], points: int = 2049) -> Callable[[Any, int], Any]:
    """The nominal surrogate's response to each pulse of ``table``, tabulated on a state grid
    when first used (the STDP programmers' table) and interpolated: the planner's prediction."""
    from ..learn.stdp.devices import _Table

    lo, hi = dev.bounds
    ident = (dev.component, dev.source, tuple(sorted(dev.values.items())), lo, hi)
    if points <= 0:  # exact: the interface's program on every pulse (numpy is the fast backend)
        import torch

        return lambda s, c: torch.as_tensor(np.asarray(dev.program(s.numpy(), table[c]), float), dtype=torch.float64)

    def program(s: Any, c: int) -> Any:
        key = (*ident, table[c])
        if key not in _TABLES:
            _TABLES[key] = _Table(dev, table[c], lo, hi, points, None)
        return _TABLES[key](s)

    return program


def _table(dev: Any, kind: str, fine: Sequence[float], min_width: float = 0.0) -> tuple[list[Any], dict[tuple[int, float], int]]:
    from ..surrogates.weights import Pulse

    table, index = [], {}
    directions = (+1,) if kind == "one-way" else (+1, -1)
    for d in directions:
        base = dev.nominal_pulse(d)
        for scale in (1.0, *fine):
            if scale < 1.0 and base.width * scale < min_width:
                continue
            index[(d, scale)] = len(table)
            table.append(Pulse(base.amplitude, base.width * scale, base.rise * scale, base.fall * scale, base.terminal))
    if kind == "one-way":
        index[(-1, 1.0)] = len(table)
        table.append(dev.nominal_pulse(-1))
    return table, index


def plan_trains(dev: Any, kind: str, start: Any, g_target: Any, tol_abs: Any, *, max_pulses: int,
                fine: Sequence[float], min_width: float = 0.0) -> tuple[np.ndarray, list[Any], Any]:
    """Pulse trains from ``start`` (states the controller believes) to ``g_target`` (S) on the
    nominal surrogate, every device at once: ``(codes, table, predicted)`` with ``codes[r, j]``
    the index in ``table`` of device ``j``'s ``r``-th pulse (-1: none) and the predicted final
    states. Two-way devices: nominal pulses towards the target until it is passed, then ever
    finer ones; a pulse that would land farther beyond the target than it started is not
    applied, at any width (:meth:`WeightInterface.plan` applies the nominal pulse that passes;
    on steep devices that pulse crosses most of the range); one-way: an erase when above the target, then
    program pulses that do not pass it by more than ``tol_abs`` (:meth:`WeightInterface.plan`
    and :meth:`SchottkyWeights.plan` for one device)."""
    import torch

    table, index = _table(dev, kind, fine, min_width)
    program = _tabulated(dev, table)
    fine = [f for f in fine if (+1, f) in index]
    s = start.clone()
    n = len(s)
    count = torch.zeros(n, dtype=torch.long)
    rows: list[np.ndarray] = []

    def err(x: Any) -> Any:
        return dev.conductance(x).detach() - g_target

    e = err(s)
    lo, hi = (float(b) for b in dev.bounds)
    edge = 1e-6 * (hi - lo)
    g_ends = dev.conductance(torch.tensor([lo, hi], dtype=torch.float64)).detach()
    t_lo = (g_target - g_ends[0]).abs() <= tol_abs
    t_hi = (g_target - g_ends[1]).abs() <= tol_abs
    if kind == "one-way":
        t_lo = torch.ones_like(t_lo)  # the erased state is where one-way climbs start
        up = e > tol_abs
        if bool(up.any()):
            row = np.full(n, -1, np.int16)
            row[up.numpy()] = index[(-1, 1.0)]
            s[up] = program(s[up], index[(-1, 1.0)])
            count += up.long()
            rows.append(row)
            e = err(s)
    for scale in (1.0, *fine):
        if kind == "one-way":
            stage = (e < -tol_abs) & (count < max_pulses)
        else:
            stage = (e.abs() > tol_abs) & (count < max_pulses)
        while bool(stage.any()):
            d = torch.where(e < 0, 1, -1)
            s_new = s.clone()
            row = np.full(n, -1, np.int16)
            for direction in ((+1,) if kind == "one-way" else (+1, -1)):
                sel = stage & (d == direction)
                if bool(sel.any()):
                    c = index[(direction, scale)]
                    s_new[sel] = program(s[sel], c)
                    row[sel.numpy()] = c
            e_new = err(s_new)
            flipped = torch.sign(e_new) != torch.sign(e)
            if kind == "one-way":
                reject = e_new > tol_abs
            else:  # never a pulse that lands farther beyond the target than it started
                reject = flipped & (e_new.abs() > e.abs())
            # nor one that ends on a bound the target is not at: a window function can pin
            # the state there (Biolek/Joglekar windows vanish at x = 0 and 1)
            reject |= ((s_new <= lo + edge) & ~t_lo) | ((s_new >= hi - edge) & ~t_hi)
            ok = stage & ~reject & (s_new != s)
            row[~ok.numpy()] = -1
            if bool(ok.any()):
                rows.append(row)
            s = torch.where(ok, s_new, s)
            e = torch.where(ok, e_new, e)
            count += ok.long()
            more = (e < -tol_abs) if kind == "one-way" else (e.abs() > tol_abs)
            stage = ok & more & (count < max_pulses)
            if kind != "one-way" and scale == 1.0:
                stage &= ~flipped  # passed the target with nominal pulses: refine
    codes = np.stack(rows) if rows else np.zeros((0, n), np.int16)
    return codes, table, s


# -- program-and-verify --------------------------------------------------------------------------
@dataclass
class Programmed:
    """What programming did to a batch of devices (flat arrays)."""

    states: np.ndarray
    g: np.ndarray
    g_open: np.ndarray
    events: np.ndarray
    converged: np.ndarray
    saturated: np.ndarray
    tries: int
    spice_runs: int = 0
    #: events of the first (open-loop) try
    events_open: int = 0


def _levels(dev: Any, kind: str) -> Any:
    import torch

    lo, hi = dev.bounds
    if kind == "code":
        return torch.arange(lo, hi + 0.5, 1.0, dtype=torch.float64)
    step = dev.dac_step
    return torch.as_tensor(dev.dac(torch.arange(lo, hi + 0.5 * step, step, dtype=torch.float64)), dtype=torch.float64)


def _write_levels(devices: _SurrogateDevices, dev: Any, kind: str, levels: Any, k_old: Any, k_new: Any) -> Any:
    """One write event per device whose level changes (a code word, a held LED drive)."""
    import torch

    from ..surrogates.weights import Pulse

    changed = k_new != k_old
    idx = torch.nonzero(changed).flatten()
    if len(idx) == 0:
        return changed
    if kind == "code":
        key = (k_new - k_old)[idx]
        make = lambda v: Pulse(float(v), dev.operating.get("t_write", 0.0), terminal="code")  # noqa: E731
    else:
        key = k_new[idx]
        make = lambda v: Pulse(float(levels[int(v)]), dev.settle_time(dev.bounds[0], float(levels[int(v)])), terminal="led")  # noqa: E731
    uniq = torch.unique(key)
    table = [make(v) for v in uniq.tolist()]
    codes = np.searchsorted(uniq.numpy(), key.numpy()).astype(np.int16)[None, :]
    devices.apply(idx, codes, table)
    return changed


def _verify_levels(dev: Any, kind: str, devices: _SurrogateDevices, g_t: Any, tol_abs: float, settings: MapSettings,
                   tick: Callable[[], None]) -> Programmed:
    """Levels (codes, DAC drives): write the nominal level; then, per try, the level the nominal
    map gives for the target scaled by the device's measured gain at its level (a device 5 %
    hot gets a level 5 % lower), or one level towards the target when that is the same one;
    a step that makes it worse ends the search; the best level read is written last."""
    import torch

    from ..surrogates.weights import nearest_level

    levels = _levels(dev, kind)
    g_nom = dev.conductance(levels).detach()
    n = len(g_t)
    nearest = lambda g: nearest_level(g, g_nom)  # noqa: E731
    k = nearest_level(devices.s, levels)
    k_new = nearest(g_t)
    events = _write_levels(devices, dev, kind, levels, k, k_new).long()
    k = k_new
    g_open = devices.read().clone().numpy()
    events_open = int(events.sum())
    best_k, best_e = k.clone(), (devices.read() - g_t).abs()
    k_prev = torch.full_like(k, -1)
    done = torch.zeros(n, dtype=torch.bool)
    tries = 1
    tick()
    for _ in range(settings.max_tries - 1):
        g = devices.read()
        e = g - g_t
        need = (e.abs() > tol_abs) & ~done
        if not bool(need.any()):
            break
        tries += 1
        gain = torch.where((g > 0) & (g_nom[k] > 0), g / torch.where(g_nom[k] > 0, g_nom[k], 1.0), torch.ones_like(g))
        k_pred = nearest(g_t / gain)
        step = (k_pred == k) | (k_pred == k_prev)  # no jumping back and forth: step one level
        k_prev = k.clone()
        k_nb = torch.clamp(k + torch.where(e < 0, 1, -1), 0, len(levels) - 1)
        k_try = torch.where(step, k_nb, k_pred)
        done |= need & (k_try == k)  # at the end of the range
        # the neighbour, scaled by this device's gain, would be no closer: already the best
        done |= need & step & ((g_nom[k_nb] * gain - g_t).abs() >= e.abs())
        k_try = torch.where(need & ~done, k_try, k)
        events += _write_levels(devices, dev, kind, levels, k, k_try).long()
        e_new = (devices.read() - g_t).abs()
        done |= need & step & (e_new >= e.abs())  # one level further is no better: the search ends
        better = e_new < best_e
        best_k, best_e = torch.where(better, k_try, best_k), torch.where(better, e_new, best_e)
        k = k_try
        tick()
    events += _write_levels(devices, dev, kind, levels, k, best_k).long()
    k = best_k
    g = devices.read()
    err = (g - g_t).abs()
    at_end = ((k == 0) & (g > g_t)) | ((k == len(levels) - 1) & (g < g_t))
    converged = (err <= tol_abs) | done
    return Programmed(devices.s.numpy().copy(), g.numpy().copy(), g_open, events.numpy(), converged.numpy(),
                      (at_end & (err > tol_abs)).numpy(), tries, events_open=events_open)


def _verify_pulses(dev: Any, kind: str, devices: _SurrogateDevices, g_t: Any, tol_abs: float, settings: MapSettings,
                   tick: Callable[[], None]) -> Programmed:
    import torch

    n = len(g_t)
    plan_tol = settings.plan_margin * tol_abs
    events = torch.zeros(n, dtype=torch.long)
    believed = devices.s.clone()  # fresh devices: the controller knows their reset state
    everyone = torch.arange(n)
    codes, table, predicted = plan_trains(dev, kind, believed, g_t, plan_tol, max_pulses=settings.max_pulses,
                                          fine=settings.fine, min_width=settings.min_width)
    devices.apply(everyone, codes, table)
    events += torch.as_tensor((codes >= 0).sum(0), dtype=torch.long)
    g_open = devices.read().clone().numpy()
    events_open = int(events.sum())
    tries = 1
    tick()
    stuck = torch.zeros(n, dtype=torch.bool)
    reset = torch.zeros(n, dtype=torch.bool)
    g_before = dev.conductance(torch.full((n,), float(devices.s[0]) if n else 0.0, dtype=torch.float64)).detach()
    g_pred = dev.conductance(predicted).detach()
    for _ in range(settings.max_tries - 1):
        g = devices.read()
        need = ((g - g_t).abs() > tol_abs) & ~stuck
        if not bool(need.any()):
            break
        tries += 1
        idx = torch.nonzero(need).flatten()
        # the device's gain on the last train (measured / predicted change) corrects the aim:
        # a device that moves twice as fast as the nominal law is aimed half as far
        moved, meant = g[idx] - g_before[idx], g_pred[idx] - g_before[idx]
        ok = (meant.abs() > 0.5 * tol_abs) & (moved * meant > 0)
        gain = torch.where(ok, moved / torch.where(ok, meant, 1.0), torch.ones_like(moved)).clamp(0.01, 100.0)
        g_lo, g_hi = dev.g_range()
        base = g[idx]
        if kind == "one-way":  # above the target: erased first, so the climb starts at the floor
            base = torch.where(g[idx] - g_t[idx] > plan_tol, torch.full_like(base, g_lo), base)
        aim = torch.clamp(base + (g_t[idx] - base) / gain, g_lo, g_hi)
        # the state the controller infers from the read, with the nominal law
        believed = torch.as_tensor(dev.state_for(g[idx]), dtype=torch.float64)
        codes, table, predicted = plan_trains(dev, kind, believed, aim, plan_tol / gain.clamp(min=1.0),
                                              max_pulses=settings.max_pulses, fine=settings.fine,
                                              min_width=settings.min_width)
        used = torch.as_tensor((codes >= 0).sum(0), dtype=torch.long)
        # an empty plan: forget the gain once (it may mislead), then give up on that device
        empty = idx[used == 0]
        stuck[empty[reset[empty]]] = True
        reset[empty] = True
        g_before[idx] = g[idx]
        if kind == "one-way" and len(codes):
            # a train that starts with an erase climbs from the erased state: gain from there
            erased = torch.as_tensor(codes[0] == len(table) - 1)
            g_before[idx[erased]] = float(dev.conductance(float(dev.bounds[0])))
        g_pred[idx] = dev.conductance(predicted).detach()
        g_pred[empty] = g_before[empty]  # no prediction: the next gain is 1
        devices.apply(idx, codes, table)
        events[idx] += used
        tick()
    g = devices.read()
    err = (g - g_t).abs()
    lo, hi = dev.bounds
    s = devices.s
    top, bottom = (s >= hi - 1e-9 * (hi - lo)), (s <= lo + 1e-9 * (hi - lo))
    g_hi_end, g_lo_end = (top, bottom) if dev.increasing else (bottom, top)
    saturated = (err > tol_abs) & ((g_hi_end & (g < g_t)) | (g_lo_end & (g > g_t)))
    return Programmed(s.numpy().copy(), g.numpy().copy(), g_open, events.numpy(), (err <= tol_abs).numpy(),
                      saturated.numpy(), tries, getattr(devices, "runs", 0), events_open)


def program_devices(dev: Any, g_target: Any, *, settings: MapSettings, params: dict[str, Any] | None = None,
                    component: Any = None, tick: Callable[[], None] = lambda: None) -> Programmed:
    """Program fresh devices of one family (weight interface ``dev``) to ``g_target`` (S, 1-D):
    open loop, then program-and-verify (module docstring). ``params``: per-device parameter
    tensors (the devices' own; ``None``: nominal devices)."""
    import torch

    g_t = torch.as_tensor(np.asarray(g_target, float), dtype=torch.float64)
    kind = event_kind(dev)
    lo, hi = dev.bounds
    start = torch.full((len(g_t),), float(lo if dev.increasing else hi), dtype=torch.float64)
    g_lo, g_hi = dev.g_range()
    tol_abs = settings.tol * (g_hi - g_lo)
    params = dict(params or {})
    if settings.confirm == "spice" and kind in ("pulse", "one-way"):
        devices: _SurrogateDevices = _SpiceDevices(dev, component, start, params)
    else:
        devices = _SurrogateDevices(dev, start, params)
    if kind in ("code", "drive"):
        return _verify_levels(dev, kind, devices, g_t, tol_abs, settings, tick)
    return _verify_pulses(dev, kind, devices, g_t, tol_abs, settings, tick)


# -- layers -----------------------------------------------------------------------------------
@dataclass
class LayerMapping:
    """One synapse array mapped onto devices (module docstring for the conventions).

    ``target_g``/``achieved_g``/``states``/``device_states``/``open_loop_g``/``pulses``/
    ``device_error`` are ``(pos, neg)`` pairs of ``(n_in, n_out)`` arrays (``neg`` is ``None``
    for a layer of single devices); ``converged``, ``rel_error`` (the pair's weight error
    ``|(G+ - G-) - target| / (g_max - g_min)``, or the device's for single devices),
    ``saturated`` (a device's own range does not reach its target) and ``mask`` (a pair is
    present) are ``(n_in, n_out)``. ``params``: the synapse parameters a network deck places
    (``Layer(synapse, states=m.states, synapse_params=m.params)``); ``info``: family, events,
    range, settings, timing."""

    name: str
    synapse: str
    params: dict[str, Any]
    target_g: tuple[np.ndarray, np.ndarray | None]
    states: tuple[np.ndarray, np.ndarray | None]
    achieved_g: tuple[np.ndarray, np.ndarray | None]
    pulses: tuple[np.ndarray, np.ndarray | None]
    converged: np.ndarray
    rel_error: np.ndarray
    device_states: tuple[np.ndarray, np.ndarray | None]
    open_loop_g: tuple[np.ndarray, np.ndarray | None]
    device_error: tuple[np.ndarray, np.ndarray | None]
    saturated: np.ndarray
    mask: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return self.target_g[1] is not None

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.mask.shape)  # type: ignore[return-value]

    def open_loop_error(self) -> np.ndarray:
        """The same error as ``rel_error`` after the first (open-loop) programming try."""
        span = self.info["g_max"] - self.info["g_min"]
        if self.signed:
            w = self.open_loop_g[0] - self.open_loop_g[1]
            return np.abs(w - (self.target_g[0] - self.target_g[1])) / span
        return np.abs(self.open_loop_g[0] - self.target_g[0]) / span

    def summary(self) -> dict[str, Any]:
        """Worst, median and 99th percentile of the error (pairs and devices), open loop and
        verified; events used; unconverged and saturated counts."""
        m = self.mask.astype(bool)
        pulses = np.concatenate([p[m] for p in self.pulses if p is not None])
        dev_err = np.concatenate([e[m] for e in self.device_error if e is not None])

        def stats(x: np.ndarray) -> dict[str, float]:
            if x.size == 0:
                return {"worst": 0.0, "median": 0.0, "p99": 0.0}
            return {"worst": float(np.max(x)), "median": float(np.median(x)), "p99": float(np.percentile(x, 99))}

        return {"name": self.name, "synapse": self.synapse, "family": self.info.get("family"),
                "kind": self.info.get("kind"), "shape": list(self.shape), "signed": self.signed, "devices": int(pulses.size),
                "tol": self.info.get("tol"), "error": stats(self.rel_error[m]), "device_error": stats(dev_err),
                "open_loop_error": stats(self.open_loop_error()[m]),
                "pulses": {"total": int(pulses.sum()), "mean": float(pulses.mean()) if pulses.size else 0.0,
                           "max": int(pulses.max()) if pulses.size else 0,
                           "open_loop_total": self.info.get("open_loop_events")},
                "unconverged": int((~self.converged[m]).sum()), "saturated": int(self.saturated[m].sum()),
                "tries": self.info.get("tries"), "confirm": self.info.get("confirm"),
                "seconds": self.info.get("seconds")}

    def layer(self, **kw: Any) -> Any:
        """The :class:`~circuitsnn.network.topology.Layer` of these devices: ``states`` at the
        synapse parameters ``params`` (one device per synapse: an unsigned layer, ``states=(s,
        None)``); ``kw`` goes to ``Layer``."""
        from ..network.topology import Layer

        states = self.states if self.signed else (self.states[0], None)
        return Layer(self.synapse, states=states, synapse_params=self.params, **kw)

    # -- persistence --------------------------------------------------------------------------
    _PAIRS = ("target_g", "states", "achieved_g", "pulses", "device_states", "open_loop_g", "device_error")
    _PLAIN = ("converged", "rel_error", "saturated", "mask")

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k in self._PAIRS:
            pos, neg = getattr(self, k)
            out[f"{k}.pos"] = pos
            if neg is not None:
                out[f"{k}.neg"] = neg
        for k in self._PLAIN:
            out[k] = getattr(self, k)
        return out

    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "synapse": self.synapse, "params": self.params, "info": self.info,
                "signed": self.signed}

    @classmethod
    def from_saved(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> "LayerMapping":
        kw: dict[str, Any] = {}
        for k in cls._PAIRS:
            kw[k] = (arrays[f"{k}.pos"], arrays.get(f"{k}.neg"))
        for k in cls._PLAIN:
            kw[k] = arrays[k]
        kw["converged"] = kw["converged"].astype(bool)
        kw["saturated"] = kw["saturated"].astype(bool)
        return cls(name=meta["name"], synapse=meta["synapse"], params=dict(meta["params"]), info=dict(meta["info"]), **kw)


def deck_params(comp: Any, dev: Any) -> tuple[Any, str]:
    """The component parameters the devices really have: those the family's surrogate was
    fitted on (its provenance's ``component_params``: a network-scale fit is another device
    than the defaults), else the component's defaults; and where they came from."""
    if dev.source not in ("", "nominal"):
        try:
            prov = json.loads(Path(dev.source).read_text()).get("provenance") or {}
            cp = prov.get("component_params")
            if cp:
                return comp.make_params(**cp), f"{dev.source}: provenance component_params"
        except (OSError, ValueError) as exc:  # a surrogate without usable provenance: defaults
            return comp.default_params(), f"component defaults ({dev.source}: {exc})"
    return comp.default_params(), "component defaults"


def _interface(synapse: str, model: Any, *, where: str) -> Any:
    from ..library import registry
    from ..surrogates.weights import weights_for

    try:
        comp = registry.get(synapse)
    except ValidationError as exc:
        raise ValidationError(f"{where}: unknown synapse family {synapse!r}.", hint=exc.hint) from None
    if comp.kind != "synapse":
        raise ValidationError(f"{where}: {synapse!r} is a {comp.kind}, not a synapse.",
                              hint="A saved model's device must be a registered synapse component.")
    if comp.resolve("weights") is None:
        raise ValidationError(f"{where}: synapse {synapse!r} has no weight interface, so it cannot be programmed.",
                              hint="Give the component a WeightInterface (Component.weights).")
    return comp, weights_for(comp, model)


def _check_reachable(name: str, side: str, g: np.ndarray, mask: np.ndarray, dev: Any, tol: float) -> None:
    g_lo, g_hi = dev.g_range()
    span = g_hi - g_lo
    vals = g[mask]
    bad_nan = ~np.isfinite(g) & mask
    if bad_nan.any():
        i = tuple(int(v) for v in np.argwhere(bad_nan)[0])
        raise ValidationError(f"layer {name!r}: the {side} device at (input, output) {i} has no finite target "
                              f"conductance ({g[i]!r}) but is not pruned.",
                              hint="The model file is damaged: retrain, or mark pruned pairs in its mask.")
    out = mask & np.isfinite(g) & ((g < g_lo - tol * span) | (g > g_hi + tol * span))
    if out.any():
        where = [tuple(int(v) for v in ij) for ij in np.argwhere(out)[:5]]
        worst = float(vals[np.argmax(np.maximum(g_lo - vals, vals - g_hi))])
        raise ValidationError(
            f"layer {name!r}: {int(out.sum())} {side} target conductance(s) lie outside what {dev.component} reaches, "
            f"[{g_lo:.4g}, {g_hi:.4g}] S at {dev.v_read:g} V (beyond the tolerance {tol:g} of the range); first at "
            f"(input, output) {where}, worst {worst:.4g} S.",
            hint="Map with the family the model was trained on (and its surrogate file), or retrain with this "
                 "family so its weights stay inside the device range.")


def map_layer(synapse: str, target_g: Any, *, name: str = "layer", mask: Any = None, model: Any = None,
              tol: float = 0.01, max_tries: int = 8, max_pulses: int = 2000, variation: bool = True,
              sigma_scale: float = 1.0, seed: int = 0, confirm: str = "surrogate", progress: bool = False,
              settings: MapSettings | None = None) -> LayerMapping:
    """Program one array: ``target_g`` is ``(G+, G-)`` (two ``(n_in, n_out)`` arrays, S, at the
    family's read bias) or one array (single devices); NaN entries (or ``mask == 0``) are pruned.
    ``model``: the family's surrogate JSON (default: ``models/<synapse>.json``, else nominal).
    See :func:`map_model` for the rest."""
    import torch

    settings = settings or MapSettings(tol=tol, max_tries=max_tries, max_pulses=max_pulses, variation=variation,
                                       sigma_scale=sigma_scale, seed=seed, confirm=confirm)
    t0 = time.perf_counter()
    comp, dev = _interface(synapse, model, where=f"layer {name!r}")
    if isinstance(target_g, (tuple, list)):
        pos, neg = (None if a is None else np.asarray(a, float) for a in target_g)
    else:
        pos, neg = np.asarray(target_g, float), None
    if pos is None or pos.ndim != 2 or (neg is not None and neg.shape != pos.shape):
        raise ValidationError(f"layer {name!r}: targets must be (n_in, n_out) arrays of one shape, got "
                              f"{None if pos is None else pos.shape} and {None if neg is None else neg.shape}.")
    m = np.isfinite(pos) if neg is None else (np.isfinite(pos) | np.isfinite(neg))
    if mask is not None:
        m = np.asarray(mask).astype(bool)
        if m.shape != pos.shape:
            raise ValidationError(f"layer {name!r}: mask shape {m.shape} differs from the targets' {pos.shape}.")
    for side, g in (("G+", pos), ("G-", neg)):
        if g is not None:
            _check_reachable(name, side, g, m, dev, settings.tol)
    sides = [g for g in (pos, neg) if g is not None]
    g_lo, g_hi = dev.g_range()
    flat = np.concatenate([np.clip(g[m], g_lo, g_hi) for g in sides])
    n = flat.size
    params: dict[str, Any] = {}
    if settings.variation and n:
        key = int.from_bytes(hashlib.sha256(f"{settings.seed}:{name}".encode()).digest()[:4], "little")
        params = dev.sample_devices(n, seed=key, sigma_scale=settings.sigma_scale)
    kind = event_kind(dev)
    bar = _bar(progress, settings.max_tries, f"map {name} ({synapse})")
    try:
        res = program_devices(dev, flat, settings=settings, params=params, component=comp, tick=bar.update) if n else None
    finally:
        bar.close()
    # states a nominal deck needs for the achieved conductances (levels: the written level)
    from ..network.bindings import weights_at

    base, base_from = deck_params(comp, dev)
    deck_dev = weights_at(comp, base)
    lo_state = float(dev.bounds[0] if dev.increasing else dev.bounds[1])
    g_floor = float(dev.conductance(lo_state))

    def unflat(values: np.ndarray, fill: float, dtype: Any = float) -> list[np.ndarray]:
        out, k = [], 0
        for _ in sides:
            a = np.full(pos.shape, fill, dtype=dtype)
            c = int(m.sum())
            a[m] = values[k:k + c]
            k += c
            out.append(a)
        return out

    if res is None:
        res = Programmed(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, bool),
                         np.zeros(0, bool), 0)
    if kind in ("code", "drive"):
        deck_flat = res.states
    else:
        deck_flat = np.asarray(deck_dev.state_for(torch.as_tensor(res.g)), float) if n else res.states
    achieved = unflat(res.g, g_floor)
    states = unflat(deck_flat, lo_state)
    own = unflat(res.states, lo_state)
    g_open = unflat(res.g_open, g_floor)
    pulses = unflat(res.events, 0, int)
    conv = unflat(res.converged, True, bool)
    sat = unflat(res.saturated, False, bool)
    span = g_hi - g_lo
    targets = [np.where(m, g, np.nan) for g in sides]
    dev_err = [np.where(m, np.abs(a - t), 0.0) / span for a, t in zip(achieved, targets)]
    if neg is not None:
        rel = np.where(m, np.abs((achieved[0] - achieved[1]) - (targets[0] - targets[1])), 0.0) / span
    else:
        rel = dev_err[0]
    pair = lambda xs: (xs[0], xs[1] if len(xs) > 1 else None)  # noqa: E731
    from ..params import Params

    info = {"params_from": base_from, "family": dev.family, "kind": kind, "component": comp.name, "v_read": dev.v_read, "g_min": g_lo,
            "g_max": g_hi, "levels": dev.levels, "surrogate": dev.source, "tol": settings.tol,
            "settings": settings.to_dict(), "variation_cv": dev.variation_summary() if settings.variation else {},
            "tries": res.tries, "spice_runs": res.spice_runs, "open_loop_events": int(res.events_open),
            "confirm": settings.confirm if kind in ("pulse", "one-way") else "surrogate",
            "seconds": time.perf_counter() - t0,
            "orientation": "(n_in, n_out): rows are inputs, columns outputs"}
    return LayerMapping(name=name, synapse=comp.name, params=base.to_dict() if isinstance(base, Params) else {},
                        target_g=pair(targets), states=pair(states), achieved_g=pair(achieved), pulses=pair(pulses),
                        converged=np.logical_and.reduce(conv) | ~m, rel_error=rel, device_states=pair(own),
                        open_loop_g=pair(g_open), device_error=pair(dev_err),
                        saturated=np.logical_or.reduce(sat) & m, mask=m, info=info)


def _bar(progress: bool, total: int, desc: str) -> Any:
    from tqdm import tqdm

    import sys

    return tqdm(total=total, desc=desc, unit="try", disable=not progress, leave=False, file=sys.stderr,
                dynamic_ncols=True)


# -- models ------------------------------------------------------------------------------------
@dataclass
class _Target:
    name: str
    synapse: str
    target: tuple[np.ndarray, np.ndarray | None]
    mask: np.ndarray
    model: str | None


def _read_model(model_or_path: Any) -> tuple[dict[str, Any], dict[str, np.ndarray], str]:
    """(model.json, arrays, identity) of a trainer or STDP saved model (folder, model.json, or
    an already loaded ``(doc, arrays)``)."""
    if isinstance(model_or_path, tuple) and len(model_or_path) == 2 and isinstance(model_or_path[0], dict):
        doc, arrays = model_or_path
        h = hashlib.sha256(json.dumps(doc.get("arrays", doc.get("topology")), sort_keys=True, default=str).encode())
        for k in sorted(arrays):
            h.update(k.encode())
            h.update(np.ascontiguousarray(arrays[k]).tobytes())
        return doc, arrays, h.hexdigest()
    p = Path(model_or_path)
    folder = p.parent if p.suffix == ".json" else p
    if not (folder / "model.json").exists() and (folder / "model" / "model.json").exists():
        folder = folder / "model"  # a run folder: its model/
    mj = folder / "model.json"
    if not mj.exists():
        raise ValidationError(f"no saved model at {folder} (model.json missing).",
                              hint="Pass the model folder a training run wrote: `circuitsnn train CONFIG --out DIR` "
                                   "or `circuitsnn stdp CONFIG --out DIR` (the model is DIR/model).")
    try:
        doc = json.loads(mj.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{mj} cannot be read as JSON ({exc}).",
                              hint="The file is damaged: retrain, or restore it from the run folder.") from None
    if doc.get("schema") not in (TRAINED, STDP):
        raise ValidationError(f"{mj} is not a circuitsnn saved model (schema {doc.get('schema')!r}).",
                              hint=f"Map a model written by the trainer ({TRAINED}) or the STDP learner ({STDP}).")
    wf = folder / str(doc.get("weights_file", "weights.npz"))
    try:
        with np.load(wf) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, KeyError) as exc:
        raise ValidationError(f"the weights {wf} of the saved model cannot be read ({type(exc).__name__}: {exc}).",
                              hint="The file is missing or damaged: retrain, or restore it from the run folder.") from None
    h = hashlib.sha256(mj.read_bytes() + wf.read_bytes()).hexdigest()
    return doc, arrays, h


def _targets(doc: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[_Target]:
    """Every array of a saved model as conductance targets in the topology's orientation."""
    dev = doc.get("device") or {}
    if doc.get("schema") == STDP:
        comp = dev.get("component")
        if comp in (None, "ideal"):
            raise ValidationError("the STDP model learned on ideal weights: there are no devices to program.",
                                  hint="Learn with a device family ([device] component = ...) to deploy.")
        if "exc.g" not in arrays:
            raise ValidationError("the STDP model has no exc.g (device conductances) in its weights file.",
                                  hint="The file is damaged or from an older version: relearn it.")
        g = np.asarray(arrays["exc.g"], float)
        return [_Target("exc", comp, (g, None), np.isfinite(g), dev.get("model_file"))]
    iface = dev.get("interface") or {}
    comp = iface.get("component")
    if comp in (None, "ideal"):
        raise ValidationError("the model was trained on ideal weights: there are no devices to program.",
                              hint="Train with a device family ([synapse] component = ...) to deploy.")
    cfg_syn = (doc.get("config") or {}).get("synapse") or {}
    model = None if cfg_syn.get("nominal") else dev.get("surrogate_file")
    if model is not None and not Path(model).exists():
        model = None  # moved: the family's default surrogate (recorded in the mapping's info)
    out = []
    for a in doc.get("arrays", []):
        name = a["name"]
        try:
            gp, gn, mask = arrays[f"{name}.g_pos"], arrays[f"{name}.g_neg"], arrays[f"{name}.mask"]
        except KeyError as exc:
            raise ValidationError(f"array {name!r} of the saved model lacks {exc.args[0]!r} in its weights file.",
                                  hint="The file is damaged or from an older version: retrain.") from None
        out.append(_Target(name, comp, (np.asarray(gp, float).T, np.asarray(gn, float).T), np.asarray(mask).T.astype(bool),
                           model))
    if not out:
        raise ValidationError("the saved model lists no synapse arrays.", hint="The model.json is damaged: retrain.")
    return out


class Mapping:
    """Every array of a saved model mapped onto devices (:func:`map_model`)."""

    def __init__(self, layers: list[LayerMapping], *, settings: MapSettings, model: dict[str, Any] | None = None) -> None:
        self.layers = list(layers)
        self.settings = settings
        self.model = dict(model or {})

    def __getitem__(self, name: str) -> LayerMapping:
        for lm in self.layers:
            if lm.name == name:
                return lm
        raise KeyError(name)

    def report(self) -> dict[str, Any]:
        """Per layer: error (worst, median, p99; verified and open loop), events, unconverged."""
        rows = [lm.summary() for lm in self.layers]
        return {"schema": SCHEMA, "settings": self.settings.to_dict(), "model": self.model, "layers": rows,
                "unconverged": sum(r["unconverged"] for r in rows), "pulses": sum(r["pulses"]["total"] for r in rows),
                "worst": max((r["error"]["worst"] for r in rows), default=0.0)}

    def save(self, folder: str | Path) -> Path:
        """``folder/mapping.json`` (settings, model, layers' metadata and report) and one
        ``<layer>.npz`` per layer, each written atomically."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for lm in self.layers:
            _save_layer(folder, lm)
        _write_manifest(folder, self.settings, self.model, self.layers, done=True)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "Mapping":
        folder = Path(folder)
        doc = _read_manifest(folder)
        if doc is None:
            raise ValidationError(f"no mapping at {folder} (mapping.json missing).",
                                  hint="Write one with map_model(MODEL, out=DIR) or Mapping.save(DIR).")
        layers = [_load_layer(folder, meta) for meta in doc["layers"]]
        return cls(layers, settings=MapSettings.from_dict(doc["settings"]), model=doc.get("model"))

    def plot(self, path: str | Path) -> Path:
        """A PNG: per layer the histogram of the mapping error (open loop and verified, the
        tolerance marked) and of the events used per device."""
        from .mapping_plots import plot_mapping

        return plot_mapping(self, path)


def _save_layer(folder: Path, lm: LayerMapping) -> None:
    tmp = folder / f"{lm.name}.npz.tmp.npz"
    np.savez_compressed(tmp, **lm.arrays())
    os.replace(tmp, folder / f"{lm.name}.npz")


def _load_layer(folder: Path, meta: dict[str, Any]) -> LayerMapping:
    path = folder / f"{meta['name']}.npz"
    try:
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as exc:
        raise ValidationError(f"mapping layer file {path} cannot be read ({exc}).",
                              hint="Delete it (and its entry in mapping.json) to map that layer again.") from None
    return LayerMapping.from_saved(meta, arrays)


def _write_manifest(folder: Path, settings: MapSettings, model: dict[str, Any], layers: list[LayerMapping], *,
                    done: bool) -> None:
    from ..surrogates.artifacts import _clean

    doc = {"schema": SCHEMA, "settings": settings.to_dict(), "model": model, "complete": done,
           "layers": [lm.meta() for lm in layers],
           "report": [lm.summary() for lm in layers]}
    tmp = folder / "mapping.json.tmp"
    tmp.write_text(json.dumps(_clean(doc), indent=2) + "\n")
    os.replace(tmp, folder / "mapping.json")


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / "mapping.json"
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
    except ValueError as exc:
        raise ValidationError(f"{path} cannot be read ({exc}).", hint="Delete the folder to map again.") from None
    if doc.get("schema") != SCHEMA:
        raise ValidationError(f"{path} is not a circuitsnn mapping (schema {doc.get('schema')!r}).",
                              hint="Give map_model an output folder of its own.")
    return doc


def map_model(model_or_path: Any, *, tol: float = 0.01, max_tries: int = 8, max_pulses: int = 2000,
              variation: bool = True, sigma_scale: float = 1.0, seed: int = 0, confirm: str = "surrogate",
              progress: bool = True, out: str | Path | None = None) -> Mapping:
    """Map every synapse array of a saved model (the trainer's ``circuitsnn.trained/1`` or the
    STDP learner's ``circuitsnn.stdp/1``: a folder, its ``model.json``, a run folder holding
    ``model/``, or a loaded ``(doc, arrays)``) onto devices of its family.

    ``tol``: conductance tolerance relative to the range; ``max_tries``: program-and-verify
    rounds (1: open loop); ``variation``: devices drawn from the fitted Monte Carlo (``seed``,
    ``sigma_scale``); ``confirm``: "surrogate" or "spice" (the device is the subcircuit in
    ngspice). ``out``: each layer is saved there as it finishes, and a rerun with the same
    model and settings resumes from the finished layers (a different model or settings there
    is an error)."""
    settings = MapSettings(tol=tol, max_tries=max_tries, max_pulses=max_pulses, variation=variation,
                           sigma_scale=sigma_scale, seed=seed, confirm=confirm)
    doc, arrays, ident = _read_model(model_or_path)
    targets = _targets(doc, arrays)
    where = None if isinstance(model_or_path, tuple) else str(model_or_path)
    model = {"path": where, "schema": doc.get("schema"), "sha256": ident,
             "layers": [t.name for t in targets]}
    done: dict[str, LayerMapping] = {}
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        prev = _read_manifest(folder)
        if prev is not None:
            if prev.get("model", {}).get("sha256") != ident or prev.get("settings") != settings.to_dict():
                raise ValidationError(f"{folder} holds a mapping of another model or with other settings.",
                                      hint="Use a new output folder, or delete this one to map again.")
            for meta in prev["layers"]:
                if (folder / f"{meta['name']}.npz").exists():
                    done[meta["name"]] = _load_layer(folder, meta)
    layers: list[LayerMapping] = []
    for t in targets:
        if t.name in done:
            layers.append(done[t.name])
            continue
        try:
            lm = map_layer(t.synapse, t.target, name=t.name, mask=t.mask, model=t.model, settings=settings,
                           progress=progress)
        except ValidationError as exc:
            if repr(t.name) in exc.message:
                raise
            raise ValidationError(f"layer {t.name!r} ({t.synapse}): {exc.message}", hint=exc.hint) from None
        layers.append(lm)
        if folder is not None:
            _save_layer(folder, lm)
            _write_manifest(folder, settings, model, layers, done=len(layers) == len(targets))
    result = Mapping(layers, settings=settings, model=model)
    if folder is not None:
        _write_manifest(folder, settings, model, layers, done=True)
    return result


__all__ = ["MapSettings", "LayerMapping", "Mapping", "map_model", "map_layer", "program_devices", "plan_trains",
           "event_kind"]
