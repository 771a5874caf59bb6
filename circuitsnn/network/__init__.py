"""Networks: one topology object becomes an ngspice deck (and, later, the torch network).

* :class:`Topology` / :class:`Layer` / :class:`ReadInterface` (:mod:`.topology`): layer sizes,
  per layer the synapse component and device parameters, signed weights as differential pairs
  (through the family's weight interface) or device states, the neuron, and the read interface
  (row drivers and column read-outs from :mod:`circuitsnn.library.interfaces`);
* :class:`SpikeInput`, :func:`poisson`, :func:`digit_rates` (:mod:`.stimulus`): input spike
  trains as times per input;
* :func:`build_deck` (:mod:`.deck`): the hierarchical deck (one crossbar subcircuit per layer,
  row drivers, column read-outs, neurons, PWL inputs, ``.save`` of every spike output, the
  components' simulator options);
* :func:`simulate_network` (:mod:`.run`): run it on a ``circuitsnn.spice`` back-end and read
  every neuron's spike times;
* :func:`simulate_ideal` (:mod:`.ideal`): the exact event-driven reference with an ideal read
  path (expected activity; scaling);
* :mod:`.bindings`: how each synapse family's devices sit in a crossbar at a state.
"""

from .bindings import Binding, binding_for, register_binding, weights_at
from .deck import NetworkDeck, build_deck, merge_options
from .ideal import ideal_membranes, simulate_ideal
from .run import NetworkResult, read_membranes, simulate_network
from .stimulus import SpikeInput, digit_rates, poisson, spike_pwl
from .topology import Lateral, Layer, ReadInterface, Topology

__all__ = [
    "Binding", "binding_for", "register_binding", "weights_at", "NetworkDeck", "build_deck", "merge_options",
    "simulate_ideal", "ideal_membranes", "NetworkResult", "simulate_network", "read_membranes", "SpikeInput", "digit_rates", "poisson", "spike_pwl",
    "Lateral", "Layer", "ReadInterface", "Topology",
]
