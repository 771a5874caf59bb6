"""Deployment: what was learned on surrogates, back into devices and ngspice.

* :mod:`.mapping` — a saved model's conductances -> device programming per family
  (program-and-verify pulse trains, code words, one-way pulse counts with erase, LED drives),
  with the mapping error, events used, save/resume and an error histogram
  (:mod:`.mapping_plots`).
"""
