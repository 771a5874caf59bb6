"""Differentiable surrogates of the components, in SI units, and the files they are stored in.

One model per file: ``lif`` (every neuron's effective LIF: step, run, compiled loop, modules),
``spikes`` (spike functions and surrogate gradients), ``neuron`` (a neuron's fitted surrogate in
SI units: current in, voltage pulses out), ``device`` (any law device), ``weights`` (the
synapses' weight interface); ``functional`` holds the remaining pure step functions and
re-exports the neuron ones, ``modules`` thin ``nn.Module`` wrappers, ``artifacts`` the
``models/<name>.json`` files. Fitting them to SPICE is :mod:`circuitsnn.fit`.
Importing this package does not import torch-heavy or SPICE code beyond what is asked for.
"""
