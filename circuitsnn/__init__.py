"""circuitsnn: SPICE netlists, ngspice simulation, fitted surrogates and spiking-network learning
for designers of analog and mixed-signal neuromorphic hardware.

Values are base SI units everywhere (s, V, A, F, Ohm, S).
"""

from .errors import (
    CircuitSNNError,
    ConvergenceError,
    NetlistError,
    SimulationError,
    SimulationTimeout,
    SimulatorCrashed,
    SimulatorMissing,
    UnsafeDeckError,
    ValidationError,
)
from .params import Params, quantity
from .spice import Deck, Result, Tran, DcSweep, Op, get_simulator, load_deck, render, simulate

__version__ = "0.1.0"

__all__ = [
    "CircuitSNNError", "ConvergenceError", "NetlistError", "SimulationError", "SimulationTimeout",
    "SimulatorCrashed", "SimulatorMissing", "UnsafeDeckError", "ValidationError", "Params",
    "quantity", "Deck", "Result", "Tran", "DcSweep", "Op", "get_simulator", "load_deck", "render",
    "simulate", "__version__",
]
