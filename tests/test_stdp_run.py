"""The STDP run: config errors name key and line, a killed run resumes to the same devices as an
uninterrupted one, the saved model carries device states and provenance, the lean neuron loop
agrees with the surrogate's exact step, the R-STDP and VDSP paths run."""

from __future__ import annotations

import json

import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.learn.stdp.config import config, load_config
from circuitsnn.learn.stdp.network import lean_lif_run
from circuitsnn.learn.stdp.runner import load_model, train

TINY = dict(run={"epochs": 2, "batch_size": 16, "checkpoint_every": 1, "eval_batch_size": 64},
            data={"name": "digits", "limit_train": 48, "limit_test": 30},
            time={"t_present": 0.02, "t_rest": 0.02}, network={"neurons": 8})


def tiny(**extra):
    sections = {k: dict(v) for k, v in TINY.items()}
    for k, v in extra.items():
        sections.setdefault(k, {}).update(v)
    return config(**sections)


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    """digital code: stochastic rounding of the programming events must replay exactly too."""
    cfg = tiny(synapse={"component": "digital_code"})
    full = train(cfg, tmp_path / "full", progress=False, plots=False)
    assert train(cfg, tmp_path / "killed", progress=False, plots=False, stop_after=2) is None
    assert (tmp_path / "killed" / "checkpoint.pt").exists()
    again = train(cfg, tmp_path / "killed", progress=False, plots=False)
    a = load_model(tmp_path / "full" / "model")[1]
    b = load_model(tmp_path / "killed" / "model")[1]
    assert torch.equal(torch.as_tensor(a["exc.state"]), torch.as_tensor(b["exc.state"]))
    assert torch.equal(torch.as_tensor(a["theta"]), torch.as_tensor(b["theta"]))
    assert full["programming"] == again["programming"]
    assert full["test_acc"] == again["test_acc"]


def test_saved_model_and_outputs(tmp_path):
    cfg = tiny(synapse={"component": "schottky_gated"}, run={"epochs": 1})
    s = train(cfg, tmp_path, progress=False, plots=True)
    for f in ("metrics.csv", "summary.json", "receptive_fields.png", "weight_evolution.png", "learning_curve.png",
              "conductances.png"):
        assert (tmp_path / f).exists(), f
    doc, arr = load_model(tmp_path / "model")
    assert doc["device"]["component"] == "schottky_gated" and doc["device"]["sha256"]
    assert doc["neuron"]["component"] == "lif" and doc["neuron"]["params_overrides"] == {"r": 2e9}
    assert arr["exc.state"].shape == (64, 8) and arr["exc.g"].shape == (64, 8)
    g_lo, g_hi = doc["device"]["g_min"], doc["device"]["g_max"]
    assert arr["exc.g"].min() >= g_lo * (1 - 1e-9) and arr["exc.g"].max() <= g_hi * (1 + 1e-9)
    assert s["programming"]["erases"] >= 0 and s["levels_used"] >= 1
    assert json.loads((tmp_path / "summary.json").read_text())["n_test"] == 30


def test_reward_and_vdsp_paths_run(tmp_path):
    s = train(tiny(task={"kind": "reward"}, rule={"kind": "pair"}, run={"epochs": 1}), tmp_path / "r",
              progress=False, plots=False)
    assert s["task"] == "reward" and 0 <= s["test_acc"] <= 1
    v = train(tiny(rule={"kind": "vdsp"}, input={"kind": "neurons"}, run={"epochs": 1}), tmp_path / "v",
              progress=False, plots=False)
    assert v["rule"] == "vdsp"


def test_config_errors_name_key_and_line(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[run]\nepochs = 2\n[rule]\nkind = "pair"\na3_plus = 0.1\n')
    with pytest.raises(ValidationError) as e:
        load_config(p)
    assert "line 5" in str(e.value) and "a3_plus" in str(e.value)
    p.write_text('[input]\nkind = "poisson"\n[rule]\nkind = "vdsp"\n')
    with pytest.raises(ValidationError, match="neurons"):
        load_config(p)


def test_lean_loop_agrees_with_exact_step():
    """Spike counts of the lean loop (end-of-step threshold) and the surrogate's lif_step
    (crossing inside the step) on the same random currents: within 5 % in total."""
    from circuitsnn.library import registry
    from circuitsnn.surrogates.lif import lif_initial_state, lif_step
    from circuitsnn.surrogates.neuron import NeuronSurrogate
    import dataclasses

    comp = registry.get("lif")
    n = NeuronSurrogate.nominal(comp, dataclasses.replace(comp.default_params(), r=2e9))
    g = torch.Generator().manual_seed(0)
    i = torch.rand(400, 4, 20, generator=g, dtype=torch.float64) * 0.6e-9
    z_lean, _ = lean_lif_run(i, n.params.v_th, n.params, 0.5e-3)
    st = lif_initial_state((4, 20), n.params)
    zs = []
    for t in range(400):
        z, st = lif_step(i[t], st, n.params, 0.5e-3)
        zs.append(z)
    exact = torch.stack(zs)
    assert float(exact.sum()) > 200
    assert abs(float(z_lean.sum()) - float(exact.sum())) <= 0.05 * float(exact.sum())


def test_keep_best_evaluates_the_best_validation_epoch(tmp_path):
    """keep_best: the model evaluated and saved is the layer after the epoch of best validation
    (earliest on ties) — the same devices as a run stopped after that epoch — and the whole
    run's programming is still counted."""
    import csv

    cfg = tiny(run={"epochs": 3, "keep_best": True})
    s = train(cfg, tmp_path / "best", progress=False, plots=False)
    with open(tmp_path / "best" / "metrics.csv") as f:
        vals = [float(r["val_acc"]) for r in csv.DictReader(f)]
    k = vals.index(max(vals)) + 1
    assert s["evaluated_epoch"] == k and len(vals) == 3
    short = train(tiny(run={"epochs": k}), tmp_path / "short", progress=False, plots=False)
    last = train(tiny(run={"epochs": 3}), tmp_path / "last", progress=False, plots=False)
    a = load_model(tmp_path / "best" / "model")[1]
    b = load_model(tmp_path / "short" / "model")[1]
    assert torch.equal(torch.as_tensor(a["exc.state"]), torch.as_tensor(b["exc.state"]))
    assert torch.equal(torch.as_tensor(a["theta"]), torch.as_tensor(b["theta"]))
    assert s["test_acc"] == short["test_acc"] and last["evaluated_epoch"] == 3
    assert s["programming"] == last["programming"]
    # a finished run re-evaluated with keep_best switched on: the snapshot is in the checkpoint
    again = train(tiny(run={"epochs": 3, "keep_best": True}), tmp_path / "last", progress=False, plots=False)
    assert again["evaluated_epoch"] == k and again["test_acc"] == s["test_acc"]
