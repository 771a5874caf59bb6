"""Fitting a two-terminal state device (the memristors, and any user law of that shape) to SPICE.

The surrogate *is* the component's law (:mod:`circuitsnn.surrogates.device`) with fitted values,
so this fits the law's own parameters:

1. **read law** — the parameters the branch current uses, on the sine I-V testbench, where the
   state is probed inside the subcircuit (current vs voltage at the probed state);
2. **programming** — the parameters only the state rate uses, on potentiate-then-depress pulse
   trains (conductance read after every pulse), replaying each deck's PWL drive through the law.

Held out: a pulse train at another amplitude, width and initial state, and the full current
under a sine at another frequency and amplitude (read law and dynamics together). What the
component's ``fit_hints`` say: ``fixed`` parameters (not identifiable, with the reason in
``notes``), ``bounds`` per parameter, the fit ``runs`` (amp_pot, amp_dep, width) and the
``held_out`` stimuli.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..physics.expr import NUMPY
from ..physics.law import values_of
from ..units import si_format
from ..surrogates.device import replay
from ..surrogates.waveforms import source_points
from .common import free_param, held_out, levels
from .core import Curve, FitParam, FitReport, fit_curves
from .data import SimData
from .outcome import Overlay, SurrogateFit


def read_times(pts: np.ndarray, v_read: float) -> np.ndarray:
    """Mid-times of the plateaus of a PWL waveform at the read level ``v_read``."""
    out = []
    for (ta, va), (tb, vb) in zip(pts[:-1], pts[1:]):
        if va == v_read and vb == v_read and tb > ta:
            out.append(0.5 * (ta + tb))
    return np.asarray(out)


def _free(name: str, x0: float, unit: str, hints: dict) -> FitParam:
    bounds = hints.get("bounds", {}).get(name)
    if bounds is not None:
        lo, hi = bounds
        x0 = min(max(x0, lo), hi)
        return FitParam(name, x0, lo, hi, unit, "", log=lo > 0 and hi / lo > 20)
    if x0 > 0:
        return free_param(name, x0, factor=100.0, unit=unit)
    return free_param(name, x0, span=max(abs(x0), 1.0), unit=unit)


def fit_memristor(component, params, data: SimData) -> SurrogateFit:
    """Read law, then programming rate of a two-terminal state device (module docstring)."""
    law = component.law
    if law is None or len(law.states) != 1:
        raise ValidationError(f"{component.name!r}: this fitter needs a law with one state variable.")
    hints = dict(component.fit_hints)
    p = params
    nominal = values_of(p)
    state = law.states[0]
    (v_in,) = sorted(law.inputs())
    fixed_names = set(hints.get("fixed", ())) | {s.initial for s in law.states if s.initial}
    read_names = sorted(law.branches[0].current.params() - fixed_names)
    rate_names = sorted(law.params() - set(read_names) - fixed_names)
    units = {r["name"]: r["unit"] for r in type(p).describe()}
    failures: list[str] = []
    notes: list[str] = list(hints.get("notes", ()))
    figures: list = []
    fits: dict[str, FitReport] = {}
    v_read = inspect.signature(component.testbenches["program"]).parameters["v_read"].default

    def current(values: dict, v: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.asarray(law.current({**values, v_in: v, state.name: x}, NUMPY), dtype=float)

    # -- 1. read law from the sine I-V (the state is probed inside the subcircuit) -------------
    tbi = component.testbench("iv", p)
    di = data.run("fit_iv", tbi.deck, lambda r: {k: tbi.measure(r)[k] for k in ("v_all", "i_all", "x_all", "freq", "time")}, tag="iv")
    n_iv = di["v_all"].shape[0]
    curves = [Curve(f"i_sine_{k}", di["v_all"][k], di["i_all"][k], "A", "V") for k in range(n_iv)]

    def read_model(v: dict) -> dict:
        vals = {**nominal, **v}
        return {f"i_sine_{k}": current(vals, di["v_all"][k], di["x_all"][k]) for k in range(n_iv)}

    fits["read"] = fit_curves(f"{component.name} read law", curves, read_model,
                              [_free(n, nominal[n], units.get(n, ""), hints) for n in read_names])
    read = fits["read"].params

    # -- 2. programming -------------------------------------------------------------------------
    runs = []
    for a_pot, a_dep, width in hints["runs"]:
        tb = component.testbench("program", p, amp_pot=a_pot, amp_dep=a_dep, width=width)
        d = data.run(f"fit_program_{a_pot:g}_{a_dep:g}_{width:g}", tb.deck, tb.measure, tag="program")
        pts = source_points(tb.deck, "Vin")
        runs.append((f"g_{a_pot:g}V_{a_dep:g}V_{width:g}s", pts, read_times(pts, v_read), d["g"], p.x0, width))

    def conductance(values: dict, x: np.ndarray) -> np.ndarray:
        return current(values, np.full_like(x, v_read), x) / v_read

    def trace(values: dict, pts: np.ndarray, x0: float, t: np.ndarray, width: float) -> np.ndarray:
        return replay(law, values, {v_in: pts}, {state.name: x0}, t, max_dt=width / 4)[state.name]

    def prog_model(v: dict) -> dict:
        vals = {**nominal, **read, **v}
        return {name: conductance(vals, trace(vals, pts, x0, tr, width)) for name, pts, tr, _, x0, width in runs}

    free = [_free(n, nominal[n], units.get(n, ""), hints) for n in rate_names]
    fits["program"] = fit_curves(
        f"{component.name} pulse programming",
        [Curve(name, np.arange(len(g)), g, "S", "1") for name, _, _, g, _, _ in runs],
        prog_model, free, fixed=read,
    )
    values = {**nominal, **read, **fits["program"].params}
    for r in fits.values():
        failures += [f"fit {r.name}: {f}" for f in r.failures]
    figures.append(Overlay("sine I-V at every frequency: read law (fit)", di["v_all"], di["i_all"],
                           np.stack(list(fits["read"].predictions.values())), "v(in,out) (V)", "I (A)",
                           labels=tuple(f"f = {si_format(f, 'Hz')}" for f in di["freq"])))
    n_pot = (len(runs[0][3]) - 1) // 2
    polarity = ((n_pot + 0.5, "polarity: + pulses | - pulses"),)
    figures.append(Overlay(f"conductance at {v_read:g} V after each pulse (fit)", np.arange(len(runs[0][3])),
                           np.stack([r[3] for r in runs]), np.stack([fits["program"].predictions[r[0]] for r in runs]),
                           "pulse number", "G (S)", marker=True, marks=polarity,
                           labels=tuple(f"{a:+g} V / {b:+g} V x {si_format(w, 's')}" for a, b, w in hints["runs"])))

    # -- held out ------------------------------------------------------------------------------
    validation: dict[str, Any] = {}
    a_pot, a_dep, width, x0 = hints["held_out"]["program"]
    pv = p.replace(x0=x0)
    tb = component.testbench("program", pv, amp_pot=a_pot, amp_dep=a_dep, width=width)
    d = data.run("val_program", tb.deck, tb.measure, tag="program")
    pts = source_points(tb.deck, "Vin")
    g_m = conductance(values, trace(values, pts, x0, read_times(pts, v_read), width))
    key = f"program_{a_pot:g}V_{a_dep:g}V_{width:g}s_x0_{x0:g}"
    validation[key] = held_out(f"pulse train {a_pot:g}/{a_dep:g} V, {width:g} s, x0 {x0:g}", d["g"], g_m, failures)
    figures.append(Overlay(f"conductance after each pulse, {a_pot:+g} V / {a_dep:+g} V x {si_format(width, 's')} from "
                           f"x0 = {x0:g} (held out)", np.arange(len(d["g"])), d["g"], g_m, "pulse number", "G (S)",
                           held_out=True, marker=True, marks=((n_pot + 0.5, "polarity: + pulses | - pulses"),)))
    iv_val = hints["held_out"]["iv"]
    tbv = component.testbench("iv", p, **iv_val)
    dv = data.run("val_iv", tbv.deck, lambda r: {k: tbv.measure(r)[k] for k in ("time", "v_all", "i_all")}, tag="iv")
    t_iv = dv["time"]
    pts_iv = np.stack([t_iv, dv["v_all"][0]], axis=1)
    x_iv = replay(law, values, {v_in: pts_iv}, {state.name: p.x0}, t_iv, max_dt=float(np.max(np.diff(t_iv))))[state.name]
    i_m = current(values, dv["v_all"][0], x_iv)
    validation["sine_current"] = held_out(f"current under a {iv_val['amplitude']:g} V, {iv_val['freqs'][0]:g} Hz sine",
                                          dv["i_all"][0], i_m, failures)
    figures.append(Overlay(f"pinched loop, {iv_val['amplitude']:g} V at {si_format(iv_val['freqs'][0], 'Hz')} (held out)",
                           dv["v_all"][0], dv["i_all"][0], i_m, "v(in,out) (V)", "I (A)", held_out=True))

    nom = runs[0][3]
    n_pot = (len(nom) - 1) // 2
    g_ends = conductance(values, np.array([state.lo or 0.0, state.hi if state.hi is not None else 1.0]))
    extra = {
        "range_potentiation": levels(nom[: n_pot + 1]),
        "range_depression": levels(nom[n_pot:]),
        "range_note": f"conductance (S) over the nominal train {runs[0][0]} from x0 = {p.x0:g}; levels at 1 % of the range",
        "g_bounds": {"g_min": float(g_ends.min()), "g_max": float(g_ends.max()), "v_read": v_read},
    }
    free_names = read_names + rate_names
    notes.append(f"surrogate = the component's law {law.name!r} with these values; fitted: {', '.join(free_names)}; "
                 f"fixed at the design value: {', '.join(sorted(set(values) - set(free_names))) or 'none'}.")
    return SurrogateFit(
        component=component.name, kind="synapse", family=component.family, model=f"law:{law.name}",
        parameters={k: float(values[k]) for k in sorted(law.params())}, units={k: units.get(k, "") for k in sorted(law.params())},
        fits=fits, validation=validation, failures=failures, component_params=p, decks=dict(data.decks),
        figures=figures, extra=extra, notes=notes,
    )
