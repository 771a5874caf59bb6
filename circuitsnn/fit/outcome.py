"""What a family's fitting procedure hands back: parameters, fit reports, held-out metrics and
the data of the SPICE-vs-surrogate plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..surrogates.artifacts import SurrogateModel, provenance
from .core import FitReport


@dataclass
class Overlay:
    """SPICE and surrogate curves over the same ``x`` (1-D, or 2-D ``(curves, points)`` with
    ``labels``: the state, drive or temperature each curve stands for); plotted with the residual
    below (relative on a log axis)."""

    title: str
    x: np.ndarray
    spice: np.ndarray
    model: np.ndarray
    xlabel: str
    ylabel: str
    held_out: bool = False
    labels: tuple[str, ...] = ()
    logy: bool = False
    marker: bool = False
    logx: bool = False
    #: vertical lines ((x, text), ...): polarity changes, thresholds
    marks: tuple = ()


@dataclass
class Raster:
    """Spike times (s) of several trains from SPICE and from the surrogate."""

    title: str
    spice: list[np.ndarray]
    model: list[np.ndarray]
    t_stop: float
    held_out: bool = True


@dataclass
class SurrogateFit:
    """The outcome of fitting one component (see :mod:`circuitsnn.fit.neurons` and the synapse
    families' fitters, :mod:`circuitsnn.fit.memristor` and its siblings)."""

    component: str
    kind: str
    family: str
    model: str
    parameters: dict[str, float]
    units: dict[str, str]
    fits: dict[str, FitReport]
    validation: dict[str, Any]
    failures: list[str]
    component_params: Any
    decks: dict[str, str]
    figures: list[Overlay | Raster] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_model(self, **prov: Any) -> SurrogateModel:
        return SurrogateModel(
            name=self.component,
            kind=self.kind,
            family=self.family,
            model=self.model,
            parameters=dict(self.parameters),
            units=dict(self.units),
            fits={k: r.to_dict() for k, r in self.fits.items()},
            validation=self.validation,
            passed=self.passed,
            failures=list(self.failures),
            provenance=provenance(self.component_params, self.decks, **prov),
            extra=dict(self.extra, notes=list(self.notes)),
        )

    def summary(self) -> str:
        lines = [f"{self.component} ({self.family} {self.kind}) -> {self.model}: "
                 f"{'PASSED' if self.passed else 'FAILED'}"]
        for r in self.fits.values():
            lines.append(r.summary())
        for k, v in self.validation.items():
            lines.append(f"held-out {k}: {_short(v)}")
        for n in self.notes:
            lines.append(f"note: {n}")
        for f in self.failures:
            lines.append(f"! {f}")
        return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, dict):
        parts = []
        for k, x in v.items():
            if isinstance(x, float):
                parts.append(f"{k}={x:.4g}")
            elif isinstance(x, (int, bool, str)):
                parts.append(f"{k}={x}")
        return ", ".join(parts)
    return str(v)
