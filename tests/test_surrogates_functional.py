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
from circuitsnn.fit.core import Curve, FitParam, FitToleranceError, check_tolerance, fit_curves
from circuitsnn.surrogates.modules import LIF, LIFCell
from circuitsnn.fit.validate import coincidence_factor, compare_spike_trains, fi_error, match_spikes

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



def test_eif_step_gradcheck_soft_double_precision():
    # exponential threshold: rising and falling drives (negative currents), some refractory
    torch.manual_seed(1)
    i_ua = (torch.rand(6, dtype=D) * 2 - 0.5).requires_grad_()
    v = (torch.rand(6, dtype=D) * 0.5).requires_grad_()
    ref = torch.tensor([0.0, 0.0, 5e-5, 3e-4, 0.0, 0.0], dtype=D)
    theta = torch.tensor([1.0, 1.0, 0.5, 0.02, 0.2, 4.0, 2.0], dtype=D, requires_grad=True)

    def f(i_ua, v, theta):
        p = F.LIFParameters(tau_m=theta[0] * 1e-3, r_in=theta[1] * 1e6, v_th=theta[2], v_reset=theta[3],
                            t_ref=theta[4] * 1e-3, i_ref=theta[5] * 1e-6, delta_t=theta[6] * 1e-2, alpha=50.0)
        st = F.LIFState(v=v, ref=ref, w=torch.zeros(6, dtype=D), t_spike=torch.zeros(6, dtype=D))
        z, s = F.lif_step(i_ua * 1e-6, st, p, 1e-4, soft=True)
        return z, s.v, s.ref * 1e3, s.t_spike * 1e3

    assert torch.autograd.gradcheck(f, (i_ua, v, theta), eps=1e-6, atol=1e-5, rtol=1e-4)


def _eif_reference_spikes(p: F.LIFParameters, levels, hold: float) -> np.ndarray:
    """Spike times of ``tau_m dv/dt = -(v - v_rest) + delta_t exp((v - v_th)/delta_t) + r_in i``
    for a piece-wise constant current, by an adaptive ODE solver (event where the exponential
    term exceeds the largest input drive e^12-fold: the rest of the divergence takes < 1e-5 of
    delta_t C / i)."""
    from scipy.integrate import solve_ivp

    def rhs(t, y, i):
        return [(-(y[0] - p.v_rest) + p.delta_t * math.exp(min((y[0] - p.v_th) / p.delta_t, 700.0)) + p.r_in * i) / p.tau_m]

    x_top = math.log(p.r_in * max(abs(x) for x in levels) / p.delta_t) + 12

    def top(t, y, i):
        return y[0] - (p.v_th + x_top * p.delta_t)

    top.terminal, top.direction = True, 1
    v, t0, out = p.v_rest, 0.0, []
    for i in levels:
        t_end = t0 + hold
        while t0 < t_end:
            sol = solve_ivp(rhs, (t0, t_end), [v], args=(i,), events=top, rtol=1e-11, atol=1e-13, method="DOP853")
            if sol.t_events[0].size:
                ts = float(sol.t_events[0][0])
                out.append(ts)
                rho = 1 - i / p.i_ref
                t0, v = ts + p.t_ref / rho, p.v_reset
            else:
                t0, v = t_end, float(sol.y[0, -1])
    return np.array(out)


@pytest.mark.parametrize("tau_m", [1e3, 2e-3])
def test_eif_spike_times_match_an_ode_solver(tau_m):
    # slow approaches to the soft threshold (small and negative currents) are where it matters;
    # leakless (exact) and leaky (leak frozen over a step: first order in dt/tau_m, small dt)
    r_in = tau_m / 1e-12
    p = F.LIFParameters(tau_m=tau_m, r_in=r_in, v_th=0.8, v_reset=0.2, t_ref=4e-7, i_ref=2e-6, delta_t=2e-3)
    levels = [2e-7, 0.5e-7, -0.3e-7, 0.1e-7, 4e-7, 0.05e-7, 1e-7, 3e-7, 0.02e-7, 1.5e-7]
    hold = 6e-6
    ref = _eif_reference_spikes(p, levels, hold)
    dt = 2e-8
    n = int(round(hold / dt))
    cur = torch.tensor(np.repeat(levels, n), dtype=D)[:, None]
    _, t, _, _ = F.lif_run(cur, p, dt)
    got = _spike_times(t, 0)
    assert ref.size >= 5 and got.size == ref.size
    # leaky: the slowest approach (0.002 uA, 6 us) is off by 15 ns, first order in dt/tau_m
    assert np.abs(got - ref).max() < (1e-10 if tau_m > 1 else 3e-8)
    # the hard threshold at the same v_th fires later and differently: the soft one is not a no-op
    _, t_lif, _, _ = F.lif_run(cur, p._replace(delta_t=0.0), dt)
    lif = _spike_times(t_lif, 0)
    assert lif.size != ref.size or np.abs(lif - ref).max() > 1e-8


def test_eif_with_tiny_slope_factor_is_the_lif():
    p = P._replace(delta_t=1e-7)
    i = torch.tensor([0.6e-6, 1e-6, 3e-6], dtype=D).expand(3000, 3).clone()
    _, t_eif, _, _ = F.lif_run(i, p, 1e-5)
    _, t_lif, _, _ = F.lif_run(i, P, 1e-5)
    for k in range(3):
        a, b = _spike_times(t_eif, k), _spike_times(t_lif, k)
        assert a.size == b.size > 5 and np.allclose(a, b, rtol=1e-4)
    # and the fast inference path follows it
    assert torch.allclose(F.lif_spike_times_fast(i, p, 1e-5), t_eif, equal_nan=True)

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


@pytest.mark.parametrize("extra", [{}, {"b": 2e-7, "tau_w": 5e-3}, {"i_ref": 4e-6}])
def test_fast_inference_path_equals_lif_run(extra):
    p = P._replace(t_delay=3e-6, **extra)
    rng = np.random.default_rng(3)
    cur = torch.as_tensor(rng.normal(1.2e-6, 0.8e-6, (400, 6)), dtype=D)
    dts = rng.uniform(2e-5, 8e-5, 400)
    _, t_ref, _, _ = F.lif_run(cur, p, dts)
    t_fast = F.lif_spike_times_fast(cur, p, dts)
    assert torch.equal(torch.isnan(t_ref), torch.isnan(t_fast)) and int((~torch.isnan(t_fast)).sum()) > 50
    m = ~torch.isnan(t_ref)
    assert torch.allclose(t_ref[m], t_fast[m], rtol=0, atol=1e-15)


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


def test_neuron_testbenches_can_tighten_reltol():
    # the Axon-Hillock's spike times need reltol 1e-5 (module docstring of neurons.testbenches)
    from circuitsnn.library.neurons import axon_hillock, testbenches
    from circuitsnn.spice.render import render

    p = axon_hillock.AxonHillockParams()
    tight = testbenches.builders(axon_hillock.subckt, reltol=1e-5)
    plain = testbenches.builders(axon_hillock.subckt)
    for name in ("step", "fi", "spike_train"):
        assert tight[name](p).deck.options["reltol"] == 1e-5
        assert "reltol" not in plain[name](p).deck.options
    assert ".options method=gear reltol=10u" in render(tight["fi"](p).deck).splitlines()
    with pytest.raises(ValidationError, match="reltol"):
        testbenches.builders(axon_hillock.subckt, reltol=0.0)
