"""Digital-code synapse: an N-bit word switches binary-weighted conductances (the component).

Transistor level: resistors and level-1 NMOS switches, no behavioural sources. Bit ``k``
closes an NMOS switch in series with a resistor of conductance ``2^k * g_lsb``; the branches
sit in parallel between ``in`` and ``out``, so with ideal switches ``G(code) = code * g_lsb``.
The parameters, the switch hand-analysis estimate
(:meth:`~circuitsnn.physics.digital_code.DigitalBitlineParams.lsb_error`, which the ``levels``
testbench measures) and the surrogate's read law live in :mod:`circuitsnn.physics.digital_code`.
No DAC and no optocoupler: the stored word acts on the conductance directly.

Pinout::

    in o--+--[R0 = 1/g_lsb]----[M0: b0]--+--o out
          +--[R1 = 1/(2 g_lsb)]-[M1: b1]--+
          ...                            ...
          +--[R(N-1)]----------[M(N-1)]--+

``digital_code``: the code is a parameter, bits tied to an internal VDD or to ground
(ports ``in out``). ``digital_code_bitlines``: the gates are ports ``b0 ... b<N-1>``, driven by
logic levels (0 / VDD) from outside.

**Technologies.** ``digital_code`` and ``digital_code_bitlines`` use circuitsnn's one generic
level-1 card (:mod:`circuitsnn.library.technology.generic`, with the parameters' ``vto``, ``kp``,
``lam``, whose defaults are that card's values): the hand formula above holds for it.
``digital_code_gf180`` and ``digital_code_bitlines_gf180`` use GF180MCU's BSIM4 ``nfet_03v3``
(:mod:`circuitsnn.library.technology.gf180mcu`) at a 3.3 V gate drive and the parameters'
process ``corner``; there the switch on-resistance, so the LSB error estimate, is *measured*
from the PDK model (a DC operating point, :func:`circuitsnn.library.technology.measure.switch_resistance`):
BSIM4 has no closed form, and ``vto``/``kp``/``lam`` do not apply.

Sources: Ryndin, Andreeva, Luchinin, Goncharov et al. (2021), digital-code synapse; generic card:
Sedra & Smith's typical 0.18 um values; GF180MCU models: GlobalFoundries (Apache-2.0).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...errors import ValidationError
from ...params import Params
from dataclasses import dataclass
from typing import ClassVar

from ...params import quantity
from ...units import si_format
from ...physics.digital_code import DigitalBitlineParams, DigitalCodeParams  # noqa: F401  (re-exported)
from ..registry import Component, Testbench, TestbenchBuilder, register
from ..technology import GENERIC, Technology, generic, gf180mcu
from ..technology import get as get_technology
from ...spice.ir import Comment, Dc, DcSweep, Deck, Element, Expr, G, M, Model, Op, Pulse, R, Subckt, Tran, V, X
from .common import bind_testbenches, differential, sample, spike_testbench, values_doc


def _technology(p: DigitalBitlineParams) -> Technology:
    return get_technology(getattr(p, "technology", GENERIC.name))


def _models(p: DigitalBitlineParams) -> tuple[Model, ...]:
    """The generic level-1 NMOS card with the parameters' hand-analysis values (a PDK: none,
    its library is included by the deck)."""
    if _technology(p).name != GENERIC.name:
        return ()
    return (generic.card(generic.NMOS, VTO=p.vto, KP=p.kp, LAMBDA=p.lam),)


def _branches(p: DigitalBitlineParams, gates: list[str]) -> list:
    tech = _technology(p)
    out: list = []
    for k in range(p.bits):
        out += [
            R(f"R{k}", "in", f"n{k}", 1.0 / (2**k * p.g_lsb)),
            tech.mosfet(f"M{k}", f"n{k}", gates[k], "out", "0", "n", w=p.w_lsb * 2**k, l=p.l),
        ]
    return out


def _summary_doc(p: DigitalBitlineParams) -> str:
    tech = _technology(p)
    if tech.name != GENERIC.name:
        return (
            f"G = code*g_lsb*(1-eps), eps = Ron*g_lsb/(1+Ron*g_lsb); switches {tech.nmos.name} ({tech.name}, corner {p.corner}),\n"
            f"Ron measured from the PDK model by the levels testbench\n{_values_doc(p)}"
        )
    return (
        f"G = code*g_lsb*(1-eps); switch error eps = Ron*g_lsb/(1+Ron*g_lsb) = {p.lsb_error():.3e}\n"
        f"(Ron of the LSB switch = {p.switch_on_resistance(0):.4g} Ohm at v(out) = 0)\n{values_doc(p)}"
    )


def _values_doc(p: DigitalBitlineParams) -> str:
    """:func:`values_doc` of the numeric fields, then the text ones (technology, corner)."""
    numeric = [r for r in type(p).describe() if not isinstance(getattr(p, r["name"]), str)]
    text = " ".join(f"{r['name']}={getattr(p, r['name'])}" for r in type(p).describe() if isinstance(getattr(p, r["name"]), str))

    class _View:
        @staticmethod
        def describe():
            return numeric

    view = _View()
    for r in numeric:
        setattr(view, r["name"], getattr(p, r["name"]))
    return values_doc(view) + (f"\n{text}" if text else "")  # type: ignore[arg-type]


def subckt(p: DigitalCodeParams) -> Subckt:
    """``.subckt <tag> in out`` with the code's bits tied to an internal VDD or to ground."""
    bits = [(p.code >> k) & 1 for k in range(p.bits)]
    elements = [
        Comment(f"code {p.code} = 0b{p.code:0{p.bits}b}: bit k closes the switch of R = 1/(2^k g_lsb)"),
        V("Vdd", "vdd", "0", Dc(p.vdd)),
    ] + _branches(p, ["vdd" if b else "0" for b in bits])
    doc = (
        f"Digital-code synapse {p.tag()} ({__name__}), code {p.code} of {p.bits} bits\n"
        "ports: in out\n" + _summary_doc(p)
    )
    return Subckt(p.tag(), ("in", "out"), tuple(elements), models=_models(p), doc=doc)


def subckt_bitlines(p: DigitalBitlineParams) -> Subckt:
    """``.subckt <tag> in out b0 ... b<N-1>``: the bit lines drive the switch gates (0 / VDD)."""
    gates = [f"b{k}" for k in range(p.bits)]
    elements = [Comment("bit line bk (0 or VDD) closes the switch of R = 1/(2^k g_lsb)")] + _branches(p, gates)
    doc = (
        f"Digital-code synapse, bit-line variant {p.tag()} ({__name__})\n"
        f"ports: in out {' '.join(gates)}   (b0 = LSB; logic high = vdd)\n" + _summary_doc(p)
    )
    return Subckt(p.tag(), ("in", "out", *gates), tuple(elements), models=_models(p), doc=doc)


def read_mode(p: DigitalBitlineParams, state: int | None = None) -> tuple[Subckt, dict]:
    """Read-mode variant ``.subckt digital_code_read in out params: code=... g_lsb=... eps=...``:
    the stored word as one linear conductance ``code * g_lsb * (1 - eps)`` (a VCCS, so code 0
    is an open circuit), ``eps`` the switch error of the hand analysis
    (:meth:`~circuitsnn.physics.digital_code.DigitalBitlineParams.lsb_error`). No switches, no
    supply: the read of a word is linear."""
    code = int(getattr(p, "code", 2**p.bits - 1) if state is None else round(float(state)))
    if not 0 <= code < 2**p.bits:
        raise ValidationError(f"read mode: code {code!r} does not fit in bits = {p.bits}.",
                              hint=f"Use a code in 0 .. {2**p.bits - 1}.")
    doc = ("Digital-code synapse, read mode (circuitsnn.library.synapses.digital_code): the stored word as a\n"
           "linear conductance G = code*g_lsb*(1-eps), eps = the switches' relative error; ports: in out")
    sub = Subckt("digital_code_read", ("in", "out"), (G("Gread", "in", "out", "in", "out", Expr("code*g_lsb*(1-eps)")),),
                 params={"code": code, "g_lsb": p.g_lsb, "eps": p.lsb_error()}, doc=doc)
    return sub, {"code": code}


def signed(pos: DigitalCodeParams, neg: DigitalCodeParams | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed pair (last: ``in out``): I = G(pos.code) - G(neg.code)."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else subckt(pos.replace(code=0))
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


def signed_code(p: DigitalCodeParams, code: int) -> tuple[Subckt, ...]:
    """Sign-magnitude: ``code`` in -(2^N - 1) .. 2^N - 1 on a differential pair."""
    top = 2**p.bits - 1
    if not -top <= code <= top:
        p.fail("code", f"= {code!r} (signed) must lie in -{top} .. {top}")
    return signed(p.replace(code=max(code, 0)), p.replace(code=max(-code, 0)))  # type: ignore[arg-type]


# -- testbenches (each takes the subcircuit, or the subcircuit function, first; bound below) ---


def _levels_measure(p: DigitalBitlineParams, codes: np.ndarray, v_read: float):
    def measure(res: Any) -> dict:
        op = res.op
        g = np.array([op.value(f"i(vout{c})") for c in codes]) / v_read
        lsb = float(np.polyfit(codes, g, 1)[0])  # the slope of the code-to-conductance line
        steps = np.diff(g)
        return {
            "code": codes,
            "g": g,
            "g_ideal": codes * p.g_lsb,
            "lsb": lsb,
            "lsb_error": 1 - lsb / p.g_lsb,
            "lsb_error_estimate": p.lsb_error(),
            "r_on": p.switch_on_resistance(0),
            "dnl": steps / lsb - 1,
            "inl": (g - g[0]) / lsb - (codes - codes[0]),
        }

    return measure


_LEVEL_UNITS = {
    "code": "1", "g": "S", "g_ideal": "S", "lsb": "S", "lsb_error": "1", "lsb_error_estimate": "1",
    "r_on": "Ohm", "dnl": "LSB", "inl": "LSB",
}


#: gear: the switches' overlap capacitances on megohm nodes make trapezoidal integration ring in
#: the sensed current (+-4 % point to point at a 50 nS LSB); every deck holding the synapse inherits it
SIM_OPTIONS = {"method": "gear"}


def tb_levels(subckt_fn: Callable[[Params], Subckt], p: DigitalCodeParams, *, v_read: float = 0.1) -> Testbench:
    """Operating point of every code 0 .. 2^N - 1 (one subcircuit and copy per code): the
    2^N conductance levels, LSB step, its error vs the switch estimate, DNL and INL."""
    codes = np.arange(2**p.bits)
    subs = tuple(subckt_fn(p.replace(code=int(c))) for c in codes)  # type: ignore[arg-type]
    els: list = [V("Vin", "in", "0", v_read)]
    for c, s in zip(codes, subs):
        els += [X(f"X{c}", ("in", f"out{c}"), s.name), V(f"Vout{c}", f"out{c}", "0", 0.0)]
    deck = Deck("digital-code synapse: all levels", elements=tuple(els), subckts=subs, analyses=(Op(),))
    return Testbench(
        "levels", deck, tuple(f"i(vout{c})" for c in codes), f"conductance of every code at {v_read:g} V read",
        _levels_measure(p, codes, v_read), _LEVEL_UNITS, "xy:code:g",
        style=dict(x=("stored code", "1"), y=(f"conductance at {v_read:g} V", "S")),
    )


def tb_levels_bitlines(sub: Subckt, p: DigitalBitlineParams, *, v_read: float = 0.1) -> Testbench:
    """Every code 0 .. 2^N - 1 on copies of one bit-line subcircuit (bit lines tied to VDD/0)."""
    codes = np.arange(2**p.bits)
    els: list = [V("Vin", "in", "0", v_read), V("Vdd", "vdd", "0", p.vdd)]
    for c in codes:
        gates = tuple("vdd" if (int(c) >> k) & 1 else "0" for k in range(p.bits))
        els += [X(f"X{c}", ("in", f"out{c}", *gates), sub.name), V(f"Vout{c}", f"out{c}", "0", 0.0)]
    deck = Deck("digital-code synapse (bit lines): all levels", elements=tuple(els), subckts=(sub,), analyses=(Op(),))
    return Testbench(
        "levels", deck, tuple(f"i(vout{c})" for c in codes), f"conductance of every code at {v_read:g} V read",
        _levels_measure(p, codes, v_read), _LEVEL_UNITS, "xy:code:g",
        style=dict(x=("stored code", "1"), y=(f"conductance at {v_read:g} V", "S")),
    )


def tb_iv(sub: Subckt, p: DigitalCodeParams, *, v_max: float = 1.0, step: float = 0.02) -> Testbench:
    """DC I-V of the stored code (in swept step..v_max, out grounded): switch nonlinearity."""
    els = [V("Vin", "in", "0", 0.0), X("X1", ("in", "out"), sub.name), V("Vout", "out", "0", 0.0)]
    deck = Deck("digital-code synapse I-V", elements=tuple(els), subckts=(sub,), analyses=(DcSweep("Vin", step, v_max, step),))

    def measure(res: Any) -> dict:
        dc = res.dc
        v, i = np.asarray(dc.axis), np.asarray(dc.i("Vout"))
        return {"v": v, "i": i, "g": i / v}

    return Testbench("iv", deck, ("i(vout)",), f"I-V of the stored code {getattr(p, 'code', '')}", measure,
                     {"v": "V", "i": "A", "g": "S"}, "sweep",
                     style=dict(x=("v(in,out)", "V"),
                                traces={"i(vout)": (f"code {getattr(p, 'code', '')}", "A", 1.0, "I(in -> out)")}))


def tb_program(sub: Subckt, p: DigitalBitlineParams, *, t_step: float = 10e-6, v_read: float = 0.1, edge: float = 10e-9) -> Testbench:
    """Bit lines driven as a binary counter (one code per ``t_step``): the conductance
    staircase through all 2^N codes."""
    n = 2**p.bits
    els: list = [V("Vin", "in", "0", v_read)]
    for k in range(p.bits):
        half = 2**k * t_step
        els.append(V(f"Vb{k}", f"b{k}", "0", Pulse(0.0, p.vdd, half, edge, edge, half - edge, 2 * half)))
    els += [X("X1", ("in", "out", *[f"b{k}" for k in range(p.bits)]), sub.name), V("Vout", "out", "0", 0.0)]
    stop = n * t_step
    ms = t_step / 10
    deck = Deck("digital-code synapse: counter on the bit lines", elements=tuple(els), subckts=(sub,),
                analyses=(Tran(ms, stop, 0.0, ms),), options={"method": "gear"})
    at = (np.arange(n) + 0.5) * t_step

    def measure(res: Any) -> dict:
        tr = res.tran
        return {"code": np.arange(n), "g": sample(tr.time, np.asarray(tr.i("Vout")), at) / v_read}

    return Testbench(
        "program", deck, ("i(vout)",) + tuple(f"v(b{k})" for k in range(p.bits)),
        f"conductance staircase at {v_read:g} V read, the bit lines counting one code per {si_format(t_step, 's')}",
        measure, {"code": "1", "g": "S"}, "xy:code:g",
        style=dict(x=("code on the bit lines", "1"), y=(f"conductance at {v_read:g} V", "S")),
    )


def _spike(p: DigitalBitlineParams, sub: Subckt, extra: list, ports: tuple[str, ...], amplitude: float, width: float, delay: float) -> Testbench:
    return spike_testbench(
        "digital-code synapse presynaptic spike", sub, ports, controls=extra, amplitude=amplitude, width=width, delay=delay,
        options=SIM_OPTIONS,
    )


def tb_spike(sub: Subckt, p: DigitalCodeParams, *, amplitude: float = 0.1, width: float = 10e-6, delay: float = 10e-6) -> Testbench:
    """Transient: one read spike on ``in`` through the stored code (default: the read bias for the
    LIF's spike width), ``out`` grounded."""
    return _spike(p, sub, [], ("in", "out"), amplitude, width, delay)


def tb_spike_bitlines(sub: Subckt, p: DigitalBitlineParams, *, code: int | None = None, amplitude: float = 0.1, width: float = 10e-6, delay: float = 10e-6) -> Testbench:
    """Transient: one read spike with the bit lines held at ``code`` (default: all ones)."""
    code = 2**p.bits - 1 if code is None else code
    if not 0 <= code < 2**p.bits:
        raise ValidationError(
            f"spike testbench: code = {code!r} does not fit in bits = {p.bits}.",
            hint=f"Use a code in 0 .. {2**p.bits - 1}.",
        )
    extra: list[Element] = [V("Vdd", "vdd", "0", p.vdd)]
    gates = tuple("vdd" if (code >> k) & 1 else "0" for k in range(p.bits))
    return _spike(p, sub, extra, ("in", "out", *gates), amplitude, width, delay)


def testbenches(subckt_fn: Callable[[Params], Subckt]) -> dict[str, TestbenchBuilder]:
    """``levels``, ``iv``, ``spike`` of a code-as-parameter component with subcircuit function
    ``subckt_fn`` (ports ``in out``, field ``code``)."""
    return bind_testbenches(subckt_fn, levels=tb_levels, iv=tb_iv, spike=tb_spike)


def testbenches_bitlines(subckt_fn: Callable[[Params], Subckt]) -> dict[str, TestbenchBuilder]:
    """``levels``, ``program``, ``spike`` of a bit-line component with subcircuit function
    ``subckt_fn`` (ports ``in out b0 ... b<N-1>``)."""
    return bind_testbenches(subckt_fn, levels=tb_levels_bitlines, program=tb_program, spike=tb_spike_bitlines)


POLARITY = ("read: v(in) > v(out) at v_read (either sign conducts); program: write the code (bit lines at vdd/0, "
            "or the code parameter); no analog threshold, nothing but a write changes G")

_REFERENCE = "Ryndin, Andreeva, Luchinin, Goncharov et al. 2021 (digital-code synapse); level-1 NMOS switches"

#: what the four digital-code components (code or bit lines; generic card or GF180MCU) share
_SHARED = dict(
    kind="synapse",
    family="digital_code",
    fitter="circuitsnn.fit.digital_code:fit_digital",
    weights="circuitsnn.surrogates.weights.digital_code:DigitalCodeWeights",
    module="circuitsnn.surrogates.digital_code:DigitalSynapse.from_values",
    operating=dict(v_read=0.1, t_read=10e-6, polarity=POLARITY),
    sim_options=SIM_OPTIONS,
    read_mode=read_mode,
    operating_range="circuitsnn.library.operating:digital_range",
)

COMPONENT = register(
    Component(
        name="digital_code",
        params_cls=DigitalCodeParams,
        subckt=subckt,
        testbenches=testbenches(subckt),
        summary="N-bit binary-weighted conductances behind NMOS switches; code as a parameter",
        pinout="in out   (bits tied to internal VDD/GND by the code parameter)",
        equation="G = sum_k bit_k 2^k g_lsb / (1 + R_on,k 2^k g_lsb), R_on,k = 1/(KP (W_k/L)(VDD - VTO))",
        reference=_REFERENCE,
        **_SHARED,
        technology=GENERIC.name,
    )
)

BITLINES = register(
    Component(
        name="digital_code_bitlines",
        params_cls=DigitalBitlineParams,
        subckt=subckt_bitlines,
        testbenches=testbenches_bitlines(subckt_bitlines),
        summary="N-bit binary-weighted conductances behind NMOS switches; gates on bit-line ports",
        pinout="in out b0 ... b<N-1>   (bit lines: 0 or VDD, b0 = LSB)",
        equation="G = sum_k b_k 2^k g_lsb / (1 + R_on,k 2^k g_lsb), R_on,k = 1/(KP (W_k/L)(VDD - VTO))",
        reference=_REFERENCE,
        **_SHARED,
        technology=GENERIC.name,
    )
)


# -- GF180MCU: the same circuits with BSIM4 nfet_03v3 switches ---------------------------------

_GF180_DOC = {
    "vdd": "Logic high level on the switch gates (3.3 V: GF180MCU's 3.3 V devices)",
    "w_lsb": "Width of the LSB nfet_03v3 switch (bit k: 2^k times wider)",
    "l": "Switch channel length (nfet_03v3: >= 0.28 um)",
}
_UNUSED = "unused with GF180MCU (its BSIM4 nfet_03v3 replaces the level-1 card)"


class _GF180Switches:
    """What the GF180MCU variants change: the technology, the corner, and a *measured* switch
    on-resistance (so a measured LSB error estimate) instead of the level-1 hand formula."""

    def check(self) -> None:  # the level-1 rule (vto < vdd) does not apply
        if self.l < 0.28e-6 * (1 - 1e-9) or self.w_lsb < 0.22e-6 * (1 - 1e-9):
            self.fail("l" if self.l < 0.28e-6 * (1 - 1e-9) else "w_lsb",
                      "is below GF180MCU nfet_03v3's minimum (l >= 0.28 um, w >= 0.22 um)")

    def switch_on_resistance(self, k: int = 0, v_out: float = 0.0) -> float:
        """On-resistance (Ohm) of bit ``k``'s nfet_03v3 at small Vds, source at ``v_out``, gate at
        ``vdd``: measured from the PDK model at the parameters' corner."""
        from ..technology.measure import switch_resistance

        return switch_resistance(gf180mcu.NAME, self.corner, self.w_lsb * 2**k, self.l, self.vdd, v_out)


@dataclass(frozen=True, kw_only=True)
class DigitalBitlineGF180Params(_GF180Switches, DigitalBitlineParams):
    """Binary-weighted conductances behind GF180MCU nfet_03v3 switches (gates on bit-line ports)."""

    prefix: ClassVar[str] = "dsbg"

    vdd: float = quantity(3.3, unit="V", doc=_GF180_DOC["vdd"], gt=0, le=3.63)
    vto: float = quantity(0.5, unit="V", doc="Level-1 VTO: " + _UNUSED, gt=0)
    kp: float = quantity(387e-6, unit="A/V^2", doc="Level-1 KP: " + _UNUSED, gt=0)
    lam: float = quantity(0.2, unit="1/V", doc="Level-1 LAMBDA: " + _UNUSED, ge=0, le=1)
    w_lsb: float = quantity(0.5e-6, unit="m", doc=_GF180_DOC["w_lsb"], ge=0.22e-6)
    l: float = quantity(0.28e-6, unit="m", doc=_GF180_DOC["l"], ge=0.28e-6)
    corner: str = quantity("typical", unit="1", doc="GF180MCU process corner of the switch models",
                           choices=gf180mcu.CORNERS + (gf180mcu.STATISTICAL,))
    technology: ClassVar[str] = gf180mcu.NAME


@dataclass(frozen=True, kw_only=True)
class DigitalCodeGF180Params(_GF180Switches, DigitalCodeParams):
    """Digital-code synapse on GF180MCU nfet_03v3 switches, the code as a parameter."""

    prefix: ClassVar[str] = "dscg"

    vdd: float = quantity(3.3, unit="V", doc=_GF180_DOC["vdd"], gt=0, le=3.63)
    vto: float = quantity(0.5, unit="V", doc="Level-1 VTO: " + _UNUSED, gt=0)
    kp: float = quantity(387e-6, unit="A/V^2", doc="Level-1 KP: " + _UNUSED, gt=0)
    lam: float = quantity(0.2, unit="1/V", doc="Level-1 LAMBDA: " + _UNUSED, ge=0, le=1)
    w_lsb: float = quantity(0.5e-6, unit="m", doc=_GF180_DOC["w_lsb"], ge=0.22e-6)
    l: float = quantity(0.28e-6, unit="m", doc=_GF180_DOC["l"], ge=0.28e-6)
    corner: str = quantity("typical", unit="1", doc="GF180MCU process corner of the switch models",
                           choices=gf180mcu.CORNERS + (gf180mcu.STATISTICAL,))
    technology: ClassVar[str] = gf180mcu.NAME

    def check(self) -> None:
        _GF180Switches.check(self)
        if self.code > 2**self.bits - 1:
            self.fail("code", f"= {self.code!r} does not fit in bits = {self.bits} (max {2**self.bits - 1})")


_GF180_EQUATION = "G = sum_k bit_k 2^k g_lsb / (1 + R_on,k 2^k g_lsb), R_on,k of nfet_03v3 (W_k = 2^k w_lsb) measured from the PDK"

COMPONENT_GF180 = register(
    Component(
        name="digital_code_gf180",
        params_cls=DigitalCodeGF180Params,
        subckt=subckt,
        testbenches=testbenches(subckt),
        summary="N-bit binary-weighted conductances behind GF180MCU nfet_03v3 switches; code as a parameter",
        pinout="in out   (bits tied to internal VDD/GND by the code parameter)",
        equation=_GF180_EQUATION,
        reference=_REFERENCE.replace("level-1 NMOS switches", "GF180MCU nfet_03v3 switches (GlobalFoundries, Apache-2.0)"),
        **_SHARED,
        technology=gf180mcu.NAME,
    )
)

BITLINES_GF180 = register(
    Component(
        name="digital_code_bitlines_gf180",
        params_cls=DigitalBitlineGF180Params,
        subckt=subckt_bitlines,
        testbenches=testbenches_bitlines(subckt_bitlines),
        summary="N-bit binary-weighted conductances behind GF180MCU nfet_03v3 switches; gates on bit-line ports",
        pinout="in out b0 ... b<N-1>   (bit lines: 0 or VDD, b0 = LSB)",
        equation=_GF180_EQUATION,
        reference=_REFERENCE.replace("level-1 NMOS switches", "GF180MCU nfet_03v3 switches (GlobalFoundries, Apache-2.0)"),
        **_SHARED,
        technology=gf180mcu.NAME,
    )
)
