"""Reference decks with known behaviour: the RC low-pass (analytic answer), a nonlinear diode
rectifier, and a deck that does not converge. The tests, the benchmarks and the demo share them,
so each back-end is judged on the same circuits.
"""

from __future__ import annotations

from .ir import B, C, D, Deck, Model, Pulse, R, Sin, Subckt, Tran, V, X, Waveform


def rc_lowpass(
    *,
    r: float = 1e3,
    c: float = 1e-6,
    source: float | Waveform = 1.0,
    step: float = 1e-6,
    stop: float = 5e-3,
    max_step: float | None = None,
    uic: bool = False,
    title: str = "rc low-pass",
) -> Deck:
    """``vin -> R -> out -> C -> 0``. With a 1 V DC source and ``uic=True``,
    v(out) = 1 - exp(-t / (R C)) exactly."""
    cap = C("c1", "out", "0", c, ic=0) if uic else C("c1", "out", "0", c)
    return Deck(
        title,
        elements=(V("v1", "in", "0", source), R("r1", "in", "out", r), cap),
        analyses=(Tran(step=step, stop=stop, max_step=max_step, uic=uic),),
    )


def rc_pulse_train(*, c: float = 1e-6, width: float = 2e-3, stop: float = 3e-3, step: float = 1e-5, max_step: float | None = None, title: str = "rc step") -> Deck:
    """The RC low-pass driven by a 1 V pulse train (period 2 x width), starting at 0.1 ms."""
    src = Pulse(0.0, 1.0, delay=1e-4, rise=1e-6, fall=1e-6, width=width, period=2 * width)
    return rc_lowpass(c=c, source=src, step=step, stop=stop, max_step=max_step, title=title)


def diode_rectifier(*, step: float = 5e-6, stop: float = 2e-3, max_step: float | None = None, title: str = "diode rectifier") -> Deck:
    """Half-wave rectifier: a diode with series resistance, a subcircuit and a behavioural load,
    so internal nodes and nonlinear devices are exercised."""
    return Deck(
        title,
        elements=(
            V("v1", "in", "0", Sin(0.0, 2.0, 2e3)),
            D("d1", "in", "mid", "dmod"),
            X("x1", ("mid", "out"), "rsplit"),
            C("c1", "out", "0", 2e-7),
            B("b1", "out", "0", i="1e-4*tanh(v(out))"),
        ),
        subckts=(Subckt("rsplit", ("a", "b"), (R("r1", "a", "m", 50.0), R("r2", "m", "b", 50.0))),),
        models=(Model("dmod", "D", {"is": 1e-14, "rs": 5.0, "cjo": 1e-12}),),
        analyses=(Tran(step=step, stop=stop, max_step=max_step),),
    )


#: ngspice 39 gives up on this one with "Timestep too small" at t = 0.5 ms: an ideal diode
#: charging a capacitor that a 1e9-gain behavioural source switches at 1 V.
NONCONVERGING_DECK = """conv3
V1 a 0 PULSE(0 5 0.5m 1n 1n 1 2)
D1 a b dmod
C1 b 0 1u
R1 b c 1
B1 c 0 V = v(b) > 1 ? 1e9*v(b) : 0
.model dmod D(is=1e-14 rs=0)
.tran 1u 1m
.end
"""
NONCONVERGING_AT = 0.5e-3
