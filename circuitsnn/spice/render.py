"""IR -> ngspice text. Deterministic: the same objects always render to the same bytes.

This is the last gate before text reaches ngspice: every name, node, number and expression is
checked again here (IR objects validate on construction, but a renderer must not trust that), and
numbers are only ever written by :func:`circuitsnn.units.format_value`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from ..errors import ValidationError
from ..units import format_value
from .ir import (
    Ac,
    Behavioral,
    Comment,
    Dc,
    DcSweep,
    Deck,
    Element,
    Expr,
    Lib,
    Model,
    Noise,
    Op,
    Pulse,
    Pwl,
    Sin,
    Subckt,
    Tf,
    Pz,
    Tran,
)
from .safety import (
    check_comment,
    check_expression,
    check_identifier,
    check_node,
    check_path,
    check_signal,
    check_text,
)

LINE_WIDTH = 100  # long lines are continued with '+', as designers expect to read them


def _value(v: object, what: str) -> str:
    if isinstance(v, Expr):
        return "{" + check_expression(v.text, what) + "}"
    return format_value(v, what)  # type: ignore[arg-type]


def _params(params: Mapping[str, object], what: str) -> list[str]:
    return [f"{check_identifier(k, what)}={_value(v, f'{what} {k}')}" for k, v in params.items()]


def _waveform(w: object, what: str) -> str:
    if isinstance(w, Dc):
        return f"DC {format_value(w.value, what)}"
    if isinstance(w, Pulse):
        args = (w.v1, w.v2, w.delay, w.rise, w.fall, w.width, w.period)
        return "PULSE(" + " ".join(format_value(a, what) for a in args) + ")"
    if isinstance(w, Sin):
        args = (w.offset, w.amplitude, w.freq, w.delay, w.damping)
        return "SIN(" + " ".join(format_value(a, what) for a in args) + ")"
    if isinstance(w, Pwl):
        return "PWL(" + " ".join(f"{format_value(t, what)} {format_value(v, what)}" for t, v in w.points) + ")"
    if isinstance(w, Behavioral):
        return f"{w.quantity}={check_expression(w.expr.text, what)}"
    return _value(w, what)


def _wrap(words: list[str]) -> list[str]:
    """Join words into lines no wider than LINE_WIDTH, continuing with '+ '."""
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > LINE_WIDTH:
            lines.append(current)
            current = "+ " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def render_element(e: Element) -> list[str]:
    what = f"element {e.name}"
    check_identifier(e.name, "element name")
    words = [e.name] + [check_node(n, f"node of {e.name}") for n in e.nodes]
    if e.model is not None:
        words.append(check_identifier(e.model, f"model of {e.name}"))
    if isinstance(e.value, (Pulse, Pwl, Sin, Dc)):
        words += _waveform(e.value, what).split(" ")  # long PWLs wrap onto '+' lines
    elif e.value is not None:
        words.append(_waveform(e.value, what))
    if e.ac is not None or e.ac_phase:
        words += ["AC", format_value(1.0 if e.ac is None else e.ac, f"{what} AC magnitude")]
        if e.ac_phase:
            words.append(format_value(e.ac_phase, f"{what} AC phase"))
    words += _params(e.params, what)
    out = [f"* {line}".rstrip() for line in check_comment(e.comment)] if e.comment else []
    return out + _wrap(words)


def render_comment(c: Comment) -> list[str]:
    return [f"* {line}".rstrip() for line in check_comment(c.text)]


def render_lines(lines: Iterable[Element | Comment]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if isinstance(line, Comment):
            out += render_comment(line)
        elif isinstance(line, Element):
            out += render_element(line)
        else:
            raise ValidationError(f"cannot render {type(line).__name__} as a netlist line.")
    return out


def render_model(m: Model) -> list[str]:
    check_identifier(m.name, "model name")
    params = _params(m.params, f"model {m.name}")
    head = f".model {m.name} {m.kind.upper()}"
    if not params:
        return [head]
    words = list(params)
    words[0] = f"{head}({words[0]}"
    words[-1] += ")"
    return _wrap(words)


def render_subckt(s: Subckt) -> list[str]:
    check_identifier(s.name, "subcircuit name")
    out = [f"* {line}".rstrip() for line in check_comment(s.doc)] if s.doc else []
    head = [".subckt", s.name] + [check_node(p, f"port of {s.name}") for p in s.ports]
    params = _params(s.params, f"subcircuit {s.name}")
    if params:
        head += ["params:"] + params
    out += _wrap(head)
    for m in s.models:
        out += render_model(m)
    out += render_lines(s.elements)
    out.append(f".ends {s.name}")
    return out


def render_analysis(a: object) -> str:
    if isinstance(a, Tran):
        words = [".tran", format_value(a.step), format_value(a.stop)]
        if a.start or a.max_step is not None:
            words.append(format_value(a.start))
        if a.max_step is not None:
            words.append(format_value(a.max_step))
        if a.uic:
            words.append("uic")
        return " ".join(words)
    if isinstance(a, DcSweep):
        words = [".dc", check_identifier(a.source, ".dc source")] + [format_value(x) for x in (a.start, a.stop, a.step)]
        if a.source2:
            words += [check_identifier(a.source2, ".dc source2")] + [format_value(x) for x in (a.start2, a.stop2, a.step2)]
        return " ".join(words)
    if isinstance(a, Op):
        return ".op"
    if isinstance(a, Ac):
        return f".ac {a.variation} {int(a.points)} {format_value(a.fstart)} {format_value(a.fstop)}"
    if isinstance(a, Noise):
        words = [".noise", check_signal(a.output, ".noise output"), check_identifier(a.source, ".noise source"),
                 a.variation, str(int(a.points)), format_value(a.fstart), format_value(a.fstop)]
        if a.summary is not None:
            words.append(str(int(a.summary)))
        return " ".join(words)
    if isinstance(a, Tf):
        return f".tf {check_signal(a.output, '.tf output')} {check_identifier(a.source, '.tf source')}"
    if isinstance(a, Pz):
        nodes = [check_node(getattr(a, n), f".pz {n}") for n in ("in_p", "in_n", "out_p", "out_n")]
        return " ".join([".pz", *nodes, a.transfer, a.find])
    raise ValidationError(f"unknown analysis {a!r}.", hint="Use Tran, DcSweep, Op, Ac, Noise, Tf or Pz.")


def render(deck: Deck, *, trusted_dirs: Iterable[Path] = ()) -> str:
    """Render a deck to ngspice text. ``trusted_dirs`` bounds ``deck.includes``."""
    out = [check_text(deck.title, "deck title")]
    if deck.doc:
        out += [f"* {line}".rstrip() for line in check_comment(deck.doc, "deck doc")]
    if deck.params:
        out += _wrap([".param"] + _params(deck.params, ".param"))
    if deck.options:
        words = [".options"]
        for key, value in deck.options.items():
            check_identifier(key, ".options name")
            if isinstance(value, bool):
                if value:
                    words.append(key)
            elif isinstance(value, str):
                words.append(f"{key}={check_identifier(value, f'.options {key}')}")
            elif isinstance(value, int):
                # integer options (seed, itl1) as plain digits: ngspice reads them with atoi, so
                # 1.2345g would be seed 1
                words.append(f"{key}={int(value)}")
            else:
                words.append(f"{key}={format_value(value, f'.options {key}')}")
        out += _wrap(words)
    if deck.temp is not None:
        out.append(f".temp {format_value(deck.temp, '.temp')}")
    trusted = list(trusted_dirs)
    if deck.includes and not trusted:
        from .load import default_trusted_dirs

        trusted = default_trusted_dirs()
    from .load import plain_link, quote_path

    for inc in deck.includes:
        if isinstance(inc, Lib):
            # ngspice 39 cuts a quoted .lib path at a space: such a library goes through a link
            lib = plain_link(check_path(inc.path, trusted, ".lib"))
            out.append(f".lib {quote_path(lib)} {check_identifier(inc.section, '.lib section')}")
        else:
            out.append(f".include {quote_path(check_path(inc, trusted, 'include'))}")
    for m in deck.models:
        out += render_model(m)
    for s in deck.subckts:
        out.append("")
        out += render_subckt(s)
    if deck.subckts:
        out.append("")
    out += render_lines(deck.elements)
    if deck.ics:
        out += _wrap([".ic"] + [f"v({check_node(n, '.ic node')})={format_value(v)}" for n, v in deck.ics.items()])
    if deck.saves:
        out += _wrap([".save"] + [check_signal(s, ".save signal") for s in deck.saves])
    for a in deck.analyses:
        out.append(render_analysis(a))
    for pr in deck.prints:
        out += _wrap([".print", pr.analysis] + [check_signal(s, ".print signal") for s in pr.signals])
    out.append(".end")
    return "\n".join(out) + "\n"
