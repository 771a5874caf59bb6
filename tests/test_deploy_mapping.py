"""Mapping a saved model onto devices: round trip per registered family, variation vs
program-and-verify, bad input, save/load/resume, and one ngspice-confirmed mapping."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from circuitsnn.deploy import mapping as M
from circuitsnn.deploy.mapping import Mapping, map_layer, map_model
from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.surrogates.weights import weights_for

FAMILIES = sorted(c.name for c in registry.components("synapse") if c.resolve("weights") is not None)


def random_targets(name, shape, seed=1):
    dev = weights_for(name)
    lo, hi = dev.g_range()
    rng = np.random.default_rng(seed)
    return dev, lo + rng.uniform(0, 1, shape) * (hi - lo), lo + rng.uniform(0, 1, shape) * (hi - lo)


def level_gap(dev, kind):
    """Largest conductance gap between neighbouring levels of a quantized family (S)."""
    g = np.sort(dev.conductance(M._levels(dev, kind)).detach().numpy())
    return float(np.max(np.diff(g)))


def test_every_family_is_covered():
    assert {"memristor", "schottky", "optocoupler", "digital_code"} <= {weights_for(n).family for n in FAMILIES}


def _slow_if_pulsed(name):
    """Two-way pulsed devices need ~50-300 sequential pulses each, every one an ODE solve: slow."""
    kind = M.event_kind(weights_for(name))
    return pytest.param(name, marks=pytest.mark.slow) if kind == "pulse" else name


@pytest.mark.parametrize("name", [_slow_if_pulsed(n) for n in FAMILIES])
def test_round_trip_within_tolerance(name):
    dev, gp, gn = random_targets(name, (3, 2))
    lm = map_layer(name, (gp, gn), name="l0", variation=False, tol=0.01)
    g_lo, g_hi = dev.g_range()
    span = g_hi - g_lo
    kind = lm.info["kind"]
    # quantized families: the nearest level is the best there is
    bound = 0.01 * span if kind in ("pulse", "one-way") else max(0.01 * span, 0.5 * level_gap(dev, kind) * 1.0001)
    for got, want in zip(lm.achieved_g, lm.target_g):
        assert np.all(np.abs(got - want) <= bound), (kind, np.abs(got - want).max() / span)
    assert lm.converged.all() and lm.rel_error.max() <= 2 * bound / span
    assert lm.pulses[0].sum() + lm.pulses[1].sum() > 0
    # the states plug into the network topology and realize the achieved conductances
    layer = lm.layer()
    assert np.allclose(layer.g_pos, lm.achieved_g[0], atol=0.01 * span)
    assert np.allclose(layer.g_neg, lm.achieved_g[1], atol=0.01 * span)
    # a nominal device and no variation: open loop is already within tolerance (pulsed devices)
    if kind in ("pulse", "one-way"):
        assert lm.open_loop_error().max() <= 2 * 0.01 + 1e-9


def test_planner_follows_the_interface_plan_on_one_device():
    """The batch planner obeys the same law as WeightInterface.plan: replaying its pulses with
    the interface's program lands where it predicted, within the tolerance."""
    dev = weights_for("schottky_gated")
    g_lo, g_hi = dev.g_range()
    targets = torch.tensor([g_lo + 0.3 * (g_hi - g_lo), g_lo + 0.8 * (g_hi - g_lo)], dtype=torch.float64)
    start = torch.zeros(2, dtype=torch.float64)
    codes, table, predicted = M.plan_trains(dev, "one-way", start, targets, 0.005 * (g_hi - g_lo),
                                            max_pulses=500, fine=(0.5, 0.25, 0.125))
    for j in range(2):
        s = 0.0
        for c in codes[:, j]:
            if c >= 0:
                s = dev.program(s, table[int(c)])
        assert abs(float(dev.conductance(s)) - float(targets[j])) <= 0.006 * (g_hi - g_lo)
        ref = dev.plan(0.0, float(dev.state_for(targets[j])), tol=0.005, fine=(0.5, 0.25, 0.125))
        assert ref.converged and abs(ref.count - int((codes[:, j] >= 0).sum())) <= 2


@pytest.mark.parametrize("name", ["schottky_gated", "optocoupler", pytest.param("memristor_vteam", marks=pytest.mark.slow)])
def test_variation_spoils_open_loop_and_program_and_verify_repairs_it(name):
    dev, gp, gn = random_targets(name, (4, 3), seed=2)
    nominal = map_layer(name, (gp, gn), variation=False, max_tries=1)
    varied = map_layer(name, (gp, gn), variation=True, seed=3, max_tries=8)
    once = map_layer(name, (gp, gn), variation=True, seed=3, max_tries=1)
    assert np.array_equal(once.open_loop_g[0], varied.open_loop_g[0])  # the same devices
    e_nom = np.median(nominal.open_loop_error())
    e_open = np.median(varied.open_loop_error())
    e_pv = np.median(varied.rel_error)
    assert e_open > 3 * max(e_nom, 0.01), (e_nom, e_open)
    assert e_pv <= 0.01 < e_open, (e_pv, e_open)
    assert varied.converged.mean() >= 0.75 and varied.pulses[0].sum() > once.pulses[0].sum()


def test_code_words_are_one_write_each_and_on_the_grid():
    name = next(n for n in FAMILIES if weights_for(n).family == "digital_code")
    dev, gp, gn = random_targets(name, (3, 3))
    lm = map_layer(name, (gp, gn), variation=False)
    assert np.array_equal(lm.states[0], np.rint(lm.states[0])) and lm.pulses[0].max() <= 1
    want = dev.state_for(torch.as_tensor(gp)).numpy()
    assert np.array_equal(lm.device_states[0], want)


# -- bad input -------------------------------------------------------------------------------
def test_unreachable_weights_name_the_layer_and_the_synapse():
    dev, gp, gn = random_targets("schottky_gated", (3, 4))
    gp[1, 2] = 3 * dev.g_range()[1]
    with pytest.raises(ValidationError, match=r"layer 'hidden'.*G\+.*\(1, 2\)") as exc:
        map_layer("schottky_gated", (gp, gn), name="hidden", variation=False)
    assert "retrain" in exc.value.hint
    code = next(n for n in FAMILIES if weights_for(n).family == "digital_code")
    _, cp, cn = random_targets(code, (2, 2))
    cn[0, 1] = -1e-7  # below code 0
    with pytest.raises(ValidationError, match=r"G-.*\(0, 1\)"):
        map_layer(code, (cp, cn), variation=False)
    with pytest.raises(ValidationError, match="unknown synapse family 'flux_capacitor'"):
        map_layer("flux_capacitor", (gp, gn))
    with pytest.raises(ValidationError, match="is a neuron"):
        map_layer("lif", (gp, gn))
    gp[0, 0] = np.nan
    with pytest.raises(ValidationError, match="no finite target"):
        map_layer("schottky_gated", (gp, gn), mask=np.ones(gp.shape))


def saved_model(tmp_path, name="schottky_gated", sizes=(4, 5, 3), prune=((0, 1, 2),)):
    """A model written by the trainer's own save_trained, on a real DeviceNetwork."""
    from circuitsnn.learn.checkpoint import save_trained
    from circuitsnn.learn.layers import DeviceModel, DeviceNetwork, PulseSpec
    from circuitsnn.surrogates.artifacts import lif_parameters

    dev = weights_for(name)
    model = DeviceModel(dev, [dev.v_read])
    net = DeviceNetwork(list(sizes), model, lif_parameters("models/lif.json"), dt=2e-4, n_steps=5,
                        pulse=PulseSpec(dev.v_read, 2e-4), init_std=0.6, seed=4)
    for layer, i, j in prune:
        net.synapses[layer].mask[i, j] = 0
    net.project()
    info = {"device": {"interface": model.describe(), "surrogate_file": dev.source}}
    return save_trained(tmp_path, net, info), net


def test_map_model_reads_the_trainers_saved_model(tmp_path):
    folder, net = saved_model(tmp_path)
    m = map_model(folder, variation=False, progress=False)
    assert [lm.name for lm in m.layers] == ["layer0", "layer1"]
    l0 = m.layers[0]
    gp, gn = (g.detach() for g in net.synapses[0].conductances(torch.float64))
    assert l0.shape == (4, 5) and np.allclose(l0.target_g[0][l0.mask], gp.T.numpy()[l0.mask])  # (n_in, n_out)
    assert not l0.mask[2, 1] and l0.pulses[0][2, 1] == 0 and l0.mask.sum() == 19
    rep = m.report()
    assert rep["unconverged"] == 0 and rep["worst"] <= 0.02
    assert rep["layers"][0]["devices"] == 38 and rep["layers"][0]["pulses"]["total"] > 0
    # the deck's devices are the ones the surrogate was fitted on
    assert l0.info["params_from"].endswith("provenance component_params")
    assert np.allclose(l0.layer().g_pos[l0.mask], l0.achieved_g[0][l0.mask], atol=1e-3 * (l0.info["g_max"] - l0.info["g_min"]))
    # the run folder works as well as its model/
    assert map_model(tmp_path, variation=False, progress=False, max_tries=1).layers[1].shape == (5, 3)


def test_bad_model_files_say_what_to_do(tmp_path):
    with pytest.raises(ValidationError, match="model.json missing") as exc:
        map_model(tmp_path / "nowhere", progress=False)
    assert "circuitsnn train" in exc.value.hint
    folder, _ = saved_model(tmp_path)
    (folder / "weights.npz").write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="cannot be read") as exc:
        map_model(folder, progress=False)
    assert "retrain" in exc.value.hint
    doc = json.loads((folder / "model.json").read_text())
    doc["device"]["interface"]["component"] = "warp_coil"
    (folder / "model.json").write_text(json.dumps(doc))
    saved_model(tmp_path / "b")
    shutil.copy(tmp_path / "b" / "model" / "weights.npz", folder / "weights.npz")
    with pytest.raises(ValidationError, match="layer 'layer0'.*unknown synapse family 'warp_coil'"):
        map_model(folder, progress=False)
    (folder / "model.json").write_text("{ broken")
    with pytest.raises(ValidationError, match="cannot be read as JSON"):
        map_model(folder, progress=False)


def test_save_load_and_resume(tmp_path, monkeypatch):
    folder, _ = saved_model(tmp_path, sizes=(3, 4, 2), prune=((1, 0, 1),))
    out = tmp_path / "map"
    m = map_model(folder, out=out, seed=5, max_tries=2, progress=False)
    back = Mapping.load(out)
    assert back.report()["layers"] == json.loads(json.dumps(m.report()["layers"]))
    for a, b in zip(m.layers, back.layers):
        for k, v in a.arrays().items():
            assert np.array_equal(v, b.arrays()[k], equal_nan=True), k
    # finished layers are not mapped again; a missing one is
    calls = []
    real = M.map_layer
    monkeypatch.setattr(M, "map_layer", lambda *a, **k: calls.append(k["name"]) or real(*a, **k))
    again = map_model(folder, out=out, seed=5, max_tries=2, progress=False)
    assert calls == [] and np.array_equal(again.layers[1].achieved_g[0], m.layers[1].achieved_g[0])
    (out / "layer1.npz").unlink()
    again = map_model(folder, out=out, seed=5, max_tries=2, progress=False)
    assert calls == ["layer1"] and np.array_equal(again.layers[1].achieved_g[1], m.layers[1].achieved_g[1])
    with pytest.raises(ValidationError, match="other settings"):
        map_model(folder, out=out, seed=6, max_tries=2, progress=False)


def test_mapping_figure(tmp_path):
    name = next(n for n in FAMILIES if weights_for(n).family == "digital_code")
    _, gp, gn = random_targets(name, (3, 2))
    lm = map_layer(name, (gp, gn), name="l0", variation=True)
    png = Mapping([lm], settings=M.MapSettings()).plot(tmp_path / "mapping.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@pytest.mark.ngspice
@pytest.mark.parametrize("name", ["memristor_vteam", "schottky_gated"])
def test_program_and_verify_confirmed_in_ngspice(name):
    """The device is the subcircuit in ngspice (pulses across in/out; on gate and erase): the
    planned trains are simulated and read back; the surrogate's conductance at the state SPICE
    ends in agrees with SPICE's read."""
    dev, gp, gn = random_targets(name, (2, 1), seed=4)
    lm = map_layer(name, (gp, gn), variation=False, confirm="spice", max_tries=3)
    span = dev.g_range()[1] - dev.g_range()[0]
    assert lm.info["confirm"] == "spice" and lm.info["spice_runs"] >= 1
    assert lm.converged.all() and lm.rel_error.max() <= 0.02
    # what SPICE read back is what the surrogate says the final state conducts
    for s, g in zip(lm.device_states, lm.achieved_g):
        assert np.allclose(dev.conductance(torch.as_tensor(s)).numpy(), g, atol=0.01 * span)


def test_stdp_models_map_single_devices():
    """An STDP model holds one device per synapse (exc.g, rows = inputs): mapped unsigned."""
    dev = weights_for("schottky_gated")
    g_lo, g_hi = dev.g_range()
    g = g_lo + np.random.default_rng(0).uniform(0, 1, (5, 3)) * (g_hi - g_lo)
    doc = {"schema": M.STDP, "device": {**dev.describe(), "model_file": None}}
    m = map_model((doc, {"exc.g": g}), variation=False, progress=False)
    (lm,) = m.layers
    assert lm.name == "exc" and not lm.signed and lm.target_g[1] is None and lm.shape == (5, 3)
    assert lm.rel_error.max() <= 0.01 and lm.converged.all()
    layer = lm.layer()  # an unsigned network layer: one device per synapse, on the + columns
    assert not layer.signed and layer.states[1] is None and np.all(layer.g_neg == 0)
    assert np.allclose(layer.g_pos, lm.achieved_g[0], atol=1e-3 * (g_hi - g_lo))
    doc["device"]["component"] = "ideal"
    with pytest.raises(ValidationError, match="ideal weights"):
        map_model((doc, {"exc.g": g}), progress=False)
