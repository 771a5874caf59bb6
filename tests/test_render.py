import re
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from circuitsnn.errors import ValidationError
from circuitsnn.spice import (
    B, C, D, Comment, Dc, DcSweep, Deck, Element, Expr, M, Model, Op, Pulse, Pwl, R, Sin, Subckt,
    Tran, V, X, render,
)
from circuitsnn.spice.ir import I, S

from golden import assert_golden


def kitchen_sink() -> Deck:
    sub = Subckt(
        "lif_cell",
        ("inp", "out", "vdd"),
        (
            Comment("membrane"),
            C("cm", "inp", "0", 1e-12),
            R("rl", "inp", "0", Expr("rleak*2")),
            B("bth", "out", "0", v=Expr.fmt("{vdd}*(v(inp) > {vth} ? 1 : 0)", vdd=1.8, vth=0.5)),
            M("m1", "out", "inp", "0", "0", "nch", w=1e-6, l=180e-9),
        ),
        params={"rleak": 1e6},
        models=(Model("nch", "nmos", {"level": 1, "vto": 0.45, "kp": 120e-6}),),
        doc="Pinout: inp out vdd\ndv/dt = -v/(R C) + I/C",
    )
    return Deck(
        "kitchen sink: every IR feature",
        elements=(
            V("vdd", "vdd", "0", 1.8),
            V("vin", "in", "0", Pulse(0, 1, 1e-6, 1e-9, 1e-9, 5e-6, 10e-6)),
            V("vpwl", "p", "0", Pwl(((0, 0), (1e-6, 1.0), (2e-6, 0.5)))),
            V("vsin", "s", "0", Sin(0, 0.1, 1e3)),
            I("iin", "0", "in", Dc(1e-6)),
            X("x1", ("in", "out", "vdd"), "lif_cell", rleak=2e6),
            D("d1", "out", "0", "dmod"),
            S("s1", "out", "0", "in", "0", "swmod"),
            Element("e1", ("e", "0", "in", "0"), 2.0, comment="gain of two"),
        ),
        subckts=(sub,),
        models=(Model("dmod", "D", {"is": 1e-14, "n": 1.05}), Model("swmod", "SW", {"vt": 0.5, "ron": 1, "roff": 1e9})),
        params={"gain": 2.0},
        options={"method": "gear", "reltol": 1e-4, "noacct": True},
        temp=27.0,
        ics={"out": 0.0},
        saves=("v(out)", "v(x1.inp)", "i(vin)"),
        analyses=(Op(), DcSweep("vdd", 0, 1.8, 0.1), Tran(1e-8, 20e-6, max_step=1e-8)),
        doc="Generated for the renderer's golden test.",
    )


def test_golden_kitchen_sink():
    assert_golden(render(kitchen_sink()), "spice/kitchen_sink.cir")


def test_render_is_deterministic():
    assert render(kitchen_sink()) == render(kitchen_sink())


def test_long_lines_are_continued():
    pts = tuple((i * 1e-6, float(i % 2)) for i in range(60))
    text = render(Deck("pwl", elements=(V("v1", "a", "0", Pwl(pts)),), analyses=(Tran(1e-6, 60e-6),)))
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert any(line.startswith("+ ") for line in lines)


@pytest.mark.parametrize(
    "make",
    [
        lambda: R("r1; shell rm -rf /", "a", "b", 1.0),
        lambda: R("r1", "a\n.control", "b", 1.0),
        lambda: R("r1", "a", "b$", 1.0),
        lambda: R("1r", "a", "b", 1.0),
        lambda: R("r1", "a", "b", float("nan")),
        lambda: R("r1", "a", "b", "1k"),
        lambda: Expr("v(a)\n.control"),
        lambda: Expr("v(a) ; shell"),
        lambda: Expr("x + .control"),
        lambda: Expr("{1}"),
        lambda: Deck("title\n.control"),
        lambda: Deck("my $ deck"),
        lambda: Deck(".include /etc/passwd"),
        lambda: Model("m1", "d", {"is; shell": 1.0}),
        lambda: Model("m1", "nosuchkind"),
        lambda: X("x1", ("a",), "sub", **{"p": "1; shell"}),
        lambda: Deck("t", saves=("v(out) ; shell",)),
        lambda: Deck("t", options={"method": "gear\nshell"}),
        lambda: Subckt("control", ("a",), ()),
        lambda: Tran(1e-6, 0.0),
        lambda: Pulse(0, 1, width=-1.0),
    ],
)
def test_injection_and_bad_values_rejected(make):
    with pytest.raises(ValidationError):
        make()


def test_error_message_names_the_thing():
    with pytest.raises(ValidationError, match=r"node of r1 'a b' is not a valid node name"):
        R("r1", "a b", "0", 1.0)


def test_duplicate_element_names_rejected():
    with pytest.raises(ValidationError, match="duplicate"):
        Deck("t", elements=(R("r1", "a", "0", 1.0), R("R1", "b", "0", 1.0)))


# -- fuzzing: nothing reaches the deck unescaped -------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["a\n.control", "x;shell ls", "$x", ".endc", "a\rb", "v(a)\n.end", "1k", "\x00", "b\x1b", ".include x"]
)
SAFE_LINE = re.compile(r"^[A-Za-z0-9_.+\-*/(),<>=!&|?: ^%{}\[\]@#']*$")


def _body_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines()[1:] if ln and not ln.startswith("*")]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=ANY_TEXT, node=ANY_TEXT, model=ANY_TEXT, expr=ANY_TEXT, title=ANY_TEXT, comment=ANY_TEXT)
def test_fuzzed_inputs_are_rejected_or_rendered_inert(name, node, model, expr, title, comment):
    try:
        deck = Deck(
            title,
            elements=(
                Comment(comment),
                Element(name, (node, "0"), 1e3),
                D("d1", node, "0", model),
                B("b1", "0", node, i=Expr(expr)),
            ),
            models=(Model(model, "D", {"is": 1e-14}),),
            analyses=(Op(),),
        )
        text = render(deck)
    except ValidationError:
        return
    body = _body_lines(text)
    # Exactly the lines we asked for: model, three elements, .op, .end — nothing injected.
    assert len(body) == 6, text
    assert [ln.split()[0].lower() for ln in body] == [".model", name.lower(), "d1", "b1", ".op", ".end"]
    for ln in body:
        assert SAFE_LINE.match(ln), ln
        assert ";" not in ln and "$" not in ln
    assert not re.search(r"(?im)^\s*\.(control|endc|exec|include|lib)\b", text)
    assert "\r" not in text and "\x00" not in text
    # A comment may contain anything printable, but only behind '*'.
    for ln in text.splitlines()[1:]:
        assert ln == "" or ln.startswith("*") or ln in body


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**20, 10**20))
def test_fuzzed_numbers_render_as_plain_numbers(value):
    try:
        text = render(Deck("n", elements=(R("r1", "a", "0", value),), analyses=(Op(),)))
    except ValidationError:
        return
    line = text.splitlines()[1]
    assert re.fullmatch(r"r1 a 0 -?[0-9.]+(e-?[0-9]+)?(f|p|n|u|m|k|meg|g|t)?", line), line


def test_print_lines_render_after_analyses():
    from circuitsnn.spice import Print

    deck = Deck("p", elements=(R("r1", "a", "0", 1.0),), analyses=(Tran(1e-6, 1e-3),), prints=(Print("tran", ("v(a)",)),))
    assert render(deck).splitlines()[-2:] == [".print tran v(a)", ".end"]
    with pytest.raises(ValidationError):
        Print("tran", ("v(a); shell",))
