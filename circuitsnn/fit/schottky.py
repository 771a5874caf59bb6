"""Fitting the gated Schottky synapse to SPICE: the law's own parameters and the junction's.

The surrogate is the component's law (:mod:`circuitsnn.physics.schottky`) with fitted values:
the junction in closed form (a diode of ideality ``n`` over the lowered barrier, in series with
``r_s``: :func:`~circuitsnn.physics.schottky.read_current`), the trapping rate integrated in
closed form on the torch side (:mod:`circuitsnn.surrogates.schottky`). The SPICE side is the
ngspice diode primitive with its own temperature law and solver, so this is a real test of the
closed form, the primitive's card (``xti = 2n``, ``eg = n phi_b0``: Richardson) and the
behavioural barrier lowering together. It fits:

1. **read law** — ``a_star``, ``phi_b0``, ``eta``, ``alpha_g``, ``n``, ``r_s`` on the read
   current vs temperature (-20..100 degC) at five stored states, the I-V at three states
   (reverse saturation, linear; forward 0..0.4 V, logarithmic: the ideality and the series
   resistance) and the read current vs gate bias (0..4 V, below the programming onset);
2. **programming** — ``i_prog``, ``v_slope``, ``q0`` on program pulse trains at 7.5, 8 and 8.5 V
   (10 us), replaying each deck's gate waveform through the law (RK4 on the waveform's events).

Not identifiable from the terminals (fixed at the design value, said in the notes): ``area``
(only ``area * a_star``), ``c_trap`` (only ``i_prog / c_trap`` and ``q0 / c_trap``), ``cj0``
(no transient fast enough); ``v_prog`` (degenerate with ``i_prog``), ``v_onset``, ``v_erase``,
``tau_erase`` (hard switches the smooth data cannot place). Held out: the reverse and forward
I-V at other states and grid, the read at 60 degC, and a 20-pulse train at 7.8 V with 20 us
pulses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..physics.constants import T0_KELVIN, T_NOMINAL
from ..physics.expr import NUMPY, evaluate
from ..physics.law import values_of
from ..physics.schottky import LINEARITY_EXPONENT, read_current
from ..surrogates.device import replay
from ..surrogates.waveforms import source_points
from .common import free_param, held_out, levels
from .core import Curve, FitReport, fit_curves
from .data import SimData
from .outcome import Overlay, SurrogateFit

#: the stored states of the temperature testbench (its default)
DPHIS_TEMP = (0.0, 0.05, 0.1, 0.15, 0.2)


def _states(dphis) -> tuple[str, ...]:
    return tuple(f"stored dphi = {1e3 * d:g} mV" for d in dphis)


def fit_schottky(component, params, data: SimData) -> SurrogateFit:
    """Read law, then logarithmic charge trapping (module docstring)."""
    from ..spice.ir import DcSweep, Deck, V, X

    law = component.law
    p = params
    nominal = values_of(p)
    units = {r["name"]: r["unit"] for r in type(p).describe()}
    hints = dict(component.fit_hints)
    failures: list[str] = []
    notes: list[str] = list(hints.get("notes", ()))
    figures: list = []
    fits: dict[str, FitReport] = {}
    sub = component.subckt(p)

    def read(values: dict, v_r: Any, v_g: Any, dphi: Any, temp: Any) -> np.ndarray:
        env = {**values, "v": v_r, "v_gate": v_g, "dphi": dphi, "temp": temp}
        return np.asarray(read_current(env, NUMPY), dtype=float)

    # -- 1. static read law -------------------------------------------------------------------------
    tbt = component.testbench("temperature", p)
    dt_ = data.run("fit_temperature", tbt.deck, lambda r: {"temp": np.asarray(r.dc.axis),
                   "i": np.stack([np.asarray(r.dc.i(f"Vout{k}")) for k in range(len(DPHIS_TEMP))], axis=1)},
                   tag="temperature")
    tk = dt_["temp"] + T0_KELVIN
    TT, DD = np.meshgrid(tk, np.asarray(DPHIS_TEMP), indexing="ij")
    dphis_iv = (0.0, 0.04, 0.08)
    tbi = component.testbench("iv", p, dphis=dphis_iv, v_min=-0.4, v_max=2.0, step=0.02)
    di = data.run("fit_iv", tbi.deck, tbi.measure, tag="iv")
    v_iv = di["v"]
    rev = v_iv >= 0.02  # reverse: saturation (linear current)
    fwd = v_iv <= -0.02  # forward: the exponential and its bend at r_s (logarithmic current)
    gate_deck = Deck(
        f"{component.name} read current vs gate bias", subckts=(sub,),
        elements=(V("Vin", "in", "0", 1.0), V("Vg", "gate", "0", 0.0), V("Ve", "erase", "0", 0.0),
                  X("X1", ("in", "out", "gate", "erase"), sub.name), V("Vout", "out", "0", 0.0)),
        analyses=(DcSweep("Vg", 0.0, 4.0, 0.1),), options=dict(component.sim_options),
        doc="Gate-bias dependence of the read current (circuitsnn.fit.schottky).",
    )
    dg = data.run("fit_gate", gate_deck, lambda r: {"v_g": np.asarray(r.dc.axis), "i": np.asarray(r.dc.i("Vout"))}, tag="gate")

    def read_model(v: dict) -> dict:
        vals = {**nominal, **v}
        out = {"ln_i_temp": np.log(read(vals, 1.0, 0.0, DD, TT)).ravel(),
               "ln_i_gate": np.log(read(vals, 1.0, dg["v_g"], 0.0, T_NOMINAL))}
        for k, dphi in enumerate(dphis_iv):
            i = read(vals, v_iv, 0.0, dphi, T_NOMINAL)
            out[f"i_rev_{k}"] = i[rev]
            out[f"ln_i_fwd_{k}"] = np.log(np.abs(i[fwd]))
        return out

    curves = [Curve("ln_i_temp", TT.ravel(), np.log(dt_["i"]).ravel(), "ln A", "K"),
              Curve("ln_i_gate", dg["v_g"], np.log(dg["i"]), "ln A", "V")]
    curves += [Curve(f"i_rev_{k}", v_iv[rev], di["i"][k][rev], "A", "V") for k in range(len(dphis_iv))]
    curves += [Curve(f"ln_i_fwd_{k}", v_iv[fwd], np.log(np.abs(di["i"][k][fwd])), "ln A", "V") for k in range(len(dphis_iv))]
    fits["read"] = fit_curves(
        "gated Schottky read law", curves, read_model,
        [
            free_param("a_star", p.a_star, factor=100.0, unit=units["a_star"], doc="Richardson constant (area fixed)"),
            free_param("phi_b0", p.phi_b0, span=0.3, unit="V", doc="barrier height"),
            free_param("eta", max(p.eta, 1e-6), lo=0.0, hi=0.05, unit="V/V", doc="image-force lowering per volt"),
            free_param("alpha_g", max(p.alpha_g, 1e-6), lo=0.0, hi=0.5, unit="V/V", doc="barrier lowering per gate volt"),
            free_param("n", p.n, lo=1.0, hi=2.0, unit="1", doc="ideality factor"),
            free_param("r_s", p.r_s, factor=30.0, unit="Ohm", doc="series resistance"),
        ],
    )
    read_fit = fits["read"].params

    # -- 2. programming: logarithmic trapping, the law replayed on each gate waveform ---------------
    def prog_reads(values: dict, pts: np.ndarray, t_read: np.ndarray, width: float) -> np.ndarray:
        # 16 steps per gate edge: the injection is exp((V_gate - v_prog)/v_slope), steep on the edges
        dphi = replay(law, values, {"v_gate": pts}, {"dphi": 0.0}, t_read,
                      fixed_inputs={"v_erase_in": 0.0}, max_dt=width / 4, ramp_substeps=16)["dphi"]
        return read(values, 1.0, 0.0, dphi, T_NOMINAL)

    prog_sets = [(7.5, 10e-6, 32), (8.0, 10e-6, 32), (8.5, 10e-6, 32)]
    runs = []
    for amp, width, count in prog_sets:
        tbp = component.testbench("program", p, amplitude=amp, width=width, period=2 * width, count=count, v_read=1.0, erase=False)
        dp = data.run(f"fit_program_{amp:g}V", tbp.deck, tbp.measure, tag="program")
        edge = min(width / 20, 1e-7)
        t_read = width + np.arange(count + 1) * 2 * width - 2 * edge
        runs.append((source_points(tbp.deck, "Vg"), t_read, dp["i_read"], amp, width))

    def prog_model(v: dict) -> dict:
        vals = {**nominal, **read_fit, **v}
        return {f"i_read_{a:g}V": prog_reads(vals, pts, tr, w) for pts, tr, _, a, w in runs}

    fits["program"] = fit_curves(
        "gated Schottky program pulses", [Curve(f"i_read_{a:g}V", np.arange(len(i)), i, "A", "1") for _, _, i, a, _ in runs],
        prog_model,
        [
            free_param("i_prog", p.i_prog, factor=100.0, unit="A", doc="injection current at v_prog, Q = 0 (c_trap fixed)"),
            free_param("v_slope", p.v_slope, factor=5.0, unit="V", doc="gate volts per e-fold of the injection"),
            free_param("q0", p.q0, factor=10.0, unit="C", doc="charge scale of the log law (c_trap fixed)"),
        ],
        fixed=read_fit,
    )
    values = {**nominal, **read_fit, **fits["program"].params}
    for r in fits.values():
        failures += [f"fit {r.name}: {f}" for f in r.failures]

    figures.append(Overlay("read current vs temperature, 5 states (fit)", dt_["temp"], dt_["i"].T,
                           np.exp(fits["read"].predictions["ln_i_temp"]).reshape(TT.shape).T, "temperature (degC)", "I (A)",
                           labels=_states(DPHIS_TEMP), logy=True, marker=True))
    iv_fit = np.stack([read(values, v_iv, 0.0, d, T_NOMINAL) for d in dphis_iv])
    figures.append(Overlay("forward I-V, 3 states (fit): ideality n, bend at r_s", -v_iv[fwd], np.abs(di["i"][:, fwd]),
                           np.abs(iv_fit[:, fwd]), "forward bias v(out,in) (V)", "|I| (A)",
                           labels=_states(dphis_iv), logy=True))
    figures.append(Overlay("reverse I-V, 3 states (fit): saturation", v_iv[rev], di["i"][:, rev], iv_fit[:, rev],
                           "reverse bias v(in,out) (V)", "I (A)", labels=_states(dphis_iv)))
    figures.append(Overlay("read current after each program pulse (fit)", np.arange(33),
                           np.stack([r[2] for r in runs]), np.stack([fits["program"].predictions[f"i_read_{r[3]:g}V"] for r in runs]),
                           "gate pulses", "I_read at 1 V (A)", labels=tuple(f"gate {r[3]:g} V x {r[4] * 1e6:g} us" for r in runs),
                           marker=True))

    # -- held out ---------------------------------------------------------------------------------
    validation: dict[str, Any] = {}
    dphis_v = (0.02, 0.06, 0.12)
    tbi2 = component.testbench("iv", p, dphis=dphis_v, v_min=-0.35, v_max=1.7, step=0.035)
    di2 = data.run("val_iv", tbi2.deck, tbi2.measure, tag="iv")
    v2 = di2["v"]
    preds = np.stack([read(values, v2, 0.0, d, T_NOMINAL) for d in dphis_v])
    r2, f2 = v2 >= 0, v2 < -0.01  # forward: away from 0 V, where |I| -> 0 on a log axis
    for k, dphi in enumerate(dphis_v):
        validation[f"iv_dphi_{dphi:g}"] = held_out(f"reverse I-V at dphi {dphi:g} V", di2["i"][k][r2], preds[k][r2], failures)
        validation[f"iv_fwd_dphi_{dphi:g}"] = held_out(f"forward I-V at dphi {dphi:g} V", di2["i"][k][f2], preds[k][f2],
                                                      failures)
    figures.append(Overlay("reverse I-V, other states (held out)", v2[r2], di2["i"][:, r2], preds[:, r2],
                           "reverse bias v(in,out) (V)", "I (A)", held_out=True,
                           labels=_states(dphis_v)))
    figures.append(Overlay("forward I-V, other states (held out)", -v2[f2], np.abs(di2["i"][:, f2]), np.abs(preds[:, f2]),
                           "forward bias v(out,in) (V)", "|I| (A)", held_out=True, logy=True,
                           labels=_states(dphis_v)))
    dphis_b = (0.01, 0.07, 0.13, 0.19)
    tbb = component.testbench("barrier", p, dphis=dphis_b, v_read=0.8, temp=60.0)
    db = data.run("val_barrier", tbb.deck, tbb.measure, tag="barrier")
    pred_b = read(values, 0.8, 0.0, np.array(dphis_b), 60.0 + T0_KELVIN)
    validation["read_60C"] = held_out("read at 60 degC, 0.8 V, four states", db["i"], pred_b, failures)
    amp, width, count = 7.8, 20e-6, 20
    tbp = component.testbench("program", p, amplitude=amp, width=width, period=2 * width, count=count, v_read=1.0, erase=False)
    dp = data.run("val_program", tbp.deck, tbp.measure, tag="program")
    edge = min(width / 20, 1e-7)
    t_read = width + np.arange(count + 1) * 2 * width - 2 * edge
    pred_p = prog_reads(values, source_points(tbp.deck, "Vg"), t_read, width)
    validation["program_7.8V_20us"] = held_out("read current after 7.8 V, 20 us pulses", dp["i_read"], pred_p, failures)
    figures.append(Overlay("read current after 7.8 V x 20 us pulses (held out)", np.arange(count + 1), dp["i_read"], pred_p,
                           "pulses", "I_read (A)", held_out=True, marker=True))

    v_read = float(component.operating.get("v_read", 1.0))
    extra = {
        "range_potentiation": levels(runs[1][2] / v_read),
        "range_note": "conductance (S) at 1 V read over 32 nominal pulses (8 V, 10 us) from the erased state; "
                      "levels at 1 % of the range",
        "linearity_exponent_m": float(evaluate(LINEARITY_EXPONENT, {**values, "temp": T_NOMINAL}, NUMPY)),
    }
    fixed = sorted(set(law.params()) - set(fits["read"].params) - set(fits["program"].params))
    notes.append(f"surrogate = the component's law {law.name!r} with these values (the torch side integrates its "
                 f"trapping rate in closed form); fixed at the design value: {', '.join(fixed)}.")
    names = sorted(law.params())
    return SurrogateFit(
        component=component.name, kind="synapse", family=component.family, model=f"law:{law.name}",
        parameters={k: float(values[k]) for k in names}, units={k: units.get(k, "") for k in names},
        fits=fits, validation=validation, failures=failures, component_params=p, decks=dict(data.decks),
        figures=figures, extra=extra, notes=notes,
    )
