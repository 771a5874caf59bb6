"""The batch back-end against real ngspice: physics, error classes, timeouts, the safety policy."""

import subprocess
import time

import numpy as np
import pytest

from circuitsnn.errors import (
    ConvergenceError, NetlistError, SimulationTimeout, SimulatorMissing, UnsafeDeckError,
)
from circuitsnn.spice import D, DcSweep, Deck, Model, Op, Pulse, R, Tran, V, X, simulate
from circuitsnn.spice.batch import BatchSimulator
from circuitsnn.spice.control import PLOTS_RAW
from circuitsnn.spice.reference import NONCONVERGING_AT, NONCONVERGING_DECK, rc_lowpass

pytestmark = pytest.mark.ngspice




def rc_deck(r=1e3, c=1e-6, stop=5e-3) -> Deck:
    return rc_lowpass(r=r, c=c, stop=stop, max_step=1e-6, uic=True, title="rc step")


def test_rc_step_matches_analytic_within_0p1_percent():
    res = simulate(rc_deck())
    t, v = res.tran.time, res["out"]
    expected = 1 - np.exp(-t / 1e-3)
    assert t[-1] == pytest.approx(5e-3)
    assert np.max(np.abs(v - expected)) < 1e-3  # 0.1 % of the 1 V step
    assert res.tran.units["v(out)"] == "V" and res.tran.units["i(v1)"] == "A"
    # KCL: the source delivers C dv/dt through R.
    i = -res.tran.i("v1")
    assert np.allclose(i[10:], (1 - v[10:]) / 1e3, atol=1e-9)


def test_dc_and_op_results():
    deck = Deck(
        "divider",
        elements=(V("v1", "in", "0", 1.0), R("r1", "in", "out", 1e3), R("r2", "out", "0", 3e3)),
        analyses=(Op(), DcSweep("v1", 0.0, 2.0, 0.5)),
    )
    res = simulate(deck)
    assert res.op.value("out") == pytest.approx(0.75)
    assert np.allclose(res.dc.axis, [0, 0.5, 1, 1.5, 2])
    assert np.allclose(res.dc["out"], 0.75 * res.dc.axis)
    assert res.dc.axis_label == "v1"  # ngspice says 'v-sweep'; the axis is named after the source


def test_netcdf_round_trip(tmp_path):
    import xarray as xr

    res = simulate(rc_deck(stop=1e-3))
    path = res.to_netcdf(tmp_path / "r.nc")
    ds = xr.open_dataset(path, engine="h5netcdf")
    assert np.allclose(ds["v(out)"].values, res["out"])
    assert ds["v(out)"].attrs["units"] == "V" and ds["time"].attrs["units"] == "s"


@pytest.mark.parametrize(
    "deck, match",
    [
        ("bad\nX1 a 0 nosuch\nR1 a 0 1k\n.tran 1u 1m\n.end\n", "unknown subckt"),
        ("bad\nD1 a 0 nomodel\nV1 a 0 1\n.op\n.end\n", "nomodel"),
        ("bad\nR1 a 0 1k\n.dc vnope 0 1 0.1\n.end\n", "vnope"),
    ],
)
def test_netlist_errors(tmp_path, deck, match):
    path = tmp_path / "bad.cir"
    path.write_text(deck)
    with pytest.raises(NetlistError, match=match) as exc:
        simulate(path)
    err = exc.value
    assert err.workdir is not None and (err.workdir / "deck.cir").exists()  # kept for inspection
    assert err.stderr or err.stdout


def test_convergence_error_reports_time(tmp_path):
    path = tmp_path / "conv.cir"
    path.write_text(NONCONVERGING_DECK)
    with pytest.raises(ConvergenceError) as exc:
        simulate(path)
    assert exc.value.time_reached == pytest.approx(NONCONVERGING_AT, rel=1e-3)
    assert "timestep too small" in exc.value.stdout.lower() + exc.value.stderr.lower()


def test_hung_deck_is_killed_at_timeout():
    deck = rc_deck(stop=10.0).with_analyses(Tran(step=1e-9, stop=10.0, max_step=1e-9))
    t0 = time.monotonic()
    with pytest.raises(SimulationTimeout) as exc:
        simulate(deck, timeout=1.0)
    assert time.monotonic() - t0 < 10
    # The whole process group is gone: no ngspice left running in the kept folder.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(exc.value.workdir) not in ps


def test_missing_simulator_says_how_to_install():
    with pytest.raises(SimulatorMissing, match="apt-get install"):
        BatchSimulator(executable="ngspice-does-not-exist").run(rc_deck())


@pytest.mark.parametrize("command", ["shell touch {marker}", "quit"])
def test_control_block_refused_and_nothing_runs(tmp_path, command):
    marker = tmp_path / "pwned"
    deck = tmp_path / "evil.cir"
    deck.write_text(f"evil\nR1 a 0 1k\nV1 a 0 1\n.control\n{command.format(marker=marker)}\n.endc\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError):
        simulate(deck)
    assert not marker.exists()
    # The same through an included model file.
    (tmp_path / "m.lib").write_text(f".control\nshell touch {marker}\n.endc\n")
    (tmp_path / "inc.cir").write_text("inc\n.include m.lib\nR1 a 0 1k\nV1 a 0 1\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError):
        simulate(tmp_path / "inc.cir")
    assert not marker.exists()


def test_subcircuit_and_models_from_ir_run():
    from circuitsnn.spice import Subckt

    sub = Subckt("clamp", ("a",), (D("d1", "a", "0", "dm"),), models=(Model("dm", "D", {"is": 1e-14}),))
    deck = Deck(
        "clamp", elements=(V("v1", "in", "0", Pulse(0, 5, 0, 1e-6, 1e-6, 1e-3, 2e-3)), R("r1", "in", "a", 1e3), X("x1", ("a",), "clamp")),
        subckts=(sub,), analyses=(Tran(step=1e-6, stop=1e-3),),
    )
    res = simulate(deck)
    assert 0.55 < res["a"].max() < 0.8  # a forward-biased silicon diode clamps the node


def test_keep_run_directory(tmp_path):
    sim = BatchSimulator(run_root=tmp_path, keep=True)
    res = sim.run(rc_deck(stop=1e-4))
    assert (res.workdir / "deck.cir").read_text().startswith("rc step")
    assert (res.workdir / PLOTS_RAW).exists()  # every plot ngspice held, written by circuitsnn's block
    sim2 = BatchSimulator(run_root=tmp_path / "x")
    sim2.run(rc_deck(stop=1e-4))
    assert not any((tmp_path / "x").iterdir())  # cleaned after success

