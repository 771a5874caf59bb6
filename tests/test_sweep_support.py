"""A small component of the sweep tests' own, so they do not depend on the device library.

``sweep_rc``: an RC low-pass driven by a pulse train of amplitude ``vdd``. Physics the tests
rely on: v(out) crosses vdd/2 on every pulse when τ = R·C is well below the half period, and
never on the first pulses when τ is far above it (the capacitor only creeps up).

Imported by the sweep tests and, through ``[sweep] modules = ["test_sweep_support"]``, by the
sweep subprocesses they start. It has no tests itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from circuitsnn.errors import ValidationError
from circuitsnn.params import Params, quantity
from circuitsnn.library.registry import Component, Testbench, _REGISTRY, register
from circuitsnn.spice.ir import C, Deck, Pulse, R, Subckt, Tran, V, X
from circuitsnn.sweep import register_measure


@dataclass(frozen=True, kw_only=True)
class SweepRCParams(Params):
    """RC low-pass: v_out' = (v_in − v_out) / (R·C)."""

    prefix: ClassVar[str] = "swrc"
    r: float = quantity(1e3, unit="Ohm", doc="series resistance", gt=0)
    c: float = quantity(1e-9, unit="F", doc="capacitance to ground", gt=0)
    vdd: float = quantity(1.0, unit="V", doc="supply: pulse amplitude", gt=0, le=5)


def rc_subckt(p: SweepRCParams) -> Subckt:
    return Subckt(p.tag(), ("in", "out"), (R("r1", "in", "out", p.r), C("c1", "out", "0", p.c)), doc="RC low-pass for sweep tests")


def tb_pulses(
    p: SweepRCParams, *, period: float = 1e-5, n: int = 5, points: int = 200, hang: bool = False, broken: bool = False
) -> Testbench:
    """``n`` pulses of amplitude vdd, half-period wide; ``points`` time points per period.
    ``hang`` asks for an absurd number of steps (to exercise the timeout), ``broken``
    instantiates a subcircuit that does not exist (ngspice refuses the deck)."""
    if n < 1:
        raise ValidationError(f"n must be >= 1, got {n}.")
    sub = rc_subckt(p)
    elements = [V("v1", "in", "0", Pulse(0.0, p.vdd, 0.0, 1e-9, 1e-9, period / 2, period)), X("x1", ("in", "out"), sub.name)]
    if broken:
        elements.append(X("x2", ("in", "out"), "no_such_subckt"))
    stop = 1.0 if hang else n * period
    max_step = 1e-12 if hang else period / points
    deck = Deck("sweep test RC pulses", elements=tuple(elements), subckts=(sub,), analyses=(Tran(step=period / points, stop=stop, max_step=max_step),))
    return Testbench("pulses", deck, probes=("v(in)", "v(out)"), description="pulse train into the RC")


if "sweep_rc" not in _REGISTRY:
    register(
        Component(
            name="sweep_rc",
            kind="synapse",
            family="test",
            params_cls=SweepRCParams,
            subckt=rc_subckt,
            testbenches={"pulses": tb_pulses},
            summary="RC low-pass used by the sweep tests",
        )
    )


@register_measure("test_overshoot", unit="{signal}", doc="peak minus final value (a user-registered measure)")
def overshoot(result, *, signal: str) -> float:
    y = result[signal]
    return float(y.max() - y[-1])
