"""Plots a designer trusts: every synapse testbench says what its curves stand for (state, drive,
temperature; physical units, never bare vector names), exponential and power-law physics on log
axes, every swept frequency drawn, polarity changes marked, no empty units."""

from __future__ import annotations

import re

import numpy as np
import pytest

from circuitsnn import plots
from circuitsnn.library import registry

SYNAPSES = [c.name for c in registry.components("synapse", builtin_only=True)]


@pytest.mark.parametrize("name", SYNAPSES)
def test_every_synapse_testbench_names_its_curves_and_axes(name):
    comp = registry.get(name)
    for tb_name in comp.testbenches:
        tb = comp.testbench(tb_name)
        style = dict(tb.style)
        if tb.plot in ("transient", "sweep"):
            traces = style.get("traces", {})
            missing = [p for p in tb.probes if p not in traces and not p.startswith("v(b")]
            assert not missing, (name, tb_name, missing)
            for probe, (label, unit, *rest) in traces.items():
                assert not re.fullmatch(r"[iv]\([\w.,]+\)", label), (name, tb_name, label)  # not a vector name
                assert unit, (name, tb_name, probe)
        else:
            assert "x" in style and "y" in style, (name, tb_name)


@pytest.mark.parametrize("name, tb_name, logx, logy", [
    ("schottky_gated", "iv", False, True),
    ("schottky_gated", "barrier", False, True),
    ("schottky_gated", "temperature", False, True),
    ("optocoupler", "transfer", True, True),
])
def test_exponential_and_power_law_physics_is_drawn_on_log_axes(name, tb_name, logx, logy):
    style = registry.get(name).testbench(tb_name).style
    assert bool(style.get("logx")) == logx and bool(style.get("logy")) == logy


def test_the_temperature_testbench_is_a_richardson_plot_per_stored_state():
    tb = registry.get("schottky_gated").testbench("temperature")
    assert tb.plot == "xy:inv_temp:richardson"
    assert tb.style["x"] == ("1000/T", "1/K") and len(tb.style["series"]) == 5
    assert all("dphi" in s and "phi_eff" in s for s in tb.style["series"])


@pytest.mark.parametrize("name", ["memristor_vteam", "memristor_biolek"])
def test_memristor_iv_draws_every_frequency_and_program_marks_the_polarity_change(name):
    comp = registry.get(name)
    iv = comp.testbench("iv")
    assert iv.plot == "xy:v_all:i_all"
    sines = [e for e in iv.deck.elements if e.name.startswith("Vs")]
    assert len(iv.style["series"]) == len(sines) > 1
    prog = comp.testbench("program", count_pot=7, count_dep=5)
    (x, text), = prog.style["marks"]
    assert x == 7.5 and "polarity" in text
    if name == "memristor_vteam":  # the thresholds are drawn on the I-V
        assert {t.split(" =")[0] for _, t in iv.style["marks"]} == {"v_on", "v_off"}


def _capture(monkeypatch):
    seen = {}

    def fake_save(fig, path, title="", ax=None, dpi=120):
        seen["axes"] = fig.axes
        seen["labels"] = [(a.get_xlabel(), a.get_ylabel(), a.get_xscale(), a.get_yscale(),
                           [t.get_text() for t in (a.get_legend().get_texts() if a.get_legend() else [])]) for a in fig.axes]
        plots._pyplot().close(fig)
        return path

    monkeypatch.setattr(plots, "save_figure", fake_save)
    return seen


class _Plot:
    """A stand-in for a result plot: a temperature sweep of two currents."""

    def __init__(self):
        self.axis = np.linspace(-20, 100, 7)
        self.axis_name, self.axis_label, self.axis_unit, self.plotname = "temp", "temp", "", "dc"
        self.signals = {"i(vout0)": np.exp(self.axis / 20) * 1e-9, "i(vout1)": np.exp(self.axis / 20) * 2e-9}
        self.units = {"i(vout0)": "A", "i(vout1)": "A"}

    def __getitem__(self, k):
        return self.signals[k]

    def __contains__(self, k):
        return k in self.signals


def test_no_empty_units_and_legends_from_traces(monkeypatch, tmp_path):
    seen = _capture(monkeypatch)
    plots.plot_signals(_Plot(), ["i(vout0)", "i(vout1)"], tmp_path / "a.png")
    xlabel = seen["labels"][-1][0]
    assert "()" not in xlabel and xlabel == "temp"
    plots.plot_signals(_Plot(), ["i(vout0)", "i(vout1)"], tmp_path / "b.png", x=("temperature", "degC"), logy=True,
                       traces={"i(vout0)": ("stored dphi = 0 mV", "A", 1.0, "read current"),
                               "i(vout1)": ("stored dphi = 50 mV", "A", 1.0, "read current")})
    xlabel, ylabel, _, yscale, legend = seen["labels"][-1]
    assert xlabel == "temperature (degC)" and ylabel == "read current (A)" and yscale == "log"
    assert legend == ["stored dphi = 0 mV", "stored dphi = 50 mV"]


def test_state_nodes_are_drawn_in_their_physical_unit(monkeypatch, tmp_path):
    """An optocoupler node holding G in uS is drawn as G in S (nS on the axis), not as volts."""
    seen = _capture(monkeypatch)
    p = _Plot()
    p.signals = {"v(x1.g)": np.full(7, 0.5)}  # 0.5 V on the node = 0.5 uS
    p.units = {"v(x1.g)": "V"}
    plots.plot_signals(p, ["v(x1.g)"], tmp_path / "c.png", traces={"v(x1.g)": ("G", "S", 1e-6, "photoconductance")})
    _, ylabel, *_ = seen["labels"][0]
    assert ylabel == "photoconductance (nS)"
    line = seen["axes"][0].get_lines()[0] if seen["axes"][0].get_lines() else None
    assert line is None or np.allclose(line.get_ydata(), 500.0)


def test_xy_log_magnitude_and_marks(monkeypatch, tmp_path):
    seen = _capture(monkeypatch)
    v = np.linspace(-0.4, 2.0, 25)
    i = np.stack([1e-9 * (1 - np.exp(-v / 0.027)), 2e-9 * (1 - np.exp(-v / 0.027))])
    plots.plot_xy(v, {"stored dphi = 0 mV": i[0], "stored dphi = 40 mV": i[1]}, tmp_path / "d.png", xlabel="v(in,out)",
                  ylabel="I(in -> out)", xunit="V", yunit="A", logy=True, magnitude=True, marks=((0.0, "forward | reverse"),))
    xlabel, ylabel, _, yscale, legend = seen["labels"][0]
    assert yscale == "log" and ylabel == "|I(in -> out)| (A)" and legend == ["stored dphi = 0 mV", "stored dphi = 40 mV"]
    assert any(t.get_text() == "forward | reverse" for t in seen["axes"][0].texts)
