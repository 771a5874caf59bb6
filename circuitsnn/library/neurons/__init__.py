"""Neuron circuits: RC LIF (behavioural reference), Axon-Hillock (transistor level: generic
level-1 cards, and ``axon_hillock_gf180`` in subthreshold on GF180MCU) and an adaptive LIF with
an after-hyperpolarization current.

Every neuron follows one port convention, ``in out vdd vss`` (see :mod:`.base`): a current into
the membrane node ``in``, a voltage spike on ``out``. Importing this package registers them as
``lif``, ``adaptive_lif`` and ``axon_hillock``, each with the testbenches ``step``, ``fi`` and
``spike_train`` (:mod:`.testbenches`). The LIF laws (their physics, parameters and closed forms)
live in :mod:`circuitsnn.physics.lif` and :mod:`circuitsnn.physics.adaptive_lif`; the modules
here render the subcircuits from them. :mod:`.spikes` extracts spike times from waveforms.
"""

from . import spikes
from .adaptive_lif import AdaptiveLIFParams, adapted_rate
from .axon_hillock import AxonHillockParams, rate_estimate
from .axon_hillock_gf180 import AxonHillockGF180Params
from .base import PORTS, NeuronParams
from .lif import LIFParams, analytic_isi, analytic_rate

__all__ = [
    "PORTS",
    "NeuronParams",
    "LIFParams",
    "analytic_isi",
    "analytic_rate",
    "AdaptiveLIFParams",
    "adapted_rate",
    "AxonHillockParams",
    "AxonHillockGF180Params",
    "rate_estimate",
    "spikes",
]
