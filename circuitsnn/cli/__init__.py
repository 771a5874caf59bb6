"""The ``circuitsnn`` command line. Thin: each command parses arguments and calls one library
function. Each command lives in its own module with ``add_parser(subparsers)`` and ``run(args)``.
"""

from .main import main

__all__ = ["main"]
