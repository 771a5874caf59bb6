"""Frozen, typed, unit-annotated parameter classes.

A component is a pure function of one frozen parameter object. The same object feeds the netlist
generator, the surrogate fit's initial guess and the learner's constraints, so every field says
its unit and meaning, and every value is checked against its allowed range when it is created::

    @dataclass(frozen=True, kw_only=True)
    class RCParams(Params):
        r: float = quantity(1e6, unit="Ohm", doc="Leak resistance", gt=0)
        c: float = quantity(1e-9, unit="F", doc="Membrane capacitance", gt=0)

Values are base SI. ``stable_hash()`` and ``tag()`` derive deterministic names from the values,
so subcircuit names and cache keys never depend on object identity or dict order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from .errors import ValidationError
from .units import si_format


def quantity(
    default: Any,
    *,
    unit: str,
    doc: str,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    integer: bool = False,
    choices: tuple | None = None,
) -> Any:
    """A parameter field: default value, unit (``"F"``, ``"Ohm"``, ``"s"``, ``"1"`` for
    dimensionless), one-line meaning, and the allowed range."""
    meta = {
        "unit": unit,
        "doc": doc,
        "gt": gt,
        "ge": ge,
        "lt": lt,
        "le": le,
        "integer": integer,
        "choices": choices,
    }
    return field(default=default, metadata=meta)


def _range_text(meta: dict) -> str:
    unit = "" if meta["unit"] in ("1", "") else f" {meta['unit']}"
    parts = []
    for key, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if meta.get(key) is not None:
            parts.append(f"{sym} {meta[key]:g}{unit}")
    if meta.get("choices"):
        parts.append("one of " + ", ".join(map(repr, meta["choices"])))
    if meta.get("integer"):
        parts.append("an integer")
    return " and ".join(parts) if parts else "any finite number"


@dataclass(frozen=True, kw_only=True)
class Params:
    """Base class of every parameter set. Subclasses are ``@dataclass(frozen=True, kw_only=True)``
    and declare their fields with :func:`quantity`."""

    #: Short prefix for derived names (subcircuit names, file names); subclasses override.
    prefix: ClassVar[str] = "p"

    def __post_init__(self) -> None:
        for f in fields(self):
            if "unit" in f.metadata:
                self._check_field(f)
        self.check()

    # -- validation ---------------------------------------------------------------------------
    def _check_field(self, f: dataclasses.Field) -> None:
        meta = f.metadata
        value = getattr(self, f.name)
        if meta.get("choices") is not None:
            if value not in meta["choices"]:
                self.fail(f.name, f"is {value!r}; it must be {_range_text(meta)}")
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f.name, f"must be a number, got {type(value).__name__} {value!r}")
        if not math.isfinite(float(value)):
            self.fail(f.name, f"must be finite, got {value!r}")
        if meta.get("integer") and int(value) != value:
            self.fail(f.name, f"must be an integer, got {value!r}")
        ok = True
        if meta.get("gt") is not None and not value > meta["gt"]:
            ok = False
        if meta.get("ge") is not None and not value >= meta["ge"]:
            ok = False
        if meta.get("lt") is not None and not value < meta["lt"]:
            ok = False
        if meta.get("le") is not None and not value <= meta["le"]:
            ok = False
        if not ok:
            self.fail(f.name, f"= {value!r} is out of range: it must be {_range_text(meta)}")

    def check(self) -> None:
        """Cross-field checks (thresholds in order, ...). Override and call :meth:`fail`."""

    def fail(self, name: str, problem: str) -> None:
        """Raise a :class:`ValidationError` naming the field, its unit, meaning and range."""
        meta = self.field_info(name)
        unit = meta.get("unit", "")
        what = f"{type(self).__name__}.{name}"
        desc = f" ({meta['doc']}, unit {unit})" if meta else ""
        raise ValidationError(
            f"{what}{desc} {problem}.",
            hint=f"Allowed: {_range_text(meta)}." if meta else "",
        )

    # -- introspection ------------------------------------------------------------------------
    @classmethod
    def field_info(cls, name: str) -> dict:
        for f in fields(cls):
            if f.name == name:
                return dict(f.metadata)
        return {}

    @classmethod
    def describe(cls) -> list[dict]:
        """One row per field: name, default, unit, doc, range (drives ``circuitsnn list``)."""
        rows = []
        for f in fields(cls):
            if "unit" not in f.metadata:
                continue
            rows.append(
                {
                    "name": f.name,
                    "default": f.default,
                    "unit": f.metadata["unit"],
                    "doc": f.metadata["doc"],
                    "range": _range_text(f.metadata),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any) -> "Params":
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValidationError(
                f"{type(self).__name__} has no parameter(s) {sorted(unknown)}.",
                hint=f"Known parameters: {', '.join(f.name for f in fields(self))}.",
            )
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Params":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(
                f"{cls.__name__} has no parameter(s) {sorted(unknown)}.",
                hint=f"Known parameters: {', '.join(sorted(known))}.",
            )
        return cls(**data)

    def stable_hash(self, length: int = 8) -> str:
        """Hex digest of the class name and values; identical parameters give identical names."""
        payload = json.dumps(
            {"class": type(self).__name__, "values": self.to_dict()},
            sort_keys=True,
            default=repr,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:length]

    def tag(self) -> str:
        """A SPICE-safe name derived from the values, e.g. ``lif_3f2a1c0d``."""
        return f"{self.prefix}_{self.stable_hash()}"

    def summary(self) -> str:
        parts = []
        for row in self.describe():
            value = getattr(self, row["name"])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                unit = "" if row["unit"] == "1" else row["unit"]
                parts.append(f"{row['name']}={si_format(value, unit)}")
            else:
                parts.append(f"{row['name']}={value!r}")
        return ", ".join(parts)
