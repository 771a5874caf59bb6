"""A designer's own synapse device in one short file: the Joglekar memristor.

Joglekar & Wolf, Eur. J. Phys. 30 (2009) 661: the HP model with the window
``f(x) = 1 - (2x - 1)^(2p)``, which vanishes at both bounds whatever the current's sign::

    R(x) = R_on x + R_off (1 - x),   I = v / R(x)
    dx/dt = mu_v R_on / D^2 * I * (1 - (2x - 1)^(2p))

The window vanishes at both bounds, so a state driven onto a bound stays there in exact
arithmetic (Joglekar's "terminal state" problem, the reason Biolek's window exists); which side
of 1 - 1e-10 a simulator ends on then decides what the next pulse does. The held-out train
below stays off the bounds, where ngspice's answer is a well-defined reference.

Declaring the law once gives the subcircuit (rendered from it), the memristor testbenches
(bound to this component's own subcircuit), ``circuitsnn characterize``/``fit``/``list`` and
sweeps (``--module examples/custom_device.py``), a fitted surrogate and the weight interface —
without touching the library. Run it::

    .venv/bin/python examples/custom_device.py

It simulates a programming sequence in ngspice, runs the same law in torch on the same drive and
prints the worst relative difference of the conductance after each pulse (must be <= 1e-3).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from circuitsnn.library.registry import Component, register, components
from circuitsnn.library.synapses import memristor
from circuitsnn.library.synapses.common import law_subckt
from circuitsnn.params import quantity
from circuitsnn.physics import P, fabs
from circuitsnn.physics.memristor import CURRENT, X, MemristorParams, memristor_law


@dataclass(frozen=True, kw_only=True)
class JoglekarParams(MemristorParams):
    """Joglekar window memristor (HP TiO2 values)."""

    prefix = "mjog"

    r_on: float = quantity(100.0, unit="Ohm", doc="Resistance in the ON state (x = 1)", gt=0)
    r_off: float = quantity(16e3, unit="Ohm", doc="Resistance in the OFF state (x = 0)", gt=0)
    d: float = quantity(10e-9, unit="m", doc="Film thickness D", gt=0)
    mu_v: float = quantity(1e-14, unit="m^2/(V s)", doc="Dopant mobility", gt=0)


LAW = memristor_law(
    "memristor_joglekar",
    P.mu_v * P.r_on / P.d**2 * CURRENT * (1 - fabs(2 * X - 1) ** (2 * P.p)),
    rate_doc="mu_v*R_on/D^2 * i * (1 - (2x-1)^(2p))",
    equation="dx/dt = mu_v R_on/D^2 * i * (1 - (2x-1)^(2p)); R = R_on x + R_off (1-x)",
    reference="Joglekar & Wolf, Eur. J. Phys. 30, 661 (2009)",
)


def subckt(p: JoglekarParams, *, named: bool = False):
    return law_subckt(LAW, p, title="Joglekar memristor", module=__name__, named=named)


if "memristor_joglekar" not in {c.name for c in components()}:
    COMPONENT = register(Component(
        name="memristor_joglekar", kind="synapse", family="memristor", params_cls=JoglekarParams, subckt=subckt,
        testbenches=memristor.testbenches(
            subckt,
            iv=dict(freqs=(1.0, 2.0, 4.0), amplitude=1.0, points=200),
            program=dict(amp_pot=1.0, amp_dep=-1.0, width=50e-3, count_pot=15, count_dep=15, v_read=0.05,
                         read_width=2e-3, edge_fraction=1 / 100),
            spike=dict(amplitude=1.0, width=1e-3, delay=1e-3),
        ),
        summary="Joglekar-window memristor (a user device declared in examples/custom_device.py)",
        pinout=memristor.PINOUT, equation=LAW.equation, reference=LAW.reference, law=LAW,
        fitter="circuitsnn.fit.memristor:fit_memristor",
        weights="circuitsnn.surrogates.weights.memristor:MemristorWeights",
        operating=dict(v_read=0.05, v_set=1.0, v_reset=-1.0, t_prog=50e-3, t_edge=0.5e-3),
        fit_hints=dict(fixed=("d",), bounds={"p": (0.5, 10.0)},
                       runs=[(1.0, -1.0, 50e-3), (0.7, -1.3, 50e-3), (1.3, -0.7, 30e-3)],
                       held_out={"program": (0.6, -0.6, 40e-3, 0.5), "iv": dict(freqs=(3.0,), amplitude=0.9, points=300)}),
    ))


def worst_difference() -> float:
    """ngspice vs the law in torch on the programming testbench: worst relative difference of
    the conductance read after each pulse."""
    import torch

    from circuitsnn.fit.memristor import read_times
    from circuitsnn.library.registry import get
    from circuitsnn.physics import TORCH, values_of
    from circuitsnn.spice import simulate
    from circuitsnn.surrogates.device import replay
    from circuitsnn.surrogates.waveforms import source_points

    comp = get("memristor_joglekar")
    p = comp.default_params()
    tb = comp.testbench("program", p)
    g_spice = tb.measure(simulate(tb.deck))["g"]
    values = values_of(p)
    pts = source_points(tb.deck, "Vin")
    v_read = 0.05
    x = replay(comp.law, values, {"v": pts}, {"x": p.x0}, read_times(pts, v_read), max_dt=50e-3 / 40, substeps=4,
               backend=TORCH)["x"]
    g_torch = comp.law.current({**values, "v": torch.tensor(v_read), "x": torch.as_tensor(x)}, TORCH).numpy() / v_read
    return float(np.max(np.abs(g_torch - g_spice) / np.abs(g_spice)))


if __name__ == "__main__":
    worst = worst_difference()
    print(f"memristor_joglekar: worst relative difference ngspice vs torch over the programming sequence: {worst:.3g}")
    sys.exit(0 if worst <= 1e-3 else 1)
