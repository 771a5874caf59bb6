"""Optocoupler synapse: an LED whose light sets a photoresistor's conductance (the law and its
parameters).

The weight signal drives an LED (an ngspice diode primitive with series resistance, behind a
current-limiting resistor: real primitives of the law, :data:`PRIMITIVES`); the photoresistor
between ``in`` and ``out`` carries the synaptic current. The steady-state photoconductance is a power law of the LED
current, and the conductance follows it with a first-order lag that is faster switching on than
off (CdS cells)::

    G_ss   = G_dark + k * (max(I_led, 0) + 1 pA)^gamma
    dG/dt  = (G_ss - G) / tau,   tau = tau_on if G_ss > G else tau_off
    I(in -> out) = G * v(in, out)

The 1 pA floor keeps d(I^gamma)/dI finite at zero LED current. The law's input ``i_led`` is
the LED current (``i(Vled)``, the ammeter in series with the diode); ``G_ss`` is a named
intermediate (node ``gss``) and ``G`` the state (node ``g``), both in microsiemens on their
nodes (``v(g) = G * 1 MOhm``) so the solver resolves them well (0.02-1 V at the defaults).
``G`` has no initial-state parameter: the DC operating point sets it to ``G_ss`` of the drive
at t = 0.

Scale: the photocell and LED are typical of a CdS photocell optocoupler such as the VTL5C-series
Vactrols (roughly 0.6 kOhm at 20 mA, tens of MOhm dark, milliseconds on and tens of
milliseconds off; red/IR LED about 2.0 V at 20 mA), but driven at low light for a network: the
LED drive 0..5 V goes through a 2 MOhm resistor (LED current 0..1.7 uA, about 8 uW per synapse
at full drive instead of 100 mW at 20 mA), where the power law gives 20 nS dark to 0.95 uS
(1 MOhm). One 0.1 V, 10 us read spike then carries 0.02-0.95 pC, at most a fifth of the
default LIF's threshold charge (10 pF x 0.5 V); at 20 mA it would carry 1.7 nC. The power law
is extrapolated to low light from the data-sheet scale, and CdS cells respond more slowly in dim
light than the time constants here: check a data sheet before relying on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..params import Params, quantity
from .diode import Ammeter, Diode, DiodeCard, Resistor
from .expr import NUMPY, Input, P, State, evaluate, ramp
from .law import Aux, Branch, Law, StateVar, values_of

#: The conductance nodes hold G in uS: v(g) = G * G_SCALE.
G_SCALE = 1e6
#: LED current floor (A) inside the power law: keeps d(I^gamma)/dI finite at zero current.
I_FLOOR = 1e-12

V = Input("v", "v(in,out)")
I_LED = Input("i_led", "i(Vled)")
G_SS = State("g_ss", node="gss", scale=G_SCALE)
G = State("g", scale=G_SCALE)

#: steady-state photoconductance (S) at LED current i_led
STEADY = P.g_dark + P.k_photo * (ramp(I_LED) + I_FLOOR) ** P.gamma
#: first-order lag, tau_on while G rises, tau_off while it falls (S/s)
RATE = (G_SS - G) * (1 / P.tau_off) + ramp(G_SS - G) * (1 / P.tau_on - 1 / P.tau_off)
#: photoresistor current (A, in -> out)
CURRENT = V * G

#: the LED branch: drive resistor, the ammeter the law reads, the diode primitive
LED = DiodeCard("dled", {"is": P.led_is, "n": P.led_n, "rs": P.led_rs})
PRIMITIVES = (
    Resistor("lim", "led", "la", P.r_limit, doc="LED: led -> Rlim -> ammeter Vled -> diode -> ground"),
    Ammeter("led", "la", "lk"),
    Diode("led", "lk", "0", LED),
)

LAW = Law(
    name="optocoupler",
    ports=("in", "out", "led"),
    branches=(Branch("ph", "in", "out", CURRENT, doc="photoresistor: I(in -> out) = G*v(in,out)"),),
    states=(StateVar(G, RATE, unit="S", doc="(G_ss - G)/tau, tau_on rising, tau_off falling"),),
    aux=(Aux(G_SS, STEADY, unit="S", doc="steady-state photoconductance g_dark + k*I_led^gamma (uS)"),),
    primitives=PRIMITIVES,
    equation="G_ss = G_dark + k*I_led^gamma; dG/dt = (G_ss - G)/tau_on|tau_off; I = G*v(in,out)",
    reference="Ryndin, Andreeva, Luchinin, Goncharov et al. 2021 (optocoupler synapse); VTL5C1 data sheet",
    labels={"g": "photoconductance G (S)"},
)


@dataclass(frozen=True, kw_only=True)
class OptocouplerParams(Params):
    """LED + photoresistor synapse. ``G_ss = g_dark + k_photo * I_led^gamma``; asymmetric lag
    ``tau_on``/``tau_off``. Defaults: VTL5C1-class Vactrol at low light (see the module
    docstring). The LED fields (``led_*``, ``r_limit``) are the diode primitive's model and the
    drive resistor."""

    prefix = "opto"

    led_is: float = quantity(1e-19, unit="A", doc="LED saturation current", gt=0, lt=1e-6)
    led_n: float = quantity(2.0, unit="1", doc="LED emission coefficient", ge=1, le=5)
    led_rs: float = quantity(10.0, unit="Ohm", doc="LED series resistance", gt=0)
    r_limit: float = quantity(2e6, unit="Ohm", doc="Drive resistor between 'led' and the LED anode (sets the LED "
                              "current range: 0..1.7 uA over 0..5 V)", gt=0)
    g_dark: float = quantity(2e-8, unit="S", doc="Photoresistor dark conductance", gt=0)
    k_photo: float = quantity(
        0.038, unit="S/A^gamma", doc="Photoconductance per LED current to the power gamma", gt=0
    )
    gamma: float = quantity(0.8, unit="1", doc="Power-law exponent of G vs LED current", gt=0, le=2)
    tau_on: float = quantity(2.5e-3, unit="s", doc="Time constant while G rises (light on)", gt=0)
    tau_off: float = quantity(35e-3, unit="s", doc="Time constant while G falls (light off)", gt=0)

    def g_steady(self, i_led: Any) -> Any:
        """Steady-state conductance (S) at LED current ``i_led`` (A): the law's :data:`STEADY`."""
        return evaluate(STEADY, {**values_of(self), "i_led": i_led}, NUMPY)
