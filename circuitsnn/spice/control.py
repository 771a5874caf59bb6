"""How the batch back-end runs a deck: circuitsnn's own ``.control`` block.

Every deck runs as ``ngspice -b -n deck.cir`` with a short, fixed ``.control`` block that
circuitsnn appends at the end of the file (after the safety checks, so it is never user text)::

    .control
    version -s                      the version, without a second ngspice process
    run                             the deck's analyses (see below)
    set filetype=binary ... write   every plot ngspice holds -> circuitsnn-plots.raw
    quit
    .endc

Why not ``ngspice -b -r out.raw``: with ``-r`` ngspice refuses every ``.meas`` ("No .measure
possible in batch mode (-b) with -r rawfile set!") and ``.option autostop`` then stops a
transient after its first point; and for decks with their own ``.control`` block the ``-r``
file holds only the deck's dot-analyses, re-run after the block, never what the block computed.

Decks with their own ``.control`` blocks (only with ``allow_control``):

* the block runs first, as in plain ``ngspice -b``; circuitsnn's block then writes **every plot
  the block produced** (``$plots``: ``ac1``, ``dc1``, ``tran1``, ... in the order they were made);
* a ``quit``/``exit`` line in the deck's own block gets the same ``write`` just before it, so
  a block that ends ngspice itself still returns its plots (a ``quit`` inside an *included*
  file cannot be seen; then the run says that circuitsnn could not collect the plots);
* when the block ran no analysis, circuitsnn runs the deck's dot-analyses (as ``ngspice -b -r``
  does) and says so in ``Result.notes``; when the deck has ``.print``/``.plot``/``.four`` lines,
  plain ngspice re-runs its dot-analyses after the block to print them: circuitsnn runs them
  once more too, so those plots are returned as well.
"""

from __future__ import annotations

import re

from .load import _ANALYSIS_RE, _END_RE, _logical_lines

PLOTS_RAW = "circuitsnn-plots.raw"
MARK_WRITTEN = "circuitsnn: plots written"
MARK_RAN_DOT = "circuitsnn: ran the dot-analyses of the deck after its .control block"

_CONTROL_START = re.compile(r"^\s*\.control\b", re.I)
_CONTROL_END = re.compile(r"^\s*\.endc\b", re.I)
_QUIT = re.compile(r"^\s*(quit|exit)\b", re.I)
_PRINTS = re.compile(r"^\s*\.(print|plot|four|fourier)\b", re.I)
_PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./+\-]+$")


def write_all(raw: str) -> list[str]:
    """ngspice commands that write every plot to ``raw`` (binary, appended plot by plot;
    ``plainwrite`` so that vector names such as ``v(a-b)`` are not parsed as expressions)."""
    return [
        "set filetype=binary",
        "set plainwrite",
        "unset nopadding",
        "unset appendwrite",
        "foreach csnn_plot $plots",
        "setplot $csnn_plot",
        f"write {raw}",
        "set appendwrite",
        "end",
        f"echo {MARK_WRITTEN}",
    ]


def has_control(text: str) -> bool:
    return any(_CONTROL_START.match(ln) for ln in _logical_lines(text))


def batch_text(text: str, raw: str = PLOTS_RAW, inputdir: str | None = None) -> str:
    """The deck with circuitsnn's block appended at the very end (ngspice runs ``.control``
    blocks in file order, also those after ``.end``; several decks put theirs there), and its
    ``write`` before any ``quit``/``exit`` of the deck's own blocks. ``raw`` must be a plain path
    (no spaces). ``inputdir``: the deck file's folder; ngspice would set ``$inputdir`` to it, but
    the deck runs from a run folder, so a deck's own ``.control`` block gets it set back first
    (``load $inputdir/DC.12.qj1.ascii`` in the cider examples)."""
    if not _PLAIN_PATH.match(raw):
        raise ValueError(f"the plots file {raw!r} must be a plain path")
    lines = _logical_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    out: list[str] = []
    in_control = False
    user_control = False
    dot_analyses = False
    prints = False
    after_end = False
    for i, line in enumerate(lines):
        if _CONTROL_START.match(line):
            if not user_control and inputdir and '"' not in inputdir:
                out += [".control", "* circuitsnn: the deck's folder, as ngspice sets it for the deck file",
                        f'set inputdir="{inputdir}"', ".endc"]
            in_control = user_control = True
        elif in_control and _CONTROL_END.match(line):
            in_control = False
        elif in_control and _QUIT.match(line):
            out += ["* circuitsnn: return every plot before the deck's own quit"] + write_all(raw)
        elif i > 0 and not in_control and not after_end:
            if _END_RE.match(line):
                after_end = True  # netlist lines after .end are ignored by ngspice; .control blocks are not
            else:
                dot_analyses = dot_analyses or bool(_ANALYSIS_RE.match(line))
                prints = prints or bool(_PRINTS.match(line))
        out.append(line)
    if not after_end:
        out.append(".end")
    block = [".control", "* circuitsnn: run the analyses, write every plot, quit", "version -s"]
    if not user_control:
        if dot_analyses:
            block.append("run")
    elif dot_analyses and prints:
        block += ["run", f"echo {MARK_RAN_DOT} (.print/.plot/.four lines)"]
    elif dot_analyses:
        block += ["if $#plots = 1", "run", f"echo {MARK_RAN_DOT}", "end"]
    block += write_all(raw) + ["quit", ".endc"]
    return "\n".join(out + block) + "\n"
