"""What the commands share: argument types that refuse bad values up front, and warnings printed
as readable paragraphs (the same shape as errors: the problem, then what to do)."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import warnings
from typing import Iterator, TextIO

from ..units import SpiceUnitWarning


def positive_seconds(text: str) -> float:
    """argparse type of ``--timeout``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds (e.g. --timeout 60)")
    return value


def format_warning(w: SpiceUnitWarning) -> str:
    text = f"warning: {w.message}"
    if w.hint:
        text += f"\n  what to do: {w.hint}"
    return text


@contextlib.contextmanager
def readable_warnings(stream: TextIO | None = None) -> Iterator[None]:
    """While active, circuitsnn's own warnings (:class:`SpiceUnitWarning`) print as
    ``warning: ... / what to do: ...`` on stderr, each time they occur; others as usual."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", SpiceUnitWarning)
        from ..spice.requirements import SimulatorSettingsWarning

        warnings.simplefilter("always", SimulatorSettingsWarning)
        original = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
            if isinstance(message, SpiceUnitWarning) or type(message).__name__ == "SimulatorSettingsWarning":
                print(format_warning(message), file=stream or sys.stderr)
            else:
                original(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def add_library_options(p: argparse.ArgumentParser) -> None:
    """``--module``, ``--lib``, ``--trust``: bring your own components and model files."""
    g = p.add_argument_group("your own components")
    g.add_argument("--module", action="append", default=[], metavar="FILE.py",
                   help="import a Python file (or dotted module) that registers components; repeat for more")
    g.add_argument("--lib", action="append", default=[], metavar="FILE",
                   help="a SPICE model file every testbench deck includes (its folder becomes trusted); repeat")
    g.add_argument("--trust", action="append", default=[], metavar="DIR",
                   help="a folder whose files decks may .include/.lib; repeat")


def apply_library_options(args: argparse.Namespace) -> None:
    """Carry out ``--trust``, ``--lib`` and ``--module`` (in that order: a module's components may
    include the library files)."""
    from ..library.registry import add_library_files, import_user_module
    from ..spice.load import trust

    trust(*getattr(args, "trust", []))
    add_library_files(*getattr(args, "lib", []))
    for m in getattr(args, "module", []):
        import_user_module(m)

