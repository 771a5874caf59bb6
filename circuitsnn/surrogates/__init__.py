"""Differentiable surrogates of the components, in SI units, and the files they are stored in.

``functional`` holds the pure step functions, ``modules`` thin ``nn.Module`` wrappers,
``artifacts`` the ``models/<name>.json`` files. Fitting them to SPICE is :mod:`circuitsnn.fit`.
Importing this package does not import torch-heavy or SPICE code beyond what is asked for.
"""
