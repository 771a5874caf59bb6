"""``circuitsnn verify MODEL --samples N --fidelity LEVEL --out DIR``: a trained network in
ngspice against the surrogate network it was trained as."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Deploy a trained network into ngspice and check it against the surrogate network.

The saved model (what `circuitsnn train` writes to DIR/model) becomes one topology: every
weight a differential pair of the family's devices at the states that realize the trained
conductances, the LIF circuit the neuron surrogate was fitted to, rows read with the trained
pulse (amplitude in V, width in s). Each test sample's encoded spike trains (the trainer's
encoder, seeded per sample) become PWL read pulses on the rows, centred in their time steps.
The same topology gives the ngspice deck and the surrogate network (fitted neurons, event
driven), so they cannot disagree on a weight.

Output read-out, as trained ([network] readout):
  count     the output neurons spike; class = most spikes (ties: earliest first spike)
  membrane  the output neurons are their membranes alone (the LIF's R || C, no spike rule),
            sampled at every step end as the trainer scored them; class = highest sample.
            Compared by the membranes' difference (mV) and each neuron's peak

An STDP model (what `circuitsnn stdp` writes to DIR/model; the unsupervised layer, or an R-STDP
read-out on the inputs, which decides by the neuron with most spikes) deploys as
one unsigned crossbar at the saved device states, each neuron its own LIF with its trained
threshold (v_th + theta), and lateral inhibition as row drivers and resistors; class = spike
counts per assigned class (the label assignment); the inhibition resistors' energy is
reported apart from the crossbar's. Any --fidelity; --read behavioural.

Fidelity levels:
  read      each device its read law at its state (a resistor for a linear read): fast
  sampled   full device models on a few seeded columns per layer (--sampled), read mode elsewhere
  full      every device its own subcircuit with its state dynamics: slow (minutes per sample)

OUT receives:
  deck/sampleK.cir      the network deck of the first sample, runnable with plain `ngspice -b`
  comparison.md/.json   accuracy in SPICE and on the surrogate, output-class agreement,
                        Kistler coincidence factor per layer (end to end, and layer-local),
                        latency to decision, energy per inference and per synaptic event
  raster.png            SPICE and surrogate spikes of every layer, overlaid
  membrane.png          output membranes, SPICE (solid) vs surrogate (dashed; with a
                        membrane read-out, dots mark the step-end samples)
  results/*.jsonl       one record per sample: a killed verification resumes from them. The
                        file is keyed by the options, the model, the deck's text and the ngspice
                        version: after a code or ngspice change old records are kept, not reused.
                        What is cached is the deck's side: a reused record's surrogate side is
                        computed again by the running code (no ngspice run)

A sample whose deck fails (no convergence, timeout) is recorded as failed with the sample and
layer named; the others carry on."""

EPILOG = """\
examples:
  circuitsnn train examples/train/digits_vteam_deploy.toml --out runs/vteam
  circuitsnn verify runs/vteam/model --samples 20 --fidelity read --out runs/vteam/verify
  circuitsnn verify runs/vteam/model --samples 4 --fidelity sampled --sampled 1 --out runs/vteam/sampled
  circuitsnn verify runs/vteam/model --samples 360 --workers 2 --out runs/vteam/all   (the whole test split)
  circuitsnn verify runs/vteam/model --samples 50 --dask tcp://scheduler:8786 --out runs/vteam/dask
  circuitsnn verify runs/vteam/model --samples 5 --per-layer --out runs/vteam/split   (one deck per layer)
  circuitsnn verify runs/stdp_dc/model --samples 20 --mapping program-verify --out runs/stdp_dc/pv   (an STDP model)

Run the same command again to resume: finished samples are read back, not recomputed."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="run a trained network in ngspice and compare it with the surrogate network",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="the saved model folder (DIR/model of `circuitsnn train`, or DIR)")
    p.add_argument("--samples", type=int, default=10, help="first N test samples (default 10)")
    p.add_argument("--fidelity", choices=("read", "sampled", "full"), default="read", help="device models in the deck")
    p.add_argument("--out", type=Path, required=True, help="output folder (a verification there is resumed)")
    p.add_argument("--sampled", type=int, default=2, help="full-device columns per layer with --fidelity sampled")
    p.add_argument("--per-layer", action="store_true", help="one deck per layer, fed by the spikes recorded before it")
    p.add_argument("--workers", type=int, help="parallel ngspice processes (default: usable cores)")
    p.add_argument("--executor", choices=("processes", "threads"), default="processes", help="local pool kind")
    p.add_argument("--dask", metavar="ADDRESS", help="run samples on a Dask cluster (tcp://host:8786)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per deck before ngspice is killed")
    p.add_argument("--klu", choices=("auto", "on", "off"), default="auto",
                   help="KLU sparse solver where this ngspice has it (auto: for read-mode decks). Debian's "
                        "ngspice 39 has none; `make ngspice46` unpacks ngspice 46 with KLU beside the checkout: "
                        "put .ngspice46/bin first on PATH")
    p.add_argument("--reltol", type=float, default=1e-5,
                   help="ngspice reltol (default 1e-5: converged spike times; 1e-4 is ~2x faster, spikes within ~1 us)")
    p.add_argument("--read", choices=("behavioural", "cmos"), default="behavioural", help="row drivers/column read-outs")
    p.add_argument("--mapping", choices=("direct", "program-verify"), default="direct",
                   help="direct: each device at the state of its trained conductance; program-verify: the states "
                        "program-and-verify reaches on devices drawn from the fitted Monte Carlo (planned once "
                        "into OUT/mapping), so the mapping error is in the network")
    p.add_argument("--window", type=float, help="coincidence window in s (default t_ref/4)")
    p.add_argument("--retry-failed", action="store_true", help="run samples recorded as failed again")
    p.add_argument("--no-energy", action="store_true", help="skip the energy ammeters (faster decks)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..deploy.verify import verify

    v = verify(args.model, samples=args.samples, fidelity=args.fidelity, out=args.out, workers=args.workers,
               executor=args.executor, dask=args.dask, progress=not args.no_progress, plots=not args.no_plots,
               sampled=args.sampled, per_layer=args.per_layer, timeout=args.timeout, klu=args.klu, read=args.read, reltol=args.reltol,
               mapping=args.mapping,
               window=args.window, energy=not args.no_energy, retry_failed=args.retry_failed)
    print((Path(v.files["table"])).read_text())
    print("files: " + ", ".join(v.files.values()))
    return 0 if v.summary.get("failed", 0) == 0 else 3
