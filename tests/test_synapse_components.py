"""A component built on its own subcircuit function gets testbenches of its own device: the
family's testbench factories are bound to the subcircuit function they are given, and the
registry refuses testbenches that simulate another component's subcircuit. No simulator."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library.registry import Component
from circuitsnn.library.synapses import digital_code, optocoupler, schottky
from circuitsnn.spice.render import render

FAMILIES = [
    pytest.param(schottky.COMPONENT, schottky.testbenches, id="schottky"),
    pytest.param(optocoupler.COMPONENT, optocoupler.testbenches, id="optocoupler"),
    pytest.param(digital_code.COMPONENT, digital_code.testbenches, id="digital_code"),
    pytest.param(digital_code.BITLINES, digital_code.testbenches_bitlines, id="digital_code_bitlines"),
]


def _user(lib: Component, factory, name: str = "user_device") -> Component:
    def user_subckt(p):
        return dataclasses.replace(lib.subckt(p), name=f"usr_{p.tag()}")

    return Component(name=name, kind="synapse", family=lib.family, params_cls=lib.params_cls, subckt=user_subckt,
                     testbenches=factory(user_subckt), summary="a user's variant")


@pytest.mark.parametrize("lib,factory", FAMILIES)
def test_testbenches_instantiate_the_components_own_subcircuit(lib, factory):
    user = _user(lib, factory)
    assert set(user.testbenches) == set(lib.testbenches)
    for name in user.testbenches:
        deck = user.testbench(name).deck
        assert deck.subckts and all(s.name.startswith("usr_") for s in deck.subckts), name
        lines = [ln for ln in render(deck).splitlines() if not ln.startswith("*")]
        assert not any(lib.subckt(lib.default_params()).name in ln.split() for ln in lines), name
        # the bound builders keep the stimulus signature the sweep planner reads
        assert inspect.signature(user.testbenches[name]).parameters.keys() == \
            inspect.signature(lib.testbenches[name]).parameters.keys()


@pytest.mark.parametrize("lib,factory", FAMILIES)
def test_registry_refuses_testbenches_of_another_subcircuit(lib, factory):
    user = _user(lib, factory)
    wrong = dataclasses.replace(user, testbenches=lib.testbenches)
    with pytest.raises(ValidationError, match="does not instantiate the component's own"):
        wrong.testbench(next(iter(lib.testbenches)))
