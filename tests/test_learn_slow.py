"""Full training runs (slow: minutes each; `make test-all`)."""

from __future__ import annotations

import pytest

from circuitsnn.learn.config import load_config
from circuitsnn.learn.trainer import train

CONFIGS = ["digits_ideal.toml", "digits_vteam.toml", "digits_biolek.toml", "digits_schottky.toml",
           "digits_digital_code.toml",
           # the optocoupler trains to 96.6 % but loses 6.6 points over sampled chips (its fitted
           # Monte Carlo spread; examples/train/RESULTS.md): the chips check fails for naive training
           pytest.param("digits_optocoupler.toml", marks=pytest.mark.xfail(
               reason="naive-trained optocoupler nets lose ~6.6 points over sampled chips", strict=False))]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", CONFIGS)
def test_full_digits_run_per_family(name, tmp_path):
    cfg = load_config(f"examples/train/{name}", {"hardware": {"eval_chips": 3}})
    s = train(cfg, tmp_path, progress=False, log=lambda m: None)
    assert s["test_acc"] > 0.93, s["test_acc"]
    assert abs(s["chips"]["acc"]["mean"] - s["test_acc"]) < 0.03
