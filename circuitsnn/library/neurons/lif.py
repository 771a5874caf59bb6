"""RC leaky integrate-and-fire neuron: the behavioural reference neuron.

Model (Lapicque 1907; Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics*, 2014, ch. 1.3)::

    C dV/dt = -(V - v_rest)/R + I_in                 V = v(in, vss), I_in injected into `in`
    V >= v_th  ->  spike: V is held at v_reset for t_ref, out = v_spike for t_spike

Under a constant input the inter-spike interval is exact (the analytic f-I curve)::

    f(I) = 1 / (t_ref + tau ln((V_inf - v_reset) / (V_inf - v_th))),   V_inf = v_rest + I R > v_th
    tau = R C      (= 1 / (t_ref + tau ln(I R / (I R - v_th))) for v_rest = v_reset = 0)

Circuit (behavioural where precision matters more than transistor realism)::

    in  --+-- Cmem --- vss        membrane capacitor
          +-- Rleak -- v_rest     leak conductance to the resting potential
          +-- Breset              reset clamp: (V - v_reset)/r_on while latched
    q     spike latch (0/1 V): set by V > v_th, held until the timer reaches 1 V
    tm    refractory timer: ramps 0 -> 1 V while latched, reset to 0 otherwise
    out   v_spike while latched and tm is inside the t_spike window, linear edges

Timing is exact by construction: the latch node relaxes with ``t_fast`` and crosses 0.5 V
``t_latch = t_fast ln 2`` after the threshold crossing (both when it sets and when it releases),
so the timer ramps for ``t_ref - 2 t_latch`` and the membrane is released exactly ``t_ref`` after
the threshold crossing. The output is a trapezoid cut from the timer ramp, which any
integration method integrates exactly: linear edges ``t_edge = 2 t_fast`` long (at least two
max steps, so sampled waveforms resolve them), half amplitude ``t_delay = t_latch + t_edge/2``
after the threshold crossing, and exactly ``t_spike`` wide at half amplitude, so the charge a
pulse drives through a linear synapse is ``v_spike t_spike G``. The threshold and release events
are a capacitor node (the latch) crossing a level, so the solver's truncation-error control
localizes them in time; and because the latch is a capacitor node, not algebraic logic, an
implicit solver cannot jump into the latched state without a threshold crossing.

Simulation: use ``.tran`` max step <= :meth:`LIFParams.max_step` (``t_fast``) and
``.options method=gear`` (the reset clamp is stiff; the trapezoidal rule rings on it). Measured
with both (default parameters, 1.05 to 20x the rheobase): the f-I curve matches the formula
within 0.04 % (Gear) / 0.3 % (trapezoidal) at that step, 2 % / 1 % at a 5x coarser step. Inputs must start below threshold at
t = 0, and the reset clamp holds the membrane for inputs up to ``(v_th - v_reset) / r_on``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...params import quantity
from ..registry import Component, register
from ...spice.ir import B, C, Comment, Expr, Line, R, Subckt, V
from . import testbenches
from .base import PORTS, NeuronParams, describe_subckt

#: Capacitance (F) of the internal latch and timer nodes: their voltages are logic-like 0..1 V.
C_INT = 1e-9
#: Reset-clamp time constant as a fraction of t_fast: short, so the reset ends well inside t_ref.
CLAMP_FRACTION = 1.0 / 20.0
#: Output edge duration as a multiple of t_fast (the max step): each edge spans time points.
EDGE_FACTOR = 2.0

PINOUT = """\
            +----------------------------+
 in  >------| membrane  Cmem || Rleak    |------> out   pulse v_spike high, t_spike wide
 (current)  | V > v_th: spike, then      |               (half-amplitude width)
            | V = v_reset for t_ref      |
 vdd -------| (unused: behavioural)      |
 vss -------| reference of every voltage |
            +----------------------------+
"""

EQUATION = """\
C dV/dt = -(V - v_rest)/R + I_in,  V = v(in, vss)
V >= v_th -> spike: out = v_spike for t_spike; V = v_reset for t_ref
f(I) = 1/(t_ref + R C ln((v_rest + I R - v_reset)/(v_rest + I R - v_th)))"""

REFERENCE = (
    "Lapicque (1907); Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3; "
    "silicon LIF neurons reviewed in Indiveri et al., Front. Neurosci. 5:73 (2011)"
)


@dataclass(frozen=True, kw_only=True)
class LIFParams(NeuronParams):
    """Parameters of the RC LIF neuron (SI units).

    Defaults: a 10 pF membrane capacitor with a 100 MOhm leak (tau = 1 ms, rheobase 5 nA), a
    0.5 V threshold under a 1.8 V supply, 0.2 ms refractory period and 10 us output pulses of
    the supply height: the ranges of above-threshold silicon LIF neurons (Indiveri et al.,
    Front. Neurosci. 2011). The dynamics depend only on the ratios (t_ref/tau, I R/v_th).
    """

    prefix: ClassVar[str] = "lif"

    c: float = quantity(10e-12, unit="F", doc="Membrane capacitance", gt=0, le=1.0)
    r: float = quantity(100e6, unit="Ohm", doc="Leak resistance from the membrane to v_rest", gt=0)
    v_rest: float = quantity(0.0, unit="V", doc="Resting potential (leak reversal), vs vss", ge=-12, le=12)
    v_th: float = quantity(0.5, unit="V", doc="Firing threshold of the membrane, vs vss", gt=-12, le=12)
    v_reset: float = quantity(0.0, unit="V", doc="Reset potential held during t_ref, vs vss", ge=-12, le=12)
    t_ref: float = quantity(200e-6, unit="s", doc="Absolute refractory period (membrane held at v_reset)", gt=0)
    t_spike: float = quantity(10e-6, unit="s", doc="Output pulse width at half amplitude", gt=0)
    v_spike: float = quantity(1.8, unit="V", doc="Output pulse amplitude above vss", gt=0, le=12)

    def check(self) -> None:
        if not self.v_reset < self.v_th:
            self.reject(
                "v_reset",
                f"= {self.v_reset:g} V is not below the threshold v_th = {self.v_th:g} V",
                f"v_reset < v_th = {self.v_th:g} V",
            )
        if not self.v_rest < self.v_th:
            self.reject(
                "v_rest",
                f"= {self.v_rest:g} V is not below the threshold v_th = {self.v_th:g} V (a neuron "
                "resting above threshold fires from t = 0 and has no operating point)",
                f"v_rest < v_th = {self.v_th:g} V",
            )
        if not self.v_th <= self.vdd:
            self.reject("v_th", f"= {self.v_th:g} V is above the supply vdd = {self.vdd:g} V", f"v_th <= vdd = {self.vdd:g} V")
        if not self.v_spike <= self.vdd:
            self.reject(
                "v_spike", f"= {self.v_spike:g} V is above the supply vdd = {self.vdd:g} V", f"0 < v_spike <= vdd = {self.vdd:g} V"
            )
        if not self.t_spike <= 0.9 * self.t_ref:
            self.reject(
                "t_spike",
                f"= {self.t_spike:g} s does not end inside the refractory period t_ref = {self.t_ref:g} s",
                f"0 < t_spike <= 0.9 t_ref = {0.9 * self.t_ref:g} s",
            )

    # -- derived quantities -------------------------------------------------------------------
    @property
    def tau(self) -> float:
        """Membrane time constant R C (s)."""
        return self.r * self.c

    @property
    def rheobase(self) -> float:
        """Smallest constant input that ever fires, (v_th - v_rest)/R (A)."""
        return (self.v_th - self.v_rest) / self.r

    @property
    def t_fast(self) -> float:
        """Time constant (s) of the latch and timer reset: 1 % of t_ref, at most t_spike/5 and tau/100."""
        return min(self.t_ref / 100.0, self.t_spike / 5.0, self.tau / 100.0)

    @property
    def t_latch(self) -> float:
        """Delay (s) of the latch: from the threshold crossing to q = 0.5 V (and from the timer's
        end to the release)."""
        return self.t_fast * math.log(2.0)

    @property
    def t_edge(self) -> float:
        """Rise and fall time (s) of the output pulse (linear edges)."""
        return EDGE_FACTOR * self.t_fast

    @property
    def t_delay(self) -> float:
        """Delay (s) from the threshold crossing to the output's half-amplitude rising edge."""
        return self.t_latch + 0.5 * self.t_edge

    @property
    def t_ramp(self) -> float:
        """Duration (s) of the timer ramp: t_ref less the latch's set and release delays."""
        return self.t_ref - 2.0 * self.t_latch

    @property
    def r_on(self) -> float:
        """Resistance (Ohm) of the reset clamp: clamp time constant t_fast/20."""
        return CLAMP_FRACTION * self.t_fast / self.c

    @property
    def i_max(self) -> float:
        """Largest input (A) the reset clamp holds below threshold during t_ref."""
        return (self.v_th - self.v_reset) / self.r_on

    # -- what testbenches need -----------------------------------------------------------------
    def spike_amplitude(self) -> float:
        return self.v_spike

    def current_scale(self) -> float:
        return self.rheobase

    def expected_isi(self, i_in: object) -> np.ndarray:
        return analytic_isi(i_in, self)

    def max_step(self) -> float:
        return self.t_fast


def analytic_isi(i_in: object, p: LIFParams) -> np.ndarray:
    """Inter-spike interval (s) under a constant input ``i_in`` (A, scalar or array):
    ``t_ref + tau ln((V_inf - v_reset)/(V_inf - v_th))`` with ``V_inf = v_rest + I R``; ``inf``
    where ``V_inf <= v_th`` (the neuron never fires)."""
    i = np.asarray(i_in, dtype=float)
    v_inf = p.v_rest + i * p.r
    fires = v_inf > p.v_th
    with np.errstate(divide="ignore", invalid="ignore"):
        isi = p.t_ref + p.tau * np.log((v_inf - p.v_reset) / (v_inf - p.v_th))
    return np.where(fires, isi, np.inf)


def analytic_rate(i_in: object, p: LIFParams) -> np.ndarray:
    """The analytic f-I curve (Hz) of the LIF neuron: ``1 / analytic_isi``, 0 below rheobase."""
    isi = analytic_isi(i_in, p)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(isi), 1.0 / isi, 0.0)


def core_elements(p: LIFParams) -> list[Line]:
    """Membrane, latch, timer, reset and output elements (shared with the adaptive neuron)."""
    g_int = C_INT / p.t_fast  # latch/timer relaxation conductance (S)
    e = p.t_edge / p.t_ramp  # timer change (V) during one output edge
    w = p.t_spike / p.t_ramp  # timer level (V) reached t_spike after the ramp starts
    lines: list[Line] = [
        Comment("membrane: C dV/dt = -(V - v_rest)/R + I_in"),
        C("Cmem", "in", "vss", p.c),
    ]
    if p.v_rest == 0:
        lines.append(R("Rleak", "in", "vss", p.r))
    else:
        lines += [R("Rleak", "in", "rest", p.r), V("Vrest", "rest", "vss", p.v_rest)]
    lines += [
        Comment("spike latch q (0/1 V): set by V > v_th, held until the timer reaches 1 V"),
        B(
            "Bq",
            "vss",
            "q",
            i=Expr.fmt(
                "{g}*((((v(in,vss) > {vth}) || ((v(q,vss) > 0.5) && (v(tm,vss) < 1))) ? 1 : 0) - v(q,vss))",
                g=g_int,
                vth=p.v_th,
            ),
        ),
        C("Cq", "q", "vss", C_INT),
        Comment("refractory timer tm: ramps 0 -> 1 V in t_ref - 2 t_latch while latched, else resets"),
        B("Btm", "vss", "tm", i=Expr.fmt("(v(q,vss) > 0.5) ? {i_ramp} : -{g}*v(tm,vss)", i_ramp=C_INT / p.t_ramp, g=g_int)),
        C("Ctm", "tm", "vss", C_INT),
        Comment("reset: while latched the membrane is clamped to v_reset through r_on"),
        B("Breset", "in", "vss", i=Expr.fmt("(v(q,vss) > 0.5) ? (v(in,vss) - {vr})*{gon} : 0", vr=p.v_reset, gon=1.0 / p.r_on)),
        Comment("output: v_spike while the timer is inside the t_spike window, linear edges t_edge wide"),
        B(
            "Bout",
            "out",
            "vss",
            v=Expr.fmt(
                "(v(q,vss) > 0.5) ? {vs}*min(1, max(0, v(tm,vss)*{k}))*min(1, max(0, ({top} - v(tm,vss))*{k})) : 0",
                vs=p.v_spike,
                k=1.0 / e,
                top=w + e,
            ),
        ),
    ]
    return lines


def subckt(p: LIFParams) -> Subckt:
    """The LIF subcircuit ``<lif_hash> in out vdd vss`` for parameters ``p``."""
    return Subckt(
        name=p.tag(),
        ports=PORTS,
        elements=tuple(core_elements(p)),
        doc=describe_subckt(p, "RC leaky integrate-and-fire neuron (behavioural reference)", EQUATION, PINOUT),
    )


COMPONENT = register(
    Component(
        name="lif",
        kind="neuron",
        family="neuron",
        params_cls=LIFParams,
        subckt=subckt,
        testbenches=testbenches.builders(subckt, reference=analytic_rate),
        summary="RC leaky integrate-and-fire neuron with threshold, reset and refractory period; "
        "matches the analytic f-I curve",
        pinout=PINOUT,
        equation=EQUATION,
        reference=REFERENCE,
    )
)

__all__ = ["LIFParams", "analytic_isi", "analytic_rate", "subckt", "core_elements", "COMPONENT"]
