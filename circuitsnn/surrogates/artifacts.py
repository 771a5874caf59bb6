"""Fitted surrogates on disk: ``models/<name>.json``.

One JSON file per component holds everything needed to use and to trust the surrogate::

    {
      "schema": "circuitsnn.surrogate/1",
      "name": "lif", "kind": "neuron", "family": "lif", "model": "LIFParameters",
      "parameters": {...},            # the surrogate's parameters, base SI
      "units": {...},
      "fits": {...},                  # FitReport.to_dict() per fit step (R^2, NRMSE, stderr)
      "validation": {...},            # held-out metrics and targets
      "passed": true, "forced": false, "failures": [],
      "provenance": {
        "component_params": {...},    # the circuit's Params the decks came from
        "decks": {"step": "sha256...", ...},   # sha256 of each rendered deck's text
        "ngspice_version": "39", "date": "2025-...Z", "circuitsnn": "0.1.0", "torch": "..."
      }
    }

:func:`save_model` refuses to write a surrogate that missed its tolerance unless ``force=True``
(it is then stored with ``"passed": false`` and its failures, so nobody mistakes it for a good
one). :func:`load_model` reads it back; :func:`lif_parameters` turns it into the NamedTuple the
step functions take.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import ValidationError
from ..errors import FitToleranceError

SCHEMA = "circuitsnn.surrogate/1"


def deck_hash(deck_or_text: Any) -> str:
    """sha256 of a deck's rendered text (IR decks are rendered first), with a PDK's model folder
    written as its placeholder (:func:`circuitsnn.library.technology.portable`): the same deck
    hashes the same on every machine."""
    if isinstance(deck_or_text, str):
        text = deck_or_text
    else:
        from ..spice.render import render

        text = render(deck_or_text)
    from ..library.technology import portable

    return hashlib.sha256(portable(text).encode()).hexdigest()


def provenance(component_params: Any = None, decks: Mapping[str, Any] | None = None, **extra: Any) -> dict:
    """Where a surrogate came from: circuit parameters, deck hashes, tool versions, date."""
    from .. import __version__

    try:
        from ..spice.simulator import ngspice_version

        ng = ngspice_version()
    except Exception:  # recorded, not fatal: the data may come from a cache
        ng = "unknown"
    try:
        import torch

        tv = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency of the surrogates
        tv = "absent"
    out = {
        "component_params": _clean(component_params.to_dict() if hasattr(component_params, "to_dict") else component_params),
        "component_params_class": type(component_params).__name__ if component_params is not None else None,
        "decks": {k: (v if isinstance(v, str) and len(v) == 64 else deck_hash(v)) for k, v in (decks or {}).items()},
        "ngspice_version": ng,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "circuitsnn": __version__,
        "torch": tv,
        "python": platform.python_version(),
    }
    out.update(_clean(extra))
    return out


def _clean(v: Any) -> Any:
    """JSON-safe copy: numpy scalars/arrays to Python, non-finite floats to strings."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if isinstance(v, Mapping):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if np is not None and isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if np is not None and isinstance(v, (np.floating, np.integer, np.bool_)):
        v = v.item()
    if hasattr(v, "item") and hasattr(v, "dim"):  # a torch scalar
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


@dataclass
class SurrogateModel:
    """A fitted surrogate as stored on disk (see the module docstring)."""

    name: str
    kind: str
    family: str
    model: str
    parameters: dict[str, float]
    units: dict[str, str] = field(default_factory=dict)
    fits: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    passed: bool = False
    forced: bool = False
    failures: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "schema": SCHEMA,
            "name": self.name,
            "kind": self.kind,
            "family": self.family,
            "model": self.model,
            "parameters": self.parameters,
            "units": self.units,
            "fits": self.fits,
            "validation": self.validation,
            "passed": self.passed,
            "forced": self.forced,
            "failures": self.failures,
            "provenance": self.provenance,
            "extra": self.extra,
        })


def save_model(model: SurrogateModel, out_dir: str | Path, *, force: bool = False) -> Path:
    """Write ``out_dir/<name>.json``. Refuses (:class:`FitToleranceError`) when the surrogate
    missed its tolerance, unless ``force``; a forced save is marked ``"forced": true``."""
    if not model.passed and not force:
        raise FitToleranceError(
            f"the surrogate {model.name!r} misses its tolerance, so it was not saved: "
            + "; ".join(model.failures or ["(no reason recorded)"]) + ".",
            hint="Inspect the plots and residuals; pass --force (force=True) to save it anyway, "
            "marked as failing.",
        )
    model.forced = bool(force and not model.passed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{model.name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(model.to_dict(), indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path


def load_model(path: str | Path) -> SurrogateModel:
    """Read a surrogate written by :func:`save_model`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValidationError(
            f"no surrogate file at {path}.", hint="Fit one first: `circuitsnn fit NAME --out DIR`."
        ) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path} is not valid JSON ({exc}).") from None
    if data.get("schema") != SCHEMA:
        raise ValidationError(
            f"{path} is not a circuitsnn surrogate (schema {data.get('schema')!r}, expected {SCHEMA!r})."
        )
    return SurrogateModel(
        name=data["name"], kind=data["kind"], family=data["family"], model=data["model"],
        parameters={k: float(v) for k, v in data["parameters"].items()},
        units=data.get("units", {}), fits=data.get("fits", {}), validation=data.get("validation", {}),
        passed=bool(data.get("passed")), forced=bool(data.get("forced")),
        failures=list(data.get("failures", [])), provenance=data.get("provenance", {}),
        extra=data.get("extra", {}),
    )


def lif_parameters(model: SurrogateModel | str | Path, **overrides: Any):
    """The :class:`~circuitsnn.surrogates.lif.LIFParameters` of a stored neuron surrogate."""
    from .lif import LIFParameters

    m = model if isinstance(model, SurrogateModel) else load_model(model)
    if m.model != "LIFParameters":
        raise ValidationError(f"surrogate {m.name!r} is a {m.model}, not an LIF neuron surrogate.")
    known = set(LIFParameters._fields)
    values = {k: v for k, v in m.parameters.items() if k in known}
    values.update(overrides)
    return LIFParameters(**values)
