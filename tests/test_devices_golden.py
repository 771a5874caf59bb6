"""The synapse library as a whole: golden subcircuits, registry entries, the port convention,
signed pairs, and every testbench running end to end.

Golden files pin the rendered default subcircuit of each component
(tests/golden/devices/<name>.lib). After an intended change, regenerate them with
``CIRCUITSNN_UPDATE_GOLDEN=1 python -m pytest tests/test_devices_golden.py`` and review the diff.
"""

from __future__ import annotations


import numpy as np
import pytest

from circuitsnn.library import registry
from golden import assert_golden
from circuitsnn.library.synapses import common, digital_code, memristor_biolek, memristor_vteam, optocoupler, schottky
from circuitsnn.physics.memristor_biolek import BiolekParams
from circuitsnn.physics.memristor_vteam import VteamParams
from circuitsnn.spice import Deck, Pwl, Tran, V, X, render, simulate
from circuitsnn.spice.render import render_subckt

NAMES = [c.name for c in registry.components("synapse", builtin_only=True)]


@pytest.mark.parametrize("name", NAMES)
def test_default_subckt_matches_golden(name):
    comp = registry.get(name)
    sub = comp.subckt(comp.default_params())
    assert_golden("\n".join(render_subckt(sub)) + "\n", f"devices/{name}.lib")


@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_is_complete(name):
    comp = registry.get(name)
    assert comp.kind == "synapse"
    assert comp.family
    assert comp.summary and comp.pinout and comp.equation and comp.reference
    p = comp.default_params()
    sub = comp.subckt(p)
    assert sub.ports[:2] == ("in", "out"), "synapse port convention: in out [controls...]"
    assert sub.name == p.tag()
    # every field documents its unit and meaning
    for row in type(p).describe():
        assert row["unit"] and row["doc"], row
    # the name follows the values: changing one changes the subcircuit name
    first = type(p).describe()[0]["name"]
    changed = p.replace(**{first: getattr(p, first) * 1.5 if first != "bits" else 3})
    assert comp.subckt(changed).name != sub.name
    assert {"spike"} <= set(comp.testbenches)


@pytest.mark.parametrize("name", NAMES)
def test_testbenches_build_renderable_decks(name):
    comp = registry.get(name)
    for tb_name in comp.testbenches:
        tb = comp.testbench(tb_name)
        assert tb.name == tb_name
        assert tb.deck.analyses, tb_name
        text = render(tb.deck)
        assert text.endswith(".end\n")
        assert tb.plot in ("transient", "sweep") or tb.plot.startswith("xy:")
        if tb.plot.startswith("xy:"):
            _, x, y = tb.plot.split(":")
            assert x in tb.units and y in tb.units, (tb_name, tb.plot)


@pytest.mark.ngspice
def test_every_testbench_runs_and_measures():
    """All testbenches of every synapse run in ngspice and their measures give finite data
    with a unit for every key."""
    for name in NAMES:
        comp = registry.get(name)
        for tb_name in comp.testbenches:
            tb = comp.testbench(tb_name)
            m = tb.measure(simulate(tb.deck))
            for key, value in m.items():
                assert key in tb.units, (name, tb_name, key)
                assert np.all(np.isfinite(np.asarray(value, dtype=float))), (name, tb_name, key)


@pytest.mark.ngspice
def test_any_family_instantiates_with_the_common_ports_and_signed_pairs_subtract():
    """One deck holds every family between a shared presynaptic node and its own grounded
    postsynaptic node, plus a signed pair of each: I(pair) = I(+ device) - I(- device)."""
    v_in = 0.5
    o_hi, o_lo = optocoupler.OptocouplerParams(), optocoupler.OptocouplerParams(r_limit=4e6)
    s_hi, s_lo = schottky.SchottkyParams(dphi0=0.1), schottky.SchottkyParams(dphi0=0.02)
    b_hi, b_lo = BiolekParams(x0=0.9), BiolekParams(x0=0.3)
    v_hi, v_lo = VteamParams(x0=0.8), VteamParams(x0=0.1)
    d_hi, d_lo = digital_code.DigitalCodeParams(code=13), digital_code.DigitalCodeParams(code=6)
    cases = [
        ("opto", optocoupler.signed(o_hi, o_lo), optocoupler.subckt(o_hi), optocoupler.subckt(o_lo), ("led", "led")),
        ("gsd", schottky.signed(s_hi, s_lo), schottky.subckt(s_hi), schottky.subckt(s_lo), ("0", "0", "0", "0")),
        ("bio", memristor_biolek.signed(b_hi, b_lo), memristor_biolek.subckt(b_hi), memristor_biolek.subckt(b_lo), ()),
        ("vt", memristor_vteam.signed(v_hi, v_lo), memristor_vteam.subckt(v_hi), memristor_vteam.subckt(v_lo), ()),
        ("dig", digital_code.signed(d_hi, d_lo), digital_code.subckt(d_hi), digital_code.subckt(d_lo), ()),
    ]
    subs: dict[str, object] = {}
    # in rises from 0 after t = 0: a DC bias at the operating point would drive a Biolek state
    # to its bound (it integrates any current), so the DC point is taken at 0 V
    ramp = Pwl(((0.0, 0.0), (1e-9, v_in), (1e-6, v_in)))
    els: list = [V("Vin", "in", "0", ramp), V("Vled", "led", "0", 3.0)]
    for tag, pair_subs, sp, sn, ctl in cases:
        for s in pair_subs + (sp, sn):
            subs[s.name] = s
        pair = pair_subs[-1]
        assert pair.ports[:2] == ("in", "out")
        one = ctl[: len(common.controls(sp))]
        els += [
            X(f"X{tag}p", ("in", f"{tag}p", *one), sp.name), V(f"V{tag}p", f"{tag}p", "0", 0.0),
            X(f"X{tag}n", ("in", f"{tag}n", *one), sn.name), V(f"V{tag}n", f"{tag}n", "0", 0.0),
            X(f"X{tag}s", ("in", f"{tag}s", *ctl), pair.name), V(f"V{tag}s", f"{tag}s", "0", 0.0),
        ]
    deck = Deck("every synapse family, plain and signed", elements=tuple(els), subckts=tuple(subs.values()), analyses=(Tran(1e-8, 1e-6),))
    tr = simulate(deck).tran
    for tag, *_ in cases:
        ip, i_n, i_s = (float(tr.i(f"v{tag}{k}")[-1]) for k in "pns")
        assert ip > i_n > 0, tag
        assert i_s == pytest.approx(ip - i_n, rel=1e-6, abs=1e-15), tag
