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

Sources: Ryndin, Andreeva, Luchinin, Goncharov et al. (2021), digital-code synapse; level-1
(Shichman-Hodges) MOSFET card with illustrative 0.18 um-class values (VDD 1.8 V, VTO 0.45 V,
KP 200 uA/V^2, LAMBDA 0.05 1/V), of the kind used for hand analysis in CMOS design texts.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...errors import ValidationError
from ...params import Params
from ...units import si_format
from ...physics.digital_code import DigitalBitlineParams, DigitalCodeParams  # noqa: F401  (re-exported)
from ..registry import Component, Testbench, TestbenchBuilder, register
from ...spice.ir import Comment, Dc, DcSweep, Deck, Element, Expr, G, M, Model, Op, Pulse, R, Subckt, Tran, V, X
from .common import bind_testbenches, differential, sample, spike_testbench, values_doc


def _model(p: DigitalBitlineParams) -> Model:
    return Model("nsw", "NMOS", {"level": 1, "vto": p.vto, "kp": p.kp, "lambda": p.lam})


def _branches(p: DigitalBitlineParams, gates: list[str]) -> list:
    out: list = []
    for k in range(p.bits):
        out += [
            R(f"R{k}", "in", f"n{k}", 1.0 / (2**k * p.g_lsb)),
            M(f"M{k}", f"n{k}", gates[k], "out", "0", "nsw", w=p.w_lsb * 2**k, l=p.l),
        ]
    return out


def _summary_doc(p: DigitalBitlineParams) -> str:
    return (
        f"G = code*g_lsb*(1-eps); switch error eps = Ron*g_lsb/(1+Ron*g_lsb) = {p.lsb_error():.3e}\n"
        f"(Ron of the LSB switch = {p.switch_on_resistance(0):.4g} Ohm at v(out) = 0)\n{values_doc(p)}"
    )


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
    return Subckt(p.tag(), ("in", "out"), tuple(elements), models=(_model(p),), doc=doc)


def subckt_bitlines(p: DigitalBitlineParams) -> Subckt:
    """``.subckt <tag> in out b0 ... b<N-1>``: the bit lines drive the switch gates (0 / VDD)."""
    gates = [f"b{k}" for k in range(p.bits)]
    elements = [Comment("bit line bk (0 or VDD) closes the switch of R = 1/(2^k g_lsb)")] + _branches(p, gates)
    doc = (
        f"Digital-code synapse, bit-line variant {p.tag()} ({__name__})\n"
        f"ports: in out {' '.join(gates)}   (b0 = LSB; logic high = vdd)\n" + _summary_doc(p)
    )
    return Subckt(p.tag(), ("in", "out", *gates), tuple(elements), models=(_model(p),), doc=doc)


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
    deck = Deck("digital-code synapse: counter on the bit lines", elements=tuple(els), subckts=(sub,), analyses=(Tran(ms, stop, 0.0, ms),))
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
        "digital-code synapse presynaptic spike", sub, ports, controls=extra, amplitude=amplitude, width=width, delay=delay
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

COMPONENT = register(
    Component(
        name="digital_code",
        kind="synapse",
        family="digital_code",
        params_cls=DigitalCodeParams,
        subckt=subckt,
        testbenches=testbenches(subckt),
        summary="N-bit binary-weighted conductances behind NMOS switches; code as a parameter",
        pinout="in out   (bits tied to internal VDD/GND by the code parameter)",
        equation="G = sum_k bit_k 2^k g_lsb / (1 + R_on,k 2^k g_lsb), R_on,k = 1/(KP (W_k/L)(VDD - VTO))",
        reference=_REFERENCE,
        fitter="circuitsnn.fit.digital_code:fit_digital",
        weights="circuitsnn.surrogates.weights.digital_code:DigitalCodeWeights",
        module="circuitsnn.surrogates.digital_code:DigitalSynapse.from_values",
        operating=dict(v_read=0.1, t_read=10e-6, polarity=POLARITY),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:digital_range",
    )
)

BITLINES = register(
    Component(
        name="digital_code_bitlines",
        kind="synapse",
        family="digital_code",
        params_cls=DigitalBitlineParams,
        subckt=subckt_bitlines,
        testbenches=testbenches_bitlines(subckt_bitlines),
        summary="N-bit binary-weighted conductances behind NMOS switches; gates on bit-line ports",
        pinout="in out b0 ... b<N-1>   (bit lines: 0 or VDD, b0 = LSB)",
        equation="G = sum_k b_k 2^k g_lsb / (1 + R_on,k 2^k g_lsb), R_on,k = 1/(KP (W_k/L)(VDD - VTO))",
        reference=_REFERENCE,
        fitter="circuitsnn.fit.digital_code:fit_digital",
        weights="circuitsnn.surrogates.weights.digital_code:DigitalCodeWeights",
        module="circuitsnn.surrogates.digital_code:DigitalSynapse.from_values",
        operating=dict(v_read=0.1, t_read=10e-6, polarity=POLARITY),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:digital_range",
    )
)
