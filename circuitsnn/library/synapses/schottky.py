"""Gated Schottky diode synapse with a charge-trap (ONO) memory.

An Al/poly-Si Schottky junction on a bottom gate with an ONO charge-trap layer. Gate bias and
trapped charge lower the effective barrier; the reverse saturation current depends
exponentially on it (thermionic emission, Richardson)::

    phi_eff = phi_b0 - alpha_g * V_gate - Q_trap / c_trap - eta * V_r          (beta = 1/c_trap)
    I_s     = area * A** * T^2 * exp(-phi_eff / V_T),   V_T = k T / q
    I(in -> out) = I_s * (1 - exp(-V_r / V_T)),          V_r = v(in, out) (reverse bias)

Read in reverse saturation (V_r >> V_T): the output current is I_s, nearly independent of the
read voltage (only the small empirical barrier lowering ``eta`` remains). Programming: a gate
pulse above ``v_onset`` injects charge at a rate that falls as charge accumulates::

    dQ/dt = i_prog * exp((V_gate - v_prog) / v_slope) * exp(-Q / q0)

which integrates to ``Q = q0 * ln(1 + integral(i_prog * exp(...)) / q0)``: the trapped charge grows
with the logarithm of the number of identical pulses, so ``I_s ~ (1 + n*c)^m`` with
``m = q0 / (c_trap * V_T)``. With the defaults ``m = 1.12`` at 27 degC and ``c = 0.5`` per
nominal pulse (8 V, 10 us), the read current vs pulse count is near-linear: R^2 >= 0.99 over
0-32 pulses (R^2 >= 0.98 for any m in 0.6-1.5, i.e. about -60..+200 degC). Potentiation is
unidirectional; an ``erase`` input above ``v_erase`` discharges the trap layer with
``tau_erase``.

Pinout::

          gate o           erase o
               |                 |
        in o--|<|---o out     (resets Q_trap)
     (cathode)  (anode): read with v(in) > v(out), current in -> out

Sources: Bae, Lim, Park, Lee, IEEE EDL 2017 (gated Schottky diode synapse); Lim et al., ISCAS
2018; Lee et al., J. Nanosci. Nanotechnol. 2020; thermionic emission, the effective Richardson
constant (A** about 112 A cm^-2 K^-2 is the value commonly used for n-Si) and Al/Si barrier
heights (0.5-0.7 eV): Sze & Ng, Physics of Semiconductor Devices, 3rd ed., metal-semiconductor
contacts. The linear ``eta`` term is an empirical stand-in for image-force lowering; the
trap-layer numbers (c_trap: 1 um^2 of 10 nm equivalent oxide; q0: about 600 electrons) are
illustrative, chosen for the near-linear regime below.

Inside the subcircuit node ``phi`` holds ``Q_trap / c_trap`` in volts (1 F trick); its DC value,
and so the state at t = 0, is the subcircuit parameter ``dphi0`` (0 = erased).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...params import Params, quantity
from ..registry import Component, Testbench, register
from ...spice.ir import B, C, Comment, DcSweep, Deck, Expr, Op, R, Subckt, Tran, V, X
from .common import HOLD_TAU, K_OVER_Q, T0_KELVIN, differential, pulse_train, pwl, r_squared, sample, spike_testbench, values_doc

#: Forward bias beyond this (V) is clamped: the synapse is only ever read in reverse.
V_FORWARD_CLAMP = 0.3


@dataclass(frozen=True, kw_only=True)
class SchottkyParams(Params):
    """Gated Schottky diode synapse (see module docstring for the equations and sources)."""

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

    # -- analytic companions (used by tests, surrogate fits and docs) -----------------------------
    def saturation_current(self, dphi: float | np.ndarray = 0.0, temp_c: float = 27.0, v_gate: float = 0.0, v_r: float = 0.0):
        """I_s (A) at a trapped-charge barrier lowering ``dphi`` (V), temperature (degC)."""
        t = temp_c + T0_KELVIN
        phi = self.phi_b0 - self.alpha_g * v_gate - np.asarray(dphi) - self.eta * v_r
        return self.area * self.a_star * t * t * np.exp(-phi / (K_OVER_Q * t))

    def linearity_exponent(self, temp_c: float = 27.0) -> float:
        """m = q0 / (c_trap V_T): I_s ~ (1 + n c)^m, linear in pulse count n when m = 1."""
        return self.q0 / (self.c_trap * K_OVER_Q * (temp_c + T0_KELVIN))


def subckt(p: SchottkyParams) -> Subckt:
    """The gated Schottky synapse ``.subckt <tag> in out gate erase params: dphi0=...``."""
    vq = p.q0 / p.c_trap
    tk = f"(temper+{T0_KELVIN:g})"
    read = Expr.fmt(
        "{ar}*" + tk + "*" + tk + "*exp((v(gate)*{ag}+v(phi)+v(in,out)*{eta}-{phib})/({kq}*" + tk + "))"
        "*(1-exp(-max(v(in,out),-{vcl})/({kq}*" + tk + ")))",
        ar=p.area * p.a_star, ag=p.alpha_g, eta=p.eta, phib=p.phi_b0, kq=K_OVER_Q, vcl=V_FORWARD_CLAMP,
    )
    prog = Expr.fmt(
        "{r}*exp(v(gate)*{a}-v(phi)*{b}-{c})*u(v(gate)-{von})-v(phi)*{e}*u(v(erase)-{ve})",
        r=p.i_prog / p.c_trap, a=1.0 / p.v_slope, b=1.0 / vq, c=p.v_prog / p.v_slope, von=p.v_onset,
        e=1.0 / p.tau_erase, ve=p.v_erase,
    )
    elements = (
        Comment("reverse-biased Schottky junction (cathode in, anode out): I = I_s*(1-exp(-V_r/V_T))"),
        B("Bd", "in", "out", i=read),
        Comment("trapped charge as barrier lowering v(phi) = Q/c_trap: injection above v_onset, erase"),
        B("Bq", "0", "phi", i=prog),
        C("Cq", "phi", "0", 1.0),
        Comment("sets the state at t = 0 (DC) to dphi0; time constant 1e12 s"),
        R("Rh", "phi", "p0", HOLD_TAU),
        V("V0", "p0", "0", Expr("dphi0")),
    )
    doc = (
        f"Gated Schottky diode synapse {p.tag()} (circuitsnn.devices.schottky)\n"
        "ports: in out gate erase   (read with v(in) > v(out); gate: read bias and program pulses;\n"
        "       erase > v_erase resets the trapped charge). Instance parameter dphi0: initial state.\n"
        "I = A*A**T^2*exp(-(phi_b0-alpha_g*Vg-Q/c_trap-eta*Vr)/VT)*(1-exp(-Vr/VT)); dQ/dt ~ exp(-Q/q0)\n"
        f"{values_doc(p)}"
    )
    return Subckt(p.tag(), ("in", "out", "gate", "erase"), elements, params={"dphi0": p.dphi0}, doc=doc)


def signed(pos: SchottkyParams, neg: SchottkyParams | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed pair (last: ``in out gate_p erase_p gate_n erase_n``)."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


# -- testbenches -------------------------------------------------------------------------------


def _deck(title: str, p: SchottkyParams, elements, analyses, temp: float | None = None) -> Deck:
    return Deck(title, elements=tuple(elements), subckts=(subckt(p),), analyses=tuple(analyses), temp=temp)


def tb_iv(p: SchottkyParams, *, dphis: tuple[float, ...] = (0.0, 0.04, 0.08), v_min: float = -0.1, v_max: float = 2.0, step: float = 0.02, temp: float | None = None) -> Testbench:
    """DC I-V (reverse bias = v(in) - v(out) > 0), one copy per trapped-charge state ``dphis`` (V)."""
    name = subckt(p).name
    els: list = [V("Vin", "in", "0", 0.0), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse I-V", p, els, [DcSweep("Vin", v_min, v_max, step)], temp)

    def measure(res: Any) -> dict:
        dc = res.dc
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(dphis))])
        return {"v": np.asarray(dc.axis), "dphi": np.asarray(dphis, float), "i": i}

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(dphis))), "reverse I-V: saturation, one curve per stored state",
        measure, {"v": "V", "dphi": "V", "i": "A"}, "sweep",
    )


def tb_program(
    p: SchottkyParams,
    *,
    amplitude: float | None = None,
    width: float = 10e-6,
    period: float = 20e-6,
    count: int = 32,
    v_read: float = 1.0,
    erase: bool = True,
) -> Testbench:
    """Identical gate program pulses with ``in`` held at the read voltage; the read current
    between pulses vs pulse count, then one erase pulse. Measures R^2 of the linear fit."""
    amplitude = p.v_prog if amplitude is None else amplitude
    name = subckt(p).name
    edge = min(width / 20, 1e-7)
    delay = period - width
    gate = pulse_train(count, amplitude, width, period, delay=delay, edge=edge)
    t_prog_end = count * period + delay
    t_erase = t_prog_end
    stop = t_prog_end + (2 * period if erase else period)
    erase_w = max(10 * p.tau_erase, 4 * edge)
    erase_pts = pulse_train(1 if erase else 0, 2 * p.v_erase, erase_w, erase_w, delay=t_erase, edge=edge)
    els = [
        V("Vin", "in", "0", v_read),
        V("Vg", "gate", "0", pwl(gate)),
        V("Ve", "erase", "0", pwl(erase_pts)),
        X("X1", ("in", "out", "gate", "erase"), name),
        V("Vout", "out", "0", 0.0),
    ]
    ms = min(width / 10, period / 20)
    deck = _deck("gated Schottky synapse program pulses", p, els, [Tran(ms, stop, 0.0, ms)])
    # read just before each pulse (n = 0..count-1) and before the erase (n = count)
    t_read = delay + np.arange(count + 1) * period - 2 * edge

    def measure(res: Any) -> dict:
        tr = res.tran
        i = np.asarray(tr.i("Vout"))
        i_read = sample(tr.time, i, t_read)
        n = np.arange(count + 1)
        out = {"pulse": n, "i_read": i_read, "g": i_read / v_read, "r2": r_squared(n, i_read)}
        if erase:
            out["i_erased"] = float(sample(tr.time, i, [stop - period / 4])[0])
        return out

    return Testbench(
        "program", deck, ("i(vout)", "v(x1.phi)", "v(gate)"), "read current vs number of identical program pulses, then erase",
        measure, {"pulse": "1", "i_read": "A", "g": "S", "r2": "1", "i_erased": "A"}, "xy:pulse:i_read",
    )


def tb_temperature(
    p: SchottkyParams,
    *,
    dphis: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2),
    t_min: float = -20.0,
    t_max: float = 100.0,
    t_step: float = 20.0,
    v_read: float = 1.0,
) -> Testbench:
    """DC sweep of the temperature (degC) with one copy per barrier lowering ``dphis`` (V):
    ln I vs barrier height (slope -q/kT) and the Richardson plot ln(I/T^2) vs 1/T."""
    name = subckt(p).name
    els: list = [V("Vin", "in", "0", v_read), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse vs temperature and barrier", p, els, [DcSweep("temp", t_min, t_max, t_step)])
    phi = p.phi_b0 - np.asarray(dphis, float) - p.eta * v_read

    def measure(res: Any) -> dict:
        dc = res.dc
        temp_c = np.asarray(dc.axis)
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(dphis))], axis=1)  # [temp, dphi]
        tk = temp_c + T0_KELVIN
        slope = np.array([np.polyfit(phi, np.log(i[j]), 1)[0] for j in range(len(tk))])
        # Richardson plot per state: ln(I/T^2) = ln(area A**) - phi/(k/q) * (1/T)
        phi_fit = np.array([-np.polyfit(1.0 / tk, np.log(i[:, k] / tk**2), 1)[0] * K_OVER_Q for k in range(len(dphis))])
        return {"temp": temp_c, "phi": phi, "i": i, "slope_lnI_phi": slope, "phi_richardson": phi_fit}

    return Testbench(
        "temperature", deck, tuple(f"i(vout{k})" for k in range(len(dphis))),
        "read current vs temperature, one copy per barrier height", measure,
        {"temp": "degC", "phi": "V", "i": "A", "slope_lnI_phi": "1/V", "phi_richardson": "V"}, "sweep",
    )


def tb_barrier(p: SchottkyParams, *, dphis: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2), v_read: float = 1.0, temp: float = 27.0) -> Testbench:
    """Operating point of copies at several barrier heights: ln I vs phi_eff at one temperature."""
    name = subckt(p).name
    els: list = [V("Vin", "in", "0", v_read), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse vs barrier height", p, els, [Op()], temp)
    phi = p.phi_b0 - np.asarray(dphis, float) - p.eta * v_read

    def measure(res: Any) -> dict:
        op = res.op
        i = np.array([op.value(f"i(vout{k})") for k in range(len(dphis))])
        slope = float(np.polyfit(phi, np.log(i), 1)[0])
        return {"phi": phi, "i": i, "slope_lnI_phi": slope, "slope_expected": -1.0 / (K_OVER_Q * (temp + T0_KELVIN))}

    return Testbench(
        "barrier", deck, tuple(f"i(vout{k})" for k in range(len(dphis))), "read current vs effective barrier height",
        measure, {"phi": "V", "i": "A", "slope_lnI_phi": "1/V", "slope_expected": "1/V"}, "xy:phi:i",
    )


def tb_spike(p: SchottkyParams, *, dphi: float = 0.08, amplitude: float = 1.0, width: float = 1e-3, delay: float = 1e-3) -> Testbench:
    """Transient: one presynaptic spike on ``in`` (reverse bias) at a stored state ``dphi``."""
    return spike_testbench(
        "gated Schottky synapse presynaptic spike", subckt(p), ("in", "out", "gate", "erase"),
        controls=[V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)], instance_params={"dphi0": dphi},
        amplitude=amplitude, width=width, delay=delay,
    )


COMPONENT = register(
    Component(
        name="schottky_gated",
        kind="synapse",
        family="schottky",
        params_cls=SchottkyParams,
        subckt=subckt,
        testbenches={
            "iv": tb_iv, "program": tb_program, "spike": tb_spike,
            "barrier": tb_barrier, "temperature": tb_temperature,
        },
        summary="gated Schottky diode with charge-trap memory: I_s ~ T^2 exp(-q phi_eff/kT), near-linear potentiation",
        pinout="in out gate erase   (read with v(in) > v(out), current in -> out; program on gate; erase resets)",
        equation="I = A A** T^2 exp(-(phi_b0 - alpha_g Vg - Q/c_trap)/VT)(1 - exp(-Vr/VT)); dQ/dt = i_prog e^((Vg-v_prog)/v_slope) e^(-Q/q0)",
        reference="Bae, Lim, Park, Lee, IEEE EDL 2017; Lim et al., ISCAS 2018; Lee et al., JNN 2020",
    )
)
