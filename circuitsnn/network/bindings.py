"""How a synapse family is placed in a crossbar at a given device state.

A crossbar instantiates thousands of devices of one component, each at its own state. How a
state reaches an instance differs by family, so each family has a :class:`Binding`:

* law devices whose state has an initial-value instance parameter (memristors ``x0``, the
  Schottky synapse ``dphi0``, a user's law device): one subcircuit, the state per instance,
  control ports tied to ground (Schottky ``gate``/``erase`` at 0 V: read, neither program nor
  erase) -- :class:`LawStateBinding`;
* the optocoupler: the state is the LED drive (V). Devices at the same drive share one source
  inside the crossbar (the weight DAC's levels, on the DAC grid) -- :class:`OptocouplerBinding`;
* the digital code: the state is the code. ``digital_code_bitlines`` ties each bit line to the
  crossbar's logic-high node or to ground; ``digital_code`` gets one subcircuit per code. A
  code-0 device conducts nothing (all switches open; level-1 switches do not leak) and may be
  left out -- :class:`DigitalCodeBinding`.

Those place the full devices (``fidelity="full"``). ``fidelity="read"`` places any family through
:class:`ReadModeBinding`: each device its read law at its state, without state dynamics or
control circuitry (a resistor, or a per-row shape and a VCCS per device), the lean equivalent
for large networks.

Every binding also builds the family's weight interface *at the deck's device parameters*
(:func:`weights_at`), so conductances and states are converted with the same values the
subcircuits carry. Register a binding for a new family with :func:`register_binding`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..library.registry import Component
from ..params import Params
from ..physics.expr import Call, Input, Node, Num, State, to_spice
from ..physics.law import values_of
from ..spice.ir import B, Comment, Dc, Element, Expr, Line, R, Subckt, V, X


def weights_at(comp: Component, params: Params) -> Any:
    """The component's weight interface with the values of ``params`` (not the fitted model's:
    the deck's subcircuits carry ``params``, so states must be converted with them too)."""
    cls = comp.resolve("weights")
    if cls is None:
        raise ValidationError(f"synapse {comp.name!r} declares no weight interface; a network needs one to "
                              "turn weights into device states.", hint="Set Component.weights, or give states.")
    # the interfaces read the component's default parameters: present them with ours
    shim = dataclasses.replace(comp, params_cls=_Fixed(params))
    return cls.from_component(shim, model=None)


@dataclass(frozen=True)
class _Fixed:
    params: Params

    def __call__(self) -> Params:
        return self.params


@dataclass
class Placed:
    """What a crossbar needs for one family at given parameters and states: the device
    subcircuits, elements shared inside the crossbar (DAC levels, logic-high node) and a
    function that writes one instance (``None``: the device is left out)."""

    subckts: tuple[Subckt, ...]
    shared: tuple[Line, ...]
    instance: Callable[[str, str, str, float], Element | None]
    notes: tuple[str, ...] = ()
    #: elements a row needs once, before its devices: ``per_row(row, ref)`` (``ref``: a node
    #: held at the columns' reference, the virtual ground)
    per_row: Callable[[str, str], Sequence[Line]] | None = None


class Binding:
    """How one family's devices are placed (see the module docstring)."""

    def place(self, comp: Component, params: Params, states: np.ndarray, weights: Any, *,
              omit_zero: bool = True) -> Placed:
        """``states``: every state the crossbar will place; ``weights``: the family's weight
        interface at ``params``. The returned ``instance(name, row, col, state)`` writes one
        device (``name``: a base such as ``p3_4``, the binding adds the element letter)."""
        raise NotImplementedError

    def quantize(self, weights: Any, states: np.ndarray) -> np.ndarray:
        """States as the deck realizes them (a DAC grid, integer codes); default unchanged."""
        return states


class LawStateBinding(Binding):
    """Law devices with one state preset by an instance parameter (``x0``, ``dphi0``)."""

    def place(self, comp: Component, params: Params, states: np.ndarray, weights: Any, *,
              omit_zero: bool = True) -> Placed:
        law = comp.law
        if law is None or len(law.states) != 1 or not law.states[0].initial:
            raise ValidationError(f"synapse {comp.name!r} is not a law device with one preset state.",
                                  hint="Register a Binding for its family with register_binding().")
        sub = comp.subckt(params)
        key = law.states[0].initial
        controls = sub.ports[2:]

        def instance(name: str, row: str, col: str, state: float) -> Element:
            return X("X" + name, (row, col, *("0" for _ in controls)), sub.name, **{key: float(state)})

        notes = (f"{comp.name}: state {law.states[0].name} preset per instance ({key}=...)",)
        if controls:
            notes += (f"control ports {' '.join(controls)} tied to ground (read: neither program nor erase)",)
        return Placed((sub,), (), instance, notes)


class OptocouplerBinding(Binding):
    """The LED drive of each device from a shared DAC level inside the crossbar."""

    def quantize(self, weights: Any, states: np.ndarray) -> np.ndarray:
        return np.asarray(weights.dac(np.asarray(states, float)), float)

    def place(self, comp: Component, params: Params, states: np.ndarray, weights: Any, *,
              omit_zero: bool = True) -> Placed:
        sub = comp.subckt(params)
        if sub.ports != ("in", "out", "led"):
            raise ValidationError(f"optocoupler binding expects ports 'in out led', {comp.name!r} has {sub.ports}.")
        levels = sorted({float(s) for s in np.asarray(states, float).ravel()})
        nodes = {v: f"led{k}" for k, v in enumerate(levels)}
        shared: list[Line] = [Comment(f"weight DAC: {len(levels)} LED drive levels, one source each, shared by "
                                      "the devices at that level")]
        shared += [V(f"Vdac{k}", nodes[v], "0", Dc(v)) for k, v in enumerate(levels)]

        def instance(name: str, row: str, col: str, state: float) -> Element:
            return X("X" + name, (row, col, nodes[float(state)]), sub.name)

        return Placed((sub,), tuple(shared), instance, ("optocoupler: the state is the LED drive (V) from the "
                                                        "shared DAC level node led<k>",))


class DigitalCodeBinding(Binding):
    """Digital codes: bit lines tied to logic high or ground, or one subcircuit per code."""

    def quantize(self, weights: Any, states: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(states, float))

    def place(self, comp: Component, params: Params, states: np.ndarray, weights: Any, *,
              omit_zero: bool = True) -> Placed:
        codes = sorted({int(round(float(s))) for s in np.asarray(states, float).ravel()})
        notes = []
        if omit_zero:
            notes.append("code-0 devices left out: every switch open, no current (level-1 switches do not leak)")
        if "code" in {f.name for f in dataclasses.fields(params)}:
            subs = {c: comp.subckt(params.replace(code=c)) for c in codes if c or not omit_zero}

            def instance(name: str, row: str, col: str, state: float) -> Element | None:
                c = int(round(state))
                if c == 0 and omit_zero:
                    return None
                return X("X" + name, (row, col), subs[c].name)

            return Placed(tuple(subs.values()), (), instance, tuple(notes + ["one subcircuit per code"]))
        sub = comp.subckt(params)
        bits = int(params.bits)  # type: ignore[attr-defined]
        shared = (Comment("logic high of the bit lines"), V("Vbits", "bhi", "0", Dc(float(params.vdd))))  # type: ignore[attr-defined]

        def instance(name: str, row: str, col: str, state: float) -> Element | None:
            c = int(round(state))
            if c == 0 and omit_zero:
                return None
            return X("X" + name, (row, col, *("bhi" if (c >> k) & 1 else "0" for k in range(bits))), sub.name)

        return Placed((sub,), shared, instance, tuple(notes + ["bit lines tied to bhi (vdd) or ground by the code"]))


class ReadModeBinding(Binding):
    """Each programmed device replaced by its read law at its state (a lean read-mode
    equivalent for large networks: no state dynamics, no control circuitry). Valid while reading
    does not program, which column reads at the families' ``v_read`` guarantee. Three forms, the
    cheapest the law allows (decided numerically on the weight interface's read):

    * **linear** read (memristors, the optocoupler's photoresistor, the digital code's
      resistor-switch branches): a resistor of ``v_read / I_read(state, v_read)``;
    * **separable** read, ``I(state, v) = I(state, v_read) * f(v)`` with one shape ``f`` for
      every state over the rows' voltage span (:data:`SHAPE_SPAN`; within
      :data:`SEPARABLE_RTOL`: the Schottky junction, whose state scales the saturation
      current while the voltage only shapes it, its series resistance aside): one B-source per
      *row* computes ``f`` of the row's read voltage onto a node, ``f`` the law's own read
      through the weight interface tabulated as an ngspice ``pwl`` (:func:`_shape_table`), and
      each device is a linear VCCS ``I(state, v_read) * v(f)``. Exact while the column sits at
      its reference (the virtual ground: within the read-out's error);
    * otherwise: the component's own read-mode subcircuit (``Component.read_mode``) at each
      device's state, or, for a behavioural law without one, a B-source of the law's branch
      current with the state as an instance parameter and the control inputs at 0 V.

    All are the law's own read (through the weight interface, the component's read-mode
    subcircuit or the law's branch expression), never a restatement of it.
    """

    def place(self, comp: Component, params: Params, states: np.ndarray, weights: Any, *,
              omit_zero: bool = True) -> Placed:
        uniq = np.unique(np.asarray(states, float))
        v = float(weights.v_read)
        g1 = np.asarray(weights.conductance(uniq, v).detach().numpy(), float)
        g2 = np.asarray(weights.conductance(uniq, 0.5 * v).detach().numpy(), float)
        linear = bool(np.all(np.abs(g1 - g2) <= 1e-9 * np.maximum(np.abs(g1), 1e-300)))
        if linear:
            g = dict(zip(uniq.tolist(), g1.tolist()))

            def instance(name: str, row: str, col: str, state: float) -> Element | None:
                gs = g[float(state)]
                if gs <= 0:
                    if omit_zero:
                        return None
                    raise ValidationError(f"{comp.name}: state {state:g} reads a conductance {gs:g} S; a read-mode "
                                          "resistor needs a positive one.")
                return R("R" + name, row, col, 1.0 / gs)

            return Placed((), (), instance, (f"{comp.name} in read mode: each device a resistor 1/G(state) at its "
                                             f"read (linear in v); no state dynamics",))
        s_ref = float(uniq[len(uniq) // 2])
        if _separable(weights, uniq, s_ref, v):
            table = _shape_table(weights, s_ref, v)
            pairs = ", ".join(f"{to_spice(Num(x))}, {to_spice(Num(y))}" for x, y in table)
            gain = dict(zip(uniq.tolist(), (g1 * v).tolist()))

            def per_row(row: str, ref: str) -> list:
                return [B(f"Bf_{row}", f"f_{row}", "0", v=Expr(f"pwl(v({row},{ref}), {pairs})"))]

            def instance(name: str, row: str, col: str, state: float) -> Element:
                return Element("G" + name, (row, col, f"f_{row}", "0"), gain[float(state)])

            return Placed((), (), instance, (f"{comp.name} in read mode: separable read I(state, v) = I(state, v_read) "
                                             f"* f(v); f, the law's read at state {s_ref:.6g} over I(v_read), tabulated "
                                             f"({len(table)} points, {SHAPE_TOL:g} of f(v_read)) of each row's read "
                                             "voltage on node f_<row> (one B-source per row), each device a VCCS "
                                             "I(state, v_read) * v(f_<row>)",),
                          per_row=per_row)
        if comp.read_mode is not None:
            # the component's own read-mode subcircuit (e.g. the Schottky junction: a diode
            # primitive at the stored state's barrier), renamed after the device's hashed
            # subcircuit so that layers at different parameters do not collide
            sub, _ = comp.read_mode(params, None)
            sub = dataclasses.replace(sub, name=f"{comp.subckt(params).name}_read")

            def instance(name: str, row: str, col: str, state: float) -> Element:
                return X("X" + name, (row, col), sub.name, **comp.read_mode(params, state)[1])

            return Placed((sub,), (), instance, (f"{comp.name} in read mode: the component's read-mode subcircuit at "
                                                 f"each device's state; no state dynamics",))
        law = comp.law
        if law is None or len(law.states) != 1 or not law.states[0].initial or len(law.branches) != 1 \
                or law.primitives:
            raise ValidationError(f"{comp.name}: its read is nonlinear and it has neither a read-mode subcircuit nor a "
                                  "single-branch, single-state behavioural law to render a read-mode device from.",
                                  hint="Use fidelity='full' for this family.")
        st, br = law.states[0], law.branches[0]
        key = st.initial
        controls = law.ports[2:]
        tie = {n.name: Num(0.0) for n in br.current.walk() if isinstance(n, Input)
               and any(re.search(rf"\(\s*{re.escape(c)}\s*[,)]", n.spice, re.I) for c in controls)}
        values = {k: val for k, val in values_of(params).items() if k != key}
        current = substitute(br.current, {st.name: Input(key, key), **tie})
        sub = Subckt(f"{comp.subckt(params).name}_read", ("in", "out"),
                     (Comment(f"{comp.name} read law at a fixed state {key} (controls at 0 V): {br.doc}"),
                      B("B" + br.name, "in", "out", i=Expr(to_spice(current, values)))),
                     params={key: float(getattr(params, key))},
                     doc=f"Read-mode {comp.name} (circuitsnn.network.bindings): the law's read current at the "
                         f"instance's state {key}; no state equation")

        def instance(name: str, row: str, col: str, state: float) -> Element:
            return X("X" + name, (row, col), sub.name, **{key: float(state)})

        return Placed((sub,), (), instance, (f"{comp.name} in read mode: the law's read current at each device's "
                                             f"state; no state dynamics",))


#: a row's voltage over the column reference stays inside [0, 1.5] v_read: rows idle at the
#: reference and rise to v_read (with margin for the drivers' overshoot); the read is checked
#: for separability and tabulated there
SHAPE_SPAN = (0.0, 1.5)
#: separable when I(s, v) / I(s, v_read) agrees across states within this (relative to
#: max(1, |ratio|)): below ngspice's reltol (1e-3). The Schottky junction's series resistance
#: makes its read separable to ~3e-4 only (the drop I r_s is state dependent)
SEPARABLE_RTOL = 1e-3
#: the tabulated shape's largest interpolation error (relative to f(v_read) = 1)
SHAPE_TOL = 2e-4


def _separable(weights: Any, states: np.ndarray, s_ref: float, v_read: float, rtol: float = SEPARABLE_RTOL) -> bool:
    """``I(s, v) / I(s, v_read)`` the same for every state ``s``, on a grid of read voltages
    over :data:`SHAPE_SPAN`."""
    import torch

    vs = np.concatenate([np.linspace(*SHAPE_SPAN, 31) * v_read, [0.003 * v_read, 0.01 * v_read, 0.03 * v_read]])
    probe = np.unique(np.concatenate([states[:: max(1, len(states) // 16)], [s_ref, states[-1]]]))
    s_t = torch.as_tensor(probe, dtype=torch.float64)
    base = weights.read(s_t, v_read)
    if not torch.all(torch.abs(base) > 0):
        return False
    for vv in vs:
        ratio = (weights.read(s_t, float(vv)) / base).detach().numpy()
        if np.max(np.abs(ratio - ratio[0])) > rtol * max(1.0, float(np.max(np.abs(ratio)))):
            return False
    return True


def _shape_table(weights: Any, s_ref: float, v_read: float, tol: float = SHAPE_TOL,
                 max_points: int = 400) -> list[tuple[float, float]]:
    """``(v, f(v))`` points of the read's shape ``f(v) = I(s_ref, v) / I(s_ref, v_read)`` over
    :data:`SHAPE_SPAN`, refined until linear interpolation is within ``tol`` at every segment's
    midpoint (the law's own read through the weight interface, for an ngspice ``pwl``; outside
    the span ngspice extends the end segments)."""
    import torch

    s = torch.as_tensor(s_ref, dtype=torch.float64)
    ref = float(weights.read(s, v_read))

    def f(v: np.ndarray) -> np.ndarray:
        return (weights.read(s, torch.as_tensor(v, dtype=torch.float64)) / ref).detach().numpy()

    xs = np.linspace(*SHAPE_SPAN, 7) * v_read
    xs = np.unique(np.concatenate([xs, [v_read]]))
    ys = f(xs)
    while len(xs) < max_points:
        mid = 0.5 * (xs[1:] + xs[:-1])
        err = np.abs(f(mid) - 0.5 * (ys[1:] + ys[:-1]))
        bad = err > tol
        if not bad.any():
            break
        xs = np.concatenate([xs, mid[bad]])
        order = np.argsort(xs)
        xs = xs[order]
        ys = np.concatenate([ys, f(mid[bad])])[order]
    ys = np.where(np.abs(ys) < 1e-12, 0.0, ys)  # f(0) = 0 up to rounding
    return [(float(f"{x:.6g}"), float(f"{y:.8g}")) for x, y in zip(xs, ys)]


def substitute(node: Node, by_name: Mapping[str, Node]) -> Node:
    """``node`` with every input or state named in ``by_name`` replaced by its node."""
    if isinstance(node, (Input, State)) and node.name in by_name:
        return by_name[node.name]
    kids = node.children()
    if not kids:
        return node
    new = tuple(substitute(c, by_name) for c in kids)
    if isinstance(node, Call):
        return dataclasses.replace(node, args=new)
    names = [f.name for f in dataclasses.fields(node) if isinstance(getattr(node, f.name), Node)]
    return dataclasses.replace(node, **dict(zip(names, new)))


_BINDINGS: dict[str, Binding] = {
    "memristor": LawStateBinding(),
    "schottky": LawStateBinding(),
    "optocoupler": OptocouplerBinding(),
    "digital_code": DigitalCodeBinding(),
}


def register_binding(key: str, binding: Binding) -> None:
    """Place components named ``key`` (or of family ``key``) with ``binding``."""
    _BINDINGS[key] = binding


READ_MODE = ReadModeBinding()
#: how much of each device a deck simulates: "full" (the device's own subcircuit) or "read"
FIDELITIES = ("full", "read")


def binding_for(comp: Component, fidelity: str = "full") -> Binding:
    """The binding of a component at a fidelity: "read" is :class:`ReadModeBinding`; "full" is
    registered by name, then by family, then the law-state default."""
    if fidelity not in FIDELITIES:
        raise ValidationError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {fidelity!r}.")
    if fidelity == "read":
        return READ_MODE
    if comp.name in _BINDINGS:
        return _BINDINGS[comp.name]
    if comp.family in _BINDINGS:
        return _BINDINGS[comp.family]
    law = comp.law
    if law is not None and len(law.states) == 1 and law.states[0].initial:
        return _BINDINGS["memristor"]
    raise ValidationError(f"no crossbar binding for synapse {comp.name!r} (family {comp.family!r}).",
                          hint="Register one with circuitsnn.network.bindings.register_binding().")


__all__ = ["Binding", "LawStateBinding", "OptocouplerBinding", "DigitalCodeBinding", "ReadModeBinding", "Placed",
           "weights_at", "register_binding", "binding_for", "substitute", "FIDELITIES"]

