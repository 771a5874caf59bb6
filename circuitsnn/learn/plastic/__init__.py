"""Learned plasticity on device synapses (SpikePropamine, Schmidgall et al., Front. Neurorobot.
2021; Backpropamine, Miconi et al., ICLR 2019): fixed weights and the parameters of the rules
that change the weights inside an episode, learned together by BPTT through the devices.

* :mod:`.rules` — Hebbian trace, Oja, BCM; plain, neuromodulated directly and through an
  eligibility trace; pure step functions;
* :mod:`.device` — the online update realized by the family's programming events;
* :mod:`.layer` — the plastic crossbar layer and its static twin;
* :mod:`.tasks` — one-shot association and cue-delay-reward episodes, generated;
* :mod:`.config`, :mod:`.runner`, :mod:`.plots` — ``circuitsnn train`` with a ``[plastic]``
  section.
"""
