"""Spike-timing-dependent learning on the fitted devices: rules, the device programming every
weight change goes through, and the networks that learn with them.

* rules, each a pure step function with a parameter ``NamedTuple`` (norse style) and the same
  rule over a whole presentation as matrix products: :mod:`.pair` (additive/multiplicative,
  all-to-all/nearest-neighbour), :mod:`.triplet` (Pfister & Gerstner 2006), :mod:`.reward`
  (three-factor R-STDP with eligibility traces), :mod:`.vdsp` (voltage-dependent plasticity);
  spike traces in :mod:`.traces`;
* :mod:`.devices`: requested changes -> the family's programming events (pulses, erases, code
  steps, drive changes) through its weight interface, with event counts and energy;
* :mod:`.network`: a Diehl & Cook style unsupervised layer (Poisson input read through the
  devices, LIF neurons from the neuron surrogates in SI, lateral inhibition, adaptive
  thresholds, normalization, label assignment) and an R-STDP readout;
* :mod:`.config`, :mod:`.runner`: ``circuitsnn stdp CONFIG.toml --out DIR``.
"""

from .pair import PairSTDPParameters, PairSTDPState, pair_stdp_presentation, pair_stdp_step, pair_window
from .reward import RSTDPParameters, RSTDPState, RewardBaseline, rstdp_presentation, rstdp_step
from .traces import trace, trace_step
from .triplet import TripletSTDPParameters, TripletSTDPState, triplet_stdp_presentation, triplet_stdp_step
from .vdsp import VDSPParameters, vdsp_presentation, vdsp_step

__all__ = ["PairSTDPParameters", "PairSTDPState", "pair_stdp_step", "pair_stdp_presentation", "pair_window",
           "TripletSTDPParameters", "TripletSTDPState", "triplet_stdp_step", "triplet_stdp_presentation",
           "RSTDPParameters", "RSTDPState", "RewardBaseline", "rstdp_step", "rstdp_presentation",
           "VDSPParameters", "vdsp_step", "vdsp_presentation", "trace", "trace_step"]
