"""Full STDP learning runs (slow: minutes each on 2 cores): the example configs keep the accuracy
measured on the fixed digits test split (examples/stdp/RESULTS.md, seed 0), 2 points of margin.
These are regression floors, not the issue's goals (90 % ideal, 85 % per family: missed)."""

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
    measured = {"ideal": 0.8611, "digital_code": 0.7722, "schottky_gated": 0.8583}[component]
    assert s["test_acc"] >= measured - 0.02


@pytest.mark.slow
def test_digits_reward(tmp_path):
    s = train(load_config(EX / "digits_rstdp.toml"), tmp_path, progress=False, plots=False)
    assert s["test_acc"] >= 0.4639 - 0.02  # measured 46.39 % (chance 10 %)
