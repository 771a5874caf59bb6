"""Everything that knows SPICE and nothing about devices: IR, renderer, loader, simulators."""

from .ir import (
    B, C, D, E, G, I, L, M, R, S, V, X,
    Ac, Behavioral, Comment, Dc, DcSweep, Deck, Element, Expr, Lib, Model, Noise, Op, Print, Pulse, Pwl, Pz, Sin,
    Subckt, Tf, Tran,
)
from .load import TextDeck, load_deck, load_text, from_pyspice
from .render import render
from .result import Plot, Result
from .rawfile import read_raw
from .simulator import Simulator, get_simulator, ngspice_version, prepare, simulate

__all__ = [
    "B", "C", "D", "E", "G", "I", "L", "M", "R", "S", "V", "X",
    "Ac", "Noise", "Pz", "Tf", "Behavioral", "Comment", "Dc", "DcSweep", "Deck", "Element", "Expr", "Lib", "Model", "Op", "Print", "Pulse",
    "Pwl", "Sin", "Subckt", "Tran", "TextDeck", "load_deck", "load_text", "from_pyspice", "render",
    "Plot", "Result", "read_raw", "Simulator", "get_simulator", "ngspice_version", "prepare", "simulate",
]
