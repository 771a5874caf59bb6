"""ngspice's own regression decks (pinned copy in tests/data/ngspice, Modified BSD, see its
README): plain ngspice and circuitsnn on the same deck, every vector compared bit for bit.

The reference and the reader of result.nc are in tests/ngspice_reference.py, independent of
circuitsnn's own raw reader. bench/ngspice_corpus.py runs the whole folder and times it.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ngspice_reference import CONTROL_RE, compare, plain_reference, read_result_nc

pytestmark = pytest.mark.ngspice

CORPUS = Path(__file__).parent / "data" / "ngspice"

#: A representative subset: every analysis kind, .control blocks, .lib sections, same-name
#: vectors, .meas, a relative data file, a multi-plot control block with ngspice 39's exit 1.
REPRESENTATIVE = [
    "tests/general/rc.cir",  # .tran, no .control
    "tests/filters/lowpass.cir",  # .ac
    "tests/polezero/simplepz.cir",  # .pz
    "tests/regression/sens/sens-ac-1.cir",  # AC .sens from a .control block
    "tests/regression/misc/test-noise-2.cir",  # .noise
    "tests/regression/lib-processing/ex2a.cir",  # .lib FILE SECTION, sections referring to their own file
    "tests/transmission/cpl_ibm2.cir",  # four vectors named i(p1)
    "tests/regression/misc/asrc-tc-1.cir",  # op + ac in a .control block that reports errors and quits
    "examples/noise/resdiv.cir",  # three noise analyses in a .control block
    "examples/measure/rc-meas-ac.sp",  # .meas on an AC analysis
    "examples/xspice/filesource/simple-filesource.cir",  # file="my-source.txt", relative
    "examples/sp/sp4.cir",  # S-parameters
    "examples/pss/vdp_osc_pss_ctrl.cir",  # periodic steady state from a .control block
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "ngspice"
    shutil.copytree(CORPUS, root)  # plain ngspice writes beside the decks: never in the repository
    return root


def check(deck: Path, root: Path, scratch: Path, *, cli: bool) -> None:
    from circuitsnn.spice import simulate

    plain = plain_reference(deck, 120, scratch / "ref")
    assert plain.runs, f"plain ngspice does not run {deck}"
    assert plain.plots, f"plain ngspice produced no vectors for {deck}"
    control = bool(CONTROL_RE.search(deck.read_text(errors="replace")))
    out = scratch / "cs"
    if cli:
        args = [sys.executable, "-m", "circuitsnn", "simulate", str(deck), "--out", str(out), "--no-plot", "--trust", str(root)]
        proc = subprocess.run(args + (["--allow-control"] if control else []), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        nc = out / "result.nc"
    else:
        nc = simulate(deck, trusted_dirs=[root], allow_control=control, timeout=120).to_netcdf(out / "result.nc")
    identical, same_plots, why = compare(plain.plots, read_result_nc(nc))
    assert identical and same_plots, f"{deck.relative_to(root)}: {why}"


@pytest.mark.parametrize("rel", REPRESENTATIVE)
def test_representative_decks_give_the_vectors_plain_ngspice_gives(rel, corpus, tmp_path):
    check(corpus / rel, corpus, tmp_path, cli=False)


def test_same_name_vectors_of_cpl_ibm2_are_all_there(corpus):
    """8 of 11 vectors came back: the four i(p1) collapsed into one."""
    from circuitsnn.spice import simulate

    tran = simulate(corpus / "tests/transmission/cpl_ibm2.cir", trusted_dirs=[corpus]).tran
    assert [k for k in tran.signals if k.startswith("i(p1)")] == ["i(p1)", "i(p1)#2", "i(p1)#3", "i(p1)#4"]
    assert len(tran.signals) + 1 == 11  # the axis is the eleventh


@pytest.mark.slow
@pytest.mark.parametrize("rel", sorted(
    str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".cir", ".sp") and p.name != "dollar-1.cir"
))
def test_every_pinned_deck_through_the_cli(rel, corpus, tmp_path):
    check(corpus / rel, corpus, tmp_path, cli=True)


def test_the_pinned_copy_stays_small_and_licensed():
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 2_000_000
    assert (CORPUS / "COPYING").read_text().count("Modified BSD") >= 1
    assert "0a9c4ea799a044cde636adb4d026639bdb3974a0" in (CORPUS / "README.md").read_text()
