"""Validation of everything that becomes deck text: names, nodes, expressions, titles, paths.

The rule: only validated identifiers and numbers formatted by :mod:`circuitsnn.units` reach a
deck. A newline, ``;``, ``$``, a control character or a dot-command hidden in a name, value,
expression or title is rejected with a clear error, never rendered. Each check names the thing
(``what``) so the message tells the user where the bad text came from.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UnsafeDeckError, ValidationError
from ..units import check_rendered_numbers

_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Hierarchical signal names for .save / probes: v(x1.mem), i(v1), v(a,b), @m1[id]
_SIGNAL_RE = re.compile(r"^(?:[vi]\([A-Za-z0-9_.#]+(?:,[A-Za-z0-9_.#]+)?\)|@[A-Za-z0-9_.]+\[[A-Za-z0-9_]+\]|all)$", re.I)
# Expressions: arithmetic, comparisons, ternaries, function calls, v()/i() probes. No quotes,
# braces, semicolons, dollars or anything that could end a line or start a comment.
_EXPR_CHARS_RE = re.compile(r"^[A-Za-z0-9_.+\-*/(),<>=!&|?: ^%]*$")
_HIDDEN_DOT_COMMAND_RE = re.compile(r"(^|[^0-9A-Za-z_])\.[A-Za-z]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Paths: any printable text (spaces, any Unicode) except quotes and ';', because the path is
# written inside double quotes and ngspice strips ';' comments before it reads the quotes.
_PATH_BAD_RE = re.compile(r"[\x00-\x1f\x7f\"';]")

# Words with meaning to ngspice that may not be used as user-chosen names.
RESERVED = frozenset(
    {"end", "ends", "subckt", "model", "control", "endc", "param", "params", "include", "lib",
     "shell", "exec", "quit", "exit", "time", "temper", "hertz", "gnd"}
)


def _show(text: object) -> str:
    return repr(text) if len(repr(text)) < 80 else repr(text)[:77] + "...'"


def check_identifier(name: object, what: str) -> str:
    """A SPICE name (element, model, subcircuit, parameter): letter or _, then letters/digits/_."""
    if not isinstance(name, str) or not _IDENT_RE.match(name):
        raise ValidationError(
            f"{what} {_show(name)} is not a valid SPICE name.",
            hint="Use letters, digits and '_' only, starting with a letter (e.g. 'syn_1').",
        )
    if name.lower() in RESERVED:
        raise ValidationError(
            f"{what} {_show(name)} is a word reserved by ngspice.",
            hint="Choose another name (e.g. add a suffix: 'time_1').",
        )
    return name


def check_node(node: object, what: str) -> str:
    """A node name: letters, digits, '_' (``0`` is ground)."""
    if isinstance(node, int) and not isinstance(node, bool) and node >= 0:
        node = str(node)
    if not isinstance(node, str) or not _NODE_RE.match(node):
        raise ValidationError(
            f"{what} {_show(node)} is not a valid node name.",
            hint="Use letters, digits and '_' only (0 is ground), e.g. 'mem' or 'n12'.",
        )
    return node


def check_signal(signal: object, what: str = "signal") -> str:
    """A probe such as ``v(out)``, ``v(x1.mem)``, ``i(vin)`` or ``@m1[id]``."""
    if not isinstance(signal, str) or not _SIGNAL_RE.match(signal):
        raise ValidationError(
            f"{what} {_show(signal)} is not a signal ngspice can save.",
            hint="Write it as v(node), v(x1.node), v(a,b), i(vsource) or @device[param].",
        )
    return signal


def check_expression(text: object, what: str = "expression") -> str:
    """A behavioural expression: arithmetic only, on one line, no comments or dot-commands."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{what} must be a non-empty string, got {_show(text)}.")
    if not _EXPR_CHARS_RE.match(text):
        bad = sorted({c for c in text if not _EXPR_CHARS_RE.match(c)})
        raise ValidationError(
            f"{what} {_show(text)} contains characters not allowed in a netlist expression: "
            f"{''.join(bad)!r}.",
            hint="Expressions may use numbers, names, v()/i(), + - * / ^ % ( ) , < > = ! & | ? : only.",
        )
    if _HIDDEN_DOT_COMMAND_RE.search(text):
        raise ValidationError(
            f"{what} {_show(text)} contains something that reads as a dot-command.",
            hint="Write numbers with a leading digit (0.5, not .5).",
        )
    if text.count("(") != text.count(")"):
        raise ValidationError(f"{what} {_show(text)} has unbalanced parentheses.")
    check_rendered_numbers(text, what)  # no 1M (milli), 1e-11F (femto) or 100x in what circuitsnn writes
    return text


def check_text(text: object, what: str) -> str:
    """Free text on one line (a title): printable, no ';', '$', no leading dot."""
    if not isinstance(text, str):
        raise ValidationError(f"{what} must be a string, got {type(text).__name__}.")
    if _CONTROL_RE.search(text):
        raise ValidationError(
            f"{what} {_show(text)} contains a newline or control character.",
            hint="Keep it on one line with printable characters.",
        )
    if ";" in text or "$" in text:
        raise ValidationError(
            f"{what} {_show(text)} contains ';' or '$', which start comments in ngspice.",
            hint="Remove those characters.",
        )
    if text.lstrip().startswith(".") or _HIDDEN_DOT_COMMAND_RE.search(text):
        raise ValidationError(
            f"{what} {_show(text)} contains something that reads as a dot-command.",
            hint="Remove the leading '.' (write 'v0.5' as 'v0p5').",
        )
    return text


def check_comment(text: object, what: str = "comment") -> list[str]:
    """Comment text may span lines; each line is rendered behind '* '. Control chars are refused."""
    if not isinstance(text, str):
        raise ValidationError(f"{what} must be a string, got {type(text).__name__}.")
    lines = text.split("\n")
    for line in lines:
        if _CONTROL_RE.search(line):
            raise ValidationError(f"{what} contains a control character: {_show(line)}.")
    return lines


def check_path(path: Path | str, trusted_dirs: list[Path], what: str = "include") -> Path:
    """An include path: must resolve inside one of ``trusted_dirs``. Spaces and any Unicode are
    fine (the path is then written in double quotes); quotes, ';' and control characters are not."""
    p = Path(path)
    if _PATH_BAD_RE.search(str(p)):
        raise UnsafeDeckError(
            f"{what} path {_show(str(p))} contains a quote, ';' or a control character, which "
            "cannot be written in a netlist.",
            hint="Rename the file or folder without quotes, ';' or control characters.",
        )
    resolved = p.resolve()
    for d in trusted_dirs:
        try:
            resolved.relative_to(Path(d).resolve())
            return resolved
        except ValueError:
            continue
    raise UnsafeDeckError(
        f"{what} {str(p)!r} is outside the trusted directories "
        f"({', '.join(str(d) for d in trusted_dirs) or 'none'}).",
        hint="Move the file next to the deck or into a folder you trust, and pass that folder "
        "with --trust DIR (trusted_dirs=[...] in Python).",
    )
