"""Gated Schottky diode synapse with a charge-trap (ONO) memory: the law and its parameters.

An Al/poly-Si Schottky junction on a bottom gate with an ONO charge-trap layer. The junction is
a real ngspice diode primitive; the gate and the trapped charge, which lower its barrier, are
behavioural.

**The junction** (thermionic emission, Sze & Ng ch. 3)::

    I(anode -> cathode) = I_s (exp(V_j / (n V_T)) - 1),   I_s = area A** T^2 exp(-phi_eff / V_T)
    V_T = k T / q,   V_j = v(out) - v(in) - I r_s        (cathode in, anode out: read with v(in) > v(out))

The primitive ``Dj`` holds the unlowered barrier ``phi_b0``: its model card has
``is = area A** Tnom^2 exp(-phi_b0 / V_T(Tnom))``, ``n``, ``cjo`` (depletion capacitance,
``vj = phi_b0``, ``m = 0.5``), no transit time (a majority-carrier device), and ``xti = 2 n``,
``eg = n phi_b0``. ngspice divides both ``xti`` and ``eg`` by ``n`` in its temperature law
(:func:`~.diode.ngspice_saturation_current`), so these values make the primitive's own
temperature law exactly Richardson's ``T^2 exp(-phi_b0 / kT)`` for any ideality (with ``n = 1``
they are the textbook ``xti = 2``, ``eg = phi_b0``). The series resistance ``r_s`` is a separate
resistor ``Rs`` between ``out`` and the junction, because it carries the whole junction current,
the barrier-lowered part included.

**Barrier lowering** by the gate, the trapped charge and the reverse bias (image force)::

    phi_eff = phi_b0 - alpha_g * V_gate - dphi - eta * V_r         (dphi = Q_trap / c_trap, V_r = v(in, out))

multiplies the junction's saturation current by ``M = exp((phi_b0 - phi_eff) / V_T)``. The
B-source ``Blower`` adds ``(M - 1) * i(Vr)`` beside the junction, where ``i(Vr)`` is the static
current of a replica junction ``Dr`` (same card without capacitance, driven by a copy ``Er`` of
the junction voltage): the total is ``M`` times the junction's static current, while the
depletion capacitance stays that of one junction (multiplying the primitive's own current
through an ammeter would multiply its displacement current by ``M`` too, up to 10^4 during
programming). No clamp: the forward branch is the diode's, limited by ``r_s``.

The device current is therefore a diode with saturation current ``I_s`` (barrier ``phi_eff``) in
series with ``r_s``; its closed form (:func:`read_current`, Lambert W, :mod:`.diode`) is the
Python side. Read in reverse saturation (``V_r >> n V_T``) the current is ``I_s``, nearly
independent of the read voltage (only the small ``eta`` lowering remains).

**Programming**: a gate pulse above ``v_onset`` injects charge at a rate that falls as charge
accumulates; an ``erase`` input above ``v_erase`` discharges the trap layer with ``tau_erase``::

    d(dphi)/dt = i_prog / c_trap * exp((V_gate - v_prog) / v_slope - dphi / v_q) * [V_gate > v_onset]
                 - dphi / tau_erase * [V_erase > v_erase],                  v_q = q0 / c_trap

At constant gate voltage the injection integrates to
``exp(dphi / v_q) = exp(dphi_0 / v_q) + t * rate(V_gate, dphi = 0) / v_q`` (:func:`program`): the
trapped charge grows with the logarithm of the number of identical pulses, so
``I_s ~ (1 + n*c)^m`` with ``m = q0 / (c_trap * V_T)`` (:data:`LINEARITY_EXPONENT`). With the
defaults ``m = 1.12`` at 27 degC and ``c = 0.5`` per nominal pulse (8 V, 10 us), the read current
vs pulse count is near-linear: R^2 >= 0.99 over 0-32 pulses. Potentiation is unidirectional.

The temperature is ngspice's ``temper`` (degC) in kelvin, the law's input ``temp``. In SPICE the
state ``dphi`` is the voltage of node ``phi`` (1 F construct); its DC value, and so the state at
t = 0, is the instance parameter ``dphi0`` (0 = erased).

Scale: the default junction (5 um^2, e.g. 5 um wide) reads 2.1 nA erased and about 50 nA after
32 nominal pulses at 1 V and 27 degC, i.e. about 10 nA/um at the top (Bae et al. report reverse
currents below 12 nA/um); one 10 us read spike then carries 0.02-0.5 pC, 0.4-10 % of the
default LIF's threshold charge (10 pF x 0.5 V).

Sources: Bae, Lim, Park, Lee, IEEE EDL 2017 (gated Schottky diode synapse); Lim et al., ISCAS
2018; Lee et al., J. Nanosci. Nanotechnol. 2020; thermionic emission with ideality, the
effective Richardson constant (A** about 112 A cm^-2 K^-2 for n-Si), Al/Si barrier heights
(0.5-0.7 eV) and depletion capacitance: Sze & Ng, Physics of Semiconductor Devices, 3rd ed.,
ch. 3; ngspice's diode temperature law: the ngspice manual, diode model (tlev = 0). The linear
``eta`` term is an empirical stand-in for image-force lowering; n = 1.05, r_s = 1 kOhm and
cj0 = 1 fF/um^2 are illustrative of a poly-Si contact; the trap-layer numbers (c_trap: 1 um^2 of
10 nm equivalent oxide; q0: about 600 electrons) are illustrative, chosen for the near-linear
regime above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..params import Params, quantity
from .constants import K_OVER_Q, T0_KELVIN, T_NOMINAL, T_NOMINAL_C
from .diode import Ammeter, Diode, DiodeCard, Resistor, Vcvs, diode_series_current
from .expr import MATH, NUMPY, Backend, Input, P, State, compile_exprs, evaluate, exp, step
from .law import Branch, Law, StateVar, pulse_segments, values_of

# -- inputs and state ----------------------------------------------------------------------------
V = Input("v", "v(in,out)")
V_GATE = Input("v_gate", "v(gate)")
V_ERASE = Input("v_erase_in", "v(erase)")  # not "v_erase": that is the threshold parameter
TEMP = Input("temp", f"(temper+{T0_KELVIN:g})")
#: static current (A, anode -> cathode) of the replica junction: the unlowered barrier's
I_REPLICA = Input("i_r", "i(Vr)")
DPHI = State("dphi", node="phi")

# -- read ------------------------------------------------------------------------------------------
#: thermal voltage kT/q (V)
VT = K_OVER_Q * TEMP
#: barrier lowering by the gate, the trapped charge and the reverse bias (V)
LOWERING = P.alpha_g * V_GATE + DPHI + P.eta * V
#: effective barrier height (V)
PHI_EFF = P.phi_b0 - LOWERING
#: saturation current (A): thermionic emission over the lowered barrier (Richardson)
SATURATION = P.area * P.a_star * TEMP**2 * exp(-PHI_EFF / VT)
#: the junction primitive's saturation current at ngspice's nominal temperature (its ``is``)
IS_NOMINAL = P.area * P.a_star * T_NOMINAL**2 * exp(-P.phi_b0 / (K_OVER_Q * T_NOMINAL))
#: the current the lowering adds beside the junction (A, anode a -> cathode in): (M - 1) i(Vr)
LOWERING_CURRENT = (exp(LOWERING / VT) - 1) * I_REPLICA

#: the junction's model card (the replica's is the same without capacitance)
_CARD = {"is": IS_NOMINAL, "n": P.n, "xti": 2 * P.n, "eg": P.n * P.phi_b0, "tnom": T_NOMINAL_C}
JUNCTION = DiodeCard("dsch", {**_CARD, "cjo": P.cj0, "vj": P.phi_b0, "m": 0.5})
REPLICA = DiodeCard("dschdc", dict(_CARD))

PRIMITIVES = (
    Resistor("s", "out", "a", P.r_s, doc="series resistance of the poly-Si: carries the whole junction current"),
    Diode("j", "a", "in", JUNCTION,
          doc="the junction (anode a toward out, cathode in), barrier phi_b0: is = area A** Tnom^2 exp(-phi_b0/VT), "
              "xti = 2n, eg = n phi_b0 (Richardson's T^2 law), cjo"),
    Vcvs("r", "ra", "0", "a", "in", 1.0, doc="replica junction (no capacitance) at the same voltage: its static current i(Vr)"),
    Diode("r", "ra", "rk", REPLICA),
    Ammeter("r", "rk", "0"),
)

# -- programming ----------------------------------------------------------------------------------
#: charge scale of the logarithmic trapping law, q0 / c_trap (V)
VQ = P.q0 / P.c_trap
#: rate of change of dphi (V/s): injection above the onset, erase
RATE = (
    P.i_prog / P.c_trap * exp((V_GATE - P.v_prog) / P.v_slope - DPHI / VQ) * step(V_GATE - P.v_onset)
    - DPHI / P.tau_erase * step(V_ERASE - P.v_erase)
)
#: m = q0 / (c_trap V_T): I_s ~ (1 + n c)^m, linear in the pulse count n when m = 1
LINEARITY_EXPONENT = VQ / VT

LAW = Law(
    name="schottky_gated",
    ports=("in", "out", "gate", "erase"),
    branches=(Branch("lower", "a", "in", LOWERING_CURRENT,
                     doc="barrier lowering alpha_g*Vg + dphi + eta*Vr multiplies the junction's current by "
                         "M = exp(lowering/VT): adds (M-1)*i(Vr)"),),
    states=(StateVar(DPHI, RATE, unit="V", initial="dphi0", lo=0.0,
                     doc="barrier lowering Q/c_trap: injection above v_onset, erase above v_erase"),),
    primitives=PRIMITIVES,
    equation="I = I_s (1 - exp(-(Vr - I r_s)/(n VT))), I_s = A A** T^2 exp(-(phi_b0 - alpha_g Vg - dphi - eta Vr)/VT) "
             "(diode primitive + barrier lowering); d(dphi)/dt = i_prog/c_trap e^((Vg-v_prog)/v_slope) "
             "e^(-dphi c_trap/q0) [Vg > v_onset] - dphi/tau_erase [erase]",
    reference="Bae, Lim, Park, Lee, IEEE EDL 2017; Lim et al., ISCAS 2018; Lee et al., JNN 2020; Sze & Ng ch. 3",
    labels={"dphi": "barrier lowering by trapped charge dphi (V)"},
)

_SAT = compile_exprs(SATURATION)
_RATE = compile_exprs(RATE, VQ)


def read_current(env: Mapping[str, Any], backend: Backend = NUMPY) -> Any:
    """The device's terminal current ``I(in -> out)`` (A): a diode with saturation current
    :data:`SATURATION` (barrier ``phi_eff``) and ideality ``n`` in series with ``r_s``, at
    ``v(in, out) = env["v"]`` (reverse bias positive), in closed form. ``env``: the parameters
    and ``v``, ``v_gate``, ``dphi``, ``temp`` (K); numpy, torch or floats."""
    i_s = _SAT(env, backend)[0]
    n_vt = env["n"] * K_OVER_Q * env["temp"]
    return -diode_series_current(-env["v"], i_s, n_vt, env["r_s"])


def injection_rate(v_gate: Any, p: Mapping[str, Any], backend: Backend = NUMPY) -> tuple[Any, Any]:
    """``(r, v_q)``: the law's injection rate ``d(dphi)/dt`` (V/s) of an empty trap layer at gate
    voltage ``v_gate`` (no erase), and the charge scale ``v_q`` (V)."""
    r, vq = _RATE({**p, "v_gate": v_gate, "v_erase_in": 0.0, "dphi": 0.0}, backend)
    return r, vq


def erase_rate(v_erase: Any, p: Mapping[str, Any], backend: Backend = NUMPY) -> Any:
    """The law's discharge rate ``k`` (1/s) at erase voltage ``v_erase``: ``-d(dphi)/dt / dphi``
    with the gate off."""
    r, _ = _RATE({**p, "v_gate": 0.0, "v_erase_in": v_erase, "dphi": 1.0}, backend)
    return -r


def program(dphi: Any, v_gate: Any, dt: Any, p: Mapping[str, Any], backend: Backend = NUMPY) -> Any:
    """Barrier lowering after ``dt`` seconds at constant gate voltage ``v_gate``: the law's
    injection integrated in closed form, ``exp(dphi'/v_q) = exp(dphi/v_q) + r dt / v_q``."""
    r, vq = injection_rate(v_gate, p, backend)
    # vq ln(exp(dphi/vq) + r dt/vq), written so that it never falls below dphi in floating point
    return dphi + vq * backend.f_log(1 + r * dt / vq * backend.f_exp(-dphi / vq))


def erase(dphi: Any, v_erase: Any, dt: Any, p: Mapping[str, Any], backend: Backend = NUMPY) -> Any:
    """Barrier lowering after ``dt`` seconds at constant erase voltage ``v_erase`` (exact decay)."""
    return dphi * backend.f_exp(-erase_rate(v_erase, p, backend) * dt)


@dataclass(frozen=True, kw_only=True)
class SchottkyParams(Params):
    """Gated Schottky diode synapse (see the module docstring for the law and sources)."""

    prefix = "gsd"

    area: float = quantity(5e-12, unit="m^2", doc="Junction area", gt=0, le=1e-6)
    a_star: float = quantity(1.12e6, unit="A/(m^2 K^2)", doc="Effective Richardson constant", gt=0)
    phi_b0: float = quantity(0.5, unit="V", doc="Barrier height with no gate bias and no trapped charge", ge=0.1, le=1.5)
    n: float = quantity(1.05, unit="1", doc="Ideality factor of the junction (diode N)", ge=1.0, le=2.0)
    r_s: float = quantity(1e3, unit="Ohm", doc="Series resistance (poly-Si), carries the whole junction current", gt=0)
    cj0: float = quantity(5e-15, unit="F", doc="Zero-bias depletion capacitance of the junction (diode CJO)", ge=0)
    alpha_g: float = quantity(0.02, unit="V/V", doc="Barrier lowering per volt of gate bias", ge=0, le=1)
    eta: float = quantity(1e-3, unit="V/V", doc="Barrier lowering per volt of reverse bias (image force)", ge=0, lt=0.1)
    c_trap: float = quantity(3.45e-15, unit="F", doc="Trap-layer coupling capacitance (beta = 1/c_trap)", gt=0)
    q0: float = quantity(1e-16, unit="C", doc="Charge scale of the logarithmic trapping law", gt=0)
    i_prog: float = quantity(5e-12, unit="A", doc="Charge injection current at V_gate = v_prog, Q = 0", gt=0)
    v_prog: float = quantity(8.0, unit="V", doc="Nominal program pulse amplitude (gate)", gt=0, le=30)
    v_slope: float = quantity(0.5, unit="V", doc="Gate voltage per e-fold of the injection rate", gt=0)
    v_onset: float = quantity(5.0, unit="V", doc="Gate voltage below which no charge is injected", ge=0)
    v_erase: float = quantity(2.5, unit="V", doc="Erase input threshold", gt=0)
    tau_erase: float = quantity(1e-6, unit="s", doc="Discharge time constant while erasing", gt=0)
    dphi0: float = quantity(0.0, unit="V", doc="Initial barrier lowering by trapped charge (0 = erased)", ge=0, le=1.0)

    def check(self) -> None:
        if not self.v_onset < self.v_prog:
            self.fail("v_onset", f"= {self.v_onset!r} must be below v_prog = {self.v_prog!r} V")
        if not self.dphi0 < self.phi_b0:
            self.fail("dphi0", f"= {self.dphi0!r} must be below phi_b0 = {self.phi_b0!r} V (the barrier must stay positive)")

    # -- analytic companions: the law's own expressions, evaluated --------------------------------
    def saturation_current(self, dphi: Any = 0.0, temp_c: Any = 27.0, v_gate: Any = 0.0, v_r: Any = 0.0):
        """I_s (A) of the law (:data:`SATURATION`) at a trapped-charge barrier lowering ``dphi``
        (V), temperature ``temp_c`` (degC), gate bias and reverse bias (V); numpy arrays broadcast."""
        env = {**values_of(self), "dphi": dphi, "temp": _kelvin(temp_c), "v_gate": v_gate, "v": v_r}
        return evaluate(SATURATION, env, NUMPY)

    def read_current(self, v_r: Any = 1.0, dphi: Any = 0.0, temp_c: Any = 27.0, v_gate: Any = 0.0):
        """The device current I(in -> out) (A) at reverse bias ``v_r`` (:func:`read_current`)."""
        env = {**values_of(self), "dphi": dphi, "temp": _kelvin(temp_c), "v_gate": v_gate, "v": v_r}
        return read_current(env, NUMPY)

    def linearity_exponent(self, temp_c: float = 27.0) -> float:
        """m = q0 / (c_trap V_T) (:data:`LINEARITY_EXPONENT`): I_s ~ (1 + n c)^m, linear in the
        pulse count n when m = 1."""
        return float(evaluate(LINEARITY_EXPONENT, {**values_of(self), "temp": _kelvin(temp_c)}, NUMPY))

    def programmed(self, pulses: int, amplitude: float | None = None, width: float = 10e-6, edge: float = 0.1e-6) -> float:
        """dphi (V) after ``pulses`` identical gate pulses from the erased state (closed form)."""
        v = values_of(self)
        d = 0.0
        for _ in range(int(pulses)):
            for dt, level in pulse_segments(self.v_prog if amplitude is None else amplitude, width, edge, edge):
                d = program(d, level, dt, v, MATH)
        return d


def _kelvin(temp_c: Any) -> Any:
    import numpy as np

    return np.asarray(temp_c, dtype=float) + T0_KELVIN if not isinstance(temp_c, (int, float)) else temp_c + T0_KELVIN
