"""``circuitsnn stdp CONFIG.toml --out DIR``: spike-timing-dependent learning where every weight
change goes through the device's programming update."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Learn with STDP on a crossbar of one device family (or ideal weights), in SI: inputs are read
pulses (V, s) through the devices' read laws, neurons are the fitted/nominal neuron surrogates,
and every weight change a rule asks for (pair, triplet, VDSP; R-STDP for the reward task) is
turned into the family's programming events (memristor pulses, Schottky program pulses and
erases, digital code steps with stochastic rounding, optocoupler LED drive changes) and applied
with the device's own update law. Events and an energy estimate are counted.

Tasks: "unsupervised" (Diehl & Cook: lateral inhibition, adaptive thresholds, normalization,
labels assigned after learning) and "reward" (a readout layer learning the classes from reward
alone). A killed run resumes when started again with the same --out; --restart starts over.

DIR receives:
  metrics.csv            one row per epoch: validation accuracy, events up/down/erases,
                         energy, levels used, spikes and presentations per sample, time
  summary.json           test accuracy, levels, programming figures
  receptive_fields.png   learned weights per neuron as images
  weight_evolution.png   tracked synapses and the mean/std over training
  learning_curve.png     validation accuracy and cumulative programming events
  conductances.png       conductances after learning against the device range
  model/                 model.json + weights.npz: device states and conductances per synapse,
                         thresholds, labels, the device and neuron surrogates (file, sha256,
                         provenance), the config and the metrics — what deployment reads
  checkpoint.pt          the state to resume from"""

EPILOG = """\
examples:
  circuitsnn stdp examples/stdp/digits_ideal.toml --out runs/stdp_ideal
  circuitsnn stdp examples/stdp/digits_ideal.toml --out runs/stdp_code --set synapse.component='"digital_code"'
  circuitsnn stdp examples/stdp/fashion_digital_code.toml --out runs/stdp_fashion
  circuitsnn stdp examples/stdp/digits_rstdp.toml --out runs/rstdp
  python examples/stdp/compare_families.py --out runs/stdp_compare      (all families side by side)

config sections: see circuitsnn/learn/stdp/config.py and examples/stdp/*.toml."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stdp", help="STDP / R-STDP / VDSP learning through the devices' programming updates",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", type=Path, help="STDP config (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created; a run there is resumed)")
    p.add_argument("--restart", action="store_true", help="ignore a checkpoint in --out and start over")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one config value (TOML syntax), e.g. --set run.seed=2; repeatable")
    p.add_argument("--threads", type=int, help="torch threads (default [run] threads, 1)")
    p.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..learn.stdp.config import load_config
    from ..learn.stdp.runner import train
    from ..outdir import output_dir
    from .train import parse_sets

    overrides = parse_sets(args.set)
    if args.threads:
        overrides.setdefault("run", {})["threads"] = args.threads
    cfg = load_config(args.config, overrides)
    output_dir(args.out)
    if args.restart:
        (args.out / "checkpoint.pt").unlink(missing_ok=True)
    summary = train(cfg, args.out, progress=not args.no_progress, plots=not args.no_plots)
    print(f"test accuracy {summary['test_acc']:.4f}; programming events {summary['programming']['events']}; "
          f"levels used {summary['levels_used']}; outputs in {args.out}")
    return 0
