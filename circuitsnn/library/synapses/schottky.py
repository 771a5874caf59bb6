"""Gated Schottky diode synapse with a charge-trap (ONO) memory: the component.

The law (a real ngspice diode primitive for the junction, the barrier lowering by gate and
trapped charge as a behavioural multiplier, the trapped-charge state with injection and erase)
and the parameters live in :mod:`circuitsnn.physics.schottky`; this module renders the
subcircuit from the law and builds the testbenches on the component's own subcircuit function.
Pinout::

          gate o           erase o
               |                 |
        in o--|<|--[r_s]--o out     (resets the trapped charge)
     (cathode)  (anode): read with v(in) > v(out), current in -> out

Inside the subcircuit node ``phi`` holds the barrier lowering ``dphi = Q_trap / c_trap`` in
volts (1 F construct); its DC value, and so the state at t = 0, is the subcircuit parameter
``dphi0`` (0 = erased). ``a`` is the junction's anode (behind ``r_s``).

Every deck holding the junction lowers ngspice's ``gmin`` to 1e-15 S (:data:`SIM_OPTIONS`): the
default 1e-12 S across each diode adds 1 pA at a 1 V read, 5 % of the erased read current at
-20 degC.

:func:`read_subckt` is the lean read-mode variant for large networks: one diode primitive whose
barrier is the stored state's (``phi_b0 - dphi - eta v_read``), no state, no gate, no replica.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...params import Params
from ...units import si_format
from ...physics.constants import K_OVER_Q, T0_KELVIN, T_NOMINAL, T_NOMINAL_C
from ...physics.diode import Diode, DiodeCard
from ...physics.expr import NUMPY, P, evaluate, exp
from ...physics.law import values_of
from ...physics.schottky import LAW, PHI_EFF, VT, SchottkyParams  # noqa: F401  (re-exported)
from ..registry import Component, Testbench, TestbenchBuilder, register
from ...spice.ir import DcSweep, Deck, Op, Subckt, Tran, V, X
from .common import bind_testbenches, differential, law_subckt, pulse_train, pwl, r_squared, sample, spike_testbench

#: ngspice options every deck holding the junction needs (module docstring)
SIM_OPTIONS = {"gmin": 1e-15}

PORTS = ("in", "out", "gate", "erase")


def subckt(p: SchottkyParams, *, named: bool = False) -> Subckt:
    """The gated Schottky synapse ``.subckt <tag> in out gate erase params: dphi0=...``
    (``named``: the library form with every parameter a name)."""
    return law_subckt(LAW, p, title="Gated Schottky diode synapse", module=__name__, named=named)


#: the read-mode junction's barrier: the stored state's, gate at 0 V, at the read bias
PHI_READ = P.phi_b0 - P.dphi - P.eta * P.v_read
READ_CARD = DiodeCard("dschrd", {
    "is": P.area * P.a_star * T_NOMINAL**2 * exp(-PHI_READ / (K_OVER_Q * T_NOMINAL)),
    "n": P.n, "xti": 2 * P.n, "eg": P.n * PHI_READ, "tnom": T_NOMINAL_C, "cjo": P.cj0, "vj": P.phi_b0, "m": 0.5,
})
READ_PARAMS = ("dphi", "v_read", "area", "a_star", "phi_b0", "n", "cj0", "eta")


def read_subckt(p: SchottkyParams, state: float | None = None, v_read: float = 1.0) -> Subckt:
    """Lean read-mode variant ``.subckt schottky_gated_read in out params: dphi=... v_read=...``:
    the junction primitive alone, its barrier the stored state's at the read bias (saturation
    current ``area A** T^2 exp(-(phi_b0 - dphi - eta v_read)/kT)``, Richardson in temperature
    through ``xti``/``eg``), gate at 0 V. Omitted: the gate, the state, the replica and ``r_s``
    (at a reverse read of tens of nA it drops microvolts)."""
    values = {**values_of(p), "dphi": float(p.dphi0 if state is None else state), "v_read": float(v_read)}
    params = {k: values[k] for k in READ_PARAMS}
    doc = ("Gated Schottky synapse, read mode (circuitsnn.library.synapses.schottky): the junction at a fixed\n"
           "stored state dphi (V), read with v(in) > v(out) at v_read, gate at 0 V; ports: in out")
    return Subckt("schottky_gated_read", ("in", "out"),
                  tuple(Diode("j", "out", "in", READ_CARD).elements()), params=params,
                  models=(READ_CARD.model(None),), doc=doc)


def read_mode(p: SchottkyParams, state: float | None = None, v_read: float | None = None) -> tuple[Subckt, dict]:
    """The read-mode subcircuit and the instance parameters of ``state`` (dphi, V)."""
    v = COMPONENT.operating["v_read"] if v_read is None else v_read
    sub = read_subckt(p, state, v)
    return sub, {"dphi": float(p.dphi0 if state is None else state)}


def signed(pos: SchottkyParams, neg: SchottkyParams | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed pair (last: ``in out gate_p erase_p gate_n erase_n``)."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


# -- testbenches (each takes the subcircuit first; testbenches() binds them to a component) ---


def _phi_eff(p: SchottkyParams, dphis: tuple[float, ...], v_read: float) -> np.ndarray:
    """The law's effective barrier height (V) of each stored state at the read bias, gate at 0 V."""
    return np.asarray(evaluate(PHI_EFF, {**values_of(p), "dphi": np.asarray(dphis, float), "v": v_read, "v_gate": 0.0},
                               NUMPY), dtype=float)


def _deck(title: str, sub: Subckt, elements, analyses, temp: float | None = None) -> Deck:
    return Deck(title, elements=tuple(elements), subckts=(sub,), analyses=tuple(analyses), temp=temp,
                options=dict(SIM_OPTIONS))


def tb_iv(sub: Subckt, p: SchottkyParams, *, dphis: tuple[float, ...] = (0.0, 0.04, 0.08), v_min: float = -0.4, v_max: float = 2.0, step: float = 0.02, temp: float | None = None) -> Testbench:
    """DC I-V (reverse bias = v(in) - v(out) > 0, forward below 0), one copy per trapped-charge
    state ``dphis`` (V): the forward exponential (ideality n) bending at r_s, reverse saturation."""
    name = sub.name
    els: list = [V("Vin", "in", "0", 0.0), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse I-V", sub, els, [DcSweep("Vin", v_min, v_max, step)], temp)

    def measure(res: Any) -> dict:
        dc = res.dc
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(dphis))])
        return {"v": np.asarray(dc.axis), "dphi": np.asarray(dphis, float), "i": i}

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(dphis))), "I-V: forward diode, reverse saturation, one curve per stored state",
        measure, {"v": "V", "dphi": "V", "i": "A"}, "xy:v:i",
        style=dict(x=("v(in,out): reverse bias > 0, forward < 0", "V"), y=("I(in -> out)", "A"), logy=True, abs=True,
                   series=_state_labels(dphis), marks=((0.0, "forward | reverse"),), ylim=(1e-12, None)),
    )


def _state_labels(dphis) -> tuple[str, ...]:
    return tuple(f"stored dphi = {1e3 * d:g} mV" for d in dphis)


#: how the spike testbench's signals read
SPIKE_TRACES = {
    "v(in)": ("read pulse v(in)", "V", 1.0, "read pulse"),
    "i(vout)": ("output current I(in -> out)", "A", 1.0, "output current"),
    "v(x1.phi)": ("stored barrier lowering dphi", "V", 1.0, "stored state dphi"),
}


def tb_program(
    sub: Subckt,
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
    name = sub.name
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
    deck = _deck("gated Schottky synapse program pulses", sub, els, [Tran(ms, stop, 0.0, ms)])
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
        "program", deck, ("i(vout)", "v(x1.phi)", "v(gate)"), "read current vs number of identical program pulses",
        measure, {"pulse": "1", "i_read": "A", "g": "S", "r2": "1", "i_erased": "A"}, "xy:pulse:i_read",
        style=dict(x=(f"gate pulses ({amplitude:g} V x {si_format(width, 's')})", "1"), y=(f"read current at {v_read:g} V", "A")),
    )


def tb_temperature(
    sub: Subckt,
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
    name = sub.name
    els: list = [V("Vin", "in", "0", v_read), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse vs temperature and barrier", sub, els, [DcSweep("temp", t_min, t_max, t_step)])
    phi = _phi_eff(p, dphis, v_read)

    def measure(res: Any) -> dict:
        dc = res.dc
        temp_c = np.asarray(dc.axis)
        i = np.stack([np.asarray(dc.i(f"Vout{k}")) for k in range(len(dphis))], axis=1)  # [temp, dphi]
        tk = temp_c + T0_KELVIN
        slope = np.array([np.polyfit(phi, np.log(i[j]), 1)[0] for j in range(len(tk))])
        # Richardson plot per state: ln(I/T^2) = ln(area A**) - phi/(k/q) * (1/T)
        phi_fit = np.array([-np.polyfit(1.0 / tk, np.log(i[:, k] / tk**2), 1)[0] * K_OVER_Q for k in range(len(dphis))])
        return {"temp": temp_c, "phi": phi, "i": i, "slope_lnI_phi": slope, "phi_richardson": phi_fit,
                "inv_temp": 1e3 / tk, "richardson": (i / tk[:, None] ** 2).T}

    return Testbench(
        "temperature", deck, tuple(f"i(vout{k})" for k in range(len(dphis))),
        f"Richardson plot: I/T^2 vs 1000/T ({t_min:g}..{t_max:g} degC) at {v_read:g} V, slope -phi_eff/k, one line per "
        "stored state", measure,
        {"temp": "degC", "phi": "V", "i": "A", "slope_lnI_phi": "1/V", "phi_richardson": "V", "inv_temp": "1/K",
         "richardson": "A/K^2"}, "xy:inv_temp:richardson",
        style=dict(x=("1000/T", "1/K"), y=("I/T^2", "A/K^2"), logy=True,
                   series=tuple(f"{lab} (phi_eff = {1e3 * ph:.0f} mV)" for lab, ph in zip(_state_labels(dphis), phi))),
    )


def tb_barrier(sub: Subckt, p: SchottkyParams, *, dphis: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2), v_read: float = 1.0, temp: float = 27.0) -> Testbench:
    """Operating point of copies at several barrier heights: ln I vs phi_eff at one temperature."""
    name = sub.name
    els: list = [V("Vin", "in", "0", v_read), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)]
    for k, d in enumerate(dphis):
        els += [X(f"X{k}", ("in", f"out{k}", "gate", "erase"), name, dphi0=d), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    deck = _deck("gated Schottky synapse vs barrier height", sub, els, [Op()], temp)
    phi = _phi_eff(p, dphis, v_read)

    def measure(res: Any) -> dict:
        op = res.op
        i = np.array([op.value(f"i(vout{k})") for k in range(len(dphis))])
        slope = float(np.polyfit(phi, np.log(i), 1)[0])
        return {"phi": phi, "i": i, "slope_lnI_phi": slope, "slope_expected": -1.0 / float(evaluate(VT, {"temp": temp + T0_KELVIN}, NUMPY))}

    return Testbench(
        "barrier", deck, tuple(f"i(vout{k})" for k in range(len(dphis))),
        f"read current vs effective barrier height at {v_read:g} V, {temp:g} degC: ln I falls by q/kT per volt",
        measure, {"phi": "V", "i": "A", "slope_lnI_phi": "1/V", "slope_expected": "1/V"}, "xy:phi:i",
        style=dict(x=("effective barrier phi_eff", "V"), y=("read current", "A"), logy=True),
    )


def tb_spike(sub: Subckt, p: SchottkyParams, *, dphi: float = 0.08, amplitude: float = 1.0, width: float = 10e-6, delay: float = 10e-6) -> Testbench:
    """Transient: one read spike on ``in`` (reverse bias ``amplitude`` = v_read for ``width`` =
    the LIF's spike width) at a stored state ``dphi``; the output current, its charge, and the state."""
    def state(res: Any) -> dict:
        d = np.asarray(res.tran["x1.phi"])
        return {"dphi": d, "d_state": float(d[-1] - d[0])}

    return spike_testbench(
        "gated Schottky synapse read spike", sub, PORTS,
        controls=[V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0)], instance_params={"dphi0": dphi},
        amplitude=amplitude, width=width, delay=delay, options=SIM_OPTIONS,
        extra_probes=("v(x1.phi)",), extra_measure=state, extra_units={"dphi": "V", "d_state": "V"},
        traces=SPIKE_TRACES,
    )


def testbenches(subckt_fn: Callable[[Params], Subckt]) -> dict[str, TestbenchBuilder]:
    """The Schottky synapse testbenches of a component whose subcircuit function is
    ``subckt_fn`` (ports ``in out gate erase``, instance parameter ``dphi0``)."""
    return bind_testbenches(subckt_fn, iv=tb_iv, program=tb_program, spike=tb_spike, barrier=tb_barrier,
                            temperature=tb_temperature)


COMPONENT = register(
    Component(
        name="schottky_gated",
        kind="synapse",
        family="schottky",
        params_cls=SchottkyParams,
        subckt=subckt,
        testbenches=testbenches(subckt),
        summary="gated Schottky diode (ngspice diode primitive) with charge-trap memory: I_s ~ T^2 exp(-q phi_eff/kT), "
                "near-linear potentiation",
        pinout="in out gate erase   (read with v(in) > v(out), current in -> out; program on gate; erase resets)",
        equation=LAW.equation,
        reference=LAW.reference,
        law=LAW,
        fitter="circuitsnn.fit.schottky:fit_schottky",
        weights="circuitsnn.surrogates.weights.schottky:SchottkyWeights",
        module="circuitsnn.surrogates.schottky:SchottkySynapse.from_values",
        sim_options=SIM_OPTIONS,
        fit_hints=dict(
            fixed=("area", "c_trap", "cj0"),
            notes=("only area*a_star, i_prog/c_trap and q0/c_trap are identifiable from the terminals: area and "
                   "c_trap are fixed at their design values and a_star, i_prog, q0 fitted.",
                   "cj0 (depletion capacitance) shows only in transients faster than the testbenches: fixed.",
                   "v_prog, v_onset, v_erase and tau_erase are taken from the Params, not fitted: v_prog is "
                   "degenerate with i_prog, and the onset/erase thresholds are hard switches the smooth data "
                   "cannot place."),
        ),
        operating=dict(v_read=1.0, t_read=10e-6, v_prog=8.0, t_prog=10e-6, t_edge=0.1e-6, v_erase=5.0, t_erase=10e-6,
                       n_max=32,
                       polarity="read: v(in) > v(out) (reverse bias, current in -> out), gate and erase at 0 V; "
                                "program: positive pulses on gate (above v_onset) raise G, one way; erase: a pulse "
                                "on erase (above v_erase) resets G to the erased state"),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:schottky_range",
    )
)
