"""Synapses in a network: default scales that compose with the default LIF, lean read-mode
variants, and the readable library.

* **Scales.** A row driver turns each presynaptic spike into a read pulse of the family's
  ``v_read`` for the spike's width. For every synapse (from the registry) one such read spike
  carries between 5 % and 50 % of the default LIF's threshold charge ``C (v_th - v_rest)`` at the
  top of its range and at most 2 % at the bottom (a handful of coincident spikes fire a neuron,
  none alone), and it moves the stored conductance by less than 1 % of one level (a level is 1 %
  of the range): reading does not program.
* **Read mode.** Each synapse's lean read-mode subcircuit (its read law at a fixed state, no
  state node) carries the full device's read current in ngspice.
* **Library.** The parameterized library subcircuit (``.subckt memristor_vteam in out params:
  ...``) instantiated with non-default values equals the hashed subcircuit of those values.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from circuitsnn.library import registry
from circuitsnn.netlist_library import library_subckt
from circuitsnn.physics.law import values_of
from circuitsnn.spice import V, X, simulate
from circuitsnn.spice.ir import Subckt

SYNAPSES = [c.name for c in registry.components("synapse", builtin_only=True)]
LAW_SYNAPSES = [c.name for c in registry.components("synapse", builtin_only=True) if c.law is not None]

#: one read spike's charge at the top of the range, as a fraction of the threshold charge
Q_TOP = (0.05, 0.5)
#: ... and at the bottom of the range
Q_BOTTOM = 0.02
#: the conductance change one read spike may cause, in levels (1 % of the range each)
DISTURB = 0.01


def _range(name):
    comp = registry.get(name)
    return comp, comp.resolve("operating_range")(comp, comp.default_params())


@pytest.mark.parametrize("name", SYNAPSES)
def test_operating_table_is_declared_and_the_spike_testbench_is_one_read_spike(name):
    comp = registry.get(name)
    op = comp.operating
    assert op["v_read"] > 0 and op["polarity"]
    lif = registry.get("lif").default_params()
    assert op["t_read"] == pytest.approx(lif.t_spike), "the read pulse is the default LIF's spike"
    sig = inspect.signature(comp.testbenches["spike"]).parameters
    assert sig["amplitude"].default == pytest.approx(op["v_read"]) and sig["width"].default == pytest.approx(op["t_read"])
    assert comp.read_mode is not None and comp.operating_range is not None


@pytest.mark.parametrize("name", SYNAPSES)
def test_one_read_spike_is_a_fraction_of_the_threshold_charge(name):
    _, r = _range(name)
    lif = registry.get("lif").default_params()
    assert r.q_threshold == pytest.approx(lif.c * (lif.v_th - lif.v_rest))
    assert Q_TOP[0] <= r.q_hi / r.q_threshold <= Q_TOP[1], (r.q_hi, r.q_threshold)
    assert 0 <= r.q_lo / r.q_threshold <= Q_BOTTOM, (r.q_lo, r.q_threshold)


@pytest.mark.parametrize("name", SYNAPSES)
def test_a_read_spike_does_not_program(name):
    _, r = _range(name)
    assert r.disturb_levels < DISTURB, r.disturb_levels


@pytest.mark.parametrize("name", SYNAPSES)
def test_operating_range_equals_the_weight_interface(name):
    """The numpy table (circuitsnn list) and the torch weight interface agree on the range."""
    from circuitsnn.surrogates.weights import weights_for

    _, r = _range(name)
    w = weights_for(name, nominal=True)
    lo, hi = w.g_range()
    assert (lo, hi) == pytest.approx((r.g_lo, r.g_hi), rel=1e-6, abs=1e-15)
    assert w.v_read == r.v_read


@pytest.mark.ngspice
@pytest.mark.parametrize("name", SYNAPSES)
def test_a_read_spike_in_spice_carries_its_charge_and_keeps_the_state(name):
    comp, r = _range(name)
    tb = comp.testbench("spike")
    m = tb.measure(simulate(tb.deck))
    assert r.q_lo * 0.98 <= m["charge"] <= r.q_hi * 1.02, (m["charge"], r.q_lo, r.q_hi)
    assert m["charge"] <= Q_TOP[1] * r.q_threshold
    assert abs(m.get("d_state", 0.0)) <= 1.5 * r.state_step + 1e-9 * (r.state_hi - r.state_lo), m.get("d_state")


def _full_read_deck(comp, state):
    """The component's spike testbench (one read spike) with the full device at ``state``."""
    p = comp.default_params()
    if comp.family == "memristor":
        return comp.testbench("spike", p.replace(x0=state))
    if comp.family == "schottky":
        return comp.testbench("spike", p, dphi=state)
    if comp.family == "optocoupler":
        return comp.testbench("spike", p, v_led=state)
    if hasattr(p, "code"):  # the code as a parameter (digital_code and its GF180 variant)
        return comp.testbench("spike", p.replace(code=int(state)))
    return comp.testbench("spike", p, code=int(state))


@pytest.mark.ngspice
@pytest.mark.parametrize("name", SYNAPSES)
def test_read_mode_variant_carries_the_full_devices_read_current(name):
    comp, r = _range(name)
    states = np.linspace(r.state_lo, r.state_hi, 5)[1:]
    if comp.family == "digital_code":
        states = np.round(states).astype(int)
    read = comp.read_subckt()
    assert read.ports == ("in", "out") and read.name == f"{comp.law.name if comp.law else 'digital_code'}_read"
    for s in states:
        tb = _full_read_deck(comp, s)
        deck = tb.deck
        extra = (X("Xr", ("in", "outr"), read.name, **comp.read_params(s)), V("Voutr", "outr", "0", 0.0))
        deck = dataclasses.replace(deck, elements=deck.elements + extra, subckts=deck.subckts + (read,))
        tr = simulate(deck).tran
        t_mid = 10e-6 + 5e-6  # the middle of the read pulse (delay 10 us, width 10 us)
        full = float(np.interp(t_mid, tr.time, np.asarray(tr.i("Vout"))))
        lean = float(np.interp(t_mid, tr.time, np.asarray(tr.i("Voutr"))))
        # measured: digital 6e-10, VTEAM 1e-13, Biolek 9e-6, optocoupler 7e-5, Schottky 7e-4 (the full
        # device's r_s-c_j node, 5 ps against 0.2 us steps, rings by +-1.4 pA under trapezoidal
        # integration; at DC the two agree to 3e-5); 2e-3 leaves room for ngspice's DC reltol
        assert lean == pytest.approx(full, rel=2e-3), (name, s)
        assert full > 0


def _non_default(p):
    """Every float field of ``p`` moved by 10 % (integers kept)."""
    changes = {}
    for row in type(p).describe():
        v = getattr(p, row["name"])
        if isinstance(v, float) and v != 0.0:
            changes[row["name"]] = v * 1.1
    return p.replace(**changes)


@pytest.mark.ngspice
@pytest.mark.parametrize("name", LAW_SYNAPSES)
def test_named_library_subckt_with_other_values_equals_the_hashed_one(name):
    """A designer instantiates the library's ``.subckt <name> ... params:`` with their own values:
    it is the same circuit as the hashed subcircuit generated from those values (the
    component's programming testbench drives both)."""
    comp = registry.get(name)
    p = comp.default_params()
    p2 = _non_default(p)
    named = library_subckt(comp, p)
    assert named.name == comp.law.name and named.params, "a stable name with every parameter a subcircuit parameter"
    assert comp.subckt(p2).name != comp.subckt(p).name
    tb = comp.testbench("program", p2)
    x1 = next(e for e in tb.deck.elements if e.name == "X1")
    values = values_of(p2)
    inst = {k: values[k] for k in named.params}
    nodes = tuple("out2" if n == "out" else n for n in x1.nodes)
    extra = (X("X2", nodes, named.name, **inst), V("Vout2", "out2", "0", 0.0))
    deck = dataclasses.replace(tb.deck, elements=tb.deck.elements + extra, subckts=tb.deck.subckts + (named,))
    tr = simulate(deck).tran
    i1, i2 = np.asarray(tr.i("Vout")), np.asarray(tr.i("Vout2"))
    assert np.max(np.abs(i1)) > 0
    assert np.max(np.abs(i2 - i1)) <= 1e-6 * np.max(np.abs(i1)), np.max(np.abs(i2 - i1)) / np.max(np.abs(i1))


def test_library_files_use_the_named_subckts_and_list_the_read_modes():
    from circuitsnn.netlist_library import expected_files

    files = expected_files()
    lib = files["memristor.lib"]
    assert ".subckt memristor_vteam in out params: r_on=" in lib
    assert ".subckt memristor_vteam_read in out params: x=" in lib
    assert ".subckt schottky_gated in out gate erase params: area=" in files["schottky.lib"]
    assert ".model dsch D(is={area*a_star*" in files["schottky.lib"]
    assert ".subckt optocoupler in out led params: led_is=" in files["optocoupler.lib"]
    # the digital code keeps its structure-specific hashed subckts; its read mode is named
    assert ".subckt dsc_" in files["digital_code.lib"] and files["digital_code.lib"].count(".subckt digital_code_read") == 1
    # the op deck prints its probes only
    assert ".op" not in files["digital_code.cir"] and ".print dc i(vout0)" in files["digital_code.cir"]


def test_read_subckt_of_a_component_without_one_is_refused():
    from circuitsnn.errors import ValidationError

    lif = registry.get("lif")
    with pytest.raises(ValidationError, match="no read-mode variant"):
        lif.read_subckt()
    assert isinstance(registry.get("memristor_vteam").read_subckt(state=0.3), Subckt)
