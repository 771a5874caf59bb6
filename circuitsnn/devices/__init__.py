"""The synapse device library: one module per family, each registering its components.

Every synapse subcircuit follows one port convention, ``in out [controls...]`` (see
:mod:`circuitsnn.devices.common`), so a network netlist can instantiate any family.

- :mod:`.optocoupler`  LED + photoresistor (``in out led``)
- :mod:`.schottky`     gated Schottky diode with charge-trap memory (``in out gate erase``)
- :mod:`.memristor`    Biolek and VTEAM memristors (``in out``)
- :mod:`.digital_code` binary-weighted conductances switched by an N-bit code (``in out``, or
  ``in out b0 ... b<N-1>`` for the bit-line variant)
"""

from . import digital_code, memristor, optocoupler, schottky

__all__ = ["digital_code", "memristor", "optocoupler", "schottky"]
