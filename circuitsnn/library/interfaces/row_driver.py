"""Row drivers: a presynaptic spike becomes a read pulse on a crossbar row.

The row idles at the column reference ``v_ref`` (so an idle row drives no current through its
devices into the virtual-ground columns) and rises to ``v_ref + v_read`` for as long as the
spike is high. Every device on the row then reads at exactly its family's read bias
``v_read``, far below its programming thresholds: the spike that reads a synapse does not
program it. Port convention (both versions)::

    .subckt <name> in out vdd vss
      in   the spike (a neuron's ``out``: 0 .. v_in above vss)
      out  the row line
      vdd  supply (the CMOS version's inverters and gates; unused by the behavioural one)
      vss  reference

``row_driver`` (behavioural): a limiter, ``out = v_ref + v_read * clip((v(in) - 0.1 v_in) /
(0.8 v_in), 0, 1)``. A trapezoidal spike with linear edges keeps its width at half amplitude
and its edges, so the read charge through a linear device is ``G v_read t_spike`` exactly.

``row_driver_cmos`` (transistor level): two inverters restore the spike to clean rail-to-rail
gate signals; a transmission gate connects the row to the read rail ``v_ref + v_read`` while
the spike is high, another to the idle rail ``v_ref`` while it is low. Transmission gates pass
any rail between 0 and vdd, so ``v_read`` may be as small as the family needs (0.05 V) or as
large as the Schottky synapse's 1 V. The rails are ideal sources inside the subcircuit (on a
chip: shared reference lines). The row's load (every device on it) drops ``I_row * R_on`` over
the read gate: the ``load`` testbench measures the amplitude error against load conductance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...params import Params, quantity
from ...spice.ir import B, C, Comment, Dc, DcSweep, Deck, Expr, Op, Pwl, R, Subckt, Tran, V, X
from ...spice.spikes import crossings, spike_widths
from ..registry import Component, Testbench, register
from . import technology as T

PORTS = ("in", "out", "vdd", "vss")
#: the limiter's input window, as fractions of the spike amplitude v_in (symmetric about 1/2,
#: so a linear edge keeps its half-amplitude time)
WINDOW = (0.1, 0.9)

EQUATION_IDEAL = "v(out) = v_ref + v_read * clip((v(in) - 0.1 v_in) / (0.8 v_in), 0, 1)"
EQUATION_CMOS = "v(out) = v_ref + v_read while v(in) > ~vdd/2 (transmission gate to the read rail), else v_ref"

PINOUT = """\
 in   >---[ spike -> read pulse ]---> out (row)     v_ref idle, v_ref + v_read while the spike is high
 vdd  ----  supply (CMOS version)
 vss  ----  reference
"""

REFERENCE = (
    "read pulses of fixed amplitude on crossbar rows: Prezioso et al., Nature 521 (2015); "
    "Chi et al., PRIME, ISCA 2016 (wordline drivers and sense paths of ReRAM arrays); transmission "
    "gates: Weste & Harris, CMOS VLSI Design, 4th ed. (2010), ch. 1"
)


@dataclass(frozen=True, kw_only=True)
class RowDriverParams(Params):
    """Behavioural row driver (ideal limiter; see the module docstring)."""

    prefix = "rowdrv"

    v_read: float = quantity(0.1, unit="V", doc="Read pulse amplitude above v_ref (the synapse family's read bias)",
                             gt=0, le=5)
    v_ref: float = quantity(0.0, unit="V", doc="Idle row level = the columns' virtual-ground reference", ge=-5, le=5)
    v_in: float = quantity(1.8, unit="V", doc="Spike amplitude at the input (the presynaptic neuron's v_spike)",
                           gt=0, le=12)


@dataclass(frozen=True, kw_only=True)
class RowDriverCmosParams(RowDriverParams):
    """CMOS row driver: inverter pair and two transmission gates (see the module docstring)."""

    prefix = "rowcmos"

    technology: str = quantity("generic180", unit="1", doc="MOSFET technology (card set) by name", choices=T.KNOWN)
    vdd: float = quantity(1.8, unit="V", doc="Supply of the inverters and gate drive", gt=0, le=5)
    l: float = quantity(0.18e-6, unit="m", doc="Channel length of every transistor", gt=0)
    w_inv_n: float = quantity(0.5e-6, unit="m", doc="Inverter NMOS width", gt=0)
    w_inv_p: float = quantity(2.25e-6, unit="m", doc="Inverter PMOS width (4.5x: switching threshold near vdd/2)", gt=0)
    w_tg: float = quantity(4e-6, unit="m", doc="Width of each transmission-gate transistor (sets R_on vs the row load)",
                           gt=0)

    def check(self) -> None:
        if not self.v_ref >= 0 or not self.v_ref + self.v_read <= self.vdd:
            self.fail("v_read", f"+ v_ref = {self.v_ref + self.v_read:g} V must lie within the rails 0 .. vdd = "
                                f"{self.vdd:g} V (v_ref >= 0)")


def _rails(p: RowDriverParams) -> tuple[float, float]:
    return p.v_ref, p.v_ref + p.v_read


def subckt(p: RowDriverParams) -> Subckt:
    """Behavioural row driver ``.subckt <tag> in out vdd vss``."""
    lo, hi = WINDOW
    pulse = "{vread}*min(1, max(0, (v(in,vss) - {vlo})*{k}))"
    expr = Expr.fmt(pulse if p.v_ref == 0 else "{vref} + " + pulse, vref=p.v_ref, vread=p.v_read, vlo=lo * p.v_in,
                    k=1.0 / ((hi - lo) * p.v_in))
    doc = (f"Row driver (behavioural limiter) {p.tag()} ({__name__})\nports: in out vdd vss   (vdd unused)\n"
           f"{EQUATION_IDEAL}\n{T.values_doc(p)}")
    return Subckt(p.tag(), PORTS, (Comment("spike -> read pulse: limiter, window 10..90 % of v_in"),
                                   B("Bdrv", "out", "vss", v=expr)), doc=doc)


def subckt_cmos(p: RowDriverCmosParams) -> Subckt:
    """CMOS row driver ``.subckt <tag> in out vdd vss``: two inverters, two transmission gates."""
    tech = T.technology(p.technology)
    v_lo, v_hi = _rails(p)
    m = tech.mos
    els = [
        Comment("rails: read level v_ref + v_read, idle level v_ref (ideal references)"),
        V("Vhi", "rhi", "vss", Dc(v_hi)),
    ]
    idle = "vss"
    if v_lo != 0:
        els.append(V("Vlo", "rlo", "vss", Dc(v_lo)))
        idle = "rlo"
    els += [
        Comment("inverters: sb = not(in), s = in restored (rail to rail)"),
        m("Mi1n", "sb", "in", "vss", "vss", "n", w=p.w_inv_n, l=p.l),
        m("Mi1p", "sb", "in", "vdd", "vdd", "p", w=p.w_inv_p, l=p.l),
        m("Mi2n", "s", "sb", "vss", "vss", "n", w=p.w_inv_n, l=p.l),
        m("Mi2p", "s", "sb", "vdd", "vdd", "p", w=p.w_inv_p, l=p.l),
        Comment("read gate: row = read rail while the spike is high"),
        m("Mrn", "rhi", "s", "out", "vss", "n", w=p.w_tg, l=p.l),
        m("Mrp", "rhi", "sb", "out", "vdd", "p", w=p.w_tg, l=p.l),
        Comment("idle gate: row = v_ref while the spike is low"),
        m("Min", idle, "sb", "out", "vss", "n", w=p.w_tg, l=p.l),
        m("Mip", idle, "s", "out", "vdd", "p", w=p.w_tg, l=p.l),
    ]
    doc = (f"Row driver (CMOS: inverters + transmission gates, {tech.name}) {p.tag()} ({__name__})\n"
           f"ports: in out vdd vss\n{EQUATION_CMOS}\n{T.values_doc(p)}")
    return Subckt(p.tag(), PORTS, tuple(els), models=tech.models, doc=doc)


includes = T.includes_of


# -- testbenches -----------------------------------------------------------------------------


def _vdd(p: RowDriverParams) -> float:
    return float(getattr(p, "vdd", 1.8))


def _spike_pwl(p: RowDriverParams, delay: float, width: float, edge: float) -> Pwl:
    """A LIF-like trapezoid: linear edges ``edge`` long, ``width`` wide at half amplitude."""
    t0 = delay - edge / 2
    return Pwl(((0.0, 0.0), (t0, 0.0), (t0 + edge, p.v_in), (t0 + width, p.v_in), (t0 + width + edge, 0.0)))


def _load(k: str, p: RowDriverParams, g_load: float) -> list:
    """The row's load: ``g_load`` (S) from the row to a node held at v_ref (a virtual ground)."""
    return [R(f"Rload{k}", f"out{k}", "vg", 1.0 / g_load)]


def _tb_spike(sub: Subckt, p: RowDriverParams, *, width: float = 10e-6, edge: float = 4e-6, g_load: float = 100e-6,
              delay: float = 5e-6) -> Testbench:
    """One LIF-like spike (``width`` at half amplitude, linear ``edge``s) in; the row pulse out,
    loaded by ``g_load`` to the virtual ground. Measures amplitude, width, charge, delay."""
    stop = delay + width + 2 * edge + 5e-6
    h = edge / 40
    els = [V("Vdd", "vdd", "0", Dc(_vdd(p))), V("Vvg", "vg", "0", Dc(p.v_ref)),
           V("Vin", "in", "0", _spike_pwl(p, delay, width, edge)), X("X1", ("in", "out", "vdd", "0"), sub.name),
           *_load("", p, g_load)]
    deck = Deck("row driver: one spike -> one read pulse", elements=tuple(els), subckts=(sub,),
                analyses=(Tran(h, stop, 0.0, h),), includes=includes(p))

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        v = np.asarray(tr["out"]) - p.v_ref
        vin = np.asarray(tr["in"])
        amp = float(v.max())
        w = spike_widths(t, v, 0.5 * p.v_read)
        t_in = crossings(t, vin, 0.5 * p.v_in, "rising")
        t_out = crossings(t, v, 0.5 * p.v_read, "rising")
        charge = float(np.trapezoid(v, t))  # V s: the read pulse's area above v_ref
        return {
            "time": t, "v_row": v + p.v_ref, "amplitude": amp, "amplitude_error": amp / p.v_read - 1,
            "width": float(w[0]) if w.size else float("nan"),
            "width_error": float(w[0]) / width - 1 if w.size else float("nan"),
            "area": charge, "area_error": charge / (p.v_read * width) - 1,
            "delay": float(t_out[0] - t_in[0]) if t_in.size and t_out.size else float("nan"),
        }

    units = {"time": "s", "v_row": "V", "amplitude": "V", "amplitude_error": "1", "width": "s", "width_error": "1",
             "area": "V s", "area_error": "1", "delay": "s"}
    return Testbench("spike", deck, ("v(in)", "v(out)"), "one spike in, the read pulse on a loaded row out",
                     measure, units, "transient")


def _tb_transfer(sub: Subckt, p: RowDriverParams, *, g_load: float = 100e-6, step: float = 0.01) -> Testbench:
    """DC: row voltage vs input (spike) voltage 0 .. v_in, loaded by ``g_load``."""
    els = [V("Vdd", "vdd", "0", Dc(_vdd(p))), V("Vvg", "vg", "0", Dc(p.v_ref)), V("Vin", "in", "0", Dc(0.0)),
           X("X1", ("in", "out", "vdd", "0"), sub.name), *_load("", p, g_load)]
    deck = Deck("row driver: DC transfer", elements=tuple(els), subckts=(sub,),
                analyses=(DcSweep("Vin", 0.0, p.v_in, step),), includes=includes(p))

    def measure(res: Any) -> dict:
        dc = res.dc
        v_in = np.asarray(dc.axis)
        v_out = np.asarray(dc["out"])
        mid = crossings(v_in, v_out - p.v_ref, 0.5 * p.v_read, "rising")
        return {"v_in": v_in, "v_row": v_out, "v_switch": float(mid[0]) if mid.size else float("nan"),
                "v_high": float(v_out[-1]), "v_low": float(v_out[0])}

    return Testbench("transfer", deck, ("v(out)",), "row voltage vs spike input voltage (DC)", measure,
                     {"v_in": "V", "v_row": "V", "v_switch": "V", "v_high": "V", "v_low": "V"}, "xy:v_in:v_row")


def _tb_load(sub: Subckt, p: RowDriverParams, *, g_loads: tuple[float, ...] = (1e-6, 10e-6, 100e-6, 1e-3, 10e-3)) -> Testbench:
    """Operating point with the spike high, one driver copy per row load conductance: the read
    amplitude error vs load (R_on of the read gate against every device on the row)."""
    els: list = [V("Vdd", "vdd", "0", Dc(_vdd(p))), V("Vvg", "vg", "0", Dc(p.v_ref)), V("Vin", "in", "0", Dc(p.v_in))]
    for k, g in enumerate(g_loads):
        els += [X(f"X{k}", ("in", f"out{k}", "vdd", "0"), sub.name), *_load(str(k), p, g)]
    deck = Deck("row driver: read amplitude vs row load", elements=tuple(els), subckts=(sub,), analyses=(Op(),),
                includes=includes(p))

    def measure(res: Any) -> dict:
        op = res.op
        v = np.array([op.value(f"v(out{k})") for k in range(len(g_loads))]) - p.v_ref
        return {"g_load": np.asarray(g_loads, float), "v_read": v, "error": v / p.v_read - 1,
                "r_out": (p.v_read - v) / (v * np.asarray(g_loads, float))}

    return Testbench("load", deck, tuple(f"v(out{k})" for k in range(len(g_loads))),
                     "read amplitude error vs row load conductance", measure,
                     {"g_load": "S", "v_read": "V", "error": "1", "r_out": "Ohm"}, "xy:g_load:error")


def _bind(subckt_fn):
    def spike(p: RowDriverParams, *, width: float = 10e-6, edge: float = 4e-6, g_load: float = 100e-6,
              delay: float = 5e-6) -> Testbench:
        """One LIF-like spike in; the read pulse on a row loaded by ``g_load`` out."""
        return _tb_spike(subckt_fn(p), p, width=width, edge=edge, g_load=g_load, delay=delay)

    def transfer(p: RowDriverParams, *, g_load: float = 100e-6, step: float = 0.01) -> Testbench:
        """DC row voltage vs spike input voltage."""
        return _tb_transfer(subckt_fn(p), p, g_load=g_load, step=step)

    def load(p: RowDriverParams, *, g_loads: tuple[float, ...] = (1e-6, 10e-6, 100e-6, 1e-3, 10e-3)) -> Testbench:
        """Read amplitude error vs row load conductance."""
        return _tb_load(subckt_fn(p), p, g_loads=tuple(g_loads))

    return {"spike": spike, "transfer": transfer, "load": load}


COMPONENT = register(Component(
    name="row_driver", kind="interface", family="read_interface", params_cls=RowDriverParams, subckt=subckt,
    testbenches=_bind(subckt),
    summary="row driver (behavioural): a spike becomes a read pulse v_ref -> v_ref + v_read of the spike's width",
    pinout=PINOUT, equation=EQUATION_IDEAL, reference=REFERENCE,
))

CMOS = register(Component(
    name="row_driver_cmos", kind="interface", family="read_interface", params_cls=RowDriverCmosParams,
    subckt=subckt_cmos, testbenches=_bind(subckt_cmos),
    summary="row driver (CMOS): inverters and transmission gates switch the row between v_ref and v_ref + v_read",
    pinout=PINOUT, equation=EQUATION_CMOS, reference=REFERENCE,
))

__all__ = ["RowDriverParams", "RowDriverCmosParams", "subckt", "subckt_cmos", "includes", "COMPONENT", "CMOS", "PORTS"]
