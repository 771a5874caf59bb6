"""What to sweep: a TOML file or the same thing in Python, checked before anything runs.

A sweep runs one registered component's testbench at every point of a product of axes:

* **grid** axes: a Params field or a stimulus keyword of the testbench, as a list of values,
  ``{ linspace = [start, stop, num] }`` or ``{ logspace = [start, stop, num] }`` (start and stop
  are values, not exponents: ``logspace = [1e-9, 1e-6, 4]`` gives 1n, 10n, 100n, 1u);
* **corners**: ``temperature`` (°C, becomes the deck's ``.temp``), ``supply`` (a named Params
  field, e.g. ``vdd``: explicit values or nominal ± tolerance), named ``process`` corners
  (each a set of Params overrides) and ``pdk``, the process corners of the component's
  technology (a list such as ``["typical", "ff", "ss", "fs", "sf"]`` or ``"all"``; the dimension
  ``corner``, for components with a ``corner`` parameter, e.g. ``axon_hillock_gf180``);
* **Monte Carlo**: ``n`` samples of mismatch on named Params fields, Gaussian (``sigma``),
  log-normal (``dist = "lognormal"``, ``sigma`` of the logarithm) or uniform (``half_width``),
  relative (default, a fraction of the point's value) or absolute (base SI). Sample ``s`` draws
  from ``numpy.random.default_rng([seed, s])`` in sorted parameter order, so a sample is the
  same "die" at every grid point and corner, and the same seed reproduces the same values on
  any machine (:mod:`circuitsnn.sweep.variation`, the sampler other code reuses). ``pdk =
  "mismatch"`` (``"global"``, ``"both"``) turns on the technology's own statistical models in
  every sample instead of, or beside, Params mismatch: GF180MCU's ``sw_stat_mismatch`` (each
  transistor draws its own Pelgrom offset) and ``sw_stat_global`` (die-to-die, in its
  ``statistical`` corner), with ngspice's ``.options seed`` fixed per sample
  (:func:`~circuitsnn.sweep.variation.pdk_seed`). Example: ``examples/sweeps/gf180_corners.toml``.

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

The sweep package, in the order the data flows: :mod:`.spec` (this module: the spec's
dataclasses, TOML loading, locating a problem's line), :mod:`.variation` (Monte Carlo
sampling), :mod:`.plan` (checking a spec and turning it into points), :mod:`.measures`,
:mod:`.executors` and :mod:`.engine` (running), :mod:`.store`, :mod:`.export`, :mod:`.plots`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..spice.ir import Analysis, DcSweep, Tran, Op
from ..units import read_number, warn_unit_trap
from .measures import MeasureSpec
from .variation import PDK_STATISTICS, Mismatch, MonteCarlo

if TYPE_CHECKING:  # the plan module imports this one
    from .plan import SweepPlan

__all__ = [
    "SweepSpec", "Corners", "Mismatch", "MonteCarlo", "SpecError", "load_spec", "linspace", "logspace",
    "find_line", "locate",
]

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


# -- SPICE number text ----------------------------------------------------------------------------

#: (TOML text, file) of the spec being read or planned, to put a line on unit-trap warnings
_SOURCE: contextvars.ContextVar[tuple[str | None, Path | None]] = contextvars.ContextVar("sweep_spec_source", default=(None, None))


@contextlib.contextmanager
def _reading(text: str | None, source: Path | None) -> Iterator[None]:
    token = _SOURCE.set((text, source))
    try:
        yield
    finally:
        _SOURCE.reset(token)


def location(path: Sequence[str]) -> str:
    """``sweep.toml, line 12: [grid] c`` for a key path of the spec being read or planned."""
    text, source = _SOURCE.get()
    place = str(source) if source else "sweep spec"
    line = find_line(text, path) if text and path else None
    at = f"{place}, line {line}" if line else place
    return f"{at}: {_path_text(path)}" if path else at


def spice_number(path: Sequence[str], text: str) -> float:
    """SPICE number text of the spec at ``path``, read as SPICE reads it. Unit traps: letters
    SPICE would ignore (``100x``, ``10kk``) are an error; ``1M`` (milli), ``1e-11F`` (femto),
    ``1a`` (atto) keep SPICE's meaning with a :class:`~circuitsnn.units.SpiceUnitWarning`
    naming the file's line. ValidationError when ``text`` is no number at all."""
    n = read_number(text)
    for trap in n.traps:
        if trap.kind == "ignored":
            raise SpecError(path, trap.message, hint=trap.hint)
        warn_unit_trap(trap, n.text, location(path), stacklevel=4)
    return n.value


def _num(path: Sequence[str], value: Any) -> float:
    if isinstance(value, bool):
        raise SpecError(path, f"expected a number, got {value!r}.", hint="Write a number in base SI, e.g. 1e-9 or \"1n\".")
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = spice_number(path, value)
        except SpecError:
            raise
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


def number_or_text(path: Sequence[str], text: str) -> float | str:
    """SPICE number text as a number ("10p" -> 1e-11, unit traps as in :func:`spice_number`);
    other text (a mode, a file name) stays text."""
    try:
        return spice_number(path, text)
    except SpecError:
        raise
    except ValidationError:
        return text


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
class Corners:
    """Temperatures (°C → ``.temp``), a supply field with its values, named process corners."""

    temperature: Sequence[float] = ()
    supply: str | None = None
    supply_values: Sequence[float] = ()
    process: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the technology's process corners (the component's ``corner`` parameter): names, or ("all",)
    pdk: Sequence[str] = ()


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
            with _reading(text, source):
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
        """Check everything against the component and return the sweep's points
        (:func:`circuitsnn.sweep.plan.build_plan`)."""
        from .plan import build_plan

        try:
            with _reading(self.source_text, self.source):
                return build_plan(self)
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
        d = dataclasses.asdict(obj)
        if "pdk" in d and not d["pdk"]:
            del d["pdk"]  # specs without PDK statistics keep their fingerprint (resume)
        return {"__type__": type(obj).__name__, **d}
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


def _montecarlo_from_dict(d: Mapping[str, Any]) -> MonteCarlo:
    allowed = ("n", "seed", "mismatch", "pdk")
    for k in d:
        if k not in allowed:
            raise SpecError(("montecarlo", k), f"unknown key {k!r}.", hint=f"[montecarlo] takes: {', '.join(allowed)}.")
    if "n" not in d:
        raise SpecError(("montecarlo",), "needs n = <number of samples>.")
    mism = d.get("mismatch", {})
    if not isinstance(mism, Mapping):
        raise SpecError(("montecarlo", "mismatch"), "must be a table: mismatch.<param> = { sigma = ... }.")
    pdk = d.get("pdk")
    if pdk is not None and pdk not in PDK_STATISTICS:
        raise SpecError(("montecarlo", "pdk"), f"must be one of {', '.join(map(repr, PDK_STATISTICS))}, got {pdk!r}.",
                        hint="mismatch: each transistor's own offset; global: die-to-die variation; both.")
    return MonteCarlo(n=d["n"], seed=d.get("seed", 0), mismatch=dict(mism), pdk=pdk)


def _corners_from_dict(d: Mapping[str, Any]) -> Corners:
    allowed = ("temperature", "supply", "process", "pdk")
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
    pdk = d.get("pdk", ())
    if isinstance(pdk, str):
        if pdk != "all":
            raise SpecError(("corners", "pdk"), f"must be a list of the PDK's corners or \"all\", got {pdk!r}.",
                            hint='e.g. pdk = ["typical", "ff", "ss", "fs", "sf"], or pdk = "all".')
        pdk = ("all",)
    if not isinstance(pdk, (list, tuple)) or not all(isinstance(c, str) for c in pdk):
        raise SpecError(("corners", "pdk"), "must be a list of corner names, e.g. [\"typical\", \"ff\", \"ss\"].")
    if "pdk" in d and not pdk:
        raise SpecError(("corners", "pdk"), "the list of PDK corners is empty.", hint='e.g. pdk = "all", or remove the key.')
    return Corners(temperature=tuple(temps), supply=supply, supply_values=values, process=dict(process), pdk=tuple(pdk))


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


def __getattr__(name: str) -> Any:
    """``SweepPlan``, ``Axis`` and ``Point`` moved to :mod:`.plan`; still importable from here."""
    if name in ("SweepPlan", "Axis", "Point"):
        from . import plan

        return getattr(plan, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
