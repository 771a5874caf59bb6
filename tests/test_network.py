"""Network decks: one topology object renders one deterministic, hierarchical deck that plain
``ngspice -b`` runs, and a small network spikes as its topology implies."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.library.neurons.lif import LIFParams
from circuitsnn.units import format_value
from circuitsnn.network import (Layer, ReadInterface, SpikeInput, Topology, build_deck, merge_options, poisson,
                                simulate_ideal, simulate_network)

from golden import assert_golden

SYNAPSES = [c.name for c in registry.components("synapse", builtin_only=True)]

#: a LIF that one read pulse of a weak device can fire: 0.1 pF (Q_th = 50 fC), tau = 1 ms
SMALL_LIF = dict(c=0.1e-12, r=10e9)


def tiny_network() -> tuple[Topology, SpikeInput]:
    """3-2-2: memristor (VTEAM) layer, then a digital-code (bit-line) layer, small LIFs that one
    read pulse can fire; 4 ms of input."""
    # inside VTEAM's network-scale range (5-500 nS at its 0.2 V read)
    w1 = np.array([[200e-9, 0.0], [-100e-9, 50e-9], [100e-9, 300e-9]])
    codes_p = np.array([[15, 0], [0, 3]])
    codes_n = np.array([[0, 0], [2, 0]])
    topo = Topology(3, [
        Layer("memristor_vteam", weights=w1, neuron_params=SMALL_LIF),
        Layer("digital_code_bitlines", states=(codes_p, codes_n), neuron_params=SMALL_LIF),
    ], name="tiny")
    stim = SpikeInput((np.array([0.5e-3, 1.5e-3]), np.array([1.0e-3]), np.array([0.6e-3, 2.5e-3])), 4e-3)
    return topo, stim


def test_tiny_deck_renders_deterministically():
    topo, stim = tiny_network()
    text = build_deck(topo, stim).text()
    assert text == build_deck(*tiny_network()).text()
    assert_golden(text, "network/tiny_3_2_2.cir")


def test_deck_is_hierarchical_and_probes_every_neuron():
    topo, stim = tiny_network()
    net = build_deck(topo, stim, probe_membranes=True)
    names = [s.name for s in net.deck.subckts]
    assert {"xbar_l1", "xbar_l2"} <= set(names)
    xbar1 = next(s for s in net.deck.subckts if s.name == "xbar_l1")
    assert xbar1.ports == ("r0", "r1", "r2", "c0p", "c0n", "c1p", "c1n")
    assert net.devices == (12, 3) and net.omitted == (0, 5)  # code-0 devices are left out
    assert set(net.deck.saves) >= {"v(l1_s0)", "v(l1_s1)", "v(l2_s0)", "v(l2_s1)", "v(l1_m0)"}
    assert net.deck.prints and net.deck.prints[0].signals == ("v(l2_s0)", "v(l2_s1)")
    # inherited: the LIF's safe max step
    assert net.deck.tran.max_step == pytest.approx(LIFParams().max_step())


def test_weights_map_through_the_weight_interface():
    topo, _ = tiny_network()
    l1, l2 = topo.layers
    assert l1.w_realized == pytest.approx(l1.target, abs=1e-12)  # inside the VTEAM range: exact
    assert np.all(np.minimum(l1.g_pos, l1.g_neg) == pytest.approx(l1.weights_interface.g_range()[0]))
    g_lsb = l2.weights_interface.grid()[1].item()
    assert l2.w_realized[0, 0] == pytest.approx(15 * g_lsb, rel=1e-3)
    assert l2.w_realized[1, 0] == pytest.approx(-2 * g_lsb, rel=1e-3)


def test_mismatched_layers_and_references_are_refused():
    w = np.zeros((3, 2))
    with pytest.raises(ValidationError, match="layer 2 has 3 rows but receives 2"):
        Topology(3, [Layer("memristor_vteam", weights=w), Layer("memristor_vteam", weights=w)])
    bad = Topology(3, [Layer("memristor_vteam", weights=w, read=ReadInterface(row_params={"v_ref": 0.3}))])
    with pytest.raises(ValidationError, match="v_ref"):
        build_deck(bad, SpikeInput(tuple(np.array([1e-3]) for _ in range(3)), 2e-3))
    with pytest.raises(ValidationError, match="overlap"):
        SpikeInput((np.array([1e-3, 1.005e-3]),), 2e-3)


def test_simulator_options_merge_by_rule():
    assert merge_options([("a", {"method": "trap", "reltol": 1e-3}), ("b", {"method": "gear", "reltol": 1e-5})]) == \
        {"method": "gear", "reltol": 1e-5}
    with pytest.raises(ValidationError, match="'a' and 'b'"):
        merge_options([("a", {"temp": 27}), ("b", {"temp": 50})])


@pytest.mark.ngspice
def test_tiny_deck_runs_under_plain_ngspice(tmp_path):
    topo, stim = tiny_network()
    build_deck(topo, stim).write(tmp_path / "tiny.cir")
    proc = subprocess.run([shutil.which("ngspice"), "-b", "tiny.cir"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "v(l2_s0)" in proc.stdout.lower() and "error" not in proc.stderr.lower()


@pytest.mark.ngspice
def test_back_ends_read_the_same_spikes():
    """The deck runs through circuitsnn.spice's batch and shared back-ends alike, and the
    spikes match the ideal-read reference within 20 us."""
    topo, stim = tiny_network()
    net = build_deck(topo, stim, prints="none")
    batch = simulate_network(net, backend="batch", timeout=300)
    shared = simulate_network(net, backend="shared", timeout=300)
    ideal = simulate_ideal(topo, stim)
    assert batch.counts == shared.counts and batch.counts[0] > 0 and batch.cpu is not None
    for got, other, want in zip(batch.spikes, shared.spikes, ideal):
        for a, b, c in zip(got, other, want):
            assert a == pytest.approx(b, abs=1e-9)
            assert a.size == c.size and (a.size == 0 or np.max(np.abs(a - c)) < 20e-6), (batch.spikes, ideal)


@pytest.mark.ngspice
@pytest.mark.parametrize("fidelity", ["full", "read"])
@pytest.mark.parametrize("synapse", SYNAPSES)
def test_a_strong_synapse_drives_its_neuron_and_zero_weights_leave_it_silent(synapse, fidelity):
    """2 inputs -> 2 neurons; only weight (0, 0) is set (at the top of the family's range).
    Neuron 0 fires once per spike of input 0, as the ideal reference says; neuron 1 never does;
    with the full devices and with their read-mode equivalents."""
    probe = Layer(synapse, weights=np.zeros((2, 2)), neuron_params=SMALL_LIF)
    w = np.zeros((2, 2))
    w[0, 0] = probe.w_max
    topo = Topology(2, [Layer(synapse, weights=w, neuron_params=SMALL_LIF, fidelity=fidelity)])
    stim = SpikeInput((np.array([0.3e-3, 1.0e-3]), np.array([0.6e-3])), 1.5e-3)
    res = simulate_network(build_deck(topo, stim, prints="none"), timeout=300)
    ideal = simulate_ideal(topo, stim)
    (n0, n1), = res.spikes
    assert n1.size == 0 and ideal[0][1].size == 0
    assert n0.size == ideal[0][0].size == 2
    # the device's own read (edges, nonlinearity) may fire it a little earlier than the ideal pulse
    assert np.max(np.abs(n0 - ideal[0][0])) < 20e-6


def test_read_mode_renders_each_device_as_its_read_law():
    frac = np.array([[0.5, -0.2], [0.0, 0.3]])
    for synapse, letter in (("memristor_vteam", "R"), ("optocoupler", "R"), ("digital_code_bitlines", "R"),
                            ("schottky_gated", "G")):
        w = frac * Layer(synapse, weights=np.zeros((1, 1))).w_max
        layer = Layer(synapse, weights=w, fidelity="read")
        net = build_deck(Topology(2, [layer]), SpikeInput((np.array([1e-3]), np.array([])), 2e-3))
        xbar = next(s for s in net.deck.subckts if s.name == "xbar_l1")
        devices = [e for e in xbar.elements if getattr(e, "letter", "") in ("R", "X", "V", "G")]
        assert devices and {e.letter for e in devices} == {letter}, synapse
        if letter == "R":  # a resistor of 1/G(state): the realized conductances
            g = {e.name: 1.0 / e.value for e in devices}
            assert g.get("Rp0_0", 0.0) == pytest.approx(layer.g_pos[0, 0], rel=1e-12)
    # the Schottky read separates: one shape per row, a linear VCCS I(state, v_read) per device
    layer = Layer("schottky_gated", weights=frac * 5e-9, fidelity="read")
    text = build_deck(Topology(2, [layer]), SpikeInput((np.array([1e-3]), np.array([])), 2e-3)).text()
    assert text.count("Bf_r") == 2 and "v(gate)" not in text and "v(phi" not in text  # gate at 0 V, no state node
    assert f"Gp0_0 r0 c0p f_r0 0 {format_value(layer.g_pos[0, 0] * layer.v_read)}" in text


def test_example_network_decks_are_up_to_date():
    from pathlib import Path

    from circuitsnn.network import examples

    assert not examples.stale(Path(__file__).resolve().parents[1] / "netlists" / "networks"), \
        "run `make netlists` and commit netlists/networks"


@pytest.mark.slow
@pytest.mark.ngspice
def test_a_random_network_spikes_like_its_ideal_reference():
    """8-4-2, resistive-like VTEAM devices at random weights (inside the network-scale range,
    5-500 nS at 0.2 V: one read spike carries up to the threshold charge of the 2 pF LIFs, so
    the neurons integrate), 5 ms of Poisson input: the deck's spike counts per layer are within
    30 % of the exact ideal-read reference."""
    rng = np.random.default_rng(1)
    lif = dict(c=2e-12, r=0.5e9)  # tau 1 ms, Q_th = 1 pC
    layers = [Layer("memristor_vteam", weights=(rng.standard_normal((a, b)) + 0.5) * 200e-9 * s, neuron_params=lif)
              for a, b, s in ((8, 4, 1.0), (4, 2, 1.5))]
    topo = Topology(8, layers)
    stim = poisson(np.full(8, 1200.0), 5e-3, seed=3)
    res = simulate_network(build_deck(topo, stim, prints="none"), timeout=1200)
    ideal = [sum(t.size for t in layer) for layer in simulate_ideal(topo, stim)]
    assert ideal[0] > 0
    for got, want in zip(res.counts, ideal):
        assert abs(got - want) <= max(2, 0.3 * want), (res.counts, ideal)


@pytest.mark.ngspice
def test_transistor_read_interfaces_spike_like_the_ideal_ones():
    """The same 3-2-2 network read through the CMOS row drivers and column read-outs (v_ref
    0.2 V; the LIF rests at 0.3 V for the copies' headroom) spikes at the same times as through
    the behavioural ones, within 20 us. The LIFs are SMALL_LIF's 0.1 pF, which one read pulse
    fires, with a 1 GOhm leak (tau 0.1 ms): the transistor copies' residual current (~0.1 nA)
    then holds the membrane ~0.1 V above rest, not across the threshold as 10 GOhm would."""
    topo, stim = tiny_network()
    lif = dict(SMALL_LIF, r=1e9, v_rest=0.3, v_reset=0.3, v_th=0.8)
    spikes = []
    for read in (ReadInterface(column_params={"v_ref": 0.2}), ReadInterface.cmos()):
        layers = [Layer(layer.synapse.name, states=layer.states, neuron_params=lif, read=read)
                  for layer in topo.layers]
        net = build_deck(Topology(3, layers), stim, prints="none")
        spikes.append(simulate_network(net, timeout=600).spikes)
    ideal, cmos = spikes
    assert sum(t.size for t in ideal[0]) > 0
    for a, b in zip(ideal, cmos):
        for x, y in zip(a, b):
            assert x.size == y.size and (x.size == 0 or np.max(np.abs(x - y)) < 20e-6), (ideal, cmos)


def test_ideal_reference_fires_at_the_analytic_lif_rate():
    from circuitsnn.library.neurons.lif import analytic_isi
    from circuitsnn.network.ideal import lif_layer

    p = LIFParams()
    i_in = 3 * p.rheobase
    # one row active for 10 ms: constant current into the neuron
    (t,) = lif_layer([np.array([1e-3])], 10e-3, np.array([[i_in]]), p, 12e-3)
    assert t.size > 5
    assert np.diff(t) == pytest.approx(float(analytic_isi(i_in, p)), rel=1e-9)
    assert t[0] - 1e-3 == pytest.approx(p.tau * np.log(i_in * p.r / (i_in * p.r - p.v_th)), rel=1e-9)
