"""What the memristive synapses share: testbenches and the signed pair.

The laws (read law, Biolek and VTEAM state rates) live in :mod:`circuitsnn.physics.memristor`,
:mod:`~circuitsnn.physics.memristor_biolek` and :mod:`~circuitsnn.physics.memristor_vteam`;
each component file renders its subcircuit from its law with
:func:`~circuitsnn.library.synapses.common.law_subckt`. Pinout::

    in o---[ R(x) ]---o out      programmed by voltage pulses across in/out

Inside the subcircuit node ``x`` holds the state; probe ``v(<instance>.x)``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...params import Params
from ..registry import Testbench
from ...spice.ir import Deck, Sin, Subckt, Tran, V, X
from .common import differential, pwl, sample, spike_testbench


# -- testbenches -------------------------------------------------------------------------------


def _lobe_areas(t: np.ndarray, v: np.ndarray, i: np.ndarray, period: float) -> tuple[float, float]:
    """|integral of i dv| over the first positive and first negative half periods."""
    out = []
    for a, b in ((0.0, period / 2), (period / 2, period)):
        m = (t > a) & (t < b)
        tt = np.concatenate([[a], t[m], [b]])
        vv = np.interp(tt, t, v)
        ii = np.interp(tt, t, i)
        out.append(abs(float(np.trapezoid(ii, vv))))
    return out[0], out[1]


def _s(t: float) -> str:
    from ...units import si_format

    return si_format(t, "s")


def _hz(f: float) -> str:
    from ...units import si_format

    return si_format(f, "Hz")


def _tb_iv(sub: Subckt, freqs: tuple[float, ...], amplitude: float, points: int,
           marks: tuple = ()) -> Testbench:
    """Sine drive, one copy per frequency; the pinched hysteresis loop and its lobe areas.
    Measures ``v``/``i``/``x``: the lowest-frequency copy; ``*_all``: every copy (rows = freqs)."""
    els: list = []
    for k, f in enumerate(freqs):
        els += [V(f"Vs{k}", f"in{k}", "0", Sin(0.0, amplitude, f)), X(f"X{k}", (f"in{k}", f"out{k}"), sub.name), V(f"Vout{k}", f"out{k}", "0", 0.0)]
    stop = 1.0 / min(freqs)
    ms = 1.0 / (max(freqs) * points)
    deck = Deck("memristor sine I-V (pinched hysteresis)", elements=tuple(els), subckts=(sub,), analyses=(Tran(ms, stop, 0.0, ms),))

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        v = np.stack([np.asarray(tr[f"in{k}"]) for k in range(len(freqs))])
        i = np.stack([np.asarray(tr.i(f"Vout{k}")) for k in range(len(freqs))])
        x = np.stack([np.asarray(tr[f"x{k}.x"]) for k in range(len(freqs))])
        lobes = np.array([_lobe_areas(t, v[k], i[k], 1.0 / f) for k, f in enumerate(freqs)])
        # current where the voltage crosses zero (the pinch), relative to the peak current
        pinch = []
        for k, f in enumerate(freqs):
            tz = np.array([0.5, 1.0]) / f
            tz = tz[tz <= t[-1]]
            pinch.append(float(np.max(np.abs(sample(t, i[k], tz)))) / float(np.max(np.abs(i[k]))))
        k0 = int(np.argmin(freqs))  # v, i, x: the loop at the lowest frequency (for the plot)
        return {
            "time": t, "v": v[k0], "i": i[k0], "x": x[k0],
            "v_all": v, "i_all": i, "x_all": x, "freq": np.asarray(freqs, float),
            "lobe_area": lobes.sum(axis=1), "lobe_pos": lobes[:, 0], "lobe_neg": lobes[:, 1],
            "pinch": np.asarray(pinch),
        }

    return Testbench(
        "iv", deck, tuple(f"i(vout{k})" for k in range(len(freqs))) + tuple(f"v(x{k}.x)" for k in range(len(freqs))),
        f"sine I-V ({amplitude:g} V) at {', '.join(_hz(f) for f in freqs)}: pinched loops, lobe area falls with "
        "frequency", measure,
        {
            "time": "s", "v": "V", "i": "A", "x": "1", "v_all": "V", "i_all": "A", "x_all": "1", "freq": "Hz",
            "lobe_area": "W", "lobe_pos": "W", "lobe_neg": "W", "pinch": "1",
        },
        "xy:v_all:i_all",
        style=dict(x=("v(in,out)", "V"), y=("I(in -> out)", "A"), series=tuple(f"f = {_hz(f)}" for f in freqs),
                   marks=marks),
    )


def _tb_program(
    sub: Subckt,
    *,
    amp_pot: float,
    amp_dep: float,
    width: float,
    count_pot: int,
    count_dep: int,
    v_read: float,
    read_width: float,
    edge: float,
) -> Testbench:
    """Identical potentiating then depressing pulses, each followed by a small read pulse."""
    pts: list[tuple[float, float]] = [(0.0, 0.0)]
    reads = []
    t = 2 * edge

    def pulse(t0: float, a: float, w: float) -> None:
        pts.extend([(t0, 0.0), (t0 + edge, a), (t0 + w - edge, a), (t0 + w, 0.0)])

    pulse(t, v_read, read_width)  # read the initial state
    reads.append(t + read_width / 2)
    t += read_width + 2 * edge
    for k in range(count_pot + count_dep):
        pulse(t, amp_pot if k < count_pot else amp_dep, width)
        t += width + edge
        pulse(t, v_read, read_width)
        reads.append(t + read_width / 2)
        t += read_width + 2 * edge
    stop = t
    els = [V("Vin", "in", "0", pwl(pts)), X("X1", ("in", "out"), sub.name), V("Vout", "out", "0", 0.0)]
    ms = min(width, read_width) / 10
    deck = Deck("memristor pulse programming", elements=tuple(els), subckts=(sub,), analyses=(Tran(ms, stop, 0.0, ms),))

    def measure(res: Any) -> dict:
        tr = res.tran
        g = sample(tr.time, np.asarray(tr.i("Vout")), reads) / v_read
        x = sample(tr.time, np.asarray(tr["x1.x"]), reads)
        n = np.arange(count_pot + count_dep + 1)
        return {"pulse": n, "g": g, "x": x, "count_pot": count_pot, "count_dep": count_dep}

    return Testbench(
        "program", deck, ("i(vout)", "v(x1.x)", "v(in)"),
        f"conductance read at {v_read:g} V after each of {count_pot} identical {amp_pot:+g} V, then {count_dep} "
        f"{amp_dep:+g} V pulses ({_s(width)})",
        measure, {"pulse": "1", "g": "S", "x": "1", "count_pot": "1", "count_dep": "1"}, "xy:pulse:g",
        style=dict(x=("pulse number", "1"), y=(f"conductance at {v_read:g} V", "S"),
                   marks=((count_pot + 0.5, f"polarity: {amp_pot:+g} V | {amp_dep:+g} V"),)),
    )


def _tb_spike(sub: Subckt, *, amplitude: float, width: float, delay: float) -> Testbench:
    """Transient: one presynaptic spike on ``in``, ``out`` grounded; output current and state."""
    def state(res: Any) -> dict:
        x = np.asarray(res.tran["x1.x"])
        return {"x": x, "dx": float(x[-1] - x[0]), "d_state": float(x[-1] - x[0])}

    return spike_testbench(
        "memristor read spike", sub, ("in", "out"), amplitude=amplitude, width=width, delay=delay,
        extra_probes=("v(x1.x)",), extra_measure=state, extra_units={"x": "1", "dx": "1", "d_state": "1"},
        traces={"v(x1.x)": ("memristor state x", "1", 1.0, "state x")},
    )


def testbenches(
    subckt: Callable[[Params], Subckt],
    *,
    iv: dict,
    program: dict,
    spike: dict,
) -> dict[str, Callable[..., Testbench]]:
    """The memristor testbenches ``iv``, ``program`` and ``spike`` of a component whose
    subcircuit function is ``subckt``, with the family member's default stimuli (its time
    scales): ``iv`` (freqs, amplitude, points), ``program`` (amp_pot, amp_dep, width,
    count_pot, count_dep, v_read, read_width, and ``edge_fraction`` of the width), ``spike``
    (amplitude, width, delay)."""
    iv_d, prog_d, spike_d = dict(iv), dict(program), dict(spike)
    edge_fraction = prog_d.pop("edge_fraction")

    def tb_iv(p: Params, *, freqs: tuple[float, ...] = iv_d["freqs"], amplitude: float = iv_d["amplitude"],
              points: int = iv_d["points"]) -> Testbench:
        """Sine drive, one copy per frequency: the pinched loop and its lobe areas."""
        marks = tuple((getattr(p, k), f"{k} = {getattr(p, k):g} V") for k in ("v_on", "v_off") if hasattr(p, k))
        return _tb_iv(subckt(p), tuple(freqs), amplitude, points, marks)

    def tb_program(p: Params, *, amp_pot: float = prog_d["amp_pot"], amp_dep: float = prog_d["amp_dep"],
                   width: float = prog_d["width"], count_pot: int = prog_d["count_pot"],
                   count_dep: int = prog_d["count_dep"], v_read: float = prog_d["v_read"],
                   read_width: float = prog_d["read_width"]) -> Testbench:
        """Identical potentiating then depressing pulses, each followed by a small read pulse."""
        return _tb_program(subckt(p), amp_pot=amp_pot, amp_dep=amp_dep, width=width, count_pot=count_pot,
                           count_dep=count_dep, v_read=v_read, read_width=read_width, edge=width * edge_fraction)

    def tb_spike(p: Params, *, amplitude: float = spike_d["amplitude"], width: float = spike_d["width"],
                 delay: float = spike_d["delay"]) -> Testbench:
        """One read spike on ``in`` (default: the read bias for the LIF's spike width), ``out``
        grounded; output current, its charge, and the state."""
        return _tb_spike(subckt(p), amplitude=amplitude, width=width, delay=delay)

    return {"iv": tb_iv, "program": tb_program, "spike": tb_spike}


def signed(subckt: Callable[[Params], Subckt], pos: Params, neg: Params | None = None) -> tuple[Subckt, ...]:
    """Subcircuits of a signed pair (last: ``in out``). Both devices see the same v(in)-v(out),
    so a pulse on ``in`` programs both alike: program a pair through each device's own
    terminals, or preset the states with the pair's instance parameters ``x0_p``/``x0_n``."""
    sp = subckt(pos)
    sn = subckt(neg) if neg is not None else sp
    subs = (sp,) if sn.name == sp.name else (sp, sn)
    return subs + (differential(sp, sn),)


PINOUT = "in out   (R(x) between in and out; programmed by voltage pulses across it)"
