"""`circuitsnn simulate` as a user runs it: files written, summary printed, clean errors."""

import subprocess
import sys

import pytest

from circuitsnn.cli.main import main

RC = "rc step\nV1 in 0 PULSE(0 1 0 1n 1n 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 3m\n.end\n"


@pytest.fixture
def rc_file(tmp_path):
    path = tmp_path / "rc.cir"
    path.write_text(RC)
    return path


@pytest.mark.ngspice
def test_simulate_writes_result_and_plot(rc_file, tmp_path, capsys):
    import xarray as xr

    out = tmp_path / "out"
    assert main(["simulate", str(rc_file), "--out", str(out), "--probe", "out"]) == 0
    ds = xr.open_dataset(out / "result.nc", engine="h5netcdf")
    assert ds["time"].values[-1] == pytest.approx(3e-3)
    png = (out / "transient.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    text = capsys.readouterr().out
    assert "rc step" in text and "v(out)" in text and "transient.png" in text


@pytest.mark.ngspice
def test_tran_override(rc_file, tmp_path):
    import xarray as xr

    assert main(["simulate", str(rc_file), "--out", str(tmp_path / "o"), "--tran", "1u", "1m"]) == 0
    assert xr.open_dataset(tmp_path / "o" / "result.nc", engine="h5netcdf")["time"].values[-1] == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["simulate", "nope.cir"], "does not exist"),
        (["simulate", "{rc}", "--tran", "1m", "1u"], "step must be positive and smaller"),
        (["simulate", "{rc}", "--tran", "abc", "1m"], "not a SPICE number"),
        (["simulate", "{rc}", "--probe", "nosuch"], "Available signals"),
        (["simulate", "{evil}"], "--allow-control"),
    ],
)
def test_bad_input_is_one_paragraph_no_traceback(args, needle, rc_file, tmp_path):
    evil = tmp_path / "evil.cir"
    evil.write_text("evil\nR1 a 0 1\n.control\nshell id\n.endc\n.op\n.end\n")
    args = [a.format(rc=rc_file, evil=evil) for a in args] + ["--out", str(tmp_path / "o")]
    proc = subprocess.run([sys.executable, "-m", "circuitsnn", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error:")


def test_help_teaches():
    proc = subprocess.run([sys.executable, "-m", "circuitsnn", "simulate", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "examples:" in proc.stdout and "--allow-control" in proc.stdout and "result.nc" in proc.stdout
