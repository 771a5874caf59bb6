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


SMALL_SIGNAL = """rc small signal
v1 in 0 dc 0 ac 1
r1 in out 1k
c1 out 0 1u
.ac dec 10 1 100k
.noise v(out) v1 dec 10 1 100k
.pz in 0 out 0 vol pz
.tf v(out) v1
.end
"""


@pytest.mark.ngspice
def test_small_signal_deck_gets_bode_nyquist_noise_and_pole_zero_figures(tmp_path, capsys):
    deck = tmp_path / "ss.cir"
    deck.write_text(SMALL_SIGNAL)
    out = tmp_path / "out"
    assert main(["simulate", str(deck), "--out", str(out)]) == 0
    for name in ("bode.png", "nyquist.png", "noise.png", "poles-zeros.png", "result.nc"):
        assert (out / name).stat().st_size > 1000, name
    text = capsys.readouterr().out
    assert "pole(1)=(-1 k + j0) rad/s" in text and "transfer_function=1" in text


@pytest.mark.ngspice
def test_no_plot_loads_neither_matplotlib_nor_xarray_nor_torch(tmp_path, rc_file):
    """A fast CLI: heavy packages only when a command needs them (issue 14)."""
    code = (
        "import sys\nfrom circuitsnn.cli.main import main\n"
        f"rc = main(['simulate', {str(rc_file)!r}, '--out', {str(tmp_path / 'o')!r}, '--no-plot'])\n"
        "print(rc, sorted(m for m in ('matplotlib', 'xarray', 'torch', 'scipy', 'pandas') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr
    assert (tmp_path / "o" / "result.nc").exists() and not (tmp_path / "o" / "transient.png").exists()


def test_help_loads_no_numerical_package():
    code = (
        "import sys\nfrom circuitsnn.cli.main import build_parser\nbuild_parser().format_help()\n"
        "print(sorted(m for m in ('numpy', 'matplotlib', 'xarray', 'torch', 'scipy', 'h5py') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


@pytest.mark.ngspice
def test_allow_control_summary_lists_every_plot_and_the_notes(tmp_path, capsys):
    deck = tmp_path / "c.cir"
    deck.write_text(
        "ctl\nv1 in 0 dc 1 ac 1\nr1 in out 1k\nc1 out 0 1u\n.control\nac dec 5 1 1k\nop\nop\n.endc\n.end\n"
    )
    assert main(["simulate", str(deck), "--out", str(tmp_path / "o"), "--allow-control", "--no-plot"]) == 0
    text = capsys.readouterr().out
    assert " ac: " in text and " op: " in text and " op2: " in text


def test_list_loads_neither_torch_nor_scipy_nor_matplotlib():
    """`circuitsnn list` took 0.6 s to start; a listing needs no solver, plotter or learner."""
    code = (
        "import sys, io, contextlib\nfrom circuitsnn.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['list'])\n"
        "print(sorted(m for m in ('torch', 'scipy', 'matplotlib', 'xarray', 'h5py') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
