"""RC leaky integrate-and-fire neuron: the law, its parameters and its closed forms.

Model (Lapicque 1907; Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics*, 2014, ch. 1.3)::

    C dV/dt = -(V - v_rest)/R + I_in                 V = v(in, vss), I_in injected into `in`
    V >= v_th  ->  spike: V is held at v_reset for t_ref

declared once as :data:`LAW` (a :class:`~circuitsnn.physics.neuron.NeuronLaw`: the membrane is
a real capacitor and leak resistor, the spike rule says threshold, reset and refractory period).
The component :mod:`circuitsnn.library.neurons.lif` renders its subcircuit from it.

Under a constant input the inter-spike interval is exact (the analytic f-I curve)::

    ISI(I) = t_ref + tau ln((V_inf - v_reset) / (V_inf - v_th)),   V_inf = v_rest + I R > v_th
    tau = R C      (f = 1 / (t_ref + tau ln(I R / (I R - v_th))) for v_rest = v_reset = 0)

and the first spike from rest comes ``tau ln((V_inf - v_rest)/(V_inf - v_th))`` after the input
is switched on. :func:`isi`, :func:`rate` and :func:`latency` are these closed forms, written
once (:data:`ISI`, :data:`LATENCY`) and evaluated on numpy (the circuit's testbenches, the fits)
or torch (differentiable, the surrogates). They read *effective LIF* parameters (the names of
:class:`~circuitsnn.surrogates.lif.LIFParameters`: ``tau_m r_in v_rest v_th v_reset t_ref
t_delay``, and ``i_ref`` for an active reset whose refractory period stretches as
``t_ref / (1 - I/i_ref)``, default infinite); :meth:`LIFParams.lif_equivalent` gives them for
the circuit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..params import quantity
from .expr import NUMPY, TORCH, Input, P, State, compile_exprs, land, log, where
from .neuron import NeuronLaw, NeuronParams, RCState, SpikeRule, lif_values

#: Reset-clamp time constant as a fraction of t_fast: short, so the reset ends well inside t_ref.
CLAMP_FRACTION = 1.0 / 20.0
#: Output edge duration as a multiple of t_fast (the max step): each edge spans time points.
EDGE_FACTOR = 2.0

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

    # -- what testbenches and surrogates need --------------------------------------------------
    def spike_amplitude(self) -> float:
        return self.v_spike

    def spike_width(self) -> float:
        return self.t_spike

    def spike_edge(self) -> float:
        return self.t_edge

    def current_scale(self) -> float:
        return self.rheobase

    def expected_isi(self, i_in: object) -> np.ndarray:
        return isi(i_in, self)

    def max_step(self) -> float:
        return self.t_fast

    def lif_equivalent(self) -> dict[str, float]:
        """The circuit is the LIF law itself; the output pulse's half-amplitude rising edge comes
        ``t_delay`` after the threshold crossing."""
        return {"tau_m": self.tau, "r_in": self.r, "c_m": self.c, "v_rest": self.v_rest, "v_th": self.v_th,
                "v_reset": self.v_reset, "t_ref": self.t_ref, "t_delay": self.t_delay}


# -- the law ------------------------------------------------------------------------------------

#: the membrane potential v(in, vss)
V = State("v", node="in", ref="vss")
#: the current (A) injected into the membrane (a synapse's read current, a current source)
I_IN = Input("i_in", "i_in")

MEMBRANE = RCState(V, c=P.c, r=P.r, rest=P.v_rest, unit="V", doc="membrane: C dV/dt = -(V - v_rest)/R + I_in",
                   names=("Cmem", "Rleak", "Vrest"))
SPIKE = SpikeRule("v", threshold=P.v_th, reset=P.v_reset, refractory=P.t_ref)

LAW = NeuronLaw(
    "lif", I_IN, (MEMBRANE,), SPIKE, equation=EQUATION, reference=REFERENCE,
    labels={"v": "membrane potential v(in, vss) (V)"},
)


# -- closed forms under constant input (effective LIF parameters) --------------------------------

#: the constant input current (A)
I = Input("i", "i")
V_INF = P.v_rest + P.r_in * I
#: where the neuron fires under a constant ``i``: above the rheobase (and below an active
#: reset's ``i_ref``)
FIRES = land(V_INF.gt(P.v_th), I.lt(P.i_ref))
_V_SAFE = where(FIRES, V_INF, P.v_th + 1)  # finite everywhere: no nan in the other branch's gradient
_RHO = where(FIRES, 1 - I / P.i_ref, 1)
#: the inter-spike interval (s) where :data:`FIRES`
ISI = P.t_ref / _RHO + P.tau_m * log((_V_SAFE - P.v_reset) / (_V_SAFE - P.v_th))
#: where a step from ``v0`` (rest) ever reaches threshold, and when (s, output delay included)
REACHES = V_INF.gt(P.v_th)
_V_SAFE0 = where(REACHES, V_INF, P.v_th + 1)
V0 = Input("v0", "v0")
LATENCY = P.t_delay + P.tau_m * log((_V_SAFE0 - V0) / (_V_SAFE0 - P.v_th))

_DEFAULTS = {"t_delay": 0.0, "i_ref": math.inf}


def _env(i: Any, p: Any) -> tuple[dict[str, Any], Any, bool]:
    values = {**_DEFAULTS, **lif_values(p)}
    try:
        import torch

        is_torch = isinstance(i, torch.Tensor) or any(isinstance(v, torch.Tensor) for v in values.values())
    except ImportError:  # pragma: no cover - torch is a dependency
        is_torch = False
    if not is_torch:
        i = np.asarray(i, dtype=float)
    values["i"] = i
    return values, (TORCH if is_torch else NUMPY), is_torch


def isi(i: Any, p: Any) -> Any:
    """Inter-spike interval (s) under a constant input ``i`` (A, scalar or array; a torch tensor
    gives a differentiable tensor): :data:`ISI`, ``inf`` where the neuron never fires. ``p``:
    effective LIF parameters (a mapping, :class:`~circuitsnn.surrogates.lif.LIFParameters`)
    or a neuron's Params (:meth:`LIFParams.lif_equivalent`). Hard threshold: ``delta_t`` is
    ignored."""
    env, be, is_torch = _env(i, p)
    t, fires = compile_exprs(ISI, FIRES)(env, be)
    if is_torch:
        import torch

        return torch.where(fires != 0, t, torch.full_like(t, math.inf))
    return np.where(fires != 0, t, np.inf)


def rate(i: Any, p: Any) -> Any:
    """The analytic f-I curve (Hz): ``1 / isi``, 0 where the neuron never fires (see :func:`isi`)."""
    env, be, is_torch = _env(i, p)
    t, fires = compile_exprs(ISI, FIRES)(env, be)
    if is_torch:
        import torch

        return torch.where(fires != 0, 1.0 / t, torch.zeros_like(t))
    with np.errstate(divide="ignore"):
        return np.where(fires != 0, 1.0 / t, 0.0)


def latency(i: Any, p: Any, v0: Any = None) -> Any:
    """Time (s) from a current step ``i`` (A) at t = 0 to the first output spike, starting at
    ``v0`` (default ``v_rest``): :data:`LATENCY` (output delay ``t_delay`` included), ``inf``
    where the membrane never reaches threshold. ``p`` as for :func:`isi`."""
    env, be, is_torch = _env(i, p)
    env["v0"] = env["v_rest"] if v0 is None else v0
    t, reaches = compile_exprs(LATENCY, REACHES)(env, be)
    if is_torch:
        import torch

        return torch.where(reaches != 0, t, torch.full_like(t, math.inf))
    return np.where(reaches != 0, t, np.inf)


#: the names the library has always used for the f-I of the circuit
analytic_isi = isi
analytic_rate = rate

__all__ = ["LIFParams", "LAW", "MEMBRANE", "SPIKE", "V", "I_IN", "ISI", "LATENCY", "isi", "rate", "latency",
           "analytic_isi", "analytic_rate", "EQUATION", "REFERENCE", "CLAMP_FRACTION", "EDGE_FACTOR"]
