"""Optocoupler synapse: an LED whose light sets a photoresistor's conductance.

The weight signal drives an LED (diode model with series resistance, behind a current-limiting
resistor); the photoresistor between ``in`` and ``out`` carries the synaptic current. The
steady-state photoconductance is a power law of the LED current, and it follows the light with
a first-order lag that is faster switching on than off (CdS cells)::

    G_ss   = G_dark + k * I_led^gamma
    dG/dt  = (G_ss - G) / tau,   tau = tau_on if G_ss > G else tau_off
    I(in -> out) = G * v(in, out)

Pinout::

            Rlim    LED            photoresistor G(t)
    led o--/\\/\\--|>|--+ 0         in o---[ G ]---o out
                                          ^ light
Sources: Ryndin, Andreeva, Luchinin, Goncharov et al. (2021), optocoupler synapse (see
shared/notes/references.md). Defaults are typical of a CdS photocell optocoupler such as the
VTL5C-series Vactrols (roughly 0.6 kOhm at 20 mA, tens of MOhm dark, milliseconds on and tens
of milliseconds off); red/IR LED about 2.0 V at 20 mA. Check a data sheet before relying on them.

Inside the subcircuit the conductance is the voltage of node ``g`` in millisiemens
(``v(g) = G * 1 kOhm``, the "1 F trick": a 1 F capacitor integrates the rate current), and
``gss`` is ``G_ss`` on the same scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...params import Params, quantity
from ..registry import Component, Testbench, register
from ...spice.ir import B, C, Comment, D, Dc, DcSweep, Deck, Expr, Model, R, Subckt, Tran, V, X
from .common import crossing_time, differential, pulse_train, pwl, sample, spike_testbench, values_doc

#: The state node holds G in mS: v(g) = G * G_SCALE.
G_SCALE = 1e3
#: LED current floor (A) inside the power law: keeps d(I^gamma)/dI finite at zero current.
I_FLOOR = 1e-12


@dataclass(frozen=True, kw_only=True)
class OptocouplerParams(Params):
    """LED + photoresistor synapse. ``G_ss = g_dark + k_photo * I_led^gamma``; asymmetric lag
    ``tau_on``/``tau_off``. Defaults: VTL5C1-class Vactrol (see module docstring)."""

    prefix = "opto"

    led_is: float = quantity(1e-19, unit="A", doc="LED saturation current", gt=0, lt=1e-6)
    led_n: float = quantity(2.0, unit="1", doc="LED emission coefficient", ge=1, le=5)
    led_rs: float = quantity(10.0, unit="Ohm", doc="LED series resistance", gt=0)
    r_limit: float = quantity(150.0, unit="Ohm", doc="Drive resistor between 'led' and the LED anode", gt=0)
    g_dark: float = quantity(2e-8, unit="S", doc="Photoresistor dark conductance", gt=0)
    k_photo: float = quantity(
        0.038, unit="S/A^gamma", doc="Photoconductance per LED current to the power gamma", gt=0
    )
    gamma: float = quantity(0.8, unit="1", doc="Power-law exponent of G vs LED current", gt=0, le=2)
    tau_on: float = quantity(2.5e-3, unit="s", doc="Time constant while G rises (light on)", gt=0)
    tau_off: float = quantity(35e-3, unit="s", doc="Time constant while G falls (light off)", gt=0)

    def g_steady(self, i_led: float | np.ndarray) -> float | np.ndarray:
        """Steady-state conductance (S) at LED current ``i_led`` (A)."""
        return self.g_dark + self.k_photo * np.maximum(i_led, 0.0) ** self.gamma


def subckt(p: OptocouplerParams) -> Subckt:
    """The optocoupler synapse ``.subckt <tag> in out led``."""
    gd, kp = p.g_dark * G_SCALE, p.k_photo * G_SCALE
    a = 1.0 / p.tau_off
    b = 1.0 / p.tau_on - 1.0 / p.tau_off
    elements = (
        Comment("LED: led -> Rlim -> ammeter Vled -> diode -> ground"),
        R("Rlim", "led", "la", p.r_limit),
        V("Vled", "la", "lk", 0.0),
        D("Dled", "lk", "0", "dled"),
        Comment("steady-state photoconductance, mS: gss = (g_dark + k*I_led^gamma)*1k"),
        B("Bss", "gss", "0", v=Expr.fmt("{gd}+{kp}*pow(uramp(i(Vled))+{fl},{gm})", gd=gd, kp=kp, fl=I_FLOOR, gm=p.gamma)),
        Comment("first-order lag, tau_on rising, tau_off falling: v(g) = G*1k"),
        B("Bg", "0", "g", i=Expr.fmt("(v(gss)-v(g))*{a}+uramp(v(gss)-v(g))*{b}", a=a, b=b)),
        C("Cg", "g", "0", 1.0),
        Comment("photoresistor: I(in -> out) = G*v(in,out)"),
        B("Bph", "in", "out", i=Expr.fmt("v(in,out)*v(g)*{s}", s=1.0 / G_SCALE)),
    )
    models = (Model("dled", "D", {"is": p.led_is, "n": p.led_n, "rs": p.led_rs}),)
    doc = (
        f"Optocoupler synapse {p.tag()} (circuitsnn.devices.optocoupler)\n"
        "ports: in out led   (led: LED drive voltage, to ground through Rlim and the LED)\n"
        "G_ss = g_dark + k*I_led^gamma, dG/dt = (G_ss-G)/tau (tau_on rising, tau_off falling)\n"
        f"{values_doc(p)}"
    )
    return Subckt(p.tag(), ("in", "out", "led"), elements, models=models, doc=doc)


def signed(pos: OptocouplerParams, neg: OptocouplerParams | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed optocoupler synapse (last one: ``in out led_p led_n``)."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


# -- testbenches -------------------------------------------------------------------------------


def _deck(title: str, p: OptocouplerParams, elements, analyses, doc: str = "") -> Deck:
    return Deck(title, elements=tuple(elements), subckts=(subckt(p),), analyses=tuple(analyses), doc=doc)


def tb_transfer(p: OptocouplerParams, *, v_led_max: float = 5.0, step: float = 0.05, v_read: float = 0.1) -> Testbench:
    """DC: conductance vs LED current, sweeping the LED drive 0..v_led_max at a small read voltage."""
    name = subckt(p).name
    els = [
        V("Vin", "in", "0", v_read),
        V("Vled", "led", "0", 0.0),
        X("X1", ("in", "out", "led"), name),
        V("Vout", "out", "0", 0.0),
    ]
    deck = _deck("optocoupler G vs LED current", p, els, [DcSweep("Vled", 0.0, v_led_max, step)])

    def measure(res: Any) -> dict:
        dc = res.dc
        i_led = -np.asarray(dc.i("Vled"))
        return {"v_led": np.asarray(dc.axis), "i_led": i_led, "g": np.asarray(dc.i("Vout")) / v_read}

    return Testbench(
        "transfer", deck, ("i(vout)", "i(vled)"), "G vs LED current (DC sweep of the LED drive)",
        measure, {"v_led": "V", "i_led": "A", "g": "S"}, "xy:i_led:g",
    )


def tb_iv(p: OptocouplerParams, *, v_leds: tuple[float, ...] = (0.0, 2.2, 3.0, 5.0), v_max: float = 1.0, step: float = 0.05) -> Testbench:
    """DC I-V of the photoresistor (in swept -v_max..v_max), one copy per LED drive voltage."""
    name = subckt(p).name
    els: list = [V("Vin", "in", "0", 0.0)]
    for k, vl in enumerate(v_leds):
        els += [V(f"Vled{k}", f"led{k}", "0", vl), X(f"X{k}", ("in", f"out{k}", f"led{k}"), name), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("optocoupler I-V at several LED drives", p, els, [DcSweep("Vin", -v_max, v_max, step)])

    def measure(res: Any) -> dict:
        dc = res.dc
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(v_leds))])
        return {"v": np.asarray(dc.axis), "v_led": np.asarray(v_leds, float), "i": i}

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(v_leds))), "photoresistor I-V, one curve per LED drive",
        measure, {"v": "V", "v_led": "V", "i": "A"}, "sweep",
    )


def tb_step(p: OptocouplerParams, *, v_led: float = 3.0, v_read: float = 0.1, t_on: float | None = None, t_off: float | None = None) -> Testbench:
    """LED switched on for ``t_on`` (default 8 tau_on) then off for ``t_off`` (default 2 tau_off);
    measures the 63.2 % rise and fall times, which equal tau_on and tau_off for a first-order lag."""
    t_on = 8 * p.tau_on if t_on is None else t_on
    t_off = 2 * p.tau_off if t_off is None else t_off
    t1, edge = 0.1 * p.tau_on, 1e-3 * min(p.tau_on, p.tau_off)  # t1: dark level settled
    t2 = t1 + t_on
    name = subckt(p).name
    wave = pwl([(0.0, 0.0), (t1, 0.0), (t1 + edge, v_led), (t2, v_led), (t2 + edge, 0.0)])
    els = [V("Vin", "in", "0", v_read), V("Vled", "led", "0", wave), X("X1", ("in", "out", "led"), name), V("Vout", "out", "0", 0.0)]
    stop = t2 + t_off
    max_step = min(p.tau_on, p.tau_off) / 200
    deck = _deck("optocoupler LED step response", p, els, [Tran(max_step, stop, 0.0, max_step)])

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        g = np.asarray(tr.i("Vout")) / v_read
        g0 = float(sample(t, g, [t1])[0])
        g_hi = float(sample(t, g, [t2])[0])
        tau_on = crossing_time(t, g, g0 + (1 - np.exp(-1)) * (g_hi - g0), t1 + edge) - (t1 + edge)
        # light off: G decays back to the dark level measured before the step
        tau_off = crossing_time(t, g, g0 + np.exp(-1) * (g_hi - g0), t2 + edge) - (t2 + edge)
        return {"time": t, "g": g, "tau_on": tau_on, "tau_off": tau_off, "g_on": g_hi}

    return Testbench(
        "step", deck, ("i(vout)", "v(x1.g)", "v(x1.gss)"), "LED step on/off: rise (tau_on) and fall (tau_off)",
        measure, {"time": "s", "g": "S", "tau_on": "s", "tau_off": "s", "g_on": "S"}, "transient",
    )


def tb_program(
    p: OptocouplerParams,
    *,
    amplitude: float = 3.0,
    width: float = 1e-3,
    period: float = 2e-3,
    count: int = 10,
    v_read: float = 0.1,
) -> Testbench:
    """Identical LED pulses: conductance at the end of each pulse vs pulse number (the
    photoresistor integrates light with tau_on and forgets with tau_off)."""
    name = subckt(p).name
    edge = min(width / 20, 1e-5)
    delay = period - width
    pts = pulse_train(count, amplitude, width, period, delay=delay, edge=edge)
    els = [V("Vin", "in", "0", v_read), V("Vled", "led", "0", pwl(pts)), X("X1", ("in", "out", "led"), name), V("Vout", "out", "0", 0.0)]
    stop = delay + count * period
    ms = min(width / 20, p.tau_on / 50)
    deck = _deck("optocoupler LED pulse train", p, els, [Tran(ms, stop, 0.0, ms)])
    ends = delay + np.arange(count) * period + width - edge

    def measure(res: Any) -> dict:
        tr = res.tran
        g = np.asarray(tr.i("Vout")) / v_read
        return {"pulse": np.arange(1, count + 1), "g": sample(tr.time, g, ends)}

    return Testbench(
        "program", deck, ("i(vout)", "v(x1.g)"), "conductance after each identical LED pulse",
        measure, {"pulse": "1", "g": "S"}, "xy:pulse:g",
    )


def tb_spike(p: OptocouplerParams, *, v_led: float = 3.0, amplitude: float = 1.0, width: float = 1e-3, delay: float = 1e-3) -> Testbench:
    """Transient: one presynaptic voltage spike on ``in`` at a constant LED drive; the output
    current into a grounded ``out``."""
    return spike_testbench(
        "optocoupler presynaptic spike", subckt(p), ("in", "out", "led"),
        controls=[V("Vled", "led", "0", Dc(v_led))], amplitude=amplitude, width=width, delay=delay,
    )


COMPONENT = register(
    Component(
        name="optocoupler",
        kind="synapse",
        family="optocoupler",
        params_cls=OptocouplerParams,
        subckt=subckt,
        testbenches={"transfer": tb_transfer, "iv": tb_iv, "step": tb_step, "program": tb_program, "spike": tb_spike},
        summary="LED + photoresistor: G = G_dark + k*I_led^gamma with asymmetric on/off lag",
        pinout="in out led   (in -> out: photoresistor; led: LED drive to ground via Rlim)",
        equation="G_ss = G_dark + k*I_led^gamma; dG/dt = (G_ss - G)/tau_on|tau_off; I = G*v(in,out)",
        reference="Ryndin, Andreeva, Luchinin, Goncharov et al. 2021 (optocoupler synapse); VTL5C1 data sheet",
    )
)
