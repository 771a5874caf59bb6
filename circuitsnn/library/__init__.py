"""The component library: every neuron circuit and synapse device, and the registry they obey.

``library.synapses`` holds one module per synapse family, ``library.neurons`` the neuron
circuits; :mod:`.registry` ties each component's parameters, subcircuit, testbenches and (for
synapses) weight interface together. The physics each component renders lives in
:mod:`circuitsnn.physics`.
"""

from . import registry

__all__ = ["registry"]
