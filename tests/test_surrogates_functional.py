"""Surrogate step functions, fit framework, held-out metrics and artifacts (no simulator)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.surrogates import functional as F
from circuitsnn.surrogates.artifacts import SurrogateModel, lif_parameters, load_model, save_model
from circuitsnn.surrogates.fit import Curve, FitParam, FitToleranceError, check_tolerance, fit_curves
from circuitsnn.surrogates.modules import LIF, LIFCell
from circuitsnn.surrogates.validate import coincidence_factor, compare_spike_trains, fi_error, match_spikes

D = torch.float64
P = F.LIFParameters(tau_m=1e-3, r_in=1e6, v_rest=0.05, v_th=0.5, v_reset=0.02, t_ref=2e-4)


def _spike_times(t: torch.Tensor, k: int) -> np.ndarray:
    col = t[:, k].numpy()
    return col[np.isfinite(col)]


@pytest.mark.parametrize("dt", [1e-5, 1.5e-4])
@pytest.mark.parametrize("i_ref", [math.inf, 5e-6])
def test_lif_constant_current_matches_analytic_rate_and_latency(dt, i_ref):
    p = P._replace(i_ref=i_ref)
    currents = torch.tensor([0.6e-6, 1e-6, 3e-6], dtype=D)
    T = int(0.03 / dt)
    z, t, _, _ = F.lif_run(currents.expand(T, 3).clone(), p, dt)
    isi_expected = 1 / F.lif_rate(currents, p)
    lat_expected = F.lif_latency(currents, p)
    for k in range(3):
        ts = _spike_times(t, k)
        assert ts.size > 5
        # exact integration: spike times do not depend on the grid
        assert np.allclose(np.diff(ts), isi_expected[k].item(), rtol=1e-9)
        assert ts[0] == pytest.approx(lat_expected[k].item(), rel=1e-9)


def test_leakless_neuron_integrates_accurately_in_single_precision():
    # an Axon-Hillock-like neuron: no measurable leak (tau_m 1e6 s), active reset
    p = F.LIFParameters(tau_m=1e6, r_in=1e18, v_th=0.8, v_reset=0.2, t_ref=5e-7, i_ref=2e-6)
    i = torch.full((400, 1), 1e-7, dtype=torch.float32)
    _, t, _, _ = F.lif_run(i, p._replace(**{k: float(v) for k, v in p._asdict().items()}), 1e-7)
    ts = t[:, 0].numpy()
    ts = ts[np.isfinite(ts)]
    c = 1e-12  # tau_m / r_in
    isi = 5e-7 / (1 - 0.05) + c * 0.6 / 1e-7
    assert np.allclose(np.diff(ts), isi, rtol=1e-3)


def test_lif_below_rheobase_never_fires_and_settles_at_v_inf():
    i = torch.full((2000, 1), 0.9 * float(P.rheobase), dtype=D)
    z, _, v, _ = F.lif_run(i, P, 1e-5, record_v=True)
    assert z.sum() == 0
    assert v[-1, 0].item() == pytest.approx(P.v_rest + P.r_in * i[0, 0].item(), rel=1e-6)


def test_adaptation_lengthens_isis():
    p = P._replace(b=2e-7, tau_w=5e-3)
    i = torch.full((4000, 1), 2e-6, dtype=D)
    _, t, _, _ = F.lif_run(i, p, 1e-5)
    isi = np.diff(_spike_times(t, 0))
    assert isi[-1] > 1.2 * isi[0]
    _, t0, _, _ = F.lif_run(i, P, 1e-5)
    assert len(_spike_times(t, 0)) < len(_spike_times(t0, 0))


def test_superspike_backward_is_the_soft_spike_derivative():
    x = torch.linspace(-0.2, 0.2, 41, dtype=D, requires_grad=True)
    (g_hard,) = torch.autograd.grad(F.superspike(x, 80.0).sum(), x)
    (g_soft,) = torch.autograd.grad(F.soft_spike(x, 80.0).sum(), x)
    assert torch.allclose(g_hard, g_soft, rtol=1e-12, atol=0)
    assert torch.equal(F.superspike(x, 80.0), (x >= 0).to(D))
    # the surrogate has unit area and its documented scale: 1/4 of the peak at |x| = 1/alpha
    xs = torch.tensor([0.0, 1 / 80.0], dtype=D, requires_grad=True)
    (g,) = torch.autograd.grad(F.superspike(xs, 80.0).sum(), xs)
    assert g[0].item() == pytest.approx(40.0) and g[1].item() == pytest.approx(10.0)


def test_lif_step_gradcheck_soft_double_precision():
    torch.manual_seed(0)
    i_ua = (torch.rand(5, dtype=D) * 2).requires_grad_()
    v = (torch.rand(5, dtype=D) * 0.45).requires_grad_()
    ref = torch.tensor([0.0, 0.0, 5e-5, 3e-4, 0.0], dtype=D)
    w_ua = torch.full((5,), 0.01, dtype=D, requires_grad=True)
    theta = torch.tensor([1.0, 1.0, 0.5, 0.02, 0.2, 0.1, 10.0, 4.0], dtype=D, requires_grad=True)

    def f(i_ua, v, w_ua, theta):
        # parameters in scaled units so that gradcheck's finite steps are meaningful
        p = F.LIFParameters(tau_m=theta[0] * 1e-3, r_in=theta[1] * 1e6, v_th=theta[2], v_reset=theta[3],
                            t_ref=theta[4] * 1e-3, b=theta[5] * 1e-6, tau_w=theta[6] * 1e-3,
                            i_ref=theta[7] * 1e-6, alpha=50.0)
        st = F.LIFState(v=v, ref=ref, w=w_ua * 1e-6, t_spike=torch.zeros(5, dtype=D))
        z, s = F.lif_step(i_ua * 1e-6, st, p, 1e-4, soft=True)
        return z, s.v, s.ref * 1e3, s.w * 1e6, s.t_spike * 1e3

    assert torch.autograd.gradcheck(f, (i_ua, v, w_ua, theta), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_hard_lif_run_backpropagates_finite_gradients():
    i = torch.full((300, 4), 1.2e-6, dtype=D, requires_grad=True)
    cell = LIF(P, 1e-5, learn=("v_th", "tau_m"))
    z, _, _ = cell(i)
    z.sum().backward()
    assert torch.isfinite(i.grad).all() and i.grad.abs().sum() > 0
    assert torch.isfinite(cell.v_th.grad) and cell.v_th.grad.item() < 0  # higher threshold, fewer spikes


def test_lif_cell_matches_functional():
    cell = LIFCell(P, 1e-5)
    i = torch.full((3,), 1e-6, dtype=D)
    z1, s1 = cell(i)
    z2, s2 = F.lif_step(i, F.lif_initial_state(3, P), P, 1e-5)
    assert torch.equal(s1.v, s2.v) and torch.equal(z1, z2)
    with pytest.raises(ValidationError, match="unknown parameter"):
        LIFCell(P, 1e-5, learn=("nope",))


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
