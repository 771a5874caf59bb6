"""Command-line edges a new user hits: a negative --timeout, an --out that is a file or on a
read-only file system, and example paths in help texts and docstrings that must exist."""

from __future__ import annotations

import errno
import os
import re
import textwrap
from pathlib import Path

import pytest

import test_sweep_support  # noqa: F401  (registers the sweep_rc test component)
from circuitsnn.cli.main import build_parser, main
from circuitsnn.errors import ValidationError

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "circuitsnn"
RC = "rc step\nV1 in 0 PULSE(0 1 0 1n 1n 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 3m\n.end\n"
SWEEP = """\
[sweep]
component = "sweep_rc"
testbench = "pulses"
modules = ["test_sweep_support"]
timeout = 30

[grid]
r = [1e3, 2e3]

[measures.v_end]
measure = "final_value"
signal = "out"
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "rc.cir").write_text(RC)
    (tmp_path / "sweep.toml").write_text(SWEEP)
    (tmp_path / "a_file").write_text("not a folder")
    return tmp_path


# -- --timeout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["simulate", "sweep", "characterize"])
@pytest.mark.parametrize("value", ["-1", "0", "nan"])
def test_a_timeout_that_is_not_positive_is_refused_naming_the_option(files, capsys, command, value):
    target = {"simulate": files / "rc.cir", "sweep": files / "sweep.toml", "characterize": "sweep_rc"}[command]
    with pytest.raises(SystemExit) as info:
        main([command, str(target), "--timeout", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --timeout: '{value}' is not a positive number of seconds" in err
    assert "line" not in err  # not blamed on the sweep file


def test_the_python_api_refuses_it_too(files):
    from circuitsnn.simulate_deck import simulate_to_folder
    from circuitsnn.sweep import run_sweep

    with pytest.raises(ValidationError, match="timeout must be a positive number of seconds, got -1"):
        simulate_to_folder(files / "rc.cir", files / "out", timeout=-1)
    with pytest.raises(ValidationError) as info:
        run_sweep(files / "sweep.toml", files / "sweep_out", timeout=-1, progress=False)
    assert "the sweep timeout (--timeout) must be a positive number" in info.value.message
    assert "line" not in info.value.message


# -- --out --------------------------------------------------------------------------------------

OUT_COMMANDS = {
    "simulate": lambda f: ["simulate", str(f / "rc.cir")],
    "sweep": lambda f: ["sweep", str(f / "sweep.toml"), "--quiet"],
    "fit": lambda f: ["fit", "lif", "--no-plots"],
    "characterize": lambda f: ["characterize", "sweep_rc"],
}


@pytest.mark.parametrize("command", sorted(OUT_COMMANDS))
def test_out_onto_an_existing_file_is_a_clear_error(files, capsys, command):
    assert main(OUT_COMMANDS[command](files) + ["--out", str(files / "a_file")]) == 1
    err = capsys.readouterr().err
    assert "is an existing file, not a folder" in err and "what to do: Pass --out a folder" in err
    assert "Errno" not in err
    assert main(OUT_COMMANDS[command](files) + ["--out", str(files / "a_file" / "sub")]) == 1
    err = capsys.readouterr().err
    assert f"'{files / 'a_file'}' is a file, not a folder" in err and "Errno" not in err


@pytest.fixture
def read_only(monkeypatch, tmp_path):
    """Everything under tmp_path/ro behaves as on a read-only file system (as root, chmod cannot
    make a folder unwritable, so the file system calls are made to fail as the kernel would)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real_mkdir = Path.mkdir
    real_open = os.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def mkdir(self, *args, **kwargs):
        if ro in Path(self).parents and not Path(self).exists():
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if ro in Path(path).parents and flags & writing:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr("os.open", os_open)
    return ro


def test_output_dir_names_a_read_only_file_system(read_only):
    from circuitsnn.outdir import output_dir

    with pytest.raises(ValidationError, match="cannot create the output folder .*new.*: it is on a read-only file system"):
        output_dir(read_only / "new")
    with pytest.raises(ValidationError, match="cannot write into the output folder .*ro.*: it is on a read-only file system"):
        output_dir(read_only)


@pytest.mark.parametrize("command", ["simulate", "sweep", "fit"])
def test_out_on_a_read_only_file_system_is_a_clear_error(files, read_only, capsys, command):
    assert main(OUT_COMMANDS[command](files) + ["--out", str(read_only / "results")]) == 1
    err = capsys.readouterr().err
    assert "it is on a read-only file system" in err and "what to do: Pass --out a folder you can write to" in err
    assert "Errno" not in err


def test_output_dir_creates_and_accepts_a_writable_folder(tmp_path):
    from circuitsnn.outdir import output_dir

    assert output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()
    assert list((tmp_path / "a" / "b").iterdir()) == []  # the write test leaves nothing behind


# -- example paths ----------------------------------------------------------------------------

_EXAMPLE_RE = re.compile(r"examples/[A-Za-z0-9_./*-]*[A-Za-z0-9_*/]")


def _help_texts() -> str:
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - argparse has no public way
        texts += [sub.format_help() for sub in action.choices.values()]
    return "\n".join(texts)


def _mentions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    sources = {str(p.relative_to(REPO)): p.read_text() for p in PACKAGE.rglob("*.py")}
    sources["README.md"] = (REPO / "README.md").read_text()
    sources["circuitsnn --help"] = _help_texts()
    for where, text in sources.items():
        for m in _EXAMPLE_RE.finditer(text):
            found.setdefault(m.group(0).rstrip("."), set()).add(where)
    return found


def test_every_example_path_in_help_texts_and_docstrings_exists():
    mentions = _mentions()
    assert "examples/sweeps/lif_fi.toml" in mentions  # the scan sees the help texts and docstrings
    missing = {}
    for path, where in mentions.items():
        ok = any(REPO.glob(path)) if "*" in path else (REPO / path).exists()
        if not ok:
            missing[path] = sorted(where)
    assert not missing, f"example paths that do not exist: {missing}"


def test_the_sweep_package_docstring_example_plans():
    import circuitsnn.sweep as sweep

    block = textwrap.dedent(sweep.__doc__.split("\n\n")[1])  # the indented example
    code = block[: block.index("res = run_sweep")]
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - our own docstring
    plan = scope["spec"].plan()
    assert plan.size == 5 and "rate" in plan.measures
