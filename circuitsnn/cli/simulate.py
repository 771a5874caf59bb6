"""``circuitsnn simulate DECK --out DIR``: run a deck, write result.nc and a figure per analysis."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..units import parse_value
from ..errors import ValidationError
from .common import positive_seconds

DESCRIPTION = """\
Run a SPICE deck in ngspice and write:
  DIR/result.nc       every vector of every analysis, as netCDF (xarray, engine="h5netcdf"):
                      one analysis at the root, several as groups (tran, ac, ac2, ...); AC
                      and pole-zero results complex; .meas results and notes as attributes
  DIR/transient.png   .tran: the probed signals against time (.dc: DIR/sweep.png)
  DIR/bode.png        .ac: magnitude and phase, and DIR/nyquist.png
  DIR/noise.png       .noise: noise spectral densities; .pz: DIR/poles-zeros.png
and print a short summary (operating point, .tf, .meas values, notes).

The deck runs its own analyses (.tran .dc .op .ac .noise .tf .pz .sens .disto .pss .sp)
unless --tran STEP STOP replaces them. For safety, .control blocks and `shell` are refused
(also inside included files) unless you pass --allow-control; then every plot the block
makes is returned. .include/.lib files and data files (file=, input_file=, state_file=)
must lie in the deck's folder, the project's models/ or a --trust DIR; .lib FILE SECTION
reads that section, as ngspice does. Paths may contain spaces and any Unicode.

Run folders: deleted after success (--keep keeps them); kept after a failure, at most 20
(CIRCUITSNN_KEEP_FAILED) and 500 MB (CIRCUITSNN_KEEP_FAILED_MB), oldest deleted first.
"""

EXAMPLES = """\
examples:
  circuitsnn simulate netlists/lif_step.cir --out runs/lif
  circuitsnn simulate rc.cir --tran 1u 5m --probe out --probe in --out runs/rc
  circuitsnn simulate deck.sp --backend shared --timeout 30
  circuitsnn simulate amp.cir --trust ~/pdk/gf180mcu/models --no-plot
  circuitsnn simulate measured.cir --allow-control      a trusted deck with its own .control block
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="run a deck in ngspice; write result.nc and a figure per analysis",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("deck", type=Path, help="netlist file (.cir, .sp)")
    p.add_argument("--out", type=Path, default=Path("runs/simulate"), help="output folder (default: runs/simulate)")
    p.add_argument(
        "--tran",
        nargs=2,
        metavar=("STEP", "STOP"),
        help="replace the deck's analyses by a transient, e.g. --tran 1u 5m (SPICE suffixes allowed)",
    )
    p.add_argument("--probe", action="append", default=[], metavar="SIGNAL", help="signal to plot: a node (out), v(x1.mem) or i(v1); repeat for more (default: the node voltages)")
    p.add_argument("--backend", choices=("batch", "shared"), default="batch", help="batch: one ngspice process per run (default); shared: libngspice in a worker process")
    p.add_argument("--timeout", type=positive_seconds, default=120.0, help="seconds for everything: ngspice, reading, writing result.nc and figures (default: 120)")
    p.add_argument("--trust", action="append", default=[], type=Path, metavar="DIR", help="also allow .include/.lib files from DIR")
    p.add_argument("--allow-control", action="store_true", help="allow .control blocks and shell commands in this deck (only for decks you trust)")
    p.add_argument("--keep", action="store_true", help="keep ngspice's run folder (deck.cir, its output, the raw plots) even on success")
    p.add_argument("--no-plot", action="store_true", help="write result.nc only, no figures (faster: matplotlib is not loaded)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..spice.ir import Tran
    from ..simulate_deck import simulate_to_folder

    analyses = None
    if args.tran:
        step, stop = (parse_value(x, "--tran") for x in args.tran)
        if not 0 < step < stop:
            raise ValidationError(
                f"--tran {args.tran[0]} {args.tran[1]}: the step must be positive and smaller than the stop time.",
                hint="e.g. --tran 1u 5m (1 µs step, 5 ms stop).",
            )
        analyses = [Tran(step=step, stop=stop)]
    summary = simulate_to_folder(
        args.deck,
        args.out,
        analyses=analyses,
        probes=args.probe,
        backend=args.backend,
        timeout=args.timeout,
        trusted_dirs=args.trust,
        allow_control=args.allow_control,
        keep=args.keep,
        plots=not args.no_plot,
    )
    print(summary.text())
    return 0
