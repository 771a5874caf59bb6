"""Adaptive LIF neuron: the RC LIF plus an after-hyperpolarization (AHP) current, rendered from
its law.

The law and its parameters live in :mod:`circuitsnn.physics.adaptive_lif`::

    C dV/dt   = -(V - v_rest)/R + I_in - b a         V = v(in, vss)
    tau_w da/dt = -a,  a += 1 per spike              a: dimensionless, held as v(a, vss)
    V >= v_th -> spike; V held at v_reset for t_ref; out = v_spike for t_spike

The circuit is the LIF of :mod:`.lif` with the law's further pieces: the adaptation state as its
real primitives (``Ca``, ``Ra``: time constant ``tau_w``), the AHP current ``b a`` (the law's
branch ``Bahp``), and a charge pump that delivers the law's jump of ``a`` while the neuron is
latched (``t_latch`` to ``t_ref`` after the threshold crossing). The pumped jump decays a little
before the membrane is released; :func:`~circuitsnn.physics.adaptive_lif.effective_jump` says by
how much, and the effective LIF (the surrogate's nominal values) accounts for it.
"""

from __future__ import annotations

from ...physics.adaptive_lif import EQUATION, LAW, REFERENCE, AdaptiveLIFParams, adapted_rate, effective_jump
from ...physics.expr import maximum, minimum
from ...physics.law import values_of
from ...physics.neuron import node_value
from ...spice.ir import Comment, Subckt
from ..registry import register
from . import testbenches
from .base import PORTS, describe_subckt
from .lif import C_INT, Q, SIM_OPTIONS, _b, core_elements

PINOUT = """\
            +-----------------------------+
 in  >------| membrane  Cmem || Rleak     |------> out   pulse v_spike high, t_spike wide
 (current)  | - b a  (AHP current)        |
            | a += 1 per spike, tau_w     |
 vdd -------| (unused: behavioural)       |
 vss -------| reference of every voltage  |
            +-----------------------------+
"""


def subckt(p: AdaptiveLIFParams) -> Subckt:
    """The adaptive LIF subcircuit ``<alif_hash> in out vdd vss`` for parameters ``p``."""
    values = values_of(p)
    ((state, jump),) = LAW.spike.jumps
    # the jump is a charge pumped while the latch is set: (t_ref - t_latch) long
    i_pump = node_value(jump, values) * C_INT / (p.t_ref - p.t_latch)
    elements = core_elements(p, LAW) + [
        Comment(f"adaptation {state} (1 V per spike): pumped while latched (t_ref - t_latch), leaks with tau_w"),
        _b("Bpump", "vss", LAW.node(state).node, values, i=i_pump * minimum(1, maximum(0, (Q - 0.45) * 10))),
        *LAW.node_elements(state, values),
        *LAW.branch_elements(values),
    ]
    return Subckt(
        name=p.tag(),
        ports=PORTS,
        elements=tuple(elements),
        doc=describe_subckt(p, "Adaptive LIF neuron: RC LIF with an AHP adaptation current", EQUATION, PINOUT),
    )


COMPONENT = register(
    testbenches.neuron_component(
        name="adaptive_lif",
        params_cls=AdaptiveLIFParams,
        subckt=subckt,
        sim_options=SIM_OPTIONS,
        max_step=AdaptiveLIFParams.max_step,
        fi_reference=adapted_rate,
        fi_multiples=(1.5, 2.0, 3.0, 5.0, 10.0, 20.0),
        summary="LIF with an after-hyperpolarization current: spike-frequency adaptation",
        pinout=PINOUT,
        equation=EQUATION,
        reference=REFERENCE,
        law=LAW,
        fitter="circuitsnn.fit.neurons:fit_neuron",
        surrogate="circuitsnn.surrogates.neuron:NeuronSurrogate",
    )
)

__all__ = ["AdaptiveLIFParams", "adapted_rate", "effective_jump", "subckt", "COMPONENT", "LAW"]
