"""Load designers' own decks (``.cir``/``.sp``) under a safety policy.

ngspice runs ``shell`` commands from ``.control`` blocks in every mode, also from ``.include``d
files (see shared notes), so by default:

* ``.control``/``.endc``/``.exec`` blocks and ``shell`` are refused, in the deck and in every file
  it includes, unless ``allow_control=True`` (CLI: ``--allow-control``);
* ``.include``/``.lib`` paths must resolve inside trusted directories: the deck's own folder,
  the project's ``models/`` folder, and folders the user names (``--trust DIR``). Relative
  includes are rewritten to absolute paths, because decks run in a fresh working directory.

A PySpice ``Circuit`` is accepted too: its text goes through the same checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from ..errors import UnsafeDeckError, ValidationError
from ..units import read_number, warn_deck_unit_traps
from .safety import check_path

_CONTROL_RE = re.compile(r"^\s*\.(control|endc|exec)\b", re.I)
_SHELL_RE = re.compile(r"(^|[\s;])shell(\s|$)", re.I)
_INCLUDE_RE = re.compile(r"^(\s*\.(?:include|inc|lib))\s+(\S+)(.*)$", re.I)
_ANALYSIS_RE = re.compile(r"^\s*\.(tran|dc|op|ac|noise|tf|disto|pz|sens|four|pss|sp)\b", re.I)
_END_RE = re.compile(r"^\s*\.end\s*$", re.I)
_TRAN_RE = re.compile(r"^\s*\.tran\s+(\S+)\s+(\S+)", re.I)

DECK_SUFFIXES = (".cir", ".sp", ".spi", ".spice", ".net", ".ckt")
MAX_INCLUDE_DEPTH = 10


def project_models_dir() -> Path:
    """The repository's ``models/`` folder (SPICE model cards under ``models/spice``)."""
    return Path(__file__).resolve().parents[2] / "models"


#: folders trusted for the whole process (``--trust DIR``, ``--lib FILE``; see :func:`trust`)
_SESSION_TRUSTED: list[Path] = []


def trust(*dirs: str | Path) -> None:
    """Trust ``dirs`` for includes in every deck this process renders or loads (what the CLI's
    ``--trust DIR`` and ``--lib FILE`` do). Folders must exist."""
    for d in dirs:
        p = Path(d).expanduser().resolve()
        if not p.is_dir():
            raise ValidationError(f"trusted folder {str(d)!r} does not exist or is not a folder.",
                                  hint="Name an existing folder that holds your model files.")
        if p not in _SESSION_TRUSTED:
            _SESSION_TRUSTED.append(p)


def default_trusted_dirs() -> list[Path]:
    return [project_models_dir(), *_SESSION_TRUSTED]


@dataclass(frozen=True)
class TextDeck:
    """A deck as text that passed the safety policy. ``text`` is what ngspice will read."""

    text: str
    source: Path | None = None
    allow_control: bool = False
    trusted_dirs: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    @property
    def tran_stop(self) -> float | None:
        for line in self.text.splitlines():
            m = _TRAN_RE.match(line)
            if m:
                try:
                    return read_number(m.group(2)).value  # as ngspice reads it; load warned of traps
                except ValidationError:
                    return None
        return None

    def with_analyses(self, *analysis_lines: str) -> "TextDeck":
        """Replace the deck's analyses (``.tran``, ``.dc``, ``.op``, ...) with the given lines."""
        lines = _logical_lines(self.text)
        end = next((i for i, ln in enumerate(lines) if _END_RE.match(ln)), len(lines))
        kept = [ln for ln in lines[:end] if not _ANALYSIS_RE.match(ln)]
        lines = kept + list(analysis_lines) + [".end"]
        return replace(self, text="\n".join(lines) + "\n")


def _logical_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def scan_text(text: str, where: str, *, allow_control: bool, has_title: bool = False) -> None:
    """Refuse ``.control``/``.exec`` blocks and ``shell`` unless explicitly allowed.

    ``has_title``: the first line is a deck title, which ngspice never executes."""
    if allow_control:
        return
    for lineno, line in enumerate(_logical_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("*"):
            continue
        if _CONTROL_RE.match(line):
            raise UnsafeDeckError(
                f"{where}, line {lineno}: '{stripped[:60]}' starts a .control/.exec block, which can "
                "run shell commands.",
                hint="Remove the block (circuitsnn runs the analyses itself), or pass "
                "--allow-control (allow_control=True) if you trust this deck.",
            )
        code = stripped.split(";", 1)[0].split("$ ", 1)[0]
        if _SHELL_RE.search(code) and not (has_title and lineno == 1):
            raise UnsafeDeckError(
                f"{where}, line {lineno}: 'shell' would run a command on this machine.",
                hint="Remove it, or pass --allow-control (allow_control=True) if you trust this deck.",
            )


def _resolve_includes(
    text: str, base: Path, trusted: list[Path], allow_control: bool, depth: int, where: str
) -> str:
    if depth > MAX_INCLUDE_DEPTH:
        raise ValidationError(f"{where}: includes nest deeper than {MAX_INCLUDE_DEPTH} levels (a loop?).")
    out = []
    for lineno, line in enumerate(_logical_lines(text), start=1):
        m = _INCLUDE_RE.match(line)
        if not m:
            out.append(line)
            continue
        head, raw, rest = m.groups()
        target_text = raw.strip("\"'")
        target = Path(target_text)
        if not target.is_absolute():
            target = base / target
        resolved = check_path(target, trusted, f"{where}, line {lineno}: {head.strip()}")
        if not resolved.is_file():
            raise ValidationError(
                f"{where}, line {lineno}: included file {target_text!r} does not exist ({resolved}).",
                hint="Check the path; relative paths are resolved from the including file's folder.",
            )
        inner = resolved.read_text(errors="replace")
        scan_text(inner, str(resolved), allow_control=allow_control)
        _resolve_includes(inner, resolved.parent, trusted, allow_control, depth + 1, str(resolved))
        out.append(f"{head} {resolved}{rest}")
    return "\n".join(out)


def load_text(
    text: str,
    *,
    base_dir: Path | str | None = None,
    trusted_dirs: Iterable[Path | str] = (),
    allow_control: bool = False,
    where: str = "deck",
) -> TextDeck:
    """Check deck text (and what it includes) against the policy; return a :class:`TextDeck`."""
    if "\x00" in text:
        raise ValidationError(f"{where} contains NUL bytes; it is not a text netlist.")
    base = Path(base_dir).resolve() if base_dir else Path.cwd().resolve()
    trusted = [base] + [Path(d).resolve() for d in trusted_dirs] + default_trusted_dirs()
    scan_text(text, where, allow_control=allow_control, has_title=True)
    warn_deck_unit_traps(text, where)  # 1M (milli), 1e-11F (femto), 100x: ngspice's reading, said aloud
    text = _resolve_includes(text, base, trusted, allow_control, 0, where)
    if not any(_END_RE.match(ln) for ln in _logical_lines(text)):
        text = text.rstrip("\n") + "\n.end"
    return TextDeck(text.rstrip("\n") + "\n", None, allow_control, tuple(trusted))


def load_deck(
    path: Path | str,
    *,
    trusted_dirs: Iterable[Path | str] = (),
    allow_control: bool = False,
) -> TextDeck:
    """Read a netlist file under the safety policy."""
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"deck {str(p)!r} does not exist.", hint="Check the path.")
    if p.is_dir():
        raise ValidationError(f"{str(p)!r} is a folder, not a deck.", hint="Pass a .cir or .sp file.")
    try:
        text = p.read_text()
    except UnicodeDecodeError:
        raise ValidationError(
            f"deck {str(p)!r} is not UTF-8 text; is it a binary or raw file?",
            hint="Pass the netlist (.cir/.sp), not the simulation output.",
        ) from None
    if not text.strip():
        raise ValidationError(f"deck {str(p)!r} is empty.", hint="A deck needs a title line, elements and an analysis.")
    deck = load_text(text, base_dir=p.resolve().parent, trusted_dirs=trusted_dirs, allow_control=allow_control, where=str(p))
    return replace(deck, source=p.resolve())


def from_pyspice(circuit, *, trusted_dirs: Iterable[Path | str] = (), allow_control: bool = False) -> TextDeck:
    """Accept a PySpice ``Circuit`` (its netlist text goes through the same policy)."""
    return load_text(str(circuit), trusted_dirs=trusted_dirs, allow_control=allow_control, where=f"PySpice circuit {getattr(circuit, 'title', '')!r}")
