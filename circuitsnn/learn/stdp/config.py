"""STDP run configuration: a TOML file (``circuitsnn stdp CONFIG.toml``), checked before anything
runs; every problem names the key and the file's line (the trainer's checkers and
:class:`~circuitsnn.learn.config.ConfigError`).

Sections and keys (SI units; defaults in brackets)::

    [run]      seed [0], epochs [3], batch_size [32] (independent samples presented at once;
               the devices are programmed after each batch), eval_batch_size [256],
               threads [1], checkpoint_every [20] (batches), name, keep_best [false] (evaluate
               and save the layer as it was after the epoch of best validation accuracy, the
               earliest on ties, instead of after the last epoch)
    [data]     name ["digits"] (digits | fashion_mnist | idx), folder (idx), limit_train,
               limit_test, val_fraction
    [task]     kind ["unsupervised"] (unsupervised: Diehl & Cook, labels assigned after
               learning | reward: an R-STDP readout learning the classes from reward alone)
    [time]     dt [0.5e-3 s], t_present [0.15 s], t_rest [0.15 s], t_eval (s; presentation
               time for label assignment and evaluation, default t_present, also for a frozen
               feature layer in front of a reward readout; may change after training:
               rerunning a finished run re-evaluates)
    [input]    max_rate [127.5 Hz], amplitude (V; default the family's read bias),
               charge_fraction [0.2] (charge of one read pulse at g_max / the neuron's
               threshold charge: sets the pulse width) or width (s), kind ["poisson"]
               (poisson | neurons: LIF input neurons, needed by VDSP), rate_boost [32 Hz],
               max_retries [4], min_spikes [3]
    [network]  neurons [100], inhibition [1.0] (inhibitory charge per spike / threshold
               charge), theta_plus [1e-3 V], tau_theta [1e4 s], normalize [0.1] (the mean
               (norm = "l1", Diehl & Cook) or root-mean-square (norm = "l2") normalized
               weight per neuron kept by the normalization; 0: off), norm ["l1"],
               init_lo [0.0], init_hi [0.3], neuron_step ["lean"] (lean | exact)
    [rule]     kind ["triplet"] (pair | triplet | vdsp; reward tasks: pair feeds the
               eligibility), and the rule's parameters (a_plus, a_minus, tau_plus, tau_minus,
               multiplicative, mu_plus, mu_minus, nearest; a2_plus, a3_plus, a2_minus,
               a3_minus, tau_x, tau_y; eta_plus, eta_minus, mu, u_reset)
    [reward]   tau_e [0.2 s], eta [1.0], baseline ["class"] (class | global),
               baseline_rate [0.05], correct [1.0], wrong [0.0],
               eta_schedule ["constant"] (constant | linear | cosine: eta decays over the
               run's batches to eta_final x eta; a decaying schedule depends on epochs, so a
               run with one cannot be continued with more epochs), eta_final [0.0] (in
               [0, 1]; a decaying schedule only), normalize [0: off] (in (0, 1]: after every
               batch each readout neuron's input column is folded back to this mean
               normalized weight, with [network] norm; reward.py), normalize_axis
               ["neuron"] (neuron: each readout neuron's input column | input: each input's
               row of synapses onto the readout neurons; needs normalize)
    [synapse]  component ["ideal"] (or a registered synapse), model (fitted surrogate JSON),
               nominal [false], g_min [0 S], g_max [10e-9 S], v_read [0.2 V] (ideal only),
               mapping ["local"] (local | nominal), exact [false], table_points [2049],
               max_events [64], e_bit [1e-15 J], t_hold (s; default t_rest);
               two-terminal pulsed families only (an operating table with v_set, v_reset,
               t_prog: the memristors): the programming pulses STDP applies, each
               defaulting to the family's nominal pulse: v_set (V, same sign as the family's),
               t_set (s), v_reset (V, same sign as the family's), t_reset (s), t_edge (s;
               default the family's t_edge, at most a tenth of the pulse's width)
    [neuron]   component ["lif"], model (a fitted neuron surrogate JSON; default none: the
               circuit's nominal values with ``params``), params [{r = 2e9}] (Params overrides)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ...errors import ValidationError
from ..config import ConfigError, ConfigFile, check_sections, failer, read_toml, _bool, _choice, _number, _str, _table
from .reward import ETA_SCHEDULES

SECTIONS = ("run", "data", "task", "time", "input", "network", "rule", "reward", "synapse", "neuron")

RULE_KEYS = {
    "pair": ("a_plus", "a_minus", "tau_plus", "tau_minus", "multiplicative", "mu_plus", "mu_minus", "nearest"),
    "triplet": ("a2_plus", "a3_plus", "a2_minus", "a3_minus", "tau_plus", "tau_minus", "tau_x", "tau_y",
                "multiplicative", "mu_plus", "mu_minus", "nearest"),
    "vdsp": ("eta_plus", "eta_minus", "mu", "u_reset"),
}


#: [synapse] keys of the programming pulses (two-terminal pulsed families): the pulse's voltage
#: and width for a set (raises the state) and a reset, and the edges
PULSE_VOLTS = ("v_set", "v_reset")
PULSE_TIMES = ("t_set", "t_reset")
PULSE_KEYS = PULSE_VOLTS + PULSE_TIMES + ("t_edge",)


def _rule_value(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    return _number()(v)


SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], Any]]] = {
    "run": {"seed": (_number(0, integer=True), 0), "epochs": (_number(1, integer=True), 3),
            "batch_size": (_number(1, integer=True), 32), "eval_batch_size": (_number(1, integer=True), 256),
            "threads": (_number(1, integer=True), 1), "checkpoint_every": (_number(1, integer=True), 20),
            "name": (_str, None), "keep_best": (_bool, False)},
    "data": {"name": (_choice(("digits", "fashion_mnist", "idx")), "digits"), "folder": (_str, None),
             "limit_train": (_number(1, integer=True), None), "limit_test": (_number(1, integer=True), None),
             "val_fraction": (_number(positive=True, hi=0.9), None)},
    "task": {"kind": (_choice(("unsupervised", "reward")), "unsupervised"), "features": (_str, None)},
    "time": {"dt": (_number(positive=True, unit="s"), 0.5e-3), "t_present": (_number(positive=True, unit="s"), 0.15),
             "t_rest": (_number(0, unit="s"), 0.15), "t_eval": (_number(positive=True, unit="s"), None)},
    "input": {"max_rate": (_number(positive=True, unit="Hz"), 127.5), "amplitude": (_number(positive=True, unit="V"), None),
              "charge_fraction": (_number(positive=True), 0.2), "width": (_number(positive=True, unit="s"), None),
              "kind": (_choice(("poisson", "neurons")), "poisson"), "rate_boost": (_number(0, unit="Hz"), 32.0),
              "max_retries": (_number(0, integer=True), 4), "min_spikes": (_number(0, integer=True), 3)},
    "network": {"neurons": (_number(1, integer=True), 100), "inhibition": (_number(0), 1.0),
                "theta_plus": (_number(0, unit="V"), 1e-3), "tau_theta": (_number(positive=True, unit="s"), 1e4),
                "normalize": (_number(0, 1), 0.1), "norm": (_choice(("l1", "l2")), "l1"), "init_lo": (_number(0, 1), 0.0), "init_hi": (_number(0, 1), 0.3),
                "neuron_step": (_choice(("lean", "exact")), "lean")},
    "rule": {"kind": (_choice(("pair", "triplet", "vdsp")), "triplet"),
             **{k: (_rule_value, None) for keys in RULE_KEYS.values() for k in keys}},
    "reward": {"tau_e": (_number(positive=True, unit="s"), 0.2), "eta": (_number(positive=True), 1.0),
               "baseline": (_choice(("class", "global")), "class"), "baseline_rate": (_number(positive=True, hi=1), 0.05),
               "correct": (_number(), 1.0), "wrong": (_number(), 0.0),
               # new keys default to absent (None) so that the checkpoints of earlier runs still match
               "eta_schedule": (_choice(ETA_SCHEDULES), None), "eta_final": (_number(0, 1), None),
               "normalize": (_number(0, 1), None), "normalize_axis": (_choice(("neuron", "input")), None)},
    "synapse": {"component": (_str, "ideal"), "model": (_str, None), "nominal": (_bool, False),
                "g_min": (_number(0, unit="S"), 0.0), "g_max": (_number(positive=True, unit="S"), 10e-9),
                "v_read": (_number(positive=True, unit="V"), 0.2), "mapping": (_choice(("local", "nominal")), "local"),
                "exact": (_bool, False), "table_points": (_number(17, integer=True), 2049),
                "max_events": (_number(1, integer=True), 64), "e_bit": (_number(0, unit="J"), 1e-15),
                "t_hold": (_number(positive=True, unit="s"), None),
                **{k: (_number(unit="V"), None) for k in PULSE_VOLTS},
                **{k: (_number(positive=True, unit="s"), None) for k in PULSE_TIMES},
                "t_edge": (_number(0, unit="s"), None)},
    "neuron": {"component": (_str, "lif"), "model": (_str, None), "params": (_table, {"r": 2e9})},
}


@dataclass
class STDPConfig(ConfigFile):
    run: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    task: dict[str, Any] = field(default_factory=dict)
    time: dict[str, Any] = field(default_factory=dict)
    input: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    rule: dict[str, Any] = field(default_factory=dict)
    reward: dict[str, Any] = field(default_factory=dict)
    synapse: dict[str, Any] = field(default_factory=dict)
    neuron: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    text: str | None = None


    def rule_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.rule.items() if k != "kind"}


def from_dict(raw: Mapping[str, Any], *, path: str | Path | None = None, text: str | None = None) -> STDPConfig:
    fail = failer(path, text)
    out = check_sections(raw, SCHEMA, fail)
    cfg = STDPConfig(**out, path=str(path) if path else None, text=text)
    _cross_check(cfg, fail)
    return cfg


def _cross_check(cfg: STDPConfig, fail: Callable[..., ConfigError]) -> None:
    t = cfg.time
    for key in ("t_present", "t_eval"):
        if key not in t:
            continue
        n = t[key] / t["dt"]
        if abs(n - round(n)) > 1e-6 * n or round(n) < 1:
            raise fail(("time", key), f"{t[key]:g} s is not a whole number of steps of dt = {t['dt']:g} s.")
    if cfg.input["max_rate"] * t["dt"] > 1:
        raise fail(("input", "max_rate"), f"{cfg.input['max_rate']:g} Hz asks for more than one pulse per step.",
                   hint=f"Keep max_rate <= 1/dt = {1 / t['dt']:g} Hz.")
    if "width" in cfg.input and cfg.input["width"] > t["dt"] * (1 + 1e-9):
        raise fail(("input", "width"), f"{cfg.input['width']:g} s is longer than the time step {t['dt']:g} s.")
    kind = cfg.rule["kind"]
    for key in cfg.rule:
        if key != "kind" and key not in RULE_KEYS[kind]:
            raise fail(("rule", key), f"is not a parameter of the {kind} rule.",
                       hint=f"{kind}: {', '.join(RULE_KEYS[kind])}.")
    if kind == "vdsp" and cfg.input["kind"] != "neurons":
        raise fail(("rule", "kind"), "VDSP reads the presynaptic membrane: the inputs must be neurons.",
                   hint='Set [input] kind = "neurons".')
    if cfg.task["kind"] == "reward" and kind != "pair":
        raise fail(("rule", "kind"), "the reward task's eligibility is fed by pair STDP.", hint='Set kind = "pair".')
    rw = cfg.reward
    if "eta_final" in rw and rw.get("eta_schedule", "constant") == "constant":
        raise fail(("reward", "eta_final"), "only a decaying learning-rate schedule ends at eta_final.",
                   hint='Set [reward] eta_schedule = "cosine" or "linear", or remove eta_final.')
    if "normalize_axis" in rw and not rw.get("normalize", 0.0) > 0:
        raise fail(("reward", "normalize_axis"), "chooses what [reward] normalize keeps; normalize is off.",
                   hint="Set [reward] normalize (the mean normalized weight kept), or remove normalize_axis.")
    if cfg.task["kind"] != "reward":
        for key in ("eta_schedule", "eta_final", "normalize", "normalize_axis"):
            if key in rw:
                raise fail(("reward", key), "applies to the reward task's readout only.",
                           hint='Set [task] kind = "reward", or remove the key.')
    if "features" in cfg.task:
        if cfg.task["kind"] != "reward":
            raise fail(("task", "features"), "a frozen feature layer feeds the reward task's readout only.")
        if not (cfg.resolve_path(cfg.task["features"]) / "model.json").exists():
            raise fail(("task", "features"), f"no saved STDP model in {cfg.task['features']!r}.",
                       hint="Train one: circuitsnn stdp CONFIG.toml --out DIR (the model is DIR/model).")
    if cfg.data["name"] == "idx" and "folder" not in cfg.data:
        raise fail(("data", "name"), "an idx data set needs a folder.")
    syn = cfg.synapse
    if syn["component"] == "ideal":
        for key in PULSE_KEYS:
            if key in syn:
                raise fail(("synapse", key), "ideal weights have no programming pulse.",
                           hint="Programming pulses apply to two-terminal pulsed families (the memristors).")
        if not syn["g_max"] > syn["g_min"]:
            raise fail(("synapse", "g_max"), f"must be above g_min = {syn['g_min']:g} S.")
    else:
        from ...library import registry

        try:
            comp = registry.get(syn["component"])
        except ValidationError as exc:
            raise fail(("synapse", "component"), exc.message, hint=exc.hint or 'Or use "ideal".') from None
        if comp.kind != "synapse":
            raise fail(("synapse", "component"), f"{comp.name!r} is a {comp.kind}, not a synapse.")
        _check_pulses(cfg, comp, fail)
        if "model" in syn and not cfg.resolve_path(syn["model"]).exists():
            raise fail(("synapse", "model"), f"no file {syn['model']!r}.", hint=f"Fit one: circuitsnn fit {comp.name}.")
    if "model" in cfg.neuron and not cfg.resolve_path(cfg.neuron["model"]).exists():
        raise fail(("neuron", "model"), f"no neuron surrogate {cfg.neuron['model']!r}.")


def _check_pulses(cfg: STDPConfig, comp: Any, fail: Callable[..., ConfigError]) -> None:
    """The programming-pulse keys: only for a family programmed by set/reset pulses across its
    two terminals; voltages of the family's sign (a set pulse of the reset's sign would move
    the device the wrong way)."""
    syn = cfg.synapse
    op = dict(getattr(comp, "operating", None) or {})
    pulsed = {"v_set", "v_reset", "t_prog"} <= set(op)
    for key in PULSE_KEYS:
        if key not in syn:
            continue
        if not pulsed:
            raise fail(("synapse", key), f"{comp.name!r} is not programmed by set/reset pulses across its terminals "
                       f"(its operating table has no v_set, v_reset, t_prog).",
                       hint="Programming pulses apply to two-terminal pulsed families (the memristors).")
        if key in PULSE_VOLTS:
            nominal = float(op[key])
            if syn[key] == 0 or (syn[key] > 0) != (nominal > 0):
                raise fail(("synapse", key), f"{syn[key]:g} V: must be nonzero with the sign of {comp.name}'s "
                           f"nominal {key} ({nominal:g} V).")


def load_config(path: str | Path, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> STDPConfig:
    p, text, raw = read_toml(path, overrides, "examples/stdp/*.toml")
    return from_dict(raw, path=p, text=text)


def config(**sections: Mapping[str, Any]) -> STDPConfig:
    """A config from Python: ``config(run={"epochs": 1}, synapse={"component": "digital_code"})``."""
    return from_dict({k: dict(v) for k, v in sections.items()})
