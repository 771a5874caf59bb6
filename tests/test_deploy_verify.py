"""Deployment and verification: a trained model -> topology -> deck under plain ngspice; SPICE and
the surrogate network agree on a small network (timing tolerance from a convergence check); a
killed verification resumes without recomputing; bad inputs give clear errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.deploy.network import build_topology, decide, load_model, pulse_currents
from circuitsnn.deploy.verify import SampledBinding, VerifySpec, coincidences, gamma, run_sample, verify
from circuitsnn.errors import ValidationError

VTEAM_NS = "examples/train/models/memristor_vteam_nS.json"


def tiny_config(**extra):
    from circuitsnn.learn.config import config

    sections = {"run": {"epochs": 3, "batch_size": 128, "eval_batch_size": 400, "threads": 1},
                "network": {"hidden": [10], "readout": "count", "init_std": 1.0},
                "time": {"dt": 2e-4, "duration": 3e-3}, "encoding": {"max_rate": 5000.0},
                "pulse": {"width": 100e-6}, "hardware": {"eval_chips": 0},
                "synapse": {"component": "memristor_vteam", "model": VTEAM_NS}, "neuron": {"model": "models/lif.json"}}
    for k, v in extra.items():
        sections.setdefault(k, {}).update(v)
    return config(**sections)


def train_tiny(out: Path, **extra) -> Path:
    from circuitsnn.learn.trainer import train

    train(tiny_config(**extra), out, progress=False, plots=False, log=lambda s: None)
    return out / "model"


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A 64-10-10 digits network on VTEAM pairs (1,480 devices), 3 ms presentations; samples 0 and 1
    make the output layer spike."""
    return train_tiny(tmp_path_factory.mktemp("tiny"))


DEPLOY_CONFIGS = sorted((Path(__file__).resolve().parents[1] / "examples" / "train").glob("*_deploy.toml"))


@pytest.mark.parametrize("path", DEPLOY_CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_deploy_config_trains_a_model_deployment_accepts(path, tmp_path):
    # one short epoch on 64 images: what matters is that the saved model passes the deploy
    # checks (spike inputs, pulses that fit a step) and builds a topology on the config's own
    # family at the trained read pulse, with the output layer its read-out asks for
    from circuitsnn.learn.config import load_config
    from circuitsnn.learn.trainer import train

    cfg = load_config(path, {"run": {"epochs": 1}, "data": {"limit_train": 64}, "hardware": {"eval_chips": 0}})
    train(cfg, tmp_path, progress=False, plots=False, log=lambda s: None)
    m = load_model(tmp_path / "model")
    assert m.component == cfg.synapse["component"]
    assert m.width == pytest.approx(cfg.pulse["width"])
    topo = build_topology(m)
    assert topo.n_inputs == 64 and topo.layers[-1].n_out == 10
    assert all(layer.synapse.name == cfg.synapse["component"] for layer in topo.layers)
    assert topo.layers[-1].spiking == (cfg.network["readout"] == "count")


def test_topology_reads_what_the_model_was_trained_with(model):
    m = load_model(model)
    topo = build_topology(m, fidelity="read")
    assert topo.sizes == (64, 10, 10)
    for k, layer in enumerate(topo.layers):
        gp, gn, mask = m.g(k)
        trained = np.where(mask, gp - gn, 0.0) * m.amplitude  # the trainer's column read (linear family)
        # within 1e-4 of the range: the deck's device parameters are the circuit's, the trained g_min the fit's
        assert np.allclose(pulse_currents(layer), trained, rtol=0, atol=1e-4 * layer.w_max * m.amplitude)
        assert layer.v_read == m.amplitude
        assert layer.neuron_params.t_spike == m.width  # hidden spikes read the next rows for the trained width


def test_coincidence_factor():
    a = np.array([1e-3, 2e-3, 3e-3])
    assert gamma([a], [a], 50e-6, 10e-3)["gamma"] == pytest.approx(1.0)
    assert gamma([a + 20e-6], [a], 50e-6, 10e-3)["gamma"] == pytest.approx(1.0)
    assert gamma([a + 200e-6], [a], 50e-6, 10e-3)["gamma"] < 0.0  # no pair inside the window: below chance
    assert gamma([a[:2]], [a], 50e-6, 10e-3)["gamma"] == pytest.approx((2 - 2 * 300 * 50e-6 * 2) / 2.5 / (1 - 2 * 300 * 50e-6))
    assert gamma([np.array([])], [np.array([])], 50e-6, 1e-2)["gamma"] == 1.0
    assert coincidences(np.array([1.0, 1.00001]), np.array([1.0]), 1e-3)[0] == 1  # one-to-one


def test_sampled_fidelity_puts_full_devices_on_the_chosen_columns(model):
    from circuitsnn.deploy.verify import context, decks, sample_input

    spec = VerifySpec(model=str(model), fidelity="sampled", sampled=1, energy=False)
    ctx = context(spec)
    text = decks(spec, sample_input(spec, 0)[0]).text()
    for k, layer in enumerate(ctx.topology.layers, start=1):
        assert isinstance(layer.binding, SampledBinding)
        (col,) = layer.binding.columns
        body = text.split(f".subckt xbar_l{k} ")[1].split(".ends")[0]
        full = {line.split()[0] for line in body.splitlines() if line.lower().startswith("x")}
        assert full and all(name.lower().endswith(f"_{col}") for name in full)
        resistors = [line for line in body.splitlines() if re.match(r"r[pn]\d+_\d+ ", line.lower())]
        assert len(resistors) == 2 * layer.n_in * (layer.n_out - 1)


def test_bad_models_give_clear_errors(tmp_path, model):
    with pytest.raises(ValidationError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    stdp = tmp_path / "stdp"
    stdp.mkdir()
    (stdp / "model.json").write_text(json.dumps({"schema": "circuitsnn.stdp/1"}))
    # STDP models deploy (tests/test_deploy_stdp.py, with what is still refused); a bare one is named
    with pytest.raises(ValidationError, match="incomplete STDP model"):
        load_model(stdp)
    ideal = train_tiny(tmp_path / "ideal", synapse={"component": "ideal", "g_min": 1e-9, "g_max": 50e-9, "v_read": 0.2},
                       run={"epochs": 1})
    with pytest.raises(ValidationError, match="unit-free 'ideal'.*device family"):
        load_model(ideal)
    wide = train_tiny(tmp_path / "wide", pulse={"width": 2e-4}, run={"epochs": 1})
    with pytest.raises(ValidationError, match="200 us wide.*at most 0.9 t_ref"):
        load_model(wide)
    # conductances a family cannot reach: the error names the layer and the range
    bad = tmp_path / "bad"
    shutil.copytree(model, bad)
    with np.load(bad / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    g = arrays["layer1.g_pos"]
    arrays["layer1.g_pos"] = np.where(g == np.nanmax(g), g * 1.005, g)  # 0.5 % of the range over: clipped
    np.savez(bad / "weights.npz", **arrays)
    mapping = build_topology(load_model(bad)).deploy_mapping
    assert mapping[1]["clipped"] >= 1 and 0 < mapping[1]["max_clip_of_range"] < 0.01 and mapping[0]["clipped"] == 0
    arrays["layer1.g_pos"] = g * 10
    np.savez(bad / "weights.npz", **arrays)
    with pytest.raises(ValidationError, match=r"layer 2: \d+ G\+ conductances lie outside what memristor_vteam reaches"):
        build_topology(load_model(bad))


@pytest.mark.ngspice
def test_deck_runs_under_plain_ngspice_and_the_cli_writes_the_comparison(tmp_path, model, capsys):
    from circuitsnn.cli.main import main

    rc = main(["verify", str(model), "--samples", "1", "--out", str(tmp_path / "v"), "--no-progress", "--workers", "1"])
    assert rc == 0
    out = tmp_path / "v"
    for name in ("comparison.md", "comparison.json", "raster.png", "membrane.png", "deck/sample0.cir"):
        assert (out / name).exists(), name
    assert "output-class agreement" in capsys.readouterr().out
    deck = out / "deck" / "sample0.cir"
    proc = subprocess.run([shutil.which("ngspice"), "-b", deck.name], cwd=deck.parent, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "error" not in proc.stderr.lower() and "v(l2_s0)" in proc.stdout.lower()


def _times(rec):
    return [np.concatenate([np.asarray(s) for s in layer]) if layer else np.array([]) for layer in rec["spikes_spice"]]


@pytest.mark.slow
@pytest.mark.ngspice
def test_spice_and_surrogate_agree_within_a_converged_tolerance(model):
    """Convergence at reltol 1e-5: halving reltol and the max step (2 us, the LIF's) moves no spike
    by more than 1 us, half the finer step (measured: at most 0.3 us), and no spike appears or
    goes (at 1e-4 a grazing output spike did), so that deck resolves spike times to about 1 us. Against it the surrogate
    (fitted LIF, rectangular read pulses, fitted delay) must put every spike in the same place
    within 2 us, one default max step (measured: at most 0.5 us; the halved-tolerance run is
    closer, 0.2 us), with Gamma 1 in every layer and the same output class."""
    out_spikes = 0
    for sample in (0, 1):
        base = run_sample(VerifySpec(model=str(model), energy=False, reltol=1e-5), sample)
        fine = run_sample(VerifySpec(model=str(model), energy=False, reltol=1e-5, tol_scale=0.5), sample)
        assert base["status"] == fine["status"] == "done", base.get("error") or fine.get("error")
        for a, b in zip(base["spikes_spice"], fine["spikes_spice"]):
            for s, t in zip(a, b):
                assert len(s) == len(t)
                assert np.max(np.abs(np.subtract(s, t)), initial=0.0) < 1e-6
        assert sum(len(s) for s in base["spikes_spice"][0]) > 0  # the hidden layer spikes
        out_spikes += sum(len(s) for s in base["spikes_spice"][-1])
        for layer in base["layers"]:
            g = layer["end_to_end"]
            assert g["spice"] == g["surrogate"] == g["coincident"] and g["gamma"] == pytest.approx(1.0)
            assert g["max_dt"] < 2e-6
        assert base["class_spice"] == base["class_surrogate"]
    assert out_spikes > 0


@pytest.mark.ngspice
def test_a_failing_sample_is_recorded_and_the_others_carry_on(tmp_path, model):
    v = verify(model, samples=2, out=tmp_path / "v", workers=1, executor="threads", progress=False, plots=False,
               write_deck=False, timeout=1e-3, energy=False)
    assert v.summary["failed"] == 2 and v.summary["done"] == 0
    err = v.records[0]["error"]
    assert err["where"] == "sample 0" and err["class"] == "SimulationTimeout" and "timeout" in err["message"]
    kw = dict(out=tmp_path / "v", workers=1, executor="threads", progress=False, plots=False, write_deck=False,
              timeout=1e-3, energy=False)
    assert verify(model, samples=2, **kw).computed == []  # failed records are kept ...
    assert sorted(verify(model, samples=2, retry_failed=True, **kw).computed) == [0, 1]  # ... until asked
    # per-layer decks name the layer
    rec = run_sample(VerifySpec(model=str(model), per_layer=True, timeout=1e-3, energy=False), 1)
    assert rec["status"] == "failed" and rec["error"]["where"] == "sample 1, layer 1"


SCRIPT = """
import sys
from circuitsnn.deploy.verify import verify
verify(sys.argv[1], samples=4, out=sys.argv[2], workers=1, executor="processes", progress=False, plots=False,
       energy=False)
"""


@pytest.mark.slow
@pytest.mark.ngspice
def test_a_killed_verification_resumes_without_recomputing(tmp_path, model):
    out = tmp_path / "v"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(model), str(out)], env=env, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            files = list((out / "results").glob("*.jsonl")) if (out / "results").exists() else []
            if files and files[0].read_text().count("\n") >= 1:
                break
            assert proc.poll() is None, "the verification ended before it could be killed"
            time.sleep(0.2)
        else:
            pytest.fail("no sample finished within 120 s")
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
    lines = files[0].read_text().splitlines()
    before = {json.loads(x)["sample"]: json.loads(x) for x in lines if x.strip()}
    assert 1 <= len(before) < 4
    v = verify(model, samples=4, out=out, workers=1, executor="threads", progress=False, plots=False, energy=False)
    assert sorted(v.reused) == sorted(before) and sorted(v.computed) == sorted(set(range(4)) - set(before))
    for i, rec in before.items():
        assert v.records[i]["pid"] == rec["pid"]  # read back, not recomputed
    assert v.summary["done"] == 4
    again = verify(model, samples=4, out=out, workers=1, executor="threads", progress=False, plots=False, energy=False)
    assert again.computed == [] and len(again.reused) == 4


def test_the_results_key_tells_other_code_and_ngspice_apart():
    spec = VerifySpec(model="m")
    base = spec.key("sha", "deck", "39")
    assert base == spec.key("sha", "deck", "39")
    assert len({base, spec.key("sha2", "deck", "39"), spec.key("sha", "deck 2", "39"), spec.key("sha", "deck", "46"),
                VerifySpec(model="m", reltol=1e-4).key("sha", "deck", "39")}) == 5
    assert VerifySpec(model="m", timeout=5.0, traces=(3,)).key("sha", "deck", "39") == base  # no effect on results


@pytest.mark.ngspice
def test_records_of_a_deck_rendered_otherwise_are_not_reused(tmp_path, model, monkeypatch):
    from circuitsnn.deploy import verify as verify_module

    out = tmp_path / "v"
    first = verify(model, samples=1, out=out, workers=1, executor="threads", progress=False, plots=False, energy=False)
    assert first.computed == [0]
    # the same model and options, but decks that render otherwise (what a code change does)
    text = verify_module.probe_deck
    monkeypatch.setattr(verify_module, "probe_deck", lambda spec: text(spec) + "* rendered otherwise\n")
    second = verify(model, samples=1, out=out, workers=1, executor="threads", progress=False, plots=False, energy=False)
    assert second.computed == [0] and second.reused == []
    assert second.summary["other_records"] == 1
    assert "1 records in `results/` were made under another key" in (out / "comparison.md").read_text()
    monkeypatch.undo()
    third = verify(model, samples=1, out=out, workers=1, executor="threads", progress=False, plots=False, energy=False)
    assert third.reused == [0] and third.records[0]["wall_s"] == first.records[0]["wall_s"]  # read back


@pytest.mark.ngspice
def test_the_surrogate_estimates_the_decks_read_energy(model):
    rec = run_sample(VerifySpec(model=str(model), energy=True), 0)
    assert rec["status"] == "done", rec.get("error")
    e, on_deck, sur = rec["energy_spice"], rec["energy_surrogate_on_spice_spikes"], rec["energy_surrogate"]
    assert e["read_total_j"] > 0 and e["lateral_total_j"] == 0 and sur["lateral_total_j"] == 0
    # on the deck's own spikes the estimate integrates the same trapezoids through the read law
    assert on_deck["read_total_j"] == pytest.approx(e["read_total_j"], rel=0.01)
    assert sur["read_total_j"] == pytest.approx(e["read_total_j"], rel=0.10)  # the goal, end to end
    assert sum(e["sop"]) == sum(on_deck["sop"]) > 0 and e["pj_per_sop"] > 0


def test_the_surrogate_network_models_the_lif_circuits_latch(model, monkeypatch):
    # a crossing undone within t_fast ln 2 is no spike in the circuit (tests/test_deploy_stdp.py
    # checks lif_layer's latch itself); every spiking layer of the surrogate network asks for it
    import circuitsnn.deploy.network as deploy_network
    from circuitsnn.deploy.verify import context, sample_input

    seen = []
    real = deploy_network.lif_layer

    def spy(*args, **kw):
        seen.append(kw.get("t_latch"))
        return real(*args, **kw)

    monkeypatch.setattr(deploy_network, "lif_layer", spy)
    spec = VerifySpec(model=str(model), energy=False)
    ctx = context(spec)
    deploy_network.surrogate_network(ctx.topology, ctx.model.neuron_surrogate, sample_input(spec, 0)[0])
    want = [float(layer.neuron_params.t_latch) for layer in ctx.topology.layers if layer.spiking]
    assert seen == want and all(1e-7 < x < 1e-5 for x in want)


def test_decide_counts_then_earliest():
    assert decide([np.array([1.0]), np.array([0.5, 2.0]), np.array([0.2, 3.0])]) == 2
    assert decide([np.array([]), np.array([])]) == -1


def test_the_deployed_example_deck_is_up_to_date():
    from circuitsnn.deploy import examples

    assert examples.expected_files(), "examples/deploy/tiny_vteam/model is missing"
    assert examples.stale("netlists/networks") == [], "run `make netlists` (circuitsnn netlists) and commit the result"


@pytest.mark.slow
@pytest.mark.ngspice
def test_per_layer_decks_reproduce_the_single_deck(model):
    """Layer 2 fed the spike times layer 1 recorded does what it does inside the whole deck."""
    one = run_sample(VerifySpec(model=str(model), energy=True), 0)
    split = run_sample(VerifySpec(model=str(model), energy=True, per_layer=True), 0)
    assert one["status"] == split["status"] == "done", one.get("error") or split.get("error")
    for a, b in zip(one["spikes_spice"], split["spikes_spice"]):
        g = gamma([np.asarray(s) for s in a], [np.asarray(s) for s in b], 5e-6, 3e-3)
        assert g["spice"] == g["surrogate"] == g["coincident"]
    assert split["energy_spice"]["read_total_j"] == pytest.approx(one["energy_spice"]["read_total_j"], rel=0.02)


def test_klu_is_asked_for_only_where_this_ngspice_has_it(model):
    from circuitsnn.deploy.verify import context, klu_available

    ctx = context(VerifySpec(model=str(model), klu="on", energy=False))
    assert ctx.klu == klu_available() and ("klu" in ctx.topology.sim_options) == klu_available()
    assert "klu" not in context(VerifySpec(model=str(model), klu="off", energy=False)).topology.sim_options


NGSPICE46 = Path(__file__).resolve().parents[1] / ".ngspice46" / "bin" / "ngspice"


@pytest.mark.ngspice
@pytest.mark.skipif(not NGSPICE46.exists(), reason="no ngspice with KLU beside the checkout (make ngspice46)")
def test_a_klu_deck_under_ngspice_46_reproduces_the_default_solver(model, monkeypatch):
    """`make ngspice46` first on PATH: the deck asks for KLU, ngspice says it uses it, and the
    spikes are those of the system ngspice without it (same classes, every spike within 1 us,
    the tolerance halving reltol moves them by; see examples/deploy/README.md)."""
    from circuitsnn.deploy.verify import klu_available
    from circuitsnn.spice.simulator import ngspice_version

    base = run_sample(VerifySpec(model=str(model), energy=False, klu="off"), 0)
    monkeypatch.setenv("PATH", f"{NGSPICE46.parent}{os.pathsep}{os.environ['PATH']}")
    assert klu_available() and ngspice_version().startswith("46")
    klu = run_sample(VerifySpec(model=str(model), energy=False, klu="on"), 0)
    assert base["status"] == klu["status"] == "done", base.get("error") or klu.get("error")
    assert (base["klu"], klu["klu"]) == (False, True)
    assert klu["class_spice"] == base["class_spice"]
    for a, b in zip(base["spikes_spice"], klu["spikes_spice"]):
        g = gamma([np.asarray(s) for s in a], [np.asarray(s) for s in b], 1e-6, 3e-3)
        assert g["spice"] == g["surrogate"] == g["coincident"] > 0


@pytest.mark.slow
@pytest.mark.ngspice
def test_samples_run_on_a_dask_cluster(tmp_path, model):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        v = verify(model, samples=2, out=tmp_path / "v", dask=client, progress=False, plots=False, write_deck=False,
                   energy=False)
    assert v.summary["done"] == 2 and sorted(v.computed) == [0, 1]


@pytest.mark.ngspice
def test_program_and_verify_mapping_puts_the_mapping_error_in_the_network(model, tmp_path):
    """--mapping program-verify: the deck's devices sit at the states program-and-verify reached
    on devices drawn from the fitted Monte Carlo (planned once into OUT/mapping), which differ
    from the direct states; the comparison reports the mapping, and SPICE and the surrogate
    still read the same topology."""
    from circuitsnn.deploy.mapping import Mapping
    from circuitsnn.deploy.verify import VerifySpec, context, verify

    out = tmp_path / "v"
    v = verify(model, samples=1, out=out, workers=1, executor="threads", progress=False, plots=False,
               write_deck=False, mapping="program-verify")
    mapped = Mapping.load(out / "mapping")
    ctx = context(VerifySpec(model=str(load_model(model).path), mapping="program-verify",
                             mapping_dir=str(out / "mapping"), traces=(0,)))
    direct = build_topology(load_model(model), fidelity="read")
    for layer, lm, d in zip(ctx.topology.layers, mapped.layers, direct.layers):
        # (the layer snaps states to the digits a deck writes, and onto the bounds)
        assert np.allclose(layer.states[0], lm.states[0], rtol=0, atol=1e-9)
        assert np.allclose(layer.states[1], lm.states[1], rtol=0, atol=1e-9)
        assert not np.allclose(layer.states[0], d.states[0])  # variation made the mapping differ
    assert "program-and-verify" in (out / "comparison.md").read_text()
    assert v.records[0]["status"] == "done" and v.computed == [0]
