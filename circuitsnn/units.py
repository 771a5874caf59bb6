"""SPICE number formatting and parsing.

Values are base SI everywhere in circuitsnn (seconds, farads, ohms, amperes). This module is the
one place where they are turned into SPICE text and back. Formatting is deterministic: the
float, rounded to 15 significant digits (so 1.9999999999999998e-05 reads 20u), is shifted onto
an engineering suffix; ``4.7e-9`` renders as ``4.7n`` and the same float gives the same bytes.

SPICE unit traps. SPICE reads ``1M`` as 1 milli (M is milli in either case; mega is ``meg``),
``1e-11F`` as 1e-26 (F is femto, not farad), ``1A`` as 1 atto in recent ngspice (ngspice 39
ignores the ``a``), and ignores letters after a number or scale factor (``100x`` is 100,
``10kk`` is 10k). circuitsnn keeps SPICE's reading, and:

* values circuitsnn is given as text (sweep files, ``--param``, ``--tran``): a
  :class:`SpiceUnitWarning` for the scale traps (with the likely intent: "did you mean 1meg?"),
  an error for letters that are neither a scale factor nor a unit (:func:`parse_value`);
* decks circuitsnn loads: a :class:`SpiceUnitWarning` per trap, with the line
  (:func:`circuitsnn.spice.load.load_deck`); the deck itself is left as written;
* text circuitsnn writes: :func:`format_value` never produces a trap, and expressions with one
  are refused (:func:`check_rendered_numbers`).

Units after a scale factor are fine and silent (``10pF``, ``1uA``, ``10kohm``, ``5ms``).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal

from .errors import ValidationError

# ngspice suffixes (case-insensitive in SPICE; "meg" must be spelled out, "m" is milli).
_SUFFIXES = {
    -15: "f",
    -12: "p",
    -9: "n",
    -6: "u",
    -3: "m",
    0: "",
    3: "k",
    6: "meg",
    9: "g",
    12: "t",
}
_PARSE_SCALE = {
    "t": 1e12,
    "g": 1e9,
    "meg": 1e6,
    "k": 1e3,
    "mil": 25.4e-6,
    "m": 1e-3,
    "u": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "f": 1e-15,
    "a": 1e-18,
}
_NUMBER_RE = re.compile(
    r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(meg|mil|[tgkmunpfa])?([a-z]*)\s*$",
    re.IGNORECASE,
)


def check_number(value: object, what: str = "value") -> float:
    """Return ``value`` as a finite float or raise :class:`ValidationError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(
            f"{what} must be a number, got {type(value).__name__} {value!r}.",
            hint="Pass a plain int or float in base SI units (e.g. 1e-9 for 1 nF).",
        )
    x = float(value)
    if not math.isfinite(x):
        raise ValidationError(f"{what} must be finite, got {x!r}.", hint="Use a finite number.")
    return x


def check_timeout(value: object, what: str = "timeout") -> float:
    """A time limit in seconds: a positive, finite number, or :class:`ValidationError` naming
    ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ValidationError(
            f"{what} must be a positive number of seconds, got {value!r}.",
            hint="e.g. 60 (one minute); ngspice is killed when it runs longer.",
        )
    return float(value)


def format_value(value: float, what: str = "value") -> str:
    """Render a number as SPICE text with an engineering suffix, deterministically (15 significant digits).

    >>> format_value(4.7e-9), format_value(1e6), format_value(0.5), format_value(-2.2e3)
    ('4.7n', '1meg', '500m', '-2.2k')
    """
    x = check_number(value, what)
    if x == 0:
        return "0"
    if isinstance(value, int) and abs(value) < 10**15:
        # Integers (bit codes, counts) stay integers: easier to read, still exact.
        if abs(value) < 1000:
            return str(value)
    # 15 significant digits: exact to 5e-15 relative (far below any SPICE tolerance) and free of
    # float noise such as 19.999999999999998u for 20u, which designers read in the netlists.
    d = Decimal(f"{x:.15g}")
    exp3 = 3 * math.floor(math.log10(abs(x)) / 3)
    # log10 can land one step off for values just below a power of ten; fix it exactly.
    mant = d.scaleb(-exp3)
    if abs(mant) >= 1000:
        exp3 += 3
        mant = d.scaleb(-exp3)
    elif abs(mant) < 1:
        exp3 -= 3
        mant = d.scaleb(-exp3)
    if exp3 not in _SUFFIXES:
        return repr(x).replace("+", "")
    text = format(mant.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + _SUFFIXES[exp3]


class SpiceUnitWarning(UserWarning):
    """A SPICE number that SPICE reads differently from what it most likely means: ``1M`` is
    milli, ``1e-11F`` is femto, letters after the number are ignored. The value is kept as SPICE
    reads it; the warning says what SPICE read and what to write instead (``hint``)."""

    def __init__(self, message: str, *, hint: str = "", text: str = "", where: str = "") -> None:
        self.message = message
        self.hint = hint
        self.text = text
        self.where = where
        super().__init__(f"{message} {hint}".strip())


@dataclass(frozen=True)
class UnitTrap:
    """One way a SPICE number may not mean what it says. ``kind``: ``"milli"`` (M is milli),
    ``"femto"`` (F is femto), ``"atto"`` (a/A: atto in recent ngspice, ignored by 39),
    ``"exponent"`` (an exponent and a scale factor), ``"ignored"`` (letters SPICE ignores that
    are not a unit)."""

    kind: str
    message: str
    hint: str


@dataclass(frozen=True)
class SpiceNumber:
    """A SPICE number as SPICE reads it: ``value``, and the parts of ``text``: the number
    (``mantissa``, with its exponent), the ``scale`` factor as written and the trailing
    ``letters`` SPICE ignores."""

    text: str
    value: float
    mantissa: str
    scale: str
    letters: str
    traps: tuple[UnitTrap, ...] = ()


#: unit names that may follow a number or a scale factor (SPICE ignores them); case-insensitive
UNIT_WORDS = frozenset(
    "v volt volts a amp amps ampere amperes f farad farads h henry henries ohm ohms s sec secs "
    "second seconds hz w watt watts j c coulomb deg degc m meter meters mho siemens".split()
)
_SCALE_LETTERS = "T G meg k m u n p f, and mil"


def read_number(text: str) -> SpiceNumber:
    """Read SPICE number text as ngspice does, and note every unit trap in it.

    >>> read_number("10pF").value, read_number("1M").traps[0].kind
    (1e-11, 'milli')
    """
    if not isinstance(text, str):
        raise ValidationError(f"{text!r} is not SPICE number text.", hint="Pass a string such as '4.7n', or a number.")
    m = _NUMBER_RE.match(text)
    if not m:
        raise ValidationError(
            f"{text!r} is not a SPICE number.",
            hint="Write a number with an optional suffix: 4.7n, 10k, 1meg, 2.5e-3.",
        )
    number, scale, letters = m.group(1), m.group(2) or "", m.group(3) or ""
    if not scale:
        value = float(number)
    elif scale.lower() == "mil":
        value = float(number) * _PARSE_SCALE["mil"]
    else:
        # Decimal shift, so "20u" is exactly 2e-05 (20 * 1e-6 would be 1.9999999999999998e-05).
        exp = round(math.log10(_PARSE_SCALE[scale.lower()]))
        value = float(Decimal(number).scaleb(exp))
    spelled = text.strip()
    return SpiceNumber(spelled, value, number, scale, letters, _traps(spelled, number, scale, letters, value))


def _traps(text: str, number: str, scale: str, letters: str, value: float) -> tuple[UnitTrap, ...]:
    has_exp = "e" in number.lower()
    unit_letters = not letters or letters.lower() in UNIT_WORDS or (scale + letters).lower() in UNIT_WORDS
    if unit_letters and scale not in ("M", "F") and scale.lower() != "a" and not (scale and has_exp):
        return ()  # the common case: no trap, no message to build
    traps: list[UnitTrap] = []
    read = format_value(value)
    plain = format_value(float(number))
    if scale == "M":
        traps.append(UnitTrap(
            "milli",
            f"{text!r} is {read} in SPICE: M means milli (1e-3) in either case.",
            f"For mega write {number}meg{letters}; for milli write {number}m{letters} to say so.",
        ))
    elif scale == "F":
        traps.append(UnitTrap(
            "femto",
            f"{text!r} is {read} in SPICE: F is the femto scale factor (1e-15), not farad.",
            f"Farads need no unit: write {plain}." + ("" if has_exp else f" For femto write {number}f{letters}."),
        ))
    elif scale.lower() == "a":
        traps.append(UnitTrap(
            "atto",
            f"{text!r}: 'a' is atto (1e-18) for circuitsnn and recent ngspice, but ngspice 39 ignores it and reads {plain}.",
            f"Write {read} for atto, or {plain} without the letter.",
        ))
    elif scale and has_exp:
        traps.append(UnitTrap(
            "exponent",
            f"{text!r} has an exponent and a scale factor: SPICE applies both and reads {read}.",
            f"Write one of them: {read}.",
        ))
    if not unit_letters:
        traps.append(UnitTrap(
            "ignored",
            f"SPICE ignores {letters!r} in {text!r} and reads {read}.",
            f"Remove the letters, or use a scale factor ({_SCALE_LETTERS}) or a unit (V, A, F, ohm, s, Hz).",
        ))
    return tuple(traps)


def parse_value(text: str, what: str = "", *, ignored: str = "error") -> float:
    """Parse SPICE number text (``'4.7n'``, ``'1meg'``, ``'10kohm'``, ``'1e-3'``) to a float,
    as ngspice reads it.

    Unit traps (see :func:`read_number`) keep SPICE's reading and emit a
    :class:`SpiceUnitWarning` saying what was read and what to write (``1M`` is milli,
    ``1e-11F`` is femto). Letters that are neither a scale factor nor a unit (``100x``,
    ``10kk``), which SPICE silently ignores, raise :class:`ValidationError` by default
    (``ignored="error"``: a value circuitsnn is given should not carry a typo into a netlist);
    ``ignored="warn"`` only warns. ``what`` names the value in the messages (``"--param r"``).
    """
    if ignored not in ("error", "warn"):
        raise ValueError(f"ignored must be 'error' or 'warn', got {ignored!r}")
    n = read_number(text)
    where = f"{what}: " if what else ""
    for trap in n.traps:
        if trap.kind == "ignored" and ignored == "error":
            raise ValidationError(f"{where}{trap.message}", hint=trap.hint)
        warn_unit_trap(trap, n.text, what)
    return n.value


def warn_unit_trap(trap: UnitTrap, text: str, where: str = "", stacklevel: int = 3) -> None:
    """Emit ``trap`` as a :class:`SpiceUnitWarning` (``where``: the file/line or value name)."""
    prefix = f"{where}: " if where else ""
    warnings.warn(SpiceUnitWarning(prefix + trap.message, hint=trap.hint, text=text, where=where), stacklevel=stacklevel)


# A number token inside netlist text or an expression: not part of a name (x1, v(n2)), digits
# first, then the letters glued to it.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_.$#@])([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z]*)(?![A-Za-z0-9_.])")


def number_traps(text: str) -> list[tuple[str, UnitTrap]]:
    """Every unit trap of the number tokens in netlist or expression ``text``: (token, trap)."""
    found = []
    for m in _TOKEN_RE.finditer(text):
        token = m.group(1)
        if token[-1].isdigit() or token[-1] == ".":
            continue  # a plain number
        try:
            n = read_number(token)
        except ValidationError:
            continue
        found += [(token, t) for t in n.traps]
    return found


# Netlist lines: which fields hold values (the rest are names and nodes, which may start with a
# digit and must not be read as numbers).
_CALL_RE = re.compile(r"\b[vi]\s*\([^()]*\)", re.IGNORECASE)  # v(node), i(vsrc): names, not numbers
_FIELD_SPLIT_RE = re.compile(r"[\s(),]+")
#: element letter -> number of leading name/node fields before its value fields
_VALUE_AFTER = {"R": 3, "C": 3, "L": 3, "V": 3, "I": 3, "E": 5, "G": 5, "F": 4, "H": 4, "K": 3}
_SKIP_DOT = (".include", ".inc", ".lib", ".end", ".ends", ".save", ".print", ".plot", ".probe",
             ".meas", ".measure", ".four", ".title", ".global", ".endl", ".width")


def _logical(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each logical line: '+' continuations joined, comments cut."""
    out: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.split(";", 1)[0]
        line = re.split(r"\s\$\s|\s\$$", line, maxsplit=1)[0]
        stripped = line.strip()
        if not stripped or stripped.startswith("*"):
            continue
        if stripped.startswith("+") and out:
            out[-1] = (out[-1][0], out[-1][1] + " " + stripped[1:])
        else:
            out.append((lineno, stripped))
    return out


def _value_fields(line: str) -> list[str]:
    """The fields of one netlist line that hold numbers or expressions."""
    head = line.split(None, 1)[0].lower()
    if head.startswith("."):
        if head in _SKIP_DOT:
            return []
        if head in (".subckt", ".macro"):
            _, _, params = line.lower().partition("params:")
            return [f.split("=", 1)[1] for f in params.split() if "=" in f]
        return [f for f in _FIELD_SPLIT_RE.split(_CALL_RE.sub(" ", line))[1:] if f]
    fields = [f for f in _FIELD_SPLIT_RE.split(_CALL_RE.sub(" ", line.replace("=", " = "))) if f]
    values = [fields[i + 1] for i, f in enumerate(fields[:-1]) if f == "="]  # key=value anywhere
    skip = _VALUE_AFTER.get(head[0].upper())
    if skip is not None:
        positional = []
        for i, f in enumerate(fields[skip:], skip):
            if f == "=" or (i + 1 < len(fields) and fields[i + 1] == "="):
                break  # the key=value part
            positional.append(f)
        values = positional + values
    return values


def deck_unit_traps(text: str) -> list[tuple[int, str, UnitTrap]]:
    """Unit traps in the values of netlist ``text``: (line, token, trap). Looks at element
    values, ``key=value`` parameters (expressions included) and dot-command numbers; skips the
    title, comments, node and model names, ``.control`` blocks and file paths."""
    found = []
    lines = _logical(text)
    in_control = False
    for lineno, line in lines[1:] if lines and lines[0][0] == 1 else lines:  # line 1 is the title
        head = line.split(None, 1)[0].lower()
        if head in (".control", ".exec"):
            in_control = True
        if in_control:
            in_control = head != ".endc"
            continue
        for value in _value_fields(line):
            found += [(lineno, token, trap) for token, trap in number_traps(value)]
    return found


def warn_deck_unit_traps(text: str, where: str) -> int:
    """Emit a :class:`SpiceUnitWarning` for each unit trap in deck ``text``; returns how many."""
    traps = deck_unit_traps(text)
    for lineno, token, trap in traps:
        warn_unit_trap(trap, token, f"{where}, line {lineno}", stacklevel=4)
    return len(traps)


def check_rendered_numbers(text: str, what: str = "expression") -> str:
    """Refuse text circuitsnn writes into a netlist when SPICE would misread a number in it
    (``1M``, ``1e-11F``, ``100x``): circuitsnn-produced netlists never contain a unit trap."""
    traps = number_traps(text)
    if traps:
        token, trap = traps[0]
        raise ValidationError(f"{what} {text!r}: {trap.message}", hint=trap.hint)
    return text


def si_format(value: float, unit: str = "", digits: int = 4) -> str:
    """Human-readable SI text for reports and plots: ``si_format(4.7e-9, 'F') -> '4.7 nF'``."""
    x = float(value)
    if "^" in unit or unit.startswith("1/") or "/" in unit.split(" ")[0][:1]:
        # A prefix would bind to the wrong thing: 1e-12 m^2 is not "1 pm^2".
        return f"{x:.{digits}g} {unit}".strip()
    if x == 0 or not math.isfinite(x) or not 1e-18 <= abs(x) < 1e15:
        return f"{x:.{digits}g} {unit}".strip()
    prefixes = {-18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"}
    exp3 = max(-18, min(12, 3 * math.floor(math.log10(abs(x)) / 3)))
    return f"{x / 10**exp3:.{digits}g} {prefixes[exp3]}{unit}".strip()
