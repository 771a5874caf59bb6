"""Small pieces every family's fitter uses: free parameters around a design value, held-out
metrics, and the reachable range / distinguishable levels of a programming curve."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import FitParam, curve_metrics
from .validate import DEVICE_NRMSE_TARGET


def free_param(name: str, x0: float, *, factor: float | None = None, span: float | None = None, unit: str = "",
               doc: str = "", lo: float | None = None, hi: float | None = None) -> FitParam:
    """A free parameter around a design value: ``x0 / factor .. x0 * factor`` in log space, or
    ``x0 +- span`` (explicit ``lo``/``hi`` win)."""
    if factor is not None:
        return FitParam(name, x0, lo if lo is not None else x0 / factor, hi if hi is not None else x0 * factor,
                        unit, doc, log=True)
    s = span if span is not None else max(abs(x0), 1e-3)
    return FitParam(name, x0, lo if lo is not None else x0 - s, hi if hi is not None else x0 + s, unit, doc)


def held_out(name: str, y_spice: np.ndarray, y_model: np.ndarray, failures: list[str],
             target: float | None = None, norm: float | None = None) -> dict[str, float]:
    """Metrics of one held-out curve; appends a failure when NRMSE misses ``target`` (default
    :data:`~.validate.DEVICE_NRMSE_TARGET`, 1 %)."""
    target = DEVICE_NRMSE_TARGET if target is None else target
    m = curve_metrics(np.ravel(y_spice), np.ravel(y_model), norm)
    m["target_nrmse"] = target
    m["passed"] = bool(m["nrmse"] <= target)
    if not m["passed"]:
        failures.append(f"held-out {name}: NRMSE {100 * m['nrmse']:.3g} % > {100 * target:.3g} %")
    return m


def levels(g: np.ndarray, resolution: float = 0.01) -> dict[str, Any]:
    """Reachable range of a programming curve ``g`` (one value per pulse, starting state first)
    and the number of distinguishable levels: 1 + the pulses whose step is at least
    ``resolution`` x the range (a step smaller than that is not counted as a new level)."""
    g = np.asarray(g, dtype=float)
    rng = float(g.max() - g.min())
    steps = np.abs(np.diff(g))
    n = int(1 + np.sum(steps >= resolution * rng)) if rng > 0 else 1
    return {"g_min": float(g.min()), "g_max": float(g.max()), "levels": n, "resolution": resolution,
            "pulses": int(g.size - 1)}
