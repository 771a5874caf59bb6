"""What every synapse family shares: the port convention, the signed (differential) pair, and
small helpers for testbenches and their measurements.

Port convention (every synapse subcircuit)::

    .subckt <name> in out [controls...]

- ``in``  the presynaptic terminal, driven by the presynaptic neuron's output (spike) voltage;
- ``out`` the postsynaptic terminal, into the postsynaptic neuron's input (usually a node held
  near 0 V, a virtual ground or a membrane). A positive weight means current flows from ``in``
  to ``out`` through the device when ``v(in) > v(out)``;
- ``controls`` follow, family-specific and referenced to ground (node 0): the optocoupler's
  ``led`` drive, the Schottky synapse's ``gate`` and ``erase``, the digital synapse's bit lines
  ``b0 ... b<N-1>``. Memristors have none: they are programmed by voltage pulses across
  ``in``/``out``.

Any family can therefore be instantiated as ``X<name> <pre> <post> <controls...> <subckt>`` by a
network netlist. Device state that a network wants to preset (a memristor's ``x0``, the trapped
charge of a Schottky synapse) is a subcircuit parameter, overridable per instance.

Signed weights: :func:`differential` builds ``G+ - G-`` from two device subcircuits. The ``+``
device connects ``in`` to ``out``; the ``-`` device connects ``in`` to an internal node held at
``v(out)`` and its current is mirrored out of ``out`` (an ideal unity current mirror: a VCVS and
a CCCS), so both devices see the same read voltage and the net current into ``out`` is
``I+ - I-``. In hardware the mirror is one current mirror per column pair.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ...errors import ValidationError
from ...params import Params
from ...units import format_value
from ..registry import Testbench
from ...physics.constants import HOLD_TAU, K_OVER_Q, T0_KELVIN  # noqa: F401  (re-exported for the families)
from ...physics.law import Law, values_of
from ...spice.ir import Comment, Deck, E, Element, Expr, Pulse, Pwl, Subckt, Tran, V, X

#: The first two ports of every synapse subcircuit.
SIGNAL_PORTS = ("in", "out")

def values_doc(p: Params, width: int = 96) -> str:
    """Parameter values for a subcircuit's comment block, unambiguous (``area=1e-12 m^2``; SI
    prefixes would misread units with powers: 1e-12 m^2 is not 1 pm^2)."""
    words = []
    for row in type(p).describe():
        unit = "" if row["unit"] == "1" else " " + row["unit"]
        words.append(f"{row['name']}={getattr(p, row['name']):g}{unit}")
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 2 + len(w) > width:
            lines.append(cur + ",")
            cur = w
        else:
            cur = f"{cur}, {w}" if cur else w
    lines.append(cur)
    return "\n".join(lines)


def law_subckt(law: Law, p: Params, *, title: str, module: str, named: bool = False, extra: Sequence[Element] = (),
               models: Sequence = ()) -> Subckt:
    """The subcircuit of a device ``law`` at parameters ``p``.

    By default every parameter is inlined as a number and the subcircuit is named by the values'
    hash (``p.tag()``); only the initial states stay instance parameters. With ``named=True`` it
    is the readable library form: ``.subckt <law name> <ports> params: <every field>=<value>``,
    instantiable with a designer's own values (the model cards of the law's primitives take
    ``{expressions}`` of those names). ``extra`` elements and ``models`` are added as given.
    """
    values = values_of(p)
    if named:
        used = law.params()
        params = {k: values[k] for k in values if k in used}
        name, elements, cards = law.name, law.elements(None), law.models(None)
    else:
        params = {s.initial: values[s.initial] for s in law.states if s.initial}
        name, elements, cards = p.tag(), law.elements(values), law.models(values)
    doc = (
        f"{title} {name} ({module})\n"
        f"ports: {' '.join(law.ports)}" + (f"   instance parameters: {', '.join(params)}" if params else "") + "\n"
        f"{law.equation}\n{values_doc(p)}"
    )
    return Subckt(name, law.ports, tuple(extra) + tuple(elements), params=params, models=tuple(cards) + tuple(models),
                  doc=doc)


def law_read_mode(law: Law, title: str, module: str) -> Callable[[Params, Any], tuple[Subckt, dict]]:
    """The lean read-mode variant of a two-terminal law with one state (a memristor): its read
    law at a fixed state, ``.subckt <law>_read in out params: <state>=... <read parameters>``.

    When the read is linear in the voltage (``R(x)`` memristors) it is one resistor
    ``R(state) = 1 / (I(v = 1 V) / 1 V)``: no state node, no behavioural source. Otherwise it is
    one behavioural source with the state as a parameter. Returns ``read_mode(params, state)
    -> (subckt, {state: value})``."""
    from ...physics.expr import Bin, Num, Param, substitute, to_spice
    from ...spice.ir import B, R

    st = law.states[0]
    (v_name,) = sorted(law.inputs())
    fixed = substitute(law.branches[0].current, {st.name: Param(st.name)})
    per_volt = substitute(fixed, {v_name: 1.0})
    names = per_volt.params() | fixed.params()

    def linear(values: Mapping[str, float]) -> bool:
        from ...physics.expr import MATH, evaluate

        for x in (st.lo if st.lo is not None else 0.0, st.hi if st.hi is not None else 1.0):
            env = {**values, st.name: x}
            g1 = evaluate(per_volt, env, MATH)
            for v in (-1.3, 0.1, 0.7):
                if abs(evaluate(fixed, {**env, v_name: v}, MATH) - g1 * v) > 1e-9 * abs(g1 * v) + 1e-30:
                    return False
        return True

    def read_mode(p: Params, state: Any = None) -> tuple[Subckt, dict]:
        values = values_of(p)
        x = float(getattr(p, st.initial) if state is None else state) if st.initial else float(state)
        params = {st.name: x} | {k: values[k] for k in values if k in names and k != st.name}
        if linear({**values}):
            # I(1 V) = 1/R(x) for a law written v/R(x): the resistor is R(x) itself
            res = per_volt.b if isinstance(per_volt, Bin) and per_volt.op == "/" and per_volt.a == Num(1.0) else 1 / per_volt
            el = R("Rread", "in", "out", Expr(to_spice(res)))
            how = f"the read is linear: a resistor R({st.name}) = 1/(I(1 V)/1 V)"
        else:
            el = B("Bread", "in", "out", i=Expr(to_spice(fixed)))
            how = f"the read law with {st.name} held fixed"
        doc = (f"{title}, read mode ({module}): {how}; no state node.\n"
               f"ports: in out   instance parameters: {', '.join(params)}")
        return Subckt(f"{law.name}_read", ("in", "out"), (el,), params=params, doc=doc), {st.name: x}

    return read_mode


def bind_testbenches(subckt_fn: Callable[[Params], Subckt], **builders: Callable[..., Testbench]) -> dict[str, Callable[..., Testbench]]:
    """Testbench builders bound to a component's subcircuit function ``subckt_fn``.

    Each ``tb(sub, p, *, stimulus...)`` becomes ``builder(p, *, stimulus...) = tb(subckt_fn(p),
    p, ...)``; a builder whose first parameter is named ``subckt_fn`` (one that needs several
    subcircuits, e.g. one per code) gets the function itself. The builders keep the keyword
    signature and docstring (the sweep planner reads them), so a component built on another
    subcircuit function gets testbenches of its own device."""
    out = {}
    for name, tb in builders.items():
        sig = inspect.signature(tb)
        wants_fn = next(iter(sig.parameters)) == "subckt_fn"

        @functools.wraps(tb)
        def builder(p: Params, *args: Any, _tb: Callable[..., Testbench] = tb, _fn: bool = wants_fn,
                    **stimulus: Any) -> Testbench:
            return _tb(subckt_fn if _fn else subckt_fn(p), p, *args, **stimulus)

        builder.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])  # type: ignore[attr-defined]
        out[name] = builder
    return out


def short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:length]


def controls(sub: Subckt) -> tuple[str, ...]:
    """The control ports of a synapse subcircuit (everything after ``in out``)."""
    if sub.ports[:2] != SIGNAL_PORTS:
        raise ValidationError(
            f"subcircuit {sub.name!r} has ports {sub.ports}; a synapse starts with 'in out'.",
            hint="Follow the synapse port convention of circuitsnn.devices.common.",
        )
    return sub.ports[2:]


def differential(pos: Subckt, neg: Subckt, *, name: str | None = None) -> Subckt:
    """A signed synapse ``G+ - G-`` from two device subcircuits (same or different).

    Ports: ``in out`` then ``pos``'s controls suffixed ``_p`` and ``neg``'s suffixed ``_n``;
    the devices' subcircuit parameters likewise (``x0_p``, ``x0_n``, ``dphi0_p`` ...).
    The deck must also contain ``pos`` and ``neg`` (see each family's ``signed()``).
    """
    cp, cn = controls(pos), controls(neg)
    name = name or f"sgn_{short_hash(pos.name, neg.name)}"
    ports = SIGNAL_PORTS + tuple(f"{c}_p" for c in cp) + tuple(f"{c}_n" for c in cn)
    doc = (
        f"Signed synapse: I(out) = I({pos.name}) - I({neg.name}).\n"
        "The - device sees the same v(in) - v(out) (node hold copies v(out)) and its current\n"
        "is mirrored out of 'out' by an ideal unity current mirror (Eh, Vsn, Fm)."
    )
    # device parameters (initial states) are forwarded as <name>_p / <name>_n
    fwd_p = {k: Expr(f"{k}_p") for k in pos.params}
    fwd_n = {k: Expr(f"{k}_n") for k in neg.params}
    params = {f"{k}_p": v for k, v in pos.params.items()} | {f"{k}_n": v for k, v in neg.params.items()}
    elements = (
        Comment("+ device: in -> out"),
        X("Xp", ("in", "out") + tuple(f"{c}_p" for c in cp), pos.name, **fwd_p),
        Comment("- device: in -> nn, nn held at v(out), its current mirrored out of 'out'"),
        X("Xn", ("in", "nn") + tuple(f"{c}_n" for c in cn), neg.name, **fwd_n),
        V("Vsn", "nn", "hold", 0.0),
        E("Eh", "hold", "0", "out", "0", 1.0),
        Element("Fm", ("out", "0"), 1.0, model="Vsn"),
    )
    return Subckt(name, ports, elements, params=params, doc=doc)


def pulse_train(
    n: int,
    amplitude: float,
    width: float,
    period: float,
    *,
    delay: float = 0.0,
    edge: float = 1e-7,
    base: float = 0.0,
) -> list[tuple[float, float]]:
    """PWL points of ``n`` identical trapezoidal pulses (``edge`` rise/fall inside ``width``)."""
    if n < 0 or width <= 2 * edge or period < width:
        raise ValidationError(
            f"pulse train: need n >= 0, width > 2*edge and period >= width; got n={n}, "
            f"width={width:g} s, edge={edge:g} s, period={period:g} s."
        )
    pts = [(0.0, base)]
    for k in range(n):
        t0 = delay + k * period
        pts += [(t0, base), (t0 + edge, amplitude), (t0 + width - edge, amplitude), (t0 + width, base)]
    return _dedupe(pts)


def _dedupe(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out and t == out[-1][0]:
            if v != out[-1][1]:
                out.append((t, v))
            continue
        out.append((t, v))
    # PWL needs strictly rising times for ngspice: nudge exact repeats by a femtosecond.
    fixed: list[tuple[float, float]] = []
    for t, v in out:
        if fixed and t <= fixed[-1][0]:
            t = fixed[-1][0] + 1e-15
        fixed.append((t, v))
    return fixed


def pwl(points: Sequence[tuple[float, float]]) -> Pwl:
    return Pwl(tuple(_dedupe(points)))


def sample(t: np.ndarray, y: np.ndarray, at: Sequence[float] | np.ndarray) -> np.ndarray:
    """``y`` linearly interpolated at times ``at``."""
    return np.interp(np.asarray(at, dtype=float), np.asarray(t), np.asarray(y))


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """Coefficient of determination of the least-squares line through (x, y)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    a, b = np.polyfit(x, y, 1)
    ss_res = float(np.sum((y - (a * x + b)) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0


def spike_testbench(
    title: str,
    sub: Subckt,
    ports: tuple[str, ...],
    *,
    controls: Sequence[Element] = (),
    instance_params: Mapping[str, float] | None = None,
    amplitude: float,
    width: float,
    delay: float,
    temp: float | None = None,
    extra_probes: tuple[str, ...] = (),
    extra_measure: Callable[[Any], Mapping[str, Any]] | None = None,
    extra_units: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
    traces: Mapping[str, tuple] | None = None,
) -> Testbench:
    """The "spike" testbench every synapse shares: one presynaptic voltage pulse on ``in``
    (edges width/50, ``width`` at half amplitude), the device instance ``X1`` on ``ports`` with its
    ``controls`` held, ``out``
    grounded through the ammeter ``Vout``; measures the output current and its charge (``options``:
    the component's simulator options)."""
    stop = delay + 3 * width
    edge = width / 50
    # full width at half amplitude = width (flat top width - edge): the read charge is G v width
    els = [V("Vin", "in", "0", Pulse(0.0, amplitude, delay, edge, edge, width - edge, 10 * stop)), *controls]
    els += [X("X1", ports, sub.name, **dict(instance_params or {})), V("Vout", "out", "0", 0.0)]
    deck = Deck(title, elements=tuple(els), subckts=(sub,), analyses=(Tran(edge, stop, 0.0, edge),), temp=temp,
                options=dict(options or {}))

    def measure(res: Any) -> dict:
        tr = res.tran
        i = np.asarray(tr.i("Vout"))
        out = {"time": np.asarray(tr.time), "i_out": i, "charge": float(np.trapezoid(i, tr.time))}
        if extra_measure is not None:
            out.update(extra_measure(res))
        return out

    units = {"time": "s", "i_out": "A", "charge": "C", **dict(extra_units or {})}
    description = f"one read spike ({amplitude:g} V for {width * 1e6:g} us): output current and charge"
    base = {"v(in)": ("read pulse v(in)", "V", 1.0, "read pulse"),
            "i(vout)": ("output current I(in -> out)", "A", 1.0, "output current")}
    return Testbench("spike", deck, ("v(in)", "i(vout)", *extra_probes), description, measure, units, "transient",
                     style={"traces": {**base, **dict(traces or {})}})
