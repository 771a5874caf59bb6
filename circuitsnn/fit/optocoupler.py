"""Fitting the optocoupler synapse to SPICE: the LED diode's parameters and the law's own.

The surrogate (:mod:`circuitsnn.surrogates.optocoupler`) is the LED diode in closed form, the
law's steady conductance of the LED current and the law's lag integrated exactly, so this fits:

1. **LED** — ``led_is``, ``led_n`` (and ``led_rs`` unless the component fixes it) on the LED
   current vs drive (DC sweep 0..5 V), linear and logarithmic; ``r_limit`` is fixed at its design
   value (only the total series resistance is identifiable, and behind the default 2 MOhm drive
   resistor the LED's own 10 Ohm is not at all);
2. **photoconductance** — ``g_dark``, ``k_photo``, ``gamma`` on G vs the LED current SPICE
   measured (the law's ``G_ss``);
3. **lag** — ``tau_on``, ``tau_off`` on the conductance after a 3 V LED step, the surrogate
   driven with the deck's own LED waveform.

Held out: the transfer at another read voltage and sweep grid, the photoresistor I-V at four
other LED drives, a step at another amplitude and an LED pulse train.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..physics.expr import NUMPY
from ..physics.law import values_of
from ..units import si_format
from ..surrogates import optocoupler as O
from ..surrogates.waveforms import event_grid, source_points
from .common import free_param, held_out
from .core import Curve, FitReport, fit_curves
from .data import SimData
from .outcome import Overlay, SurrogateFit


def opto_trace(values: dict, led_pts: np.ndarray, t_samples: np.ndarray, g0: float | None = None) -> np.ndarray:
    """Conductance (S) of the surrogate at ``t_samples`` for an LED drive waveform (PWL points),
    starting from the steady state of the drive at t = 0 (as SPICE's operating point does)."""
    grid = event_grid([led_pts], t_samples)
    with torch.no_grad():
        g_ss = O.g_steady(torch.as_tensor(grid.u[:, 0], dtype=torch.float64), values).tolist()
        if g0 is None:
            g0 = float(O.g_steady(torch.tensor(float(led_pts[0, 1]), dtype=torch.float64), values))
    p = {k: float(v) for k, v in values.items()}
    g = [float(g0)]
    for k, dt in enumerate(grid.dt.tolist()):
        g.append(O.relax(g[-1], g_ss[k], dt, p)[0])
    return np.asarray(g)[grid.sample_idx]


def _g_of_drive(values: dict, v_led: Any) -> np.ndarray:
    with torch.no_grad():
        return O.g_steady(torch.as_tensor(np.asarray(v_led, float), dtype=torch.float64), values).numpy()


def fit_optocoupler(component, params, data: SimData) -> SurrogateFit:
    """LED I-V, power-law photoconductance and asymmetric lag (module docstring)."""
    p = params
    nominal = values_of(p)
    units = {r["name"]: r["unit"] for r in type(p).describe()}
    hints = dict(component.fit_hints)
    failures: list[str] = []
    notes: list[str] = list(hints.get("notes", ()))
    figures: list = []
    fits: dict[str, FitReport] = {}

    # -- 1. LED branch ------------------------------------------------------------------------------
    tb = component.testbench("transfer", p, v_led_max=5.0, step=0.05, v_read=0.1)
    d = data.run("fit_transfer", tb.deck, tb.measure, tag="transfer")
    v_led, i_led, g = d["v_led"], d["i_led"], d["g"]
    on = i_led > 1e-9

    def led_model(v: dict) -> dict:
        with torch.no_grad():
            i = O.led_current(torch.as_tensor(v_led, dtype=torch.float64), {**nominal, **v}).numpy()
        return {"i_led": i, "log_i_led": np.log(np.clip(i[on], 1e-30, None))}

    fixed = set(hints.get("fixed", ()))
    led_free = [
        free_param("led_is", p.led_is, factor=1e4, unit="A", doc="LED saturation current"),
        free_param("led_n", p.led_n, factor=3.0, lo=1.0, hi=5.0, unit="1", doc="LED emission coefficient"),
        free_param("led_rs", p.led_rs, factor=30.0, unit="Ohm", doc="LED series resistance (r_limit fixed)"),
    ]
    fits["led"] = fit_curves(
        "optocoupler LED I-V",
        [Curve("i_led", v_led, i_led, "A", "V"), Curve("log_i_led", v_led[on], np.log(i_led[on]), "ln A", "V")],
        led_model,
        [f for f in led_free if f.name not in fixed],
    )
    led = fits["led"].params

    # -- 2. photoconductance: the law's G_ss of the measured LED current -----------------------------
    def photo_model(v: dict) -> dict:
        gg = np.asarray(O.g_steady_of_current(i_led, {**nominal, **v}, NUMPY), dtype=float)
        return {"g": gg, "log_g": np.log(gg)}

    fits["photo"] = fit_curves(
        "optocoupler G vs LED current",
        [Curve("g", i_led, g, "S", "A"), Curve("log_g", i_led, np.log(g), "ln S", "A")],
        photo_model,
        [
            free_param("g_dark", p.g_dark, factor=100.0, unit="S", doc="dark conductance"),
            free_param("k_photo", p.k_photo, factor=100.0, unit=units["k_photo"], doc="photoconductance coefficient"),
            free_param("gamma", p.gamma, lo=0.05, hi=2.0, unit="1", doc="power-law exponent"),
        ],
    )
    photo = fits["photo"].params

    # -- 3. lag: LED step -------------------------------------------------------------------------
    v_read = 0.1

    def g_trace(tb_: Any, label: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dd = data.run(label, tb_.deck, lambda r: {"time": r.tran.time, "g": np.asarray(r.tran.i("Vout")) / v_read},
                      tag=tb_.name)
        ts = np.linspace(0.0, float(dd["time"][-1]), n)
        return ts, np.interp(ts, dd["time"], dd["g"]), source_points(tb_.deck, "Vled")

    stp = component.testbench("step", p, v_led=3.0, v_read=v_read)
    ts, g_sp, led_pts = g_trace(stp, "fit_step", 500)
    base = {**nominal, **led, **photo}

    def dyn_model(v: dict) -> dict:
        return {"g_t": opto_trace({**base, **v}, led_pts, ts)}

    fits["dynamics"] = fit_curves(
        "optocoupler LED step response", [Curve("g_t", ts, g_sp, "S", "s")], dyn_model,
        [
            free_param("tau_on", p.tau_on, factor=10.0, unit="s", doc="rise time constant"),
            free_param("tau_off", p.tau_off, factor=10.0, unit="s", doc="fall time constant"),
        ],
    )
    values = {**base, **fits["dynamics"].params}
    for r in fits.values():
        failures += [f"fit {r.name}: {f}" for f in r.failures]

    figures.append(Overlay(f"LED current vs drive through r_limit = {si_format(p.r_limit, 'Ohm')} (fit)", v_led[on],
                           i_led[on], fits["led"].predictions["i_led"][on], "LED drive (V)", "I_led (A)", logy=True))
    figures.append(Overlay("G vs LED current: power law G - G_dark ~ I_led^gamma (fit)", i_led[on], g[on],
                           photo_model(photo)["g"][on], "LED current (A)", "G (S)", logx=True, logy=True))
    figures.append(Overlay("G(t), 3 V LED step on and off (fit): tau_on rising, tau_off falling", ts, g_sp,
                           fits["dynamics"].predictions["g_t"], "time (s)", "G (S)"))

    # -- held out --------------------------------------------------------------------------------
    validation: dict[str, Any] = {}
    tb2 = component.testbench("transfer", p, v_led_max=4.7, step=0.037, v_read=0.3)
    d2 = data.run("val_transfer", tb2.deck, tb2.measure, tag="transfer")
    g2 = _g_of_drive(values, d2["v_led"])
    validation["transfer_read_0v3"] = held_out("G vs LED drive at 0.3 V read", d2["g"], g2, failures)
    figures.append(Overlay("G vs LED drive, 0.3 V read (held out)", d2["v_led"], d2["g"], g2, "LED drive (V)", "G (S)",
                           held_out=True, logy=True))

    v_leds = (0.0, 1.9, 2.6, 4.2)
    tb3 = component.testbench("iv", p, v_leds=v_leds, v_max=0.8, step=0.04)
    d3 = data.run("val_iv", tb3.deck, tb3.measure, tag="iv")
    i3 = np.stack([_g_of_drive(values, vl) * d3["v"] for vl in v_leds])
    for k, vl in enumerate(v_leds):
        validation[f"iv_led_{vl:g}V"] = held_out(f"read I-V at LED {vl:g} V", d3["i"][k], i3[k], failures)
    figures.append(Overlay("read I-V at several LED drives (held out)", d3["v"], d3["i"], i3, "v(in,out) (V)", "I (A)",
                           held_out=True, labels=tuple(f"LED {vl:g} V" for vl in v_leds)))

    stp2 = component.testbench("step", p, v_led=4.0, v_read=v_read)
    ts2, g2sp, pts2 = g_trace(stp2, "val_step", 500)
    g2m = opto_trace(values, pts2, ts2)
    validation["step_4V"] = held_out("G(t), 4 V LED step", g2sp, g2m, failures)
    figures.append(Overlay("G(t), 4 V LED step (held out)", ts2, g2sp, g2m, "time (s)", "G (S)", held_out=True))

    pr = component.testbench("program", p, amplitude=2.6, width=0.7e-3, period=2.5e-3, count=16, v_read=v_read)
    ts3, g3sp, pts3 = g_trace(pr, "val_program", 800)
    g3m = opto_trace(values, pts3, ts3)
    validation["pulse_train"] = held_out("G(t), LED pulse train 2.6 V x 0.7 ms", g3sp, g3m, failures)
    figures.append(Overlay("G(t), LED pulse train (held out)", ts3, g3sp, g3m, "time (s)", "G (S)", held_out=True))

    v_max = float(component.operating.get("v_led_max", 5.0))
    g_lo, g_hi = (float(x) for x in _g_of_drive(values, [0.0, v_max]))
    extra = {
        "range": {"g_min": g_lo, "g_max": g_hi, "v_led_max": v_max, "v_read": v_read, "unit": "S"},
        "levels_note": "analog: the conductance is a continuous function of the LED drive; the weight interface "
                       "counts the levels of the driver's DAC grid (operating dac_bits)",
        "time_constants": {"tau_on": values["tau_on"], "tau_off": values["tau_off"]},
    }
    fixed_names = sorted(set(O.FIELDS) - set(led) - set(photo) - set(fits["dynamics"].params))
    notes.append(f"surrogate = the LED diode's closed form + the component's law {component.law.name!r} with these "
                 f"values; fixed at the design value: {', '.join(fixed_names) or 'none'}. The output current of a step is "
                 "its mean, v_read * mean G (exact for piecewise-constant drive).")
    return SurrogateFit(
        component=component.name, kind="synapse", family=component.family, model=f"law:{component.law.name}",
        parameters={k: float(values[k]) for k in O.FIELDS}, units={k: units.get(k, "") for k in O.FIELDS},
        fits=fits, validation=validation, failures=failures, component_params=p, decks=dict(data.decks),
        figures=figures, extra=extra, notes=notes,
    )
