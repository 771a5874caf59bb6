"""Membrane read-out deployed: an output layer of membranes alone (the LIF's R || C without its
spike rule) in the deck, against the exact integrator and against the surrogate network of a
model trained with ``readout = "membrane"``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.deploy.network import (build_topology, decide_membrane, latency_membrane, load_model, readout_times)
from circuitsnn.deploy.verify import VerifySpec, run_sample, verify
from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.library.neurons.base import integrator_subckt
from circuitsnn.network import (Layer, SpikeInput, Topology, build_deck, ideal_membranes, read_membranes,
                                simulate_network)
from circuitsnn.spice.ir import Element
from circuitsnn.spice.render import render_subckt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_deploy_verify import train_tiny  # noqa: E402

#: a LIF that one read pulse of a weak device moves by tens of mV: 0.1 pF, tau = 1 ms
SMALL_LIF = dict(c=0.1e-12, r=10e9)


def test_the_membrane_alone_is_the_laws_rc_and_nothing_else():
    lif = registry.get("lif")
    p = lif.default_params()
    sub = integrator_subckt(lif, p)
    kinds = sorted(e.name[0] for e in sub.elements if isinstance(e, Element))
    assert kinds == ["C", "R", "R"], kinds  # Cmem, Rleak and the tie of the unused output
    spiking = {e.name: e for e in lif.subckt(p).elements if isinstance(e, Element)}
    for e in sub.elements:
        if isinstance(e, Element) and e.name != "Rout":
            assert spiking[e.name] == e  # the very elements of the spiking neuron's membrane
    assert sub.ports == lif.subckt(p).ports
    assert "no spike rule" in "\n".join(render_subckt(sub))
    with pytest.raises(ValidationError, match="axon_hillock.*no neuron law"):
        integrator_subckt(registry.get("axon_hillock"), registry.get("axon_hillock").default_params())


def test_only_the_output_layer_can_be_read_by_its_membrane():
    w = np.full((2, 2), 50e-9)
    with pytest.raises(ValidationError, match="layer 1 is read by its membrane.*only the output layer"):
        Topology(2, [Layer("memristor_vteam", weights=w, spiking=False), Layer("memristor_vteam", weights=w)])
    with pytest.raises(ValidationError, match="no law"):
        Layer("memristor_vteam", weights=w, neuron="axon_hillock", spiking=False)


def test_membrane_decision_and_latency():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    v = np.array([[0.1, 0.0], [0.2, 0.1], [0.1, 0.3], [0.0, 0.2]])
    assert decide_membrane(v) == 1
    assert latency_membrane(t, v) == 3.0  # neuron 1 leads from the third sample on
    assert latency_membrane(t, v[:, ::-1]) == 3.0
    assert latency_membrane(t, np.array([[0.2, 0.1]] * 4)) == 1.0


@pytest.mark.ngspice
def test_a_membrane_layer_in_ngspice_follows_the_exact_integrator():
    """2-3-2: a spiking VTEAM layer, then membranes alone (0.2-0.4 V swings). The deck's output
    membranes converge on the exact RC response to the hidden layer's pulses as the max step
    shrinks: the corners of the neurons' output trapezoids fall between time points, so at the
    LIF's own 2 us step a pulse carries about 1 % too much charge (measured: largest error 1.6 %
    of the swing at 2 us, 0.27 % at 1 us, 0.12 % at 0.5 us, 0.04 % at 0.25 us)."""
    rng = np.random.default_rng(3)
    w1 = rng.uniform(50e-9, 400e-9, (2, 3))
    w2 = rng.uniform(-300e-9, 400e-9, (3, 2)) * 0.02
    layers = [Layer("memristor_vteam", weights=w1, neuron_params=SMALL_LIF, fidelity="read"),
              Layer("memristor_vteam", weights=w2, neuron_params=SMALL_LIF, fidelity="read", spiking=False)]
    # input pulses clear of the hidden neurons' refractory edges (a graze there is another test)
    stim = SpikeInput((np.array([0.3e-3, 0.9e-3, 1.6e-3]), np.array([0.65e-3, 1.25e-3])), 3e-3)
    times = np.linspace(0.05e-3, 3e-3, 60)
    errors = []
    for h in (1e-6, 0.5e-6):
        topo = Topology(2, layers, max_step=h)
        net = build_deck(topo, stim)
        saved = net.text().split("\n.save", 1)[1].split("\n")[0]
        assert "v(l2_m0)" in saved and "v(l2_s0)" not in saved  # the read-out's output is its membranes
        res = simulate_network(net, timeout=300, keep_result=True)
        assert sum(len(s) for s in res.spikes[0]) > 0 and all(len(s) == 0 for s in res.spikes[1])
        want = ideal_membranes(topo, stim, times)
        swing = np.ptp(want, axis=0)
        assert np.all(swing > 0.1), swing  # the read-out really moves
        errors.append(np.max(np.abs(read_membranes(net, res.result, times) - want) / swing))
    assert errors[1] < 0.005 and errors[1] < errors[0], errors


@pytest.fixture(scope="module")
def membrane_model(tmp_path_factory) -> Path:
    """The 64-10-10 tiny network of the deploy tests, trained with a membrane read-out."""
    return train_tiny(tmp_path_factory.mktemp("membrane"), network={"readout": "membrane"})


def test_a_membrane_model_deploys_with_an_integrator_output_layer(membrane_model):
    m = load_model(membrane_model)
    assert m.readout == "membrane"
    topo = build_topology(m)
    assert [layer.spiking for layer in topo.layers] == [True, False]
    assert readout_times(m)[0] == pytest.approx(m.dt) and readout_times(m)[-1] == pytest.approx(m.duration)


@pytest.mark.ngspice
def test_spice_and_surrogate_membrane_readouts_agree_within_a_converged_tolerance(membrane_model):
    """Halving reltol and the max step moves no peak membrane by more than 0.5 mV (measured 0.3
    mV); the surrogate's peaks sit within 1 mV of the deck's (measured 0.45 mV at the default
    tolerance), the hidden layer's spikes coincide, and the classes agree."""
    for sample in (0, 1):
        base = run_sample(VerifySpec(model=str(membrane_model), energy=False), sample)
        fine = run_sample(VerifySpec(model=str(membrane_model), energy=False, tol_scale=0.5), sample)
        assert base["status"] == fine["status"] == "done", base.get("error") or fine.get("error")
        assert np.max(np.abs(np.subtract(base["scores_spice"], fine["scores_spice"]))) < 0.5e-3
        hidden, out = base["layers"]
        assert hidden["end_to_end"]["gamma"] == pytest.approx(1.0) and hidden["end_to_end"]["spice"] > 0
        assert out["end_to_end"]["peak_max_abs_v"] < 1e-3 and out["local"]["peak_max_abs_v"] < 1e-3
        assert max(base["scores_spice"]) > 0.05  # the read-out is driven
        assert base["class_spice"] == base["class_surrogate"]
        assert all(len(s) == 0 for s in base["spikes_spice"][-1])


@pytest.mark.ngspice
def test_verify_reports_a_membrane_readout(membrane_model, tmp_path):
    v = verify(membrane_model, samples=2, out=tmp_path / "v", workers=1, executor="threads", progress=False)
    s = v.summary
    assert s["done"] == 2 and s["readout"] == "membrane" and s["layers"][-1]["membrane"]
    assert s["energy"]["read_spice_j"] > 0
    table = (tmp_path / "v" / "comparison.md").read_text()
    assert "membrane read-out" in table and "Membrane read-out" in table and "read-out membranes span" in table
    lo, hi = s["readout_range_v"]
    assert lo <= min(min(r["scores_spice"]) for r in v.records.values()) and hi == max(
        max(r["scores_spice"]) for r in v.records.values())
    assert s["readout_supply_v"] == [0.0, 1.8]
    m = s["readout_outside"]["margin_v"]
    ranges = [r["membrane_range_spice"] for r in v.records.values()]
    assert s["readout_outside"]["below"] == sum(a < -m for a, _ in ranges)
    assert s["readout_outside"]["above"] == sum(b > 1.8 + m for _, b in ranges)
    assert ("leave the supply range by more than" in table) == (lo < -m or hi > 1.8 + m)
    assert ("stays within" in table) == (not lo < -m and not hi > 1.8 + m)
    for name in ("raster.png", "membrane.png", "deck/sample0.cir"):
        assert (tmp_path / "v" / name).exists(), name
    deck = (tmp_path / "v" / "deck" / "sample0.cir").read_text()
    assert "_mem in out vdd vss" in deck and "Bq" in deck  # hidden neurons spike, outputs are membranes


@pytest.mark.ngspice
def test_a_read_out_resting_at_its_own_reference_deploys_alike(tmp_path):
    """``[network] readout_rest`` moves the read-out's leak reference (mid-rail keeps both swings
    inside the supply); the trainer, the deck and the surrogate all use it."""
    model = train_tiny(tmp_path / "rest", network={"readout": "membrane", "readout_rest": 0.9}, run={"epochs": 1})
    m = load_model(model)
    assert m.readout_rest == 0.9
    topo = build_topology(m)
    out = topo.layers[-1].neuron_params
    assert out.v_rest == 0.9 and topo.layers[0].neuron_params.v_rest == 0.0
    sub = integrator_subckt(registry.get("lif"), out)
    assert "Vrest rest vss 900m" in "\n".join(render_subckt(sub))
    rec = run_sample(VerifySpec(model=str(model), energy=False), 0)
    assert rec["status"] == "done", rec.get("error")
    assert rec["layers"][-1]["end_to_end"]["peak_max_abs_v"] < 1e-3 and rec["class_spice"] == rec["class_surrogate"]
    lo, hi = rec["membrane_range_spice"]
    assert lo < 0.9 < hi and lo > 0.0  # swings around its 0.9 V reference
    with pytest.raises(ValidationError, match="readout_rest sets the membrane read-out"):
        from circuitsnn.learn.config import config

        config(network={"readout_rest": 0.5})


@pytest.mark.ngspice
def test_a_reused_record_gets_the_running_codes_surrogate_side(tmp_path, membrane_model, monkeypatch):
    """The results cache the deck's side; a reused record's surrogate side is recomputed (a
    stale one, as older surrogate code would have left, is replaced without rerunning the deck),
    and a record too old to hold the sampled read-out keeps its own, which the report says."""
    import json

    from circuitsnn.deploy.verify import rescore, verify

    out = tmp_path / "v"
    kw = dict(samples=1, out=out, workers=1, executor="threads", progress=False, plots=False, energy=True)
    first = verify(membrane_model, **kw)
    rec = first.records[0]
    assert rec["status"] == "done", rec.get("error")
    assert len(rec["readout_spice"]) > 0 and len(rec["readout_spice"][0]) == 10
    surrogate_side = ("spikes_surrogate", "class_surrogate", "scores_surrogate", "margin_surrogate", "layers",
                      "energy_surrogate", "energy_surrogate_on_spice_spikes")
    same = lambda a, b: all(json.dumps(a[k]) == json.dumps(b[k]) for k in surrogate_side)  # noqa: E731
    assert same(rescore(first.spec, rec), rec)
    store = next((out / "results").glob("*.jsonl"))
    stale = dict(rec, class_surrogate=(rec["class_surrogate"] + 1) % 10, scores_surrogate=[9.0] * 10, layers=[],
                 spikes_surrogate=[[[] for _ in layer] for layer in rec["spikes_surrogate"]])
    store.write_text(json.dumps(stale) + "\n")
    again = verify(membrane_model, **kw)
    assert again.computed == [] and again.reused == [0]
    assert again.records[0]["wall_s"] == rec["wall_s"]  # the deck was not run again
    assert same(again.records[0], rec) and again.summary["rescored"] == 1
    legacy = {k: v for k, v in stale.items() if k != "readout_spice"}
    store.write_text(json.dumps(legacy) + "\n")
    third = verify(membrane_model, **kw)
    assert third.records[0]["class_surrogate"] == stale["class_surrogate"]
    assert third.summary["rescored"] == 0 and third.summary["surrogate_as_stored"] == 1
    assert "The surrogate side of 1 reused records is as stored, not recomputed" in (out / "comparison.md").read_text()
    # a surrogate that fails on a stored record: the run goes on, the report names the error
    import circuitsnn.deploy.network as deploy_network

    store.write_text(json.dumps(rec) + "\n")
    monkeypatch.setattr(deploy_network, "surrogate_network", lambda *a, **k: 1 / 0)
    fourth = verify(membrane_model, **kw)
    assert fourth.computed == [] and fourth.summary["rescored"] == 0
    assert fourth.summary["rescore_errors"][0].startswith("sample 0: ZeroDivisionError")
    assert "Recomputing the surrogate side failed on 1 reused records" in (out / "comparison.md").read_text()
