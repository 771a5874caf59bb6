"""VTEAM memristor law (Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 62(8), 2015), written
for the normalized state with thresholds and asymmetric rates::

    dx/dt =  k_on  * (v/v_on  - 1)^alpha_on  * f_on(x),    v > v_on  > 0   (SET, towards R_on)
    dx/dt = -k_off * (v/v_off - 1)^alpha_off * f_off(x),   v < v_off < 0   (RESET, towards R_off)
    dx/dt = 0 otherwise;  f_on(x) = 1 - x^(2p),  f_off(x) = 1 - (1 - x)^(2p)

with the read law of :mod:`.memristor`. Polarity: here a positive ``v(in, out)`` above ``v_on``
switches ON, as a positive current does in the Biolek model (Kvatinsky's paper uses the opposite
sign, v_on < 0 < v_off). Default values are illustrative of low-current (sub-uA) filamentary
oxide ReRAM operated in its high-resistance regime: R_on 2 MOhm, R_off 200 MOhm (ratio 100),
thresholds of 0.6-0.7 V, with rates chosen so that 1 V, 1 us pulses move the state a few per
cent, SET (+1 V) about twice as fast as RESET (-1 V). The rates depend on the voltage alone, so
the resistance scale does not change programming. Scale: one 0.2 V, 10 us read spike (below
both thresholds: it never programs) carries 0.01-1 pC, at most a fifth of the default LIF's
threshold charge (10 pF x 0.5 V).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import quantity
from .expr import P, fabs, ramp
from .memristor import V, X, MemristorParams, memristor_law


@dataclass(frozen=True, kw_only=True)
class VteamParams(MemristorParams):
    """VTEAM threshold model (see the module docstring for the polarity convention)."""

    prefix = "mvt"

    r_on: float = quantity(2e6, unit="Ohm", doc="Resistance in the ON state (x = 1)", gt=0)
    r_off: float = quantity(200e6, unit="Ohm", doc="Resistance in the OFF state (x = 0)", gt=0)
    p: int = quantity(2, unit="1", doc="Window exponent (the window is 1 - (...)^(2p))", ge=1, le=10, integer=True)
    v_on: float = quantity(0.7, unit="V", doc="SET threshold (positive): above it x rises", gt=0)
    v_off: float = quantity(-0.6, unit="V", doc="RESET threshold (negative): below it x falls", lt=0)
    k_on: float = quantity(4e5, unit="1/s", doc="SET rate coefficient", gt=0)
    k_off: float = quantity(5e4, unit="1/s", doc="RESET rate coefficient", gt=0)
    alpha_on: float = quantity(3.0, unit="1", doc="SET voltage exponent", gt=0, le=20)
    alpha_off: float = quantity(3.0, unit="1", doc="RESET voltage exponent", gt=0, le=20)

    def check(self) -> None:
        super().check()
        if not self.v_off < 0 < self.v_on:
            self.fail("v_on", f"and v_off must satisfy v_off < 0 < v_on, got v_off = {self.v_off!r} V, v_on = {self.v_on!r} V")


SET = P.k_on * ramp(V / P.v_on - 1) ** P.alpha_on * (1 - fabs(X) ** (2 * P.p))
RESET = P.k_off * ramp(V / P.v_off - 1) ** P.alpha_off * (1 - fabs(1 - X) ** (2 * P.p))

LAW = memristor_law(
    "memristor_vteam",
    SET - RESET,
    rate_doc="k_on (v/v_on-1)^a_on (1-x^2p) [v>v_on] - k_off (v/v_off-1)^a_off (1-(1-x)^2p) [v<v_off]",
    equation="dx/dt = k_on (v/v_on-1)^a_on f_on(x) [v>v_on] - k_off (v/v_off-1)^a_off f_off(x) [v<v_off]",
    reference="Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 2015",
)
