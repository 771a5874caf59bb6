"""Read interfaces: row drivers turn a spike into a read pulse of v_read, column read-outs hold
the columns at v_ref and copy I+ - I- into the membrane, within a stated accuracy.

Accuracy stated per version: behavioural (ideal sources) exact to 1e-9; transistor level on the
generic level-1 cards: row pulse area within 2 % under a 100 uS row load, copy within 3 % and
virtual ground within 1 mV for column currents 1 nA .. 1 uA, copied charge of a 10 us read
pulse within 2 % for devices of 10 nS .. 10 uS."""

from __future__ import annotations

import numpy as np
import pytest

from circuitsnn.library import registry
from circuitsnn.library.interfaces import technology as T
from circuitsnn.spice import simulate

INTERFACES = registry.components("interface", builtin_only=True)
DRIVERS = [c.name for c in INTERFACES if c.subckt(c.default_params()).ports == ("in", "out", "vdd", "vss")]
COLUMNS = [c.name for c in INTERFACES if c.subckt(c.default_params()).ports == ("colp", "coln", "mem", "vdd", "vss")]


def _transistor_level(name: str) -> bool:
    comp = registry.get(name)
    return any(getattr(e, "letter", "") in ("M", "X") for e in comp.subckt(comp.default_params()).elements)


def _tol(name: str, transistor: float) -> float:
    return transistor if _transistor_level(name) else 1e-9


def _run(name: str, tb: str, **kw):
    comp = registry.get(name)
    bench = comp.testbench(tb, **kw)
    return bench.measure(simulate(bench.deck))


def test_every_interface_follows_a_port_convention():
    assert DRIVERS and COLUMNS
    assert sorted(DRIVERS + COLUMNS) == sorted(c.name for c in INTERFACES)
    assert {_transistor_level(n) for n in DRIVERS} == {True, False}
    assert {_transistor_level(n) for n in COLUMNS} == {True, False}


@pytest.mark.ngspice
@pytest.mark.parametrize("name", DRIVERS)
def test_row_driver_turns_a_spike_into_one_read_pulse(name):
    m = _run(name, "spike")
    tol = _tol(name, 0.02)
    assert abs(m["area_error"]) <= tol, m["area_error"]  # charge through a linear device: G v_read t_spike
    assert abs(m["width_error"]) <= max(tol, 1e-3)
    assert abs(m["amplitude_error"]) <= tol
    assert abs(m["delay"]) < 0.2e-6


@pytest.mark.ngspice
@pytest.mark.parametrize("name", DRIVERS)
def test_row_driver_idles_at_v_ref_and_reads_at_v_ref_plus_v_read(name):
    comp = registry.get(name)
    p = comp.make_params(v_ref=0.2, v_read=0.3)
    tb = comp.testbench("transfer", p)
    m = tb.measure(simulate(tb.deck))
    tol = _tol(name, 0.02)
    assert abs(m["v_low"] - 0.2) <= 1e-6
    assert abs(m["v_high"] - 0.5) <= tol * 0.3
    assert 0.7 < m["v_switch"] < 1.1  # switches near half the 1.8 V spike


@pytest.mark.ngspice
@pytest.mark.parametrize("name", COLUMNS)
def test_column_copies_the_current_difference(name):
    m = _run(name, "vground")
    tol = _tol(name, 0.03)
    sel = m["i_col"] >= 1e-9
    assert np.max(np.abs(m["copy_error_p"][sel])) <= tol, m["copy_error_p"]
    assert np.max(np.abs(m["copy_error_n"][sel])) <= tol, m["copy_error_n"]
    vg = _tol(name, 1e-3)
    assert np.max(np.abs(m["vg_error_p"])) <= vg and np.max(np.abs(m["vg_error_n"])) <= vg
    d = _run(name, "transfer")
    assert d["max_error"] <= tol
    assert np.all(np.diff(d["i_copy_p"]) >= 0) and np.all(np.diff(d["i_copy_n"]) >= 0)  # monotonic


@pytest.mark.ngspice
@pytest.mark.parametrize("name", COLUMNS)
@pytest.mark.parametrize("g_device", [1e-8, 1e-6, 1e-5])
def test_column_copies_the_charge_of_a_read_pulse(name, g_device):
    m = _run(name, "step", g_device=g_device)
    tol = _tol(name, 0.02)
    assert abs(m["charge_error_p"]) <= tol and abs(m["charge_error_n"]) <= tol, m
    assert m["settle_p"] <= 3e-6 and m["settle_n"] <= 3e-6  # settled well inside a 10 us spike


def test_a_technology_switches_the_transistors():
    """A PDK whose transistors are subcircuits: the interfaces write X instances with w/l and
    inline no level-1 card."""
    tech = T.register_technology(T.Technology(name="test_pdk", nmos="nfet_x", pmos="pfet_x", subckt_devices=True))
    for name in DRIVERS + COLUMNS:
        comp = registry.get(name)
        if "technology" not in {r["name"] for r in comp.params_cls.describe()}:
            continue
        sub = comp.subckt(comp.make_params(technology=tech.name))
        assert not sub.models
        mos = [e for e in sub.elements if getattr(e, "model", None) in ("nfet_x", "pfet_x")]
        assert mos and all(e.name.startswith("X") and set(e.params) == {"w", "l"} for e in mos)
        assert not any(getattr(e, "letter", "") == "M" for e in sub.elements)
    with pytest.raises(Exception, match="technology"):
        registry.get("column_cmos").make_params(technology="no_such_pdk")
