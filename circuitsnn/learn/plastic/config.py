"""Configuration of a learned-plasticity run: a TOML file with a ``[plastic]`` section, which
``circuitsnn train`` recognizes and runs with :func:`circuitsnn.learn.plastic.runner.train`.
Checked before anything runs; every problem names the key and the file's line.

Sections and keys (SI units; defaults in brackets)::

    [run]        seed [0], iterations [300] (batches of episodes), batch_size [32],
                 eval_episodes [512], threads [1], log_every [25], name, init (the output
                 folder of an earlier run: start both networks from its model_*.pt, e.g.
                 fine-tune on a device family what was learned with the ideal update)
    [task]       kind ["one_shot"] (one_shot | cue_delay), n_classes [3], n_pattern [24],
                 density [0.25], p_on [0.5], p_off [0.02] (spike probability per step),
                 present_steps [10], gap_steps [4], delay_steps [40] (cue_delay), noise [0.1],
                 eval_noise ([] more noise levels evaluated after training), seed [0]
    [time]       dt [5e-4 s]
    [plastic]    rule ["hebbian"] (hebbian | oja | bcm), modulation ["none"]
                 (none | direct | eligibility), device_update [false] (realize the update with
                 the family's programming events), tau_pre [2e-3 s], tau_post [2e-3 s],
                 tau_theta [10e-3 s] (BCM), clip [2], max_pulses [8], alpha_init [5],
                 eta_init [0.02], init_std [0.03], rate_reg [0.5] (loss weight of the mean
                 output spike probability per step), static [true] (also train the static
                 twin: same crossbar and neurons, no plasticity, same budget), mapping
                 ["nominal"] (pulse counts from the mean step of a pulse; "local": from the
                 step at the device's present conductance)
    [synapse] [pulse] [neuron] [surrogate]   as for ``circuitsnn train`` (config.py)
    [optimizer]  lr [0.05], schedule ["cosine"] (cosine | none)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..config import SCHEMA as TRAIN_SCHEMA, ConfigFile, check_pulse_fits_step, check_sections, check_synapse_and_neuron, failer, read_toml, _bool, _choice, _number, _str
from .rules import MODULATIONS, RULES
from .tasks import TASKS


def _noise_list(v: Any) -> list[float]:
    if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x <= 0.5
                                          for x in v):
        raise ValueError(f"expected a list of noise levels in [0, 0.5], got {v!r}")
    return [float(x) for x in v]


_int = _number(1, integer=True)
_prob = _number(0, 1)

SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], Any]]] = {
    "run": {"seed": (_number(0, integer=True), 0), "iterations": (_int, 300), "batch_size": (_int, 32),
            "eval_episodes": (_int, 512), "threads": (_int, 1), "log_every": (_int, 25), "name": (_str, None),
            "init": (_str, None)},
    "task": {"kind": (_choice(TASKS), "one_shot"), "n_classes": (_number(2, integer=True), 3), "n_pattern": (_int, 24),
             "density": (_number(0, 1, positive=True), 0.25), "p_on": (_number(0, 1, positive=True), 0.5),
             "p_off": (_prob, 0.02), "present_steps": (_int, 10), "gap_steps": (_number(0, integer=True), 4),
             "delay_steps": (_number(0, integer=True), 40), "noise": (_number(0, 0.5), 0.1),
             "eval_noise": (_noise_list, []), "seed": (_number(0, integer=True), 0)},
    "time": {"dt": (_number(positive=True, unit="s"), 5e-4)},
    "plastic": {"rule": (_choice(RULES), "hebbian"), "modulation": (_choice(MODULATIONS), "none"),
                "device_update": (_bool, False), "tau_pre": (_number(positive=True, unit="s"), 2e-3),
                "tau_post": (_number(positive=True, unit="s"), 2e-3),
                "tau_theta": (_number(positive=True, unit="s"), 10e-3), "clip": (_number(positive=True), 2.0),
                "max_pulses": (_int, 8), "alpha_init": (_number(), 5.0), "eta_init": (_number(0, 1, positive=True), 0.02),
                "init_std": (_number(0), 0.03), "rate_reg": (_number(0), 0.5), "static": (_bool, True),
                "mapping": (_choice(("nominal", "local")), "nominal")},
    "synapse": TRAIN_SCHEMA["synapse"],
    "pulse": TRAIN_SCHEMA["pulse"],
    "neuron": TRAIN_SCHEMA["neuron"],
    "surrogate": {"shape": TRAIN_SCHEMA["surrogate"]["shape"], "scale": (TRAIN_SCHEMA["surrogate"]["scale"][0], 5.0)},
    "optimizer": {"lr": (_number(positive=True), 0.05), "schedule": (_choice(("cosine", "none")), "cosine")},
}


@dataclass
class PlasticConfig(ConfigFile):
    run: dict[str, Any] = field(default_factory=dict)
    task: dict[str, Any] = field(default_factory=dict)
    time: dict[str, Any] = field(default_factory=dict)
    plastic: dict[str, Any] = field(default_factory=dict)
    synapse: dict[str, Any] = field(default_factory=dict)
    pulse: dict[str, Any] = field(default_factory=dict)
    neuron: dict[str, Any] = field(default_factory=dict)
    surrogate: dict[str, Any] = field(default_factory=dict)
    optimizer: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    text: str | None = None


def is_plastic(raw: Mapping[str, Any]) -> bool:
    """Whether a parsed training TOML is a plasticity run (it has a ``[plastic]`` section)."""
    return "plastic" in raw


def from_dict(raw: Mapping[str, Any], *, path: str | Path | None = None, text: str | None = None) -> PlasticConfig:
    fail = failer(path, text)
    out = check_sections(raw, SCHEMA, fail, kind="a plasticity run")
    cfg = PlasticConfig(**out, path=str(path) if path else None, text=text)
    check_synapse_and_neuron(cfg, fail)
    check_pulse_fits_step(cfg, fail)
    return cfg


def load_config(path: str | Path, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> PlasticConfig:
    p, text, raw = read_toml(path, overrides, "examples/plastic/*.toml")
    return from_dict(raw, path=p, text=text)


def config(**sections: Mapping[str, Any]) -> PlasticConfig:
    """A config from Python: ``config(task={"kind": "cue_delay"}, plastic={"rule": "oja"})``."""
    return from_dict({"plastic": {}, **{k: dict(v) for k, v in sections.items()}})
