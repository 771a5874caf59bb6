"""Training configuration: a TOML file (``circuitsnn train CONFIG.toml``) or the same thing in
Python, checked before anything runs. Every problem names the key and the file's line.

Sections and keys (SI units; defaults in brackets)::

    [run]            seed [0], epochs [30], batch_size [64], threads [1], eval_batch_size [256],
                     compile [false] (torch.compile the feed-forward neuron layers: faster
                     steps after one to two minutes of compiling, once more for a second
                     batch size), device ["auto"] (auto: a GPU when one is present | cpu | cuda | cuda:N;
                     the weight interface's own arithmetic stays on the CPU)
    [data]           name ["digits"] (digits | fashion_mnist | idx | randman),
                     folder (idx), val_fraction, limit_train, refit [false] (train on train +
                     validation and keep the last epoch: for a final model once the settings
                     were chosen on validation; validation figures are then not held out),
                     augment_shift [0] (pixels: each training image moved by a random
                     whole-pixel shift up to this far in x and y, zero fill, drawn anew each
                     epoch; image data only),
                     and Randman's generator keys
                     (nb_classes, nb_units, nb_samples, dim_manifold, nb_spikes, alpha, seed)
    [encoding]       kind ["poisson"] (poisson | latency | direct | times), max_rate [5000 Hz],
                     t_max (s), tau (s), threshold [0.01], rng ["torch"] (torch | counter:
                     the Poisson draws from a counter-based hash that torch.compile fuses into
                     one parallel loop, about 4x faster; other draws than "torch")
    [time]           dt [2e-4 s], duration [10e-3 s]  (steps = duration / dt)
    [network]        hidden [[128]], recurrent [false], readout ["count"] (count | membrane),
                     readout_scale [v_th] (V per logit unit of the membrane read-out),
                     readout_rest [the neuron's v_rest] (V: the read-out's leak reference),
                     init_std [0.5] (std of the normalized weights at the start)
    [synapse]        component ["ideal"] (a registered synapse, or "ideal"),
                     model (a fitted surrogate JSON; default models/<component>.json, else the
                     nominal parameters), nominal [false], levels (uniform conductance levels
                     for an analog family), g_min [1e-9 S], g_max [50e-9 S] (ideal only),
                     v_read [0.2 V] (ideal only)
    [pulse]          amplitude (V; default the family's read bias), width (s; default dt)
    [neuron]         model ["models/lif.json"] (a fitted neuron surrogate; or a component
                     name such as "adaptive_lif"), params ({} overrides, recorded)
    [surrogate]      shape ["fast_sigmoid"] (fast_sigmoid | arctan | sigmoid | triangle),
                     scale [10 /V]
    [optimizer]      lr [1e-2], weight_decay [0], schedule ["cosine"] (cosine | none),
                     label_smoothing [0] (of the cross-entropy's targets),
                     ema [0] (decay per step of a moving average of the weights, which
                     validation, the selected epoch and the saved model use; 0: off)
    [regularization] lower_rate [10 Hz], lower_strength [0], upper_rate [100 Hz],
                     upper_strength [0], layers ["hidden"]; membrane_min [0 V],
                     membrane_max [1.8 V], membrane_strength [0] (keeps a membrane read-out
                     inside the range its column's current copy can drive)
    [prune]          l1 [0] (L1 strength on conductances), fractions ([] pruned fractions
                     evaluated after training, no retraining), criterion ["magnitude"]
                     (magnitude: |G+ - G-|; drive: |G+ - G-| x the row's mean activity)
    [hardware]       variation [true], sigma_scale [1], programming ["open_loop"] (open_loop |
                     verify: program-and-verify), prog_noise [0], read_noise [0],
                     train [false] (hardware-aware training), eval_chips [0]

A relative ``model`` path is looked up beside the config file first, then from the working
directory. See ``examples/train/*.toml``.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import ValidationError
from ..sweep.spec import find_line
from ..units import read_number
from .encode import KINDS as ENCODINGS, RNGS
from .hardware import PROGRAMMING, HardwareSpec
from .regularize import ActivityRegularizer
from .surrogate import ALIASES, SHAPES

SECTIONS = ("run", "data", "encoding", "time", "network", "synapse", "pulse", "neuron", "surrogate", "optimizer",
            "regularization", "prune", "hardware")
REPO = Path(__file__).resolve().parents[2]


class ConfigError(ValidationError):
    """A configuration problem at a key path, located to the TOML line when read from a file."""

    def __init__(self, path: Sequence[str], message: str, *, hint: str = "", where: str = "",
                 line: int | None = None) -> None:
        self.path = tuple(path)
        self.line = line
        key = f"[{path[0]}]" + (f" {'.'.join(path[1:])}" if len(path) > 1 else "") if path else ""
        at = f"{where}, line {line}: " if where and line else (f"{where}: " if where else "")
        super().__init__(f"{at}{key}: {message}" if key else f"{at}{message}", hint=hint)


class ConfigFile:
    """What every learner's config has: ``path`` and ``text`` of its TOML, and these two."""

    path: str | None
    text: str | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)  # type: ignore[call-overload]
        d.pop("text")
        return d

    def resolve_path(self, value: str) -> Path:
        """A file named in the config: beside the config file, else from the working directory,
        else from the repository root."""
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        cands = ([Path(self.path).parent / p] if self.path else []) + [Path.cwd() / p, REPO / p]
        return next((c for c in cands if c.exists()), cands[0])


def failer(path: str | Path | None, text: str | None) -> Callable[..., ConfigError]:
    """``fail(keys, message, hint)``: a :class:`ConfigError` located to the key's line."""
    where = str(path) if path else ""

    def fail(keys: Sequence[str], msg: str, hint: str = "") -> ConfigError:
        return ConfigError(keys, msg, hint=hint, where=where, line=find_line(text, keys) if text else None)

    return fail


def check_sections(raw: Mapping[str, Any], schema: Mapping[str, Mapping[str, tuple]],
                   fail: Callable[..., ConfigError], *, kind: str = "") -> dict[str, dict[str, Any]]:
    """``raw`` (parsed TOML) checked against ``schema`` (section -> key -> (check, default)):
    unknown sections and keys refused, values checked, defaults filled (a default of None: absent)."""
    for section, value in raw.items():
        if section not in schema:
            raise fail((section,), f"unknown section{' for ' + kind if kind else ''}.",
                       hint=f"Sections: {', '.join(schema)}.")
        if not isinstance(value, dict):
            raise fail((section,), f"expected a table [{section}], got {value!r}.")
    out: dict[str, dict[str, Any]] = {}
    for section, keys in schema.items():
        given = dict(raw.get(section, {}))
        for key in given:
            if key not in keys:
                raise fail((section, key), "unknown key.", hint=f"[{section}] keys: {', '.join(keys)}.")
        sec: dict[str, Any] = {}
        for key, (check, default) in keys.items():
            if key in given:
                try:
                    sec[key] = check(given[key])
                except ValueError as exc:
                    raise fail((section, key), f"{exc}.") from None
            elif default is not None:
                # a fresh copy: configs must not share (and mutate) the schema's list/dict defaults
                sec[key] = type(default)(default) if isinstance(default, (list, dict)) else default
        out[section] = sec
    return out


def read_toml(path: str | Path, overrides: Mapping[str, Mapping[str, Any]] | None, examples: str
              ) -> tuple[Path, str, dict[str, Any]]:
    """``(path, text, parsed)`` of a config file, ``overrides`` (section -> key -> value) applied;
    a missing file or invalid TOML is a clear error naming ``examples`` to start from."""
    p = Path(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise ValidationError(f"no config file {str(p)!r}.", hint=f"See {examples}.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{p}: not valid TOML: {exc}.", hint=f"See {examples}.") from None
    for sec, kv in (overrides or {}).items():
        raw.setdefault(sec, {}).update(kv)
    return p, text, raw


@dataclass
class TrainConfig(ConfigFile):
    """Every setting of a training run (module docstring); ``source`` is the TOML text."""

    run: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    encoding: dict[str, Any] = field(default_factory=dict)
    time: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    synapse: dict[str, Any] = field(default_factory=dict)
    pulse: dict[str, Any] = field(default_factory=dict)
    neuron: dict[str, Any] = field(default_factory=dict)
    surrogate: dict[str, Any] = field(default_factory=dict)
    optimizer: dict[str, Any] = field(default_factory=dict)
    regularization: dict[str, Any] = field(default_factory=dict)
    prune: dict[str, Any] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    text: str | None = None

    # -- derived ---------------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return int(round(self.time["duration"] / self.time["dt"]))

    def regularizer(self) -> ActivityRegularizer:
        return ActivityRegularizer(**self.regularization)

    def hardware_spec(self) -> HardwareSpec:
        return HardwareSpec(**self.hardware)


# -- schema -------------------------------------------------------------------------------------


def _number(lo: float | None = None, hi: float | None = None, *, positive: bool = False, integer: bool = False,
            unit: str = "") -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"expected a number, got {v!r}")
        if isinstance(v, str):
            n = read_number(v)
            if n.traps:
                raise ValueError(n.traps[0].message)
            v = n.value
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"expected a finite number{f' ({unit})' if unit else ''}, got {v!r}")
        if integer:
            if float(v) != int(v):
                raise ValueError(f"expected an integer, got {v!r}")
            v = int(v)
        else:
            v = float(v)
        if positive and not v > 0:
            raise ValueError(f"must be > 0{f' {unit}' if unit else ''}, got {v!r}")
        if lo is not None and v < lo:
            raise ValueError(f"must be >= {lo:g}, got {v!r}")
        if hi is not None and v > hi:
            raise ValueError(f"must be <= {hi:g}, got {v!r}")
        return v

    return check


def _choice(options: Sequence[str]) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if not isinstance(v, str) or v not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {v!r}")
        return v

    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"expected true or false, got {v!r}")
    return v


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError(f"expected a non-empty string, got {v!r}")
    return v


def _opt(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return check  # a key that may be absent: its default is None


def _int_list(v: Any) -> list[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        raise ValueError(f"expected a list of positive integers (layer sizes), got {v!r}")
    return list(v)


def _fractions(v: Any) -> list[float]:
    if not isinstance(v, list) or not all(isinstance(x, (int, float)) and 0 <= x < 1 for x in v):
        raise ValueError(f"expected a list of fractions in [0, 1), got {v!r}")
    return [float(x) for x in v]


def _table(v: Any) -> dict:
    if not isinstance(v, dict):
        raise ValueError(f"expected a table {{ name = value, ... }}, got {v!r}")
    return dict(v)


def _device(v: Any) -> str:
    s = _str(v)
    if not re.fullmatch(r"cpu|auto|cuda(:\d+)?", s):
        raise ValueError(f"expected cpu, cuda, cuda:N or auto, got {s!r}")
    return s


def _data_seed(v: Any) -> int:
    return _number(0, integer=True)(v)


#: section -> key -> (check, default); a default of None means "absent unless given"
SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], Any]]] = {
    "run": {"seed": (_number(0, integer=True), 0), "epochs": (_number(1, integer=True), 30),
            "batch_size": (_number(1, integer=True), 64), "eval_batch_size": (_number(1, integer=True), 256),
            "threads": (_number(1, integer=True), 1), "compile": (_bool, False), "name": (_str, None),
            "device": (_device, "auto")},
    "data": {"name": (_choice(("digits", "fashion_mnist", "idx", "randman")), "digits"), "folder": (_str, None),
             "val_fraction": (_number(positive=True, hi=0.9), None), "limit_train": (_number(1, integer=True), None),
             "refit": (_bool, False), "augment_shift": (_number(0, 3, integer=True), 0),
             "nb_classes": (_number(2, integer=True), None), "nb_units": (_number(1, integer=True), None),
             "nb_samples": (_number(1, integer=True), None), "dim_manifold": (_number(1, integer=True), None),
             "nb_spikes": (_number(1, integer=True), None), "alpha": (_number(positive=True), None),
             "seed": (_data_seed, None)},
    "encoding": {"kind": (_choice(ENCODINGS), "poisson"), "max_rate": (_number(positive=True, unit="Hz"), 5000.0),
                 "t_max": (_number(positive=True, unit="s"), None), "tau": (_number(positive=True, unit="s"), None),
                 "threshold": (_number(0, 1), 0.01), "rng": (_choice(RNGS), "torch")},
    "time": {"dt": (_number(positive=True, unit="s"), 2e-4), "duration": (_number(positive=True, unit="s"), 10e-3)},
    "network": {"hidden": (_int_list, [128]), "recurrent": (_bool, False),
                "readout": (_choice(("count", "membrane")), "count"),
                "readout_scale": (_opt(_number(positive=True, unit="V")), None),
                "readout_rest": (_opt(_number(unit="V")), None), "init_std": (_number(positive=True), 0.5)},
    "synapse": {"component": (_str, "ideal"), "model": (_str, None), "nominal": (_bool, False),
                "levels": (_number(2, integer=True), None), "g_min": (_number(0, unit="S"), 1e-9),
                "g_max": (_number(positive=True, unit="S"), 50e-9), "v_read": (_number(positive=True, unit="V"), 0.2)},
    "pulse": {"amplitude": (_number(positive=True, unit="V"), None), "width": (_number(positive=True, unit="s"), None)},
    "neuron": {"model": (_str, "models/lif.json"), "params": (_table, {})},
    "surrogate": {"shape": (_choice(tuple(SHAPES) + tuple(ALIASES)), "fast_sigmoid"),
                  "scale": (_number(positive=True, unit="1/V"), 10.0)},
    "optimizer": {"lr": (_number(positive=True), 1e-2), "weight_decay": (_number(0), 0.0),
                  "schedule": (_choice(("cosine", "none")), "cosine"),
                  "label_smoothing": (_number(0, 0.9), 0.0), "ema": (_number(0, 0.9999), 0.0)},
    "regularization": {"lower_rate": (_number(positive=True, unit="Hz"), 10.0), "lower_strength": (_number(0), 0.0),
                       "upper_rate": (_number(positive=True, unit="Hz"), 100.0), "upper_strength": (_number(0), 0.0),
                       "layers": (_choice(("hidden", "all")), "hidden"),
                       "membrane_min": (_number(unit="V"), 0.0), "membrane_max": (_number(unit="V"), 1.8),
                       "membrane_strength": (_number(0), 0.0)},
    "prune": {"l1": (_number(0), 0.0), "fractions": (_fractions, []),
              "criterion": (_choice(("magnitude", "drive")), "magnitude")},
    "hardware": {"variation": (_bool, True), "sigma_scale": (_number(0), 1.0),
                 "programming": (_choice(PROGRAMMING), "open_loop"), "prog_noise": (_number(0), 0.0),
                 "read_noise": (_number(0), 0.0), "train": (_bool, False), "eval_chips": (_number(0, integer=True), 0)},
}


def from_dict(raw: Mapping[str, Any], *, path: str | Path | None = None, text: str | None = None) -> TrainConfig:
    """Check ``raw`` (the parsed TOML) against :data:`SCHEMA`; fill the defaults."""
    fail = failer(path, text)
    out = check_sections(raw, SCHEMA, fail)
    cfg = TrainConfig(**out, path=str(path) if path else None, text=text)
    _cross_check(cfg, fail)
    return cfg


def check_pulse_fits_step(cfg: Any, fail: Callable[..., ConfigError]) -> None:
    """A read pulse lasts at most one time step (``[pulse] width`` against ``[time] dt``)."""
    dt = cfg.time["dt"]
    if "width" in cfg.pulse and cfg.pulse["width"] > dt * (1 + 1e-9):
        raise fail(("pulse", "width"), f"{cfg.pulse['width']:g} s is longer than the time step dt = {dt:g} s.",
                   hint="A read pulse lasts at most one step; shorten it or lengthen dt.")


def check_synapse_and_neuron(cfg: Any, fail: Callable[..., ConfigError]) -> None:
    """The checks every gradient learner's config shares: ``[synapse] component`` is ``ideal``
    (with ``g_max > g_min``) or a registered synapse (with its ``model`` file, when named), and
    ``[neuron] model`` names a fitted surrogate (a bare name means ``models/NAME.json``)."""
    syn = cfg.synapse
    if syn["component"] == "ideal" and not syn["g_max"] > syn["g_min"]:
        raise fail(("synapse", "g_max"), f"must be above g_min = {syn['g_min']:g} S.")
    if syn["component"] != "ideal":
        from ..library import registry

        try:
            comp = registry.get(syn["component"])
        except ValidationError as exc:
            raise fail(("synapse", "component"), exc.message, hint=exc.hint or "Or use \"ideal\".") from None
        if comp.kind != "synapse":
            raise fail(("synapse", "component"), f"{comp.name!r} is a {comp.kind}, not a synapse.")
        if "model" in syn and not cfg.resolve_path(syn["model"]).exists():
            raise fail(("synapse", "model"), f"no file {syn['model']!r} (looked beside the config, in the working "
                       "folder and in the repository).", hint=f"Fit one: circuitsnn fit {comp.name} --out DIR.")
    if not cfg.neuron["model"].endswith(".json"):
        cfg.neuron["model"] = f"models/{cfg.neuron['model']}.json"
    if not cfg.resolve_path(cfg.neuron["model"]).exists():
        raise fail(("neuron", "model"), f"no neuron surrogate {cfg.neuron['model']!r}.",
                   hint="Name a fitted neuron surrogate (models/lif.json, models/adaptive_lif.json) or fit one.")


def _cross_check(cfg: TrainConfig, fail: Callable[..., ConfigError]) -> None:
    t = cfg.time
    n = t["duration"] / t["dt"]
    if abs(n - round(n)) > 1e-6 * n or round(n) < 1:
        raise fail(("time", "duration"), f"{t['duration']:g} s is not a whole number of steps of dt = {t['dt']:g} s.")
    check_pulse_fits_step(cfg, fail)
    enc = cfg.encoding
    if enc["kind"] == "poisson" and enc["max_rate"] * t["dt"] > 1:
        raise fail(("encoding", "max_rate"), f"{enc['max_rate']:g} Hz asks for more than one pulse per step of "
                   f"{t['dt']:g} s.", hint=f"Keep max_rate <= 1/dt = {1 / t['dt']:g} Hz.")
    data_times = cfg.data["name"] == "randman"
    if data_times != (enc["kind"] == "times"):
        raise fail(("encoding", "kind"), f"{enc['kind']!r} does not fit the {cfg.data['name']} data.",
                   hint="Randman (spike times) needs kind = \"times\"; image data needs poisson, latency or direct.")
    if cfg.data.get("augment_shift") and cfg.data["name"] == "randman":
        raise fail(("data", "augment_shift"), "shifts move pixels of images; Randman's samples are spike times.",
                   hint="Leave augment_shift out for randman.")
    if cfg.data["name"] == "idx" and "folder" not in cfg.data:
        raise fail(("data", "name"), "an idx data set needs a folder.", hint="Add folder = \"/path/to/mnist\".")
    check_synapse_and_neuron(cfg, fail)
    for key in ("readout_scale", "readout_rest"):
        if cfg.network.get(key) is not None and cfg.network["readout"] != "membrane":
            raise fail(("network", key), f"{key} sets the membrane read-out, but readout = {cfg.network['readout']!r}.",
                       hint="Set [network] readout = \"membrane\", or leave it out.")
    reg = cfg.regularization
    if reg["membrane_strength"] > 0 and cfg.network["readout"] != "membrane":
        raise fail(("regularization", "membrane_strength"), "the membrane range penalty acts on a membrane read-out, "
                   f"but [network] readout = {cfg.network['readout']!r}.",
                   hint="Set [network] readout = \"membrane\", or membrane_strength = 0.")
    if reg["membrane_max"] <= reg["membrane_min"]:
        raise fail(("regularization", "membrane_max"), f"{reg['membrane_max']:g} V is not above membrane_min = "
                   f"{reg['membrane_min']:g} V.")
    if cfg.prune["fractions"] and sorted(cfg.prune["fractions"]) != cfg.prune["fractions"]:
        raise fail(("prune", "fractions"), "list the fractions in increasing order.")


def load_config(path: str | Path, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> TrainConfig:
    """Read and check a training TOML file; ``overrides`` (section -> key -> value) replace
    values of the file (used by studies that vary one setting)."""
    p, text, raw = read_toml(path, overrides, "examples/train/*.toml")
    return from_dict(raw, path=p, text=text)


def config(**sections: Mapping[str, Any]) -> TrainConfig:
    """A config from Python: ``config(data={"name": "digits"}, run={"epochs": 5})``."""
    return from_dict({k: dict(v) for k, v in sections.items()})
