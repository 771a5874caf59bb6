"""Fitting procedure of the neuron surrogates: effective LIF parameters of any neuron circuit.

Every neuron (``in out vdd vss``, a current into ``in``, spikes on ``out``) gets the effective
model of :func:`circuitsnn.surrogates.lif.lif_step`::

    tau_m dv/dt = -(v - v_rest) + r_in (i - w);  v >= v_th -> spike, v = v_reset for t_ref,
    output pulse t_delay after the crossing;     tau_w dw/dt = -w, w += b per spike

The pieces, in the order the fit runs them:

* :mod:`.protocol` — the stimulus plan (:class:`NeuronProtocol`), the decks and what is read
  back. Fit data: one deck from the component's own f-I testbench with two sub-threshold and
  eight supra-threshold constant currents (multiples of the neuron's current scale);
* :mod:`.stages` — three fits: **membrane** (``v_rest``, ``r_in``, ``tau_m`` from ``v(in)``),
  **threshold** (``v_th``, ``t_delay`` from the first-spike latencies, the law's closed form),
  **spike trains** (threshold, delay, reset, refractory period, and ``b``/``tau_w`` when the
  intervals lengthen: adaptation; ``i_ref`` for an active reset; the slope factor ``delta_t``
  of an exponential threshold where the neuron's switching is soft — the Axon-Hillock: a hard
  threshold put 89.5 % of its held-out noisy-current spikes within 1 % of the ISI, the fitted
  soft one, about 1 mV, all of them), matching the latency and every inter-spike interval of the
  SPICE trains with the surrogate run on the same stimulus. Initial guesses come from the
  neuron's :meth:`~circuitsnn.physics.neuron.NeuronParams.lif_equivalent`;
* :mod:`.heldout` — never used for fitting: the f-I curve at seven other currents (target:
  within 2 %), noisy piecewise-constant currents (Ornstein-Uhlenbeck) into several copies and a
  random input spike train (current pulses): spike-time coincidence factor and timing error
  relative to the ISI (target: 95 % of the spikes within 1 % of the ISI, at most 2 % unpaired);
* :mod:`.fitter` — :func:`fit_neuron`, the entry point each neuron component names as its
  ``fitter``. The output pulse (amplitude, width at half amplitude) is measured and stored
  beside the model (``extra.output_pulse``): the SI surrogate's output
  (:mod:`circuitsnn.surrogates.neuron`).
"""

from .fitter import UNITS, fit_neuron
from .heldout import MAX_UNPAIRED_FRAC, MIN_FRAC_WITHIN
from .protocol import (FIT_MULTIPLES, SUB_MULTIPLES, VAL_MULTIPLES, FitData, NeuronProtocol, collect, held_pwl,
                       ou_current, pad, poisson_pulses, spike_extractor, stimulus_deck, tighten, train_extractor, unpad)
from .stages import MAX_FIT_SPIKES, constant_current_spikes, design_guess, surrogate_spikes

#: the old private names, for existing callers (bench/surrogate_speed.py)
_pad, _unpad = pad, unpad

__all__ = [
    "fit_neuron", "NeuronProtocol", "FitData", "collect", "design_guess", "held_pwl", "ou_current", "poisson_pulses",
    "stimulus_deck", "spike_extractor", "train_extractor", "tighten", "pad", "unpad", "surrogate_spikes",
    "constant_current_spikes", "SUB_MULTIPLES", "FIT_MULTIPLES", "VAL_MULTIPLES", "MAX_FIT_SPIKES",
    "MIN_FRAC_WITHIN", "MAX_UNPAIRED_FRAC", "UNITS",
]
