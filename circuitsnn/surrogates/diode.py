"""Closed form of a diode with series resistance: the torch side of ngspice's ``D`` primitive.

The implementation lives with the primitives in :mod:`circuitsnn.physics.diode` (one closed form
for numpy, floats and torch); this module keeps the torch names the surrogates import. A diode
``I = i_s (exp(V_d / n_vt) - 1)`` in series with ``r_s`` at a total voltage ``v`` carries
``I = (n_vt / r_s) W((i_s r_s / n_vt) exp((v + i_s r_s) / n_vt)) - i_s`` (Banwell & Jayakumar,
Electron. Lett. 36, 2000). Used by the optocoupler's LED and the Schottky junction.
"""

from __future__ import annotations

from ..physics.diode import diode_series_current, lambertw_exp

__all__ = ["diode_series_current", "lambertw_exp"]
