"""Biolek memristor law (Biolek, Biolek, Biolkova, Radioengineering 18(2), 2009; the HP TiO2
device of Strukov et al., Nature 453, 2008)::

    dx/dt = mu_v * R_on / D^2 * i * f(x, i),   f(x, i) = 1 - (x - stp(-i))^(2p)

with the read law of :mod:`.memristor`. The window vanishes at the boundary the current drives
towards and not at the other, so the state never sticks, and it changes sign outside [0, 1],
which pulls the state back. Defaults: the HP device (R_on 100 Ohm, R_off 16 kOhm, D 10 nm,
mu_v 1e-14 m^2/(V s)), switching in about a second at 1 V.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import quantity
from .expr import P, fabs, step
from .memristor import CURRENT, V, X, MemristorParams, memristor_law


@dataclass(frozen=True, kw_only=True)
class BiolekParams(MemristorParams):
    """Biolek window model; defaults: the HP TiO2 memristor."""

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
