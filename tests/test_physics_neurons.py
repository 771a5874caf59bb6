"""Neuron laws written once: the LIF and adaptive LIF laws, their rendering and their own
integration; the one closed-form f-I and latency; the closed forms of the surrogates (the
exact-relaxation step and the compiled loop) against the law they approximate."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.physics import adaptive_lif as alaw
from circuitsnn.physics import lif as llaw
from circuitsnn.physics.expr import Input, P, State, to_spice
from circuitsnn.physics.law import values_of
from circuitsnn.physics.neuron import NeuronLaw, RCState, SpikeRule
from circuitsnn.spice.ir import Element

D = torch.float64


# -- expression tree: states against a reference node (the one extension for neurons) -------------


def test_state_against_a_reference_node_prints_a_differential_voltage():
    v = State("v", node="in", ref="vss")
    assert to_spice(v) == "v(in,vss)"
    assert to_spice(State("x")) == "v(x)"  # unchanged without a reference
    assert to_spice(State("x", scale=1e-6, ref="vss")) == "v(x,vss)*1meg"
    assert to_spice(P.b * v, {"b": 5e-10}) == "500p*v(in,vss)"


# -- the laws -----------------------------------------------------------------------------------


def test_lif_law_reads_the_component_parameters_and_renders_primitives():
    p = llaw.LIFParams()
    law = llaw.LAW
    assert law.params() <= set(values_of(p))
    assert law.state_names() == ("v",) and law.membrane is llaw.MEMBRANE
    assert "dv/dt = (-(v(in,vss)-v_rest)/r+i_in)/c" in law.describe()
    els = law.node_elements("v", values_of(p))
    assert [(e.name, e.nodes, e.value) for e in els] == [("Cmem", ("in", "vss"), p.c), ("Rleak", ("in", "vss"), p.r)]
    # a rest level other than 0: the leak goes to a node held there
    els = law.node_elements("v", values_of(p.replace(v_rest=0.1)))
    assert [(e.name, e.nodes) for e in els] == [("Cmem", ("in", "vss")), ("Rleak", ("in", "rest")), ("Vrest", ("rest", "vss"))]


def test_adaptive_law_adds_the_adaptation_state_branch_and_jump():
    p = alaw.AdaptiveLIFParams()
    law = alaw.LAW
    assert law.state_names() == ("v", "a") and law.params() <= set(values_of(p))
    text = law.describe()
    assert "dv/dt = (-(v(in,vss)-v_rest)/r+i_in-b*v(a,vss))/c" in text and "a += 1" in text
    (bahp,) = [e for e in law.branch_elements(values_of(p)) if isinstance(e, Element)]
    assert bahp.name == "Bahp" and bahp.nodes == ("in", "vss") and bahp.value.expr.text == "500p*v(a,vss)"
    ca, ra = law.node_elements("a", values_of(p))
    assert ra.value * ca.value == pytest.approx(p.tau_w, rel=1e-15)
    # the rates are the law's, on any backend
    env = {**values_of(p), "v": 0.2, "a": 0.5, "i_in": 1e-8}
    r = law.continuous.rates(env)
    assert r["v"] == pytest.approx((-(0.2 - p.v_rest) / p.r + 1e-8 - p.b * 0.5) / p.c, rel=1e-12)
    assert r["a"] == pytest.approx(-0.5 / p.tau_w, rel=1e-12)


def test_the_subcircuits_are_rendered_from_the_laws():
    # the library's subcircuits hold the laws' primitives and branches with the Params' values
    for comp in registry.components("neuron", builtin_only=True):
        if comp.law is None:
            continue  # transistor level (Axon-Hillock)
        p = comp.default_params()
        sub = comp.subckt(p)
        values = values_of(p)
        rendered = {e.name: e for e in sub.elements if isinstance(e, Element)}
        for name in comp.law.state_names():
            for e in comp.law.node_elements(name, values):
                assert rendered[e.name] == e, (comp.name, e.name)
        for e in comp.law.branch_elements(values):
            if isinstance(e, Element):
                assert rendered[e.name] == e


def test_neuron_law_refuses_inconsistent_declarations():
    v = State("v", node="in", ref="vss")
    mem = RCState(v, c=P.c, r=P.r)
    with pytest.raises(ValidationError, match="spike rule names state 'w'"):
        NeuronLaw("x", Input("i_in", "i_in"), (mem,), SpikeRule("w", P.v_th, 0, P.t_ref))
    with pytest.raises(ValidationError, match="input enters"):
        NeuronLaw("x", Input("i_in", "i_in"), (mem,), SpikeRule("v", P.v_th, 0, P.t_ref), input_node="other")
    with pytest.raises(ValidationError, match="needs parameter"):
        llaw.LAW.run({"c": 1e-12}, [1e-9], 1e-3)


# -- the one f-I, against the law ----------------------------------------------------------------


@pytest.mark.parametrize("values", [{}, {"v_rest": 0.05, "v_reset": 0.15, "t_ref": 0.5e-3}])
def test_the_closed_form_isi_and_latency_are_the_laws(values):
    p = llaw.LIFParams(**values)
    currents = np.array([1.05, 1.5, 3.0, 20.0]) * p.rheobase
    for i in currents:
        run = llaw.LAW.run(values_of(p), [i], [12 * float(llaw.isi(i, p))])
        assert run.spike_times.size >= 10
        np.testing.assert_allclose(np.diff(run.spike_times), llaw.isi(i, p), rtol=1e-9)
        # the first crossing from rest; the closed form adds the output delay
        assert run.spike_times[0] == pytest.approx(float(llaw.latency(i, p)) - p.t_delay, rel=1e-9)
    assert llaw.rate(0.99 * p.rheobase, p) == 0 and np.isinf(llaw.isi(p.rheobase, p))


def test_one_f_i_for_circuit_params_surrogate_parameters_and_tensors():
    from circuitsnn.surrogates.lif import LIFParameters

    p = llaw.LIFParams(v_rest=0.1, v_reset=0.2, v_th=0.6)
    sp = LIFParameters(**{k: v for k, v in p.lif_equivalent().items() if k in LIFParameters._fields})
    i = np.array([0.5, 1.2, 4.0]) * p.rheobase
    with np.errstate(invalid="ignore"):
        want = np.where(i * p.r + p.v_rest > p.v_th, p.t_ref + p.tau * np.log((p.v_rest + i * p.r - 0.2) / (p.v_rest + i * p.r - 0.6)), np.inf)
    np.testing.assert_array_equal(llaw.isi(i, p), want)
    it = torch.tensor(i, dtype=D, requires_grad=True)
    f = llaw.rate(it, sp)
    np.testing.assert_allclose(f.detach().numpy(), np.where(np.isfinite(want), 1 / want, 0), rtol=1e-12)
    f.sum().backward()
    assert torch.isfinite(it.grad).all() and it.grad[0] == 0 and (it.grad[1:] > 0).all()
    # an active reset stretches the refractory period as 1/(1 - i/i_ref) and stops at i_ref
    sp2 = sp._replace(i_ref=3 * p.rheobase)
    assert float(llaw.isi(1.2 * p.rheobase, sp2)) == pytest.approx(p.t_ref / 0.6 + p.tau * math.log((0.1 + 1.2 * p.rheobase * p.r - 0.2) / (0.1 + 1.2 * p.rheobase * p.r - 0.6)))
    assert np.isinf(llaw.isi(3.5 * p.rheobase, sp2))
