"""Digital-code synapse: the parameters, the switch hand-analysis estimate, and the surrogate's
read law.

The circuit is transistor level (resistors and MOSFET switches, no behavioural sources; see
:mod:`circuitsnn.library.synapses.digital_code`): bit ``k`` closes an NMOS switch in series with
a resistor of conductance ``2^k * g_lsb``; the branches sit in parallel between ``in`` and
``out``. With ideal switches ``G(code) = g_lsb * sum_k bit_k 2^k = code * g_lsb``.

**Surrogate read law** (fitted to SPICE, one conductance per bit so mismatch and switch error
show, and one coefficient for the switches' read nonlinearity), declared once here and used by
the fitter, the torch surrogate and the weight interface::

    I(in -> out) = v * (1 + beta * v) * sum_k bit_k * g_b<k>

**Hand-analysis estimate** (:meth:`DigitalBitlineParams.lsb_error`): the switch of bit ``k`` is
``2^k`` times as wide as the LSB switch, so every branch has the same relative error (the
code-to-conductance map stays linear, only its slope shrinks)::

    R_on,k = 1 / (KP * (W_k / L) * (VDD - VTO - v(out)))        (level-1 MOSFET, triode, small Vds)
    G_k    = 2^k g_lsb / (1 + R_on,0 * g_lsb),    LSB error eps = R_on,0 g_lsb / (1 + R_on,0 g_lsb)

It estimates the switch error for design (the ``levels`` testbench measures it); it is not the
surrogate.

Scale: the LSB is 50 nS (a 20 MOhm high-resistance poly resistor; bit k: 20 MOhm / 2^k), so a
4-bit word spans 0..750 nS and one 0.1 V, 10 us read spike carries 0.05 pC per LSB, at most
0.75 pC (15 % of the default LIF's threshold charge, 10 pF x 0.5 V). With kilohm switches
against megohm resistors the switch error is below 1e-4.

Sources: Ryndin, Andreeva, Luchinin, Goncharov et al. (2021), digital-code synapse; the
defaults of ``vto``, ``kp``, ``lam`` are circuitsnn's one generic level-1 180 nm NMOS card
(:mod:`circuitsnn.library.technology.generic`: VTO 0.5 V, KP 387 uA/V^2, LAMBDA 0.2 1/V, Sedra &
Smith's typical 0.18 um values; a test keeps them equal).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

import numpy as np

from ..params import Params, quantity
from .expr import Input, Node, P, Param

#: the read voltage across the synapse, v(in, out)
V = Input("v", "v(in,out)")

#: name of the surrogate's read law (the ``model`` of its fitted JSON is ``law:<this>``)
READ_LAW_NAME = "digital_code_read"


def bit(k: int) -> Input:
    """Bit ``k`` (LSB = 0) of the stored code: 0 or 1 in Python (relaxed values in between for
    learning); in the bit-line circuit the logic level of ``b<k>``. The read law is never
    rendered to SPICE (the circuit is transistor level)."""
    return Input(f"b{k}", f"v(b{k})")


def bit_conductance(k: int) -> Param:
    """The fitted conductance of bit ``k`` (S), parameter ``g_b<k>``."""
    return Param(f"g_b{k}")


@functools.lru_cache(maxsize=None)
def read_current(bits: int) -> Node:
    """The surrogate's read law for an ``bits``-bit word: ``v (1 + beta v) sum_k bit_k g_b<k>``."""
    if not 1 <= bits <= 16:
        raise ValueError(f"a digital code has 1..16 bits, got {bits!r}")
    g = functools.reduce(operator.add, [bit(k) * bit_conductance(k) for k in range(bits)])
    return V * (1 + P.beta * V) * g


def read_parameters(bits: int) -> tuple[str, ...]:
    """The read law's parameter names: ``g_b0 .. g_b<N-1>``, ``beta``."""
    return tuple(f"g_b{k}" for k in range(bits)) + ("beta",)


def code_bits(code, bits: int) -> dict[str, np.ndarray]:
    """``{"b0": ..., "b<N-1>": ...}``: the bits (0./1.) of integer ``code`` (scalar or array)."""
    c = np.asarray(code).astype(np.int64)
    return {f"b{k}": ((c >> k) & 1).astype(float) for k in range(bits)}


@dataclass(frozen=True, kw_only=True)
class DigitalBitlineParams(Params):
    """Binary-weighted conductances behind level-1 NMOS switches (gates on bit-line ports)."""

    prefix = "dsb"

    bits: int = quantity(4, unit="1", doc="Word length N", ge=1, le=8, integer=True)
    g_lsb: float = quantity(50e-9, unit="S", doc="Conductance of the least significant bit (20 MOhm)", gt=0, le=1)
    vdd: float = quantity(1.8, unit="V", doc="Logic high level on the switch gates", gt=0, le=20)
    vto: float = quantity(0.5, unit="V", doc="NMOS threshold voltage (level-1 VTO)", gt=0)
    kp: float = quantity(387e-6, unit="A/V^2", doc="NMOS transconductance parameter (level-1 KP)", gt=0)
    lam: float = quantity(0.2, unit="1/V", doc="NMOS channel-length modulation (level-1 LAMBDA)", ge=0, le=1)
    w_lsb: float = quantity(0.5e-6, unit="m", doc="Width of the LSB switch (bit k: 2^k times wider)", gt=0)
    l: float = quantity(0.18e-6, unit="m", doc="Switch channel length", gt=0)

    def check(self) -> None:
        if not self.vto < self.vdd:
            self.fail("vto", f"= {self.vto!r} must be below vdd = {self.vdd!r} V, or the switches never close")

    # -- hand-analysis estimate of the switch error (module docstring); not the surrogate -------------
    def switch_on_resistance(self, k: int = 0, v_out: float = 0.0) -> float:
        """On-resistance (Ohm) of bit ``k``'s switch at small Vds with its source at ``v_out``."""
        return 1.0 / (self.kp * (self.w_lsb * 2**k / self.l) * (self.vdd - self.vto - v_out))

    def lsb_error(self, v_out: float = 0.0) -> float:
        """Estimated relative conductance error of every bit due to its switch: R_on g / (1 + R_on g)."""
        x = self.switch_on_resistance(0, v_out) * self.g_lsb
        return x / (1 + x)

    def conductance(self, code: int | np.ndarray, v_out: float = 0.0) -> float | np.ndarray:
        """Estimated conductance (S) of ``code`` including the switch error (hand analysis)."""
        return np.asarray(code) * self.g_lsb * (1 - self.lsb_error(v_out))

    def design_bit_conductances(self) -> dict[str, float]:
        """The read law's parameters as designed: ``g_b<k> = 2^k g_lsb (1 - eps)``, ``beta = 0``
        (the fitter's initial guess, the weight interface's nominal values)."""
        eps = self.lsb_error()
        return {f"g_b{k}": 2**k * self.g_lsb * (1 - eps) for k in range(self.bits)} | {"beta": 0.0}


@dataclass(frozen=True, kw_only=True)
class DigitalCodeParams(DigitalBitlineParams):
    """Digital-code synapse with the code as a parameter (bits tied to VDD/GND inside)."""

    prefix = "dsc"

    code: int = quantity(1, unit="1", doc="Stored code, 0 .. 2^bits - 1", ge=0, le=255, integer=True)

    def check(self) -> None:
        super().check()
        if self.code > 2**self.bits - 1:
            self.fail("code", f"= {self.code!r} does not fit in bits = {self.bits} (max {2**self.bits - 1})")
