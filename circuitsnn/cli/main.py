"""Entry point: ``circuitsnn COMMAND ...``. Errors become one paragraph and a non-zero exit
status; ``--debug`` shows the traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap

from ..errors import CircuitSNNError, SimulationError
from .common import readable_warnings

#: command modules, in the order ``--help`` lists them
COMMANDS = ("simulate", "list", "characterize", "netlists", "sweep", "fit", "train", "stdp", "verify", "demo")

EPILOG = """\
examples:
  circuitsnn simulate deck.cir --out runs/rc            run a deck, write result.nc + transient.png
  circuitsnn simulate deck.cir --tran 1u 5m --probe out  override the analysis, plot v(out)
  circuitsnn list                                       every component with parameters and units
  circuitsnn characterize lif --out reports/lif         testbenches, plots and data of one component
  circuitsnn sweep sweep.toml                           run (or resume) a parameter sweep
  circuitsnn verify runs/net/model --samples 20 --out runs/net/verify   a trained network in ngspice vs its surrogate

Values are base SI: 1e-9 or 1n for 1 nF. `circuitsnn COMMAND --help` explains each command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="circuitsnn",
        description="SPICE netlists, ngspice simulation, fitted surrogates and spiking-network "
        "learning for neuromorphic hardware designers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"cli.{name}"):
                continue  # command not built yet
            raise
        module.add_parser(sub)
    return parser


def report_error(exc: BaseException) -> str:
    """One paragraph: what went wrong, what to do, and ngspice's own words when it ran."""
    if isinstance(exc, CircuitSNNError):
        text = f"error: {exc.message}"
        if exc.hint:
            text += f"\n  what to do: {exc.hint}"
        if isinstance(exc, SimulationError) and (exc.stderr or exc.stdout):
            excerpt = textwrap.indent(exc.output_excerpt(8), "    ")
            text += f"\n  ngspice said:\n{excerpt}"
        return text
    return f"error: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        with readable_warnings():  # SPICE unit traps (1M is milli, ...) as paragraphs on stderr
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted; finished work is kept.", file=sys.stderr)
        return 130
    except (CircuitSNNError, OSError) as exc:
        if args.debug:
            raise
        print(report_error(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
