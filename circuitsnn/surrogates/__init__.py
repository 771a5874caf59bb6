"""Differentiable surrogates of the components, in SI units, and the files they are stored in.

``functional`` holds the LIF's pure step functions and ``modules`` its thin ``nn.Module``
wrappers and :func:`~.modules.from_model`; each synapse family has its own file, built on its law
in :mod:`circuitsnn.physics` (``device`` for law devices such as the memristors, ``schottky``,
``optocoupler`` with ``diode``, ``digital_code``); ``weights`` the weight interface of every
synapse; ``artifacts`` the ``models/<name>.json`` files. Fitting them to SPICE is :mod:`circuitsnn.fit`.
Importing this package does not import torch-heavy or SPICE code beyond what is asked for.
"""
