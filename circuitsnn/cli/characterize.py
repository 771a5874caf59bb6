"""``circuitsnn characterize NAME --out DIR``: run a component's testbenches, write plots + data."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import positive_seconds, add_library_options, apply_library_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "characterize",
        help="run a component's testbenches; write PNG plots and netCDF data",
        description="Run the testbenches of one component (I-V sweeps, pulse programming, spike "
        "response, step response, f-I curve) and write, per testbench, the deck (.cir), all "
        "vectors (.nc), derived curves (_measures.nc) and a plot (.png). A testbench that fails "
        "is reported and the others still run.",
        epilog="examples:\n  circuitsnn characterize lif --out reports/lif\n"
        "  circuitsnn characterize memristor_biolek --testbench iv --param r_on=200\n"
        "  circuitsnn characterize lif --stimulus my_current.csv   (time_s,current_A rows)\n"
        "  circuitsnn list            (names, parameters and testbenches)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", help="component name (see `circuitsnn list`)")
    p.add_argument("--out", type=Path, help="output folder (default: reports/characterize/NAME)")
    p.add_argument("--testbench", action="append", default=[], metavar="TB", help="run only this testbench; repeat for more")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter, SPICE suffixes allowed (e.g. c_mem=2p); repeat for more")
    p.add_argument("--stimulus", type=Path, metavar="FILE.csv",
                   help="drive the component with your own waveform: a CSV of time (s), value (A into a neuron's "
                   "membrane; V on a synapse's in) -- runs the 'waveform' testbench")
    p.add_argument("--control", action="append", default=[], metavar="PORT=V",
                   help="with --stimulus: hold a synapse control port (gate, led, erase, b0...) at V volts; repeat")
    p.add_argument("--backend", choices=("batch", "shared"), default="batch")
    p.add_argument("--timeout", type=positive_seconds, default=300.0, help="seconds per testbench before ngspice is killed")
    add_library_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    apply_library_options(args)
    from ..characterize import characterize, parse_assignments
    from ..library.registry import get

    comp = get(args.name)
    params = comp.make_params(**parse_assignments(args.param, comp.params_cls))
    report = characterize(
        args.name,
        args.out or Path("reports/characterize") / args.name,
        params=params,
        testbenches=args.testbench or None,
        backend=args.backend,
        timeout=args.timeout,
        stimulus=_stimulus(args),
    )
    print(report.text())
    return 0 if report.ok else 1


def _stimulus(args: argparse.Namespace) -> dict | None:
    if args.stimulus is None:
        if args.control:
            from ..errors import ValidationError

            raise ValidationError("--control holds a port during a --stimulus waveform; give --stimulus FILE.csv too.")
        return None
    from ..units import parse_value

    controls = {}
    for item in args.control:
        port, sep, value = item.partition("=")
        if not sep:
            from ..errors import ValidationError

            raise ValidationError(f"--control {item!r} is not PORT=VOLTS.", hint="e.g. --control gate=0 --control led=2.5")
        controls[port.strip()] = parse_value(value)
    return {"file": args.stimulus, "controls": controls or None}

