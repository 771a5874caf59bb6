"""Deploying an STDP-trained (Diehl & Cook) layer: the saved model -> one unsigned crossbar of
digital-code devices, per-neuron thresholds (v_th + theta), lateral inhibition as row drivers and
resistors -> a deck under plain ngspice; the continuous-time surrogate of the same topology
agrees with it (timing tolerance from a convergence check); inhibition takes the designed charge
off the other membranes in the deck; `circuitsnn verify` runs on an STDP model and resumes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.deploy import stdp
from circuitsnn.deploy.network import load_model, pulse_currents
from circuitsnn.deploy.verify import VerifySpec, context, decks, run_sample, sample_input, verify
from circuitsnn.errors import ValidationError

#: tolerance on a spike's time, SPICE vs surrogate (s): see test_spice_and_surrogate_agree...
TOL = 1e-6


def tiny_stdp(out: Path, **extra) -> Path:
    """64 inputs (digits) -> 6 neurons on 4-bit digital-code synapses, one epoch on 48 images,
    30 ms presentations; a read pulse at g_max carries 0.3 of the threshold charge, so the
    few pulses of 30 ms make the layer spike (about 5 s)."""
    from circuitsnn.learn.stdp.config import config
    from circuitsnn.learn.stdp.runner import train

    sections = {"run": {"epochs": 1, "batch_size": 16, "eval_batch_size": 64},
                "data": {"name": "digits", "limit_train": 48, "limit_test": 20},
                "time": {"t_present": 0.03, "t_rest": 0.02},
                "network": {"neurons": 6, "theta_plus": 5e-3, "tau_theta": 200.0},
                "input": {"max_rate": 255.0, "charge_fraction": 0.3}, "synapse": {"component": "digital_code"}}
    for k, v in extra.items():
        sections.setdefault(k, {}).update(v)
    train(config(**sections), out, progress=False, plots=False)
    return out / "model"


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_stdp(tmp_path_factory.mktemp("stdp"))


def test_load_model_accepts_it_and_the_topology_is_the_trained_circuit(model):
    m = load_model(model)
    assert isinstance(m, stdp.STDPModel)
    topo = stdp.build_topology(m)
    (layer,) = topo.layers
    arrays = m.arrays
    assert not layer.signed and layer.states[1] is None and np.all(layer.g_neg == 0)
    assert np.array_equal(layer.states[0], arrays["exc.state"])  # the saved device states, not re-mapped
    # the deck's devices realize the conductances the trained devices held, and read the trained currents
    span = layer.w_max
    assert np.allclose(layer.g_pos, arrays["exc.g"], rtol=0, atol=1e-4 * span)
    assert np.allclose(pulse_currents(layer), arrays["exc.g"] * m.amplitude, rtol=0, atol=1e-4 * span * m.amplitude)
    # the threshold DAC: neuron j at the circuit's v_th + theta_j
    v_th = np.array([layer.neuron_params_of(j).v_th for j in range(layer.n_out)])
    assert np.allclose(v_th, arrays["v_th"], atol=1e-9) and np.ptp(arrays["theta"]) > 0
    # the inhibitory charge per spike: what the model uses, g_inh x amplitude x width = inhibition x C (v_th - v_rest)
    g = layer.lateral_g
    assert np.all(np.diag(g) == 0)
    q = g[0, 1] * layer.lateral_v_read * layer.neuron_params.t_spike
    lif = layer.neuron_params
    assert q == pytest.approx(m.q_inh, rel=1e-12)
    assert q == pytest.approx(lif.c * (topo.threshold_base - lif.v_rest), rel=1e-9)  # inhibition = 1 threshold charge


def test_what_is_still_refused_is_named(tmp_path, model):
    def variant(name, **changes):
        d = tmp_path / name
        shutil.copytree(model, d)
        doc = json.loads((d / "model.json").read_text())
        for path, value in changes.items():
            sec, key = path.split(".")
            doc[sec][key] = value
        (d / "model.json").write_text(json.dumps(doc))
        return d

    with pytest.raises(ValidationError, match="frozen feature layer"):
        load_model(variant("features", **{"config.task": {"kind": "reward", "features": "elsewhere"}}))
    with pytest.raises(ValidationError, match="'other' model"):
        load_model(_task(tmp_path, model, "other"))
    with pytest.raises(ValidationError, match="'ideal' conductance"):
        load_model(variant("ideal", **{"device.component": "ideal"}))
    with pytest.raises(ValidationError, match="input neurons"):
        load_model(variant("neurons", **{"input.kind": "neurons"}))
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "model.json").write_text(json.dumps({"schema": "circuitsnn.stdp/1"}))
    with pytest.raises(ValidationError, match="incomplete STDP model"):
        load_model(bare)


def test_program_and_verify_mapping_deploys_the_devices_it_programmed(tmp_path, model):
    out = tmp_path / "pv"
    v = verify(model, samples=2, out=out, workers=1, executor="threads", progress=False, plots=False,
               mapping="program-verify", energy=False)
    assert v.summary["done"] == 2, v.summary.get("errors")
    from circuitsnn.deploy.mapping import map_model

    mapped = map_model(model, variation=True, seed=0, progress=False, out=out / "mapping")  # read back, not replanned
    (layer,) = context(v.spec).topology.layers
    assert np.array_equal(layer.states[0], mapped.layers[0].states[0]) and layer.states[1] is None
    assert not np.array_equal(layer.states[0], load_model(model).arrays["exc.state"])  # devices drawn off nominal
    (mp,) = v.summary["mapping"]
    assert mp["mapping"] == "program-verify" and mp["devices"] == 64 * 6 and mp["unconverged"] == 0
    text = (out / "comparison.md").read_text()
    assert "program-and-verify on devices drawn from the fitted Monte Carlo" in text and "devices outside" in text


def test_sampled_fidelity_puts_full_devices_on_a_chosen_column(model):
    import re

    spec = VerifySpec(model=str(model), fidelity="sampled", sampled=1, energy=False)
    (layer,) = context(spec).topology.layers
    (col,) = layer.binding.columns
    text = decks(spec, sample_input(spec, 0)[0]).text()
    body = text.split(".subckt xbar_l1 ")[1].split(".ends")[0]
    full = [line.split()[0] for line in body.splitlines() if line.lower().startswith("x")]
    assert full and all(name.lower().startswith("xp") and name.endswith(f"_{col}") for name in full)
    assert not any(re.match(rf"\S+_{col} ", line) for line in body.splitlines() if not line.lower().startswith(("x", "*")))
    rec = run_sample(spec, 0)
    assert rec["status"] == "done", rec.get("error")
    assert rec["layers"][0]["end_to_end"]["gamma"] > 0.9  # the full devices read what their read laws say


def _task(tmp_path, model, task):
    d = tmp_path / task
    shutil.copytree(model, d)
    doc = json.loads((d / "model.json").read_text())
    doc["task"] = task
    (d / "model.json").write_text(json.dumps(doc))
    return d


def test_the_surrogate_fixed_point_is_causal(model):
    """Inhibition off (g = 0 rows) gives lif_layer's spikes; with it, a neuron's spikes never come
    before the first spike of the layer changes, and the fixed point is reached."""
    spec = VerifySpec(model=str(model), energy=False)
    ctx = context(spec)
    stim, _ = sample_input(spec, 0)
    on = stdp.surrogate_spikes(ctx.topology, ctx.model.neuron_surrogate, stim)
    from circuitsnn.network.topology import Topology

    layer = ctx.topology.layers[0]
    saved = layer.lateral
    try:
        layer.lateral = None
        bare = Topology(layer.n_in, [layer])
        with pytest.raises(ValidationError, match="threshold_base"):
            stdp.surrogate_spikes(bare, ctx.model.neuron_surrogate, stim)
        bare.threshold_base = ctx.topology.threshold_base
        off = stdp.surrogate_spikes(bare, ctx.model.neuron_surrogate, stim)
    finally:
        layer.lateral = saved
    first = min(float(s[0]) for s in off if len(s))
    for a, b in zip(on, off):  # identical up to the first spike (+ its delay: inhibition starts after it)
        assert np.array_equal(a[a <= first], b[b <= first])
    assert sum(map(len, on)) < sum(map(len, off))  # inhibition removes spikes


@pytest.mark.ngspice
def test_the_deck_runs_under_plain_ngspice(tmp_path, model):
    spec = VerifySpec(model=str(model), energy=False)
    stim, _ = sample_input(spec, 0)
    deck = decks(spec, stim).write(tmp_path / "stdp.cir")
    text = deck.read_text()
    n = load_model(model).n_neurons
    assert text.count("\nRlat1_") == n * (n - 1) and text.count("\nXlat1_") == n
    assert len({line.split()[-1] for line in text.splitlines() if line.startswith("Xn1_")}) > 1  # per-neuron LIFs
    proc = subprocess.run([shutil.which("ngspice"), "-b", deck.name], cwd=deck.parent, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "error" not in proc.stderr.lower() and "v(l1_s0)" in proc.stdout.lower()


@pytest.mark.ngspice
def test_spice_and_surrogate_agree_within_a_converged_tolerance(model):
    """Convergence: halving reltol (1e-5) and the max step (2 us, the LIF's) moves no spike by more
    than TOL / 4 = 0.25 us (measured: at most 0.1 us) and no spike appears or goes. Against that
    deck the surrogate (rectangular read pulses with the trapezoid's charge, the fitted delay,
    inhibition as rectangles from the spike's half-amplitude time) must put every spike in the
    same place within TOL = 1 us, half a max step (measured: at most 0.5 us), with Gamma 1 and the
    same class by the label assignment, on samples where several neurons fire (inhibition acts)."""
    firing = 0
    for sample in (0, 1):
        base = run_sample(VerifySpec(model=str(model), energy=False), sample)
        fine = run_sample(VerifySpec(model=str(model), energy=False, tol_scale=0.5), sample)
        assert base["status"] == fine["status"] == "done", base.get("error") or fine.get("error")
        for s, t in zip(base["spikes_spice"][0], fine["spikes_spice"][0]):
            assert len(s) == len(t)
            assert np.max(np.abs(np.subtract(s, t)), initial=0.0) < TOL / 4
        g = base["layers"][0]["end_to_end"]
        assert g["spice"] == g["surrogate"] == g["coincident"] > 0 and g["gamma"] == pytest.approx(1.0)
        for s, t in zip(base["spikes_spice"][0], base["spikes_surrogate"][0]):
            assert len(s) == len(t) and np.max(np.abs(np.subtract(s, t)), initial=0.0) < TOL
        assert base["class_spice"] == base["class_surrogate"]
        firing += sum(1 for c in base["counts_spice"] if c > 0)
    assert firing >= 3


@pytest.mark.ngspice
def test_a_spike_takes_the_designed_charge_off_every_other_membrane(model):
    """In the decks alone (no surrogate): the same input with and without the lateral resistors
    is the same circuit until the layer's first spike; 20 us after it (the inhibition pulse is
    10 us wide) every other membrane sits q_inh / C lower with them than without (the leak
    relaxes the difference by 0.1 % over 20 us at tau_m = 20 ms)."""
    import copy

    from circuitsnn.network.deck import build_deck
    from circuitsnn.network.run import simulate_network
    from circuitsnn.network.topology import Topology

    m = load_model(model)
    spec = VerifySpec(model=str(model), energy=False)
    topo = context(spec).topology
    bare = copy.copy(topo.layers[0])
    bare.lateral = None
    plain = Topology(topo.n_inputs, [bare], sim_options=topo.sim_options, max_step=topo.max_step)
    lif = topo.layers[0].neuron_params
    expected = -m.q_inh / float(lif.c)
    checked = 0
    for sample in (0, 1):
        stim, _ = sample_input(spec, sample)
        runs = [simulate_network(build_deck(t, stim, input_mode="direct", probe_membranes=True), keep_result=True)
                for t in (topo, plain)]
        first = [min((float(s[0]), k) for k, s in enumerate(r.spikes[0]) if len(s)) for r in runs]
        assert first[0][1] == first[1][1] and first[0][0] == pytest.approx(first[1][0], abs=1e-8)
        ts, k = first[0]
        b = ts + 20e-6
        # a neuron the same input pulse also drives over threshold (in either deck) is not compared
        busy = {j for r in runs for j, s in enumerate(r.spikes[0]) if np.any((np.asarray(s) > ts) & (np.asarray(s) < b + 10e-6))}
        v = [[np.interp(b, np.asarray(r.result.tran.time), np.asarray(r.result.tran[f"v(l1_m{j})"]))
              for j in range(m.n_neurons)] for r in runs]
        for j in range(m.n_neurons):
            if j != k and j not in busy:
                assert v[0][j] - v[1][j] == pytest.approx(expected, rel=0.005), (sample, k, j)
                checked += 1
        assert v[0][k] == pytest.approx(v[1][k], abs=1e-4)  # the spiking neuron does not inhibit itself
    assert checked >= m.n_neurons - 1


@pytest.mark.ngspice
def test_verify_runs_on_an_stdp_model_and_resumes(tmp_path, model):
    from circuitsnn.cli.main import main

    out = tmp_path / "v"
    rc = main(["verify", str(model), "--samples", "2", "--out", str(out), "--no-progress", "--workers", "1"])
    assert rc == 0
    (jsonl,) = (out / "results").glob("*.jsonl")
    recs = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert sorted(r["sample"] for r in recs) == [0, 1] and all(r["status"] == "done" for r in recs)
    summary = json.loads((out / "comparison.json").read_text())["summary"]
    assert summary["devices"] == 64 * 6 and summary["class_agreement"] == 1.0
    assert summary["energy"]["lateral_spice_j"] > 0
    assert "| lateral inhibition energy per inference (its resistors) |" in (out / "comparison.md").read_text()
    again = verify(model, samples=3, out=out, workers=1, executor="threads", progress=False, plots=False,
                   write_deck=False)
    assert again.reused == [0, 1] and again.computed == [2]


def test_the_surrogate_estimates_the_decks_read_and_inhibition_energy(model):
    # measured on samples 0-2: the crossbar's read energy within -0.6 %, the inhibition resistors'
    # within -0.5 % on the deck's own spikes; a spike difference moves only the lateral term here
    rec = run_sample(VerifySpec(model=str(model), energy=True), 0)
    assert rec["status"] == "done", rec.get("error")
    e, on_deck, sur = rec["energy_spice"], rec["energy_surrogate_on_spice_spikes"], rec["energy_surrogate"]
    assert sum(rec["counts_spice"]) >= 2 and e["lateral_total_j"] > 0 and e["read_total_j"] > 0
    assert on_deck["read_total_j"] == pytest.approx(e["read_total_j"], rel=0.01)
    assert on_deck["lateral_total_j"] == pytest.approx(e["lateral_total_j"], rel=0.01)
    assert sur["read_total_j"] == pytest.approx(e["read_total_j"], rel=0.10)  # the goal, end to end
    # the row sources deliver what the devices and the inhibition resistors dissipate (v_ref = 0 here)
    assert e["rows_j"] == pytest.approx(e["read_total_j"] + e["lateral_total_j"], rel=1e-6)


def test_quiet_samples_are_presented_again_as_the_runner_does(tmp_path, model):
    # the tests' model fires 4-9 spikes per 30 ms presentation: ask for 8 and several samples need more
    d = tmp_path / "ms8"
    shutil.copytree(model, d)
    doc = json.loads((d / "model.json").read_text())
    doc["config"]["input"]["min_spikes"] = 8
    (d / "model.json").write_text(json.dumps(doc))
    m = load_model(d)
    assert (m.min_spikes, m.rate_boost, m.max_retries) == (8, 32.0, 4)
    # a re-presentation is a fresh draw at the boosted rate
    x = context(VerifySpec(model=str(d))).test.x[0]
    p0, p1 = stdp.encode(m, x, 0), stdp.encode(m, x, 0, attempt=1)
    assert not np.array_equal(p0, p1) and np.array_equal(p0, stdp.encode(m, x, 0, attempt=0))
    recs = [run_sample(VerifySpec(model=str(d)), s) for s in range(2)]
    assert all(r["status"] == "done" for r in recs), [r.get("error") for r in recs]
    assert max(r["presentations_spice"] for r in recs) > 1
    for r in recs:
        for side in ("spice", "surrogate", "model"):
            n, counts = r[f"presentations_{side}"], r[f"counts_{side}"]
            assert 1 <= n <= m.max_retries + 1 and (sum(counts) >= 8 or n == m.max_retries + 1)
        # energy covers every presentation the deck ran
        assert r["energy_spice"]["sop"][0] == r["input_pulses"] * 6
        assert r["energy_surrogate_on_spice_spikes"]["read_total_j"] == pytest.approx(r["energy_spice"]["read_total_j"],
                                                                                       rel=0.01)


def test_the_input_staircase_carries_the_trapezoids_charge(model):
    """input_rows(steps=N): the N + 1 stacked rectangles of a read pulse carry what the trapezoid
    does through the read law (the charge factor of the one-rectangle form), to the midpoint
    rule's accuracy, and they start and end on the trapezoid's edges."""
    from circuitsnn.network.ideal import pulse_charge_factor

    spec = VerifySpec(model=str(model), energy=False)
    layer = context(spec).topology.layers[0]
    stim, _ = sample_input(spec, 0)
    one = pulse_currents(layer) * pulse_charge_factor(layer, stim.width, stim.edge) * stim.width
    for steps in (4, 64):
        starts, widths, w = stdp.input_rows(layer, stim, steps)
        n = layer.n_in
        charge = sum(w[k * n:(k + 1) * n] * widths[k * n:(k + 1) * n, None] for k in range(steps + 1))
        assert np.allclose(charge, one, rtol=1e-3 if steps == 64 else 2e-2, atol=1e-4 * np.abs(one).max())
        first = next(i for i, t in enumerate(stim.times) if len(t))
        assert starts[first][0] == pytest.approx(stim.times[first][0] - stim.edge / 2 + 0.0)
        assert starts[steps * n + first][0] + widths[steps * n + first] == pytest.approx(
            stim.times[first][0] + stim.width - stim.edge / 2)  # the top ends where the falling edge starts


def test_lif_layer_latch_lets_go_of_a_crossing_undone_within_t_latch():
    """A 1 uA pulse crosses v_th = 0.5 V at t_x = tau ln(v_inf / (v_inf - v_th)) (v_inf = 1 V):
    without a latch that is a spike; a strong negative pulse 0.5 us later (inside t_latch =
    1 us) undoes it, and the membrane, crossing again later, spikes then; a negative pulse
    after t_latch changes nothing."""
    from types import SimpleNamespace

    from circuitsnn.network.ideal import lif_layer

    p = SimpleNamespace(r=1e6, c=10e-12, v_rest=0.0, v_th=0.5, v_reset=0.0, t_ref=1e-4)
    tau = p.r * p.c
    t_x = tau * np.log(2.0)  # v_inf = 1 V from rest
    w = np.array([[1e-6], [-5e-6]])
    for delay, latched in ((0.5e-6, False), (2e-6, True)):
        starts = [np.array([0.0]), np.array([t_x + delay])]
        hard = lif_layer(starts, [1e-3, 1e-6], w, p, 2e-4)[0]
        soft = lif_layer(starts, [1e-3, 1e-6], w, p, 2e-4, t_latch=1e-6)[0]
        assert hard[0] == pytest.approx(t_x, rel=1e-9)
        if latched:
            assert np.array_equal(soft, hard)
        else:
            assert soft[0] > t_x + delay + 1e-6  # the crossing after the inhibition, not the undone one
            assert len(soft) == len(hard)


@pytest.mark.ngspice
def test_an_rstdp_readout_deploys_and_decides_by_most_spikes(tmp_path):
    """The R-STDP read-out on the inputs (10 neurons, neuron j = class j, no threshold adaptation):
    the same circuit; the class is the neuron with most spikes (-1 silent), in SPICE and on the
    surrogate alike."""
    path = tiny_stdp(tmp_path, task={"kind": "reward"}, rule={"kind": "pair"})
    m = load_model(path)
    assert m.doc["task"] == "reward" and m.n_neurons == 10 and np.all(m.theta == 0)
    rec = run_sample(VerifySpec(model=str(path), energy=False), 0)
    assert rec["status"] == "done", rec.get("error")
    for side in ("spice", "surrogate"):
        counts = np.array(rec[f"counts_{side}"])
        want = int(np.argmax(counts)) if counts.sum() else -1
        assert rec[f"class_{side}"] == want
    assert sum(rec["counts_spice"]) > 0
    assert rec["layers"][0]["end_to_end"]["gamma"] > 0.9 and rec["class_spice"] == rec["class_surrogate"]
