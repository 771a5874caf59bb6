"""Load designers' own decks (``.cir``/``.sp``) under a safety policy.

ngspice runs ``shell`` commands from ``.control`` blocks in every mode, also from ``.include``d
files (see shared notes), so by default:

* ``.control``/``.endc``/``.exec`` blocks and ``shell`` are refused, in the deck and in every file
  it includes, unless ``allow_control=True`` (CLI: ``--allow-control``);
* ``.include``/``.lib`` paths must resolve inside trusted directories: the deck's own folder,
  the project's ``models/`` folder, and folders the user names (``--trust DIR``). Relative
  includes are rewritten to absolute paths, because decks run in a fresh working directory.
* ``.lib FILE SECTION`` is followed as ngspice follows it: the whole library file is read (and
  scanned, and its ``.include``s followed), then only the section ``.lib SECTION`` ... ``.endl``
  is used, and the ``.lib`` references inside that section are followed in turn, relative to the
  library's folder. A one-word ``.lib NAME`` defines a section; it is not a file. A section that
  does not exist is an error that lists the ones that do.
* Paths may hold spaces and any Unicode (written in double quotes; ngspice 39 cannot read a
  quoted ``.lib`` path with a space, so such a library is reached through a plain symbolic link,
  see :func:`plain_link`); quotes, ``;`` and control characters are refused.
* Data files of code models (``file=``, ``input_file=``, ``state_file=``) in the deck are
  resolved like includes (made absolute, bounded by the trusted folders). In included files they
  are checked but not rewritten (ngspice reads those files itself). ``process_file=`` (XSPICE
  ``d_process``) starts a program: it needs ``allow_control``.
* A deck that is not UTF-8 (an 8-bit code page) is read as Latin-1 and written back byte for
  byte.

A PySpice ``Circuit`` is accepted too: its text goes through the same checks.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from ..errors import UnsafeDeckError, ValidationError
from ..units import read_number, warn_deck_unit_traps
from .safety import check_path

_CONTROL_RE = re.compile(r"^\s*\.(control|endc|exec)\b", re.I)
_SHELL_RE = re.compile(r"(^|[\s;])shell(\s|$)", re.I)
_SUSPECT_RE = re.compile(r"^\s*\.(control|endc|exec)\b|shell", re.I | re.M)
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
    encoding: str = "utf-8"  # how the deck file was written ("latin-1" for 8-bit code pages)

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
    if allow_control or not _SUSPECT_RE.search(text):
        return  # fast path: no '.control'/'.endc'/'.exec' line and no word 'shell' anywhere
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


def _tokens(rest: str) -> list[str]:
    """The words after ``.include``/``.lib``: quoted ('...' or "...", spaces allowed) or bare;
    a ``;`` or ``$`` word starts a comment."""
    out: list[str] = []
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i].isspace():
            i += 1
        if i >= n or rest[i] in ";$":
            break
        if rest[i] in "'\"":
            j = rest.find(rest[i], i + 1)
            j = n if j < 0 else j
            out.append(rest[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not rest[j].isspace() and rest[j] not in "'\"":
                j += 1
            out.append(rest[i:j])
            i = j
    return out


def quote_path(path: Path | str) -> str:
    """A path as netlist text: bare when plain, else in double quotes (spaces, Unicode)."""
    text = str(path)
    return text if _PLAIN_PATH_RE.match(text) else f'"{text}"'


def plain_link(path: Path) -> Path:
    """A path without spaces or non-ASCII characters that leads to ``path``.

    ngspice 39 reads ``.include "a b/c.lib"`` but cuts ``.lib "a b/c.lib" tt`` at the space
    ("Could not find library file a"). Such a library is given to ngspice as a symbolic link
    ``<temp>/circuitsnn-links/<hash>-<name>`` to the checked file; ngspice resolves the link
    (``realpath``), so the library's own relative references still start from its real folder.
    """
    if _PLAIN_PATH_RE.match(str(path)):
        return path
    import hashlib
    import tempfile

    folder = Path(tempfile.gettempdir()) / "circuitsnn-links"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", path.name)
    link = folder / f"{hashlib.sha1(str(path).encode()).hexdigest()[:16]}-{safe}"
    if not (link.is_symlink() and Path(os.readlink(link)) == path):
        tmp = folder / f".{link.name}.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(path)
        os.replace(tmp, link)
    return link


_PLAIN_PATH_RE = re.compile(r"^[A-Za-z0-9_./+\-]+$")
_DIRECTIVE_RE = re.compile(r"^(\s*\.(include|inc|lib))(?=[\s'\"]|$)(.*)$", re.I)
_LIB_SECTION_RE = re.compile(r"^\s*\.lib(?=[\s'\"])", re.I)
_ENDL_RE = re.compile(r"^\s*\.endl\b", re.I)
#: XSPICE/code-model parameters that name a data file, resolved like includes. ``process_file``
#: (d_process) names a program that ngspice starts: it needs allow_control.
_DATA_FILE_RE = re.compile(r"(?<![\w])(file|input_file|state_file|process_file)(\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s)'\"]+)", re.I)


@dataclass
class _Walk:
    trusted: list[Path]
    allow_control: bool
    seen: set = field(default_factory=set)
    libraries: dict = field(default_factory=dict)  # path -> (lines, {section: (start, end)}, names)


def _target(raw: str, base: Path, walk: _Walk, where: str, lineno: int, head: str) -> Path:
    target = Path(raw)
    if not target.is_absolute():
        target = base / target
    resolved = check_path(target, walk.trusted, f"{where}, line {lineno}: {head}")
    if not resolved.is_file():
        raise ValidationError(
            f"{where}, line {lineno}: included file {raw!r} does not exist ({resolved}).",
            hint="Check the path; relative paths are resolved from the including file's folder.",
        )
    return resolved


def _read(path: Path, walk: _Walk) -> str:
    text = path.read_text(errors="replace")
    scan_text(text, str(path), allow_control=walk.allow_control)
    return text


def _check_file(path: Path, walk: _Walk, depth: int) -> None:
    """An ``.include``d file: scanned whole, its includes and library references followed."""
    if depth > MAX_INCLUDE_DEPTH:
        raise ValidationError(f"{path}: includes nest deeper than {MAX_INCLUDE_DEPTH} levels (a loop?).")
    key = (path, None)
    if key in walk.seen:
        return
    walk.seen.add(key)
    text = _read(path, walk)
    _walk_lines(_logical_lines(text), path.parent, walk, depth, str(path), rewrite=False, library=False)


def _check_library(path: Path, section: str, walk: _Walk, depth: int, where: str) -> None:
    """``.lib FILE SECTION``, as ngspice reads it: the whole file is read (its ``.include``s
    too), then the section ``.lib SECTION`` ... ``.endl`` is inserted, and the ``.lib`` references
    inside that section are expanded in turn (relative to the library's folder)."""
    if depth > MAX_INCLUDE_DEPTH:
        raise ValidationError(f"{where}: libraries nest deeper than {MAX_INCLUDE_DEPTH} levels (a loop?).")
    key = (path, section.lower())
    if key in walk.seen:
        return
    walk.seen.add(key)
    if path not in walk.libraries:
        lines = _logical_lines(_read(path, walk))
        sections: dict[str, tuple[int, int | None]] = {}
        names: list[str] = []
        current = None
        for i, line in enumerate(lines):
            if _LIB_SECTION_RE.match(line):
                words = _tokens(line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else "")
                if len(words) == 1:
                    names.append(words[0])
                    current = words[0].lower()
                    sections.setdefault(current, (i, None))
            elif current is not None and _ENDL_RE.match(line):
                start, end = sections[current]
                if end is None and start < i:
                    sections[current] = (start, i)
                current = None
        walk.libraries[path] = (lines, sections, names)
        # The whole file is read by ngspice: its includes are followed everywhere (once) ...
        _walk_lines(lines, path.parent, walk, depth, str(path), rewrite=False, library=True, only_includes=True)
    lines, sections, names = walk.libraries[path]
    if section.lower() not in sections:
        raise ValidationError(
            f"{where}: library {path} has no section {section!r}.",
            hint=f"Sections in it: {', '.join(names) or 'none'} (a section is '.lib NAME' ... '.endl').",
        )
    start, end = sections[section.lower()]
    if end is None:
        raise ValidationError(f"{path}: section {section!r} (line {start + 1}) has no '.endl'.")
    # ... and library references only inside the chosen section.
    _walk_lines(lines[start + 1:end], path.parent, walk, depth, str(path), rewrite=False, library=True, only_libs=True,
                first_lineno=start + 2)


def _walk_lines(
    lines: list[str], base: Path, walk: _Walk, depth: int, where: str, *, rewrite: bool,
    library: bool, only_includes: bool = False, only_libs: bool = False, first_lineno: int = 1,
) -> list[str]:
    out = []
    in_control = False
    for lineno, line in enumerate(lines, start=first_lineno):
        stripped = line.lstrip()
        if not stripped.startswith("."):  # fast path: elements, comments, continuations
            if not in_control and not only_libs and "file" in line.lower():
                line = _data_files(line, base, walk, where, lineno, rewrite)
            out.append(line)
            continue
        low = stripped[:8].lower()
        if low.startswith(".control"):
            in_control = True
        elif low.startswith(".endc"):
            in_control = False
        m = _DIRECTIVE_RE.match(line) if not in_control else None
        if m is None:
            out.append(_data_files(line, base, walk, where, lineno, rewrite) if not in_control and not only_libs else line)
            continue
        head, kind, rest = m.group(1), m.group(2).lower(), m.group(3)
        words = _tokens(rest)
        if not words:
            out.append(line)
            continue
        if kind in ("include", "inc"):
            if only_libs:
                out.append(line)
                continue
            target = _target(words[0], base, walk, where, lineno, head.strip())
            _check_file(target, walk, depth + 1)
            out.append(f"{head} {quote_path(target)}")
            continue
        if len(words) >= 2:  # .lib FILE SECTION: a library reference
            if only_includes:
                out.append(line)
                continue
            target = _target(words[0], base, walk, where, lineno, head.strip())
            _check_library(target, words[1], walk, depth + 1, f"{where}, line {lineno}")
            out.append(f"{head} {quote_path(plain_link(target))} {words[1]}")
            continue
        # '.lib NAME' alone defines a section (ngspice reads no file for it). Should NAME be a file
        # after all (LTspice's '.lib FILE'), it is checked as an include would be, and kept as is.
        if not only_libs and not only_includes:
            candidate = Path(words[0]) if Path(words[0]).is_absolute() else base / words[0]
            if candidate.is_file() or not library and ("/" in words[0] or "\\" in words[0]):
                target = _target(words[0], base, walk, where, lineno, head.strip())
                _check_file(target, walk, depth + 1)
        out.append(line)
    return out


def _data_files(line: str, base: Path, walk: _Walk, where: str, lineno: int, rewrite: bool) -> str:
    """``file="sine.m"``, ``input_file=``, ``state_file=``: made absolute (ngspice runs in a
    fresh folder) and bounded by the trusted folders, like includes."""
    if "file" not in line.lower() or line.lstrip().startswith("*"):
        return line

    def fix(m: re.Match) -> str:
        key, eq, value = m.groups()
        raw = value[1:-1] if value[:1] in "'\"" else value
        if key.lower() == "process_file" and not walk.allow_control:
            raise UnsafeDeckError(
                f"{where}, line {lineno}: process_file={value} starts a program (XSPICE d_process).",
                hint="Pass --allow-control (allow_control=True) if you trust this deck.",
            )
        if not raw:
            return m.group(0)
        target = Path(raw) if Path(raw).is_absolute() else base / raw
        if not target.is_file():
            return m.group(0)  # no such file here (a parameter, or one the deck writes): left to ngspice
        resolved = check_path(target, walk.trusted, f"{where}, line {lineno}: {key}=")
        return f'{key}{eq}"{resolved}"' if rewrite else m.group(0)

    return _DATA_FILE_RE.sub(fix, line)


def _resolve_includes(
    text: str, base: Path, trusted: list[Path], allow_control: bool, depth: int, where: str
) -> str:
    walk = _Walk(trusted, allow_control)
    return "\n".join(_walk_lines(_logical_lines(text), base, walk, depth, where, rewrite=True, library=False))


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
    blob = p.read_bytes()
    if b"\x00" in blob[:65536] or blob.startswith((b"Title:", b"\x89HDF")):
        raise ValidationError(
            f"deck {str(p)!r} is not a text netlist; is it a binary or raw file?",
            hint="Pass the netlist (.cir/.sp), not the simulation output.",
        )
    try:
        text, encoding = blob.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # An 8-bit code page (ngspice reads bytes): kept byte for byte, written back the same way.
        text, encoding = blob.decode("latin-1"), "latin-1"
    if not text.strip():
        raise ValidationError(f"deck {str(p)!r} is empty.", hint="A deck needs a title line, elements and an analysis.")
    deck = load_text(text, base_dir=p.resolve().parent, trusted_dirs=trusted_dirs, allow_control=allow_control, where=str(p))
    return replace(deck, source=p.resolve(), encoding=encoding)


def from_pyspice(circuit, *, trusted_dirs: Iterable[Path | str] = (), allow_control: bool = False) -> TextDeck:
    """Accept a PySpice ``Circuit`` (its netlist text goes through the same policy)."""
    return load_text(str(circuit), trusted_dirs=trusted_dirs, allow_control=allow_control, where=f"PySpice circuit {getattr(circuit, 'title', '')!r}")
