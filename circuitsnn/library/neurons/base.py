"""What every neuron circuit shares: the port convention and the parameter base class (both
declared with the neuron laws in :mod:`circuitsnn.physics.neuron`, re-exported here).

Port convention (every neuron subcircuit)::

    .subckt <name> in out vdd vss

- ``in``  the membrane node. The input is a *current* injected into it (a synapse's output, a
  current source ``I 0 in ...``); ``v(in, vss)`` is the membrane potential.
- ``out`` the output spike: a voltage pulse referenced to ``vss`` whose amplitude and width the
  neuron's parameters define (:meth:`NeuronParams.spike_amplitude`). It drives synapse inputs.
- ``vdd`` the positive supply, ``NeuronParams.vdd`` above ``vss``. Transistor-level neurons draw
  their current from it; behavioural ones (LIF, adaptive LIF) leave it unconnected inside, so
  the supply must be defined by the caller (a ``V`` source), as for any other neuron.
- ``vss`` the reference (ground) of the neuron; every internal voltage is taken against it. (It
  is not called ``gnd``, which ngspice always ties to node 0.)

A network netlist can therefore instantiate any neuron as ``X<k> <mem> <spk> vdd 0 <name>``.
Spikes are detected on ``out`` at half the pulse amplitude (:meth:`NeuronParams.spike_threshold`)
with :func:`circuitsnn.neurons.spikes.spike_times`.

At t = 0 every neuron must sit below threshold (no input, or an input that starts at 0): the
operating point of a neuron that is firing at t = 0 is not defined. All circuitsnn testbenches
ramp their input currents from 0.
"""

from __future__ import annotations

from typing import Any

from ...errors import ValidationError
from ...physics.law import values_of
from ...physics.neuron import PORTS, NeuronLaw, NeuronParams
from ...units import format_value

__all__ = ["PORTS", "NeuronParams", "describe_subckt", "integrator_subckt"]


def describe_subckt(p: NeuronParams, title: str, equation: str, pinout: str) -> str:
    """The comment block above a neuron subcircuit: what it is, pinout, equation, parameters."""
    values = " ".join(f"{row['name']}={format_value(getattr(p, row['name']))}" for row in p.describe())
    return "\n".join([title, *pinout.rstrip("\n").splitlines(), *equation.splitlines(), f"params (SI): {values}"])


def integrator_subckt(component: Any, p: NeuronParams) -> Any:
    """The neuron's membrane alone, without its spike rule: a non-spiking output neuron read by
    its membrane voltage (a network trained with ``readout = "membrane"``). The membrane is the
    law's own RC primitives (``C || R`` to the rest level), the same elements the spiking
    subcircuit carries; there is no threshold, reset or refractory period, and ``out`` is held at
    ``vss`` (same ports as the spiking neuron, so a deck instantiates either alike)."""
    from ...spice.ir import Comment, R, Subckt

    law = getattr(component, "law", None)
    if not isinstance(law, NeuronLaw):
        raise ValidationError(f"neuron {component.name!r} declares no neuron law, so it has no membrane to read "
                              "without its spike rule.", hint="Read this neuron's spikes (readout = \"count\").")
    values = values_of(p)
    state = law.spike.state
    elements = [Comment(f"membrane {state}: the law's RC (no spike rule: threshold, reset and refractory period left out)"),
                *law.node_elements(state, values),
                Comment("no spike output: out held at vss"),
                R("Rout", "out", "vss", 1e3)]
    title = f"{component.name} membrane alone: non-spiking leaky integrator read by its voltage"
    return Subckt(name=f"{p.tag()}_mem", ports=PORTS, elements=tuple(elements),
                  doc=describe_subckt(p, title, "C dV/dt = -(V - v_rest)/R + I_in   V = v(in, vss)", ""))
