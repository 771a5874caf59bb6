"""What every neuron circuit shares: the port convention and the parameter base class.

Port convention (every neuron subcircuit)::

    .subckt <name> in out vdd vss

- ``in``  the membrane node. The input is a *current* injected into it (a synapse's output, a
  current source ``I 0 in ...``); ``v(in, vss)`` is the membrane potential.
- ``out`` the output spike: a voltage pulse referenced to ``vss`` whose amplitude and width the
  neuron's parameters define (:meth:`NeuronParams.spike_amplitude`). It drives synapse inputs.
- ``vdd`` the positive supply, ``NeuronParams.vdd`` above ``vss``. Transistor-level neurons draw
  their current from it; behavioural ones (LIF, adaptive LIF) leave it unconnected inside, so
  the supply must be defined by the caller (a ``V`` source), as for any other neuron.
- ``vss`` the reference (ground) of the neuron; every internal voltage is taken against it. (It
  is not called ``gnd``, which ngspice always ties to node 0.)

A network netlist can therefore instantiate any neuron as ``X<k> <mem> <spk> vdd 0 <name>``.
Spikes are detected on ``out`` at half the pulse amplitude (:meth:`NeuronParams.spike_threshold`)
with :func:`circuitsnn.neurons.spikes.spike_times`.

At t = 0 every neuron must sit below threshold (no input, or an input that starts at 0): the
operating point of a neuron that is firing at t = 0 is not defined. All circuitsnn testbenches
ramp their input currents from 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...errors import ValidationError
from ...params import Params, quantity
from ...units import format_value

#: The ports of every neuron subcircuit, in order.
PORTS = ("in", "out", "vdd", "vss")


@dataclass(frozen=True, kw_only=True)
class NeuronParams(Params):
    """Base of every neuron's parameters: the supply, and what testbenches need to know.

    Subclasses implement :meth:`spike_amplitude`, :meth:`current_scale`, :meth:`expected_isi`
    and :meth:`max_step`.
    """

    prefix: ClassVar[str] = "neuron"

    vdd: float = quantity(
        1.8,
        unit="V",
        doc="Supply voltage between the vdd and vss ports (1.8 V: a 180 nm CMOS core supply)",
        gt=0,
        le=12,
    )

    # -- what testbenches and measures need -------------------------------------------------
    def spike_amplitude(self) -> float:
        """Height (V) of the output pulse on ``out`` above ``vss``."""
        raise NotImplementedError

    def spike_threshold(self) -> float:
        """Level (V) at which a rising ``v(out)`` counts as a spike: half the amplitude."""
        return 0.5 * self.spike_amplitude()

    def current_scale(self) -> float:
        """A characteristic input current (A): the rheobase of a leaky neuron, a small fraction of
        the reset current of the Axon-Hillock. Testbench stimuli are multiples of it."""
        raise NotImplementedError

    def expected_isi(self, i_in: object) -> np.ndarray:
        """Expected inter-spike interval (s) under constant input ``i_in`` (A); ``inf`` where the
        neuron does not fire. Sizes testbench durations; the measured value is the truth."""
        raise NotImplementedError

    def settle_time(self) -> float:
        """Time (s) the neuron needs to reach its steady firing under constant input (adaptation);
        0 for neurons without slow state. Testbenches run at least this long."""
        return 0.0

    def max_step(self) -> float:
        """Largest transient time step (s) that keeps the neuron's timing accurate (use it as
        ``.tran`` max step in any deck that contains this neuron)."""
        raise NotImplementedError

    # -- validation ---------------------------------------------------------------------------
    def reject(self, name: str, problem: str, allowed: str) -> None:
        """Raise a :class:`ValidationError` for a cross-field rule: names the field, its meaning
        and unit, the problem, and the range allowed given the other fields."""
        meta = self.field_info(name)
        desc = f" ({meta['doc']}, unit {meta['unit']})" if meta else ""
        raise ValidationError(f"{type(self).__name__}.{name}{desc} {problem}.", hint=f"Allowed: {allowed}.")


def describe_subckt(p: NeuronParams, title: str, equation: str, pinout: str) -> str:
    """The comment block above a neuron subcircuit: what it is, pinout, equation, parameters."""
    values = " ".join(f"{row['name']}={format_value(getattr(p, row['name']))}" for row in p.describe())
    return "\n".join([title, *pinout.rstrip("\n").splitlines(), *equation.splitlines(), f"params (SI): {values}"])
