"""The load policy: .control/.exec/shell refused (also in included files) unless opted in;
includes only from trusted folders; relative includes made absolute."""

from pathlib import Path

import pytest

from circuitsnn.errors import UnsafeDeckError, ValidationError
from circuitsnn.spice import load_deck, load_text
from circuitsnn.spice.ir import Tran
from circuitsnn.spice.simulator import prepare

RC = "rc\nV1 in 0 1\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 1m\n.end\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "body",
    [
        ".control\nrun\n.endc",
        "  .CONTROL\nshell touch x\n.endc",
        ".exec\nshell ls\n.endc",
        ".endc",
        "shell touch pwned",
        "R1 a 0 1k ; harmless\n  Shell echo hi",
    ],
)
def test_control_and_shell_refused(tmp_path, body):
    deck = write(tmp_path / "d.cir", "title\n" + body + "\nR9 a 0 1\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="--allow-control"):
        load_deck(deck)


def test_control_allowed_with_explicit_opt_in(tmp_path):
    deck = write(tmp_path / "d.cir", "title\nR1 a 0 1k\n.control\nop\n.endc\n.end\n")
    assert ".control" in load_deck(deck, allow_control=True).text


def test_title_line_may_say_shell(tmp_path):
    deck = write(tmp_path / "d.cir", "shell model of a snail\nR1 a 0 1k\n.op\n.end\n")
    assert load_deck(deck).title == "shell model of a snail"


def test_control_inside_included_file_refused(tmp_path):
    write(tmp_path / "lib" / "evil.lib", ".model d1 D\n.control\nshell touch pwned\n.endc\n")
    deck = write(tmp_path / "d.cir", "t\n.include lib/evil.lib\nR1 a 0 1\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="evil.lib, line 2"):
        load_deck(deck)


def test_nested_include_checked(tmp_path):
    write(tmp_path / "a.lib", ".include b.lib\n")
    write(tmp_path / "b.lib", "shell rm -rf /\n")
    deck = write(tmp_path / "d.cir", "t\n.inc a.lib\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="b.lib"):
        load_deck(deck)


def test_include_outside_trusted_dirs_refused(tmp_path):
    outside = write(tmp_path / "elsewhere" / "m.lib", ".model d1 D\n")
    deck = write(tmp_path / "proj" / "d.cir", f"t\n.include {outside}\n.op\n.end\n")
    with pytest.raises(UnsafeDeckError, match="outside the trusted directories"):
        load_deck(deck)
    with pytest.raises(UnsafeDeckError):
        load_deck(write(tmp_path / "proj" / "e.cir", "t\n.lib ../elsewhere/m.lib\n.op\n.end\n"))
    # Named folders become trusted, and relative includes are rewritten to absolute paths.
    text = load_deck(deck, trusted_dirs=[tmp_path / "elsewhere"]).text
    assert f".include {outside.resolve()}" in text


def test_include_relative_to_deck_made_absolute(tmp_path):
    lib = write(tmp_path / "models" / "d.lib", ".model dm D(is=1e-14)\n")
    deck = write(tmp_path / "d.cir", "t\n.include models/d.lib\n.op\n.end\n")
    assert f".include {lib.resolve()}" in load_deck(deck).text


def test_missing_include_named(tmp_path):
    deck = write(tmp_path / "d.cir", "t\n.include nothere.lib\n.op\n.end\n")
    with pytest.raises(ValidationError, match="nothere.lib.*does not exist"):
        load_deck(deck)


def test_bad_files(tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        load_deck(tmp_path / "nope.cir")
    with pytest.raises(ValidationError, match="empty"):
        load_deck(write(tmp_path / "e.cir", "\n"))
    with pytest.raises(ValidationError, match="folder"):
        load_deck(tmp_path)
    binary = tmp_path / "b.cir"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ValidationError):
        load_deck(binary)


def test_analysis_override(tmp_path):
    deck = load_deck(write(tmp_path / "rc.cir", RC))
    prepared = prepare(deck, [Tran(step=1e-6, stop=5e-3)])
    assert ".tran 1u 5m" in prepared.text and ".tran 1u 1m" not in prepared.text
    assert prepared.tran_stop == pytest.approx(5e-3)
    assert prepared.text.rstrip().endswith(".end")


def test_deck_without_analysis_rejected(tmp_path):
    with pytest.raises(ValidationError, match="no analysis"):
        prepare(write(tmp_path / "d.cir", "t\nR1 a 0 1\n.end\n"))


def test_pyspice_circuit_accepted():
    from PySpice.Spice.Netlist import Circuit

    c = Circuit("pyspice rc")
    c.V(1, "in", c.gnd, 1)
    c.R(1, "in", "out", 1e3)
    c.C(1, "out", c.gnd, 1e-6)
    prepared = prepare(c, [Tran(step=1e-6, stop=1e-3)])
    assert "pyspice rc" in prepared.text and ".tran" in prepared.text


def test_load_text_refuses_shell():
    with pytest.raises(UnsafeDeckError):
        load_text("t\nR1 a 0 1\nshell id\n.end\n")
