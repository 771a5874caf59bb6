"""Differentiable behavioural surrogates fitted to SPICE.

``functional`` holds the pure step functions, ``modules`` thin ``nn.Module`` wrappers, ``fit``
the least-squares machinery and :class:`~.fit.FitReport`, ``validate`` the held-out metrics,
``artifacts`` the ``models/<name>.json`` files, and ``neurons``/``devices`` the fitting
procedures of each family. Importing this package does not import torch-heavy or SPICE code
beyond what is asked for.
"""
