"""Device-to-device variation of a synapse's surrogate (Monte Carlo over the circuit's Params).

:func:`monte_carlo` draws devices whose Params fields (default :func:`varied_fields`) are
log-normal around the design, simulates and fits each like the nominal device (through the
component's own ``fitter``), and summarizes the spread of every surrogate parameter; the weight
interface samples device instances from it (``extra["variation"]`` of the model file).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ValidationError
from .data import SimData


def varied_fields(params) -> list[str]:
    """Fields a Monte Carlo run varies by default: strictly positive, non-integer magnitudes
    (``gt=0``: resistances, capacitances, rates, time constants, currents, areas)."""
    out = []
    for row in params.describe():
        meta = params.field_info(row["name"])
        value = getattr(params, row["name"])
        if meta.get("gt") == 0 and not meta.get("integer") and isinstance(value, float) and value > 0:
            out.append(row["name"])
    return out


def monte_carlo(component, params, data: SimData, *, n: int = 8, sigma: float = 0.05, seed: int = 0,
                fields: list[str] | None = None) -> dict[str, Any]:
    """Device-to-device variation: ``n`` devices whose Params fields (default
    :func:`varied_fields`) are drawn log-normally with relative spread ``sigma`` around the
    design, each simulated and fitted like the nominal device. Returns, per surrogate parameter,
    the mean, standard deviation and coefficient of variation over the devices, the per-device
    parameter sets (to sample device instances from), and how many devices met their targets.
    """
    if n < 2:
        raise ValidationError(f"monte_carlo needs at least 2 devices, got n={n!r}.")
    if not 0 < sigma < 1:
        raise ValidationError(f"monte_carlo sigma (relative spread) must be in (0, 1), got {sigma!r}.")
    fields = list(fields) if fields is not None else varied_fields(params)
    unknown = [f for f in fields if not params.field_info(f)]
    if unknown:
        raise ValidationError(f"monte_carlo: {type(params).__name__} has no field(s) {unknown}.",
                              hint=f"Fields: {', '.join(r['name'] for r in params.describe())}.")
    from .pipeline import fit_device

    rng = np.random.default_rng(seed)
    samples, passed, drawn = [], 0, []
    tries = 0
    while len(samples) < n:
        tries += 1
        if tries > 10 * n:
            raise ValidationError(f"monte_carlo: could not draw valid {type(params).__name__} devices "
                                  f"(cross-field checks kept failing) with sigma = {sigma:g}.",
                                  hint="Lower --mc-sigma or vary fewer fields.")
        changes = {f: float(getattr(params, f) * math.exp(sigma * rng.normal())) for f in fields}
        try:
            dev = params.replace(**changes)
        except ValidationError:
            continue
        fit = fit_device(component, dev, data)
        samples.append(fit.parameters)
        drawn.append(changes)
        passed += int(fit.passed)
    keys = list(samples[0])
    arr = np.array([[s[k] for k in keys] for s in samples])
    mean, std = arr.mean(axis=0), arr.std(axis=0, ddof=1)
    stats = {k: {"mean": float(m), "std": float(sd), "cv": float(sd / abs(m)) if m else float("nan")}
             for k, m, sd in zip(keys, mean, std)}
    return {"n": n, "sigma": sigma, "seed": seed, "varied_fields": fields, "parameters": stats,
            "devices": samples, "device_params": drawn, "n_passed": passed}

