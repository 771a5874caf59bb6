"""Where the trainer computes (``[run] device``) and the final refit on train + validation
(``[data] refit``). The GPU test runs where torch sees a GPU; on the CPU-only CI it is skipped
with its reason, and the device-placement logic it covers is also exercised on the CPU here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.learn.checkpoint import load_trained
from circuitsnn.learn.config import ConfigError, config, load_config
from circuitsnn.learn.trainer import build, refit_splits, torch_device, train
from test_learn_train import small_cfg  # the trainer tests' small digits config

VTEAM_NS = "examples/train/models/memristor_vteam_nS.json"
GPU = torch.cuda.is_available()


def test_device_key_is_checked_and_auto_is_the_cpu_without_a_gpu(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[run]\nepochs = 1\ndevice = \"gpu\"\n")
    with pytest.raises(ConfigError, match=r"line 3: \[run\] device: expected cpu, cuda, cuda:N or auto"):
        load_config(p)
    assert small_cfg().run["device"] == "auto"
    assert torch_device("cpu") == torch.device("cpu")
    assert torch_device("auto").type == ("cuda" if GPU else "cpu")
    if not GPU:
        with pytest.raises(ValidationError, match="torch sees no GPU"):
            torch_device("cuda")


def test_refit_trains_on_train_and_validation_and_keeps_the_last_epoch(tmp_path, monkeypatch):
    plain = build(small_cfg()).splits
    merged = refit_splits(plain)
    assert len(merged.train) == len(plain.train) + len(plain.val)
    assert torch.equal(merged.train.x[len(plain.train):], plain.val.x) and merged.test is plain.test
    # validation that only falls: a held-out run keeps epoch 1, a refit run the last one
    import circuitsnn.learn.trainer as T

    real, calls = T.evaluate, []

    def falling(exp, split, **kw):
        r = real(exp, split, **kw)
        if split is exp.splits.val:
            calls.append(1)
            r["acc"] = 1.0 / len(calls)
        return r

    monkeypatch.setattr(T, "evaluate", falling)
    held = train(small_cfg(run={"epochs": 3}), tmp_path / "held", progress=False, plots=False, log=lambda m: None)
    assert held["selected_epoch"] == 1
    calls.clear()
    s = train(small_cfg(data={"refit": True}, run={"epochs": 3}), tmp_path, progress=False, plots=False,
              log=lambda m: None)
    assert s["selected_epoch"] == 3  # the last epoch, whatever validation says
    assert s["computed_on"]["device"] == str(torch_device("auto"))
    assert s["data"]["train"] == len(merged.train) and "refit" in s["data"]
    doc, arrays = load_trained(tmp_path / "model")
    assert doc["config"]["data"]["refit"] is True
    # deployment reads the saved config's [data] for the test split: the trainer's keys stay out
    from circuitsnn.deploy.network import DeployedModel, test_split

    assert len(test_split(DeployedModel(tmp_path / "model", doc, arrays))) == len(plain.test) == 360


def test_a_cpu_checkpoint_resumes_under_another_device_setting(tmp_path):
    cfg = small_cfg(run={"device": "cpu"})
    train(cfg, tmp_path, progress=False, plots=False, log=lambda m: None)
    logs = []
    train(small_cfg(run={"device": "auto"}), tmp_path, progress=False, plots=False, log=logs.append)
    assert "resuming" in logs[0]


#: a continuous table read, a quantized family (its own code grid), a nonlinear read; the pulse
#: widths of the shipped digits configs (2 pC per pulse at g_max)
GPU_FAMILIES = {"memristor_vteam": ({"model": VTEAM_NS}, {}), "digital_code": ({}, {"width": 26.7e-6}),
                "schottky_gated": ({}, {"width": 40e-6})}


@pytest.mark.skipif(not GPU, reason="needs a GPU that torch can see (this runs on the GPU machine only)")
@pytest.mark.parametrize("component", sorted(GPU_FAMILIES))
def test_the_gpu_trains_the_same_network_as_the_cpu(tmp_path, component):
    """Same seed on both devices: the first batch's loss agrees to float32 rounding, the
    GPU run finishes with chips (program-and-verify on the CPU), conductances in range, a
    saved CPU model."""
    syn, pulse = GPU_FAMILIES[component]
    syn = {"component": component, **syn}
    cfg = {d: small_cfg(synapse=syn, pulse=pulse, run={"device": d}) for d in ("cpu", "cuda")}
    losses = {}
    for d, c in cfg.items():
        exp = build(c)
        assert next(exp.net.parameters()).device.type == d
        x, y = next(exp.splits.train.batches(64))
        out = exp.net(exp.encoder(x, exp.n_steps, exp.dt, generator=torch.Generator().manual_seed(0)).to(d))
        losses[d] = float(torch.nn.functional.cross_entropy(exp.net.logits(out), y.to(d)))
    assert losses["cuda"] == pytest.approx(losses["cpu"], rel=1e-4)
    s = train(small_cfg(synapse=syn, pulse=pulse, run={"device": "cuda"},
                        hardware={"train": True, "eval_chips": 2, "programming": "verify"}),
              tmp_path, progress=False, log=lambda m: None)
    assert 0.0 <= s["chips"]["acc"]["mean"] <= 1.0 and s["test_acc"] > 0.2
    doc, arrays = load_trained(tmp_path / "model")
    lo, hi = doc["device"]["interface"]["g_min"], doc["device"]["interface"]["g_max"]
    g = arrays["layer0.g_pos"]
    assert ((g >= lo * (1 - 1e-6)) & (g <= hi * (1 + 1e-6))).all()
    assert json.loads((tmp_path / "summary.json").read_text())["test_acc"] == s["test_acc"]


EXAMPLE_CONFIGS = sorted((Path(__file__).resolve().parents[1] / "examples" / "train").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: p.name)
def test_every_shipped_training_config_builds_and_drives_its_layers(path):
    """Every example config loads, builds its network on its device and data, and one batch of
    its encoded inputs makes the first layer spike: read pulse and conductance range compose."""
    from circuitsnn.learn.data import FASHION_MNIST_DIR

    if "fashion" in path.name and not FASHION_MNIST_DIR.exists():
        pytest.skip("needs the Debian package dataset-fashion-mnist (make setup installs it)")
    over = {"data": {"limit_train": 64}} if "randman" not in path.name else {"data": {"nb_samples": 10}}
    exp = build(load_config(path, over))
    x, _ = next(exp.splits.train.batches(32))
    with torch.no_grad():
        out = exp.net(exp.encoder(x, exp.n_steps, exp.dt, generator=torch.Generator().manual_seed(0)).to(exp.torch_device))
    rate = float(out.spikes[0].mean())
    assert 0.0 < rate < 0.5, f"{path.name}: first-layer spike probability per step {rate:.3g}"


def test_cli_device_option_sets_the_run_device(tmp_path, capsys):
    from circuitsnn.cli.main import main

    cfg = tmp_path / "c.toml"
    cfg.write_text('[run]\nepochs = 1\nbatch_size = 256\n[network]\nhidden = [8]\n[time]\ndt = 5e-4\nduration = 5e-3\n'
                   '[encoding]\nmax_rate = 1000.0\n')
    assert main(["train", str(cfg), "--out", str(tmp_path / "o"), "--no-progress", "--no-plots", "--device", "cpu"]) == 0
    doc = json.loads((tmp_path / "o" / "model" / "model.json").read_text())
    assert doc["config"]["run"]["device"] == "cpu" and doc["metrics"]["computed_on"]["device"] == "cpu"
    # a bad device names the key; the error is the CLI's, not a traceback
    assert main(["train", str(cfg), "--out", str(tmp_path / "p"), "--device", "tpu"]) == 1
    assert "[run] device" in capsys.readouterr().err
