"""What every bounded-state memristor law shares: the state, the read law and the parameters.

::

    R(x) = R_on * x + R_off * (1 - x),   x in [0, 1] (x = 1: fully ON, low resistance)
    I(in -> out) = v(in, out) / R(x)

The state ``x`` sits on a 1 F capacitor (:class:`~circuitsnn.physics.law.StateVar`); the windows
of each model bound it in exact arithmetic, and a clamp term in the SPICE rate,
``-1e9 * (uramp(x - 1) - uramp(-x))``, stops a coarse time step from overshooting (measured
within 2e-4 of [0, 1] at 20 points per period and 3x the switching voltage). Its DC value, and
so the state at t = 0, is the instance parameter ``x0``: a DC bias across a current-controlled
device at t = 0 would drive the DC state to a bound, so network decks start their inputs at 0 V.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import Params, quantity
from .expr import Input, Node, P, State
from .law import Branch, Law, StateVar

#: Rate (1/s) that pulls the state node back into [0, 1] when a time step overshoots a bound:
#: the windows alone let a coarse step overshoot until R(x) reaches zero. Two uramp() terms in
#: the rate only; clamping x inside R(x) and the windows as well made a 300-device deck 2-3x
#: slower for no visible gain.
CLAMP_RATE = 1e9

X = State("x")
V = Input("v", "v(in,out)")
RESISTANCE = P.r_on * X + P.r_off * (1 - X)
CURRENT = V / RESISTANCE


@dataclass(frozen=True, kw_only=True)
class MemristorParams(Params):
    """Fields every memristor law reads."""

    r_on: float = quantity(1e6, unit="Ohm", doc="Resistance in the ON state (x = 1)", gt=0)
    r_off: float = quantity(160e6, unit="Ohm", doc="Resistance in the OFF state (x = 0)", gt=0)
    p: int = quantity(1, unit="1", doc="Window exponent (the window is 1 - (...)^(2p))", ge=1, le=10, integer=True)
    x0: float = quantity(0.1, unit="1", doc="Initial state (0 = OFF, 1 = ON)", ge=0, le=1)

    def check(self) -> None:
        if not self.r_on < self.r_off:
            self.fail("r_on", f"= {self.r_on!r} must be below r_off = {self.r_off!r} Ohm")


def memristor_law(name: str, rate: Node, *, rate_doc: str, equation: str, reference: str) -> Law:
    """A memristor law: the shared read law with the model's own state rate."""
    return Law(
        name=name,
        ports=("in", "out"),
        branches=(Branch("m", "in", "out", CURRENT, doc="I(in -> out) = v(in,out)/R(x), R(x) = R_on*x + R_off*(1-x)"),),
        states=(StateVar(X, rate, unit="1", doc=rate_doc, initial="x0", lo=0.0, hi=1.0, clamp_rate=CLAMP_RATE),),
        equation=equation,
        reference=reference,
        labels={"x": "memristor state x (0 = OFF, 1 = ON)"},
    )
