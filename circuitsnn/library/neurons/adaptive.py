"""Adaptive LIF neuron: the RC LIF plus an after-hyperpolarization (AHP) current.

Model (spike-triggered adaptation current: Benda & Herz, Neural Comput. 15:2523, 2003; the
``b``/``tau_w`` form of Brette & Gerstner, J. Neurophysiol. 94:3637, 2005, with ``a = 0``)::

    C dV/dt   = -(V - v_rest)/R + I_in - b a         V = v(in, vss)
    tau_w da/dt = -a + (spike pulses)                a: dimensionless, +1 per spike
    V >= v_th -> spike; V held at v_reset for t_ref; out = v_spike for t_spike

Each spike adds one unit to ``a`` (a charge pumped onto a capacitor while the neuron is
refractory), which leaks away with ``tau_w``; the AHP current ``b a`` flows out of the
membrane. Under constant input the inter-spike intervals lengthen until the mean adaptation
current balances the extra drive: the steady rate solves ``f = f_LIF(I - b tau_w f)``
(mean-adaptation approximation, Ermentrout, Neural Comput. 10:1721, 1998), which
:func:`adapted_rate` computes. :func:`reference_spike_times` integrates the model exactly
(event-driven, closed form between spikes) for tests and surrogate fits.

The adaptation current in the surrogates' units is ``w = b a`` (A), incremented by ``b`` per
spike. The circuit is the LIF of :mod:`circuitsnn.neurons.lif` with three more elements: the
charge pump, the adaptation capacitor with its leak resistor, and the AHP current source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...params import quantity
from ..registry import Component, register
from ...spice.ir import B, C, Comment, Expr, R, Subckt
from . import testbenches
from .base import PORTS, describe_subckt
from .lif import C_INT, LIFParams, analytic_rate, core_elements


def brentq(*args, **kwargs):
    """scipy's brentq, imported on first use: `circuitsnn list` need not load scipy (1 s)."""
    from scipy.optimize import brentq as _brentq

    return _brentq(*args, **kwargs)

PINOUT = """\
            +-----------------------------+
 in  >------| membrane  Cmem || Rleak     |------> out   pulse v_spike high, t_spike wide
 (current)  | - b a  (AHP current)        |
            | a += 1 per spike, tau_w     |
 vdd -------| (unused: behavioural)       |
 vss -------| reference of every voltage  |
            +-----------------------------+
"""

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
        rate = adapted_rate(i_in, self)
        with np.errstate(divide="ignore"):
            return np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)

    def settle_time(self) -> float:
        return 2.0 * self.tau_w


def adapted_rate(i_in: object, p: AdaptiveLIFParams) -> np.ndarray:
    """Steady firing rate (Hz) under constant input ``i_in`` (A): the root of
    ``f = f_LIF(I - b tau_w f)`` (the mean adaptation current is ``b tau_w f``)."""
    i = np.asarray(i_in, dtype=float)
    out = np.zeros(i.shape)
    flat = out.reshape(-1)
    for k, i_k in enumerate(i.reshape(-1)):
        f0 = float(analytic_rate(i_k, p))
        if f0 <= 0 or p.b == 0:
            flat[k] = f0
            continue
        flat[k] = brentq(lambda f: f - float(analytic_rate(i_k - p.b * p.tau_w * f, p)), 0.0, f0, xtol=1e-9 * f0)
    return out


def _membrane(s: np.ndarray, v0: float, a0: float, i_in: float, p: AdaptiveLIFParams) -> np.ndarray:
    """V(s) after s seconds of free integration from V = v0 with adaptation a0 (closed form)."""
    tau, tw = p.tau, p.tau_w
    v_inf = p.v_rest + i_in * p.r
    base = v_inf + (v0 - v_inf) * np.exp(-s / tau)
    if p.b == 0 or a0 == 0:
        return base
    if math.isclose(tau, tw, rel_tol=1e-9):
        return base - p.r * p.b * a0 * (s / tau) * np.exp(-s / tau)
    amp = -p.r * p.b * a0 * tw / (tw - tau)
    return base + amp * (np.exp(-s / tw) - np.exp(-s / tau))


def reference_spike_times(p: AdaptiveLIFParams, i_in: float, t_stop: float, *, t_start: float = 0.0) -> np.ndarray:
    """Output spike times (s) of the model under a constant input ``i_in`` (A) switched on at
    ``t_start``, from rest, up to ``t_stop``: exact event-driven integration.

    Between spikes V has a closed form; each threshold crossing is bracketed on a grid of
    tau/200 and solved with Brent's method. As in the circuit, the reported time is the output's
    rising edge (``t_delay`` after the crossing), ``a`` gains one unit spread uniformly over the
    latched time (``t_latch`` to ``t_ref`` after the crossing), and V is released from v_reset
    ``t_ref`` after the crossing.
    """
    t, v, a = float(t_start), p.v_rest, 0.0
    out: list[float] = []
    grid_step = min(p.tau, p.tau_w) / 200.0
    while t < t_stop:
        horizon = t_stop - t
        s = np.arange(0.0, horizon + grid_step, grid_step)
        vs = _membrane(s, v, a, i_in, p)
        above = np.nonzero(vs >= p.v_th)[0]
        if above.size == 0:
            break
        k = int(above[0])
        if k == 0:
            s_cross = 0.0
        else:
            s_cross = brentq(lambda x: float(_membrane(np.asarray(x), v, a, i_in, p)) - p.v_th, s[k - 1], s[k], xtol=1e-15)
        t_cross = t + s_cross
        if t_cross + p.t_delay >= t_stop:
            break
        out.append(t_cross + p.t_delay)
        a_cross = a * math.exp(-s_cross / p.tau_w)
        tw, tp = p.tau_w, p.t_ref - p.t_latch
        a = a_cross * math.exp(-p.t_ref / tw) + (tw / tp) * (1.0 - math.exp(-tp / tw))
        v = p.v_reset
        t = t_cross + p.t_ref
    return np.asarray(out)


def subckt(p: AdaptiveLIFParams) -> Subckt:
    """The adaptive LIF subcircuit ``<alif_hash> in out vdd vss`` for parameters ``p``."""
    elements = core_elements(p) + [
        Comment("adaptation a (1 V per spike): pumped while latched (t_ref - t_latch), leaks with tau_w"),
        B(
            "Bpump",
            "vss",
            "a",
            i=Expr.fmt("{i_pump}*min(1, max(0, (v(q,vss) - 0.45)*10))", i_pump=C_INT / (p.t_ref - p.t_latch)),
        ),
        C("Ca", "a", "vss", C_INT),
        R("Ra", "a", "vss", p.tau_w / C_INT),
        Comment("after-hyperpolarization current b*a out of the membrane"),
        B("Bahp", "in", "vss", i=Expr.fmt("{b}*v(a,vss)", b=p.b)),
    ]
    return Subckt(
        name=p.tag(),
        ports=PORTS,
        elements=tuple(elements),
        doc=describe_subckt(p, "Adaptive LIF neuron: RC LIF with an AHP adaptation current", EQUATION, PINOUT),
    )


COMPONENT = register(
    Component(
        name="adaptive_lif",
        kind="neuron",
        family="neuron",
        params_cls=AdaptiveLIFParams,
        subckt=subckt,
        testbenches=testbenches.builders(subckt, reference=adapted_rate, fi_multiples=(1.5, 2.0, 3.0, 5.0, 10.0, 20.0)),
        summary="LIF with an after-hyperpolarization current: spike-frequency adaptation",
        pinout=PINOUT,
        equation=EQUATION,
        reference=REFERENCE,
    )
)

__all__ = ["AdaptiveLIFParams", "adapted_rate", "reference_spike_times", "subckt", "COMPONENT"]
