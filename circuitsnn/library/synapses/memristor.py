"""Memristive synapses: Biolek and VTEAM state-variable models.

Both share the resistance law and the state node::

    R(x) = R_on * x + R_off * (1 - x),   x in [0, 1] (x = 1: fully ON, low resistance)
    I(in -> out) = v(in, out) / R(x)

and differ in how the state moves.

**Biolek** (Biolek, Biolek, Biolkova, Radioengineering 18(2), 2009; HP TiO2 device of Strukov
et al., Nature 453, 2008)::

    dx/dt = mu_v * R_on / D^2 * i * f(x, i),   f(x, i) = 1 - (x - stp(-i))^(2p)

The window vanishes at the boundary the current drives towards and not at the other, so the
state never sticks, and it changes sign outside [0, 1], which pulls the state back. Defaults:
the HP device (R_on 100 Ohm, R_off 16 kOhm, D 10 nm, mu_v 1e-14 m^2/(V s)), switching in
about a second at 1 V.

**VTEAM** (Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 62(8), 2015), written for the
normalized state with thresholds and asymmetric rates::

    dx/dt =  k_on  * (v/v_on  - 1)^alpha_on  * f_on(x),    v > v_on  > 0   (SET, towards R_on)
    dx/dt = -k_off * (v/v_off - 1)^alpha_off * f_off(x),   v < v_off < 0   (RESET, towards R_off)
    dx/dt = 0 otherwise;  f_on(x) = 1 - x^(2p),  f_off(x) = 1 - (1 - x)^(2p)

Polarity note: here a positive ``v(in, out)`` above ``v_on`` switches ON, as a positive current
does in the Biolek model (Kvatinsky's paper uses the opposite sign, v_on < 0 < v_off). Default
values are illustrative of oxide ReRAM (kOhm-MOhm, thresholds of 0.5-1 V), with rates chosen
so that 1 V, 1 us pulses move the state a few per cent, SET (+1 V) about twice as fast as
RESET (-1 V).

Pinout (both)::

    in o---[ R(x) ]---o out      programmed by voltage pulses across in/out

Inside the subcircuit node ``x`` holds the state (1 F trick: a 1 F capacitor integrates the
rate current). The windows bound it in exact arithmetic; a clamp term in the rate,
``-1e9 * (uramp(x - 1) - uramp(-x))``, stops a coarse time step from overshooting (measured
within 2e-4 of [0, 1] at 20 points per period and 3x the switching voltage). Its DC value,
and so the state at t = 0, is the subcircuit parameter ``x0`` (a DC bias across a Biolek device
at t = 0 would drive the DC state to a bound: start network decks with the inputs at 0 V).
Probe ``v(<instance>.x)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ...params import Params, quantity
from ..registry import Component, Testbench, register
from ...spice.ir import B, C, Comment, Deck, Expr, R, Sin, Subckt, Tran, V, X
from ...units import format_value as fv
from .common import HOLD_TAU, differential, even_power, int_power, pwl, sample, spike_testbench, values_doc


@dataclass(frozen=True, kw_only=True)
class _MemristorBase(Params):
    r_on: float = quantity(100.0, unit="Ohm", doc="Resistance in the ON state (x = 1)", gt=0)
    r_off: float = quantity(16e3, unit="Ohm", doc="Resistance in the OFF state (x = 0)", gt=0)
    p: int = quantity(1, unit="1", doc="Window exponent (the window is 1 - (...)^(2p))", ge=1, le=10, integer=True)
    x0: float = quantity(0.1, unit="1", doc="Initial state (0 = OFF, 1 = ON)", ge=0, le=1)

    def check(self) -> None:
        if not self.r_on < self.r_off:
            self.fail("r_on", f"= {self.r_on!r} must be below r_off = {self.r_off!r} Ohm")

    def resistance(self, x: float | np.ndarray) -> float | np.ndarray:
        """R(x) (Ohm)."""
        return self.r_on * np.asarray(x) + self.r_off * (1 - np.asarray(x))


@dataclass(frozen=True, kw_only=True)
class BiolekParams(_MemristorBase):
    """Biolek window model; defaults: the HP TiO2 memristor (see module docstring)."""

    prefix = "mbio"

    d: float = quantity(10e-9, unit="m", doc="Film thickness D", gt=0)
    mu_v: float = quantity(1e-14, unit="m^2/(V s)", doc="Dopant mobility", gt=0)

    @property
    def k(self) -> float:
        """State rate per ampere, mu_v R_on / D^2 (1/(A s))."""
        return self.mu_v * self.r_on / self.d**2


@dataclass(frozen=True, kw_only=True)
class VteamParams(_MemristorBase):
    """VTEAM threshold model (see module docstring for the polarity convention)."""

    prefix = "mvt"

    r_on: float = quantity(10e3, unit="Ohm", doc="Resistance in the ON state (x = 1)", gt=0)
    r_off: float = quantity(1e6, unit="Ohm", doc="Resistance in the OFF state (x = 0)", gt=0)
    p: int = quantity(2, unit="1", doc="Window exponent (the window is 1 - (...)^(2p))", ge=1, le=10, integer=True)
    v_on: float = quantity(0.7, unit="V", doc="SET threshold (positive): above it x rises", gt=0)
    v_off: float = quantity(-0.6, unit="V", doc="RESET threshold (negative): below it x falls", lt=0)
    k_on: float = quantity(4e5, unit="1/s", doc="SET rate coefficient", gt=0)
    k_off: float = quantity(5e4, unit="1/s", doc="RESET rate coefficient", gt=0)
    alpha_on: float = quantity(3.0, unit="1", doc="SET voltage exponent", gt=0, le=20)
    alpha_off: float = quantity(3.0, unit="1", doc="RESET voltage exponent", gt=0, le=20)

    def check(self) -> None:
        super().check()
        if not self.v_off < 0 < self.v_on:
            self.fail("v_on", f"and v_off must satisfy v_off < 0 < v_on, got v_off = {self.v_off!r} V, v_on = {self.v_on!r} V")


#: Rate (1/s) that pulls the state node back into [0, 1] when a time step overshoots a bound:
#: the windows alone let a coarse step overshoot until R(x) reaches zero. Two uramp() terms in
#: the rate only; clamping x inside R(x) and the windows as well made a 300-device deck 2-3x
#: slower for no visible gain.
CLAMP_RATE = 1e9


def _common(p: _MemristorBase, rate: Expr, what: str) -> tuple:
    return (
        Comment("I(in -> out) = v(in,out)/R(x), R(x) = R_on*x + R_off*(1-x)"),
        B("Bm", "in", "out", i=Expr(f"v(in,out)/({fv(p.r_off)}-{fv(p.r_off - p.r_on)}*v(x))")),
        Comment(f"state x on a 1 F capacitor: {what}"),
        B("Bx", "0", "x", i=Expr(f"{rate.text}-{fv(CLAMP_RATE)}*(uramp(v(x)-1)-uramp(-v(x)))")),
        C("Cx", "x", "0", 1.0),
        Comment("sets the state at t = 0 (DC) to x0; time constant 1e12 s"),
        R("Rh", "x", "xi", HOLD_TAU),
        V("V0", "xi", "0", Expr("x0")),
    )


def subckt_biolek(p: BiolekParams) -> Subckt:
    """Biolek memristor ``.subckt <tag> in out params: x0=...``."""
    window = "1-" + even_power("v(x)-u(-v(in,out))", 2 * p.p)
    rate = Expr(f"{fv(p.k)}*v(in,out)/({fv(p.r_off)}-{fv(p.r_off - p.r_on)}*v(x))*({window})")
    doc = (
        f"Biolek memristor {p.tag()} (circuitsnn.devices.memristor)\n"
        "ports: in out   (programmed by voltage across in/out). Instance parameter x0: initial state.\n"
        "R = R_on*x + R_off*(1-x); dx/dt = mu_v*R_on/D^2 * i * (1 - (x - stp(-i))^(2p))\n"
        f"{values_doc(p)}"
    )
    return Subckt(p.tag(), ("in", "out"), _common(p, rate, "dx/dt = k*i*f(x,i)"), params={"x0": p.x0}, doc=doc)


def subckt_vteam(p: VteamParams) -> Subckt:
    """VTEAM memristor ``.subckt <tag> in out params: x0=...``."""
    on = int_power(f"uramp(v(in,out)*{fv(1.0 / p.v_on)}-1)", p.alpha_on)
    off = int_power(f"uramp(v(in,out)*{fv(1.0 / p.v_off)}-1)", p.alpha_off)
    f_on = "1-" + even_power("v(x)", 2 * p.p)
    f_off = "1-" + even_power("1-v(x)", 2 * p.p)
    rate = Expr(f"{fv(p.k_on)}*{on}*({f_on})-{fv(p.k_off)}*{off}*({f_off})")
    doc = (
        f"VTEAM memristor {p.tag()} (circuitsnn.devices.memristor)\n"
        "ports: in out   (programmed by voltage across in/out). Instance parameter x0: initial state.\n"
        "R = R_on*x + R_off*(1-x); dx/dt = k_on(v/v_on-1)^a_on(1-x^2p) for v > v_on,\n"
        "-k_off(v/v_off-1)^a_off(1-(1-x)^2p) for v < v_off (v_off < 0 < v_on), else 0\n"
        f"{values_doc(p)}"
    )
    return Subckt(p.tag(), ("in", "out"), _common(p, rate, "VTEAM thresholds and windows"), params={"x0": p.x0}, doc=doc)


def _subckt(p: _MemristorBase) -> Subckt:
    return subckt_biolek(p) if isinstance(p, BiolekParams) else subckt_vteam(p)  # type: ignore[arg-type]


def signed(pos: _MemristorBase, neg: _MemristorBase | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed pair (last: ``in out``). Both devices see the same v(in)-v(out),
    so a pulse on ``in`` programs both alike: program a pair through each device's own
    terminals, or preset the states with the pair's instance parameters ``x0_p``/``x0_n``."""
    sp = _subckt(pos)
    sn = _subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


# -- testbenches -------------------------------------------------------------------------------


def _lobe_areas(t: np.ndarray, v: np.ndarray, i: np.ndarray, period: float) -> tuple[float, float]:
    """|integral of i dv| over the first positive and first negative half periods."""
    out = []
    for a, b in ((0.0, period / 2), (period / 2, period)):
        m = (t > a) & (t < b)
        tt = np.concatenate([[a], t[m], [b]])
        vv = np.interp(tt, t, v)
        ii = np.interp(tt, t, i)
        out.append(abs(float(np.trapezoid(ii, vv))))
    return out[0], out[1]


def _tb_iv(p: _MemristorBase, freqs: tuple[float, ...], amplitude: float, points: int) -> Testbench:
    """Sine drive, one copy per frequency; the pinched hysteresis loop and its lobe areas.
    Measures ``v``/``i``/``x``: the lowest-frequency copy; ``*_all``: every copy (rows = freqs)."""
    sub = _subckt(p)
    els: list = []
    for k, f in enumerate(freqs):
        els += [V(f"Vs{k}", f"in{k}", "0", Sin(0.0, amplitude, f)), X(f"X{k}", (f"in{k}", f"out{k}"), sub.name), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    stop = 1.0 / min(freqs)
    ms = 1.0 / (max(freqs) * points)
    deck = Deck("memristor sine I-V (pinched hysteresis)", elements=tuple(els), subckts=(sub,), analyses=(Tran(ms, stop, 0.0, ms),))

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        v = np.stack([np.asarray(tr[f"in{k}"]) for k in range(len(freqs))])
        i = np.stack([np.asarray(tr.i(f"Vout{k}")) for k in range(len(freqs))])
        x = np.stack([np.asarray(tr[f"x{k}.x"]) for k in range(len(freqs))])
        lobes = np.array([_lobe_areas(t, v[k], i[k], 1.0 / f) for k, f in enumerate(freqs)])
        # current where the voltage crosses zero (the pinch), relative to the peak current
        pinch = []
        for k, f in enumerate(freqs):
            tz = np.array([0.5, 1.0]) / f
            tz = tz[tz <= t[-1]]
            pinch.append(float(np.max(np.abs(sample(t, i[k], tz)))) / float(np.max(np.abs(i[k]))))
        k0 = int(np.argmin(freqs))  # v, i, x: the loop at the lowest frequency (for the plot)
        return {
            "time": t, "v": v[k0], "i": i[k0], "x": x[k0],
            "v_all": v, "i_all": i, "x_all": x, "freq": np.asarray(freqs, float),
            "lobe_area": lobes.sum(axis=1), "lobe_pos": lobes[:, 0], "lobe_neg": lobes[:, 1],
            "pinch": np.asarray(pinch),
        }

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(freqs))) + tuple(f"v(x{k}.x)" for k in range(len(freqs))),
        "sine I-V at several frequencies: pinched loop, lobe area falls with frequency", measure,
        {
            "time": "s", "v": "V", "i": "A", "x": "1", "v_all": "V", "i_all": "A", "x_all": "1", "freq": "Hz",
            "lobe_area": "W", "lobe_pos": "W", "lobe_neg": "W", "pinch": "1",
        },
        "xy:v:i",
    )


def _tb_program(
    p: _MemristorBase,
    *,
    amp_pot: float,
    amp_dep: float,
    width: float,
    count_pot: int,
    count_dep: int,
    v_read: float,
    read_width: float,
    edge: float,
) -> Testbench:
    """Identical potentiating then depressing pulses, each followed by a small read pulse."""
    sub = _subckt(p)
    pts: list[tuple[float, float]] = [(0.0, 0.0)]
    reads = []
    t = 2 * edge

    def pulse(t0: float, a: float, w: float) -> None:
        pts.extend([(t0, 0.0), (t0 + edge, a), (t0 + w - edge, a), (t0 + w, 0.0)])

    pulse(t, v_read, read_width)  # read the initial state
    reads.append(t + read_width / 2)
    t += read_width + 2 * edge
    for k in range(count_pot + count_dep):
        pulse(t, amp_pot if k < count_pot else amp_dep, width)
        t += width + edge
        pulse(t, v_read, read_width)
        reads.append(t + read_width / 2)
        t += read_width + 2 * edge
    stop = t
    els = [V("Vin", "in", "0", pwl(pts)), X("X1", ("in", "out"), sub.name), V("Vout", "out", "0", 0.0)]
    ms = min(width, read_width) / 10
    deck = Deck("memristor pulse programming", elements=tuple(els), subckts=(sub,), analyses=(Tran(ms, stop, 0.0, ms),))

    def measure(res: Any) -> dict:
        tr = res.tran
        g = sample(tr.time, np.asarray(tr.i("Vout")), reads) / v_read
        x = sample(tr.time, np.asarray(tr["x1.x"]), reads)
        n = np.arange(count_pot + count_dep + 1)
        return {"pulse": n, "g": g, "x": x, "count_pot": count_pot, "count_dep": count_dep}

    return Testbench(
        "program", deck, ("i(vout)", "v(x1.x)", "v(in)"),
        "conductance (read pulses) after each identical potentiating, then depressing, pulse",
        measure, {"pulse": "1", "g": "S", "x": "1", "count_pot": "1", "count_dep": "1"}, "xy:pulse:g",
    )


def _tb_spike(p: _MemristorBase, *, amplitude: float, width: float, delay: float) -> Testbench:
    """Transient: one presynaptic spike on ``in``, ``out`` grounded; output current and state."""
    def state(res: Any) -> dict:
        x = np.asarray(res.tran["x1.x"])
        return {"x": x, "dx": float(x[-1] - x[0])}

    return spike_testbench(
        "memristor presynaptic spike", _subckt(p), ("in", "out"), amplitude=amplitude, width=width, delay=delay,
        extra_probes=("v(x1.x)",), extra_measure=state, extra_units={"x": "1", "dx": "1"},
    )


# Biolek testbenches: HP device time scales (seconds at 1 V).
def tb_biolek_iv(p: BiolekParams, *, freqs: tuple[float, ...] = (1.0, 2.0, 4.0), amplitude: float = 1.0, points: int = 200) -> Testbench:
    return _tb_iv(p, freqs, amplitude, points)


def tb_biolek_program(p: BiolekParams, *, amp_pot: float = 1.0, amp_dep: float = -1.0, width: float = 50e-3, count_pot: int = 15, count_dep: int = 15, v_read: float = 0.05, read_width: float = 2e-3) -> Testbench:
    return _tb_program(p, amp_pot=amp_pot, amp_dep=amp_dep, width=width, count_pot=count_pot, count_dep=count_dep, v_read=v_read, read_width=read_width, edge=width / 100)


def tb_biolek_spike(p: BiolekParams, *, amplitude: float = 1.0, width: float = 1e-3, delay: float = 1e-3) -> Testbench:
    return _tb_spike(p, amplitude=amplitude, width=width, delay=delay)


# VTEAM testbenches: microsecond pulses.
def tb_vteam_iv(p: VteamParams, *, freqs: tuple[float, ...] = (10e3, 20e3, 40e3), amplitude: float = 1.2, points: int = 200) -> Testbench:
    return _tb_iv(p, freqs, amplitude, points)


def tb_vteam_program(p: VteamParams, *, amp_pot: float = 1.0, amp_dep: float = -1.0, width: float = 1e-6, count_pot: int = 20, count_dep: int = 20, v_read: float = 0.2, read_width: float = 0.2e-6) -> Testbench:
    return _tb_program(p, amp_pot=amp_pot, amp_dep=amp_dep, width=width, count_pot=count_pot, count_dep=count_dep, v_read=v_read, read_width=read_width, edge=width / 50)


def tb_vteam_spike(p: VteamParams, *, amplitude: float = 1.0, width: float = 1e-6, delay: float = 1e-6) -> Testbench:
    return _tb_spike(p, amplitude=amplitude, width=width, delay=delay)


def _register(name: str, cls: type, sub: Callable, tbs: dict, summary: str, equation: str, reference: str) -> Component:
    return register(
        Component(
            name=name, kind="synapse", family="memristor", params_cls=cls, subckt=sub, testbenches=tbs,
            summary=summary, pinout="in out   (R(x) between in and out; programmed by voltage pulses across it)",
            equation=equation, reference=reference,
        )
    )


BIOLEK = _register(
    "memristor_biolek", BiolekParams, subckt_biolek,
    {"iv": tb_biolek_iv, "program": tb_biolek_program, "spike": tb_biolek_spike},
    "Biolek-window memristor (HP TiO2 defaults): R = R_on x + R_off (1-x)",
    "dx/dt = mu_v R_on/D^2 * i * (1 - (x - stp(-i))^(2p)); R = R_on x + R_off (1-x)",
    "Biolek, Biolek, Biolkova, Radioengineering 2009; Strukov et al., Nature 2008",
)
VTEAM = _register(
    "memristor_vteam", VteamParams, subckt_vteam,
    {"iv": tb_vteam_iv, "program": tb_vteam_program, "spike": tb_vteam_spike},
    "VTEAM threshold memristor: asymmetric SET/RESET rates above voltage thresholds",
    "dx/dt = k_on (v/v_on-1)^a_on f_on(x) [v>v_on] - k_off (v/v_off-1)^a_off f_off(x) [v<v_off]",
    "Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 2015",
)
