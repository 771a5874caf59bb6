"""Neuron testbenches: complete decks for every neuron, stimulus checks, one deck per f-I curve."""

import numpy as np
import pytest

from circuitsnn.library import registry
from circuitsnn.errors import ValidationError
from circuitsnn.library.neurons import PORTS
from circuitsnn.spice.ir import Element, Tran
from circuitsnn.spice.simulator import prepare

NEURONS = [c.name for c in registry.components("neuron", builtin_only=True)]


@pytest.mark.parametrize("name", NEURONS)
@pytest.mark.parametrize("tb_name", ["step", "fi", "spike_train"])
def test_every_testbench_is_a_complete_deck(name, tb_name):
    comp = registry.get(name)
    p = comp.default_params()
    tb = comp.testbench(tb_name)
    text = prepare(tb.deck).text  # renders and passes the safety scan
    assert ".tran" in text and "method=gear" in text
    tran = tb.deck.tran
    assert isinstance(tran, Tran) and tran.max_step <= p.max_step() * 1.001
    assert tb.measure is not None and tb.probes
    # every neuron instance uses the common ports
    xs = [e for e in tb.deck.elements if isinstance(e, Element) and e.letter == "X"]
    assert xs and all(len(x.nodes) == len(PORTS) and x.nodes[2:] == ("vdd", "0") for x in xs)
    assert tb.deck.subckts[0].ports == PORTS


@pytest.mark.parametrize("name", NEURONS)
def test_fi_puts_every_current_in_one_deck(name):
    comp = registry.get(name)
    p = comp.default_params()
    currents = [2 * p.current_scale(), 3 * p.current_scale(), 4 * p.current_scale()]
    tb = comp.testbench("fi", currents=currents)
    xs = [e for e in tb.deck.elements if isinstance(e, Element) and e.letter == "X"]
    assert len(xs) == 3 and len(tb.deck.subckts) == 1
    assert tb.plot.startswith("xy:i_in:rate")
    assert tb.units["i_in"] == "A" and tb.units["rate"] == "Hz"
    # long enough for several intervals at the lowest current
    assert tb.deck.tran.stop > 5 * float(np.max(p.expected_isi(np.asarray(currents))))


def test_bad_stimulus_is_named():
    comp = registry.get("lif")
    with pytest.raises(ValidationError, match="i_amp"):
        comp.testbench("step", i_amp=-1e-9)
    with pytest.raises(ValidationError, match="currents"):
        comp.testbench("fi", currents=[1e-8, float("nan")])
    with pytest.raises(ValidationError, match="none of the input currents"):
        comp.testbench("fi", currents=[1e-9])  # below the 5 nA rheobase
    with pytest.raises(ValidationError, match="overlap"):
        comp.testbench("spike_train", times=[1e-3, 1.01e-3], width=1e-4)
    with pytest.raises(ValidationError, match="t_stop"):
        comp.testbench("step", t_delay=2e-3, t_stop=1e-3)


def test_spike_train_stimulus_is_as_asked():
    comp = registry.get("lif")
    tb = comp.testbench("spike_train", times=[1e-3, 3e-3], i_amp=2e-8, width=2e-4)
    source = next(e for e in tb.deck.elements if isinstance(e, Element) and e.name == "Iin")
    pts = np.asarray(source.value.points)
    assert pts[:, 1].max() == 2e-8
    high = pts[pts[:, 1] == 2e-8][:, 0]
    np.testing.assert_allclose(high, [1e-3 + 2e-6, 1.2e-3, 3e-3 + 2e-6, 3.2e-3])
    assert tb.deck.tran.stop > 3.2e-3
