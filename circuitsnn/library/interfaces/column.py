"""Column read-out: hold a crossbar column pair at a virtual ground and copy its current into a
neuron's membrane.

A signed weight is a differential pair of devices on two columns, ``G+`` on ``colp`` and ``G-``
on ``coln``. The read-out holds both columns at the reference ``v_ref`` (the rows idle there),
so every device on an active row sees exactly ``v_read``, and copies the difference of the two
column currents into the membrane::

    I(mem) = gain * (I(colp) - I(coln)),   I(col) = sum over active rows of I_read(G, v_read)

The synapses never see the membrane: a neuron's input impedance no longer depends on how many
devices sit on its column (synapses tied straight to a membrane loaded the LIF with about
10 uS against its 10 nS leak, and a 64-32-10 network stayed silent). Port convention::

    .subckt <name> colp coln mem vdd vss

``column`` (behavioural, ideal): two 0 V ammeters hold the columns at ``v_ref``; two CCCS put
``gain * I+`` into and take ``gain * I-`` out of ``mem``. Exact and cheap (two branch
equations per column pair), the reference for the transistor version.

``column_cmos`` (transistor level), per column::

    col --+-- Ccol                    OTA (PMOS pair, NMOS mirror load, tail from pbias) compares
          +-- M1 (NMOS sink) -- vss   v(col) with v_ref and drives the gate g of M1, so M1 sinks
                 gate g               exactly the column current while col stays at v_ref.
    M2 (gate g, gain x M1) -- Mc (cascode, gate vcn) -- out
                 the copy: M2 has M1's gate voltage, and the cascode holds M2's drain near
                 v_ref = M1's drain, so the copy is exact up to the cascode's drain mismatch.

``coln``'s copy sinks ``gain * I-`` out of ``mem`` directly; ``colp``'s copy is reflected by a
wide-swing cascoded PMOS mirror (gate bias vcp) and sources ``gain * I+`` into ``mem``. The
OTA output carries a series R-C (``r_zero``, ``c_comp``): the loop has two integrating nodes
(g and the column) and the zero keeps it stable over the column currents of a network. The
n-side copy needs headroom: the membrane must stay about 50 mV above ``v_ref`` (a LIF with
``v_rest`` >= v_ref + 0.1 V). Bias: ideal references inside the subcircuit (on a chip: one bias
generator per array).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...params import Params, quantity
from ...spice.ir import C, Comment, Dc, DcSweep, Deck, Element, Expr, G, I, Op, Pwl, R, Subckt, Tran, V, X
from ..registry import Component, Testbench, register
from . import technology as T

PORTS = ("colp", "coln", "mem", "vdd", "vss")

EQUATION = "v(colp) = v(coln) = v_ref;  I(-> mem) = gain * (I(colp) - I(coln))"

PINOUT = """\
 colp >--+ virtual ground v_ref, current copy +--> mem   gain * (I+ - I-) into the membrane
 coln >--+                                    |
 vdd  ----  supply (CMOS version)             |
 vss  ----  reference                         +
"""

REFERENCE = (
    "virtual-ground column read of a crossbar: Prezioso et al., Nature 521 (2015); Hu et al., DAC 2016 "
    "(dot-product engine, TIA read-out); regulated current copies and wide-swing cascode mirrors: "
    "Razavi, Design of Analog CMOS Integrated Circuits, 2nd ed. (2017), ch. 5 and 9"
)


@dataclass(frozen=True, kw_only=True)
class ColumnParams(Params):
    """Behavioural column read-out (ideal ammeters and current-controlled current sources)."""

    prefix = "colrd"

    v_ref: float = quantity(0.0, unit="V", doc="Virtual-ground reference of both columns (= the rows' idle level)",
                            ge=-5, le=5)
    gain: float = quantity(1.0, unit="1", doc="Copy ratio I(mem) / (I(colp) - I(coln))", gt=0, le=1e6)


@dataclass(frozen=True, kw_only=True)
class ColumnCmosParams(ColumnParams):
    """Transistor-level column read-out: OTA-regulated sinks and cascoded copies (module docstring)."""

    prefix = "colcmos"

    v_ref: float = quantity(0.2, unit="V", doc="Virtual-ground reference of both columns (= the rows' idle level)",
                            gt=0.05, le=1.0)
    technology: str = quantity("generic180", unit="1", doc="MOSFET technology (card set) by name", choices=T.KNOWN)
    vdd: float = quantity(1.8, unit="V", doc="Supply", gt=0, le=5)
    l: float = quantity(1e-6, unit="m", doc="Channel length of the analog transistors", gt=0)
    w_sink: float = quantity(1e-6, unit="m", doc="Width of the column sink M1 (the copy M2 is gain x wider)", gt=0)
    w_ota: float = quantity(4e-6, unit="m", doc="Width of the OTA's input pair and loads", gt=0)
    w_mirror: float = quantity(2e-6, unit="m", doc="Width of the cascodes and the PMOS mirror", gt=0)
    i_bias: float = quantity(1e-6, unit="A", doc="OTA tail current", gt=0, le=1e-3)
    c_comp: float = quantity(1e-12, unit="F", doc="OTA output compensation capacitor (in series with r_zero)", gt=0)
    r_zero: float = quantity(300e3, unit="Ohm", doc="Zero-setting resistor in series with c_comp", ge=0)
    c_col: float = quantity(0.5e-12, unit="F", doc="Capacitance of each column line (wire and device terminals)", ge=0)
    v_cn: float = quantity(0.77, unit="V", doc="NMOS cascode gate bias (holds the copy's drain near v_ref)", gt=0)
    v_cp: float = quantity(1.1, unit="V", doc="PMOS cascode gate bias of the positive-column mirror", gt=0)

    def check(self) -> None:
        if not self.v_cp < self.vdd:
            self.fail("v_cp", f"= {self.v_cp:g} V must be below vdd = {self.vdd:g} V")
        if not self.v_cn > self.v_ref:
            self.fail("v_cn", f"= {self.v_cn:g} V must be above v_ref = {self.v_ref:g} V (it biases the cascode above it)")


def subckt(p: ColumnParams) -> Subckt:
    """Behavioural column read-out ``.subckt <tag> colp coln mem vdd vss``."""
    ref = "vss"
    els: list = [Comment("virtual ground: both columns held at v_ref by 0 V ammeters")]
    if p.v_ref != 0:
        els.append(V("Vref", "ref", "vss", Dc(p.v_ref)))
        ref = "ref"
    els += [
        V("Vp", "colp", ref, Dc(0.0)),
        V("Vn", "coln", ref, Dc(0.0)),
        Comment("current copy: gain*I+ into the membrane, gain*I- out of it"),
        Element("Fp", ("vss", "mem"), p.gain, model="Vp"),
        Element("Fn", ("mem", "vss"), p.gain, model="Vn"),
    ]
    doc = (f"Column read-out (behavioural: ammeters + CCCS) {p.tag()} ({__name__})\nports: colp coln mem vdd vss   "
           f"(vdd unused)\n{EQUATION}\n{T.values_doc(p)}")
    return Subckt(p.tag(), PORTS, tuple(els), doc=doc)


def _side(p: ColumnCmosParams, tech: T.Technology, s: str, col: str, out: str) -> list:
    """OTA-regulated sink of column ``col`` and its cascoded copy, whose drain is ``out``."""
    m = tech.mos
    g, x, t, a = f"g{s}", f"x{s}", f"t{s}", f"a{s}"
    return [
        Comment(f"column {col}: line capacitance, OTA (in+ = {col}, in- = ref), sink M1, copy M2 + cascode"),
        C(f"Ccol{s}", col, "vss", p.c_col) if p.c_col > 0 else Comment("(no line capacitance)"),
        m(f"Mt{s}", t, "pb", "vdd", "vdd", "p", w=p.w_ota, l=p.l),
        m(f"Ma{s}", x, col, t, t, "p", w=p.w_ota, l=p.l),
        m(f"Mb{s}", g, "ref", t, t, "p", w=p.w_ota, l=p.l),
        m(f"Ml{s}", x, x, "vss", "vss", "n", w=p.w_ota, l=p.l),
        m(f"Mo{s}", g, x, "vss", "vss", "n", w=p.w_ota, l=p.l),
        *( [R(f"Rz{s}", g, f"z{s}", p.r_zero), C(f"Cc{s}", f"z{s}", "vss", p.c_comp)] if p.r_zero > 0
           else [C(f"Cc{s}", g, "vss", p.c_comp)] ),
        m(f"M1{s}", col, g, "vss", "vss", "n", w=p.w_sink, l=p.l),
        m(f"M2{s}", a, g, "vss", "vss", "n", w=p.w_sink * p.gain, l=p.l),
        m(f"Mc{s}", out, "vcn", a, "vss", "n", w=p.w_mirror * p.gain, l=p.l),
    ]


def subckt_cmos(p: ColumnCmosParams) -> Subckt:
    """Transistor-level column read-out ``.subckt <tag> colp coln mem vdd vss``."""
    tech = T.technology(p.technology)
    m = tech.mos
    els: list = [
        Comment("references and bias (ideal; on a chip one bias generator per array)"),
        V("Vref", "ref", "vss", Dc(p.v_ref)),
        V("Vcn", "vcn", "vss", Dc(p.v_cn)),
        V("Vcp", "vcp", "vss", Dc(p.v_cp)),
        I("Ib", "pb", "vss", Dc(p.i_bias)),
        m("Mpb", "pb", "pb", "vdd", "vdd", "p", w=p.w_ota, l=p.l),
    ]
    els += _side(p, tech, "n", "coln", "mem")
    els += _side(p, tech, "p", "colp", "gq")
    els += [
        Comment("positive column: wide-swing cascoded PMOS mirror sources the copy into mem"),
        m("Mq1", "e1", "gq", "vdd", "vdd", "p", w=p.w_mirror, l=p.l),
        m("Mqc1", "gq", "vcp", "e1", "vdd", "p", w=p.w_mirror, l=p.l),
        m("Mq2", "e2", "gq", "vdd", "vdd", "p", w=p.w_mirror, l=p.l),
        m("Mqc2", "mem", "vcp", "e2", "vdd", "p", w=p.w_mirror, l=p.l),
    ]
    doc = (f"Column read-out (CMOS: OTA-regulated sinks, cascoded copies, {tech.name}) {p.tag()} ({__name__})\n"
           f"ports: colp coln mem vdd vss\n{EQUATION}\n{T.values_doc(p)}")
    return Subckt(p.tag(), PORTS, tuple(els), models=tech.models, doc=doc)


includes = T.includes_of


def default_v_mem(p: ColumnParams) -> float:
    """A membrane voltage the read-out can drive (testbenches hold ``mem`` there): v_ref + 0.3 V
    for the transistor version (the n-side copy's headroom), 0 for the ideal one."""
    return p.v_ref + 0.3 if isinstance(p, ColumnCmosParams) else 0.0


# -- testbenches -----------------------------------------------------------------------------


def _vdd(p: ColumnParams) -> float:
    return float(getattr(p, "vdd", 1.8))


def _common(p: ColumnParams, v_mem: float) -> list:
    return [V("Vdd", "vdd", "0", Dc(_vdd(p))), V("Vmem", "mem", "0", Dc(v_mem))]


def _tb_transfer(sub: Subckt, p: ColumnParams, *, i_max: float = 1e-6, points: int = 100,
                 v_mem: float | None = None) -> Testbench:
    """DC: the copy of a swept column current, positive column (copy 1) and negative column
    (copy 2) alike: ``I(mem)`` vs ``I(col)``, and the copy error in % of the current."""
    v_mem = default_v_mem(p) if v_mem is None else v_mem
    k = i_max  # A per volt of the sweep source: sweep 0 .. 1 V
    els = [
        *_common(p, v_mem), V("Vmem2", "mem2", "0", Dc(v_mem)), V("Vsw", "sw", "0", Dc(0.0)),
        Comment("column currents: VCCS of the swept source into colp (copy 1) and coln (copy 2)"),
        G("Gp", "0", "cp1", "sw", "0", k), G("Gn", "0", "cn2", "sw", "0", k),
        X("X1", ("cp1", "cn1", "mem", "vdd", "0"), sub.name),
        X("X2", ("cp2", "cn2", "mem2", "vdd", "0"), sub.name),
        Comment("the idle columns: a small conductance to v_ref (the devices on an idle row)"),
        V("Vrow", "row", "0", Dc(p.v_ref)),
        R("Rn1", "cn1", "row", 1e9), R("Rp2", "cp2", "row", 1e9),
    ]
    deck = Deck("column read-out: DC transfer of the current copy", elements=tuple(els), subckts=(sub,),
                analyses=(DcSweep("Vsw", 0.0, 1.0, 1.0 / points),), includes=includes(p))

    def measure(res: Any) -> dict:
        dc = res.dc
        i_col = np.asarray(dc.axis) * k
        i_p = np.asarray(dc.i("Vmem"))
        i_n = -np.asarray(dc.i("Vmem2"))
        with np.errstate(divide="ignore", invalid="ignore"):
            err_p = np.where(i_col > 0, i_p / (p.gain * i_col) - 1, np.nan)
            err_n = np.where(i_col > 0, i_n / (p.gain * i_col) - 1, np.nan)
        sel = i_col >= 0.05 * i_max
        return {"i_col": i_col, "i_copy_p": i_p, "i_copy_n": i_n, "error_p": err_p, "error_n": err_n,
                "max_error": float(np.nanmax(np.abs(np.concatenate([err_p[sel], err_n[sel]])))),
                "offset_p": float(i_p[0]), "offset_n": float(i_n[0])}

    return Testbench("transfer", deck, ("i(vmem)", "i(vmem2)"), "copied current vs column current (DC)", measure,
                     {"i_col": "A", "i_copy_p": "A", "i_copy_n": "A", "error_p": "1", "error_n": "1",
                      "max_error": "1", "offset_p": "A", "offset_n": "A"}, "xy:i_col:i_copy_p,i_copy_n")


def _tb_vground(sub: Subckt, p: ColumnParams, *, currents: tuple[float, ...] = (1e-10, 1e-9, 1e-8, 1e-7, 1e-6),
                v_mem: float | None = None) -> Testbench:
    """Operating points, one copy per column current (log-spaced), positive and negative columns:
    the virtual-ground error ``v(col) - v_ref`` and the copy error vs column current."""
    v_mem = default_v_mem(p) if v_mem is None else v_mem
    els: list = [V("Vdd", "vdd", "0", Dc(_vdd(p))), V("Vrow", "row", "0", Dc(p.v_ref))]
    for k, i in enumerate(currents):
        els += [
            V(f"Vmp{k}", f"mp{k}", "0", Dc(v_mem)), V(f"Vmn{k}", f"mn{k}", "0", Dc(v_mem)),
            I(f"Ip{k}", "0", f"cp{k}", Dc(i)), R(f"Rpi{k}", f"cpi{k}", "row", 1e9),
            X(f"Xp{k}", (f"cp{k}", f"cpi{k}", f"mp{k}", "vdd", "0"), sub.name),
            I(f"In{k}", "0", f"cn{k}", Dc(i)), R(f"Rni{k}", f"cni{k}", "row", 1e9),
            X(f"Xn{k}", (f"cni{k}", f"cn{k}", f"mn{k}", "vdd", "0"), sub.name),
        ]
    deck = Deck("column read-out: virtual-ground and copy error vs column current", elements=tuple(els),
                subckts=(sub,), analyses=(Op(),), includes=includes(p))
    cur = np.asarray(currents, float)

    def measure(res: Any) -> dict:
        op = res.op
        vp = np.array([op.value(f"v(cp{k})") for k in range(len(cur))]) - p.v_ref
        vn = np.array([op.value(f"v(cn{k})") for k in range(len(cur))]) - p.v_ref
        ip = np.array([op.value(f"i(vmp{k})") for k in range(len(cur))])
        i_n = -np.array([op.value(f"i(vmn{k})") for k in range(len(cur))])
        return {"i_col": cur, "vg_error_p": vp, "vg_error_n": vn, "copy_error_p": ip / (p.gain * cur) - 1,
                "copy_error_n": i_n / (p.gain * cur) - 1}

    return Testbench("vground", deck, (), "virtual-ground error and copy error vs column current", measure,
                     {"i_col": "A", "vg_error_p": "V", "vg_error_n": "V", "copy_error_p": "1", "copy_error_n": "1"},
                     "xy:i_col:vg_error_p,vg_error_n")


def _tb_step(sub: Subckt, p: ColumnParams, *, g_device: float = 1e-6, v_read: float = 0.1, width: float = 10e-6,
             edge: float = 10e-9, v_mem: float | None = None, delay: float = 2e-6) -> Testbench:
    """A read pulse (``v_read``, ``width``, fast ``edge``s) on one row through a device of
    conductance ``g_device`` into the positive column (copy 1) and the negative column (copy 2):
    the copy current's rise time, settling time to 1 % and the copied charge."""
    v_mem = default_v_mem(p) if v_mem is None else v_mem
    stop = delay + width + 10e-6
    t0 = delay
    row = Pwl(((0.0, p.v_ref), (t0, p.v_ref), (t0 + edge, p.v_ref + v_read), (t0 + width, p.v_ref + v_read),
               (t0 + width + edge, p.v_ref)))
    h = min(width / 200, 50e-9)
    els = [
        *_common(p, v_mem), V("Vmem2", "mem2", "0", Dc(v_mem)), V("Vrow", "row", "0", row),
        V("Vidle", "idle", "0", Dc(p.v_ref)),
        R("Rp1", "row", "cp1", 1.0 / g_device), R("Rn1", "idle", "cn1", 1.0 / g_device),
        R("Rp2", "idle", "cp2", 1.0 / g_device), R("Rn2", "row", "cn2", 1.0 / g_device),
        X("X1", ("cp1", "cn1", "mem", "vdd", "0"), sub.name),
        X("X2", ("cp2", "cn2", "mem2", "vdd", "0"), sub.name),
    ]
    deck = Deck("column read-out: step response of the current copy", elements=tuple(els), subckts=(sub,),
                analyses=(Tran(h, stop, 0.0, h),), options={"method": "gear"}, includes=includes(p))
    i_ideal = p.gain * g_device * v_read

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        out: dict = {"time": t}
        for side, sig, sign in (("p", "Vmem", 1.0), ("n", "Vmem2", -1.0)):
            i = sign * np.asarray(tr.i(sig))
            i = i - np.interp(t0 - 1e-7, t, i)  # offset before the pulse
            on = (t >= t0) & (t <= t0 + width)
            tt, ii = t[on], i[on]
            final = float(np.interp(t0 + width - 1e-7, t, i))
            rise = _cross(tt, ii, 0.9 * final) - _cross(tt, ii, 0.1 * final)
            outside = np.abs(ii - final) > 0.01 * abs(final)
            settle = float(tt[np.nonzero(outside)[0][-1] + 1] - t0) if outside.any() and outside.nonzero()[0][-1] + 1 < tt.size else 0.0
            out |= {f"i_copy_{side}": i, f"rise_{side}": rise, f"settle_{side}": settle,
                    f"final_error_{side}": final / i_ideal - 1,
                    f"overshoot_{side}": float(ii.max() / final - 1) if final else float("nan"),
                    f"charge_error_{side}": float(np.trapezoid(i, t)) / (i_ideal * width) - 1}
        return out

    units = {"time": "s"} | {f"{k}_{s}": u for s in "pn" for k, u in
                             (("i_copy", "A"), ("rise", "s"), ("settle", "s"), ("final_error", "1"), ("overshoot", "1"),
                              ("charge_error", "1"))}
    return Testbench("step", deck, ("i(vmem)", "i(vmem2)", "v(cp1)", "v(cn2)"),
                     "copy current for one read pulse through one device (rise, 1 % settling, charge)", measure,
                     units, "transient")


def _cross(t: np.ndarray, y: np.ndarray, level: float) -> float:
    from ...spice.spikes import first_crossing

    return first_crossing(t, y, level, "either")


def _bind(subckt_fn):
    def transfer(p: ColumnParams, *, i_max: float = 1e-6, points: int = 100, v_mem: float | None = None) -> Testbench:
        """DC transfer of the current copy, positive and negative column."""
        return _tb_transfer(subckt_fn(p), p, i_max=i_max, points=points, v_mem=v_mem)

    def vground(p: ColumnParams, *, currents: tuple[float, ...] = (1e-10, 1e-9, 1e-8, 1e-7, 1e-6),
                v_mem: float | None = None) -> Testbench:
        """Virtual-ground error and copy error vs column current (log-spaced operating points)."""
        return _tb_vground(subckt_fn(p), p, currents=tuple(currents), v_mem=v_mem)

    def step(p: ColumnParams, *, g_device: float = 1e-6, v_read: float = 0.1, width: float = 10e-6,
             edge: float = 10e-9, v_mem: float | None = None, delay: float = 2e-6) -> Testbench:
        """Copy current for one read pulse through one device: rise, settling, charge."""
        return _tb_step(subckt_fn(p), p, g_device=g_device, v_read=v_read, width=width, edge=edge, v_mem=v_mem,
                        delay=delay)

    return {"transfer": transfer, "vground": vground, "step": step}


COMPONENT = register(Component(
    name="column", kind="interface", family="read_interface", params_cls=ColumnParams, subckt=subckt,
    testbenches=_bind(subckt),
    summary="column read-out (behavioural): virtual ground at v_ref, copies gain*(I+ - I-) into the membrane",
    pinout=PINOUT, equation=EQUATION, reference=REFERENCE,
))

CMOS = register(Component(
    name="column_cmos", kind="interface", family="read_interface", params_cls=ColumnCmosParams, subckt=subckt_cmos,
    testbenches=_bind(subckt_cmos),
    summary="column read-out (CMOS): OTA-regulated virtual ground, cascoded current copies into the membrane",
    pinout=PINOUT, equation=EQUATION, reference=REFERENCE,
    sim_options={"method": "gear"},
))

__all__ = ["ColumnParams", "ColumnCmosParams", "subckt", "subckt_cmos", "includes", "default_v_mem", "COMPONENT",
           "CMOS", "PORTS"]
