"""From a spec to points: check a :class:`~.spec.SweepSpec` against its component and testbench,
and enumerate the sweep's points (grid axes, corners, Monte Carlo samples).

:func:`build_plan` (what :meth:`SweepSpec.plan` calls) checks, in this order: the component,
testbench and run settings; the fixed ``[params]`` and ``[stimulus]``; the ``[grid]`` axes; the
``[corners]``; ``[montecarlo]``; the ``[analysis]`` override; the ``[measures]``; then builds the
first point's deck, so a testbench that rejects its arguments fails before anything runs.
Every problem is a :class:`~.spec.SpecError` at a key path, located to its TOML line.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..params import Params
from ..spice.ir import Analysis, DcSweep, Deck, Op, Tran
from .measures import MeasureSpec, get_measure
from .spec import (
    ABSOLUTE_ZERO_C,
    WAVEFORM_MODES,
    Corners,
    MonteCarlo,
    SpecError,
    SweepSpec,
    _analysis_from_dict,
    _corners_from_dict,
    _int,
    _montecarlo_from_dict,
    _num,
    _range_values,
    number_or_text,
)
from .variation import PDK_STATISTICS, Mismatch, MismatchError, MonteCarloSampler, pdk_seed

#: column and dimension names a measure cannot take
RESERVED_NAMES = ("sample", "status", "error", "reason", "elapsed", "index")


@dataclass(frozen=True)
class Axis:
    """One dimension of the sweep."""

    name: str
    values: tuple[Any, ...]
    kind: str  # "param" | "stimulus" | "process" | "temperature" | "supply"
    unit: str = ""
    doc: str = ""
    #: for "process": the Params overrides of each named corner
    overrides: tuple[Mapping[str, Any], ...] = ()

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Point:
    """One sweep point: its position, coordinates and everything needed to build its deck."""

    index: int
    position: tuple[int, ...]
    coords: Mapping[str, Any]
    params: Mapping[str, Any]
    stimulus: Mapping[str, Any]
    temperature: float | None
    sample: int | None = None
    mc: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepPlan:
    """A checked spec: the component, the axes and the Monte Carlo set-up."""

    spec: SweepSpec
    component: Any
    axes: tuple[Axis, ...]
    params: Mapping[str, Any]
    stimulus: Mapping[str, Any]
    analysis: Analysis | None
    measures: Mapping[str, MeasureSpec]
    mc_n: int = 0
    mc_seed: int = 0
    mismatch: Mapping[str, Mismatch] = field(default_factory=dict)
    #: units of the testbench's own measure() outputs (for ``measure = "testbench"``)
    tb_units: Mapping[str, str] = field(default_factory=dict)
    #: ``[montecarlo] pdk``: the technology's statistical switches on in every sample
    mc_pdk: str | None = None

    def measure_unit(self, name: str) -> str:
        m = self.measures[name]
        if m.measure == "testbench":
            return str(self.tb_units.get(str(m.args.get("key")), ""))
        return m.definition.unit_for(m.args)

    def measure_tasks(self, testbench: Any) -> tuple[tuple[str, Any, dict, str], ...]:
        """(name, function, arguments, unit) of every measure for one point's testbench."""
        out = []
        for name, m in self.measures.items():
            args = dict(m.args)
            if m.measure == "testbench":
                args["_tb_measure"] = testbench.measure
            out.append((name, m.definition.func, args, self.measure_unit(name)))
        return tuple(out)

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes) + (("sample",) if self.mc_n else ())

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.axes) + ((self.mc_n,) if self.mc_n else ())

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def sampler(self) -> MonteCarloSampler:
        """The Monte Carlo sampler of this plan (:mod:`.variation`)."""
        return MonteCarloSampler(self.mismatch, self.mc_seed)

    def mc_draws(self, sample: int) -> dict[str, float]:
        """The unit draws (z) of sample ``sample``: standard normal or uniform on [-1, 1]."""
        return self.sampler.unit_draws(sample)

    def points(self) -> Iterator[Point]:
        """Every point, in index order (the last dimension varies fastest)."""
        ranges = [range(len(a)) for a in self.axes] + ([range(self.mc_n)] if self.mc_n else [])
        draws = [self.mc_draws(s) for s in range(self.mc_n)]
        defaults = self.component.params_cls().to_dict()
        for flat, pos in enumerate(itertools.product(*ranges)):
            yield self._point(flat, tuple(pos), draws[pos[-1]] if self.mc_n else {}, defaults)

    def point(self, index: int) -> Point:
        """The point with flat index ``index`` (random access, same result as :meth:`points`)."""
        if not 0 <= index < self.size:
            raise IndexError(f"point {index} is outside 0..{self.size - 1}")
        pos = tuple(int(i) for i in np.unravel_index(index, self.shape)) if self.shape else ()
        draws = self.mc_draws(pos[-1]) if self.mc_n else {}
        return self._point(index, pos, draws, self.component.params_cls().to_dict())

    def _point(self, flat: int, pos: tuple[int, ...], draws: Mapping[str, float], defaults: Mapping[str, Any]) -> Point:
        coords: dict[str, Any] = {}
        params = dict(self.params)
        stimulus = dict(self.stimulus)
        temp = None
        for axis, i in zip(self.axes, pos):
            value = axis.values[i]
            coords[axis.name] = value
            if axis.kind in ("param", "supply"):
                params[axis.name] = value
            elif axis.kind == "stimulus":
                stimulus[axis.name] = value
            elif axis.kind == "process":
                params.update(axis.overrides[i])
            elif axis.kind == "temperature":
                temp = float(value)
        mc: dict[str, float] = {}
        sample = None
        if self.mc_n:
            sample = pos[-1]
            coords["sample"] = sample
            nominal = {name: params.get(name, defaults[name]) for name in draws}
            mc = self.sampler.apply(nominal, draws)
            params.update(mc)
            if self.mc_pdk and PDK_STATISTICS[self.mc_pdk][1]:
                params["corner"] = self._technology().statistics.global_corner
        return Point(flat, pos, coords, params, stimulus, temp, sample, mc)

    def _technology(self):
        tech, _corner = self.component.technology_for()
        return tech

    def pdk_seed(self, sample: int) -> int:
        """ngspice's ``.options seed`` of Monte Carlo sample ``sample`` (``[montecarlo] pdk``)."""
        return pdk_seed(self.mc_seed, sample)

    def build(self, point: Point) -> tuple[Any, Deck]:
        """The point's testbench and its deck (temperature and analysis override applied)."""
        params = self.component.make_params(**point.params)
        tb = self.component.testbench(self.spec.testbench, params, **point.stimulus)
        deck = tb.deck
        if self.analysis is not None:
            deck = deck.with_analyses(self.analysis)
        if point.temperature is not None:
            deck = dataclasses.replace(deck, temp=point.temperature)
        if self.mc_pdk and point.sample is not None:
            mismatch, global_ = PDK_STATISTICS[self.mc_pdk]
            switches = self._technology().deck_params(mismatch=mismatch, global_=global_)
            deck = dataclasses.replace(deck, params={**dict(deck.params), **switches},
                                       options={**dict(deck.options), "seed": self.pdk_seed(point.sample)})
        return tb, deck

    def saved_signals(self, probes: Sequence[str]) -> tuple[str, ...] | None:
        """Signals kept per point: None for all, () for none."""
        from ..spice.result import normalize_signal

        mode = self.spec.waveforms
        if mode == "all":
            return None
        if mode == "none":
            return ()
        names = [normalize_signal(p) for p in probes]
        for m in self.measures.values():
            names += m.signals()
        return tuple(dict.fromkeys(names))


# -- the component a spec sweeps ------------------------------------------------------------------


def _builder_kwargs(builder: Any) -> tuple[set[str], bool]:
    """The keyword arguments a testbench builder takes, and whether it takes any (**kw)."""
    try:
        sig = inspect.signature(builder)
    except (TypeError, ValueError):
        return set(), True
    names, anything = set(), False
    for i, (name, p) in enumerate(sig.parameters.items()):
        if i == 0 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue  # the params object
        if p.kind == p.VAR_KEYWORD:
            anything = True
        elif p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.add(name)
    return names, anything


@dataclass
class _Target:
    """The component and testbench a spec sweeps, with the checks every section shares."""

    spec: SweepSpec
    comp: Any
    meta: dict[str, dict]  # Params field -> its metadata (unit, doc, range)
    tb_kwargs: set[str]
    tb_any: bool  # the testbench takes **kwargs

    @property
    def cls_name(self) -> str:
        return self.comp.params_cls.__name__

    @property
    def fields(self) -> list[str]:
        return [n for n, m in self.meta.items() if "unit" in m]

    def is_keyword(self, name: str) -> bool:
        return name in self.tb_kwargs or self.tb_any

    def unknown(self, path: Sequence[str], name: str) -> SpecError:
        return SpecError(
            path,
            f"{name!r} is neither a parameter of {self.cls_name} nor a keyword of testbench {self.spec.testbench!r}.",
            hint=f"Parameters: {', '.join(self.fields) or 'none'}. Testbench keywords: {', '.join(sorted(self.tb_kwargs)) or 'none'}. "
            f"Check the spelling (`circuitsnn list {self.comp.name}`).",
        )

    def param_value(self, path: Sequence[str], name: str, raw: Any) -> Any:
        """A Params field's value from the spec: a choice, an integer or a number."""
        m = self.meta[name]
        if m.get("choices") is not None:
            if raw not in m["choices"]:
                raise SpecError(path, f"{raw!r} is not allowed for {name}.", hint=f"Use one of {', '.join(map(repr, m['choices']))}.")
            return raw
        x = _num(path, raw)
        if m.get("integer"):
            if x != int(x):
                raise SpecError(path, f"{name} must be an integer, got {raw!r}.")
            return int(x)
        return x

    def check_param(self, path: Sequence[str], fixed: Mapping[str, Any], name: str, value: Any) -> None:
        """Range check of one value through the Params class itself."""
        try:
            self.comp.make_params(**{**fixed, name: value})
        except ValidationError as exc:
            raise SpecError(path, f"value {value!r} is rejected: {exc.message}", hint=exc.hint or "Change the value or the range.") from None

    def stimulus_value(self, path: Sequence[str], raw: Any) -> Any:
        """A testbench keyword's value: SPICE number text becomes a number, other text stays."""
        if isinstance(raw, str):
            return number_or_text(path, raw)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, (bool, list, tuple)):
            return raw
        raise SpecError(path, f"unsupported value {raw!r}.")


def _import_modules(spec: SweepSpec) -> None:
    for mod in spec.modules:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            raise SpecError(("sweep", "modules"), f"cannot import {mod!r}: {exc}.", hint="Install it, or put its folder on PYTHONPATH.") from None


def _target(spec: SweepSpec) -> _Target:
    """The registered component and testbench, and the run settings ([sweep])."""
    from ..library import registry

    _import_modules(spec)
    try:
        comp = registry.get(spec.component)
    except ValidationError as exc:
        raise SpecError(("sweep", "component"), exc.message, hint=exc.hint) from None
    if spec.testbench not in comp.testbenches:
        raise SpecError(("sweep", "testbench"), f"component {comp.name!r} has no testbench {spec.testbench!r}.", hint=f"Its testbenches: {', '.join(comp.testbenches)}.")
    if not isinstance(spec.timeout, (int, float)) or isinstance(spec.timeout, bool) or not spec.timeout > 0:
        raise SpecError(("sweep", "timeout"), f"must be a positive number of seconds, got {spec.timeout!r}.")
    if spec.waveforms not in WAVEFORM_MODES:
        raise SpecError(("sweep", "waveforms"), f"must be one of {', '.join(WAVEFORM_MODES)}, got {spec.waveforms!r}.", hint="probes: the testbench probes and measured signals (default); all: every vector; none: measures only.")
    meta = {f.name: dict(f.metadata) for f in dataclasses.fields(comp.params_cls)}
    tb_kwargs, tb_any = _builder_kwargs(comp.testbenches[spec.testbench])
    return _Target(spec, comp, meta, tb_kwargs, tb_any)


# -- the sections ---------------------------------------------------------------------------------


def _fixed_params(t: _Target, raw_params: Any) -> dict[str, Any]:
    """[params]: fixed Params overrides, each checked against the field's range."""
    if not isinstance(raw_params, Mapping):
        raise SpecError(("params",), "must be a table of parameter = value.")
    params: dict[str, Any] = {}
    for name, raw in raw_params.items():
        if name not in t.meta:
            if t.is_keyword(name):
                raise SpecError(("params", name), f"{name!r} is a testbench keyword, not a parameter of {t.cls_name}.", hint="Move it to [stimulus].")
            raise t.unknown(("params", name), name)
        params[name] = t.param_value(("params", name), name, raw)
    for name, value in params.items():
        t.check_param(("params", name), params, name, value)
    return params


def _fixed_stimulus(t: _Target, raw_stimulus: Mapping[str, Any]) -> dict[str, Any]:
    """[stimulus]: fixed keyword arguments of the testbench builder."""
    stimulus: dict[str, Any] = {}
    for name, raw in dict(raw_stimulus).items():
        if not t.is_keyword(name):
            if name in t.meta:
                raise SpecError(("stimulus", name), f"{name!r} is a parameter of {t.cls_name}, not a testbench keyword.", hint="Move it to [params].")
            raise t.unknown(("stimulus", name), name)
        stimulus[name] = t.stimulus_value(("stimulus", name), raw)
    return stimulus


def _grid_values(t: _Target, path: tuple[str, ...], name: str, raw: Any) -> tuple[Any, str | None]:
    """The raw values of one [grid] entry (list, values/linspace/logspace table) and its unit."""
    if isinstance(raw, (list, tuple, np.ndarray)):
        return list(raw), None
    if not isinstance(raw, Mapping):
        raise SpecError(path, f"expected a list of values or {{ linspace = [...] }}, got {raw!r}.", hint=f"e.g. {name} = [1e3, 2e3, 5e3].")
    forms = [k for k in ("values", "linspace", "logspace") if k in raw]
    extra = [k for k in raw if k not in ("values", "linspace", "logspace", "unit")]
    if extra:
        raise SpecError(path + (extra[0],), f"unknown key {extra[0]!r}.", hint="A grid entry takes values = [...], linspace = [start, stop, num] or logspace = [start, stop, num], and unit = \"...\".")
    if len(forms) != 1:
        raise SpecError(path, "give exactly one of values, linspace or logspace.", hint="e.g. r = { logspace = [1e3, 1e6, 4] }.")
    form = forms[0]
    values = raw["values"] if form == "values" else _range_values(path + (form,), form, raw[form])
    unit = raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise SpecError(path + ("unit",), "must be a string, e.g. \"A\".")
    if unit is not None and name in t.meta and unit != t.meta[name]["unit"]:
        raise SpecError(path + ("unit",), f"{name} is in {t.meta[name]['unit']!r}, not {unit!r}.", hint="Values are base SI; drop unit = for Params fields (it comes from the field).")
    return values, unit


def _grid_axes(t: _Target, grid: Any, params: Mapping[str, Any], stimulus: Mapping[str, Any]) -> tuple[list[Axis], dict[str, tuple[str, ...]]]:
    """[grid]: one axis per entry, in file order; returns the axes and what they sweep."""
    axes: list[Axis] = []
    swept: dict[str, tuple[str, ...]] = {}
    if not isinstance(grid, Mapping):
        raise SpecError(("grid",), "must be a table of name = values.")
    for name, raw in grid.items():
        path = ("grid", name)
        is_param = name in t.meta
        if not is_param and not t.is_keyword(name):
            raise t.unknown(path, name)
        if name in params or name in stimulus:
            where = "params" if name in params else "stimulus"
            raise SpecError(path, f"{name!r} is both fixed in [{where}] and swept here.", hint="Remove one of them.")
        raw_values, unit = _grid_values(t, path, name, raw)
        if not isinstance(raw_values, (list, tuple, np.ndarray)):
            raise SpecError(path, f"values must be a list, got {raw_values!r}.")
        if len(raw_values) == 0:
            raise SpecError(path, "the grid is empty.", hint=f"Give at least one value, e.g. {name} = [1.0], or remove the entry.")
        if is_param:
            values = [t.param_value(path, name, v) for v in raw_values]
            for v in values:
                t.check_param(path, params, name, v)
            unit, doc, kind = t.meta[name]["unit"], t.meta[name]["doc"], "param"
        else:
            values = [t.stimulus_value(path, v) for v in raw_values]
            doc, kind = f"testbench {t.spec.testbench!r} keyword", "stimulus"
        if len(set(map(repr, values))) != len(values):
            raise SpecError(path, f"values repeat: {values!r}.", hint="Each value once; repeated values would be the same point twice.")
        axes.append(Axis(name, tuple(values), kind, unit or "", doc))
        swept[name] = path
    return axes, swept


def _process_axis(t: _Target, process: Mapping[str, Any], params: Mapping[str, Any], swept: Mapping[str, Any]) -> Axis:
    labels, overrides = [], []
    for label, ov in process.items():
        path = ("corners", "process", label)
        if not isinstance(ov, Mapping):
            raise SpecError(path, "a process corner is a table of parameter overrides.", hint="e.g. ss = { r = 1.1e3, c = 1.2e-12 }.")
        done = {}
        for pname, raw in ov.items():
            if pname not in t.meta:
                raise t.unknown(path + (pname,), pname)
            if pname in swept:
                raise SpecError(path + (pname,), f"{pname!r} is also swept in the grid.", hint="Remove it from one of them.")
            done[pname] = t.param_value(path + (pname,), pname, raw)
            t.check_param(path + (pname,), params, pname, done[pname])
        labels.append(str(label))
        overrides.append(done)
    return Axis("process", tuple(labels), "process", "", "process corner", tuple(overrides))


def _pdk_axis(t: _Target, names: Sequence[str], params: Mapping[str, Any], swept: Mapping[str, Any],
              process: Mapping[str, Any]) -> Axis:
    """[corners] pdk: the technology's process corners, as the component's ``corner`` parameter."""
    path = ("corners", "pdk")
    tech, _ = t.comp.technology_for()
    if tech is None or "corner" not in t.meta:
        raise SpecError(path, f"component {t.comp.name!r} has no PDK corners (no technology with a 'corner' parameter).",
                        hint="Sweep a component built in a PDK, e.g. axon_hillock_gf180 or digital_code_gf180.")
    for where, holder in (("swept in [grid]", swept), ("fixed in [params]", params)):
        if "corner" in holder:
            raise SpecError(path, f"'corner' is also {where}.", hint="Remove it from one of them.")
    if any("corner" in dict(ov) for ov in process.values() if isinstance(ov, Mapping)):
        raise SpecError(path, "a [corners] process entry also sets 'corner'.", hint="Remove it from one of them.")
    statistical = tech.statistics.global_corner
    names = [c for c in tech.corner_names if c != statistical] if tuple(names) == ("all",) else list(names)
    choices = t.meta["corner"].get("choices") or tech.corner_names
    for c in names:
        if c not in choices:
            raise SpecError(path, f"{c!r} is not a corner of {tech.name}.", hint=f"Its corners: {', '.join(x for x in choices if x != statistical)}.")
    if len(set(names)) != len(names):
        raise SpecError(path, f"corners repeat: {names}.")
    return Axis("corner", tuple(names), "process", "", f"{tech.name} process corner (model library section)",
                tuple({"corner": c} for c in names))


def _temperature_axis(temperatures: Sequence[Any]) -> Axis:
    path = ("corners", "temperature")
    temps = [_num(path, x) for x in temperatures]
    bad = [x for x in temps if x <= ABSOLUTE_ZERO_C]
    if bad:
        raise SpecError(path, f"{bad[0]:g} °C is below absolute zero.", hint="Temperatures are in °C, e.g. [-40, 27, 125].")
    if len(set(temps)) != len(temps):
        raise SpecError(path, f"temperatures repeat: {temps}.")
    return Axis("temperature", tuple(temps), "temperature", "degC", "simulation temperature (.temp)")


def _supply_axis(t: _Target, corners: Corners, params: Mapping[str, Any], swept: Mapping[str, Any]) -> Axis:
    path = ("corners", "supply")
    sname = corners.supply
    if sname not in t.meta:
        raise SpecError(path + ("param",), f"{sname!r} is not a parameter of {t.cls_name}, so it cannot be the supply.", hint=f"Parameters: {', '.join(t.fields)}.")
    if sname in swept or sname in params:
        raise SpecError(path + ("param",), f"{sname!r} is also {'swept in [grid]' if sname in swept else 'fixed in [params]'}.", hint="Remove it from one of them.")
    if len(corners.supply_values) == 0:
        raise SpecError(path, "no supply values.", hint="Give values = [1.62, 1.8, 1.98] or nominal = 1.8, tolerance = 0.1.")
    values = [t.param_value(path, sname, v) for v in corners.supply_values]
    for v in values:
        t.check_param(path, params, sname, v)
    return Axis(sname, tuple(values), "supply", t.meta[sname]["unit"], t.meta[sname]["doc"] + " (supply corner)")


def _corner_axes(t: _Target, corners: Any, params: Mapping[str, Any], swept: dict[str, tuple[str, ...]]) -> list[Axis]:
    """[corners]: process, then temperature, then supply (adds the supply field to ``swept``)."""
    if corners is None:
        return []
    if not isinstance(corners, Corners):
        corners = _corners_from_dict(corners)
    axes = []
    if corners.process:
        axes.append(_process_axis(t, corners.process, params, swept))
    if corners.pdk:
        axes.append(_pdk_axis(t, corners.pdk, params, swept, corners.process))
    if len(corners.temperature):
        axes.append(_temperature_axis(corners.temperature))
    if corners.supply is not None:
        axes.append(_supply_axis(t, corners, params, swept))
        swept[corners.supply] = ("corners", "supply")
    return axes


def _montecarlo(t: _Target, mc: Any) -> tuple[int, int, dict[str, Mismatch]]:
    """[montecarlo]: (samples, seed, checked mismatch per field)."""
    if mc is None:
        return 0, 0, {}
    if isinstance(mc, Mapping):
        mc = _montecarlo_from_dict(mc)
    assert isinstance(mc, MonteCarlo)
    n = _int(("montecarlo", "n"), mc.n, minimum=1)
    seed = _int(("montecarlo", "seed"), mc.seed, minimum=0)
    if not mc.mismatch and not mc.pdk:
        raise SpecError(("montecarlo", "mismatch"), "no parameter has mismatch.",
                        hint="e.g. mismatch.r = { sigma = 0.05 } (5 % Gaussian), or pdk = \"mismatch\" for a PDK's own statistics.")
    if mc.pdk:
        _check_pdk_statistics(t, mc.pdk)
    mismatch: dict[str, Mismatch] = {}
    for pname, m in mc.mismatch.items():
        path = ("montecarlo", "mismatch", pname)
        try:
            if isinstance(m, Mapping):
                m = Mismatch.from_dict(m)
            if pname not in t.meta:
                if t.is_keyword(pname):
                    raise SpecError(path, f"{pname!r} is a testbench keyword; mismatch applies to parameters of {t.cls_name}.", hint=f"Parameters: {', '.join(t.fields)}.")
                raise t.unknown(path, pname)
            fm = t.meta[pname]
            if fm.get("choices") is not None or fm.get("integer"):
                raise SpecError(path, f"{pname} is {'a choice' if fm.get('choices') else 'an integer'}; mismatch needs a continuous parameter.")
            mismatch[pname] = m.checked()
        except MismatchError as exc:
            raise SpecError(path + ((exc.key,) if exc.key else ()), exc.message, hint=exc.hint) from None
    return n, seed, mismatch


def _check_pdk_statistics(t: _Target, pdk: str) -> None:
    path = ("montecarlo", "pdk")
    if pdk not in PDK_STATISTICS:
        raise SpecError(path, f"must be one of {', '.join(map(repr, PDK_STATISTICS))}, got {pdk!r}.")
    tech, _ = t.comp.technology_for()
    st = tech.statistics if tech is not None else None
    mismatch, global_ = PDK_STATISTICS[pdk]
    if st is None or (mismatch and not st.mismatch) or (global_ and not st.global_):
        raise SpecError(path, f"component {t.comp.name!r} has no technology with {pdk} statistics.",
                        hint="Use a component built in a PDK with statistical models, e.g. axon_hillock_gf180.")
    if global_ and "corner" not in t.meta:
        raise SpecError(path, f"global variation needs the {st.global_corner!r} corner, but {t.cls_name} has no 'corner' parameter.")


def _analysis(analysis: Any) -> Analysis | None:
    """[analysis]: an override of the testbench's analysis."""
    if analysis is not None and not isinstance(analysis, (Tran, DcSweep, Op)):
        return _analysis_from_dict(analysis)
    return analysis


def _measure_spec(path: tuple[str, ...], m: Any) -> MeasureSpec:
    """A measure from its TOML table: number text becomes numbers, except signal names."""
    if not isinstance(m, Mapping):
        return m
    if "measure" not in m or not isinstance(m["measure"], str):
        raise SpecError(path, "needs measure = \"<kind>\".", hint="e.g. measure = \"spike_rate\", signal = \"mem\", threshold = 0.5.")
    try:
        signals = get_measure(m["measure"]).signals
    except ValidationError as exc:
        raise SpecError(path + ("measure",), exc.message, hint=exc.hint) from None
    args = {
        k: (number_or_text(path + (k,), v) if isinstance(v, str) and k not in signals else v)
        for k, v in m.items() if k != "measure"
    }
    return MeasureSpec(m["measure"], args)


def _measures(raw_measures: Mapping[str, Any], taken: set[str]) -> dict[str, MeasureSpec]:
    """[measures.NAME]: registered measures with arguments checked against their signatures."""
    measures: dict[str, MeasureSpec] = {}
    for mname, m in dict(raw_measures).items():
        path = ("measures", mname)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(mname)):
            raise SpecError(path, f"measure name {mname!r} is not an identifier.", hint="Use letters, digits and _ (e.g. rate_hz).")
        if mname in taken:
            raise SpecError(path, f"the name {mname!r} is taken by a dimension or column.", hint="Rename the measure.")
        m = _measure_spec(path, m)
        try:
            d = get_measure(m.measure)
        except ValidationError as exc:
            raise SpecError(path + ("measure",), exc.message, hint=exc.hint) from None
        try:
            d.check_args(m.args)
        except ValidationError as exc:
            bad = re.search(r"unknown argument '(\w+)'", exc.message)
            raise SpecError(path + ((bad.group(1),) if bad else ()), exc.message, hint=exc.hint) from None
        for a in d.signals:
            if a in m.args and not isinstance(m.args[a], str):
                raise SpecError(path + (a,), f"must be a signal name, e.g. \"out\", \"v(x1.mem)\" or \"i(vread)\"; got {m.args[a]!r}.")
        measures[str(mname)] = m
    return measures


# -- the first point ------------------------------------------------------------------------------


def _doc_keywords(builder: Any) -> str:
    """What a ``**stimulus`` builder's docstring says it takes (its signature cannot)."""
    doc = inspect.getdoc(builder) or ""
    words = sorted(set(re.findall(r"``(\w+)``", doc)))
    return f"The testbench's description mentions: {', '.join(words)}." if words else "See the testbench's docstring (`circuitsnn list`)."


def _coords_text(coords: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in coords.items())


def _build_first(t: _Target, plan: SweepPlan, swept: Mapping[str, Any]) -> Any:
    """Build the first point now: a broken testbench call fails here, not at every point."""
    first = next(plan.points())
    try:
        tb, _deck = plan.build(first)
    except ValidationError as exc:
        raise SpecError((), f"the first point ({_coords_text(first.coords)}) cannot be built: {exc.message}", hint=exc.hint) from None
    except TypeError as exc:
        bad = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        if bad:
            name = bad.group(1)
            raise SpecError(
                ("grid", name) if name in swept else ("stimulus", name),
                f"{name!r} is neither a parameter of {t.cls_name} nor a keyword of testbench {t.spec.testbench!r}.",
                hint=f"Parameters: {', '.join(t.fields)}. {_doc_keywords(t.comp.testbenches[t.spec.testbench])}",
            ) from None
        raise SpecError(("stimulus",), f"testbench {t.spec.testbench!r} rejected its arguments: {exc}.", hint="Check the [stimulus] and [grid] keywords against the testbench.") from None
    return tb


def _check_testbench_measures(t: _Target, measures: Mapping[str, MeasureSpec], tb: Any) -> None:
    """``measure = "testbench"`` needs the testbench's own measure() and one of its keys."""
    for mname, m in measures.items():
        if m.measure != "testbench":
            continue
        if tb.measure is None:
            raise SpecError(("measures", mname, "measure"), f"testbench {t.spec.testbench!r} has no measure() of its own.", hint="Use a Python measure (spike_count, final_value, ...) instead.")
        if "_tb_measure" in m.args:
            raise SpecError(("measures", mname), "_tb_measure is set by the engine.")
        if tb.units and str(m.args.get("key")) not in tb.units:
            raise SpecError(("measures", mname, "key"), f"testbench {t.spec.testbench!r} measures {', '.join(tb.units)}, not {m.args.get('key')!r}.", hint="Pick one of those.")


def build_plan(spec: SweepSpec) -> SweepPlan:
    """Check ``spec`` against its component and testbench; the checked plan (raises
    :class:`SpecError` at the first problem)."""
    t = _target(spec)
    params = _fixed_params(t, spec.params)
    stimulus = _fixed_stimulus(t, spec.stimulus)
    axes, swept = _grid_axes(t, spec.grid, params, stimulus)
    axes += _corner_axes(t, spec.corners, params, swept)
    mc_n, mc_seed, mismatch = _montecarlo(t, spec.montecarlo)
    mc_spec = _montecarlo_from_dict(spec.montecarlo) if isinstance(spec.montecarlo, Mapping) else spec.montecarlo
    mc_pdk = getattr(mc_spec, "pdk", None) if mc_n else None
    if mc_pdk and PDK_STATISTICS[mc_pdk][1] and any(a.name == "corner" for a in axes):
        raise SpecError(("montecarlo", "pdk"), "global variation runs in the PDK's statistical corner, so it cannot be "
                        "combined with a [corners] pdk axis.", hint='Use pdk = "mismatch" with corners, or drop the corner axis.')
    analysis = _analysis(spec.analysis)
    taken = {a.name for a in axes} | set(RESERVED_NAMES) | set(mismatch)
    measures = _measures(spec.measures, taken)
    if not axes and not mc_n:
        raise SpecError(("grid",), "nothing is swept.", hint="Add a [grid] entry, [corners] or [montecarlo].")
    plan = SweepPlan(spec, t.comp, tuple(axes), params, stimulus, analysis, measures, mc_n, mc_seed, mismatch, mc_pdk=mc_pdk)
    tb = _build_first(t, plan, swept)
    _check_testbench_measures(t, measures, tb)
    return dataclasses.replace(plan, tb_units=dict(tb.units))
