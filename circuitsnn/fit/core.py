"""Least-squares fits of surrogate parameters to simulation data, with an honest report.

A fit is described by its free parameters (:class:`FitParam`: initial guess and bounds, taken from
the component's own :class:`~circuitsnn.params.Params` through :func:`param_from`), the measured
curves (:class:`Curve`) and a model that predicts every curve from a parameter dict.
:func:`fit_curves` minimises the weighted, normalised residuals with
``scipy.optimize.least_squares`` (trust-region reflective, bounded) and returns a
:class:`FitReport`:

* per curve: R^2, NRMSE (RMS error / range of the data) and the largest absolute error;
* per parameter: value and standard error from the Jacobian at the optimum,
  ``cov = s^2 (J^T J)^-1`` with ``s^2 = SSR / (m - n)`` (Gauss-Newton; e.g. Press et al.,
  *Numerical Recipes*, 3rd ed., sec. 15.5) — the pseudo-inverse is used, so a parameter the data
  cannot identify shows up with an infinite or huge error instead of crashing the fit;
* whether it meets its tolerance (e.g. NRMSE <= 1 %). :func:`check_tolerance` raises a
  :class:`FitToleranceError` that says which curve missed by how much; ``force=True`` in
  :func:`circuitsnn.surrogates.artifacts.save_model` stores it anyway, marked as failing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.optimize import least_squares

from ..errors import CircuitSNNError, FitToleranceError, ValidationError  # noqa: F401
from ..params import Params


@dataclass(frozen=True)
class FitParam:
    """One free parameter: initial guess ``x0``, bounds ``lo < hi`` (unit ``unit``).

    ``log=True`` fits ``ln(x)`` instead of ``x`` (for positive quantities spanning decades:
    resistances, time constants), which keeps the problem well scaled.
    """

    name: str
    x0: float
    lo: float
    hi: float
    unit: str = ""
    doc: str = ""
    log: bool = False

    def __post_init__(self) -> None:
        for what in ("x0", "lo", "hi"):
            v = getattr(self, what)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValidationError(f"fit parameter {self.name!r}: {what} must be a finite number, got {v!r}.")
        if not self.lo < self.hi:
            raise ValidationError(
                f"fit parameter {self.name!r}: bounds must satisfy lo < hi, got [{self.lo:g}, {self.hi:g}].",
            )
        if self.log and self.lo <= 0:
            raise ValidationError(f"fit parameter {self.name!r} is fitted in log space, so lo must be > 0.")
        if not self.lo <= self.x0 <= self.hi:
            raise ValidationError(
                f"fit parameter {self.name!r}: initial guess {self.x0:g} {self.unit} lies outside "
                f"its bounds [{self.lo:g}, {self.hi:g}].",
                hint="Widen the bounds or start from the component's design values.",
            )

    # internal coordinates: ln(x) for log parameters, x / scale otherwise
    def _scale(self) -> float:
        return max(abs(self.x0), abs(self.lo), abs(self.hi)) or 1.0

    def to_u(self, x: float) -> float:
        return math.log(x) if self.log else x / self._scale()

    def from_u(self, u: float) -> float:
        return math.exp(u) if self.log else u * self._scale()

    def du_dx(self, x: float) -> float:
        return 1.0 / x if self.log else 1.0 / self._scale()


def param_from(
    params: Params,
    field_name: str,
    *,
    name: str | None = None,
    x0: float | None = None,
    factor: float = 10.0,
    span: float | None = None,
    lo: float | None = None,
    hi: float | None = None,
    log: bool | None = None,
) -> FitParam:
    """A :class:`FitParam` seeded from a component's parameter field.

    The initial guess is the design value (or ``x0``); the bounds are the design value divided
    and multiplied by ``factor`` for positive quantities (``log`` space), or the value +- ``span``
    otherwise, clipped to the field's own allowed range (``gt``/``ge``/``lt``/``le``).
    """
    meta = params.field_info(field_name)
    if not meta:
        raise ValidationError(
            f"{type(params).__name__} has no field {field_name!r} to seed a fit from.",
            hint=f"Known fields: {', '.join(r['name'] for r in params.describe())}.",
        )
    value = float(getattr(params, field_name) if x0 is None else x0)
    positive = (meta.get("gt") is not None and meta["gt"] >= 0) or (meta.get("ge") is not None and meta["ge"] > 0)
    use_log = positive and value > 0 if log is None else log
    if use_log:
        lo_v, hi_v = value / factor, value * factor
    else:
        s = span if span is not None else max(abs(value), 1e-3)
        lo_v, hi_v = value - s, value + s
    for key, fn in (("gt", max), ("ge", max)):
        if meta.get(key) is not None:
            lo_v = fn(lo_v, meta[key] + (abs(meta[key]) * 1e-9 + 1e-300 if key == "gt" else 0.0))
    for key, fn in (("lt", min), ("le", min)):
        if meta.get(key) is not None:
            hi_v = fn(hi_v, meta[key] - (abs(meta[key]) * 1e-9 + 1e-300 if key == "lt" else 0.0))
    if lo is not None:
        lo_v = lo
    if hi is not None:
        hi_v = hi
    x0_v = min(max(value, lo_v), hi_v)
    return FitParam(
        name=name or field_name, x0=x0_v, lo=lo_v, hi=hi_v, unit=meta.get("unit", ""),
        doc=meta.get("doc", ""), log=bool(use_log),
    )


@dataclass
class Curve:
    """Measured data a model must reproduce: ``y`` over ``x`` (units ``x_unit``/``unit``).

    The residual of each point is ``(model - y) / scale`` (``scale`` defaults to the range of
    ``y``), weighted by ``weight / sqrt(n)`` so that curves with many points do not drown the
    others.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    unit: str = ""
    x_unit: str = ""
    weight: float = 1.0
    scale: float | None = None

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=float)
        self.y = np.asarray(self.y, dtype=float)
        if self.y.ndim != 1 or self.y.size == 0:
            raise ValidationError(f"curve {self.name!r} needs a non-empty 1-D array of data.")
        if not np.all(np.isfinite(self.y)):
            raise ValidationError(
                f"curve {self.name!r} has {int(np.sum(~np.isfinite(self.y)))} non-finite values.",
                hint="Drop failed points (nan/inf) from the simulation data before fitting.",
            )

    @property
    def norm(self) -> float:
        if self.scale is not None:
            return float(self.scale)
        r = float(np.ptp(self.y))
        return r if r > 0 else (float(np.max(np.abs(self.y))) or 1.0)


def curve_metrics(y: np.ndarray, yhat: np.ndarray, norm: float | None = None) -> dict[str, float]:
    """R^2, NRMSE (RMS error / ``norm``, default the data range), max and RMS absolute error."""
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    res = yhat - y
    ss_res = float(np.sum(res**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    rmse = math.sqrt(ss_res / y.size)
    if norm is None:
        norm = float(np.ptp(y)) or (float(np.max(np.abs(y))) or 1.0)
    return {
        "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else float("-inf")),
        "nrmse": rmse / norm,
        "rmse": rmse,
        "max_error": float(np.max(np.abs(res))) if res.size else 0.0,
        "n": int(y.size),
    }


@dataclass
class FitReport:
    """The outcome of one fit. ``params`` and ``stderr`` map parameter names to values (units in
    ``units``); ``curves`` maps curve names to :func:`curve_metrics`; ``passed`` says whether
    every curve met ``tolerance`` (metric -> limit, e.g. ``{"nrmse": 0.01}``), ``failures`` why
    not."""

    name: str
    params: dict[str, float]
    stderr: dict[str, float]
    units: dict[str, str]
    curves: dict[str, dict[str, float]]
    tolerance: dict[str, float]
    passed: bool
    failures: list[str]
    success: bool
    message: str
    nfev: int
    predictions: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    data: dict[str, Curve] = field(default_factory=dict, repr=False)

    @property
    def r2(self) -> float:
        return min((c["r2"] for c in self.curves.values()), default=float("nan"))

    @property
    def nrmse(self) -> float:
        return max((c["nrmse"] for c in self.curves.values()), default=float("nan"))

    @property
    def max_error(self) -> dict[str, float]:
        return {k: c["max_error"] for k, c in self.curves.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "stderr": {k: _jsonable(v) for k, v in self.stderr.items()},
            "units": dict(self.units),
            "curves": {k: {m: _jsonable(v) for m, v in c.items()} for k, c in self.curves.items()},
            "r2": _jsonable(self.r2),
            "nrmse": _jsonable(self.nrmse),
            "tolerance": dict(self.tolerance),
            "passed": self.passed,
            "failures": list(self.failures),
            "optimizer": {"success": self.success, "message": self.message, "nfev": self.nfev},
        }

    def summary(self) -> str:
        lines = [f"fit {self.name}: {'PASSED' if self.passed else 'FAILED'} "
                 f"(worst NRMSE {100 * self.nrmse:.3g} %, worst R^2 {self.r2:.6f})"]
        for k, v in self.params.items():
            err = self.stderr.get(k, float("nan"))
            rel = f" ({100 * err / abs(v):.2g} %)" if v and math.isfinite(err) else ""
            lines.append(f"  {k} = {v:.6g} {self.units.get(k, '')} +- {err:.2g}{rel}")
        for k, c in self.curves.items():
            lines.append(f"  curve {k}: R^2 {c['r2']:.6f}, NRMSE {100 * c['nrmse']:.3g} %, "
                         f"max error {c['max_error']:.3g}")
        for f_ in self.failures:
            lines.append(f"  ! {f_}")
        return "\n".join(lines)


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def evaluate_tolerance(curves: Mapping[str, Mapping[str, float]], tolerance: Mapping[str, float]) -> list[str]:
    """Human-readable reasons why ``curves`` miss ``tolerance`` (empty list: all met).

    Limits on ``r2`` are lower bounds; every other metric is an upper bound."""
    failures = []
    for cname, m in curves.items():
        for metric, limit in tolerance.items():
            if metric not in m:
                continue
            value = m[metric]
            bad = (value < limit) if metric == "r2" else (value > limit)
            if bad or (isinstance(value, float) and math.isnan(value)):
                rel = "below" if metric == "r2" else "above"
                shown = f"{100 * value:.3g} %" if metric in ("nrmse",) else f"{value:.4g}"
                lim = f"{100 * limit:.3g} %" if metric in ("nrmse",) else f"{limit:.4g}"
                failures.append(f"{cname}: {metric} = {shown} is {rel} the limit {lim}")
    return failures


def fit_curves(
    name: str,
    curves: Sequence[Curve],
    model: Callable[[dict[str, float]], Mapping[str, np.ndarray]],
    free: Sequence[FitParam],
    *,
    fixed: Mapping[str, float] | None = None,
    tolerance: Mapping[str, float] | None = None,
    max_nfev: int | None = 2000,
    loss: str = "linear",
) -> FitReport:
    """Fit the ``free`` parameters so that ``model(params)[curve.name]`` matches every curve.

    ``model`` receives all parameters (free and ``fixed``) as plain floats and returns one
    prediction array per curve name. Returns a :class:`FitReport`; never raises on a poor fit
    (see :func:`check_tolerance`), only on unusable input.
    """
    if not curves:
        raise ValidationError(f"fit {name!r} has no data curves.")
    if not free:
        raise ValidationError(f"fit {name!r} has no free parameters.")
    names = [p.name for p in free]
    if len(set(names)) != len(names):
        raise ValidationError(f"fit {name!r} lists a free parameter twice: {names}.")
    fixed = dict(fixed or {})
    tolerance = dict(tolerance if tolerance is not None else {"nrmse": 0.01})

    def params_of(u: np.ndarray) -> dict[str, float]:
        out = dict(fixed)
        out.update({p.name: p.from_u(float(ui)) for p, ui in zip(free, u)})
        return out

    def predict(u: np.ndarray) -> Mapping[str, np.ndarray]:
        pred = model(params_of(u))
        missing = [c.name for c in curves if c.name not in pred]
        if missing:
            raise ValidationError(f"fit {name!r}: the model predicts no curve(s) {missing}.")
        return pred

    def residuals(u: np.ndarray) -> np.ndarray:
        pred = predict(u)
        parts = []
        for c in curves:
            yhat = np.asarray(pred[c.name], dtype=float).reshape(-1)
            if yhat.shape != c.y.shape:
                raise ValidationError(
                    f"fit {name!r}: curve {c.name!r} has {c.y.size} points, the model gave {yhat.size}."
                )
            r = (yhat - c.y) / c.norm * (c.weight / math.sqrt(c.y.size))
            parts.append(np.where(np.isfinite(r), r, 1e3))  # a failed prediction is a large miss
        return np.concatenate(parts)

    u0 = np.array([p.to_u(p.x0) for p in free])
    lb = np.array([p.to_u(p.lo) for p in free])
    ub = np.array([p.to_u(p.hi) for p in free])
    u0 = np.clip(u0, lb + 1e-12 * (ub - lb), ub - 1e-12 * (ub - lb))
    sol = least_squares(residuals, u0, bounds=(lb, ub), method="trf", x_scale="jac",
                        max_nfev=max_nfev, loss=loss, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    best = params_of(sol.x)
    stderr = _stderr(sol, free, best)
    pred = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in predict(sol.x).items()}
    metrics = {c.name: curve_metrics(c.y, pred[c.name], c.norm) for c in curves}
    failures = evaluate_tolerance(metrics, tolerance)
    if not sol.success:
        failures.append(f"the optimizer did not converge: {sol.message}")
    return FitReport(
        name=name,
        params={p.name: best[p.name] for p in free} | {k: float(v) for k, v in fixed.items()},
        stderr=stderr | {k: 0.0 for k in fixed},
        units={p.name: p.unit for p in free},
        curves=metrics,
        tolerance=tolerance,
        passed=not failures,
        failures=failures,
        success=bool(sol.success),
        message=str(sol.message),
        nfev=int(sol.nfev),
        predictions=pred,
        data={c.name: c for c in curves},
    )


def _stderr(sol, free: Sequence[FitParam], best: Mapping[str, float]) -> dict[str, float]:
    """Standard errors from the Jacobian at the optimum (internal coordinates -> SI)."""
    J = np.asarray(sol.jac, dtype=float)
    m, n = J.shape
    dof = max(m - n, 1)
    s2 = float(2 * sol.cost) / dof
    try:
        cov_u = np.linalg.pinv(J.T @ J) * s2
    except np.linalg.LinAlgError:
        return {p.name: float("inf") for p in free}
    out = {}
    for k, p in enumerate(free):
        var = cov_u[k, k]
        if not np.isfinite(var) or var < 0:
            out[p.name] = float("inf")
            continue
        # first-order propagation from u back to x
        out[p.name] = float(math.sqrt(var) / abs(p.du_dx(best[p.name])))
    return out


def check_tolerance(report: FitReport | Sequence[FitReport], *, what: str = "") -> None:
    """Raise :class:`FitToleranceError` listing every missed tolerance; silent when all pass."""
    reports = [report] if isinstance(report, FitReport) else list(report)
    failures = [f"{r.name}: {f}" for r in reports for f in r.failures]
    if failures:
        raise FitToleranceError(
            f"the surrogate {what or reports[0].name!r} misses its tolerance, so it was not saved: "
            + "; ".join(failures) + ".",
            hint="Look at the residual plots; widen the data or the model, or pass --force to save "
            "it anyway (it is then marked as failing in its JSON).",
        )
