"""SPICE unit traps: 1M is milli, 1e-11F is femto, 100x is 100, 10kk is 10k. circuitsnn keeps
SPICE's reading, warns with the likely intent where it reads a value (sweep files, --param,
--tran, loaded decks), refuses letters SPICE would silently drop in values it is given, and
never writes a trap into a netlist itself."""

from __future__ import annotations

import math
import textwrap
import warnings
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import test_sweep_support  # noqa: F401  (registers the sweep_rc test component)
from circuitsnn.errors import ValidationError
from circuitsnn.units import (
    SpiceUnitWarning,
    deck_unit_traps,
    format_value,
    number_traps,
    parse_value,
    read_number,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "text, value, kinds",
    [
        ("1M", 1e-3, ["milli"]),
        ("1MHz", 1e-3, ["milli"]),
        ("1e-11F", 1e-26, ["femto"]),
        ("10F", 1e-14, ["femto"]),
        ("1A", 1e-18, ["atto"]),
        ("1e3k", 1e6, ["exponent"]),
        ("100x", 100.0, ["ignored"]),
        ("10kk", 1e4, ["ignored"]),
        ("1.5e", 1.5, ["ignored"]),
        # silent: a scale factor, then a unit
        ("10pF", 1e-11, []), ("1uA", 1e-6, []), ("10kohm", 1e4, []), ("1MEGohm", 1e6, []),
        ("5ms", 5e-3, []), ("1.8V", 1.8, []), ("3f", 3e-15, []), ("2mil", 50.8e-6, []), ("1m", 1e-3, []),
    ],
)
def test_traps_are_named_and_the_value_is_what_spice_reads(text, value, kinds):
    n = read_number(text)
    assert math.isclose(n.value, value, rel_tol=1e-12)
    assert [t.kind for t in n.traps] == kinds


def test_parse_value_warns_with_the_likely_intent_and_keeps_spice_semantics():
    with pytest.warns(SpiceUnitWarning) as rec:
        assert parse_value("1M", "--param r") == 1e-3
    w = rec[0].message
    assert "--param r" in w.message and "milli" in w.message and "1meg" in w.hint
    with pytest.warns(SpiceUnitWarning, match="F is the femto") as rec:
        assert parse_value("1e-11F") == pytest.approx(1e-26)
    assert "write 10p" in rec[0].message.hint


def test_letters_spice_would_drop_are_refused_naming_them():
    with pytest.raises(ValidationError) as info:
        parse_value("10kk", "--param r")
    assert "--param r" in info.value.message and "ignores 'k'" in info.value.message and "reads 10k" in info.value.message
    with pytest.raises(ValidationError, match="ignores 'x'"):
        parse_value("100x")
    with pytest.warns(SpiceUnitWarning, match="ignores 'x'"):
        assert parse_value("100x", ignored="warn") == 100.0


def test_plain_values_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text in ("4.7n", "10kohm", "1meg", "2.5e-3", "20u", "1.8V"):
            parse_value(text)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e20, max_value=1e20))
def test_format_value_never_writes_a_trap(x):
    assert read_number(format_value(x)).traps == ()


def test_expressions_circuitsnn_writes_refuse_traps():
    from circuitsnn.spice.ir import Expr

    Expr("v(x1.mem)*1m + 2e-3*v(n1,0) + 1meg")  # fine
    for bad, words in (("v(a)*1M", "milli"), ("1e-11F*v(a)", "femto"), ("v(a)*100x", "ignores 'x'")):
        with pytest.raises(ValidationError, match=words):
            Expr(bad)
    assert number_traps("v(1m, x1.2k) + a1*3") == []  # names are not numbers


def test_every_library_deck_and_committed_netlist_is_trap_free():
    from circuitsnn.library import registry
    from circuitsnn.spice.render import render

    checked = 0
    for name in registry.names():
        comp = registry.get(name)
        for tb_name in comp.testbenches:
            deck = comp.testbench(tb_name, comp.default_params()).deck
            assert deck_unit_traps(render(deck)) == [], (name, tb_name)
            checked += 1
    for path in sorted((REPO / "netlists").glob("*")):
        if path.suffix in (".cir", ".lib", ".sp"):
            assert deck_unit_traps(path.read_text()) == [], path.name
            checked += 1
    assert checked > 20


def test_a_loaded_deck_warns_per_trap_with_its_line(tmp_path):
    from circuitsnn.spice import load_deck

    deck = tmp_path / "rc.cir"
    deck.write_text(textwrap.dedent("""\
        rc filter 1M title is not read
        * R1 in out 1M in a comment is not read
        V1 in 0 PULSE(0 1 0 1n 1n 1m 2m)
        R1 in out 1M
        C1 out 0 1e-11F ; the farad was meant
        X1 1a 2b sub x0=10kk
        .tran 1u 5m
        .end
        """))
    with pytest.warns(SpiceUnitWarning) as rec:
        text = load_deck(deck).text
    got = [str(w.message) for w in rec]
    assert len(got) == 3
    assert "rc.cir, line 4: '1M' is 1m" in got[0] and "1meg" in got[0]
    assert "line 5: '1e-11F' is 1e-26" in got[1]
    assert "line 6: SPICE ignores 'k' in '10kk'" in got[2]
    assert "R1 in out 1M" in text  # the deck itself is left as written


def test_sweep_file_values_warn_with_the_toml_line_or_are_refused():
    from circuitsnn.sweep import SweepSpec

    head = '[sweep]\ncomponent = "sweep_rc"\ntestbench = "pulses"\n'
    spec = SweepSpec.from_toml_text(head + textwrap.dedent("""\
        [params]
        vdd = "1"
        [grid]
        c = ["1e-9F", "2n"]
        """), source=Path("rc.toml"))
    with pytest.warns(SpiceUnitWarning) as rec:
        plan = spec.plan()
    assert plan.axes[0].values[0] == pytest.approx(1e-24)  # SPICE's reading is kept
    assert "rc.toml, line 7: [grid] c: '1e-9F' is 1e-24" in str(rec[0].message)
    bad = SweepSpec.from_toml_text(head + '[grid]\nr = ["1k", "10kk"]\n', source=Path("rc.toml"))
    with pytest.raises(ValidationError, match=r"rc.toml, line 5: \[grid\] r: SPICE ignores 'k' in '10kk'"):
        bad.plan()


def test_param_assignments_warn_and_refuse():
    from circuitsnn.characterize import parse_assignments

    cls = test_sweep_support.SweepRCParams
    with pytest.warns(SpiceUnitWarning, match="--param r: '1M' is 1m"):
        assert parse_assignments(["r=1M"], cls) == {"r": 1e-3}
    with pytest.raises(ValidationError, match="--param r: SPICE ignores 'k'"):
        parse_assignments(["r=10kk"], cls)


@pytest.mark.ngspice
def test_the_cli_prints_unit_warnings_as_paragraphs(tmp_path, capsys):
    from circuitsnn.cli.main import main

    deck = tmp_path / "rc.cir"
    deck.write_text("rc\nV1 in 0 1\nR1 in out 1k\nC1 out 0 1e-9F\n.tran 1u 1m\n.end\n")
    assert main(["simulate", str(deck), "--out", str(tmp_path / "out"), "--tran", "1u", "2M"]) == 0
    err = capsys.readouterr().err
    assert "warning: --tran: '2M' is 2m in SPICE" in err and "what to do: For mega write 2meg" in err
    assert f"warning: {deck}, line 4: '1e-9F' is 1e-24" in err and "what to do: Farads need no unit: write 1n." in err
    assert main(["simulate", str(deck), "--out", str(tmp_path / "out"), "--tran", "1u", "2mx"]) == 1
    assert "error: --tran: SPICE ignores 'x' in '2mx'" in capsys.readouterr().err
