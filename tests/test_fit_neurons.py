"""The neuron fit, split by concern (protocol, stages, held-out, fitter), dispatched through each
component's ``fitter`` entry point (no simulator needed here)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.fit import neurons
from circuitsnn.fit.outcome import SurrogateFit
from circuitsnn.library import registry
from circuitsnn.library.registry import _REGISTRY, register

NEURONS = [c.name for c in registry.components("neuron", builtin_only=True)]


@pytest.mark.parametrize("name", NEURONS)
def test_every_neuron_names_its_fitter_and_says_its_effective_lif(name):
    comp = registry.get(name)
    assert comp.resolve("fitter") is neurons.fit_neuron
    guess = neurons.design_guess(comp.default_params())
    # the fit starts from the circuit's own effective LIF: threshold, reset and refractory period
    assert {"v_th", "v_reset", "t_ref"} <= set(guess) and guess["v_reset"] < guess["v_th"]


def test_pipeline_dispatches_neurons_through_the_component(tmp_path):
    """A neuron's fitter is whatever its component names: the pipeline calls it (with quick)."""
    from circuitsnn.fit.pipeline import fit_component

    calls = []

    def stub(component, params, data, *, quick=False):
        calls.append((component.name, quick))
        return SurrogateFit(component=component.name, kind="neuron", family=component.family, model="LIFParameters",
                            parameters={"tau_m": 1e-3}, units={"tau_m": "s"}, fits={}, validation={}, failures=[],
                            component_params=params, decks={})

    lif = registry.get("lif")

    def own_subckt(p):  # defined here: a user's component, not part of the shipped library
        return lif.subckt(p)

    if "test_stub_neuron" not in _REGISTRY:
        register(dataclasses.replace(lif, name="test_stub_neuron", fitter=stub, subckt=own_subckt))
    assert not registry.get("test_stub_neuron").builtin
    run = fit_component("test_stub_neuron", tmp_path, cache_dir=tmp_path / "cache", plots=False, quick=True)
    assert calls == [("test_stub_neuron", True)] and run.model_path.name == "test_stub_neuron.json"
    if "test_fitterless_neuron" not in _REGISTRY:
        register(dataclasses.replace(lif, name="test_fitterless_neuron", fitter=None, subckt=own_subckt))
    with pytest.raises(ValidationError, match="declares no fitter"):
        fit_component("test_fitterless_neuron", tmp_path, cache_dir=tmp_path / "cache", plots=False)


def test_fit_decks_carry_the_components_options_and_step():
    comp = registry.get("axon_hillock")
    p = comp.default_params()
    wave = neurons.held_pwl([1e-7, 2e-7], 1e-6, 1e-8)
    base = neurons.stimulus_deck(comp, p, [wave], 2e-6, "t")
    # the protocol's reltol tightens a looser component, never loosens a tighter one
    own = comp.sim_options["reltol"]
    assert dict(neurons.tighten(base, own * 10).options) == dict(comp.sim_options)
    assert dict(neurons.tighten(base, own / 10).options) == {**comp.sim_options, "reltol": own / 10}
    assert base.tran.max_step == comp.max_step_for(p)


def test_protocol_pieces():
    proto = neurons.NeuronProtocol.quick()
    assert proto.as_dict()["noisy_copies"] == 2 and len(proto.val_multiples) == 3
    trains = [np.array([1.0, 2.0]), np.array([]), np.array([0.5])]
    back = neurons.unpad(neurons.pad(trains))
    assert all(np.array_equal(a, b) for a, b in zip(trains, back))
    rng = np.random.default_rng(0)
    starts = neurons.poisson_pulses(rng, 20, 1e-3, 1e-4, 2e-4)
    assert np.all(np.diff(starts) >= 2e-4 - 1e-12)
    with pytest.raises(ValidationError, match="edge"):
        neurons.held_pwl([1.0], 1e-6, 2e-6)
