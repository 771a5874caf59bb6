"""Sweep failures are never silent: a measure of a signal the testbench does not have is refused
by --check and before a run, a measure that raises counts as a failed point (summary and exit
status), and a resumed sweep removes the run folders its killed predecessor left behind."""

from __future__ import annotations

import tomllib
import textwrap
from pathlib import Path

import pytest

import test_sweep_support  # noqa: F401  (registers sweep_rc and the test_overshoot measure)
from circuitsnn.cli.main import main as cli_main
from circuitsnn.errors import ValidationError
from circuitsnn.sweep import SweepSpec, run_sweep

pytestmark = pytest.mark.ngspice

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


MISSING = """
[grid]
r = [1e3, 2e3]
[measures.v_end]
measure = "final_value"
signal = "out"
[measures.spikes]
measure = "spike_count"
signal = "x1.nosuch"
threshold = 0.5
"""


def test_check_refuses_a_signal_the_testbench_does_not_have(tmp_path, capsys):
    spec = write_spec(tmp_path, MISSING)
    assert cli_main(["sweep", str(spec), "--check"]) == 1
    err = capsys.readouterr().err
    line = HEAD.count("\n") + 1 + MISSING.splitlines().index('signal = "x1.nosuch"')
    assert f"sweep.toml, line {line}: [measures] spikes.signal: 'v(x1.nosuch)' is not a signal" in err
    assert "what to do: Its signals: i(v1), v(in), v(out)" in err  # what the testbench does give


def test_check_reports_the_signals_it_found(tmp_path, capsys):
    spec = write_spec(tmp_path, MISSING.replace("x1.nosuch", "x1.out"))  # not a node inside x1 either
    assert cli_main(["sweep", str(spec), "--check"]) == 1
    capsys.readouterr()
    spec = write_spec(tmp_path, MISSING.replace("x1.nosuch", "in"))
    assert cli_main(["sweep", str(spec), "--check"]) == 0
    assert "signals: v(out), v(in) found in the first point's results" in capsys.readouterr().out


def test_a_run_refuses_a_missing_signal_before_simulating_anything(tmp_path):
    spec = SweepSpec(
        component="sweep_rc", testbench="pulses", grid={"r": [1e3, 2e3]},
        measures={"i_src": {"measure": "mean", "signal": "i(vsupply)"}},
    )
    out = tmp_path / "run"
    with pytest.raises(ValidationError, match=r"\[measures\] i_src.signal: 'i\(vsupply\)' is not a signal.*i\(v1\)"):
        run_sweep(spec, out, progress=False)
    assert not out.exists()  # nothing ran, nothing was written


def test_measure_errors_count_as_failures_in_the_summary_and_exit_status(tmp_path, capsys):
    spec = write_spec(tmp_path, """
    [grid]
    r = [1e3, 2e3]
    [measures.v_end]
    measure = "final_value"
    signal = "out"
    [measures.late]
    measure = "mean"
    signal = "out"
    t_start = 2e-5
    t_stop = 1e-5
    """)
    out = tmp_path / "run"
    res = run_sweep(spec, out, progress=False, plots=False)
    assert res.failed == 0 and res.measure_failed == 2 and not res.ok
    assert "2 failed (0 simulations, 2 with measure errors)" in res.summary()
    ds = res.dataset
    assert ds["v_end"].notnull().all() and ds["late"].isnull().all()
    # the command line: the same count, and a non-zero exit status
    assert cli_main(["sweep", str(spec), "--out", str(out), "--quiet", "--no-plots"]) == 3
    text = capsys.readouterr().out
    assert "2 failed" in text and "2 point(s) have measure errors" in text
    assert cli_main(["sweep", str(spec), "--out", str(out), "--status"]) == 0
    assert "measure errors: 2 point(s)" in capsys.readouterr().out


def test_a_sweep_without_failures_exits_0_and_one_with_a_failed_point_exits_3(tmp_path, capsys):
    ok = write_spec(tmp_path, "[grid]\nr = [1e3]\n[measures.v_end]\nmeasure = \"final_value\"\nsignal = \"out\"\n", "ok.toml")
    assert cli_main(["sweep", str(ok), "--out", str(tmp_path / "ok"), "--quiet", "--no-plots"]) == 0
    bad = write_spec(tmp_path, "[grid]\nbroken = [false, true]\n[measures.v_end]\nmeasure = \"final_value\"\nsignal = \"out\"\n", "bad.toml")
    assert cli_main(["sweep", str(bad), "--out", str(tmp_path / "bad"), "--quiet", "--no-plots"]) == 3
    assert "1 failed" in capsys.readouterr().out


def test_resume_removes_run_folders_of_killed_points_and_keeps_failed_ones(tmp_path, capsys):
    spec = write_spec(tmp_path, """
    [grid]
    broken = [false, true]
    [measures.v_end]
    measure = "final_value"
    signal = "out"
    """)
    out = tmp_path / "run"
    run_sweep(spec, out, progress=False, plots=False)
    runs = out / "runs"
    kept = sorted(p.name for p in runs.iterdir())
    assert len(kept) == 1  # the broken point's deck, kept to reproduce the failure
    # what a killed sweep leaves: the run folders of the points it was simulating
    for name in ("circuitsnn-killed1", "circuitsnn-killed2"):
        (runs / name).mkdir()
        (runs / name / "deck.cir").write_text("* a point that was running when the sweep was killed\n")
        (runs / name / "out.raw").write_bytes(b"\0" * 1000)
    (runs / "notes.txt").write_text("not a run folder: left alone")
    assert cli_main(["sweep", str(spec), "--out", str(out), "--quiet", "--no-plots"]) == 3  # the broken point
    assert "removed 2 run folder(s) of points killed in an earlier run" in capsys.readouterr().out
    assert sorted(p.name for p in runs.iterdir()) == sorted(kept + ["notes.txt"])
    assert run_sweep(spec, out, progress=False, plots=False).orphans_removed == 0


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_sweep_files_measure_signals_that_exist(path, capsys):
    assert cli_main(["sweep", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    # a spec of testbench measures only has no signal to resolve
    reads_signals = any(m.get("measure") != "testbench" for m in tomllib.loads(path.read_text()).get("measures", {}).values())
    assert ("found in the first point's results" in out) if reads_signals else ("no measure reads a signal" in out)
