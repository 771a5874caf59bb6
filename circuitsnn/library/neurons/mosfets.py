"""The generic 180 nm level-1 MOSFET cards, now in :mod:`circuitsnn.library.technology.generic`
(the one card set of the package); re-exported here for existing callers."""

from ..technology.generic import (  # noqa: F401
    L_MIN, LIBRARY_PATH, MODELS, NMOS, PMOS, inverter_threshold, library_text, param, saturation_current,
    write_library,
)
