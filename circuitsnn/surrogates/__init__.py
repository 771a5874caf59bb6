"""Differentiable surrogates of the components, in SI units, and the files they are stored in.

One model per file: ``lif`` (every neuron's effective LIF: step, run, compiled loop, modules),
``spikes`` (spike functions and surrogate gradients), ``neuron`` (a neuron's fitted surrogate in
SI units: current in, voltage pulses out); each synapse family has its own file, built on its law
in :mod:`circuitsnn.physics` (``device`` for law devices such as the memristors, ``schottky``,
``optocoupler`` with ``diode``, ``digital_code``); ``weights`` the weight interface of every
synapse. ``functional`` re-exports the neuron step functions, ``modules`` the neuron modules and
:func:`~.modules.from_model`; ``artifacts`` the ``models/<name>.json`` files. Fitting them to
SPICE is :mod:`circuitsnn.fit`.
Importing this package does not import torch-heavy or SPICE code beyond what is asked for.
"""
