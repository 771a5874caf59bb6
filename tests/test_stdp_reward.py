"""The reward learner's options: the eta schedule's value at given points of the run, the
config checks of the new [reward] keys, the runner applying the schedule and the readout's
column normalization through the devices, and a decaying schedule pinning the run's epochs."""

from __future__ import annotations

import math

import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.learn.stdp.config import config, load_config
from circuitsnn.learn.stdp.reward import eta_factor
from circuitsnn.learn.stdp.runner import _gen, build, learn_batch, train

TINY = dict(run={"epochs": 2, "batch_size": 16, "checkpoint_every": 1, "eval_batch_size": 64},
            data={"name": "digits", "limit_train": 48, "limit_test": 30},
            time={"t_present": 0.02, "t_rest": 0.02},
            task={"kind": "reward"}, rule={"kind": "pair"}, network={"init_lo": 0.2, "init_hi": 0.4},
            input={"charge_fraction": 1.0, "amplitude": 0.4, "min_spikes": 1}, synapse={"g_max": 50e-9},
            reward={"eta": 0.01, "wrong": -1.0})


def tiny(**extra):
    sections = {k: dict(v) for k, v in TINY.items()}
    for k, v in extra.items():
        sections.setdefault(k, {}).update(v)
    return config(**sections)


def test_eta_factor_by_hand():
    assert eta_factor("constant", 0.7) == 1.0
    # cosine: r + (1 - r)(1 + cos(pi s))/2
    assert eta_factor("cosine", 0.0, 0.1) == pytest.approx(1.0)
    assert eta_factor("cosine", 0.5, 0.1) == pytest.approx(0.55)
    assert eta_factor("cosine", 0.25, 0.0) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert eta_factor("cosine", 1.0, 0.1) == pytest.approx(0.1)
    # linear: 1 - (1 - r) s
    assert eta_factor("linear", 0.25, 0.2) == pytest.approx(0.8)
    assert eta_factor("linear", 1.0, 0.0) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="schedule"):
        eta_factor("step", 0.5)
    with pytest.raises(ValueError, match="eta_final"):
        eta_factor("cosine", 0.5, 1.5)


def test_reward_keys_checked(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[task]\nkind = "reward"\n[rule]\nkind = "pair"\n[reward]\neta = 0.1\neta_final = 0.1\n')
    with pytest.raises(ValidationError) as e:
        load_config(p)
    assert "line 7" in str(e.value) and "eta_final" in str(e.value) and "schedule" in str(e.value)
    p.write_text('[task]\nkind = "reward"\n[rule]\nkind = "pair"\n[reward]\neta_schedule = "step"\n')
    with pytest.raises(ValidationError, match="eta_schedule"):
        load_config(p)
    p.write_text('[task]\nkind = "reward"\n[rule]\nkind = "pair"\n[reward]\nnormalize = 1.5\n')
    with pytest.raises(ValidationError, match="normalize"):
        load_config(p)
    p.write_text('[reward]\nnormalize = 0.2\n')
    with pytest.raises(ValidationError, match="reward task"):
        load_config(p)
    cfg = tiny(reward={"eta_schedule": "cosine", "eta_final": 0.05, "normalize": 0.3})
    assert cfg.reward["eta_schedule"] == "cosine" and cfg.reward["normalize"] == 0.3


def _delta(cfg, progress):
    exp = build(cfg)
    before = exp.layer.weights().clone()
    info = learn_batch(exp, exp.x["train"][:16], exp.y["train"][:16], _gen(0, 0, 2, 0), progress=progress)
    return exp.layer.weights() - before, info


def test_schedule_scales_the_programmed_change():
    """Ideal devices program exactly (no clipping at this eta): halfway through a cosine run
    ending at 0 the change is half the constant schedule's, on the same presentations."""
    d_const, i_const = _delta(tiny(), 0.5)
    d_cos, i_cos = _delta(tiny(reward={"eta_schedule": "cosine"}), 0.5)
    assert float(d_const.abs().sum()) > 0
    assert torch.allclose(d_cos, 0.5 * d_const, atol=1e-12)
    assert i_cos["eta"] == pytest.approx(0.005) and i_const["eta"] == pytest.approx(0.01)
    d_lin, _ = _delta(tiny(reward={"eta_schedule": "linear", "eta_final": 0.2}), 0.25)
    assert torch.allclose(d_lin, 0.8 * d_const, atol=1e-12)


def test_normalize_keeps_each_readout_column_mean():
    d, _ = _delta(tiny(reward={"normalize": 0.3}), 0.0)
    exp = build(tiny(reward={"normalize": 0.3}))
    w = exp.layer.weights() + d
    assert torch.allclose(w.mean(0), torch.full((w.shape[1],), 0.3, dtype=torch.float64), atol=1e-9)
    d0, _ = _delta(tiny(), 0.0)
    assert not torch.allclose((exp.layer.weights() + d0).mean(0), torch.full((w.shape[1],), 0.3, dtype=torch.float64),
                              atol=1e-3)


def test_decaying_schedule_pins_epochs(tmp_path):
    cfg = tiny(run={"epochs": 1}, reward={"eta_schedule": "cosine"})
    train(cfg, tmp_path, progress=False, plots=False)
    with pytest.raises(ValidationError, match="another configuration"):
        train(tiny(run={"epochs": 2}, reward={"eta_schedule": "cosine"}), tmp_path, progress=False, plots=False)
    # a constant eta may still be continued with more epochs
    train(tiny(run={"epochs": 1}), tmp_path / "c", progress=False, plots=False)
    s = train(tiny(run={"epochs": 2}), tmp_path / "c", progress=False, plots=False)
    assert s["epochs"] == 2


def test_normalize_input_axis_keeps_each_row_mean():
    cfg = tiny(reward={"normalize": 0.3, "normalize_axis": "input"})
    d, _ = _delta(cfg, 0.0)
    w = build(cfg).layer.weights() + d
    assert torch.allclose(w.mean(1), torch.full((w.shape[0],), 0.3, dtype=torch.float64), atol=1e-9)
    assert not torch.allclose(w.mean(0), torch.full((w.shape[1],), 0.3, dtype=torch.float64), atol=1e-3)
    with pytest.raises(ValidationError, match="normalize_axis"):
        tiny(reward={"normalize_axis": "input"})


def test_t_eval_reaches_the_feature_layer(tmp_path):
    """Evaluation with t_eval presents the frozen feature layer for t_eval too (its spikes are
    the readout's input), and both layers are back at t_present afterwards."""
    from circuitsnn.learn.stdp.runner import counts_of

    feat = config(run={"epochs": 1, "batch_size": 16, "eval_batch_size": 64},
                  data={"name": "digits", "limit_train": 16, "limit_test": 10},
                  time={"t_present": 0.02, "t_rest": 0.02}, network={"neurons": 8})
    train(feat, tmp_path / "f", progress=False, plots=False)
    cfg = tiny(task={"features": str(tmp_path / "f" / "model")}, time={"t_eval": 0.05})
    exp = build(cfg)
    seen = []
    run = exp.layer.run
    exp.layer.run = lambda s_in, **kw: (seen.append(s_in.shape[0]), run(s_in, **kw))[1]
    counts_of(exp, "val")
    assert seen and set(seen) == {100}  # 0.05 s / 0.5 ms
    assert exp.layer.spec.n_steps == 40 and exp.layer.upstream.spec.n_steps == 40
