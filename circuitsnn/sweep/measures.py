"""Scalar measures: one number per sweep point, computed in Python from the simulation Result.

Each measure is a plain function ``f(result, **args) -> float`` registered by name::

    @register_measure("overshoot", unit="{signal}", doc="peak minus final value")
    def overshoot(result, *, signal: str) -> float:
        y = result[signal]
        return float(y.max() - y[-1])

A sweep spec names a measure and gives its arguments (``signal``, ``threshold``, a time window
``t_start``/``t_stop`` ...); the arguments are checked against the function's signature before
anything runs. ``unit`` is a string; ``"{signal}"`` stands for the unit of the measured signal
(V for ``v(...)``, A for ``i(...)``). ``signals`` names the arguments that are signal names, so
the sweep keeps those waveforms.

Spikes are rising crossings of ``threshold`` (linear interpolation between samples, so the
crossing time does not depend on the solver's step grid); a new spike needs the signal to fall
below ``threshold - hysteresis`` first. Crossings come from :mod:`circuitsnn.spice.spikes`, the
one threshold-crossing routine.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import ValidationError
from ..spice.result import Result, normalize_signal
from ..spice.spikes import crossings

MeasureFunc = Callable[..., float]


@dataclass(frozen=True)
class MeasureDef:
    """A registered measure: the function, its unit and which arguments name signals."""

    name: str
    func: MeasureFunc
    unit: str = ""
    doc: str = ""
    signals: tuple[str, ...] = ("signal",)

    def unit_for(self, args: Mapping[str, Any]) -> str:
        """The unit with ``{signal}`` (or any signal argument) replaced by the signal's unit."""
        subs = {name: signal_unit(str(args[name])) for name in self.signals if name in args}
        try:
            return self.unit.format(**subs)
        except (KeyError, IndexError):
            return self.unit

    def check_args(self, args: Mapping[str, Any]) -> None:
        """Raise ValidationError when ``args`` do not fit the function's signature."""
        sig = inspect.signature(self.func)
        params = list(sig.parameters.values())[1:]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            unknown = [k for k in args if k not in {p.name for p in params}]
            if unknown:
                raise ValidationError(
                    f"measure {self.name!r}: unknown argument {unknown[0]!r}.",
                    hint=f"{self.name} takes: {', '.join(_describe_params(sig)) or 'no arguments'}.",
                )
        try:
            sig.bind(None, **args)
        except TypeError as exc:
            raise ValidationError(
                f"measure {self.name!r}: {exc}.",
                hint=f"{self.name} takes: {', '.join(_describe_params(sig)) or 'no arguments'}.",
            ) from None

    def __call__(self, result: Result, **args: Any) -> float:
        return float(self.func(result, **args))


def _describe_params(sig: inspect.Signature) -> list[str]:
    out = []
    for i, (name, p) in enumerate(sig.parameters.items()):
        if i == 0 or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        out.append(name if p.default is p.empty else f"{name}={p.default!r}")
    return out


MEASURES: dict[str, MeasureDef] = {}


def register_measure(
    name: str, *, unit: str = "", doc: str = "", signals: tuple[str, ...] = ("signal",)
) -> Callable[[MeasureFunc], MeasureFunc]:
    """Decorator: make ``func(result, **args) -> float`` available to sweeps as ``name``."""

    def deco(func: MeasureFunc) -> MeasureFunc:
        if name in MEASURES and MEASURES[name].func is not func:
            old = MEASURES[name].func
            if (old.__module__, old.__qualname__) != (func.__module__, func.__qualname__):
                raise ValidationError(
                    f"a measure named {name!r} is already registered ({old.__module__}.{old.__qualname__}).",
                    hint="Pick another name.",
                )
        text = doc or (inspect.getdoc(func) or "").split("\n", 1)[0]
        MEASURES[name] = MeasureDef(name, func, unit, text, tuple(signals))
        return func

    return deco


def get_measure(name: str) -> MeasureDef:
    try:
        return MEASURES[name]
    except KeyError:
        raise ValidationError(
            f"no measure named {name!r}.",
            hint=f"Known measures: {', '.join(sorted(MEASURES))}; add your own with @register_measure.",
        ) from None


def signal_unit(name: str) -> str:
    n = normalize_signal(name)
    return "V" if n.startswith("v(") else "A" if n.startswith("i(") else ""


# -- helpers ----------------------------------------------------------------------------------


def _xy(result: Result, signal: str, t_start: float | None = None, t_stop: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The primary plot's axis and ``signal``, limited to [t_start, t_stop] (axis units)."""
    plot = result.primary
    y = np.asarray(plot[signal], dtype=float).reshape(-1)
    if plot.axis is None:
        return np.zeros(1), y
    x = np.asarray(plot.axis, dtype=float).real
    y = y.real if np.iscomplexobj(y) else y
    lo = -math.inf if t_start is None else float(t_start)
    hi = math.inf if t_stop is None else float(t_stop)
    if lo > hi:
        raise ValidationError(f"time window t_start={t_start!r} > t_stop={t_stop!r}.", hint="Swap them.")
    keep = (x >= lo) & (x <= hi)
    return x[keep], y[keep]


def rising_crossings(x: np.ndarray, y: np.ndarray, threshold: float, hysteresis: float = 0.0) -> np.ndarray:
    """Axis values where ``y`` rises through ``threshold`` (interpolated), re-armed below
    ``threshold - hysteresis``: :func:`circuitsnn.spice.spikes.crossings` on the measure's
    axis, which may run backwards (a DC sweep from high to low)."""
    return crossings(x, y, threshold, "rising", hysteresis=hysteresis, increasing=False)


def _window(x: np.ndarray, t_start: float | None, t_stop: float | None) -> float:
    lo = float(x[0]) if t_start is None else float(t_start)
    hi = float(x[-1]) if t_stop is None else float(t_stop)
    return hi - lo


# -- the built-in measures --------------------------------------------------------------------


@register_measure("final_value", unit="{signal}", doc="the signal's last value")
def final_value(result: Result, *, signal: str) -> float:
    return float(_xy(result, signal)[1][-1])


@register_measure("value_at", unit="{signal}", doc="the signal at axis value `at` (linear interpolation)")
def value_at(result: Result, *, signal: str, at: float) -> float:
    x, y = _xy(result, signal)
    if not x[0] <= at <= x[-1]:
        return math.nan
    return float(np.interp(at, x, y))


@register_measure("peak", unit="{signal}", doc="maximum (mode='max'), minimum ('min') or largest magnitude ('abs') in the window")
def peak(result: Result, *, signal: str, mode: str = "max", t_start: float | None = None, t_stop: float | None = None) -> float:
    _, y = _xy(result, signal, t_start, t_stop)
    if not len(y):
        return math.nan
    if mode == "max":
        return float(y.max())
    if mode == "min":
        return float(y.min())
    if mode == "abs":
        return float(y[np.argmax(np.abs(y))])
    raise ValidationError(f"peak: mode must be 'max', 'min' or 'abs', got {mode!r}.")


@register_measure("mean", unit="{signal}", doc="time average over the window (trapezoidal)")
def mean(result: Result, *, signal: str, t_start: float | None = None, t_stop: float | None = None) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    if len(y) < 2 or x[-1] == x[0]:
        return float(y.mean()) if len(y) else math.nan
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))


@register_measure("spike_count", unit="1", doc="rising crossings of `threshold` in the window")
def spike_count(
    result: Result, *, signal: str, threshold: float, hysteresis: float = 0.0,
    t_start: float | None = None, t_stop: float | None = None,
) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    return float(len(rising_crossings(x, y, threshold, hysteresis)))


@register_measure("spike_rate", unit="Hz", doc="spike count divided by the window length")
def spike_rate(
    result: Result, *, signal: str, threshold: float, hysteresis: float = 0.0,
    t_start: float | None = None, t_stop: float | None = None,
) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    span = _window(x, t_start, t_stop)
    if span <= 0:
        return math.nan
    return len(rising_crossings(x, y, threshold, hysteresis)) / span


@register_measure("isi_rate", unit="Hz", doc="1 / mean inter-spike interval (steady-state firing rate); NaN below two spikes")
def isi_rate(
    result: Result, *, signal: str, threshold: float, hysteresis: float = 0.0,
    t_start: float | None = None, t_stop: float | None = None,
) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    t = rising_crossings(x, y, threshold, hysteresis)
    return float(1.0 / np.mean(np.diff(t))) if len(t) >= 2 else math.nan


@register_measure("first_spike_latency", unit="s", doc="time of the first rising crossing after t_start, minus t_start; NaN if none")
def first_spike_latency(
    result: Result, *, signal: str, threshold: float, t_start: float = 0.0, t_stop: float | None = None,
) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    t = rising_crossings(x, y, threshold)
    return float(t[0] - t_start) if len(t) else math.nan


@register_measure("crossing_time", unit="s", doc="time of the n-th (1-based) crossing of `threshold` in `direction` ('rise'/'fall'); NaN if none")
def crossing_time(result: Result, *, signal: str, threshold: float, direction: str = "rise", n: int = 1) -> float:
    x, y = _xy(result, signal)
    if direction not in ("rise", "fall"):
        raise ValidationError(f"crossing_time: direction must be 'rise' or 'fall', got {direction!r}.")
    t = crossings(x, y, threshold, "rising" if direction == "rise" else "falling", increasing=False)
    return float(t[n - 1]) if 0 < n <= len(t) else math.nan


@register_measure("rise_time", unit="s", doc="time from `low` to `high` fraction of the final value (10-90 % by default)")
def rise_time(result: Result, *, signal: str, low: float = 0.1, high: float = 0.9) -> float:
    x, y = _xy(result, signal)
    y0, y1 = float(y[0]), float(y[-1])
    if y1 == y0:
        return math.nan
    s = (y - y0) / (y1 - y0)
    t_lo, t_hi = rising_crossings(x, s, low), rising_crossings(x, s, high)
    return float(t_hi[0] - t_lo[0]) if len(t_lo) and len(t_hi) else math.nan


@register_measure(
    "conductance",
    unit="S",
    doc="|I| / V_read: the device conductance from a read current, averaged over the read window",
    signals=("current",),
)
def conductance(
    result: Result, *, current: str, v_read: float, t_start: float | None = None, t_stop: float | None = None,
) -> float:
    """G = |mean(I)| / |V_read| over [t_start, t_stop]; ``current`` is e.g. ``i(vread)``."""
    if v_read == 0:
        raise ValidationError("conductance: v_read must be non-zero.", hint="Give the read voltage in V, e.g. v_read = 0.1.")
    return abs(mean(result, signal=current, t_start=t_start, t_stop=t_stop)) / abs(v_read)


@register_measure(
    "delta_g_per_pulse",
    unit="S",
    doc="(G after - G before) / pulses: conductance change per programming pulse from two read windows",
    signals=("current",),
)
def delta_g_per_pulse(
    result: Result, *, current: str, v_read: float, before: tuple[float, float] | list[float],
    after: tuple[float, float] | list[float], pulses: int = 1,
) -> float:
    """ΔG/pulse = (G(after window) − G(before window)) / pulses, each G = |mean I| / V_read."""
    if pulses < 1:
        raise ValidationError(f"delta_g_per_pulse: pulses must be >= 1, got {pulses!r}.")
    g0 = conductance(result, current=current, v_read=v_read, t_start=before[0], t_stop=before[1])
    g1 = conductance(result, current=current, v_read=v_read, t_start=after[0], t_stop=after[1])
    return (g1 - g0) / pulses


@register_measure("op_value", unit="{signal}", doc="a value from the .op analysis")
def op_value(result: Result, *, signal: str) -> float:
    return result.op.value(signal)


@register_measure("integral", unit="", doc="time integral of the signal over the window (e.g. charge from a current: A*s)")
def integral(result: Result, *, signal: str, t_start: float | None = None, t_stop: float | None = None) -> float:
    x, y = _xy(result, signal, t_start, t_stop)
    return float(np.trapezoid(y, x)) if len(y) >= 2 else 0.0


@register_measure(
    "testbench",
    unit="",
    doc="a scalar from the component testbench's own measure() (e.g. tau_on of an optocoupler step)",
    signals=(),
)
def testbench_value(result: Result, *, key: str, index: int | None = None, _tb_measure: Callable | None = None) -> float:
    """``testbench.measure(result)[key]`` (element ``index`` of an array). The engine passes
    the point's testbench as ``_tb_measure``; the unit comes from ``Testbench.units``."""
    if _tb_measure is None:
        raise ValidationError(f"testbench measure {key!r}: this testbench has no measure().", hint="Use a Python measure instead.")
    values = _tb_measure(result)
    if key not in values:
        raise ValidationError(f"the testbench measures {', '.join(values)}, not {key!r}.", hint="Pick one of those for key =.")
    arr = np.asarray(values[key], dtype=float).reshape(-1)
    if index is not None:
        return float(arr[index])
    if arr.size != 1:
        raise ValidationError(f"testbench measure {key!r} is an array of {arr.size} values.", hint="Give index = N to take one element.")
    return float(arr[0])


@dataclass(frozen=True)
class MeasureSpec:
    """One named measure of a sweep: which registered measure, with which arguments."""

    measure: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def definition(self) -> MeasureDef:
        return get_measure(self.measure)

    def signals(self) -> list[str]:
        d = self.definition
        return [normalize_signal(str(self.args[a])) for a in d.signals if a in self.args]
