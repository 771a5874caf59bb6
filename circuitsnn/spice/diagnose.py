"""Turn ngspice's output into typed errors with a message that says what to do.

Shared by every back-end: libngspice returns 0 on most failures, so the text is the evidence;
batch mode has exit codes but the same text tells *which* failure it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConvergenceError, NetlistError, SimulationError

# (pattern, hint) — the first match wins; patterns are matched case-insensitively per line.
_DATA_FILE = (
    r"message: cannot open file|cannot open (?:input|state|data) file|unable to open .*file|error opening",
    "A code model (filesource, d_source, d_state, table...) could not open its data file: check "
    "file=/input_file=/state_file=; relative paths are resolved from the deck's folder, and the "
    "file must lie in a trusted folder (--trust DIR).",
)
_NETLIST = [
    (r"unknown subckt", "Check the subcircuit name, and that its .subckt or .include is in the deck."),
    (r"could not find include file|can't find (include|lib)|cannot open", "Check the .include/.lib path; relative paths are resolved from the deck's folder."),
    (r"unable to find definition of model|could not find a valid modelname|model .* not found|no model", "Define the .model (or .include its library) before using it."),
    (r"unknown device type|unknown device|unrecognized", "Check the element's first letter and its node count."),
    (r"syntax error|error on line|parse error|bad syntax|undefined parameter|unknown parameter|is not a valid", "Fix the line ngspice names; see the ngspice manual for the element's syntax."),
    (r"no such (vector|device|source)|not in the circuit|not found", "Check the names used by the analysis (e.g. the .dc source)."),
    (r"there aren't any circuits loaded|no circuit loaded", "The deck did not load; see the errors above."),
]
# Always fatal, even when the exit status (or libngspice's return code) says 0.
_CONVERGENCE_ALWAYS = [r"timestep too small", r"run simulation\(s\) aborted", r"transient op failed"]
# Fatal only when the run failed: gmin/source stepping can fail and the op still be found.
_CONVERGENCE_IF_FAILED = [r"source stepping failed", r"iteration limit reached", r"singular matrix", r"op failed"]
_TIME_RE = re.compile(r"time\s*=\s*([-+0-9.eE]+)")
_ERROR_LINE_RE = re.compile(r"^\s*(error|fatal|doanalyses|.*timestep too small|.*aborted)", re.I)


@dataclass
class Diagnosis:
    error: type[SimulationError]
    message: str
    hint: str
    time_reached: float | None = None


def error_lines(text: str, limit: int = 4) -> list[str]:
    """The lines of ngspice output that state an error."""
    out = [line.strip() for line in text.splitlines() if _ERROR_LINE_RE.match(line)]
    return out[:limit]


def _netlist_context(text: str, matched: str) -> str:
    """The matched line plus what ngspice said around it: the offending netlist line, the
    'can't find model' warning."""
    lines = [ln.strip() for ln in text.splitlines()]
    picked: list[str] = []
    for i, ln in enumerate(lines):
        low = ln.lower()
        if low.startswith("error on line") and i + 1 < len(lines):
            picked.append(f"{ln} {lines[i + 1]}")
        elif "can't find" in low or "unknown" in low or low.startswith("error"):
            picked.append(ln)
    if matched.strip() not in " ".join(picked):
        picked.insert(0, matched.strip())
    seen: list[str] = []
    for ln in picked:
        if ln not in seen and "there aren't any circuits" not in ln:
            seen.append(ln)
    return "; ".join(seen[:3]) + "."


def diagnose(stdout: str, stderr: str, *, failed: bool) -> Diagnosis | None:
    """Classify the output. ``failed`` says whether the run already looks failed (exit code)."""
    text = f"{stderr}\n{stdout}"
    low = text.lower()
    for line in text.splitlines():
        if re.search(_DATA_FILE[0], line, re.I):
            return Diagnosis(NetlistError, "a code model could not open its data file: " + line.strip() + ".", _DATA_FILE[1])
    for pat, hint in _NETLIST:
        for line in text.splitlines():
            if re.search(pat, line, re.I) and (failed or "error" in line.lower()):
                return Diagnosis(NetlistError, "ngspice could not read the deck: " + _netlist_context(text, line), hint)
    patterns = _CONVERGENCE_ALWAYS + (_CONVERGENCE_IF_FAILED if failed else [])
    if any(re.search(p, low) for p in patterns):
        i = low.find("timestep too small")
        m = _TIME_RE.search(low[i:]) if i >= 0 else None
        t = float(m.group(1)) if m else None
        where = f" at t = {t:g} s" if t is not None else ""
        lines = error_lines(text)
        return Diagnosis(
            ConvergenceError,
            f"ngspice did not converge{where}: {lines[0] if lines else 'the solver gave up'}.",
            "Try a smaller max step (Tran(max_step=...)), .options method=gear, a series "
            "resistance on ideal sources/diodes, or smoother (slower) source edges.",
            t,
        )
    if failed:
        lines = error_lines(text)
        return Diagnosis(
            SimulationError,
            "ngspice failed: " + ("; ".join(lines) if lines else "no error message (exit status non-zero)") + ".",
            "Read the ngspice output attached to this error; run the kept deck with `ngspice -b deck.cir`.",
        )
    return None


# -- .meas results and failures: never fatal ------------------------------------------------

_MEAS_DECL_RE = re.compile(r"^\s*\.meas(?:ure)?\s+\w+\s+([A-Za-z_][\w.]*)", re.I | re.M)
_MEAS_FAIL_RE = re.compile(r"^\s*(?:\.?meas(?:ure)?\b.*\bfailed!?|measure\s+'[^']*'\s+failed)\s*$", re.I)
_MEAS_ERROR_RE = re.compile(r"^\s*error:\s*measure\s+(\S+)\s*(.*)$", re.I)
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def measure_names(deck_text: str) -> list[str]:
    """The result names of the deck's ``.meas`` lines, lower-cased, in order."""
    return [m.group(1).lower() for m in _MEAS_DECL_RE.finditer(deck_text)]


def is_meas_failure(line: str) -> bool:
    return bool(_MEAS_FAIL_RE.match(line) or _MEAS_ERROR_RE.match(line))


def measurements(text: str, names: list[str]) -> dict[str, float]:
    """``name = value`` lines ngspice printed for the deck's ``.meas`` names (the last wins)."""
    if not names:
        return {}
    wanted = set(names)
    found: dict[str, float] = {}
    line_re = re.compile(rf"^\s*([A-Za-z_][\w.]*)\s*=\s*({_NUMBER})", re.M)
    for m in line_re.finditer(text):
        name = m.group(1).lower()
        if name in wanted:
            found[name] = float(m.group(2))
    return {n: found[n] for n in names if n in found}


def measure_failures(text: str) -> list[str]:
    """One sentence per failed ``.meas``: the line ngspice names and its reason."""
    reasons: dict[str, str] = {}
    failed: list[str] = []
    for line in text.splitlines():
        m = _MEAS_ERROR_RE.match(line)
        if m:
            reason = m.group(2).strip(" :")
            if reason:
                reasons.setdefault(m.group(1).lower(), reason)
        elif _MEAS_FAIL_RE.match(line):
            failed.append(line.strip().removesuffix("!").removesuffix(" failed").strip())
    notes = []
    for f in dict.fromkeys(failed):
        words = f.split()
        name = words[2].lower() if len(words) > 2 and words[0].lower().lstrip(".").startswith("meas") else ""
        why = f" ({reasons[name]})" if name in reasons else ""
        notes.append(f"'{f}' failed{why}; the other results are kept.")
    return notes


def without_meas_failures(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not is_meas_failure(ln))
