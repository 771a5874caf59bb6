"""Device figures a design needs, measured in ngspice from a technology's own models.

Hand formulas (square law) only hold for the level-1 card; a PDK's BSIM4 devices conduct in
subthreshold, have velocity saturation, DIBL, body effect... so the quantities a component's
parameters derive (a bias current, an inverter's switching threshold, a switch's on-resistance)
are measured once per bias point with a small DC deck and cached for the process.
"""

from __future__ import annotations

import functools

import numpy as np

from ...errors import ValidationError
from ...spice.ir import Deck, DcSweep, Op, V
from . import get, use


def _deck(tech_name: str, corner: str, title: str, elements: list, analysis) -> Deck:
    t = use(tech_name, corner)
    sub_elements = tuple(elements)
    return Deck(title, elements=sub_elements, models=t.models, analyses=(analysis,), includes=t.includes(corner),
                params=t.deck_params())


def _run(deck: Deck):
    from ...spice.simulator import simulate

    return simulate(deck)


@functools.lru_cache(maxsize=512)
def drain_current(tech: str, corner: str, polarity: str, w: float, l: float, v_gs: float, v_ds: float,
                  v_sb: float = 0.0) -> float:
    """Drain current magnitude (A) of one device at |V_GS|, |V_DS|, |V_SB| (V)."""
    t = get(tech)
    sgn = 1.0 if polarity == "n" else -1.0
    # source at v_sb above the bulk (bulk at 0) for n; mirrored for p
    els = [
        V("Vb", "b", "0", 0.0),
        V("Vs", "s", "0", sgn * v_sb),
        V("Vg", "g", "0", sgn * (v_sb + v_gs)),
        V("Vd", "d", "0", sgn * (v_sb + v_ds)),
        t.mosfet("M1", "d", "g", "s", "b", polarity, w=w, l=l),
    ]
    res = _run(_deck(tech, corner, f"{tech} {polarity}MOS drain current", els, Op()))
    return abs(float(res.op.value("i(vd)")))


@functools.lru_cache(maxsize=128)
def inverter_threshold(tech: str, corner: str, w_n: float, w_p: float, l: float, vdd: float) -> float:
    """Switching threshold V_M (V) of a static CMOS inverter: where v(out) = v(in) (DC sweeps,
    20 mV then 1 mV steps, interpolated)."""
    t = get(tech)
    els = [
        V("Vdd", "vdd", "0", vdd),
        V("Vin", "in", "0", 0.0),
        t.mosfet("Mp", "out", "in", "vdd", "vdd", "p", w=w_p, l=l),
        t.mosfet("Mn", "out", "in", "0", "0", "n", w=w_n, l=l),
    ]
    # a coarse sweep finds the transition, a 1 mV sweep across it interpolates (3,300 BSIM4 points
    # took 7 s of CPU; these 190 take 0.4 s)
    coarse = 20e-3

    def crossing(start: float, stop: float, step: float) -> tuple[int, np.ndarray, np.ndarray]:
        res = _run(_deck(tech, corner, f"{tech} inverter threshold", els, DcSweep("Vin", start, stop, step)))
        vin = np.asarray(res.dc.axis)
        d = np.asarray(res.dc["out"]) - vin
        k = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0))
        if not k.size:
            raise ValidationError(f"{tech}: the inverter (w_n={w_n:g}, w_p={w_p:g}, l={l:g} m) never switches at vdd = {vdd:g} V.")
        return int(k[0]), vin, d

    i, vin, _ = crossing(0.0, vdd, coarse)
    lo = round(float(vin[i]) / 1e-3) * 1e-3
    i, vin, d = crossing(lo, lo + coarse, 1e-3)
    return float(vin[i] + (vin[i + 1] - vin[i]) * d[i] / (d[i] - d[i + 1]))


@functools.lru_cache(maxsize=256)
def switch_resistance(tech: str, corner: str, w: float, l: float, v_g: float, v_s: float = 0.0, v_ds: float = 1e-3) -> float:
    """On-resistance (Ohm) of an NMOS pass switch: gate at ``v_g``, source at ``v_s`` (bulk 0),
    a small ``v_ds`` across it."""
    t = get(tech)
    els = [
        V("Vg", "g", "0", v_g),
        V("Vs", "s", "0", v_s),
        V("Vd", "d", "0", v_s + v_ds),
        t.mosfet("M1", "d", "g", "s", "0", "n", w=w, l=l),
    ]
    res = _run(_deck(tech, corner, f"{tech} switch on-resistance", els, Op()))
    return v_ds / abs(float(res.op.value("i(vd)")))


__all__ = ["drain_current", "inverter_threshold", "switch_resistance"]

