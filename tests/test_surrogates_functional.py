"""Surrogate step functions, fit framework, held-out metrics and artifacts (no simulator)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.surrogates import functional as F
from circuitsnn.surrogates.artifacts import SurrogateModel, lif_parameters, load_model, save_model
from circuitsnn.fit.core import Curve, FitParam, FitToleranceError, check_tolerance, fit_curves
from circuitsnn.fit.validate import coincidence_factor, compare_spike_trains, fi_error, match_spikes

D = torch.float64
P = F.LIFParameters(tau_m=1e-3, r_in=1e6, v_rest=0.05, v_th=0.5, v_reset=0.02, t_ref=2e-4)


# -- fit framework --------------------------------------------------------------------------


def _exp_model(p):
    x = np.linspace(0, 5e-3, 200)
    return {"step": p["a"] * (1 - np.exp(-x / p["tau"]))}


def test_fit_recovers_parameters_with_sensible_uncertainty():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 5e-3, 200)
    y = 0.7 * (1 - np.exp(-x / 1.3e-3)) + rng.normal(0, 1e-3, x.size)
    free = [FitParam("a", 0.5, 0.01, 5.0, "V"), FitParam("tau", 1e-3, 1e-5, 1e-1, "s", log=True)]
    rep = fit_curves("exp", [Curve("step", x, y, "V")], _exp_model, free)
    assert rep.passed and rep.r2 > 0.9999 and rep.nrmse < 0.01
    for name, true in (("a", 0.7), ("tau", 1.3e-3)):
        # the truth lies within 4 standard errors, and the error is small but not zero
        assert abs(rep.params[name] - true) < 4 * rep.stderr[name]
        assert 0 < rep.stderr[name] < 0.01 * true


def test_fit_tolerance_failure_is_explained_and_blocks_saving(tmp_path):
    x = np.linspace(0, 5e-3, 200)
    y = np.sin(x / 5e-4)  # an exponential cannot follow this
    free = [FitParam("a", 0.5, 0.01, 5.0, "V"), FitParam("tau", 1e-3, 1e-5, 1e-1, "s", log=True)]
    rep = fit_curves("bad", [Curve("step", x, y, "V")], _exp_model, free)
    assert not rep.passed and "nrmse" in rep.failures[0]
    with pytest.raises(FitToleranceError, match="step: nrmse"):
        check_tolerance(rep)
    m = SurrogateModel(name="bad", kind="neuron", family="x", model="LIFParameters",
                       parameters=rep.params, passed=rep.passed, failures=rep.failures)
    with pytest.raises(FitToleranceError, match="--force"):
        save_model(m, tmp_path)
    assert not (tmp_path / "bad.json").exists()
    path = save_model(m, tmp_path, force=True)
    data = json.loads(path.read_text())
    assert data["passed"] is False and data["forced"] is True and data["failures"]


def test_fit_param_rejects_a_guess_outside_its_bounds():
    with pytest.raises(ValidationError, match="outside"):
        FitParam("tau", 2.0, 0.0, 1.0)


def test_model_round_trip(tmp_path):
    m = SurrogateModel(name="n1", kind="neuron", family="lif", model="LIFParameters",
                       parameters=P._asdict(), passed=True, provenance={"date": "x"})
    path = save_model(m, tmp_path)
    back = load_model(path)
    assert back.parameters["tau_m"] == P.tau_m
    assert lif_parameters(path) == P
    with pytest.raises(ValidationError, match="no surrogate file"):
        load_model(tmp_path / "missing.json")


# -- held-out metrics -----------------------------------------------------------------------


def test_coincidence_factor_identity_chance_and_shift():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 10, 200))
    assert coincidence_factor(t, t, 2e-3, 10) == pytest.approx(1.0)
    other = np.sort(rng.uniform(0, 10, 200))
    assert abs(coincidence_factor(t, other, 2e-3, 10)) < 0.1
    regular = np.cumsum(0.02 + rng.exponential(0.03, 200))
    m = compare_spike_trains(regular, regular + 1e-6, regular[-1] + 0.1)
    assert m.n_paired == 200 and m.gamma == pytest.approx(1.0) and m.rel_err_max < 1e-3 and m.frac_within_target == 1.0


def test_match_spikes_uses_each_spike_once():
    pairs = match_spikes(np.array([1.0, 1.1]), np.array([1.05]), 0.1)
    assert len(pairs) == 1


def test_fi_error_counts_onset_mismatch():
    e = fi_error([0, 100, 200], [10, 101, 200])
    assert e["rel_err_max"] == pytest.approx(0.01) and e["n_onset_mismatch"] == 1


def test_param_from_seeds_guess_and_bounds_from_the_params_field():
    from dataclasses import dataclass

    from circuitsnn.params import Params, quantity
    from circuitsnn.fit.core import param_from

    @dataclass(frozen=True, kw_only=True)
    class Toy(Params):
        tau: float = quantity(1e-3, unit="s", doc="time constant", gt=0)
        v: float = quantity(0.5, unit="V", doc="threshold", ge=0.0, le=0.6)

    fp = param_from(Toy(), "tau", factor=10.0)
    assert fp.log and fp.x0 == 1e-3 and fp.lo == pytest.approx(1e-4) and fp.hi == pytest.approx(1e-2)
    fv = param_from(Toy(), "v", span=0.3)
    assert not fv.log and fv.lo == pytest.approx(0.2) and fv.hi == 0.6  # clipped to the field's range
    assert fv.unit == "V" and fv.doc == "threshold"
    with pytest.raises(ValidationError, match="no field"):
        param_from(Toy(), "nope")


def test_lif_module_loads_from_a_stored_model(tmp_path):
    # synapse modules are built by their component's entry point (tests/test_synapse_surrogates.py)
    from circuitsnn.surrogates.modules import from_model

    path = save_model(SurrogateModel(name="lif", kind="neuron", family="lif", model="LIFParameters",
                                     parameters=P._asdict(), passed=True), tmp_path)
    out = from_model(path)(torch.tensor([1e-6], dtype=D))[1].v
    assert torch.isfinite(out).all()

