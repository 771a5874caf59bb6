"""RC leaky integrate-and-fire neuron: the behavioural reference neuron, rendered from its law.

The law, its parameters and its closed forms (the analytic f-I curve and first-spike latency)
live in :mod:`circuitsnn.physics.lif`::

    C dV/dt = -(V - v_rest)/R + I_in                 V = v(in, vss), I_in injected into `in`
    V >= v_th  ->  spike: V is held at v_reset for t_ref, out = v_spike for t_spike

This module builds the subcircuit: the membrane as the law's real primitives, and the circuit
that realizes the law's spike rule with exact timing (behavioural where precision matters more
than transistor realism)::

    in  --+-- Cmem --- vss        membrane capacitor      (the law's RC state v)
          +-- Rleak -- v_rest     leak to the rest level  (the law's RC state v)
          +-- Breset              reset clamp: (V - v_reset)/r_on while latched
    q     spike latch (0/1 V): set by V > v_th, held until the timer reaches 1 V
    tm    refractory timer: ramps 0 -> 1 V while latched, reset to 0 otherwise
    out   v_spike while latched and tm is inside the t_spike window, linear edges

Threshold ``v_th`` and reset level ``v_reset`` are the law's spike rule; the refractory period
``t_ref`` sets the timer. Timing is exact by construction: the latch node relaxes with
``t_fast`` and crosses 0.5 V ``t_latch = t_fast ln 2`` after the threshold crossing (both when
it sets and when it releases), so the timer ramps for ``t_ref - 2 t_latch`` and the membrane is
released exactly ``t_ref`` after the threshold crossing. The output is a trapezoid cut from the
timer ramp, which any integration method integrates exactly: linear edges ``t_edge = 2 t_fast``
long (at least two max steps, so sampled waveforms resolve them), half amplitude
``t_delay = t_latch + t_edge/2`` after the threshold crossing, and exactly ``t_spike`` wide at
half amplitude, so the charge a pulse drives through a linear synapse is ``v_spike t_spike G``.
The threshold and release events are a capacitor node (the latch) crossing a level, so the
solver's truncation-error control localizes them in time; and because the latch is a capacitor
node, not algebraic logic, an implicit solver cannot jump into the latched state without a
threshold crossing.

Simulation: the component declares ``.options method=gear`` (the reset clamp is stiff; the
trapezoidal rule rings on it) and max step :meth:`LIFParams.max_step` (``t_fast``); every deck
that instantiates it needs them. Measured with both (default parameters, 1.05 to 20x the
rheobase): the f-I curve matches the formula within 0.04 % (Gear) / 0.3 % (trapezoidal) at that
step, 2 % / 1 % at a 5x coarser step. Inputs must start below threshold at t = 0, and the reset
clamp holds the membrane for inputs up to ``(v_th - v_reset) / r_on``.
"""

from __future__ import annotations

from ...physics.expr import Node, State, land, lor, maximum, minimum, to_spice, where
from ...physics.law import values_of
from ...physics.lif import EQUATION, LAW, REFERENCE, LIFParams, analytic_isi, analytic_rate
from ...physics.neuron import C_NODE, NeuronLaw
from ...spice.ir import B, C, Comment, Expr, Line, Subckt
from ..registry import register
from . import testbenches
from .base import PORTS, describe_subckt

#: Capacitance (F) of the internal latch and timer nodes: their voltages are logic-like 0..1 V.
C_INT = C_NODE

#: Simulator options every deck with an LIF needs (the reset clamp is stiff: Gear damps it).
SIM_OPTIONS = {"method": "gear"}

PINOUT = """\
            +----------------------------+
 in  >------| membrane  Cmem || Rleak    |------> out   pulse v_spike high, t_spike wide
 (current)  | V > v_th: spike, then      |               (half-amplitude width)
            | V = v_reset for t_ref      |
 vdd -------| (unused: behavioural)      |
 vss -------| reference of every voltage |
            +----------------------------+
"""

#: the latch and the refractory timer (0/1 V logic-like nodes against vss)
Q = State("q", node="q", ref="vss")
TM = State("tm", node="tm", ref="vss")


def _b(name: str, pos: str, neg: str, values: dict, *, i: Node | None = None, v: Node | None = None) -> B:
    """A behavioural source whose expression is printed from the expression tree (parameters
    inlined from ``values``)."""
    return B(name, pos, neg, i=None if i is None else Expr(to_spice(i, values)),
             v=None if v is None else Expr(to_spice(v, values)))


def core_elements(p: LIFParams, law: NeuronLaw = LAW) -> list[Line]:
    """Membrane (the law's primitives), latch, timer, reset and output elements (shared with the
    adaptive neuron, whose ``law`` adds to the LIF's)."""
    values = values_of(p)
    rule = law.spike
    v = law.membrane.symbol
    g_int = C_INT / p.t_fast  # latch/timer relaxation conductance (S)
    e = p.t_edge / p.t_ramp  # timer change (V) during one output edge
    w = p.t_spike / p.t_ramp  # timer level (V) reached t_spike after the ramp starts
    latched = Q.gt(0.5)
    lines: list[Line] = [Comment("membrane: C dV/dt = -(V - v_rest)/R + I_in"), *law.node_elements(rule.state, values)]
    lines += [
        Comment("spike latch q (0/1 V): set by V > v_th, held until the timer reaches 1 V"),
        _b("Bq", "vss", "q", values, i=g_int * (where(lor(v.gt(rule.threshold), land(latched, TM.lt(1))), 1, 0) - Q)),
        C("Cq", "q", "vss", C_INT),
        Comment("refractory timer tm: ramps 0 -> 1 V in t_ref - 2 t_latch while latched, else resets"),
        _b("Btm", "vss", "tm", values, i=where(latched, C_INT / p.t_ramp, -g_int * TM)),
        C("Ctm", "tm", "vss", C_INT),
        Comment("reset: while latched the membrane is clamped to v_reset through r_on"),
        _b("Breset", "in", "vss", values, i=where(latched, (v - rule.reset) * (1.0 / p.r_on), 0)),
        Comment("output: v_spike while the timer is inside the t_spike window, linear edges t_edge wide"),
        _b("Bout", "out", "vss", values,
           v=where(latched, p.v_spike * minimum(1, maximum(0, TM * (1.0 / e))) * minimum(1, maximum(0, (w + e - TM) * (1.0 / e))), 0)),
    ]
    return lines


def subckt(p: LIFParams) -> Subckt:
    """The LIF subcircuit ``<lif_hash> in out vdd vss`` for parameters ``p``."""
    return Subckt(
        name=p.tag(),
        ports=PORTS,
        elements=tuple(core_elements(p)),
        doc=describe_subckt(p, "RC leaky integrate-and-fire neuron (behavioural reference)", EQUATION, PINOUT),
    )


COMPONENT = register(
    testbenches.neuron_component(
        name="lif",
        params_cls=LIFParams,
        subckt=subckt,
        sim_options=SIM_OPTIONS,
        max_step=LIFParams.max_step,
        fi_reference=analytic_rate,
        summary="RC leaky integrate-and-fire neuron with threshold, reset and refractory period; "
        "matches the analytic f-I curve",
        pinout=PINOUT,
        equation=EQUATION,
        reference=REFERENCE,
        law=LAW,
        fitter="circuitsnn.fit.neurons:fit_neuron",
        surrogate="circuitsnn.surrogates.neuron:NeuronSurrogate",
    )
)

__all__ = ["LIFParams", "analytic_isi", "analytic_rate", "subckt", "core_elements", "COMPONENT", "SIM_OPTIONS",
           "C_INT", "LAW"]
