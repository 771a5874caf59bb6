"""STDP rules: each update against a hand-computed spike pair/triplet, the window's shape
measured from the implementation, and the presentation forms equal to the summed steps."""

from __future__ import annotations

import math

import pytest
import torch

from circuitsnn.learn.stdp import traces as tr
from circuitsnn.learn.stdp.pair import (PairSTDPParameters, pair_initial_state, pair_stdp_presentation,
                                        pair_stdp_step, pair_window)
from circuitsnn.learn.stdp.reward import (RewardBaseline, RSTDPParameters, rstdp_initial_state,
                                          rstdp_presentation, rstdp_step)
from circuitsnn.learn.stdp.triplet import (TripletSTDPParameters, triplet_initial_state, triplet_stdp_presentation,
                                           triplet_stdp_step)
from circuitsnn.learn.stdp.vdsp import VDSPParameters, vdsp_presentation, vdsp_step

DT = 1e-3


def spikes(T: int, times: list[int], n: int = 1) -> torch.Tensor:
    z = torch.zeros(T, 1, n, dtype=torch.float64)
    for k in times:
        z[k, 0, 0] = 1.0
    return z


def run_steps(step, z_pre, z_post, w, state, p):
    total = torch.zeros_like(w)
    for t in range(z_pre.shape[0]):
        dw, state = step(z_pre[t], z_post[t], w, state, p, DT)
        total += dw
    return total


@pytest.mark.parametrize("nearest", [False, True])
def test_trace_whole_equals_steps(nearest):
    g = torch.Generator().manual_seed(0)
    z = (torch.rand(300, 3, 4, generator=g) < 0.1).double()
    x, ref = torch.zeros(3, 4, dtype=torch.float64), []
    for t in range(300):
        x = tr.trace_step(x, z[t], DT, 7e-3, nearest=nearest)
        ref.append(x)
    assert torch.allclose(tr.trace(z, DT, 7e-3, nearest=nearest), torch.stack(ref), atol=1e-12)
    # long presentations (chunked cumulative sums) stay exact
    z2 = (torch.rand(5000, 2, generator=g) < 0.05).double()
    x, ref = torch.zeros(2, dtype=torch.float64), []
    for t in range(5000):
        x = tr.trace_step(x, z2[t], DT, 2e-3, nearest=nearest)
        ref.append(x)
    assert torch.allclose(tr.trace(z2, DT, 2e-3, nearest=nearest), torch.stack(ref), atol=1e-10)


def test_pair_hand_computed():
    p = PairSTDPParameters(a_plus=0.01, a_minus=0.012, tau_plus=20e-3, tau_minus=30e-3)
    w = torch.full((1, 1), 0.5, dtype=torch.float64)
    st = pair_initial_state((1, 1), (1, 1))
    # pre at 10 ms, post at 15 ms: potentiation a+ exp(-5/20)
    dw = run_steps(pair_stdp_step, spikes(40, [10]), spikes(40, [15]), w, st, p)
    assert float(dw) == pytest.approx(0.01 * math.exp(-5 / 20), rel=1e-12)
    # post at 10 ms, pre at 15 ms: depression -a- exp(-5/30)
    dw = run_steps(pair_stdp_step, spikes(40, [15]), spikes(40, [10]), w, st, p)
    assert float(dw) == pytest.approx(-0.012 * math.exp(-5 / 30), rel=1e-12)
    # same step: counted once, as pre-before-post
    dw = run_steps(pair_stdp_step, spikes(40, [12]), spikes(40, [12]), w, st, p)
    assert float(dw) == pytest.approx(0.01, rel=1e-12)
    # multiplicative: scaled by (1 - w) and w
    pm = p._replace(multiplicative=True)
    w2 = torch.full((1, 1), 0.2, dtype=torch.float64)
    dw = run_steps(pair_stdp_step, spikes(40, [10]), spikes(40, [15]), w2, st, pm)
    assert float(dw) == pytest.approx(0.8 * 0.01 * math.exp(-5 / 20), rel=1e-12)
    dw = run_steps(pair_stdp_step, spikes(40, [15]), spikes(40, [10]), w2, st, pm)
    assert float(dw) == pytest.approx(-0.2 * 0.012 * math.exp(-5 / 30), rel=1e-12)


def test_pair_all_to_all_vs_nearest():
    """Two pre spikes (5, 10 ms) before one post (15 ms): all-to-all sums both pairings,
    nearest-neighbour counts only the later pre spike."""
    p = PairSTDPParameters(a_plus=0.01, a_minus=0.0, tau_plus=20e-3)
    w = torch.zeros(1, 1, dtype=torch.float64)
    st = pair_initial_state((1, 1), (1, 1))
    z_pre, z_post = spikes(30, [5, 10]), spikes(30, [15])
    a2a = run_steps(pair_stdp_step, z_pre, z_post, w, st, p)
    nn = run_steps(pair_stdp_step, z_pre, z_post, w, st, p._replace(nearest=True))
    assert float(a2a) == pytest.approx(0.01 * (math.exp(-10 / 20) + math.exp(-5 / 20)), rel=1e-12)
    assert float(nn) == pytest.approx(0.01 * math.exp(-5 / 20), rel=1e-12)


def test_window_shape_measured():
    """The window measured from the implementation: potentiation for pre-before-post decaying
    with tau_plus, depression for post-before-pre decaying with tau_minus, equal to the closed
    form at every lag."""
    p = PairSTDPParameters(a_plus=0.01, a_minus=0.0105, tau_plus=20e-3, tau_minus=20e-3)
    w = torch.full((1, 1), 0.5, dtype=torch.float64)
    lags = list(range(-60, 61, 5))
    measured = []
    for lag in lags:
        t_pre = 80
        z_pre, z_post = spikes(145, [t_pre]), spikes(145, [t_pre + lag])
        measured.append(float(run_steps(pair_stdp_step, z_pre, z_post, w, pair_initial_state((1, 1), (1, 1)), p)))
    m = torch.tensor(measured, dtype=torch.float64)
    d = torch.tensor(lags, dtype=torch.float64) * DT
    assert torch.allclose(m, pair_window(d, p), rtol=1e-9, atol=1e-15)
    pos, neg = m[d > 0], m[d < 0]
    assert (pos > 0).all() and (neg < 0).all()
    assert (pos[1:] < pos[:-1]).all()          # LTP decays with the lag
    assert (neg[1:] < neg[:-1]).all()          # LTD strongest nearest 0 (lags ordered -60..-5)
    assert m[d == 0] > 0


@pytest.mark.parametrize("nearest", [False, True])
@pytest.mark.parametrize("multiplicative", [False, True])
def test_pair_presentation_equals_steps(nearest, multiplicative):
    g = torch.Generator().manual_seed(1)
    z_pre = (torch.rand(120, 3, 5, generator=g) < 0.08).double()
    z_post = (torch.rand(120, 3, 4, generator=g) < 0.05).double()
    w = torch.rand(5, 4, generator=g, dtype=torch.float64)
    p = PairSTDPParameters(nearest=nearest, multiplicative=multiplicative)
    ref = run_steps(pair_stdp_step, z_pre, z_post, w, pair_initial_state((3, 5), (3, 4)), p)
    assert torch.allclose(pair_stdp_presentation(z_pre, z_post, w, p, DT), ref, atol=1e-12)


def test_triplet_hand_computed():
    """post-pre-post triplet (0, 10, 20 ms, one synapse): the second post spike potentiates by
    r1 (a2+ + a3+ o2(t-)), the pre spike depresses by o1 (a2- + a3- r2(t-))."""
    p = TripletSTDPParameters()
    w = torch.full((1, 1), 0.5, dtype=torch.float64)
    z_pre, z_post = spikes(40, [10]), spikes(40, [0, 20])
    dw = run_steps(triplet_stdp_step, z_pre, z_post, w, triplet_initial_state((1, 1), (1, 1)), p)
    ltd = math.exp(-10 / 33.7) * (p.a2_minus + p.a3_minus * 0.0)
    ltp = math.exp(-10 / 16.8) * (p.a2_plus + p.a3_plus * math.exp(-20 / 125))
    assert float(dw) == pytest.approx(ltp - ltd, rel=1e-12)
    # pre-post-pre (0, 10, 20): one potentiation without an earlier post, one depression with r2
    z_pre, z_post = spikes(40, [0, 20]), spikes(40, [10])
    dw = run_steps(triplet_stdp_step, z_pre, z_post, w, triplet_initial_state((1, 1), (1, 1)), p)
    ltp = math.exp(-10 / 16.8) * p.a2_plus
    ltd = math.exp(-10 / 33.7) * (p.a2_minus + p.a3_minus * math.exp(-20 / 101))
    assert float(dw) == pytest.approx(ltp - ltd, rel=1e-12)


@pytest.mark.parametrize("nearest", [False, True])
def test_triplet_presentation_equals_steps(nearest):
    g = torch.Generator().manual_seed(2)
    z_pre = (torch.rand(150, 2, 6, generator=g) < 0.08).double()
    z_post = (torch.rand(150, 2, 3, generator=g) < 0.06).double()
    w = torch.rand(6, 3, generator=g, dtype=torch.float64)
    p = TripletSTDPParameters(nearest=nearest, multiplicative=True)
    ref = run_steps(triplet_stdp_step, z_pre, z_post, w, triplet_initial_state((2, 6), (2, 3)), p)
    assert torch.allclose(triplet_stdp_presentation(z_pre, z_post, w, p, DT), ref, atol=1e-12)


def test_rstdp_hand_computed_and_presentation():
    """pre at 10 ms, post at 15 ms, reward at the last step (49): dw = eta M a+ e^{-5/20}
    e^{-(49-15)/tau_e}; with M < 0 the same pairing depresses."""
    p = RSTDPParameters(tau_e=0.2, eta=0.5)
    w = torch.full((1, 1), 0.5, dtype=torch.float64)
    T = 50
    z_pre, z_post = spikes(T, [10]), spikes(T, [15])
    for m in (1.0, -0.5):
        state = rstdp_initial_state(1, 1, 1)
        total = torch.zeros(1, 1, dtype=torch.float64)
        for t in range(T):
            mod = torch.tensor([m if t == T - 1 else 0.0], dtype=torch.float64)
            dw, state = rstdp_step(z_pre[t], z_post[t], mod, w, state, p, DT)
            total += dw
        hand = 0.5 * m * p.stdp.a_plus * math.exp(-5 / 20) * math.exp(-(T - 1 - 15) * DT / 0.2)
        assert float(total) == pytest.approx(hand, rel=1e-12)
        whole = rstdp_presentation(z_pre, z_post, torch.tensor([m], dtype=torch.float64), w, p, DT)
        assert float(whole) == pytest.approx(hand, rel=1e-12)


def test_rstdp_batch_each_sample_its_reward():
    g = torch.Generator().manual_seed(3)
    T, B = 80, 4
    z_pre = (torch.rand(T, B, 5, generator=g) < 0.1).double()
    z_post = (torch.rand(T, B, 3, generator=g) < 0.08).double()
    w = torch.rand(5, 3, generator=g, dtype=torch.float64)
    M = torch.tensor([1.0, -1.0, 0.3, 0.0], dtype=torch.float64)
    p = RSTDPParameters()
    state = rstdp_initial_state(B, 5, 3)
    total = torch.zeros(5, 3, dtype=torch.float64)
    for t in range(T):
        dw, state = rstdp_step(z_pre[t], z_post[t], M if t == T - 1 else torch.zeros(B, dtype=torch.float64), w,
                               state, p, DT)
        total += dw
    assert torch.allclose(rstdp_presentation(z_pre, z_post, M, w, p, DT), total, atol=1e-12)


def test_reward_baseline_per_class():
    b = RewardBaseline(2, rate=0.5)
    m = b.modulator(torch.tensor([1.0, 0.0]), torch.tensor([0, 1]))
    assert m.tolist() == [1.0, 0.0]
    assert b.mean.tolist() == [0.5, 0.0]
    assert b.modulator(torch.tensor([1.0]), torch.tensor([0])).tolist() == [0.5]


def test_vdsp_sign_from_pre_membrane():
    """At a post spike: a pre neuron below rest (just fired) potentiates by eta+ (1-w) u/u_reset;
    one at rest or charging depresses by eta- w (1+u)/2; no post spike, no change."""
    p = VDSPParameters(eta_plus=0.02, eta_minus=0.01, u_reset=-0.5)
    w = torch.full((3, 1), 0.25, dtype=torch.float64)
    u = torch.tensor([[-0.25, 0.0, 0.8]], dtype=torch.float64)
    dw = vdsp_step(u, torch.ones(1, 1, dtype=torch.float64), w, p)
    assert dw[0, 0] == pytest.approx(0.02 * 0.75 * 0.5)
    assert dw[1, 0] == pytest.approx(-0.01 * 0.25 * 0.5)
    assert dw[2, 0] == pytest.approx(-0.01 * 0.25 * 0.9)
    assert (vdsp_step(u, torch.zeros(1, 1, dtype=torch.float64), w, p) == 0).all()
    U = torch.rand(20, 2, 3, dtype=torch.float64) * 1.5 - 0.5
    Z = (torch.rand(20, 2, 1) < 0.3).double()
    ref = sum(vdsp_step(U[t], Z[t], w, p) for t in range(20))
    assert torch.allclose(vdsp_presentation(U, Z, w, p), ref, atol=1e-14)
