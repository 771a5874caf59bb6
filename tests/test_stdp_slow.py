"""Full STDP learning runs (slow: minutes each on 2 cores): the example configs reach their
accuracy on the fixed digits test split."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitsnn.learn.stdp.config import load_config
from circuitsnn.learn.stdp.runner import train

EX = Path(__file__).resolve().parents[1] / "examples" / "stdp"


@pytest.mark.slow
@pytest.mark.parametrize("component", ["ideal", "digital_code", "schottky_gated"])
def test_digits_unsupervised(tmp_path, component):
    cfg = load_config(EX / "digits_ideal.toml", {"synapse": {"component": component}})
    s = train(cfg, tmp_path, progress=False, plots=False)
    assert s["test_acc"] >= (0.88 if component == "ideal" else 0.80)


@pytest.mark.slow
def test_digits_reward(tmp_path):
    s = train(load_config(EX / "digits_rstdp.toml"), tmp_path, progress=False, plots=False)
    assert s["test_acc"] >= 0.5
