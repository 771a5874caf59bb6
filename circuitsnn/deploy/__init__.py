"""Deployment: a trained network's weights -> device programming (``mapping``), the network deck
in ngspice, and its verification against the surrogate network (``network``, ``verify``,
``energy``)."""
