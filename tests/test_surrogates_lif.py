"""The LIF surrogate (surrogates/lif.py) and the spike functions (surrogates/spikes.py): exact
relaxation, f-I and latency, adaptation, the exponential threshold, gradients, the compiled
inference loop, the modules; each closed form against the law it approximates (the law's own
RK4 integration, circuitsnn.physics); neuron testbenches with the components' options."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.surrogates.lif import (LIF, LIFCell, LIFParameters, LIFState, lif_initial_state, lif_latency, lif_rate,
                                       lif_run, lif_spike_times_fast, lif_step)
from circuitsnn.surrogates.spikes import soft_spike, superspike

D = torch.float64
P = LIFParameters(tau_m=1e-3, r_in=1e6, v_rest=0.05, v_th=0.5, v_reset=0.02, t_ref=2e-4)


def _spike_times(t: torch.Tensor, k: int) -> np.ndarray:
    col = t[:, k].numpy()
    return col[np.isfinite(col)]


@pytest.mark.parametrize("dt", [1e-5, 1.5e-4])
@pytest.mark.parametrize("i_ref", [math.inf, 5e-6])
def test_lif_constant_current_matches_analytic_rate_and_latency(dt, i_ref):
    p = P._replace(i_ref=i_ref)
    currents = torch.tensor([0.6e-6, 1e-6, 3e-6], dtype=D)
    T = int(0.03 / dt)
    z, t, _, _ = lif_run(currents.expand(T, 3).clone(), p, dt)
    isi_expected = 1 / lif_rate(currents, p)
    lat_expected = lif_latency(currents, p)
    for k in range(3):
        ts = _spike_times(t, k)
        assert ts.size > 5
        # exact integration: spike times do not depend on the grid
        assert np.allclose(np.diff(ts), isi_expected[k].item(), rtol=1e-9)
        assert ts[0] == pytest.approx(lat_expected[k].item(), rel=1e-9)


def test_leakless_neuron_integrates_accurately_in_single_precision():
    # an Axon-Hillock-like neuron: no measurable leak (tau_m 1e6 s), active reset
    p = LIFParameters(tau_m=1e6, r_in=1e18, v_th=0.8, v_reset=0.2, t_ref=5e-7, i_ref=2e-6)
    i = torch.full((400, 1), 1e-7, dtype=torch.float32)
    _, t, _, _ = lif_run(i, p._replace(**{k: float(v) for k, v in p._asdict().items()}), 1e-7)
    ts = t[:, 0].numpy()
    ts = ts[np.isfinite(ts)]
    c = 1e-12  # tau_m / r_in
    isi = 5e-7 / (1 - 0.05) + c * 0.6 / 1e-7
    assert np.allclose(np.diff(ts), isi, rtol=1e-3)


def test_lif_below_rheobase_never_fires_and_settles_at_v_inf():
    i = torch.full((2000, 1), 0.9 * float(P.rheobase), dtype=D)
    z, _, v, _ = lif_run(i, P, 1e-5, record_v=True)
    assert z.sum() == 0
    assert v[-1, 0].item() == pytest.approx(P.v_rest + P.r_in * i[0, 0].item(), rel=1e-6)


def test_adaptation_lengthens_isis():
    p = P._replace(b=2e-7, tau_w=5e-3)
    i = torch.full((4000, 1), 2e-6, dtype=D)
    _, t, _, _ = lif_run(i, p, 1e-5)
    isi = np.diff(_spike_times(t, 0))
    assert isi[-1] > 1.2 * isi[0]
    _, t0, _, _ = lif_run(i, P, 1e-5)
    assert len(_spike_times(t, 0)) < len(_spike_times(t0, 0))


def test_superspike_backward_is_the_soft_spike_derivative():
    x = torch.linspace(-0.2, 0.2, 41, dtype=D, requires_grad=True)
    (g_hard,) = torch.autograd.grad(superspike(x, 80.0).sum(), x)
    (g_soft,) = torch.autograd.grad(soft_spike(x, 80.0).sum(), x)
    assert torch.allclose(g_hard, g_soft, rtol=1e-12, atol=0)
    assert torch.equal(superspike(x, 80.0), (x >= 0).to(D))
    # the surrogate has unit area and its documented scale: 1/4 of the peak at |x| = 1/alpha
    xs = torch.tensor([0.0, 1 / 80.0], dtype=D, requires_grad=True)
    (g,) = torch.autograd.grad(superspike(xs, 80.0).sum(), xs)
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
        p = LIFParameters(tau_m=theta[0] * 1e-3, r_in=theta[1] * 1e6, v_th=theta[2], v_reset=theta[3],
                            t_ref=theta[4] * 1e-3, b=theta[5] * 1e-6, tau_w=theta[6] * 1e-3,
                            i_ref=theta[7] * 1e-6, alpha=50.0)
        st = LIFState(v=v, ref=ref, w=w_ua * 1e-6, t_spike=torch.zeros(5, dtype=D))
        z, s = lif_step(i_ua * 1e-6, st, p, 1e-4, soft=True)
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
        p = LIFParameters(tau_m=theta[0] * 1e-3, r_in=theta[1] * 1e6, v_th=theta[2], v_reset=theta[3],
                            t_ref=theta[4] * 1e-3, i_ref=theta[5] * 1e-6, delta_t=theta[6] * 1e-2, alpha=50.0)
        st = LIFState(v=v, ref=ref, w=torch.zeros(6, dtype=D), t_spike=torch.zeros(6, dtype=D))
        z, s = lif_step(i_ua * 1e-6, st, p, 1e-4, soft=True)
        return z, s.v, s.ref * 1e3, s.t_spike * 1e3

    assert torch.autograd.gradcheck(f, (i_ua, v, theta), eps=1e-6, atol=1e-5, rtol=1e-4)


def _eif_reference_spikes(p: LIFParameters, levels, hold: float) -> np.ndarray:
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
    p = LIFParameters(tau_m=tau_m, r_in=r_in, v_th=0.8, v_reset=0.2, t_ref=4e-7, i_ref=2e-6, delta_t=2e-3)
    levels = [2e-7, 0.5e-7, -0.3e-7, 0.1e-7, 4e-7, 0.05e-7, 1e-7, 3e-7, 0.02e-7, 1.5e-7]
    hold = 6e-6
    ref = _eif_reference_spikes(p, levels, hold)
    dt = 2e-8
    n = int(round(hold / dt))
    cur = torch.tensor(np.repeat(levels, n), dtype=D)[:, None]
    _, t, _, _ = lif_run(cur, p, dt)
    got = _spike_times(t, 0)
    assert ref.size >= 5 and got.size == ref.size
    # leaky: the slowest approach (0.002 uA, 6 us) is off by 15 ns, first order in dt/tau_m
    assert np.abs(got - ref).max() < (1e-10 if tau_m > 1 else 3e-8)
    # the hard threshold at the same v_th fires later and differently: the soft one is not a no-op
    _, t_lif, _, _ = lif_run(cur, p._replace(delta_t=0.0), dt)
    lif = _spike_times(t_lif, 0)
    assert lif.size != ref.size or np.abs(lif - ref).max() > 1e-8


def test_eif_with_tiny_slope_factor_is_the_lif():
    p = P._replace(delta_t=1e-7)
    i = torch.tensor([0.6e-6, 1e-6, 3e-6], dtype=D).expand(3000, 3).clone()
    _, t_eif, _, _ = lif_run(i, p, 1e-5)
    _, t_lif, _, _ = lif_run(i, P, 1e-5)
    for k in range(3):
        a, b = _spike_times(t_eif, k), _spike_times(t_lif, k)
        assert a.size == b.size > 5 and np.allclose(a, b, rtol=1e-4)
    # and the fast inference path follows it
    assert torch.allclose(lif_spike_times_fast(i, p, 1e-5), t_eif, equal_nan=True)

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
    z2, s2 = lif_step(i, lif_initial_state(3, P), P, 1e-5)
    assert torch.equal(s1.v, s2.v) and torch.equal(z1, z2)
    with pytest.raises(ValidationError, match="unknown parameter"):
        LIFCell(P, 1e-5, learn=("nope",))


@pytest.mark.parametrize("extra", [{}, {"b": 2e-7, "tau_w": 5e-3}, {"i_ref": 4e-6}])
def test_fast_inference_path_equals_lif_run(extra):
    p = P._replace(t_delay=3e-6, **extra)
    rng = np.random.default_rng(3)
    cur = torch.as_tensor(rng.normal(1.2e-6, 0.8e-6, (400, 6)), dtype=D)
    dts = rng.uniform(2e-5, 8e-5, 400)
    _, t_ref, _, _ = lif_run(cur, p, dts)
    t_fast = lif_spike_times_fast(cur, p, dts)
    assert torch.equal(torch.isnan(t_ref), torch.isnan(t_fast)) and int((~torch.isnan(t_fast)).sum()) > 50
    m = ~torch.isnan(t_ref)
    assert torch.allclose(t_ref[m], t_fast[m], rtol=0, atol=1e-15)


def test_neuron_testbenches_run_with_the_components_sim_options():
    # every deck of a neuron carries the options and max step its component declares (the
    # Axon-Hillock's spike times need reltol 1e-7 to converge: axon_hillock.SIM_OPTIONS)
    from circuitsnn.library import registry
    from circuitsnn.library.neurons import testbenches
    from circuitsnn.spice.render import render

    for comp in registry.components("neuron", builtin_only=True):
        p = comp.default_params()
        assert comp.sim_options and comp.max_step_for(p) == p.max_step()
        for name in comp.testbenches:
            deck = comp.testbench(name, p).deck
            assert dict(deck.options) == dict(comp.sim_options)
            assert deck.tran.max_step == pytest.approx(comp.max_step_for(p), rel=1e-3)
    ah = registry.get("axon_hillock")
    assert ah.sim_options["reltol"] == 1e-7
    assert ".options method=gear reltol=100n" in render(ah.testbench("fi").deck).splitlines()
    with pytest.raises(ValidationError, match="reltol"):
        testbenches.builders(ah.subckt, sim_options={"reltol": 0.0}, max_step=ah.max_step)


# -- the closed forms against the law they approximate ----------------------------------------------


def _piecewise(seed: int, n: int, hold: float, lo: float, hi: float) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, n)


@pytest.mark.parametrize("adapt", [False, True])
def test_exact_relaxation_step_and_compiled_loop_follow_the_law(adapt):
    """lif_step (exact relaxation between events) and the compiled loop against the law's own
    RK4 integration (physics: membrane rate, adaptation rate, spike rule) on random
    piece-wise constant currents; spike times compared relative to the ISI."""
    from circuitsnn.physics import adaptive_lif, lif as lif_law
    from circuitsnn.surrogates.lif import law_values

    p = P._replace(b=2e-7, tau_w=5e-3) if adapt else P
    law = adaptive_lif.LAW if adapt else lif_law.LAW
    hold = 1e-3
    levels = _piecewise(4, 30, hold, 0.2e-6, 3e-6)
    ref = law.run(law_values(p), levels, hold).spike_times
    assert ref.size > 25
    isi = np.diff(ref).min()
    # the surrogate on the same input in steps of hold / 20, below the shortest ISI (at most one
    # spike per step); the membrane relaxes exactly within a step, the adaptation current is
    # frozen at the step's middle (error ~ (dt/tau_w)^2)
    sub = 20
    cur = torch.tensor(np.repeat(levels, sub), dtype=D)[:, None]
    t_step = lif_run(cur, p, hold / sub)[1][:, 0].numpy()
    t_step = t_step[np.isfinite(t_step)]
    t_fast = lif_spike_times_fast(cur, p, hold / sub)[:, 0].numpy()
    t_fast = t_fast[np.isfinite(t_fast)]
    assert t_step.size == t_fast.size == ref.size
    err_step = np.abs(t_step - ref).max() / isi
    err_fast = np.abs(t_fast - ref).max() / isi
    print(f"{'adaptive ' if adapt else ''}LIF vs the law: {ref.size} spikes, worst error {err_step:.2e} (step) "
          f"{err_fast:.2e} (compiled loop) of the shortest ISI")
    if not adapt:
        assert err_step < 1e-9 and err_fast < 1e-9  # exact up to the law's own RK4 error
        return
    # with adaptation: below 1e-3 of the ISI, and second order in the step
    assert err_step < 1e-3 and err_fast < 1e-3
    cur4 = torch.tensor(np.repeat(levels, 4 * sub), dtype=D)[:, None]
    t4 = lif_run(cur4, p, hold / (4 * sub))[1][:, 0].numpy()
    err4 = np.abs(t4[np.isfinite(t4)] - ref).max() / isi
    print(f"  at a 4x finer step: {err4:.2e}")
    assert err4 < err_step / 8


def test_one_f_i_function_is_the_surrogates_and_the_circuits():
    # lif_rate / lif_latency are the law's closed forms (physics.lif), not copies
    from circuitsnn.physics import lif as lif_law

    i = torch.tensor([0.4e-6, 0.6e-6, 2e-6], dtype=D)
    assert torch.equal(lif_rate(i, P), lif_law.rate(i, P))
    assert torch.equal(lif_latency(i, P), lif_law.latency(i, P))
    assert lif_rate(i, P)[0] == 0 and math.isinf(lif_latency(i, P)[0])
