"""Full STDP learning runs (slow: minutes each on 2 cores): the example configs keep the accuracy
measured on the fixed digits test split (examples/stdp/RESULTS.md, seed 0), 2 points of margin.
These are regression floors at the measured figures (the issue's goals: 90 % ideal, 85 % per
family)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitsnn.learn.stdp.config import load_config
from circuitsnn.learn.stdp.runner import train

EX = Path(__file__).resolve().parents[1] / "examples" / "stdp"


@pytest.mark.slow
@pytest.mark.parametrize("component", ["ideal", "digital_code", "schottky_gated", "memristor_biolek"])
def test_digits_unsupervised(tmp_path, component):
    # Biolek with the finer pulses of examples/stdp/compare_families.py (its nominal 50 ms pulse: 18 %)
    pulses = {"t_set": 1e-3, "t_reset": 15e-6} if component == "memristor_biolek" else {}
    cfg = load_config(EX / "digits_ideal.toml", {"synapse": {"component": component, **pulses}})
    s = train(cfg, tmp_path, progress=False, plots=False)
    measured = {"ideal": 0.9167, "digital_code": 0.8917, "schottky_gated": 0.9028, "memristor_biolek": 0.9111}[component]
    assert s["test_acc"] >= measured - 0.02


@pytest.mark.slow
def test_digits_reward(tmp_path):
    s = train(load_config(EX / "digits_rstdp.toml"), tmp_path, progress=False, plots=False)
    assert s["test_acc"] >= 0.4639 - 0.02  # measured 46.39 % (chance 10 %)
