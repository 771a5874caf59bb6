"""The synapse device library: one module per family, each registering its components.

Every synapse subcircuit follows one port convention, ``in out [controls...]`` (see
:mod:`circuitsnn.devices.common`): current flows ``in -> out`` for a positive weight, and the
family's control ports follow, referenced to ground. A network netlist can therefore
instantiate any family. Registered components (``circuitsnn list``):

=========================  ===================================  ==============================
component                  ports                                testbenches
=========================  ===================================  ==============================
``optocoupler``            ``in out led``                       transfer iv step program spike
``schottky_gated``         ``in out gate erase``                iv program barrier temperature
                                                                spike
``memristor_biolek``       ``in out``                           iv (sine) program spike
``memristor_vteam``        ``in out``                           iv (sine) program spike
``digital_code``           ``in out``                           levels iv spike
``digital_code_bitlines``  ``in out b0 ... b<N-1>``             levels program spike
=========================  ===================================  ==============================

Each family module also has ``signed(pos, neg)``: the subcircuits of a differential pair
``G+ - G-`` (the last one, ports ``in out`` plus both devices' controls suffixed ``_p``/``_n``);
the deck needs all of them. ``digital_code.signed_code(p, code)`` makes a sign-magnitude pair.

For networks every component declares its ``operating`` table (read bias ``v_read``, read pulse
``t_read``, programming events, polarity; :mod:`circuitsnn.library.operating` computes the
read current and charge per read spike over the range, shown by ``circuitsnn list NAME``) and a
lean read-mode variant, ``component.read_subckt(params, state)`` (``<law>_read in out``: the
read law at a fixed state, no state node; ``component.read_params(state)`` sets it per
instance). The default scales compose with the default LIF: one read spike carries 10-20 % of
its 5 pC threshold charge at the top of a range and does not program the device.
"""

from . import digital_code, memristor, memristor_biolek, memristor_vteam, optocoupler, schottky

__all__ = ["digital_code", "memristor", "memristor_biolek", "memristor_vteam", "optocoupler", "schottky"]
