"""What every neuron law shares: the port convention, the parameter base class, states held on
real RC nodes, the spike rule, and the law's own reference integration in Python.

A neuron law (:class:`NeuronLaw`) is declared once, in the neuron's own file
(:mod:`.lif`, :mod:`.adaptive_lif`), as

* continuous states held as node voltages on a *real* capacitor with a *real* leak resistor
  (:class:`RCState`)::

      c dx/dt = -(x - rest)/r + (currents into the node)

  the membrane (``C dV/dt = -(V - v_rest)/R + I_in``) and an adaptation variable
  (``tau_w da/dt = -a``). In SPICE they are the primitives C and R (and a V source for a
  non-zero rest level), nothing behavioural; in Python the rate above;
* branch currents between nodes (:class:`~circuitsnn.physics.law.Branch`: an
  after-hyperpolarization current ``b a`` out of the membrane), rendered as B-sources;
* the input current injected into the membrane's port;
* a :class:`SpikeRule`: the membrane crossing its threshold upwards is a spike; the membrane is
  then held at its reset level for the refractory period and the states in ``jumps`` jump.

How a circuit *realizes* the rule (latch, refractory timer, reset clamp, output pulse, the charge
pump that delivers a jump) is circuit construction with its own timing; it lives with the
component in :mod:`circuitsnn.library.neurons` and reads the rule's levels from here.

:meth:`NeuronLaw.run` integrates the law itself (classical RK4, threshold crossings located by
bisection, exact refractory and jumps): the reference the surrogates' closed forms
(:mod:`circuitsnn.surrogates.lif`) are tested against.

Port convention (every neuron subcircuit)::

    .subckt <name> in out vdd vss

``in`` the membrane node, driven by a current; ``out`` the output spike (a voltage pulse
against ``vss``); ``vdd`` the supply; ``vss`` the reference of every voltage (see
:mod:`circuitsnn.library.neurons.base`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Mapping, NamedTuple, Sequence

import numpy as np

from ..errors import ValidationError
from ..params import Params, quantity
from .expr import MATH, Input, Node, Num, State, as_node, compile_exprs, evaluate, to_spice
from .law import Branch, Law, StateVar

#: The ports of every neuron subcircuit, in order.
PORTS = ("in", "out", "vdd", "vss")

#: Capacitance (F) of the internal nodes that hold logic-like or dimensionless states as volts
#: (a latch, a timer, an adaptation variable): 1 nF keeps their currents in the nA..mA range the
#: solver's tolerances resolve; the value cancels out of every rate.
C_NODE = 1e-9


@dataclass(frozen=True, kw_only=True)
class NeuronParams(Params):
    """Base of every neuron's parameters: the supply, and what testbenches and surrogates need.

    Subclasses implement :meth:`spike_amplitude`, :meth:`spike_width`, :meth:`current_scale`,
    :meth:`expected_isi` and :meth:`max_step`, and may say which effective LIF they stand for
    (:meth:`lif_equivalent`).
    """

    prefix: ClassVar[str] = "neuron"

    vdd: float = quantity(
        1.8,
        unit="V",
        doc="Supply voltage between the vdd and vss ports (1.8 V: a 180 nm CMOS core supply)",
        gt=0,
        le=12,
    )

    # -- what testbenches, measures and surrogates need ---------------------------------------
    def spike_amplitude(self) -> float:
        """Height (V) of the output pulse on ``out`` above ``vss``."""
        raise NotImplementedError

    def spike_width(self) -> float:
        """Width (s) of the output pulse at half amplitude (nominal)."""
        raise NotImplementedError

    def spike_edge(self) -> float:
        """Rise and fall time (s) of the output pulse's linear edges (0: not modelled)."""
        return 0.0

    def spike_threshold(self) -> float:
        """Level (V) at which a rising ``v(out)`` counts as a spike: half the amplitude."""
        return 0.5 * self.spike_amplitude()

    def current_scale(self) -> float:
        """A characteristic input current (A): the rheobase of a leaky neuron, a small fraction of
        the reset current of the Axon-Hillock. Testbench stimuli are multiples of it."""
        raise NotImplementedError

    def expected_isi(self, i_in: object) -> np.ndarray:
        """Expected inter-spike interval (s) under constant input ``i_in`` (A); ``inf`` where the
        neuron does not fire. Sizes testbench durations; the measured value is the truth."""
        raise NotImplementedError

    def settle_time(self) -> float:
        """Time (s) the neuron needs to reach its steady firing under constant input (adaptation);
        0 for neurons without slow state. Testbenches run at least this long."""
        return 0.0

    def max_step(self) -> float:
        """Largest transient time step (s) that keeps the neuron's timing accurate (use it as
        ``.tran`` max step in any deck that contains this neuron)."""
        raise NotImplementedError

    def lif_equivalent(self) -> dict[str, float]:
        """The effective LIF this circuit stands for, in the surrogate's names (some of
        ``tau_m r_in c_m v_rest v_th v_reset t_ref t_delay tau_w b i_ref delta_t``): the
        surrogate's nominal values and the fit's initial guess. Empty: estimate from data."""
        return {}

    # -- validation ---------------------------------------------------------------------------
    def reject(self, name: str, problem: str, allowed: str) -> None:
        """Raise a :class:`ValidationError` for a cross-field rule: names the field, its meaning
        and unit, the problem, and the range allowed given the other fields."""
        meta = self.field_info(name)
        desc = f" ({meta['doc']}, unit {meta['unit']})" if meta else ""
        raise ValidationError(f"{type(self).__name__}.{name}{desc} {problem}.", hint=f"Allowed: {allowed}.")


# -- the law's pieces ----------------------------------------------------------------------------


def node_value(node: Node, values: Mapping[str, float]) -> float:
    """The number an expression of parameters stands for at ``values``."""
    return float(evaluate(node, values, MATH))


@dataclass(frozen=True)
class RCState:
    """A state held as the voltage of a real capacitor ``c`` with a real leak resistor ``r`` to
    the level ``rest``::

        c dx/dt = -(x - rest)/r + (currents into the node)

    The node is ``symbol.node`` against ``symbol.ref``. In SPICE: ``names[0]`` (the capacitor,
    node to ref), ``names[1]`` (the resistor, node to ref, or to ``rest_node`` held at ``rest``
    by the source ``names[2]`` when ``rest`` is not 0). ``unit`` is the state's unit (``"V"``
    for a membrane, ``"1"`` for a dimensionless variable held as volts)."""

    symbol: State
    c: Node
    r: Node
    rest: Node = Num(0.0)
    unit: str = "V"
    doc: str = ""
    names: tuple[str, str, str] = ("C", "R", "V")
    rest_node: str = "rest"

    def __post_init__(self) -> None:
        for k in ("c", "r", "rest"):
            object.__setattr__(self, k, as_node(getattr(self, k)))
        if not self.symbol.node:
            raise ValidationError(f"RC state {self.symbol.name!r} needs the node it is held on (State(node=...)).")

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def node(self) -> str:
        return self.symbol.spice_node

    @property
    def ref(self) -> str:
        return self.symbol.ref or "0"

    def rate(self, inflow: Node | None = None) -> Node:
        """``d(symbol)/dt`` with ``inflow`` (A) the net current into the node."""
        x = self.symbol
        leak = -(x if self.rest == Num(0.0) else x - self.rest) / self.r
        return ((leak + inflow) if inflow is not None else leak) / self.c

    def time_constant(self, values: Mapping[str, float]) -> float:
        """``r c`` (s) at ``values``."""
        return node_value(self.r * self.c, values)

    def elements(self, values: Mapping[str, float]) -> list:
        """The primitives C and R (and the rest-level source) at ``values``."""
        from ..spice.ir import C, R, V

        c_name, r_name, v_name = self.names
        rest = node_value(self.rest, values)
        out: list = [C(c_name, self.node, self.ref, node_value(self.c, values))]
        if rest == 0:
            out.append(R(r_name, self.node, self.ref, node_value(self.r, values)))
        else:
            out += [R(r_name, self.node, self.rest_node, node_value(self.r, values)),
                    V(v_name, self.rest_node, self.ref, rest)]
        return out


@dataclass(frozen=True)
class SpikeRule:
    """When the neuron spikes and what a spike does: ``state`` crossing ``threshold`` upwards is
    a spike; ``state`` is then set to ``reset`` and held there for ``refractory`` seconds, and
    each state named in ``jumps`` is incremented by its amount (at the crossing)."""

    state: str
    threshold: Node
    reset: Node
    refractory: Node
    jumps: tuple[tuple[str, Node], ...] = ()

    def __post_init__(self) -> None:
        for k in ("threshold", "reset", "refractory"):
            object.__setattr__(self, k, as_node(getattr(self, k)))
        object.__setattr__(self, "jumps", tuple((str(n), as_node(a)) for n, a in self.jumps))

    def nodes(self) -> list[Node]:
        return [self.threshold, self.reset, self.refractory] + [a for _, a in self.jumps]


class NeuronRun(NamedTuple):
    """What :meth:`NeuronLaw.run` returns: the threshold crossings (s), the states at the end
    and the refractory time still left (s)."""

    spike_times: np.ndarray
    state: dict[str, float]
    refractory_left: float


@dataclass(frozen=True)
class NeuronLaw:
    """One neuron's physics (see the module docstring).

    ``input`` is the current (A) injected into the port ``input_node``; ``nodes`` the RC states
    (the one named by ``spike.state`` is the membrane); ``branches`` currents between nodes
    (a branch from ``pos`` to ``neg`` drains ``pos`` and feeds ``neg``).
    """

    name: str
    input: Input
    nodes: tuple[RCState, ...]
    spike: SpikeRule
    branches: tuple[Branch, ...] = ()
    ports: tuple[str, ...] = PORTS
    input_node: str = "in"
    equation: str = ""
    reference: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise ValidationError(f"neuron law {self.name!r}: state names repeat ({names}).")
        for n in [self.spike.state, *(j for j, _ in self.spike.jumps)]:
            if n not in names:
                raise ValidationError(f"neuron law {self.name!r}: the spike rule names state {n!r}, "
                                      f"which is not one of its RC states ({', '.join(names)}).")
        if self.membrane.node != self.input_node:
            raise ValidationError(f"neuron law {self.name!r}: the input enters {self.input_node!r}, "
                                  f"but the membrane state {self.membrane.name!r} sits on {self.membrane.node!r}.")

    # -- introspection ------------------------------------------------------------------------
    @property
    def membrane(self) -> RCState:
        return self.node(self.spike.state)

    def node(self, name: str) -> RCState:
        for n in self.nodes:
            if n.name == name:
                return n
        raise ValidationError(f"neuron law {self.name!r} has no state {name!r}.",
                              hint=f"States: {', '.join(self.state_names())}.")

    def state_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def inflow(self, node: RCState) -> Node | None:
        """The net current (A) into ``node``: the input (on the input node) and the branches."""
        terms: Node | None = self.input if node.node == self.input_node else None
        for b in self.branches:
            if b.pos == node.node:
                terms = -b.current if terms is None else terms - b.current
            if b.neg == node.node:
                terms = b.current if terms is None else terms + b.current
        return terms

    @cached_property
    def continuous(self) -> Law:
        """The continuous part as a :class:`~circuitsnn.physics.law.Law` (its branches, and one
        state per RC node whose rate includes every current into the node): what Python
        integrates between spikes."""
        states = tuple(StateVar(n.symbol, n.rate(self.inflow(n)), unit=n.unit, doc=n.doc) for n in self.nodes)
        return Law(self.name, self.ports, self.branches, states, equation=self.equation, reference=self.reference,
                   labels=dict(self.labels))

    def rate(self, name: str) -> Node:
        """``d(name)/dt`` as an expression (every current into its node included)."""
        return self.continuous.state(name).rate

    def params(self) -> set[str]:
        out = set(self.continuous.params())
        for n in self.nodes:
            out |= n.c.params() | n.r.params() | n.rest.params()
        for x in self.spike.nodes():
            out |= x.params()
        return out

    def inputs(self) -> set[str]:
        return self.continuous.inputs()

    def check_values(self, values: Mapping[str, Any]) -> None:
        missing = self.params() - set(values)
        if missing:
            raise ValidationError(f"neuron law {self.name!r} needs parameter(s) {sorted(missing)}.",
                                  hint=f"Given: {', '.join(sorted(values))}.")

    def describe(self) -> str:
        """The law as text (named parameters)."""
        s = self.spike
        lines = [f"d{n.name}/dt = {to_spice(self.rate(n.name))}" for n in self.nodes]
        lines += [f"I({b.pos} -> {b.neg}) = {to_spice(b.current)}" for b in self.branches]
        jumps = "".join(f"; {n} += {to_spice(a)}" for n, a in s.jumps)
        lines.append(f"{s.state} >= {to_spice(s.threshold)} -> spike: {s.state} = {to_spice(s.reset)} "
                     f"for {to_spice(s.refractory)}{jumps}")
        return "\n".join(lines)

    # -- SPICE -------------------------------------------------------------------------------
    def node_elements(self, name: str, values: Mapping[str, float]) -> list:
        """The primitives of the RC state ``name`` (see :meth:`RCState.elements`)."""
        return self.node(name).elements(values)

    def branch_elements(self, values: Mapping[str, float], *, prefix: str = "") -> list:
        """The branches as behavioural current sources, parameters inlined."""
        return Law(self.name, self.ports, self.branches).elements(values, prefix=prefix)

    # -- Python: the law's own integration ----------------------------------------------------
    def run(
        self,
        values: Mapping[str, float],
        current: Sequence[float] | np.ndarray,
        dt: float | Sequence[float] | np.ndarray,
        *,
        h: float | None = None,
        state: Mapping[str, float] | None = None,
    ) -> NeuronRun:
        """Integrate the law under a piece-wise constant input: ``current[k]`` (A) held for
        ``dt[k]`` seconds (one ``dt`` for every step, or one per step). From ``state`` (default:
        every RC state at its rest level), not refractory.

        Between spikes: classical RK4 in steps of at most ``h`` (default 1/400 of the shortest RC
        time constant: a relative error of about 1e-13 per time constant). A step that ends
        above threshold is bisected on the RK4 solution itself (to 1e-15 of the step), the
        spiking state is set to its reset level and held for the refractory period while the
        other states keep integrating, and the jumps are applied at the crossing. Plain Python
        floats (slow, exact): the reference, not a model to run networks with.
        """
        self.check_values(values)
        env = {k: float(v) for k, v in values.items()}
        cur = np.asarray(current, dtype=float).reshape(-1)
        steps = np.broadcast_to(np.asarray(dt, dtype=float), cur.shape) if np.ndim(dt) == 0 else np.asarray(dt, float)
        if steps.shape != cur.shape:
            raise ValidationError(f"neuron law run: {steps.size} step lengths for {cur.size} current values.")
        names = self.state_names()
        rates = compile_exprs(*[self.rate(n) for n in names])
        mem = names.index(self.spike.state)
        thr = node_value(self.spike.threshold, env)
        reset = node_value(self.spike.reset, env)
        t_ref = node_value(self.spike.refractory, env)
        jumps = [(names.index(n), node_value(a, env)) for n, a in self.spike.jumps]
        h = h or min(n.time_constant(env) for n in self.nodes) / 400.0
        x = [float((state or {}).get(n.name, node_value(n.rest, env))) for n in self.nodes]
        inp = self.input.name

        def f(xs: list[float], held: bool) -> list[float]:
            e = dict(env)
            e.update(zip(names, xs))
            r = list(rates(e, MATH))
            if held:
                r[mem] = 0.0
            return r

        def rk4(xs: list[float], s: float, held: bool) -> list[float]:
            k1 = f(xs, held)
            k2 = f([a + 0.5 * s * b for a, b in zip(xs, k1)], held)
            k3 = f([a + 0.5 * s * b for a, b in zip(xs, k2)], held)
            k4 = f([a + s * b for a, b in zip(xs, k3)], held)
            return [a + s / 6.0 * (b1 + 2 * b2 + 2 * b3 + b4) for a, b1, b2, b3, b4 in zip(xs, k1, k2, k3, k4)]

        spikes: list[float] = []
        t, ref_left = 0.0, 0.0
        for i_k, dt_k in zip(cur.tolist(), steps.tolist()):
            env[inp] = i_k
            t_end = t + dt_k
            while t_end - t > 1e-15 * max(t_end, 1e-30):
                if ref_left > 0:
                    s = min(h, ref_left, t_end - t)
                    x = rk4(x, s, True)
                    x[mem] = reset
                    ref_left -= s
                    t += s
                    if ref_left <= 1e-15 * max(t, 1e-30):
                        ref_left = 0.0
                    continue
                s = min(h, t_end - t)
                nxt = rk4(x, s, False)
                if nxt[mem] < thr:
                    x, t = nxt, t + s
                    continue
                lo, hi = 0.0, s
                while hi - lo > 1e-15 * s:
                    mid = 0.5 * (lo + hi)
                    if rk4(x, mid, False)[mem] >= thr:
                        hi = mid
                    else:
                        lo = mid
                x = rk4(x, hi, False) if hi > 0 else x
                t += hi
                spikes.append(t)
                x[mem] = reset
                for j, amount in jumps:
                    x[j] += amount
                ref_left = t_ref
        return NeuronRun(np.asarray(spikes), dict(zip(names, x)), ref_left)


def lif_values(p: Mapping[str, Any] | Any) -> dict[str, float]:
    """Effective LIF parameters (the surrogate's names) of ``p``: a mapping, a NamedTuple such as
    :class:`~circuitsnn.surrogates.lif.LIFParameters`, or a :class:`NeuronParams` (its
    :meth:`~NeuronParams.lif_equivalent`)."""
    if isinstance(p, Mapping):
        return dict(p)
    if hasattr(p, "_asdict"):
        return dict(p._asdict())
    if hasattr(p, "lif_equivalent"):
        eff = p.lif_equivalent()
        if not eff:
            raise ValidationError(f"{type(p).__name__} does not say which effective LIF it stands for.",
                                  hint="Implement lif_equivalent() or pass the effective parameters.")
        return dict(eff)
    raise ValidationError(f"cannot read effective LIF parameters from {type(p).__name__}.")


__all__ = ["PORTS", "C_NODE", "NeuronParams", "RCState", "SpikeRule", "NeuronLaw", "NeuronRun", "lif_values", "node_value"]

