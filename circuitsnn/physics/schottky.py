"""Gated Schottky diode synapse with a charge-trap (ONO) memory: the law and its parameters.

An Al/poly-Si Schottky junction on a bottom gate with an ONO charge-trap layer. Gate bias and
trapped charge lower the effective barrier; the reverse saturation current depends
exponentially on it (thermionic emission, Richardson)::

    phi_eff = phi_b0 - alpha_g * V_gate - dphi - eta * V_r          (dphi = Q_trap / c_trap)
    I_s     = area * A** * T^2 * exp(-phi_eff / V_T),   V_T = k T / q
    I(in -> out) = I_s * (1 - exp(-max(V_r, -0.3 V) / V_T)),          V_r = v(in, out) (reverse bias)

Read in reverse saturation (V_r >> V_T): the output current is I_s, nearly independent of the
read voltage (only the small empirical barrier lowering ``eta`` remains). Forward bias beyond
0.3 V is clamped: the synapse is only ever read in reverse. Programming: a gate pulse above
``v_onset`` injects charge at a rate that falls as charge accumulates; an ``erase`` input above
``v_erase`` discharges the trap layer with ``tau_erase``::

    d(dphi)/dt = i_prog / c_trap * exp((V_gate - v_prog) / v_slope - dphi / v_q) * [V_gate > v_onset]
                 - dphi / tau_erase * [V_erase > v_erase],                  v_q = q0 / c_trap

At constant gate voltage the injection integrates to
``exp(dphi / v_q) = exp(dphi_0 / v_q) + t * rate(V_gate, dphi = 0) / v_q``: the trapped charge
grows with the logarithm of the number of identical pulses, so ``I_s ~ (1 + n*c)^m`` with
``m = q0 / (c_trap * V_T)`` (:data:`LINEARITY_EXPONENT`). With the defaults ``m = 1.12`` at
27 degC and ``c = 0.5`` per nominal pulse (8 V, 10 us), the read current vs pulse count is
near-linear: R^2 >= 0.99 over 0-32 pulses (R^2 >= 0.98 for any m in 0.6-1.5, i.e. about
-60..+200 degC). Potentiation is unidirectional.

The temperature is ngspice's ``temper`` (degC) in kelvin, the law's input ``temp``. In SPICE the
state ``dphi`` is the voltage of node ``phi`` (1 F construct); its DC value, and so the state at
t = 0, is the instance parameter ``dphi0`` (0 = erased).

Sources: Bae, Lim, Park, Lee, IEEE EDL 2017 (gated Schottky diode synapse); Lim et al., ISCAS
2018; Lee et al., J. Nanosci. Nanotechnol. 2020; thermionic emission, the effective Richardson
constant (A** about 112 A cm^-2 K^-2 is the value commonly used for n-Si) and Al/Si barrier
heights (0.5-0.7 eV): Sze & Ng, Physics of Semiconductor Devices, 3rd ed., metal-semiconductor
contacts. The linear ``eta`` term is an empirical stand-in for image-force lowering; the
trap-layer numbers (c_trap: 1 um^2 of 10 nm equivalent oxide; q0: about 600 electrons) are
illustrative, chosen for the near-linear regime above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..params import Params, quantity
from .constants import K_OVER_Q, T0_KELVIN
from .expr import NUMPY, Input, P, State, evaluate, exp, maximum, step
from .law import Branch, Law, StateVar, values_of

#: Forward bias beyond this (V) is clamped: the synapse is only ever read in reverse.
V_FORWARD_CLAMP = 0.3

# -- inputs and state ----------------------------------------------------------------------------
V = Input("v", "v(in,out)")
V_GATE = Input("v_gate", "v(gate)")
V_ERASE = Input("v_erase_in", "v(erase)")  # not "v_erase": that is the threshold parameter
TEMP = Input("temp", f"(temper+{T0_KELVIN:g})")
DPHI = State("dphi", node="phi")

# -- read ------------------------------------------------------------------------------------------
#: thermal voltage kT/q (V)
VT = K_OVER_Q * TEMP
#: effective barrier height (V)
PHI_EFF = P.phi_b0 - P.alpha_g * V_GATE - DPHI - P.eta * V
#: reverse saturation current (A): thermionic emission over the lowered barrier
SATURATION = P.area * P.a_star * TEMP**2 * exp(-PHI_EFF / VT)
#: read current (A, in -> out)
CURRENT = SATURATION * (1 - exp(-maximum(V, -V_FORWARD_CLAMP) / VT))

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
    branches=(Branch("d", "in", "out", CURRENT,
                     doc="reverse-biased Schottky junction (cathode in, anode out): I = I_s*(1-exp(-V_r/V_T))"),),
    states=(StateVar(DPHI, RATE, unit="V", initial="dphi0", lo=0.0,
                     doc="barrier lowering Q/c_trap: injection above v_onset, erase above v_erase"),),
    equation="I = A A** T^2 exp(-(phi_b0 - alpha_g Vg - dphi - eta Vr)/VT)(1 - exp(-Vr/VT)); "
             "d(dphi)/dt = i_prog/c_trap e^((Vg-v_prog)/v_slope) e^(-dphi c_trap/q0) [Vg > v_onset] - dphi/tau_erase [erase]",
    reference="Bae, Lim, Park, Lee, IEEE EDL 2017; Lim et al., ISCAS 2018; Lee et al., JNN 2020",
    labels={"dphi": "barrier lowering by trapped charge dphi (V)"},
)


@dataclass(frozen=True, kw_only=True)
class SchottkyParams(Params):
    """Gated Schottky diode synapse (see the module docstring for the law and sources)."""

    prefix = "gsd"

    area: float = quantity(1e-12, unit="m^2", doc="Junction area", gt=0, le=1e-6)
    a_star: float = quantity(1.12e6, unit="A/(m^2 K^2)", doc="Effective Richardson constant", gt=0)
    phi_b0: float = quantity(0.5, unit="V", doc="Barrier height with no gate bias and no trapped charge", ge=0.1, le=1.5)
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

    def linearity_exponent(self, temp_c: float = 27.0) -> float:
        """m = q0 / (c_trap V_T) (:data:`LINEARITY_EXPONENT`): I_s ~ (1 + n c)^m, linear in the
        pulse count n when m = 1."""
        return float(evaluate(LINEARITY_EXPONENT, {**values_of(self), "temp": _kelvin(temp_c)}, NUMPY))


def _kelvin(temp_c: Any) -> Any:
    import numpy as np

    return np.asarray(temp_c, dtype=float) + T0_KELVIN if not isinstance(temp_c, (int, float)) else temp_c + T0_KELVIN
