"""Biolek memristor law (Biolek, Biolek, Biolkova, Radioengineering 18(2), 2009; the HP TiO2
device of Strukov et al., Nature 453, 2008)::

    dx/dt = mu_v * R_on / D^2 * i * f(x, i),   f(x, i) = 1 - (x - stp(-i))^(2p)

with the read law of :mod:`.memristor`. The window vanishes at the boundary the current drives
towards and not at the other, so the state never sticks, and it changes sign outside [0, 1],
which pulls the state back.

Defaults: the HP device's film (D 10 nm, mu_v 1e-14 m^2/(V s), R_off/R_on = 160) at network
scale: R_on 1 MOhm, R_off 160 MOhm instead of HP's 100 Ohm / 16 kOhm (a film 10^4 times more
resistive), so that one 0.1 V, 10 us read spike carries at most 1 pC, a fifth of the default
LIF's threshold charge (the HP values carry 10 nC). The rate does not change: with
``i = v / R(x)`` and ``R(x) = R_on (x + (R_off/R_on)(1 - x))`` it is
``dx/dt = mu_v / D^2 * v / (x + (R_off/R_on)(1 - x)) * f(x, i)``, which depends on R_on and R_off
only through their ratio: switching still takes about a second at 1 V. The model has no
threshold, so every read moves the state a little: one 0.1 V x 10 us read spike moves G by at
most 0.3 % of one level (1 % of the range) of the range.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import quantity
from .expr import P, fabs, step
from .memristor import CURRENT, V, X, MemristorParams, memristor_law


@dataclass(frozen=True, kw_only=True)
class BiolekParams(MemristorParams):
    """Biolek window model; defaults: the HP TiO2 memristor's film at network scale (module docstring)."""

    prefix = "mbio"

    d: float = quantity(10e-9, unit="m", doc="Film thickness D", gt=0)
    mu_v: float = quantity(1e-14, unit="m^2/(V s)", doc="Dopant mobility", gt=0)


#: state rate per ampere (1/(A s))
K = P.mu_v * P.r_on / P.d**2
WINDOW = 1 - fabs(X - step(-V)) ** (2 * P.p)

LAW = memristor_law(
    "memristor_biolek",
    K * CURRENT * WINDOW,
    rate_doc="mu_v*R_on/D^2 * i * (1 - (x - stp(-i))^(2p))",
    equation="dx/dt = mu_v R_on/D^2 * i * (1 - (x - stp(-i))^(2p)); R = R_on x + R_off (1-x)",
    reference="Biolek, Biolek, Biolkova, Radioengineering 2009; Strukov et al., Nature 2008",
)
