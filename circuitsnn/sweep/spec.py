"""What to sweep: a TOML file or the same thing in Python, checked before anything runs.

A sweep runs one registered component's testbench at every point of a product of axes:

* **grid** axes: a Params field or a stimulus keyword of the testbench, as a list of values,
  ``{ linspace = [start, stop, num] }`` or ``{ logspace = [start, stop, num] }`` (start and stop
  are values, not exponents: ``logspace = [1e-9, 1e-6, 4]`` gives 1n, 10n, 100n, 1u);
* **corners**: ``temperature`` (°C, becomes the deck's ``.temp``), ``supply`` (a named Params
  field, e.g. ``vdd``: explicit values or nominal ± tolerance) and named ``process`` corners
  (each a set of Params overrides);
* **Monte Carlo**: ``n`` samples of mismatch on named Params fields, Gaussian (``sigma``) or
  uniform (``half_width``), relative (default, a fraction of the point's value) or absolute
  (base SI). Sample ``s`` draws from ``numpy.random.default_rng([seed, s])`` in sorted
  parameter order, so a sample is the same "die" at every grid point and corner, and the same
  seed reproduces the same values on any machine.

The dimensions of the result are the grid axes (file order), then ``process``,
``temperature``, the supply field, then ``sample``. Example (``examples/sweeps/``)::

    [sweep]
    component = "lif"
    testbench = "step"
    timeout = 60                 # s per point; a hung point is killed and recorded

    [stimulus]                   # fixed keyword arguments of the testbench builder
    t_stop = 10e-3

    [params]                     # fixed Params overrides
    v_spike = 1.5                # V (SPICE suffixes work in strings: "1.5")

    [grid]
    i_amp = { logspace = [1e-8, 1e-7, 5], unit = "A" }   # a testbench keyword: give its unit
    c = ["5p", "10p"]                                     # LIFParams.c, unit from the field

    [corners]
    temperature = [-40, 27, 125]
    supply = { param = "vdd", nominal = 1.8, tolerance = 0.1 }
    process.slow = { r = 1.2e8 }
    process.fast = { r = 0.8e8 }

    [montecarlo]
    n = 20
    seed = 1
    mismatch.c = { sigma = 0.05 }                                   # 5 % Gaussian
    mismatch.v_th = { dist = "uniform", half_width = 0.01, relative = false }  # ±10 mV

    [measures.rate]
    measure = "isi_rate"         # see circuitsnn.sweep.measures; add your own
    signal = "out"
    threshold = 0.75

``[sweep] modules = ["mylab.measures"]`` imports modules first (your own components or
``@register_measure`` functions). ``waveforms`` = "probes" (default: the testbench probes and
measured signals are kept per point), "all" or "none".

Every problem — an unknown key or parameter, an empty grid, a bad range, a value outside a
field's allowed range — is reported before anything runs, naming the file's line.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..params import Params
from ..spice.ir import Analysis, DcSweep, Deck, Op, Tran
from ..units import parse_value
from .measures import MeasureSpec, get_measure

SECTIONS = ("sweep", "stimulus", "params", "analysis", "grid", "corners", "montecarlo", "measures")
SWEEP_KEYS = ("component", "testbench", "name", "timeout", "waveforms", "out", "modules")
WAVEFORM_MODES = ("probes", "all", "none")
ABSOLUTE_ZERO_C = -273.15


class SpecError(ValidationError):
    """A sweep spec problem at a key path (``("grid", "r")``); located to a TOML line when the
    spec came from a file."""

    def __init__(self, path: Sequence[str], message: str, *, hint: str = "") -> None:
        self.path = tuple(str(p) for p in path)
        self.problem = message
        super().__init__(f"{_path_text(self.path)}: {message}" if self.path else message, hint=hint)


def _path_text(path: Sequence[str]) -> str:
    if not path:
        return ""
    if len(path) == 1:
        return f"[{path[0]}]"
    return f"[{path[0]}] {'.'.join(path[1:])}"


# -- numbers and ranges --------------------------------------------------------------------------


def linspace(start: float, stop: float, num: int) -> tuple[float, ...]:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    return tuple(_range_values(("linspace",), "linspace", [start, stop, num]))


def logspace(start: float, stop: float, num: int) -> tuple[float, ...]:
    """``num`` values evenly spaced in log scale from ``start`` to ``stop`` (values, not
    exponents; both of the same sign, non-zero)."""
    return tuple(_range_values(("logspace",), "logspace", [start, stop, num]))


def _num(path: Sequence[str], value: Any) -> float:
    if isinstance(value, bool):
        raise SpecError(path, f"expected a number, got {value!r}.", hint="Write a number in base SI, e.g. 1e-9 or \"1n\".")
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = parse_value(value)
        except ValidationError:
            raise SpecError(path, f"{value!r} is not a number.", hint="Write a number in base SI, e.g. 1e-9 or \"1n\".") from None
    else:
        raise SpecError(path, f"expected a number, got {type(value).__name__} {value!r}.", hint="Write a number in base SI, e.g. 1e-9 or \"1n\".")
    if not math.isfinite(x):
        raise SpecError(path, f"{value!r} is not finite.", hint="Use a finite number.")
    return x


def _int(path: Sequence[str], value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise SpecError(path, f"must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _range_values(path: Sequence[str], form: str, args: Any) -> list[float]:
    if not isinstance(args, (list, tuple)) or len(args) != 3:
        raise SpecError(path, f"{form} needs [start, stop, num], got {args!r}.", hint=f"e.g. {form} = [1e-9, 1e-6, 4].")
    start, stop = _num(path, args[0]), _num(path, args[1])
    num = _int(path, args[2], minimum=1)
    if num > 1 and start == stop:
        raise SpecError(path, f"{form} from {start:g} to {stop:g} with {num} values repeats one value.", hint="Give different start and stop, or num = 1.")
    if form == "logspace":
        if start == 0 or stop == 0 or (start > 0) != (stop > 0):
            raise SpecError(
                path,
                f"logspace from {start:g} to {stop:g} is not a log range: start and stop must be non-zero and of the same sign.",
                hint="Use linspace for ranges through zero, e.g. linspace = [0, 1, 11].",
            )
        sign = 1.0 if start > 0 else -1.0
        vals = sign * np.geomspace(abs(start), abs(stop), num)
        vals[0], vals[-1] = start, stop  # exact end points
        return [float(v) for v in vals]
    return [float(v) for v in np.linspace(start, stop, num)]


# -- spec dataclasses ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    """Mismatch of one parameter: Gaussian with standard deviation ``sigma``, or uniform on
    ``±half_width``; ``relative`` (default) means a fraction of the point's value, otherwise
    base SI units of the parameter."""

    sigma: float | None = None
    half_width: float | None = None
    dist: str = "gauss"
    relative: bool = True


@dataclass(frozen=True, kw_only=True)
class MonteCarlo:
    """``n`` mismatch samples, reproducible from ``seed``."""

    n: int
    seed: int = 0
    mismatch: Mapping[str, Mismatch | Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Corners:
    """Temperatures (°C → ``.temp``), a supply field with its values, named process corners."""

    temperature: Sequence[float] = ()
    supply: str | None = None
    supply_values: Sequence[float] = ()
    process: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """A sweep, as written in a TOML file or built in Python. :meth:`plan` checks it against
    the component and returns the points.

    ``grid`` maps a Params field or testbench keyword to its values: a list, the result of
    :func:`linspace` / :func:`logspace`, or the TOML forms ``{"linspace": [a, b, n]}``,
    ``{"values": [...], "unit": "A"}``. ``measures`` maps an output name to a
    :class:`~circuitsnn.sweep.measures.MeasureSpec` (or ``{"measure": "spike_rate", ...}``).
    """

    component: str
    testbench: str
    stimulus: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    analysis: Analysis | Mapping[str, Any] | None = None
    grid: Mapping[str, Any] = field(default_factory=dict)
    corners: Corners | Mapping[str, Any] | None = None
    montecarlo: MonteCarlo | Mapping[str, Any] | None = None
    measures: Mapping[str, MeasureSpec | Mapping[str, Any]] = field(default_factory=dict)
    timeout: float = 120.0
    waveforms: str = "probes"
    name: str = ""
    out: str | None = None
    modules: Sequence[str] = ()
    #: the TOML file and its text, for line numbers in error messages
    source: Path | None = field(default=None, compare=False)
    source_text: str | None = field(default=None, compare=False, repr=False)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> "SweepSpec":
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ValidationError(f"cannot read sweep file {str(path)!r}: {exc.strerror}.", hint="Check the path.") from None
        return cls.from_toml_text(text, source=path)

    @classmethod
    def from_toml_text(cls, text: str, source: Path | None = None) -> "SweepSpec":
        where = str(source) if source else "sweep spec"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{where}: not valid TOML: {exc}.", hint="Fix the syntax at that line (strings need quotes, tables [name]).") from None
        try:
            return cls._from_dict(data, source, text)
        except SpecError as exc:
            raise locate(exc, text, source) from None

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any], source: Path | None, text: str | None) -> "SweepSpec":
        for key in data:
            if key not in SECTIONS:
                raise SpecError((key,), f"unknown section or key {key!r}.", hint=f"A sweep file has the tables {', '.join('[' + s + ']' for s in SECTIONS)}.")
            if not isinstance(data[key], dict):
                raise SpecError((key,), f"{key!r} must be a table ([{key}]).")
        sweep = data.get("sweep", {})
        for key in sweep:
            if key not in SWEEP_KEYS:
                raise SpecError(("sweep", key), f"unknown key {key!r}.", hint=f"[sweep] takes: {', '.join(SWEEP_KEYS)}.")
        for key in ("component", "testbench"):
            if not isinstance(sweep.get(key), str) or not sweep.get(key):
                raise SpecError(("sweep",), f"needs {key} = \"...\" (a string).", hint="e.g. component = \"lif\" and testbench = \"step\"; `circuitsnn list` shows them.")
        kw: dict[str, Any] = {}
        if "timeout" in sweep:
            kw["timeout"] = _num(("sweep", "timeout"), sweep["timeout"])
        for key in ("name", "waveforms", "out"):
            if key in sweep:
                if not isinstance(sweep[key], str):
                    raise SpecError(("sweep", key), f"must be a string, got {sweep[key]!r}.")
                kw[key] = sweep[key]
        if "modules" in sweep:
            mods = sweep["modules"]
            if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
                raise SpecError(("sweep", "modules"), "must be a list of module names.", hint='e.g. modules = ["mylab.measures"].')
            kw["modules"] = tuple(mods)
        return cls(
            component=sweep["component"],
            testbench=sweep["testbench"],
            stimulus=data.get("stimulus", {}),
            params=data.get("params", {}),
            analysis=data.get("analysis") or None,
            grid=data.get("grid", {}),
            corners=data.get("corners") or None,
            montecarlo=data.get("montecarlo") or None,
            measures=data.get("measures", {}),
            source=source,
            source_text=text,
            **kw,
        )

    # -- checking ------------------------------------------------------------------------------
    def plan(self) -> "SweepPlan":
        """Check everything against the component and return the sweep's points."""
        try:
            return _plan(self)
        except SpecError as exc:
            if self.source_text is not None:
                raise locate(exc, self.source_text, self.source) from None
            raise

    def fingerprint(self) -> str:
        """A hash of what the spec asks for (not of the file's layout or comments)."""
        payload = {
            k: getattr(self, k)
            for k in ("component", "testbench", "stimulus", "params", "analysis", "grid", "corners", "montecarlo", "measures", "waveforms")
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=_jsonable).encode()).hexdigest()[:16]


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {"__type__": type(obj).__name__, **dataclasses.asdict(obj)}
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep TOML file (syntax and keys checked; :meth:`SweepSpec.plan` checks the rest)."""
    return SweepSpec.from_toml(path)


# -- locating problems in the TOML text -----------------------------------------------------------

_HEADER_RE = re.compile(r"^\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"""^((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def find_line(text: str, path: Sequence[str]) -> int | None:
    """The 1-based line of the TOML text that defines the longest prefix of ``path``, looking
    at table headers, dotted keys and keys inside inline tables on their line."""
    path = tuple(path)
    best: tuple[int, int] | None = None  # (matched length, line)
    table: tuple[str, ...] = ()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _HEADER_RE.match(line)
        if m and not _KEY_RE.match(line):
            table = _split_key(m.group(1))
            cands = [table]
        else:
            m = _KEY_RE.match(line)
            if not m:
                continue
            full = table + _split_key(m.group(1))
            cands = [full]
            # keys of an inline table on the same line: a = { b = 1, c = 2 }
            rest = line[m.end():]
            for inner in re.finditer(r"""[{,]\s*((?:[A-Za-z0-9_\-]+|"[^"]*")(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=""", rest):
                cands.append(full + _split_key(inner.group(1)))
        for cand in cands:
            n = len(cand)
            if n and path[:n] == cand and (best is None or n > best[0]):
                best = (n, lineno)
    return best[1] if best else None


def locate(exc: SpecError, text: str, source: Path | None) -> ValidationError:
    """The same problem, with the file name and line number in front."""
    where = str(source) if source else "sweep spec"
    line = find_line(text, exc.path) if exc.path else None
    prefix = f"{where}, line {line}" if line else where
    msg = f"{prefix}: {_path_text(exc.path)}: {exc.problem}" if exc.path else f"{prefix}: {exc.problem}"
    out = ValidationError(msg, hint=exc.hint)
    out.line = line  # type: ignore[attr-defined]
    out.path = exc.path  # type: ignore[attr-defined]
    return out


# -- the plan ------------------------------------------------------------------------------------


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

    def mc_draws(self, sample: int) -> dict[str, float]:
        """The unit draws (z) of sample ``sample``: standard normal or uniform on [-1, 1]."""
        rng = np.random.default_rng([self.mc_seed, sample])
        z = {}
        for name in sorted(self.mismatch):
            m = self.mismatch[name]
            z[name] = float(rng.standard_normal()) if m.dist == "gauss" else float(rng.uniform(-1.0, 1.0))
        return z

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
            for name, z in draws.items():
                m = self.mismatch[name]
                base = float(params.get(name, defaults[name]))
                spread = m.sigma if m.dist == "gauss" else m.half_width
                mc[name] = base * (1.0 + spread * z) if m.relative else base + spread * z
            params.update(mc)
        return Point(flat, pos, coords, params, stimulus, temp, sample, mc)

    def build(self, point: Point) -> tuple[Any, Deck]:
        """The point's testbench and its deck (temperature and analysis override applied)."""
        params = self.component.make_params(**point.params)
        tb = self.component.testbench(self.spec.testbench, params, **point.stimulus)
        deck = tb.deck
        if self.analysis is not None:
            deck = deck.with_analyses(self.analysis)
        if point.temperature is not None:
            deck = dataclasses.replace(deck, temp=point.temperature)
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


def _import_modules(spec: SweepSpec) -> None:
    for i, mod in enumerate(spec.modules):
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            raise SpecError(("sweep", "modules"), f"cannot import {mod!r}: {exc}.", hint="Install it, or put its folder on PYTHONPATH.") from None


def _field_meta(cls: type[Params]) -> dict[str, dict]:
    return {f.name: dict(f.metadata) for f in dataclasses.fields(cls)}


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


def _plan(spec: SweepSpec) -> SweepPlan:
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
    meta = _field_meta(comp.params_cls)
    fields_ = [n for n, m in meta.items() if "unit" in m]
    tb_kwargs, tb_any = _builder_kwargs(comp.testbenches[spec.testbench])

    def unknown(path: Sequence[str], name: str, what: str = "parameter") -> SpecError:
        return SpecError(
            path,
            f"{name!r} is neither a parameter of {comp.params_cls.__name__} nor a keyword of testbench {spec.testbench!r}.",
            hint=f"Parameters: {', '.join(fields_) or 'none'}. Testbench keywords: {', '.join(sorted(tb_kwargs)) or 'none'}. Check the spelling (`circuitsnn list {comp.name}`).",
        )

    def param_value(path: Sequence[str], name: str, raw: Any) -> Any:
        m = meta[name]
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

    def check_param(path: Sequence[str], fixed: Mapping[str, Any], name: str, value: Any) -> None:
        """Range check of one value through the Params class itself."""
        try:
            comp.make_params(**{**fixed, name: value})
        except ValidationError as exc:
            raise SpecError(path, f"value {value!r} is rejected: {exc.message}", hint=exc.hint or "Change the value or the range.") from None

    def stimulus_value(path: Sequence[str], raw: Any) -> Any:
        if isinstance(raw, str):
            try:
                return parse_value(raw)
            except ValidationError:
                return raw
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, (bool, list, tuple)):
            return raw
        raise SpecError(path, f"unsupported value {raw!r}.")

    # fixed params and stimulus
    if not isinstance(spec.params, Mapping):
        raise SpecError(("params",), "must be a table of parameter = value.")
    params: dict[str, Any] = {}
    for name, raw in spec.params.items():
        if name not in meta:
            if name in tb_kwargs or tb_any:
                raise SpecError(("params", name), f"{name!r} is a testbench keyword, not a parameter of {comp.params_cls.__name__}.", hint="Move it to [stimulus].")
            raise unknown(("params", name), name)
        params[name] = param_value(("params", name), name, raw)
    for name, value in params.items():
        check_param(("params", name), params, name, value)
    stimulus: dict[str, Any] = {}
    for name, raw in dict(spec.stimulus).items():
        if name not in tb_kwargs and not tb_any:
            if name in meta:
                raise SpecError(("stimulus", name), f"{name!r} is a parameter of {comp.params_cls.__name__}, not a testbench keyword.", hint="Move it to [params].")
            raise unknown(("stimulus", name), name)
        stimulus[name] = stimulus_value(("stimulus", name), raw)

    # grid axes
    axes: list[Axis] = []
    swept: dict[str, tuple[str, ...]] = {}
    if not isinstance(spec.grid, Mapping):
        raise SpecError(("grid",), "must be a table of name = values.")
    for name, raw in spec.grid.items():
        path = ("grid", name)
        is_param = name in meta
        if not is_param and name not in tb_kwargs and not tb_any:
            raise unknown(path, name)
        if name in params or name in stimulus:
            where = "params" if name in params else "stimulus"
            raise SpecError(path, f"{name!r} is both fixed in [{where}] and swept here.", hint=f"Remove one of them.")
        unit = None
        if isinstance(raw, Mapping):
            forms = [k for k in ("values", "linspace", "logspace") if k in raw]
            extra = [k for k in raw if k not in ("values", "linspace", "logspace", "unit")]
            if extra:
                raise SpecError(path + (extra[0],), f"unknown key {extra[0]!r}.", hint="A grid entry takes values = [...], linspace = [start, stop, num] or logspace = [start, stop, num], and unit = \"...\".")
            if len(forms) != 1:
                raise SpecError(path, "give exactly one of values, linspace or logspace.", hint="e.g. r = { logspace = [1e3, 1e6, 4] }.")
            form = forms[0]
            if form == "values":
                raw_values = raw["values"]
            else:
                raw_values = _range_values(path + (form,), form, raw[form])
            unit = raw.get("unit")
            if unit is not None and not isinstance(unit, str):
                raise SpecError(path + ("unit",), "must be a string, e.g. \"A\".")
            if unit is not None and is_param and unit != meta[name]["unit"]:
                raise SpecError(path + ("unit",), f"{name} is in {meta[name]['unit']!r}, not {unit!r}.", hint="Values are base SI; drop unit = for Params fields (it comes from the field).")
        elif isinstance(raw, (list, tuple, np.ndarray)):
            raw_values = list(raw)
        else:
            raise SpecError(path, f"expected a list of values or {{ linspace = [...] }}, got {raw!r}.", hint=f"e.g. {name} = [1e3, 2e3, 5e3].")
        if not isinstance(raw_values, (list, tuple, np.ndarray)):
            raise SpecError(path, f"values must be a list, got {raw_values!r}.")
        if len(raw_values) == 0:
            raise SpecError(path, "the grid is empty.", hint=f"Give at least one value, e.g. {name} = [1.0], or remove the entry.")
        if is_param:
            values = [param_value(path, name, v) for v in raw_values]
            for v in values:
                check_param(path, params, name, v)
            unit, doc = meta[name]["unit"], meta[name]["doc"]
            kind = "param"
        else:
            values = [stimulus_value(path, v) for v in raw_values]
            doc, kind = f"testbench {spec.testbench!r} keyword", "stimulus"
        if len(set(map(repr, values))) != len(values):
            raise SpecError(path, f"values repeat: {values!r}.", hint="Each value once; repeated values would be the same point twice.")
        axes.append(Axis(name, tuple(values), kind, unit or "", doc))
        swept[name] = path

    # corners
    corners = spec.corners
    if corners is not None and not isinstance(corners, Corners):
        corners = _corners_from_dict(corners)
    if corners is not None:
        if corners.process:
            labels, overrides = [], []
            for label, ov in corners.process.items():
                path = ("corners", "process", label)
                if not isinstance(ov, Mapping):
                    raise SpecError(path, "a process corner is a table of parameter overrides.", hint="e.g. ss = { r = 1.1e3, c = 1.2e-12 }.")
                done = {}
                for pname, raw in ov.items():
                    if pname not in meta:
                        raise unknown(path + (pname,), pname)
                    if pname in swept:
                        raise SpecError(path + (pname,), f"{pname!r} is also swept in the grid.", hint="Remove it from one of them.")
                    done[pname] = param_value(path + (pname,), pname, raw)
                    check_param(path + (pname,), params, pname, done[pname])
                labels.append(str(label))
                overrides.append(done)
            axes.append(Axis("process", tuple(labels), "process", "", "process corner", tuple(overrides)))
        if len(corners.temperature):
            path = ("corners", "temperature")
            temps = [_num(path, t) for t in corners.temperature]
            bad = [t for t in temps if t <= ABSOLUTE_ZERO_C]
            if bad:
                raise SpecError(path, f"{bad[0]:g} °C is below absolute zero.", hint="Temperatures are in °C, e.g. [-40, 27, 125].")
            if len(set(temps)) != len(temps):
                raise SpecError(path, f"temperatures repeat: {temps}.")
            axes.append(Axis("temperature", tuple(temps), "temperature", "degC", "simulation temperature (.temp)"))
        if corners.supply is not None:
            path = ("corners", "supply")
            sname = corners.supply
            if sname not in meta:
                raise SpecError(path + ("param",), f"{sname!r} is not a parameter of {comp.params_cls.__name__}, so it cannot be the supply.", hint=f"Parameters: {', '.join(fields_)}.")
            if sname in swept or sname in params:
                raise SpecError(path + ("param",), f"{sname!r} is also {'swept in [grid]' if sname in swept else 'fixed in [params]'}.", hint="Remove it from one of them.")
            if len(corners.supply_values) == 0:
                raise SpecError(path, "no supply values.", hint="Give values = [1.62, 1.8, 1.98] or nominal = 1.8, tolerance = 0.1.")
            values = [param_value(path, sname, v) for v in corners.supply_values]
            for v in values:
                check_param(path, params, sname, v)
            axes.append(Axis(sname, tuple(values), "supply", meta[sname]["unit"], meta[sname]["doc"] + " (supply corner)"))
            swept[sname] = path

    # Monte Carlo
    mc = spec.montecarlo
    mismatch: dict[str, Mismatch] = {}
    mc_n = mc_seed = 0
    if mc is not None:
        if isinstance(mc, Mapping):
            mc = _montecarlo_from_dict(mc)
        mc_n = _int(("montecarlo", "n"), mc.n, minimum=1)
        mc_seed = _int(("montecarlo", "seed"), mc.seed, minimum=0)
        if not mc.mismatch:
            raise SpecError(("montecarlo", "mismatch"), "no parameter has mismatch.", hint="e.g. mismatch.r = { sigma = 0.05 } (5 % Gaussian).")
        for pname, m in mc.mismatch.items():
            path = ("montecarlo", "mismatch", pname)
            if isinstance(m, Mapping):
                m = _mismatch_from_dict(path, m)
            if pname not in meta:
                if pname in tb_kwargs or tb_any:
                    raise SpecError(path, f"{pname!r} is a testbench keyword; mismatch applies to parameters of {comp.params_cls.__name__}.", hint=f"Parameters: {', '.join(fields_)}.")
                raise unknown(path, pname)
            fm = meta[pname]
            if fm.get("choices") is not None or fm.get("integer"):
                raise SpecError(path, f"{pname} is {'a choice' if fm.get('choices') else 'an integer'}; mismatch needs a continuous parameter.")
            spread_key = "sigma" if m.dist == "gauss" else "half_width"
            if m.dist not in ("gauss", "uniform"):
                raise SpecError(path + ("dist",), f"unknown distribution {m.dist!r}.", hint="Use \"gauss\" (with sigma) or \"uniform\" (with half_width).")
            spread = getattr(m, spread_key)
            other = m.half_width if spread_key == "sigma" else m.sigma
            if spread is None or other is not None:
                raise SpecError(path, f"a {m.dist} mismatch needs {spread_key} (and not {'half_width' if spread_key == 'sigma' else 'sigma'}).", hint="Gaussian: { sigma = 0.05 }; uniform: { dist = \"uniform\", half_width = 0.1 }.")
            spread = _num(path + (spread_key,), spread)
            if not spread > 0:
                raise SpecError(path + (spread_key,), f"must be > 0, got {spread!r}.")
            if not isinstance(m.relative, bool):
                raise SpecError(path + ("relative",), f"must be true or false, got {m.relative!r}.")
            mismatch[pname] = dataclasses.replace(m, **{spread_key: spread})

    # analysis override
    analysis = spec.analysis
    if analysis is not None and not isinstance(analysis, (Tran, DcSweep, Op)):
        analysis = _analysis_from_dict(analysis)

    # measures
    measures: dict[str, MeasureSpec] = {}
    taken = set(a.name for a in axes) | {"sample", "status", "error", "reason", "elapsed", "index"}
    for mname, m in dict(spec.measures).items():
        path = ("measures", mname)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(mname)):
            raise SpecError(path, f"measure name {mname!r} is not an identifier.", hint="Use letters, digits and _ (e.g. rate_hz).")
        if mname in taken or mname in mismatch:
            raise SpecError(path, f"the name {mname!r} is taken by a dimension or column.", hint="Rename the measure.")
        if isinstance(m, Mapping):
            if "measure" not in m or not isinstance(m["measure"], str):
                raise SpecError(path, "needs measure = \"<kind>\".", hint="e.g. measure = \"spike_rate\", signal = \"mem\", threshold = 0.5.")
            args = {}
            for k, v in m.items():
                if k == "measure":
                    continue
                args[k] = _measure_arg(v)
            m = MeasureSpec(m["measure"], args)
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

    if not axes and not mc_n:
        raise SpecError(("grid",), "nothing is swept.", hint="Add a [grid] entry, [corners] or [montecarlo].")

    plan = SweepPlan(spec, comp, tuple(axes), params, stimulus, analysis, measures, mc_n, mc_seed, mismatch)
    # Build the first point now: a broken testbench call fails here, not at every point.
    first = next(plan.points())
    try:
        tb, _deck = plan.build(first)
    except ValidationError as exc:
        raise SpecError((), f"the first point ({_coords_text(first.coords)}) cannot be built: {exc.message}", hint=exc.hint) from None
    except TypeError as exc:
        bad = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        path: tuple = ("stimulus",)
        if bad:
            name = bad.group(1)
            path = ("grid", name) if name in swept else ("stimulus", name)
            raise SpecError(
                path,
                f"{name!r} is neither a parameter of {comp.params_cls.__name__} nor a keyword of testbench {spec.testbench!r}.",
                hint=f"Parameters: {', '.join(fields_)}. {_doc_keywords(comp.testbenches[spec.testbench])}",
            ) from None
        raise SpecError(path, f"testbench {spec.testbench!r} rejected its arguments: {exc}.", hint="Check the [stimulus] and [grid] keywords against the testbench.") from None
    for mname, m in measures.items():
        if m.measure == "testbench":
            if tb.measure is None:
                raise SpecError(("measures", mname, "measure"), f"testbench {spec.testbench!r} has no measure() of its own.", hint="Use a Python measure (spike_count, final_value, ...) instead.")
            if "_tb_measure" in m.args:
                raise SpecError(("measures", mname), "_tb_measure is set by the engine.")
            if tb.units and str(m.args.get("key")) not in tb.units:
                raise SpecError(("measures", mname, "key"), f"testbench {spec.testbench!r} measures {', '.join(tb.units)}, not {m.args.get('key')!r}.", hint="Pick one of those.")
    return dataclasses.replace(plan, tb_units=dict(tb.units))


def _doc_keywords(builder: Any) -> str:
    """What a ``**stimulus`` builder's docstring says it takes (its signature cannot)."""
    doc = inspect.getdoc(builder) or ""
    words = sorted(set(re.findall(r"``(\w+)``", doc)))
    return f"The testbench's description mentions: {', '.join(words)}." if words else "See the testbench's docstring (`circuitsnn list`)."


def _coords_text(coords: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in coords.items())


def _measure_arg(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return parse_value(v)
        except ValidationError:
            return v
    return v


def _mismatch_from_dict(path: Sequence[str], d: Mapping[str, Any]) -> Mismatch:
    allowed = ("sigma", "half_width", "dist", "relative")
    for k in d:
        if k not in allowed:
            raise SpecError(tuple(path) + (k,), f"unknown key {k!r}.", hint=f"A mismatch takes: {', '.join(allowed)}.")
    return Mismatch(**d)


def _montecarlo_from_dict(d: Mapping[str, Any]) -> MonteCarlo:
    allowed = ("n", "seed", "mismatch")
    for k in d:
        if k not in allowed:
            raise SpecError(("montecarlo", k), f"unknown key {k!r}.", hint=f"[montecarlo] takes: {', '.join(allowed)}.")
    if "n" not in d:
        raise SpecError(("montecarlo",), "needs n = <number of samples>.")
    mism = d.get("mismatch", {})
    if not isinstance(mism, Mapping):
        raise SpecError(("montecarlo", "mismatch"), "must be a table: mismatch.<param> = { sigma = ... }.")
    return MonteCarlo(n=d["n"], seed=d.get("seed", 0), mismatch=dict(mism))


def _corners_from_dict(d: Mapping[str, Any]) -> Corners:
    allowed = ("temperature", "supply", "process")
    for k in d:
        if k not in allowed:
            raise SpecError(("corners", k), f"unknown key {k!r}.", hint=f"[corners] takes: {', '.join(allowed)}.")
    temps = d.get("temperature", ())
    if not isinstance(temps, (list, tuple)):
        raise SpecError(("corners", "temperature"), "must be a list of °C values, e.g. [-40, 27, 125].")
    if "temperature" in d and len(temps) == 0:
        raise SpecError(("corners", "temperature"), "the list of temperatures is empty.", hint="e.g. temperature = [-40, 27, 125], or remove the key.")
    supply, values = None, ()
    if "supply" in d:
        s = d["supply"]
        path = ("corners", "supply")
        if not isinstance(s, Mapping):
            raise SpecError(path, "must be a table: { param = \"vdd\", values = [...] } or { param = \"vdd\", nominal = 1.8, tolerance = 0.1 }.")
        for k in s:
            if k not in ("param", "values", "nominal", "tolerance"):
                raise SpecError(path + (k,), f"unknown key {k!r}.", hint="supply takes param, and values or nominal + tolerance.")
        if not isinstance(s.get("param"), str):
            raise SpecError(path, "needs param = \"<Params field>\", e.g. param = \"vdd\".")
        supply = s["param"]
        if "values" in s:
            if "nominal" in s or "tolerance" in s:
                raise SpecError(path, "give values, or nominal and tolerance, not both.")
            if not isinstance(s["values"], list):
                raise SpecError(path + ("values",), "must be a list.")
            if not s["values"]:
                raise SpecError(path + ("values",), "the list of supply values is empty.", hint="e.g. values = [1.62, 1.8, 1.98].")
            values = tuple(s["values"])
        elif "nominal" in s and "tolerance" in s:
            nom = _num(path + ("nominal",), s["nominal"])
            tol = _num(path + ("tolerance",), s["tolerance"])
            if not 0 < tol < 1:
                raise SpecError(path + ("tolerance",), f"must be a fraction between 0 and 1, got {tol!r}.", hint="tolerance = 0.1 means nominal ± 10 %.")
            values = (nom * (1 - tol), nom, nom * (1 + tol))
        else:
            raise SpecError(path, "needs values = [...] or nominal = ... and tolerance = ....")
    process = d.get("process", {})
    if not isinstance(process, Mapping):
        raise SpecError(("corners", "process"), "must be a table of named corners: process.ss = { r = 1.1e3 }.")
    if "process" in d and not process:
        raise SpecError(("corners", "process"), "no process corners given.", hint="e.g. process.ss = { r = 1.1e3 } and process.ff = { r = 0.9e3 }.")
    return Corners(temperature=tuple(temps), supply=supply, supply_values=values, process=dict(process))


def _analysis_from_dict(d: Mapping[str, Any]) -> Analysis:
    if len(d) != 1:
        raise SpecError(("analysis",), "give exactly one analysis: tran = { ... }, dc = { ... } or op = true.", hint="e.g. tran = { step = 1e-6, stop = 1e-3 }.")
    kind, args = next(iter(d.items()))
    path = ("analysis", kind)
    if kind == "op":
        if args is not True:
            raise SpecError(path, "write op = true.")
        return Op()
    cls = {"tran": Tran, "dc": DcSweep}.get(kind)
    if cls is None:
        raise SpecError(path, f"unknown analysis {kind!r}.", hint="Use tran, dc or op.")
    if not isinstance(args, Mapping):
        raise SpecError(path, f"must be a table, e.g. {kind} = {{ step = 1e-6, stop = 1e-3 }}.")
    names = {f.name for f in dataclasses.fields(cls)}
    kw = {}
    for k, v in args.items():
        if k not in names:
            raise SpecError(path + (k,), f"unknown key {k!r}.", hint=f"{kind} takes: {', '.join(f.name for f in dataclasses.fields(cls))}.")
        if k in ("source", "source2"):
            kw[k] = v
        elif k == "uic":
            kw[k] = bool(v)
        else:
            kw[k] = _num(path + (k,), v)
    try:
        return cls(**kw)
    except TypeError as exc:
        raise SpecError(path, f"{exc}.", hint="e.g. tran = { step = 1e-6, stop = 1e-3 }.") from None
    except ValidationError as exc:
        raise SpecError(path, exc.message, hint=exc.hint) from None
