"""Fitting the surrogates to SPICE: simulate a component's testbenches (cached by deck hash and
ngspice version), fit the compact model by bounded least squares, validate it on stimuli the fit
never saw, and write ``models/<name>.json``.

``core`` holds the least-squares machinery and :class:`~.core.FitReport`, ``data`` the
simulation cache, ``validate`` the held-out metrics, ``pipeline`` the command behind
``circuitsnn fit``, and one module per family the fitting procedure a component names as its
``fitter``.
"""
