"""SPICE number formatting and parsing.

Values are base SI everywhere in circuitsnn (seconds, farads, ohms, amperes). This module is the
one place where they are turned into SPICE text and back. Formatting is deterministic: the
float, rounded to 15 significant digits (so 1.9999999999999998e-05 reads 20u), is shifted onto
an engineering suffix; ``4.7e-9`` renders as ``4.7n`` and the same float gives the same bytes.
"""

from __future__ import annotations

import math
import re
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


def parse_value(text: str) -> float:
    """Parse SPICE number text (``'4.7n'``, ``'1meg'``, ``'10kohm'``, ``'1e-3'``) to a float.

    Trailing unit letters after the scale suffix are ignored, as ngspice does.
    """
    m = _NUMBER_RE.match(text)
    if not m:
        raise ValidationError(
            f"{text!r} is not a SPICE number.",
            hint="Write a number with an optional suffix: 4.7n, 10k, 1meg, 2.5e-3.",
        )
    number, suffix, _unit = m.groups()
    if not suffix:
        return float(number)
    if suffix.lower() == "mil":
        return float(number) * _PARSE_SCALE["mil"]
    # Decimal shift, so "20u" is exactly 2e-05 (20 * 1e-6 would be 1.9999999999999998e-05).
    exp = round(math.log10(_PARSE_SCALE[suffix.lower()]))
    return float(Decimal(number).scaleb(exp))


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
