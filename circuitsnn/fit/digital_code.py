"""Fitting the digital-code synapse to SPICE: the per-bit conductances and the switches' read
nonlinearity of the surrogate's read law (:mod:`circuitsnn.physics.digital_code`)::

    I(in -> out) = v (1 + beta v) sum_k bit_k g_b<k>

Fit data: every code at 0.1 V and at 0.8 V read (operating points). Held out: every code at
0.45 V, and the I-V of code 11 (``digital_code``) or the conductance staircase of the bit lines
driven as a counter at 0.3 V read (``digital_code_bitlines``). The initial guess is the
Params' hand-analysis estimate ``2^k g_lsb (1 - eps)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..physics.digital_code import READ_LAW_NAME, code_bits, read_current, read_parameters
from ..physics.expr import NUMPY, evaluate
from .common import free_param, held_out, levels
from .core import Curve, FitReport, fit_curves
from .data import SimData
from .outcome import Overlay, SurrogateFit


def fit_digital(component, params, data: SimData) -> SurrogateFit:
    """Per-bit conductances and the read nonlinearity (module docstring)."""
    p = params
    n = int(p.bits)
    law = read_current(n)
    codes = np.arange(2**n)
    bits = code_bits(codes, n)
    failures: list[str] = []
    notes: list[str] = []
    figures: list = []
    fits: dict[str, FitReport] = {}

    def predict(values: dict, v: Any, code_bits_: dict) -> np.ndarray:
        return np.asarray(evaluate(law, {**values, **code_bits_, "v": v}, NUMPY), dtype=float)

    def levels_at(v_read: float, label: str) -> np.ndarray:
        tb = component.testbench("levels", p, v_read=v_read)
        return data.run(label, tb.deck, lambda r: {"g": tb.measure(r)["g"]}, tag="levels")["g"] * v_read

    reads = (0.1, 0.8)
    i_fit = [levels_at(v, f"fit_levels_{v:g}V") for v in reads]

    def model(v: dict) -> dict:
        return {f"i_{vr:g}V": predict(v, vr, bits) for vr in reads}

    guess = p.design_bit_conductances()
    free = [free_param(f"g_b{k}", guess[f"g_b{k}"], factor=3.0, unit="S", doc=f"conductance of bit {k}") for k in range(n)]
    free.append(free_param("beta", 0.0, span=0.5, unit="1/V", doc="read nonlinearity of the switches"))
    fits["levels"] = fit_curves(
        f"{component.name} conductance of every code",
        [Curve(f"i_{vr:g}V", codes, i, "A", "1") for vr, i in zip(reads, i_fit)], model, free,
    )
    values = dict(fits["levels"].params)
    for r in fits.values():
        failures += [f"fit {r.name}: {f}" for f in r.failures]
    figures.append(Overlay("current of every code at 0.1 and 0.8 V read (fit)", codes, np.stack(i_fit),
                           np.stack([fits["levels"].predictions[f"i_{vr:g}V"] for vr in reads]), "code", "I (A)",
                           labels=tuple(f"read at {vr:g} V" for vr in reads), marker=True))

    validation: dict[str, Any] = {}
    i_v = levels_at(0.45, "val_levels_0.45V")
    i_m = predict(values, 0.45, bits)
    validation["levels_0.45V"] = held_out("every code at 0.45 V read", i_v, i_m, failures)
    figures.append(Overlay("current of every code at 0.45 V read (held out)", codes, i_v, i_m, "code", "I (A)",
                           held_out=True, marker=True))
    if "iv" in component.testbenches:
        code = min(11, 2**n - 1)
        tb = component.testbench("iv", p.replace(code=code), v_max=0.9, step=0.03)
        d = data.run("val_iv", tb.deck, tb.measure, tag="iv")
        pred = predict(values, d["v"], code_bits(code, n))
        validation[f"iv_code_{code}"] = held_out(f"I-V of code {code}", d["i"], pred, failures)
        figures.append(Overlay(f"I-V of code {code} (held out)", d["v"], d["i"], pred, "v(in,out) (V)", "I (A)", held_out=True))
    if "program" in component.testbenches:
        tb = component.testbench("program", p, v_read=0.3)
        d = data.run("val_program", tb.deck, tb.measure, tag="program")
        pred = predict(values, 0.3, bits) / 0.3
        validation["counter_staircase_0.3V"] = held_out("conductance staircase, bit lines as a counter, 0.3 V read",
                                                        d["g"], pred, failures)
        figures.append(Overlay("conductance staircase on the bit lines (held out)", codes, d["g"], pred, "code", "G (S)",
                               held_out=True, marker=True))
    v_read = float(component.operating.get("v_read", 0.1))
    g_all = predict(values, v_read, bits) / v_read
    extra = {
        "range": {"g_min": float(g_all.min()), "g_max": float(g_all.max()), "v_read": v_read, "unit": "S"},
        "levels": levels(np.sort(g_all)),
        "lsb": float(np.polyfit(codes, g_all, 1)[0]),
        "programming": "exact: writing a code sets the conductance directly (no pulse dynamics)",
    }
    notes.append(f"surrogate = the read law {READ_LAW_NAME!r}: I = v (1 + beta v) sum_k bit_k g_b<k>, bits LSB first.")
    names = read_parameters(n)
    return SurrogateFit(
        component=component.name, kind="synapse", family=component.family, model=f"law:{READ_LAW_NAME}",
        parameters={k: float(values[k]) for k in names}, units={f"g_b{k}": "S" for k in range(n)} | {"beta": "1/V"},
        fits=fits, validation=validation, failures=failures, component_params=p, decks=dict(data.decks),
        figures=figures, extra=extra, notes=notes,
    )
