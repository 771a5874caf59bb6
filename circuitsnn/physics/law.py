"""A device law, declared once: branch currents, state variables and named intermediates.

A :class:`Law` is what a device *is*, independent of where it runs:

* :class:`Branch` — a current between two ports, an expression of inputs, states, parameters;
* :class:`StateVar` — a state variable with its rate ``d(state)/dt``, bounds and initial value.
  In SPICE it is the usual "state on a 1 F capacitor" construct: a current source equal to the
  rate charges a 1 F capacitor, so the node voltage integrates the rate; a 1e12 s hold resistor
  to a source at the initial value fixes the DC operating point (the state at t = 0); an optional
  clamp current pulls a node that a coarse time step pushed past a bound back inside;
* :class:`Aux` — a named intermediate quantity (a steady-state conductance, say), a voltage node
  in SPICE that designers can probe, a value computed first in Python.

The law renders to ngspice elements (:meth:`Law.elements`, parameters inlined or named) and runs
in Python (:meth:`Law.currents`, :meth:`Law.rates`, :meth:`Law.advance`) on numpy or torch.

A device may also contain real circuit primitives: ``primitives`` (:mod:`.diode`: a diode model
card whose parameters are expressions of the law's, resistors, ammeters, a voltage copy). They
render before the law's behavioural sources, with :meth:`Law.models` giving their model cards,
and their parameters are the law's; their currents are not evaluated in Python (each family
keeps the primitive's closed form beside its law, e.g. :func:`.diode.diode_series_current`).
Transistor-level parts (MOSFET switches) are not laws.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..errors import ValidationError
from .constants import HOLD_TAU
from .expr import NUMPY, Backend, Node, State, as_node, compile_exprs, distribute_scale, ramp, to_spice


@dataclass(frozen=True)
class Branch:
    """Current ``current`` (A) flowing from port/node ``pos`` to ``neg`` through the device."""

    name: str
    pos: str
    neg: str
    current: Node
    doc: str = ""


@dataclass(frozen=True)
class Aux:
    """A named intermediate ``expr``; in SPICE the node ``name`` holds ``expr * scale`` (V)."""

    symbol: State
    expr: Node
    unit: str = ""
    doc: str = ""

    @property
    def name(self) -> str:
        return self.symbol.name


@dataclass(frozen=True)
class StateVar:
    """A state variable ``symbol`` with ``d(symbol)/dt = rate``.

    ``initial``: the parameter holding the value at t = 0 (an instance parameter of the
    ``.subckt``); ``None`` when the DC operating point itself defines it (a relaxing state).
    ``lo``/``hi``: bounds; the Python integrator clips to them, the SPICE construct adds
    ``clamp_rate * (uramp(lo - s) - uramp(s - hi))`` to the rate when ``clamp_rate`` is set.
    The SPICE node holds ``symbol * symbol.scale`` volts (a scale keeps tiny quantities such
    as conductances in S at node voltages the solver resolves well).
    """

    symbol: State
    rate: Node
    unit: str = "1"
    doc: str = ""
    initial: str | None = None
    lo: float | None = None
    hi: float | None = None
    clamp_rate: float | None = None
    hold_tau: float = HOLD_TAU

    @property
    def name(self) -> str:
        return self.symbol.name


@dataclass(frozen=True)
class Law:
    """One device's physics (see the module docstring)."""

    name: str
    ports: tuple[str, ...]
    branches: tuple[Branch, ...]
    states: tuple[StateVar, ...] = ()
    aux: tuple[Aux, ...] = ()
    #: real primitives inside the device (:mod:`.diode`), rendered before the B-sources
    primitives: tuple = ()
    equation: str = ""
    reference: str = ""
    #: state name -> how to say it in a plot or table ("memristor state x", "barrier lowering")
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Python evaluates a law in one namespace: an input, state or intermediate named like a
        # parameter would silently read the parameter's value (SPICE inlines parameters, so the
        # netlist would still look right)
        names = self.inputs() | set(self.state_names()) | {a.name for a in self.aux}
        clash = names & self.params()
        if clash:
            raise ValidationError(f"law {self.name!r}: {sorted(clash)} name both a parameter and an input, state or "
                                  "intermediate.", hint="Rename the input (e.g. v_erase_in for the voltage on an "
                                  "'erase' port when v_erase is a threshold).")

    # -- introspection ------------------------------------------------------------------------
    def params(self) -> set[str]:
        """Every parameter name the law uses (inputs and states excluded)."""
        out: set[str] = set()
        for n in self._nodes():
            out |= n.params()
        for prim in self.primitives:
            out |= prim.params()
        return out | {s.initial for s in self.states if s.initial}

    def inputs(self) -> set[str]:
        out: set[str] = set()
        for n in self._nodes():
            out |= n.inputs()
        return out

    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    def state(self, name: str) -> StateVar:
        for s in self.states:
            if s.name == name:
                return s
        raise ValidationError(f"law {self.name!r} has no state {name!r}.", hint=f"States: {self.state_names()}.")

    def _nodes(self) -> list[Node]:
        return [b.current for b in self.branches] + [s.rate for s in self.states] + [a.expr for a in self.aux]

    def check_values(self, values: Mapping[str, Any]) -> None:
        missing = self.params() - set(values)
        if missing:
            raise ValidationError(
                f"law {self.name!r} needs parameter(s) {sorted(missing)}.",
                hint=f"Given: {', '.join(sorted(values))}.",
            )

    # -- SPICE -------------------------------------------------------------------------------
    def elements(self, values: Mapping[str, float] | None = None, *, prefix: str = "") -> list:
        """ngspice elements of the law. ``values`` inlines every parameter as a number;
        ``None`` keeps names (the enclosing ``.subckt`` must declare them in ``params:``)."""
        from ..spice.ir import B, C, Comment, Expr, R, V

        if values is not None:
            self.check_values(values)

        def text(node: Node) -> Expr:
            return Expr(to_spice(node, values))

        out: list = []
        for prim in self.primitives:
            out += prim.elements(values)
        for a in self.aux:
            out.append(Comment(f"{a.doc or a.name}: v({a.symbol.spice_node}) = {a.name} * {a.symbol.scale:g}"))
            v = distribute_scale(a.expr, a.symbol.scale) if a.symbol.scale != 1.0 else a.expr
            out.append(B(f"B{prefix}{a.name}", a.symbol.spice_node, "0", v=text(v)))
        for b in self.branches:
            if b.doc:
                out.append(Comment(b.doc))
            out.append(B(f"B{prefix}{b.name}", b.pos, b.neg, i=text(b.current)))
        for s in self.states:
            node = s.symbol.spice_node
            rate = distribute_scale(s.rate, s.symbol.scale) if s.symbol.scale != 1.0 else s.rate
            if s.clamp_rate is not None:
                clamp = 0
                if s.hi is not None:
                    clamp = ramp(s.symbol - s.hi)
                if s.lo is not None:
                    below = ramp(-s.symbol) if s.lo == 0 else ramp(s.lo - s.symbol)
                    clamp = clamp - below if not isinstance(clamp, int) else -below
                rate = rate - s.clamp_rate * s.symbol.scale * as_node(clamp)
            out.append(Comment(f"state {s.name} on a 1 F capacitor: d{s.name}/dt = {s.doc or 'rate'}"))
            out.append(B(f"B{prefix}{s.name}", "0", node, i=text(rate)))
            out.append(C(f"C{prefix}{s.name}", node, "0", 1.0))
            if s.initial is not None:
                scale = s.symbol.scale
                init = Expr(s.initial if scale == 1.0 else f"{s.initial}*{to_spice(as_node(scale))}")
                out.append(Comment(f"sets {s.name} at t = 0 (DC) to {s.initial}; time constant {s.hold_tau:g} s"))
                out.append(R(f"R{prefix}{s.name}h", node, f"{node}_0", s.hold_tau))
                out.append(V(f"V{prefix}{s.name}0", f"{node}_0", "0", init))
        return out

    def models(self, values: Mapping[str, float] | None = None) -> list:
        """The model cards of the law's primitives (numbers with ``values``, else expressions of
        the parameter names)."""
        from .diode import cards

        return [c.model(values) for c in cards(self.primitives)]

    # -- Python ------------------------------------------------------------------------------
    @functools.cached_property
    def _compiled(self) -> dict[str, Callable]:
        """The law's expressions compiled once per law (looking them up by expression on every
        call hashed the whole tree each time: 70 % of a fitting loop)."""
        return {
            "aux": compile_exprs(*[a.expr for a in self.aux]) if self.aux else None,
            "currents": compile_exprs(*[b.current for b in self.branches]),
            "rates": compile_exprs(*[s.rate for s in self.states]) if self.states else None,
        }

    def _with_aux(self, env: Mapping[str, Any], backend: Backend) -> dict:
        env = dict(env)
        if self.aux:
            vals = self._compiled["aux"](env, backend)
            for a, v in zip(self.aux, vals):
                env[a.name] = v
        return env

    def currents(self, env: Mapping[str, Any], backend: Backend = NUMPY) -> dict[str, Any]:
        """Branch currents (A) by branch name, for ``env`` = parameters + inputs + states."""
        env = self._with_aux(env, backend)
        vals = self._compiled["currents"](env, backend)
        return {b.name: v for b, v in zip(self.branches, vals)}

    def current(self, env: Mapping[str, Any], backend: Backend = NUMPY, branch: str | None = None) -> Any:
        """The current of one branch (the first by default)."""
        cur = self.currents(env, backend)
        return cur[branch or self.branches[0].name]

    def rates(self, env: Mapping[str, Any], backend: Backend = NUMPY) -> dict[str, Any]:
        """``d(state)/dt`` by state name."""
        if not self.states:
            return {}
        env = self._with_aux(env, backend)
        vals = self._compiled["rates"](env, backend)
        return {s.name: v for s, v in zip(self.states, vals)}

    def clip(self, states: Mapping[str, Any], backend: Backend = NUMPY) -> dict[str, Any]:
        out = {}
        for s in self.states:
            x = states[s.name]
            if s.lo is not None:
                x = backend.f_max(x, s.lo)
            if s.hi is not None:
                x = backend.f_min(x, s.hi)
            out[s.name] = x
        return out

    def _rk4(self, x: dict, env: Mapping[str, Any], h: Any, backend: Backend) -> dict:
        names = self.state_names()
        k1 = self.rates({**env, **x}, backend)
        k2 = self.rates({**env, **{n: x[n] + 0.5 * h * k1[n] for n in names}}, backend)
        k3 = self.rates({**env, **{n: x[n] + 0.5 * h * k2[n] for n in names}}, backend)
        k4 = self.rates({**env, **{n: x[n] + h * k3[n] for n in names}}, backend)
        return self.clip({n: x[n] + h / 6.0 * (k1[n] + 2 * k2[n] + 2 * k3[n] + k4[n]) for n in names}, backend)

    def advance(
        self,
        states: Mapping[str, Any],
        env: Mapping[str, Any],
        dt: Any,
        backend: Backend = NUMPY,
        substeps: int = 4,
        tol: float | None = None,
        max_depth: int = 14,
    ) -> dict[str, Any]:
        """The states after ``dt`` seconds with the inputs in ``env`` held constant: classical
        Runge-Kutta (RK4) in ``substeps`` steps, clipped to the bounds after each.

        With ``tol`` the step size adapts (step doubling): a step is split in two until one
        step and two half steps agree within ``tol`` x the state's range (or ``tol`` absolute
        for unbounded states), up to ``max_depth`` halvings. Stiff laws need it: a fixed RK4
        step beyond its stability limit can settle on a spurious fixed point."""
        x = dict(states)
        h = dt / substeps
        for _ in range(substeps):
            x = self._rk4(x, env, h, backend) if tol is None else self._adaptive(x, env, h, backend, tol, max_depth)
        return x

    def _adaptive(self, x: dict, env: Mapping[str, Any], h: Any, backend: Backend, tol: float, depth: int) -> dict:
        full = self._rk4(x, env, h, backend)
        half = self._rk4(self._rk4(x, env, 0.5 * h, backend), env, 0.5 * h, backend)
        err = 0.0
        for s in self.states:
            span = (s.hi - s.lo) if (s.hi is not None and s.lo is not None) else 1.0
            err = max(err, _max_abs(full[s.name] - half[s.name]) / span)
        if err <= tol or depth <= 0:
            return half
        mid = self._adaptive(x, env, 0.5 * h, backend, tol, depth - 1)
        return self._adaptive(mid, env, 0.5 * h, backend, tol, depth - 1)

    def describe(self) -> str:
        """The law as text (named parameters): one line per branch, intermediate and state."""
        lines = [f"{a.name} = {to_spice(a.expr)}" for a in self.aux]
        lines += [f"I({b.pos} -> {b.neg}) = {to_spice(b.current)}" for b in self.branches]
        lines += [f"d{s.name}/dt = {to_spice(s.rate)}" for s in self.states]
        return "\n".join(lines)


def _max_abs(x: Any) -> float:
    if isinstance(x, (int, float)):
        return abs(float(x))
    if hasattr(x, "detach"):
        return float(x.detach().abs().max()) if x.numel() else 0.0
    import numpy as np

    return float(np.max(np.abs(x))) if np.size(x) else 0.0


def values_of(params: Any, names: Sequence[str] | None = None) -> dict[str, float]:
    """Numeric fields of a parameter object as a name -> float mapping (what laws read)."""
    d = params.to_dict() if hasattr(params, "to_dict") else dict(params)
    out = {k: float(v) for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if names is not None:
        out = {k: out[k] for k in names}
    return out


def pulse_segments(amplitude: float, width: float, rise: float = 0.0, fall: float = 0.0,
                   edge_steps: int = 4) -> list[tuple[float, float]]:
    """(duration s, level) pieces that integrate a trapezoidal pulse of full width at half
    amplitude ``width`` with linear edges: each edge as ``edge_steps`` constant steps at their mid
    levels, the flat top (``width - (rise + fall)/2``) between."""
    out: list[tuple[float, float]] = []
    top = width - 0.5 * (rise + fall)
    if rise > 0:
        out += [(rise / edge_steps, amplitude * (k + 0.5) / edge_steps) for k in range(edge_steps)]
    if top > 0:
        out.append((top, amplitude))
    if fall > 0:
        out += [(fall / edge_steps, amplitude * (1 - (k + 0.5) / edge_steps)) for k in range(edge_steps)]
    return out


Transform = Callable[[Mapping[str, Any]], Mapping[str, Any]]
