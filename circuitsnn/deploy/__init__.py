"""Deployment: what was learned on surrogates, back into devices and ngspice.

* :mod:`.mapping` — a saved model's conductances -> device programming per family
  (program-and-verify pulse trains, code words, one-way pulse counts with erase, LED drives),
  with the mapping error, events used, save/resume and an error histogram
  (:mod:`.mapping_plots`).
* :mod:`.network` — a trained model -> one :class:`~circuitsnn.network.Topology` (the deck and
  the surrogate network both come from it), inputs as PWL read pulses.
* :mod:`.verify` — samples through ngspice at a fidelity level against the surrogate network
  (coincidence factor per layer, class agreement, accuracy), persisted per sample, resumable;
  :mod:`.energy` energy per inference and per synaptic event; :mod:`.report` tables and plots.
"""
