"""Sweeps with real ngspice: physics of the swept points, persistence and resume (also after
SIGKILL), failures and timeouts recorded, Dask and process pools equal to the thread pool,
the CLI, and one sweep over a real library component."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import test_sweep_support  # noqa: F401  (registers sweep_rc and the test_overshoot measure)
from circuitsnn.cli.main import main as cli_main
from circuitsnn.sweep import SweepSpec, run_sweep, sweep_status

pytestmark = pytest.mark.ngspice

TESTS = Path(__file__).resolve().parent

HEAD = """\
[sweep]
component = "sweep_rc"
testbench = "pulses"
modules = ["test_sweep_support"]
"""


def write_spec(folder: Path, body: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(HEAD + textwrap.dedent(body))
    return path


def rc_final_value(r: float, c: float, vdd: float, period: float, n: int) -> float:
    """v(out) after n pulses of vdd (half period high, half low) into R-C from 0 V."""
    a = math.exp(-period / 2 / (r * c))
    v = 0.0
    for _ in range(n):
        v = vdd + (v - vdd) * a
        v = v * a
    return v


def index_rows(folder: Path) -> dict[str, tuple]:
    con = sqlite3.connect(folder / "index.sqlite")
    try:
        return {k: (s, f, c, r) for k, s, f, c, r in con.execute("SELECT key, status, finished, computed, run_id FROM results")}
    finally:
        con.close()


BODY = """
[stimulus]
n = 3
[grid]
r = [1e3, 1e4, 3e4]
c = ["1n", "2n"]
[corners]
temperature = [27, 85]
[montecarlo]
n = 2
seed = 5
mismatch.r = { sigma = 0.05 }
[measures.v_end]
measure = "final_value"
signal = "out"
[measures.spikes]
measure = "spike_count"
signal = "out"
threshold = 0.5
"""


def test_sweep_matches_rc_physics_exports_and_reuses_everything(tmp_path):
    spec = write_spec(tmp_path, BODY)
    out = tmp_path / "run"
    res = run_sweep(spec, out, workers=2, progress=False)
    assert res.total == 3 * 2 * 2 * 2 and res.computed == 24 and res.failed == 0

    ds = xr.load_dataset(out / "sweep.nc", engine="h5netcdf")
    assert ds["v_end"].dims == ("r", "c", "temperature", "sample")
    assert ds["r"].attrs["units"] == "Ohm" and ds["c"].attrs["units"] == "F"
    assert ds["temperature"].attrs["units"] == "degC"
    assert ds["v_end"].attrs["units"] == "V" and ds["spikes"].attrs["units"] == "1"
    assert (ds["status"] == "done").all()
    # every point against the analytic pulse response with its own (mismatched) R
    for idx in np.ndindex(ds["v_end"].shape):
        pt = ds.isel(dict(zip(ds["v_end"].dims, idx)))
        expect = rc_final_value(float(pt["r_mc"]), float(pt["c"]), 1.0, 1e-5, 3)
        assert float(pt["v_end"]) == pytest.approx(expect, rel=5e-3, abs=1e-4)
    # slow RC (30 kOhm, 2 nF: tau = 6 half periods) never reaches vdd/2 in 3 pulses; fast always
    assert (ds["spikes"].sel(r=1e3) == 3).all()
    assert (ds["spikes"].sel(r=3e4, c=2e-9) == 0).all()
    csv = (out / "measures.csv").read_text().splitlines()
    assert len(csv) == 25 and csv[0].startswith("index,r,c,temperature,sample,r_mc,v_end,spikes,status")
    assert (out / "plots" / "v_end_curves.png").stat().st_size > 5000
    assert (out / "plots" / "v_end_heatmap.png").exists() and (out / "plots" / "v_end_hist.png").exists()

    before = index_rows(out)
    again = run_sweep(spec, out, workers=2, progress=False)
    assert again.computed == 0 and again.reused == 24
    assert index_rows(out) == before  # same finish times, counters and run ids: nothing re-ran
    xr.testing.assert_identical(again.dataset, ds)


def test_changed_measures_are_recomputed_from_stored_waveforms(tmp_path):
    spec = write_spec(tmp_path, """
    [grid]
    r = [1e3, 1e4]
    [measures.v_end]
    measure = "final_value"
    signal = "out"
    """)
    out = tmp_path / "run"
    run_sweep(spec, out, workers=2, progress=False, plots=False)
    before = index_rows(out)
    spec.write_text(spec.read_text() + textwrap.dedent("""
    [measures.over]
    measure = "test_overshoot"
    signal = "out"
    """))
    res = run_sweep(spec, out, workers=2, progress=False, plots=False)
    assert res.computed == 0 and res.remeasured == 2
    assert {k: v[2:] for k, v in index_rows(out).items()} == {k: v[2:] for k, v in before.items()}
    ds = res.dataset
    assert np.all(ds["over"].values > 0) and ds["over"].attrs["units"] == "V"


def test_failures_and_timeouts_are_recorded_and_the_sweep_carries_on(tmp_path, capsys):
    spec = write_spec(tmp_path, """
    timeout = 2
    [grid]
    broken = [false, true]
    hang = [false, true]
    [measures.v_end]
    measure = "final_value"
    signal = "out"
    """)
    out = tmp_path / "run"
    t0 = time.monotonic()
    res = run_sweep(spec, out, workers=2, progress=True, plots=False)
    assert time.monotonic() - t0 < 60
    assert res.total == 4 and res.failed == 3
    bar = capsys.readouterr().err.replace("\r", "\n").splitlines()[-1]
    assert "4/4" in bar and "failed=3" in bar  # the progress bar counts failures
    ds = res.dataset
    cls = {(bool(b), bool(h)): str(ds["error_class"].sel(broken=b, hang=h).values) for b in (0, 1) for h in (0, 1)}
    assert cls[(False, False)] == ""
    assert cls[(True, False)] == "NetlistError"
    assert cls[(False, True)] == "SimulationTimeout"
    assert "no_such_subckt" in str(ds["reason"].sel(broken=1, hang=0).values)
    assert "longer than 2 s" in str(ds["reason"].sel(broken=0, hang=1).values)
    assert np.isfinite(float(ds["v_end"].sel(broken=0, hang=0))) and np.isnan(float(ds["v_end"].sel(broken=1, hang=0)))
    # failures are kept, not retried, unless asked
    assert run_sweep(spec, out, progress=False, export=False).computed == 0
    assert cli_main(["sweep", str(spec), "--out", str(out), "--status"]) == 0
    text = capsys.readouterr().out
    assert "failed         3" in text and "SimulationTimeout" in text and "NetlistError" in text
    st = sweep_status(spec, out)
    assert st["counts"] == {"total": 4, "done": 1, "failed": 3, "pending": 0}


def test_sigkill_then_resume_loses_nothing_finished_and_recomputes_nothing(tmp_path):
    spec = write_spec(tmp_path, """
    [stimulus]
    points = 5000
    [grid]
    r = { logspace = [1e2, 1e4, 8] }
    c = { linspace = [1e-9, 3e-9, 5] }
    [measures.v_end]
    measure = "final_value"
    signal = "out"
    """)
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "circuitsnn.cli.main", "sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet", "--no-plots"],
        env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "index.sqlite").exists():
                try:
                    done = sum(1 for v in index_rows(out).values() if v[0] == "done")
                except sqlite3.OperationalError:
                    done = 0  # tables not created yet
                if done >= 6:
                    break
            time.sleep(0.02)
        assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.communicate()}"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(0.3)  # orphaned ngspice runs finish; they cannot write the index
    before = {k: v for k, v in index_rows(out).items() if v[0] == "done"}
    assert 6 <= len(before) < 40
    left = sorted(p.name for p in (out / "runs").glob("circuitsnn-*"))  # the points killed mid-run
    res = run_sweep(spec, out, workers=2, progress=False, plots=False)
    after = index_rows(out)
    assert res.orphans_removed == len(left) and not list((out / "runs").glob("circuitsnn-*"))
    assert res.computed == 40 - len(before)
    assert all(after[k] == v for k, v in before.items())  # same finish time, computed once, run 1
    assert all(v[0] == "done" and v[2] == 1 for v in after.values()) and len(after) == 40
    runs = sqlite3.connect(out / "index.sqlite").execute("SELECT run_id, finished FROM runs ORDER BY run_id").fetchall()
    assert runs[0][1] is None and runs[-1][1] is not None  # the killed run never recorded its end


SMALL = """
[grid]
r = [1e3, 5e3]
c = [1e-9, 3e-9]
[measures.v_end]
measure = "final_value"
signal = "out"
[measures.spikes]
measure = "spike_count"
signal = "out"
threshold = 0.5
"""


def test_dask_localcluster_and_process_pool_equal_the_thread_pool(tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = write_spec(tmp_path, SMALL)
    ref = run_sweep(spec, tmp_path / "threads", workers=2, progress=False, plots=False).dataset
    procs = run_sweep(spec, tmp_path / "procs", kind="processes", workers=2, progress=False, plots=False)
    assert procs.computed == 4
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        viadask = run_sweep(spec, tmp_path / "dask", executor=client.get_executor(), progress=False, plots=False)
        assert viadask.computed == 4
        dsk = viadask.dataset
        # the --dask ADDRESS path: its own client to the scheduler
        byaddr = run_sweep(spec, tmp_path / "dask_addr", dask=cluster.scheduler_address, progress=False, plots=False)
        assert byaddr.computed == 4
        dsa = byaddr.dataset
    for ds in (procs.dataset, dsk, dsa):
        for name in ("v_end", "spikes", "key", "status"):
            np.testing.assert_array_equal(ds[name].values, ref[name].values)
    assert ref["spikes"].sel(r=1e3, c=1e-9) == 5


def test_cli_runs_checks_and_reports(tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL)
    out = tmp_path / "cli"
    assert cli_main(["sweep", str(spec), "--check"]) == 0
    text = capsys.readouterr().out
    assert "4 points" in text and "r" in text and "spike_count" in text
    assert cli_main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "4 simulated" in text and str(out / "sweep.nc") in text
    assert cli_main(["sweep", str(spec), "--out", str(out), "--status"]) == 0
    text = capsys.readouterr().out
    assert "done           4" in text and "threads(2)" in text
    bad = write_spec(tmp_path, "[grid]\nr = [1e3]\nrr = [2]\n", name="bad.toml")
    assert cli_main(["sweep", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml, line 7: [grid] rr" in err and "what to do" in err


def test_sweep_over_a_real_library_component(tmp_path):
    """The optocoupler: steady conductance grows with the LED drive (power law of LED current),
    the testbench's own tau_on measure comes out near the tau_on parameter."""

    spec = SweepSpec(
        component="optocoupler",
        testbench="step",
        grid={"v_led": [2.5, 3.0, 3.5]},
        params={"tau_on": 1e-3, "tau_off": 5e-3},
        stimulus={"t_off": 2e-3},
        measures={
            "g_on": {"measure": "conductance", "current": "i(vout)", "v_read": 0.1, "t_start": 6e-3, "t_stop": 8e-3},
            "tau_on": {"measure": "testbench", "key": "tau_on"},
        },
    )
    res = run_sweep(spec, tmp_path / "opto", workers=2, progress=False, plots=False)
    assert res.failed == 0
    ds = res.dataset
    g = ds["g_on"].values
    assert np.all(np.diff(g) > 0) and g[0] > 10 * 2e-8  # well above the dark conductance
    assert ds["g_on"].attrs["units"] == "S" and ds["tau_on"].attrs["units"] == "s"
    np.testing.assert_allclose(ds["tau_on"].values, 1e-3, rtol=0.1)


def test_lif_f_i_sweep_matches_the_analytic_rate(tmp_path):
    """The library's LIF neuron swept over input current and capacitance: the measured
    steady-state rate follows f = 1 / (t_ref + R C ln(I R / (I R - V_th)))."""
    from circuitsnn.library import registry

    spec = SweepSpec(
        component="lif",
        testbench="step",
        stimulus={"t_stop": 8e-3},
        grid={"i_amp": {"values": [1e-8, 3e-8], "unit": "A"}, "c": [5e-12, 1e-11]},
        measures={"rate": {"measure": "isi_rate", "signal": "out", "threshold": 0.9, "t_start": 2e-3}},
    )
    ds = run_sweep(spec, tmp_path / "lif", workers=2, progress=False, plots=False).dataset
    p = registry.get("lif").default_params()
    assert ds["i_amp"].attrs["units"] == "A"
    for i_amp in ds["i_amp"].values:
        for c in ds["c"].values:
            tau = p.r * c
            f = 1.0 / (p.t_ref + tau * math.log(i_amp * p.r / (i_amp * p.r - p.v_th)))
            assert float(ds["rate"].sel(i_amp=i_amp, c=c)) == pytest.approx(f, rel=0.02)


def test_a_second_sweep_in_the_same_folder_is_refused(tmp_path):
    spec = write_spec(tmp_path, SMALL)
    out = tmp_path / "locked"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
         "f.write('4242'); f.flush(); print('locked', flush=True); time.sleep(60)", str(out / ".lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(Exception, match="another sweep is running.*pid 4242"):
            run_sweep(spec, out, progress=False)
    finally:
        holder.kill()
        holder.wait()
    assert run_sweep(spec, out, progress=False, plots=False).computed == 4  # lock gone with the process
