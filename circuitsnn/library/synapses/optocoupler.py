"""Optocoupler synapse: an LED whose light sets a photoresistor's conductance (the component).

The law (power-law steady conductance of the LED current, asymmetric first-order lag, the
photoresistor branch) and the parameters live in :mod:`circuitsnn.physics.optocoupler`. The LED
itself is a real ngspice diode primitive of the law (model ``dled``: ``is``, ``n``, ``rs``)
behind the drive resistor; the ammeter ``Vled`` in series with it gives the law its input
``i(Vled)``. Pinout::

            Rlim    LED            photoresistor G(t)
    led o--/\\/\\--|>|--+ 0         in o---[ G ]---o out
                                          ^ light

Inside the subcircuit the conductance is the voltage of node ``g`` in microsiemens
(``v(g) = G * 1 MOhm``), and ``gss`` is ``G_ss`` on the same scale.

:func:`read_mode` is the lean read-mode variant for large networks: the photoresistor at the
steady conductance of a held LED drive, one resistor (the read is linear).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...params import Params
from ...units import si_format
from ...physics.constants import T_NOMINAL, thermal_voltage
from ...physics.diode import diode_series_current
from ...physics.law import values_of
from ...physics.optocoupler import G_SCALE, I_FLOOR, LAW, OptocouplerParams  # noqa: F401  (re-exported)
from ..registry import Component, Testbench, TestbenchBuilder, register
from ...spice.ir import Dc, DcSweep, Deck, Expr, R, Subckt, Tran, V, X
from ...spice.spikes import first_crossing
from .common import bind_testbenches, differential, law_subckt, pulse_train, pwl, sample, spike_testbench

#: the ammeter in series with the LED; the law reads its current as ``i(Vled)``
LED_AMMETER = "Vled"


def subckt(p: OptocouplerParams, *, named: bool = False) -> Subckt:
    """The optocoupler synapse ``.subckt <tag> in out led`` (``named``: the library form, every
    parameter a name, the LED model card included)."""
    return law_subckt(LAW, p, title="Optocoupler synapse", module=__name__, named=named)


def led_current(p: OptocouplerParams, v_led: Any) -> Any:
    """LED current (A) at drive ``v_led`` (V): the diode primitive's closed form behind
    ``r_limit`` at 27 degC, never negative (numpy)."""
    i = diode_series_current(np.asarray(v_led, dtype=float), p.led_is, p.led_n * thermal_voltage(T_NOMINAL),
                             p.r_limit + p.led_rs)
    return np.maximum(i, 0.0)


def steady_conductance(p: OptocouplerParams, v_led: Any) -> Any:
    """The law's steady conductance (S) at a held LED drive ``v_led`` (V) (numpy)."""
    return p.g_steady(led_current(p, v_led))


def read_mode(p: OptocouplerParams, state: float | None = None) -> tuple[Subckt, dict]:
    """Read-mode variant ``.subckt optocoupler_read in out params: g=...``: the photoresistor at
    the steady conductance of the held LED drive ``state`` (V, default the full drive
    ``v_led_max``), one resistor ``1/g``; instance parameter ``g`` (S)."""
    v_led = COMPONENT.operating["v_led_max"] if state is None else float(state)
    g = float(steady_conductance(p, v_led))
    doc = ("Optocoupler synapse, read mode (circuitsnn.library.synapses.optocoupler): the photoresistor at the\n"
           "steady conductance g (S) of a held LED drive, G = g_dark + k_photo*I_led^gamma; ports: in out")
    sub = Subckt("optocoupler_read", ("in", "out"), (R("Rread", "in", "out", Expr("1/g")),), params={"g": g}, doc=doc)
    return sub, {"g": g}


def signed(pos: OptocouplerParams, neg: OptocouplerParams | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed optocoupler synapse (last one: ``in out led_p led_n``)."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


# -- testbenches (each takes the subcircuit first; testbenches() binds them to a component) ---


def _deck(title: str, sub: Subckt, elements, analyses, doc: str = "") -> Deck:
    return Deck(title, elements=tuple(elements), subckts=(sub,), analyses=tuple(analyses), doc=doc)


def tb_transfer(sub: Subckt, p: OptocouplerParams, *, v_led_max: float = 5.0, step: float = 0.05, v_read: float = 0.1) -> Testbench:
    """DC: conductance vs LED current, sweeping the LED drive 0..v_led_max at a small read voltage."""
    name = sub.name
    els = [
        V("Vin", "in", "0", v_read),
        V("Vled", "led", "0", 0.0),
        X("X1", ("in", "out", "led"), name),
        V("Vout", "out", "0", 0.0),
    ]
    deck = _deck("optocoupler G vs LED current", sub, els, [DcSweep("Vled", 0.0, v_led_max, step)])

    def measure(res: Any) -> dict:
        dc = res.dc
        i_led = -np.asarray(dc.i("Vled"))
        return {"v_led": np.asarray(dc.axis), "i_led": i_led, "g": np.asarray(dc.i("Vout")) / v_read}

    return Testbench(
        "transfer", deck, ("i(vout)", "i(vled)"),
        f"G vs LED current (LED drive 0..{v_led_max:g} V): a power law, G - G_dark ~ I_led^gamma",
        measure, {"v_led": "V", "i_led": "A", "g": "S"}, "xy:i_led:g",
        style=dict(x=("LED current", "A"), y=(f"photoconductance G (read at {v_read:g} V)", "S"), logx=True, logy=True,
                   xlim=(1e-12, None)),
    )


def tb_iv(sub: Subckt, p: OptocouplerParams, *, v_leds: tuple[float, ...] = (0.0, 2.2, 3.0, 5.0), v_max: float = 1.0, step: float = 0.05) -> Testbench:
    """DC I-V of the photoresistor (in swept -v_max..v_max), one copy per LED drive voltage."""
    name = sub.name
    els: list = [V("Vin", "in", "0", 0.0)]
    for k, vl in enumerate(v_leds):
        els += [V(f"Vled{k}", f"led{k}", "0", vl), X(f"X{k}", ("in", f"out{k}", f"led{k}"), name), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("optocoupler I-V at several LED drives", sub, els, [DcSweep("Vin", -v_max, v_max, step)])

    def measure(res: Any) -> dict:
        dc = res.dc
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(v_leds))])
        return {"v": np.asarray(dc.axis), "v_led": np.asarray(v_leds, float), "i": i}

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(v_leds))), "photoresistor I-V, one curve per LED drive",
        measure, {"v": "V", "v_led": "V", "i": "A"}, "sweep",
        style=dict(x=("v(in,out)", "V"), traces={f"i(vout{k})": (f"LED drive {vl:g} V", "A", 1.0, "I(in -> out)")
                                                  for k, vl in enumerate(v_leds)}),
    )


def tb_step(sub: Subckt, p: OptocouplerParams, *, v_led: float = 3.0, v_read: float = 0.1, t_on: float | None = None, t_off: float | None = None) -> Testbench:
    """LED switched on for ``t_on`` (default 8 tau_on) then off for ``t_off`` (default 2 tau_off);
    measures the 63.2 % rise and fall times, which equal tau_on and tau_off for a first-order lag."""
    t_on = 8 * p.tau_on if t_on is None else t_on
    t_off = 2 * p.tau_off if t_off is None else t_off
    t1, edge = 0.1 * p.tau_on, 1e-3 * min(p.tau_on, p.tau_off)  # t1: dark level settled
    t2 = t1 + t_on
    name = sub.name
    wave = pwl([(0.0, 0.0), (t1, 0.0), (t1 + edge, v_led), (t2, v_led), (t2 + edge, 0.0)])
    els = [V("Vin", "in", "0", v_read), V("Vled", "led", "0", wave), X("X1", ("in", "out", "led"), name), V("Vout", "out", "0", 0.0)]
    stop = t2 + t_off
    max_step = min(p.tau_on, p.tau_off) / 200
    deck = _deck("optocoupler LED step response", sub, els, [Tran(max_step, stop, 0.0, max_step)])

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        g = np.asarray(tr.i("Vout")) / v_read
        g0 = float(sample(t, g, [t1])[0])
        g_hi = float(sample(t, g, [t2])[0])
        tau_on = first_crossing(t, g, g0 + (1 - np.exp(-1)) * (g_hi - g0), after=t1 + edge) - (t1 + edge)
        # light off: G decays back to the dark level measured before the step
        tau_off = first_crossing(t, g, g0 + np.exp(-1) * (g_hi - g0), after=t2 + edge) - (t2 + edge)
        return {"time": t, "g": g, "tau_on": tau_on, "tau_off": tau_off, "g_on": g_hi}

    return Testbench(
        "step", deck, ("i(vout)", "v(x1.g)", "v(x1.gss)"), f"LED step to {v_led:g} V and back: rise (tau_on) and fall (tau_off)",
        measure, {"time": "s", "g": "S", "tau_on": "s", "tau_off": "s", "g_on": "S"}, "transient",
        style=dict(traces={"i(vout)": (f"output current at {v_read:g} V read", "A", 1.0, "output current"),
                           "v(x1.g)": ("G", "S", 1.0 / G_SCALE, "photoconductance"),
                           "v(x1.gss)": ("G_ss (steady state of the drive)", "S", 1.0 / G_SCALE, "photoconductance")},
                   marks=((t1, f"LED {v_led:g} V on"), (t2, "LED off"))),
    )


def tb_program(
    sub: Subckt,
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
    name = sub.name
    edge = min(width / 20, 1e-5)
    delay = period - width
    pts = pulse_train(count, amplitude, width, period, delay=delay, edge=edge)
    els = [V("Vin", "in", "0", v_read), V("Vled", "led", "0", pwl(pts)), X("X1", ("in", "out", "led"), name), V("Vout", "out", "0", 0.0)]
    stop = delay + count * period
    ms = min(width / 20, p.tau_on / 50)
    deck = _deck("optocoupler LED pulse train", sub, els, [Tran(ms, stop, 0.0, ms)])
    ends = delay + np.arange(count) * period + width - edge

    def measure(res: Any) -> dict:
        tr = res.tran
        g = np.asarray(tr.i("Vout")) / v_read
        return {"pulse": np.arange(1, count + 1), "g": sample(tr.time, g, ends)}

    return Testbench(
        "program", deck, ("i(vout)", "v(x1.g)"),
        f"conductance at the end of each identical LED pulse ({amplitude:g} V x {si_format(width, 's')} every "
        f"{si_format(period, 's')})",
        measure, {"pulse": "1", "g": "S"}, "xy:pulse:g",
        style=dict(x=("LED pulse number", "1"), y=("photoconductance G", "S")),
    )


def tb_spike(sub: Subckt, p: OptocouplerParams, *, v_led: float = 5.0, amplitude: float = 0.1, width: float = 10e-6, delay: float = 10e-6) -> Testbench:
    """Transient: one read spike on ``in`` (default: the read bias for the LIF's spike width) at a
    constant LED drive; the output current into a grounded ``out``, its charge, and the state."""
    return spike_testbench(
        "optocoupler presynaptic spike", sub, ("in", "out", "led"),
        controls=[V("Vled", "led", "0", Dc(v_led))], amplitude=amplitude, width=width, delay=delay,
        extra_probes=("v(x1.g)",), extra_measure=_g_state, extra_units={"g": "S", "d_state": "S"},
        traces={"v(x1.g)": (f"photoconductance G (LED {v_led:g} V)", "S", 1.0 / G_SCALE, "photoconductance")},
    )


def _g_state(res: Any) -> dict:
    g = np.asarray(res.tran["x1.g"]) / G_SCALE
    return {"g": g, "d_state": float(g[-1] - g[0])}


def testbenches(subckt_fn: Callable[[Params], Subckt]) -> dict[str, TestbenchBuilder]:
    """The optocoupler testbenches of a component whose subcircuit function is ``subckt_fn``
    (ports ``in out led``)."""
    return bind_testbenches(subckt_fn, transfer=tb_transfer, iv=tb_iv, step=tb_step, program=tb_program, spike=tb_spike)


COMPONENT = register(
    Component(
        name="optocoupler",
        kind="synapse",
        family="optocoupler",
        params_cls=OptocouplerParams,
        subckt=subckt,
        testbenches=testbenches(subckt),
        summary="LED + photoresistor: G = G_dark + k*I_led^gamma with asymmetric on/off lag",
        pinout="in out led   (in -> out: photoresistor; led: LED drive to ground via Rlim)",
        equation=LAW.equation,
        reference=LAW.reference,
        law=LAW,
        fitter="circuitsnn.fit.optocoupler:fit_optocoupler",
        weights="circuitsnn.surrogates.weights.optocoupler:OptocouplerWeights",
        module="circuitsnn.surrogates.optocoupler:OptoSynapse.from_values",
        fit_hints=dict(
            fixed=("r_limit", "led_rs"),
            notes=("only the total series resistance r_limit + led_rs is identifiable from the LED current, and "
                   "behind the 2 MOhm drive resistor the LED's 10 Ohm series resistance changes it by 5 ppm: both "
                   "are fixed at their design values.",),
        ),
        operating=dict(v_read=0.1, t_read=10e-6, v_led_max=5.0, dac_bits=8, settle_tol=0.001,
                       polarity="read: v(in) > v(out) at v_read (either sign conducts: a resistor); program: the "
                                "LED drive on led (0 .. v_led_max) sets G, which follows with tau_on rising and "
                                "tau_off falling; volatile: G decays to the dark level when the LED is off"),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:optocoupler_range",
    )
)
