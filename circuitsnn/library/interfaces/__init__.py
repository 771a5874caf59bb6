"""Read interfaces between a crossbar and its neurons: row drivers and column read-outs.

A network reads its synapses at a fixed bias instead of tying them to membranes: a row driver
turns each presynaptic spike into a read pulse of the synapse family's ``v_read`` on a crossbar
row, and a column read-out holds each column pair at a virtual ground and copies the difference
of the two column currents (``G+ - G-``) into the postsynaptic neuron's membrane. Each comes as
a behavioural (ideal, cheap) and a transistor-level component; the transistor versions take
their MOSFETs from a named technology (:mod:`.technology`, default the generic level-1 cards).

=====================  ==========================  ==========================================
component              ports                       testbenches
=====================  ==========================  ==========================================
``row_driver``         ``in out vdd vss``          spike transfer load
``row_driver_cmos``    ``in out vdd vss``          spike transfer load
``column``             ``colp coln mem vdd vss``   transfer vground step
``column_cmos``        ``colp coln mem vdd vss``   transfer vground step
=====================  ==========================  ==========================================

Both sides share the reference ``v_ref``: rows idle at it and the columns are held at it, so a
network must give the row drivers and the column read-outs the same ``v_ref``
(:mod:`circuitsnn.network` checks it).
"""

from . import column, row_driver, technology
from .column import ColumnCmosParams, ColumnParams
from .row_driver import RowDriverCmosParams, RowDriverParams
from .technology import Technology, register_technology

__all__ = ["column", "row_driver", "technology", "ColumnParams", "ColumnCmosParams", "RowDriverParams",
           "RowDriverCmosParams", "Technology", "register_technology"]
