"""Full training runs (slow: minutes each; `make test-all`)."""

from __future__ import annotations

import pytest

from circuitsnn.learn.config import load_config
from circuitsnn.learn.trainer import train

CONFIGS = ["digits_ideal.toml", "digits_vteam.toml", "digits_biolek.toml", "digits_schottky.toml",
           "digits_digital_code.toml", "digits_optocoupler.toml"]
#: chips programmed as deployment programs them: the optocoupler's fitted Monte Carlo moves a
#: naive net 6.6 points open loop and 0.45 with program-and-verify (examples/train/RESULTS.md)
PROGRAMMING = {"digits_optocoupler.toml": "verify"}


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", CONFIGS)
def test_full_digits_run_per_family(name, tmp_path):
    hw = {"eval_chips": 3, "programming": PROGRAMMING.get(name, "open_loop")}
    cfg = load_config(f"examples/train/{name}", {"hardware": hw})
    s = train(cfg, tmp_path, progress=False, log=lambda m: None)
    assert s["test_acc"] > 0.93, s["test_acc"]
    assert abs(s["chips"]["acc"]["mean"] - s["test_acc"]) < 0.03


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_compiled_layers_train_like_eager_ones(tmp_path):
    """``[run] compile``: the same run with compiled neuron layers ends with the same weights
    (to float rounding) and the same accuracy."""
    import torch

    over = {"run": {"epochs": 2, "batch_size": 128, "eval_batch_size": 400}, "network": {"hidden": [32]},
            "hardware": {"eval_chips": 0}}
    runs = {}
    for compiled in (False, True):
        cfg = load_config("examples/train/digits_vteam.toml", {**over, "run": {**over["run"], "compile": compiled}})
        runs[compiled] = train(cfg, tmp_path / str(compiled), progress=False, plots=False, log=lambda m: None)
    a = torch.load(tmp_path / "False" / "checkpoint.pt", weights_only=False)["net"]
    b = torch.load(tmp_path / "True" / "checkpoint.pt", weights_only=False)["net"]
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=1e-3, atol=1e-4), k
    assert abs(runs[True]["test_acc"] - runs[False]["test_acc"]) <= 2 / 360
