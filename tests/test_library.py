"""One parametrized test over every registered component, and the generated netlists/ folder."""

import subprocess
from pathlib import Path

import pytest

from circuitsnn.library import registry
from circuitsnn.characterize import characterize, parse_assignments
from circuitsnn.cli.main import main
from circuitsnn.errors import ValidationError
from circuitsnn.netlist_library import expected_files, stale

NETLISTS = Path(__file__).resolve().parents[1] / "netlists"
NAMES = registry.names(builtin_only=True)
#: characterized in `make test-all` only: the BSIM4 f-I deck alone takes 1.5-5 min of ngspice
SLOW_TO_CHARACTERIZE = {"axon_hillock_gf180"}


def test_library_has_every_kind():
    kinds = {c.kind for c in registry.components(builtin_only=True)}
    assert kinds == {"neuron", "synapse", "interface"}, f"registered: {NAMES}"


@pytest.mark.ngspice
@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow, pytest.mark.timeout(1800)])
                                  if n in SLOW_TO_CHARACTERIZE else n for n in NAMES])
def test_every_component_characterizes(name, tmp_path):
    """Every testbench of every component runs in ngspice, writes data and a plot."""
    report = characterize(name, tmp_path, progress=False)
    failures = [f"{o.name}: {o.error}" for o in report.outcomes if not o.ok]
    assert not failures, failures
    for o in report.outcomes:
        suffixes = {f.suffix for f in o.files}
        assert {".cir", ".nc"} <= suffixes, o
    assert (tmp_path / "summary.json").exists()


@pytest.mark.parametrize("name", NAMES)
def test_component_is_documented(name):
    c = registry.get(name)
    assert c.summary and c.pinout and c.equation and c.reference, f"{name} lacks documentation"
    rows = c.params_cls.describe()
    assert rows and all(r["unit"] and r["doc"] for r in rows)
    sub = c.subckt(c.default_params())
    assert sub.name == c.subckt(c.default_params()).name  # deterministic names


def test_netlists_folder_is_up_to_date():
    assert not stale(NETLISTS), "run `make netlists` and commit netlists/"


@pytest.mark.ngspice
@pytest.mark.parametrize("name", sorted(n for n in expected_files() if n.endswith(".cir")))
def test_generated_deck_runs_with_plain_ngspice(name, tmp_path):
    from circuitsnn.library import technology

    text = (NETLISTS / name).read_text()
    if "_MODELS/" in text:  # a PDK component: its model folder is written as a placeholder
        tech, _ = registry.get(name[:-4]).technology_for()
        if not tech.available:
            pytest.skip(f"{name} needs the {tech.name} models, which are not installed")
        technology.use(tech)
        text = technology.localize(text)
    (tmp_path / name).write_text(text)
    proc = subprocess.run(["ngspice", "-b", name], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "error" not in proc.stderr.lower(), proc.stderr


def test_list_shows_units(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    assert "unit" in out


def test_unknown_component_named():
    with pytest.raises(ValidationError, match="no component named 'nope'.*Known components"):
        registry.get("nope")


def test_param_assignments_checked():
    comp = registry.components()[0]
    first = comp.params_cls.describe()[0]["name"]
    with pytest.raises(ValidationError, match="has no such parameter"):
        parse_assignments(["bogus=1"], comp.params_cls)
    with pytest.raises(ValidationError, match="NAME=VALUE"):
        parse_assignments(["novalue"], comp.params_cls)
    assert first in parse_assignments([f"{first}=1"], comp.params_cls)
