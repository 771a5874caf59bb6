"""The weight interface of every synapse family (see :mod:`.base`), and :func:`weights_for`,
which builds a component's interface from its fitted surrogate (``models/<name>.json``) or,
when there is none, from the nominal parameter values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ValidationError
from .base import DifferentialPair, Pulse, PulsePlan, WeightInterface, nearest_level

#: where fitted surrogates are looked up by default
MODELS_DIR = Path(__file__).resolve().parents[3] / "models"


def weights_for(component: Any, model: str | Path | None = None, *, nominal: bool = False, **kw: Any) -> WeightInterface:
    """The weight interface of a synapse ``component`` (a registered name or a Component).

    Values come from ``model`` (a surrogate JSON), else ``models/<name>.json`` when it exists and
    fits the component's law, else the nominal parameters (``nominal=True`` forces them). The
    class is the component's ``weights`` entry point."""
    from ...library import registry
    from ..artifacts import load_model

    comp = registry.get(component) if isinstance(component, str) else component
    if comp.kind != "synapse":
        raise ValidationError(f"{comp.name!r} is a {comp.kind}; only synapses have a weight interface.")
    cls = comp.resolve("weights")
    if cls is None:
        raise ValidationError(f"component {comp.name!r} declares no weight interface.",
                              hint="Set Component.weights to a WeightInterface class (or 'module:Class').")
    return cls.from_component(comp, model=None if nominal else _model_path(comp, model), **kw)


def _model_path(comp: Any, model: str | Path | None) -> Path | None:
    if model is not None:
        p = Path(model)
        if not p.exists():
            raise ValidationError(f"surrogate model {str(p)!r} does not exist.",
                                  hint=f"Fit one with `circuitsnn fit {comp.name}` or pass nominal=True.")
        return p
    default = MODELS_DIR / f"{comp.name}.json"
    return default if default.exists() else None


__all__ = ["DifferentialPair", "Pulse", "PulsePlan", "WeightInterface", "nearest_level", "weights_for", "MODELS_DIR"]
