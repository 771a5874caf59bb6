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


# -- device step functions ------------------------------------------------------------------


def test_lambertw_matches_scipy_and_has_the_implicit_derivative():
    from scipy.special import lambertw

    y = torch.tensor([-30.0, -2.0, 0.0, 1.5, 10.0, 90.0], dtype=D, requires_grad=True)
    w = F.lambertw_exp(y)
    ref = np.real(lambertw(np.exp(y.detach().numpy())))
    assert np.allclose(w.detach().numpy(), ref, rtol=1e-12)
    (g,) = torch.autograd.grad(w.sum(), y)
    assert torch.allclose(g, w / (1 + w), rtol=1e-12)


def test_diode_series_current_solves_the_diode_equation():
    v = torch.linspace(0.5, 5.0, 10, dtype=D)
    i = F.diode_series_current(v, 1e-19, 0.0517, 160.0)
    vd = v - i * 160.0
    assert torch.allclose(i, 1e-19 * torch.expm1(vd / 0.0517), rtol=1e-9)


def test_opto_step_gradcheck_and_exact_relaxation():
    p0 = F.OptoParameters()
    g0 = torch.tensor([1e-4, 2e-3], dtype=D)
    # exact: two half steps equal one full step (constant drive)
    v_led = torch.tensor([3.0, 0.5], dtype=D)
    _, s1 = F.opto_step((torch.tensor(0.1, dtype=D), v_led), F.OptoState(g0), p0, 1e-3)
    _, s2 = F.opto_step((torch.tensor(0.1, dtype=D), v_led), F.OptoState(g0), p0, 5e-4)
    _, s2 = F.opto_step((torch.tensor(0.1, dtype=D), v_led), s2, p0, 5e-4)
    assert torch.allclose(s1.g, s2.g, rtol=1e-12)

    def f(v_read, v_led, g_ms, theta):
        p = p0._replace(k_photo=theta[0] * 0.038, gamma=theta[1], tau_on=theta[2] * 1e-3, tau_off=theta[3] * 1e-3)
        i, s = F.opto_step((v_read, v_led), F.OptoState(g_ms * 1e-3), p, 1e-3)
        return i * 1e3, s.g * 1e3

    args = (torch.tensor([0.1, -0.2], dtype=D, requires_grad=True), torch.tensor([3.0, 2.4], dtype=D, requires_grad=True),
            torch.tensor([0.1, 2.0], dtype=D, requires_grad=True), torch.tensor([1.0, 0.8, 2.5, 35.0], dtype=D, requires_grad=True))
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_schottky_program_is_logarithmic_and_gradcheck():
    p = F.SchottkyParameters()
    d = torch.zeros(1, dtype=D)
    vg = torch.tensor([8.0], dtype=D)
    # closed form: exp(d/vq) grows linearly with the number of identical pulses
    ds = []
    for _ in range(5):
        d = F.schottky_program(d, vg, 10e-6, p)
        ds.append(float(d))
    e = np.exp(np.array(ds) / p.vq)
    assert np.allclose(np.diff(e), e[0] - 1.0, rtol=1e-9)
    assert float(F.schottky_program(torch.zeros(1, dtype=D), torch.tensor([4.0], dtype=D), 1.0, p)) == 0.0

    def f(v_r, v_g, dphi):
        i, s = F.schottky_step((v_r, v_g, torch.zeros_like(v_r)), F.SchottkyState(dphi), p, 10e-6)
        return i * 1e9, s.dphi

    args = (torch.tensor([0.5, 1.0], dtype=D, requires_grad=True), torch.tensor([2.0, 8.0], dtype=D, requires_grad=True),
            torch.tensor([0.0, 0.05], dtype=D, requires_grad=True))
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_memristor_rate_bounds_threshold_and_gradcheck():
    p = F.MemristorParameters(r_on=1e4, r_off=1e6, k_on=1.17e6, v_on=0.7, a_on=3.0, k_off=2.3e5, v_off=-0.6,
                              a_off=3.0, q_on=4.0, q_off=4.0, c_i=0.0)
    assert F.memristor_rate(0.5, 0.5, p) == 0.0  # below both thresholds
    assert F.memristor_rate(1.0, 1.2, p) == 0.0  # the window stops SET at x = 1
    assert F.memristor_rate(0.0, -1.2, p) == 0.0  # and RESET at x = 0
    x = F.memristor_pulse(0.1, 1.0, 1e-6, p)
    x_t = F.memristor_pulse(torch.tensor(0.1, dtype=D), torch.tensor(1.0, dtype=D), 1e-6, p)
    assert 0.1 < x < 1 and float(x_t) == pytest.approx(x, rel=1e-12)  # float and tensor paths agree

    def f(x, v, k):
        pp = p._replace(k_on=k[0] * 1e6, a_on=k[1])
        i, s = F.memristor_step(v, F.MemristorState(x), pp, 1e-6)
        return i * 1e6, s.x

    args = (torch.tensor([0.2, 0.6], dtype=D, requires_grad=True), torch.tensor([1.0, -0.9], dtype=D, requires_grad=True),
            torch.tensor([1.17, 3.0], dtype=D, requires_grad=True))
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_digital_current_is_linear_in_the_bits():
    p = F.DigitalParameters(g=torch.tensor([1e-6, 2e-6, 4e-6, 8e-6], dtype=D), beta=0.01)
    bits = F.code_to_bits(torch.arange(16), 4).to(D)
    i = F.digital_current(torch.tensor(0.1, dtype=D), bits, p)
    assert torch.allclose(i, torch.arange(16, dtype=D) * 1e-7 * 1.001, rtol=1e-12)
    soft = torch.full((4,), 0.5, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda b: F.digital_current(torch.tensor(0.3, dtype=D), b, p) * 1e6, (soft,))


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


@pytest.mark.parametrize(
    "model,params,call",
    [
        ("OptoParameters", F.OptoParameters()._asdict(),
         lambda m: m(torch.tensor([0.1], dtype=D), torch.tensor([3.0], dtype=D))[0]),
        ("SchottkyParameters", F.SchottkyParameters()._asdict(),
         lambda m: m(torch.tensor([1.0], dtype=D), torch.tensor([8.0], dtype=D))[0]),
        ("MemristorParameters", F.MemristorParameters()._asdict(),
         lambda m: m(torch.tensor([1.0], dtype=D), F.MemristorState(torch.tensor([0.3], dtype=D)))[0]),
        ("DigitalParameters", {"g_b0": 1e-6, "g_b1": 2e-6, "beta": 0.0},
         lambda m: m(torch.tensor([0.1], dtype=D), torch.tensor([[1.0, 1.0]], dtype=D))),
        ("LIFParameters", P._asdict(), lambda m: m(torch.tensor([1e-6], dtype=D))[1].v),
    ],
)
def test_modules_load_from_stored_models(tmp_path, model, params, call):
    from circuitsnn.surrogates.modules import from_model

    path = save_model(SurrogateModel(name="m", kind="x", family="x", model=model, parameters=params, passed=True), tmp_path)
    mod = from_model(path)
    out = call(mod)
    assert torch.isfinite(out).all()

