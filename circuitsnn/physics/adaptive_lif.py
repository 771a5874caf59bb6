"""Adaptive LIF neuron: the RC LIF plus an after-hyperpolarization (AHP) current.

Model (spike-triggered adaptation current: Benda & Herz, Neural Comput. 15:2523, 2003; the
``b``/``tau_w`` form of Brette & Gerstner, J. Neurophysiol. 94:3637, 2005, with ``a = 0``)::

    C dV/dt     = -(V - v_rest)/R + I_in - b a       V = v(in, vss)
    tau_w da/dt = -a,   a += 1 per spike              a: dimensionless, held as volts on node a
    V >= v_th -> spike; V held at v_reset for t_ref

declared once as :data:`LAW`: the membrane of :mod:`.lif`, the adaptation variable ``a`` on a
real capacitor with a leak resistor (time constant ``tau_w``), the AHP current ``b a`` as a
branch out of the membrane, and the jump of ``a`` in the spike rule. In the surrogates' units
the adaptation current is ``w = b a`` (A), incremented by ``b`` per spike.

The circuit (:mod:`circuitsnn.library.neurons.adaptive_lif`) delivers each jump as a charge
pumped onto the adaptation node while the neuron is latched (from ``t_latch`` to ``t_ref`` after
the threshold crossing), so at the release from the reset the jump has decayed to
``kappa = (tau_w/t_p)(1 - exp(-t_p/tau_w))`` (``t_p = t_ref - t_latch``) rather than the
``exp(-t_ref/tau_w)`` of a jump at the crossing: 0.990 against 0.980 with the defaults. The
membrane does not see ``a`` while it is held, so an instantaneous jump at the crossing of
``kappa exp(t_ref/tau_w)`` (:func:`effective_jump`) is exact for the circuit; the effective LIF
(:meth:`AdaptiveLIFParams.lif_equivalent`) uses it.

Under constant input the inter-spike intervals lengthen until the mean adaptation current
balances the extra drive: the steady rate solves ``f = f_LIF(I - b tau_w f)`` (mean-adaptation
approximation, Ermentrout, Neural Comput. 10:1721, 1998), which :func:`adapted_rate` computes
with the one f-I function of :mod:`.lif`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..params import quantity
from .expr import P, State
from .law import Branch
from .lif import I_IN, MEMBRANE, LIFParams, rate
from .neuron import C_NODE, NeuronLaw, RCState, SpikeRule

EQUATION = """\
C dV/dt = -(V - v_rest)/R + I_in - b a,  V = v(in, vss)
tau_w da/dt = -a, a += 1 per spike (pumped during the refractory period)
V >= v_th -> spike: out = v_spike for t_spike; V = v_reset for t_ref"""

REFERENCE = (
    "Benda & Herz, Neural Comput. 15:2523 (2003); Brette & Gerstner, J. Neurophysiol. 94:3637 "
    "(2005); Ermentrout, Neural Comput. 10:1721 (1998) for the adapted f-I curve"
)


@dataclass(frozen=True, kw_only=True)
class AdaptiveLIFParams(LIFParams):
    """Parameters of the adaptive LIF (SI units): the LIF's, plus the adaptation.

    Defaults: the LIF defaults, tau_w = 10 ms (ten membrane time constants; adaptation is
    typically one to two orders slower than the membrane, Benda & Herz 2003) and b = 0.5 nA
    (a tenth of the rheobase per spike), which halves the rate at twice the rheobase.
    """

    prefix: ClassVar[str] = "alif"

    tau_w: float = quantity(10e-3, unit="s", doc="Decay time constant of the adaptation variable", gt=0)
    b: float = quantity(0.5e-9, unit="A", doc="AHP current per unit of adaptation (per recent spike)", ge=0)

    def expected_isi(self, i_in: object) -> np.ndarray:
        f = adapted_rate(i_in, self)
        with np.errstate(divide="ignore"):
            return np.where(f > 0, 1.0 / np.where(f > 0, f, 1.0), np.inf)

    def settle_time(self) -> float:
        return 2.0 * self.tau_w

    def lif_equivalent(self) -> dict[str, float]:
        """The LIF's, with ``tau_w`` and the jump per spike ``b`` (A) of an instantaneous jump at
        the crossing that leaves the circuit's adaptation at the release (:func:`effective_jump`)."""
        return {**super().lif_equivalent(), "tau_w": self.tau_w, "b": self.b * effective_jump(self)}


def effective_jump(p: AdaptiveLIFParams) -> float:
    """The jump of ``a`` at the threshold crossing equivalent to the circuit's pumped unit:
    ``kappa exp(t_ref/tau_w)``, ``kappa = (tau_w/t_p)(1 - exp(-t_p/tau_w))``, ``t_p = t_ref - t_latch``
    (module docstring; 1.0101 with the defaults)."""
    tp, tw = p.t_ref - p.t_latch, p.tau_w
    kappa = (tw / tp) * -math.expm1(-tp / tw)
    return kappa * math.exp(p.t_ref / tw)


# -- the law ------------------------------------------------------------------------------------

#: the adaptation variable a (dimensionless, 1 per recent spike), held as v(a, vss) volts
A = State("a", node="a", ref="vss")
ADAPTATION = RCState(A, c=C_NODE, r=P.tau_w / C_NODE, unit="1", doc="adaptation: tau_w da/dt = -a",
                     names=("Ca", "Ra", "Va"))
AHP = Branch("ahp", "in", "vss", P.b * A, doc="after-hyperpolarization current b*a out of the membrane")
#: a jumps by one unit per spike
JUMP = 1.0
SPIKE = SpikeRule("v", threshold=P.v_th, reset=P.v_reset, refractory=P.t_ref, jumps=(("a", JUMP),))

LAW = NeuronLaw(
    "adaptive_lif", I_IN, (MEMBRANE, ADAPTATION), SPIKE, branches=(AHP,), equation=EQUATION, reference=REFERENCE,
    labels={"v": "membrane potential v(in, vss) (V)", "a": "adaptation a (1 per recent spike)"},
)


# -- closed forms -------------------------------------------------------------------------------


def adapted_rate(i_in: object, p: Any) -> np.ndarray:
    """Steady firing rate (Hz) under constant input ``i_in`` (A): the root of
    ``f = f_LIF(I - b tau_w f)`` (the mean adaptation current is ``b tau_w f``), with
    :func:`~circuitsnn.physics.lif.rate` as ``f_LIF``. ``p``: the circuit's
    :class:`AdaptiveLIFParams` (its ``b``: the mean AHP current per spike is ``b tau_w``
    however the jump is delivered) or effective LIF parameters with ``b`` and ``tau_w``."""
    from scipy.optimize import brentq

    b, tau_w = float(_field(p, "b")), float(_field(p, "tau_w"))
    i = np.asarray(i_in, dtype=float)
    out = np.zeros(i.shape)
    flat = out.reshape(-1)
    for k, i_k in enumerate(i.reshape(-1)):
        f0 = float(rate(i_k, p))
        if f0 <= 0 or b == 0:
            flat[k] = f0
            continue
        flat[k] = brentq(lambda f: f - float(rate(i_k - b * tau_w * f, p)), 0.0, f0, xtol=1e-9 * f0)
    return out


def _field(p: Any, name: str) -> Any:
    if isinstance(p, dict):
        return p[name]
    return getattr(p, name)


__all__ = ["AdaptiveLIFParams", "LAW", "ADAPTATION", "AHP", "A", "SPIKE", "JUMP", "adapted_rate", "effective_jump",
           "EQUATION", "REFERENCE"]
