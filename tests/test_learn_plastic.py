"""Learned plasticity (circuitsnn.learn.plastic): rules against hand-computed updates, gradients
to the rule parameters, conductances inside every registered family's range under the device
update law, the device law itself, and the generator property that makes a static network
chance-level on one-shot association."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from circuitsnn.learn.ideal import IdealConductance
from circuitsnn.learn.layers import DeviceModel, PulseSpec
from circuitsnn.learn.plastic.device import DeviceUpdate
from circuitsnn.learn.plastic.layer import PlasticNetwork
from circuitsnn.learn.plastic.rules import (RuleParameters, RuleState, bcm_step, bcm_theta_step, hebbian_step,
                                            oja_step, plastic_step)
from circuitsnn.learn.plastic.tasks import CueDelay, OneShotAssociation
from circuitsnn.surrogates.artifacts import lif_parameters
from circuitsnn.surrogates.weights import weights_for

torch.set_num_threads(1)
DT = 5e-4


def _p(eta=0.1, eta_e=0.5, clip=2.0, theta_rate=0.25):
    return RuleParameters(torch.tensor(eta, dtype=torch.float64), torch.tensor(eta_e, dtype=torch.float64), clip,
                          theta_rate)


X = torch.tensor([[1.0, 0.5]], dtype=torch.float64)       # pre traces (B=1, n_in=2)
Y = torch.tensor([[2.0]], dtype=torch.float64)            # post trace (n_out=1)
E = torch.tensor([[[0.2, -0.4]]], dtype=torch.float64)    # (1, 1, 2)


def test_hebbian_step_matches_hand_computation():
    # (1 - 0.1) * [0.2, -0.4] + 0.1 * 2 * [1, 0.5] = [0.38, -0.26]
    out = hebbian_step(X, Y, E, _p())
    assert torch.allclose(out, torch.tensor([[[0.38, -0.26]]], dtype=torch.float64))


def test_oja_step_matches_hand_computation():
    # 0.2 + 0.1 * 2 * (1 - 2 * 0.2) = 0.32 ; -0.4 + 0.1 * 2 * (0.5 + 0.8) = -0.14
    out = oja_step(X, Y, E, _p())
    assert torch.allclose(out, torch.tensor([[[0.32, -0.14]]], dtype=torch.float64))


def test_bcm_step_and_threshold_match_hand_computation():
    theta = torch.tensor([[1.5]], dtype=torch.float64)
    # dE = 0.1 * x * 2 * (2 - 1.5) = 0.1 * x : [0.3, -0.35]
    out = bcm_step(X, Y, E, _p(), theta)
    assert torch.allclose(out, torch.tensor([[[0.3, -0.35]]], dtype=torch.float64))
    # below threshold: depression
    out2 = bcm_step(X, torch.tensor([[1.0]], dtype=torch.float64), E, _p(), theta)
    assert torch.allclose(out2, torch.tensor([[[0.2 - 0.05, -0.4 - 0.025]]], dtype=torch.float64))
    # theta <- 1.5 + (4 - 1.5) * 0.25 = 2.125
    assert torch.allclose(bcm_theta_step(theta, Y, _p()), torch.tensor([[2.125]], dtype=torch.float64))
    s = plastic_step("bcm", "none", X, Y, RuleState(E, torch.zeros_like(E), theta), _p())
    assert torch.allclose(s.E, out) and torch.allclose(s.theta, torch.tensor([[2.125]], dtype=torch.float64))


def test_neuromodulated_direct_and_eligibility_match_hand_computation():
    s = RuleState(E, torch.tensor([[[0.1, 0.0]]], dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64))
    m = torch.tensor([0.5], dtype=torch.float64)
    # Hebbian term D = y x - E = [1.8, 1.4]; direct: E + M eta D = [0.2 + 0.09, -0.4 + 0.07]
    d = plastic_step("hebbian", "direct", X, Y, s, _p(), m)
    assert torch.allclose(d.E, torch.tensor([[[0.29, -0.33]]], dtype=torch.float64))
    # eligibility (Hebbian: the product y x = [2, 1] alone): e = 0.1 + 0.5 (2 - 0.1) = 1.05,
    # 0 + 0.5 * 1 = 0.5; E + M e = [0.725, -0.15]
    el = plastic_step("hebbian", "eligibility", X, Y, s, _p(), m)
    assert torch.allclose(el.e, torch.tensor([[[1.05, 0.5]]], dtype=torch.float64))
    assert torch.allclose(el.E, torch.tensor([[[0.725, -0.15]]], dtype=torch.float64))
    # Oja keeps its whole term D = y (x - y E) = [1.2, 2.6]: e = 0.1 + 0.5 (1.2 - 0.1) = 0.65, 1.3
    oj = plastic_step("oja", "eligibility", X, Y, s, _p(), m)
    assert torch.allclose(oj.e, torch.tensor([[[0.65, 1.3]]], dtype=torch.float64))
    # M = 0 freezes E (the memory survives a delay); plain Hebbian decays it
    z = plastic_step("hebbian", "direct", X, Y, s, _p(), torch.zeros(1, dtype=torch.float64))
    assert torch.equal(z.E, E)
    # the clip bounds E
    big = plastic_step("oja", "direct", X * 100, Y, s, _p(clip=0.5), torch.ones(1, dtype=torch.float64))
    assert float(big.E.abs().max()) <= 0.5


@pytest.mark.parametrize("m", [0.5, -0.05])
def test_hebbian_eligibility_keeps_a_stored_association(m):
    """A pair (x y > 0 for 20 steps), then silence under a constant modulator: E moves one way
    only and keeps its sign (with D = y x - E in the eligibility it rang for M > 0, changing
    sign about 40 steps after the pair, and grew geometrically for M < 0)."""
    p = _p(eta=0.02, eta_e=0.02)
    z = torch.zeros(1, 1, 1, dtype=torch.float64)
    s = RuleState(z, z.clone(), torch.zeros(1, 1, dtype=torch.float64))
    x, y = torch.full((1, 1), 0.5, dtype=torch.float64), torch.full((1, 1), 0.4, dtype=torch.float64)
    mm = torch.tensor([m], dtype=torch.float64)
    es = []
    for t in range(200):
        s = plastic_step("hebbian", "eligibility", x * (t < 20), y * (t < 20), s, p, mm)
        es.append(float(s.E))
    d = torch.diff(torch.tensor(es)) * math.copysign(1, m)
    assert float(d.min()) >= 0 and math.copysign(1, es[-1]) == math.copysign(1, m)
    # bounded by M times the accumulated product (20 steps x 0.2), not geometric growth
    assert abs(es[-1]) <= abs(m) * 20 * 0.2 + 1e-9


def _net(device=None, **kw):
    dev = device or IdealConductance(1e-9, 50e-9, v_read=0.2)
    model = DeviceModel(dev, [dev.v_read])
    g_span = model.g_max
    # about 5 pC per read pulse at g_max, as the ideal 50 nS x 0.2 V x 0.5 ms
    width = min(DT, 5e-12 / (g_span * dev.v_read))
    p = lif_parameters("models/lif.json")
    return PlasticNetwork(kw.pop("n_in", 9), kw.pop("n_out", 3), model, p, dt=DT, pulse=PulseSpec(dev.v_read, width),
                          teacher=3, **kw)


def _episode(batch=4, seed=0, **kw):
    task = OneShotAssociation(n_classes=3, n_pattern=6, present_steps=5, gap_steps=2, **kw)
    return task, task.sample(batch, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("rule", ["hebbian", "oja", "bcm"])
@pytest.mark.parametrize("modulation", ["none", "direct", "eligibility"])
def test_gradients_reach_the_rule_parameters(rule, modulation):
    task, ep = _episode()
    net = _net(rule=rule, modulation=modulation, seed=1)
    r = net(ep.x)
    loss = torch.nn.functional.cross_entropy(r.counts(ep.queries).reshape(-1, 3), ep.y.reshape(-1)) + r.spikes.mean()
    loss.backward()
    assert float(net.alpha.grad.abs().sum()) > 0
    assert float(net.theta.grad.abs().sum()) > 0
    assert float(net.eta_logit.grad.abs()) > 0 if modulation != "eligibility" else True
    if modulation != "none":
        assert float(net.m_x.grad.abs().sum()) > 0 and float(net.m_b.grad.abs()) > 0
    if modulation == "eligibility":
        assert float(net.eta_e_logit.grad.abs()) > 0


def test_static_twin_has_no_plasticity_and_trains_w():
    task, ep = _episode()
    net = _net(plastic=False)
    assert not hasattr(net, "alpha")
    r = net(ep.x)
    r.counts(ep.queries).sum().backward()
    assert float(net.theta.grad.abs().sum()) > 0


def _synapse_names():
    from circuitsnn.library import registry

    return [c.name for c in registry.components("synapse", builtin_only=True)]


@pytest.mark.parametrize("name", ["ideal", *_synapse_names()])
@pytest.mark.parametrize("device_update", [True, False])
def test_plastic_conductances_never_leave_the_device_range(name, device_update):
    """A strong rule (alpha 40, clip 2) driven hard: every conductance the network reads over
    the episode, under the family's update law or the ideal one, inside [g_min, g_max]."""
    dev = IdealConductance(1e-9, 50e-9, v_read=0.2) if name == "ideal" else weights_for(name)
    net = _net(dev, rule="hebbian", modulation="none", device_update=device_update, alpha_init=40.0, eta_init=0.5,
               init_std=0.8, max_pulses=64)
    with torch.no_grad():
        net.alpha[0].mul_(-1)  # both signs of change
    task, ep = _episode(batch=3, p_on=0.9)
    with torch.no_grad():
        r = net(ep.x, generator=torch.Generator().manual_seed(0), record=True)
    g_lo, g_hi = dev.g_range()
    tol = 1e-9 * g_hi
    for g in (r.gp, r.gn):
        assert float(g.min()) >= g_lo - tol and float(g.max()) <= g_hi + tol
    moved = float((r.gp[-1] - r.gp[0]).abs().max() + (r.gn[-1] - r.gn[0]).abs().max())
    assert moved > 0.01 * (g_hi - g_lo), "the plastic update moved nothing"
    if net.model.grid() is not None and device_update and net.update.kind == "pulse":
        grid = net.model.grid()
        assert float((r.gp.reshape(-1, 1) - grid).abs().min(-1).values.max()) <= 1e-9 * g_hi


def test_memristor_update_is_the_family_program_pulse():
    """One requested nominal step at a conductance = one pulse of the interface's program:
    potentiation and depression differ (asymmetric) and saturate at the ends."""
    dev = weights_for("memristor_vteam")
    upd = DeviceUpdate(DeviceModel(dev, [dev.v_read]), table_points=1025)
    lo, hi = upd.g_min, upd.g_max
    g = torch.tensor([lo + 0.3 * (hi - lo)], dtype=torch.float64)
    s = dev.state_for(g)
    exp_up = float(dev.conductance(torch.as_tensor(dev.program(s.numpy(), dev.nominal_pulse(+1)))))
    exp_dn = float(dev.conductance(torch.as_tensor(dev.program(s.numpy(), dev.nominal_pulse(-1)))))
    st = upd.initial(torch.zeros(1, dtype=torch.float64))
    # G- at the floor: a positive request raises G+ by exactly one pulse
    from circuitsnn.learn.plastic.device import PairState

    pair = PairState(g, st.gn, g, st.gn)
    up = upd.step(pair, torch.tensor([upd.steps[+1]], dtype=torch.float64))
    assert math.isclose(float(up.gp), exp_up, rel_tol=2e-3)
    dn = upd.step(pair, torch.tensor([-upd.steps[-1]], dtype=torch.float64))
    assert math.isclose(float(dn.gp), exp_dn, rel_tol=2e-3)
    assert upd.steps[+1] != pytest.approx(upd.steps[-1], rel=0.1)  # asymmetric law
    top = upd.step(PairState(torch.tensor([hi]), st.gn, torch.tensor([hi]), st.gn),
                   torch.tensor([upd.steps[+1] * 8], dtype=torch.float64))
    assert float(top.gp) <= hi * (1 + 1e-12)


def test_one_way_family_realizes_depression_on_the_other_side():
    dev = weights_for("schottky_gated")
    upd = DeviceUpdate(DeviceModel(dev, [dev.v_read]), table_points=257)
    assert upd.kind == "one-way"
    st = upd.initial(torch.tensor([0.5], dtype=torch.float64))
    out = upd.step(st, torch.tensor([-3 * upd.steps[+1]], dtype=torch.float64))
    assert float(out.gp) == pytest.approx(float(st.gp))     # no way down on G+
    assert float(out.gn) > float(st.gn)                     # G- potentiated instead


def test_device_update_is_differentiable_straight_through():
    dev = weights_for("digital_code")
    upd = DeviceUpdate(DeviceModel(dev, [dev.v_read]))
    dw = torch.tensor([0.2, -0.1], dtype=torch.float64, requires_grad=True)
    st = upd.initial(torch.tensor([0.3, 0.3], dtype=torch.float64))
    out = upd.step(st, dw, torch.Generator().manual_seed(0))
    (out.gp - out.gn).sum().backward()
    assert float(dw.grad.abs().min()) > 0


def test_one_shot_generator_structure():
    task, ep = _episode(batch=5, noise=0.0)
    K, P, S, G = 3, 6, 5, 2
    assert ep.x.shape == (2 * K * (S + G), 5, P + K)
    assert sorted(ep.y[0].tolist()) == [0, 1, 2]          # every label queried once
    assert float(ep.x[ep.queries[0][0]:, :, P:].sum()) == 0  # no label during queries


def test_static_network_cannot_beat_chance_on_one_shot_by_construction():
    """What a network without within-episode memory sees of a query is independent of its label:
    a classifier fitted on many queries stays at chance on new episodes; the same classifier on a
    leaky generator (patterns and pairing fixed) beats chance by far (so the test can fail)."""
    task = OneShotAssociation(n_classes=3, n_pattern=24, noise=0.1)

    def fitted_accuracy(leak: bool) -> float:
        # nearest class mean, fitted on 3000 queries, tested on 3000 others
        xs, ys = task.query_only(3000, torch.Generator().manual_seed(1), leak=leak)
        xt, yt = task.query_only(3000, torch.Generator().manual_seed(2), leak=leak)
        mu = torch.stack([xs[ys == k].mean(0) for k in range(3)])
        return float((torch.cdist(xt, mu).argmin(1) == yt).float().mean())

    chance, sigma = 1 / 3, math.sqrt(1 / 3 * 2 / 3 / 3000)
    assert abs(fitted_accuracy(leak=False) - chance) < 4 * sigma
    assert fitted_accuracy(leak=True) > 0.8


def test_trained_static_network_is_at_chance_on_one_shot():
    from circuitsnn.learn.plastic.config import config
    from circuitsnn.learn.plastic.runner import build, build_task, evaluate, fit

    cfg = config(run={"iterations": 5, "batch_size": 8, "log_every": 5},
                 task={"n_pattern": 12, "present_steps": 6, "gap_steps": 2})
    task = build_task(cfg)
    net = build(cfg, plastic=False, task=task)
    fit(net, task, cfg, label="static", rows=[], log=lambda s: None)
    acc = evaluate(net, task, 256)  # 768 queries: sigma 1.7 points
    assert abs(acc - 1 / 3) < 0.075, acc


def test_cue_delay_meaning_changes_and_cues_are_fixed():
    task = CueDelay(n_classes=3, n_pattern=8, present_steps=4, gap_steps=1, delay_steps=6, noise=0.0)
    a = task.sample(64, torch.Generator().manual_seed(0))
    b = task.sample(64, torch.Generator().manual_seed(1))
    assert a.x.shape[0] == 3 * 5 + 6 + 3 * 5
    assert not torch.equal(a.y, b.y)
    assert torch.equal(task.cues, CueDelay(n_classes=3, n_pattern=8).cues)


def test_config_errors_name_the_line(tmp_path):
    from circuitsnn.errors import ValidationError
    from circuitsnn.learn.plastic.config import load_config

    p = tmp_path / "bad.toml"
    p.write_text("[plastic]\nrule = \"hebbian\"\nmodulation = \"sometimes\"\n")
    with pytest.raises(ValidationError) as exc:
        load_config(p)
    assert "line 3" in str(exc.value) and "modulation" in str(exc.value)


@pytest.mark.slow
def test_circuitsnn_train_runs_a_plastic_config(tmp_path):
    from circuitsnn.cli.main import main

    cfg = tmp_path / "tiny.toml"
    cfg.write_text("[run]\niterations = 2\nbatch_size = 4\neval_episodes = 8\n[task]\nkind = \"cue_delay\"\n"
                   "n_pattern = 6\npresent_steps = 4\ndelay_steps = 4\neval_noise = [0.3]\n"
                   "[plastic]\nrule = \"bcm\"\nmodulation = \"eligibility\"\ndevice_update = true\n"
                   "[synapse]\ncomponent = \"schottky_gated\"\n[pulse]\nwidth = 1e-4\n")
    out = tmp_path / "run"
    assert main(["train", str(cfg), "--out", str(out)]) == 0
    import json

    s = json.loads((out / "summary.json").read_text())
    assert set(s["accuracy"]) == {"plastic", "static", "plastic_ideal_update"}
    assert set(s["accuracy_vs_noise"]["plastic"]) == {"0.1", "0.3"}
    for name in ("accuracy_vs_noise", "coefficients", "episode_E_M", "episode_conductances"):
        assert (out / f"{name}.png").exists()


def test_local_mapping_asks_one_pulse_for_the_local_step():
    """``mapping = "local"``: a request equal to what one pulse does where the device is gives
    exactly one pulse (the nominal mapping, with the mean step, gives a different count)."""
    from circuitsnn.learn.plastic.device import PairState

    dev = weights_for("memristor_vteam")
    model = DeviceModel(dev, [dev.v_read])
    loc = DeviceUpdate(model, mapping="local", table_points=1025)
    g = torch.tensor([loc.g_min + 0.8 * loc.span], dtype=torch.float64)
    s = dev.state_for(g)
    g1 = float(dev.conductance(torch.as_tensor(dev.program(s.numpy(), dev.nominal_pulse(+1)))))
    floor = torch.tensor([loc.g_min], dtype=torch.float64)
    pair = PairState(g, floor, g, floor)
    dw = torch.tensor([(g1 - float(g)) / loc.span], dtype=torch.float64)
    assert math.isclose(float(loc.step(pair, dw).gp), g1, rel_tol=2e-3)
    with pytest.raises(ValueError):
        DeviceUpdate(model, mapping="closed")


def test_a_killed_plastic_run_resumes_to_the_same_parameters(tmp_path):
    """A checkpoint at every log line; killed after the first, the run continues from it and
    ends with the parameters of an uninterrupted run (episodes drawn from seed and iteration)."""
    from circuitsnn.learn.plastic.config import config
    from circuitsnn.learn.plastic.runner import build, build_task, fit

    cfg = config(run={"iterations": 4, "batch_size": 4, "log_every": 2},
                 task={"n_pattern": 8, "present_steps": 4, "gap_steps": 1})
    task = build_task(cfg)
    whole = build(cfg, plastic=True, task=task)
    fit(whole, task, cfg, label="plastic", rows=[], log=lambda s: None)

    class Killed(Exception):
        pass

    def die_at_first_log(line: str) -> None:
        raise Killed(line)

    ckpt = tmp_path / "checkpoint_plastic.pt"
    first = build(cfg, plastic=True, task=task)
    with pytest.raises(Killed):
        fit(first, task, cfg, label="plastic", rows=[], log=die_at_first_log, checkpoint=ckpt)
    assert ckpt.exists()
    resumed = build(cfg, plastic=True, task=task)
    rows, lines = [], []
    fit(resumed, task, cfg, label="plastic", rows=rows, log=lines.append, checkpoint=ckpt)
    assert lines[0].startswith("plastic: resumed at iteration 2/4")
    assert [r["iteration"] for r in rows] == [2, 4]
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("module", ["circuitsnn.learn.config", "circuitsnn.learn.stdp.config",
                                    "circuitsnn.learn.plastic.config"])
def test_every_learner_config_refuses_bad_toml_and_missing_files_clearly(module, tmp_path):
    """One reader for all learners: invalid TOML and a missing file are ValidationErrors naming
    the file (the plastic reader raised tomllib's own error before)."""
    import importlib

    from circuitsnn.errors import ValidationError

    load = importlib.import_module(module).load_config
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nseed = 1\n")
    with pytest.raises(ValidationError, match="not valid TOML"):
        load(bad)
    with pytest.raises(ValidationError, match="no config file"):
        load(tmp_path / "missing.toml")


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "examples" / "plastic")
                                        .glob("*.toml")), ids=lambda p: p.name)
def test_plastic_example_configs_load_and_build(path):
    """Every example config passes the reader and builds both networks; a device config reads
    about 5 pC per pulse at g_max, as the ideal run (RESULTS.md)."""
    from circuitsnn.learn.plastic.config import load_config
    from circuitsnn.learn.plastic.runner import build

    cfg = load_config(path)
    net = build(cfg)
    q = net.model.g_max * net.pulse.amplitude * net.pulse.width
    assert 4.5e-12 <= q <= 5.5e-12, q
