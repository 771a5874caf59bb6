"""Simulator settings a subcircuit needs, carried in the netlist itself, and the check that a deck
instantiating it honours them.

A component whose accuracy needs particular settings (Gear for a stiff reset; reltol 1e-7 and a
small max step for the transistor-level Axon-Hillock) declares them (``Component.sim_options`` and
``max_step``). Decks circuitsnn writes include them; a library file written for designers
carries them as a machine-readable comment right above the ``.subckt`` line::

    * circuitsnn-requires: method=gear reltol=1e-05 max_step=2e-06
    .subckt lif_3f2a1c0d in out vdd vss

:func:`check` reads a deck's text (and the files it includes), finds every such subcircuit the
deck instantiates, and returns one finding per setting that is looser than required: a
different ``method``, a larger ``reltol``, a ``.tran`` without a max step or with a larger one.
``circuitsnn simulate`` prints them as warnings. Nothing here knows about devices.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..units import format_value, read_number

MARKER = "circuitsnn-requires:"
_MARKER_RE = re.compile(r"^\*\s*circuitsnn-requires:\s*(.*)$", re.I)
_SUBCKT_RE = re.compile(r"^\s*\.subckt\s+(\S+)", re.I)
_X_RE = re.compile(r"^\s*x\S*\s+(.*)$", re.I)
_OPTIONS_RE = re.compile(r"^\s*\.options?\s+(.*)$", re.I)
_TRAN_RE = re.compile(r"^\s*\.tran\s+(.*)$", re.I)
_INCLUDE_RE = re.compile(r"^\s*\.(?:include|inc|lib)\s+(\"[^\"]+\"|\S+)", re.I)


class SimulatorSettingsWarning(UserWarning):
    """A deck instantiates a subcircuit with looser simulator settings than it needs."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Finding:
    subckt: str
    setting: str
    required: str
    actual: str

    def text(self) -> str:
        return (f"subcircuit {self.subckt!r} needs {self.setting} {self.required}, but the deck runs with "
                f"{self.setting} {self.actual}: its timing (spike times) may be off")


def marker_line(options: Mapping[str, object], max_step: float | None) -> str:
    """The comment line that carries the requirements (without the leading ``* ``)."""
    parts = [f"{k}={v}" for k, v in sorted(options.items())]
    if max_step:
        parts.append(f"max_step={max_step:.6g}")
    return f"{MARKER} {' '.join(parts)}"


def _lines(text: str, base: Path | None, depth: int = 0) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        out.append(line)
        m = _INCLUDE_RE.match(line)
        if m and depth < 5:
            target = Path(m.group(1).strip('"'))
            if not target.is_absolute() and base is not None:
                target = base / target
            try:
                out += _lines(target.read_text(errors="replace"), target.parent, depth + 1)
            except OSError:
                continue
    return out


def requirements(lines: list[str]) -> dict[str, dict[str, str]]:
    """Subcircuit name (lower case) -> required settings, from the marker comments."""
    found: dict[str, dict[str, str]] = {}
    pending: dict[str, str] | None = None
    for line in lines:
        m = _MARKER_RE.match(line.strip())
        if m:
            pending = dict(item.split("=", 1) for item in m.group(1).split() if "=" in item)
            continue
        s = _SUBCKT_RE.match(line)
        if s and pending is not None:
            found[s.group(1).lower()] = pending
            pending = None
        elif line.strip() and not line.lstrip().startswith("*"):
            pending = None
    return found


def _options(lines: list[str]) -> dict[str, str]:
    opts: dict[str, str] = {}
    for line in lines:
        m = _OPTIONS_RE.match(line)
        if m:
            for item in m.group(1).split():
                k, _, v = item.partition("=")
                opts[k.lower()] = v.lower()
    return opts


def _max_step(lines: list[str]) -> float | None:
    steps = []
    for line in lines:
        m = _TRAN_RE.match(line)
        if m:
            words = [w for w in m.group(1).split() if w.lower() != "uic"]
            if len(words) < 4:
                return None
            try:
                steps.append(read_number(words[3]).value)
            except Exception:  # an expression: cannot judge
                return None
    return max(steps) if steps else None


def check(text: str, base: Path | None = None) -> list[Finding]:
    """Findings for the deck ``text`` (its includes resolved against ``base``)."""
    lines = _lines(text, base)
    req = requirements(lines)
    if not req:
        return []
    used = set()
    for line in lines:
        m = _X_RE.match(line)
        if m:
            words = [w for w in m.group(1).split() if "=" not in w]
            if words:
                used.add(words[-1].lower())
    opts = _options(lines)
    has_tran = any(_TRAN_RE.match(line) for line in lines)
    step = _max_step(lines)
    findings: list[Finding] = []
    for name in sorted(used & set(req)):
        need = req[name]
        if "method" in need and opts.get("method", "trap") != need["method"].lower():
            findings.append(Finding(name, "method", need["method"], opts.get("method", "trap (default)")))
        if "reltol" in need:
            have = float(read_number(opts["reltol"]).value) if "reltol" in opts else 1e-3
            if have > float(need["reltol"]) * (1 + 1e-9):
                findings.append(Finding(name, "reltol", need["reltol"], f"{have:g}" + ("" if "reltol" in opts else " (default)")))
        if "max_step" in need and has_tran:
            want = float(need["max_step"])
            if step is None or step > want * (1 + 1e-9):
                findings.append(Finding(name, ".tran max step", f"<= {format_value(want)}s",
                                        "none (ngspice picks it)" if step is None else f"{format_value(step)}s"))
    return findings


def warn(text: str, base: Path | None = None, where: str = "the deck") -> list[Finding]:
    """:func:`check`, each finding issued as a :class:`SimulatorSettingsWarning`."""
    found = check(text, base)
    for f in found:
        warnings.warn(SimulatorSettingsWarning(
            f"{where}: {f.text()}.",
            hint=f"Add the setting to the deck (e.g. `.options {f.setting}={f.required}`), "
                 "or instantiate the component through circuitsnn, whose decks carry it."
            if f.setting != ".tran max step" else f"Give .tran a max step (4th value) {f.required}."), stacklevel=2)
    return found
