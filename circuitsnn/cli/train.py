"""``circuitsnn train CONFIG.toml --out DIR``: surrogate-gradient training of a spiking network
whose synapses are fitted devices and whose neurons are fitted neuron surrogates, in SI."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ValidationError

DESCRIPTION = """\
Train a spiking network that is a model of the circuit: every synapse is a differential pair of
devices of one family (a conductance in S inside the family's reachable range, read through its
weight interface with its read nonlinearity), every input spike is a read pulse of the amplitude
(V) and width (s) the circuit will see, columns are read at virtual ground and their currents
(A) drive the fitted neuron surrogate (LIF, adaptive LIF, Axon-Hillock). Nothing is trained
unit-free and rescaled afterwards.

The run is deterministic (seeds in [run]), checkpoints after every epoch and resumes where it
stopped when started again with the same --out. Hyperparameters and the reported epoch are
chosen on the validation split; the test split is only reported.

DIR receives:
  metrics.csv        one row per epoch: loss, accuracy (train, validation), rates, time
                     (train loss: the objective, with [optimizer] label_smoothing when set)
  curves.png         loss and accuracy curves
  rasters.png        spikes of four test samples per layer
  conductances.png   programmed conductances per array against the device's g_min/g_max
  summary.json       test accuracy (+ strict spike-count accuracy), chips, pruning
  model/             model.json + weights.npz: device states and conductances per array,
                     the device and neuron surrogates used (file, sha256, provenance), the
                     config and the metrics — what deployment reads; network.nir (NIR graph)
  checkpoint.pt      the state to resume from"""

EPILOG = """\
config sections (see circuitsnn/learn/config.py and examples/train/*.toml):
  [run] seed epochs batch_size threads compile device (auto|cpu|cuda|cuda:N)
  [data] name (digits|fashion_mnist|idx|randman) folder limit_train refit (train + validation, last epoch)
  [encoding] kind (poisson|latency|direct|times) max_rate (Hz)   [time] dt duration (s)
  [network] hidden recurrent readout (count|membrane) init_std
  [synapse] component ("ideal" or a registered synapse) model (fitted JSON) levels g_min g_max
  [pulse] amplitude (V) width (s)          [neuron] model (fitted neuron surrogate JSON)
  [surrogate] shape (fast_sigmoid|arctan|sigmoid|triangle) scale (1/V)
  [optimizer] lr weight_decay schedule label_smoothing ema (weight average)
  [regularization] lower_rate upper_rate (Hz) strengths membrane_min membrane_max (V)
  [prune] l1 fractions                     [hardware] variation sigma_scale prog_noise read_noise
                                                      train (hardware-aware) eval_chips
  a config with a [plastic] section is a learned-plasticity run (circuitsnn/learn/plastic/config.py):
  [task] kind (one_shot|cue_delay) noise ...  [plastic] rule (hebbian|oja|bcm)
  modulation (none|direct|eligibility) device_update static ...

examples:
  circuitsnn train examples/train/digits_ideal.toml --out runs/digits_ideal
  circuitsnn train examples/train/digits_vteam.toml --out runs/vteam       (memristor, 1-50 nS)
  circuitsnn train examples/train/digits_vteam_hwaware.toml --out runs/hw  (chips in training)
  circuitsnn train examples/train/digits_vteam.toml --out runs/vteam --set run.seed=2
  circuitsnn train examples/train/fashion_vteam.toml --out runs/fashion --threads 2
  circuitsnn train examples/train/fashion_vteam.toml --out runs/fashion_gpu --device cuda
  circuitsnn train examples/plastic/one_shot_ideal.toml --out runs/one_shot   (plastic vs static)

A killed run resumes: run the same command again. --restart starts over."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a spiking network on fitted devices and neurons (surrogate-gradient BPTT)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", type=Path, help="training config (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created; a run there is resumed)")
    p.add_argument("--restart", action="store_true", help="ignore a checkpoint in --out and start over")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config value (TOML syntax for the value), e.g. --set run.seed=2; repeatable")
    p.add_argument("--threads", type=int, help="torch threads (default [run] threads, 1)")
    p.add_argument("--device", help="where the network runs ([run] device): auto (the default: a GPU when torch "
                                    "sees one), cpu, cuda or cuda:N; several runs can share one GPU")
    p.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(func=run)


def parse_sets(items: list[str]) -> dict[str, dict]:
    """``["run.seed=2", "synapse.component=\\"ideal\\""]`` -> ``{"run": {"seed": 2}, ...}`` (values
    in TOML syntax; a bare word is taken as a string)."""
    import tomllib

    out: dict[str, dict] = {}
    for item in items:
        key, sep, value = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or not name:
            raise ValidationError(f"--set {item!r} is not SECTION.KEY=VALUE.", hint="For example --set run.seed=2.")
        try:
            v = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            v = value.strip()
        out.setdefault(section, {})[name] = v
    return out


def run(args: argparse.Namespace) -> int:
    from ..learn.config import load_config
    from ..learn.trainer import train
    from ..outdir import output_dir

    overrides = parse_sets(args.set)
    if args.threads:
        overrides.setdefault("run", {})["threads"] = args.threads
    if _is_plastic(args.config):
        if args.device:
            raise ValidationError("--device applies to the gradient trainer; a [plastic] run computes on the CPU.",
                                  hint="Leave --device out for this config.")
        return run_plastic(args, overrides)
    if args.device:
        overrides.setdefault("run", {})["device"] = args.device
    cfg = load_config(args.config, overrides)
    output_dir(args.out)
    if args.restart:
        (args.out / "checkpoint.pt").unlink(missing_ok=True)
    summary = train(cfg, args.out, progress=not args.no_progress, plots=not args.no_plots)
    print(f"outputs in {args.out}: metrics.csv, summary.json, model/" + ("" if args.no_plots else ", PNG plots"))
    return 0 if summary else 1


def _is_plastic(path: Path) -> bool:
    """A config with a ``[plastic]`` section is a learned-plasticity run (circuitsnn.learn.plastic)."""
    import tomllib

    try:
        return "plastic" in tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False  # the trainer's loader reports the problem


def run_plastic(args: argparse.Namespace, overrides: dict) -> int:
    from ..learn.plastic.config import load_config
    from ..learn.plastic.runner import train
    from ..outdir import output_dir

    cfg = load_config(args.config, overrides)
    output_dir(args.out)
    train(cfg, args.out, plots=not args.no_plots)
    print(f"outputs in {args.out}: metrics.csv, summary.json, model_*.pt" + ("" if args.no_plots else ", PNG plots"))
    return 0
