"""Every component takes a user's own stimulus (the `waveform` testbench), from Python and from
`circuitsnn characterize --stimulus FILE.csv`; the weight interface's pulse API takes the pulse's
real shape and agrees with SPICE on the same arbitrary programming sequence."""

from __future__ import annotations

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library import registry
from circuitsnn.library.waveform import load_stimulus
from circuitsnn.spice import simulate


def test_every_component_has_a_waveform_testbench_that_needs_a_stimulus():
    for comp in registry.components(builtin_only=True):
        with pytest.raises(ValidationError, match="needs a stimulus"):
            comp.testbench("waveform")


def test_bad_stimulus_files_name_the_line(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("time_s,current_A\n0,0\n1e-3,abc\n")
    with pytest.raises(ValidationError, match="line 3"):
        load_stimulus(f)
    f.write_text("0,0\n2e-3,1\n1e-3,2\n")
    with pytest.raises(ValidationError, match="rise strictly"):
        load_stimulus(f)


@pytest.mark.ngspice
def test_neuron_driven_by_a_csv_current_from_the_cli(tmp_path, capsys):
    from circuitsnn.cli.main import main

    comp = registry.get("lif")
    p = comp.default_params()
    i_on = 3 * p.rheobase
    csv = tmp_path / "current.csv"
    csv.write_text(f"time_s,current_A\n0,0\n1e-4,0\n1.01e-4,{i_on}\n8e-3,{i_on}\n8.01e-3,0\n1e-2,0\n")
    out = tmp_path / "char"
    assert main(["characterize", "lif", "--stimulus", str(csv), "--out", str(out)]) == 0
    assert (out / "waveform.png").exists() and (out / "waveform.cir").exists()
    # the same stimulus from Python: the firing rate under the plateau is the analytic one
    tb = comp.testbench("waveform", p, file=csv)
    r = tb.measure(simulate(tb.deck))
    times = r["spike_times"]
    assert times.size >= 5 and times[-1] < 8.1e-3
    from circuitsnn.physics.lif import rate

    assert 1 / np.median(np.diff(times)) == pytest.approx(float(rate(i_on, p)), rel=0.01)


@pytest.mark.ngspice
def test_arbitrary_programming_sequence_matches_the_weight_interface():
    """Pulses of different amplitudes, widths and edges on a VTEAM device in SPICE; the weight
    interface's program() on the same trapezoids lands on the same state."""
    from circuitsnn.surrogates.weights import Pulse, weights_for

    comp = registry.get("memristor_vteam")
    p = comp.default_params()
    w = weights_for(comp, nominal=True)
    pulses = [Pulse(1.0, 1e-6, 50e-9, 50e-9), Pulse(1.2, 0.5e-6, 20e-9, 100e-9), Pulse(-0.9, 2e-6, 100e-9, 100e-9),
              Pulse(1.1, 1.5e-6, 200e-9, 20e-9)]
    pts, t = [(0.0, 0.0)], 1e-6
    for q in pulses:
        top = q.width - 0.5 * (q.rise + q.fall)
        pts += [(t, 0.0), (t + q.rise, q.amplitude), (t + q.rise + top, q.amplitude), (t + q.rise + top + q.fall, 0.0)]
        t += q.rise + top + q.fall + 1e-6
    pts.append((t, 0.0))
    tb = comp.testbench("waveform", p, points=np.array(pts))
    res = simulate(tb.deck)
    x_spice = float(np.asarray(res.tran["x1.x"])[-1])
    x = p.x0
    for q in pulses:
        x = w.program(x, q)
    assert x_spice > p.x0 + 0.01  # the sequence really moved the state
    assert x == pytest.approx(x_spice, abs=2e-3 * (1.0 - 0.0))
