"""circuitsnn: SPICE netlists, ngspice simulation, fitted surrogates and spiking-network learning
for designers of analog and mixed-signal neuromorphic hardware.

Values are base SI units everywhere (s, V, A, F, Ohm, S).

The names below are imported on first use (PEP 562), so that ``circuitsnn --help`` and
``circuitsnn simulate`` start without loading numpy, torch, matplotlib or xarray up front.
"""

from __future__ import annotations

import importlib
from typing import Any

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

__version__ = "0.1.0"

#: public name -> module it lives in
_LAZY = {
    "Params": ".params",
    "quantity": ".params",
    "Deck": ".spice",
    "Result": ".spice",
    "Tran": ".spice",
    "DcSweep": ".spice",
    "Op": ".spice",
    "Ac": ".spice",
    "Noise": ".spice",
    "get_simulator": ".spice",
    "load_deck": ".spice",
    "render": ".spice",
    "simulate": ".spice",
}

__all__ = [
    "CircuitSNNError", "ConvergenceError", "NetlistError", "SimulationError", "SimulationTimeout",
    "SimulatorCrashed", "SimulatorMissing", "UnsafeDeckError", "ValidationError", "Params",
    "quantity", "Deck", "Result", "Tran", "DcSweep", "Op", "Ac", "Noise", "get_simulator",
    "load_deck", "render", "simulate", "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'circuitsnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
