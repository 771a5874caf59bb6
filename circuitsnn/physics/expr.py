"""A small symbolic expression tree: each device law is written once and printed twice.

A law is built from :class:`Param` (a field of the component's parameter class), :class:`Input`
(a runtime quantity: a port voltage, a branch current, the temperature), :class:`State` (a state
variable held on a node) and numbers, combined with ``+ - * / **`` and the functions below::

    x = State("x")
    v = Input("v", spice="v(in,out)")
    r = P.r_on * x + P.r_off * (1 - x)
    current = v / r

The same tree is rendered

* to ngspice behavioural-source text by :func:`to_spice` (parameters inlined as numbers through
  the safe number formatter, or left as names for a parameterized ``.subckt``), and
* to a Python function by :func:`compile_expr`, run on a backend (:data:`TORCH` for
  differentiable tensors, :data:`NUMPY` for arrays and floats).

So the netlist and the surrogate cannot disagree about the physics. The functions follow
ngspice's B-source semantics: ``u(x)`` is the unit step (1 for ``x > 0``), ``uramp(x)`` the ramp
``max(x, 0)``, comparisons and ``&&``/``||`` give 1 or 0, ``a if c else b`` is ``c ? a : b``.
Why not sympy: its printers reorder and rewrite expressions, and the generated netlists are read
by designers; a tree this small keeps the text as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

from ..errors import ValidationError
from ..units import format_value

Operand = Union["Node", float, int]


def as_node(x: Operand) -> "Node":
    if isinstance(x, Node):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValidationError(f"cannot use {type(x).__name__} {x!r} in a law expression.",
                              hint="Combine Param, Input, State and numbers.")
    if not math.isfinite(float(x)):
        raise ValidationError(f"law expressions need finite numbers, got {x!r}.")
    return Num(x)


class Node:
    """Base of every expression node; immutable and hashable (laws are compiled once)."""

    __slots__ = ()

    # arithmetic ---------------------------------------------------------------------------
    def __add__(self, o: Operand) -> "Node":
        return Bin("+", self, as_node(o))

    def __radd__(self, o: Operand) -> "Node":
        return Bin("+", as_node(o), self)

    def __sub__(self, o: Operand) -> "Node":
        return Bin("-", self, as_node(o))

    def __rsub__(self, o: Operand) -> "Node":
        return Bin("-", as_node(o), self)

    def __mul__(self, o: Operand) -> "Node":
        return Bin("*", self, as_node(o))

    def __rmul__(self, o: Operand) -> "Node":
        return Bin("*", as_node(o), self)

    def __truediv__(self, o: Operand) -> "Node":
        return Bin("/", self, as_node(o))

    def __rtruediv__(self, o: Operand) -> "Node":
        return Bin("/", as_node(o), self)

    def __pow__(self, o: Operand) -> "Node":
        return Pow(self, as_node(o))

    def __rpow__(self, o: Operand) -> "Node":
        return Pow(as_node(o), self)

    def __neg__(self) -> "Node":
        return Neg(self)

    # comparisons are methods, not operators: == and < must stay usable for hashing/sorting
    def gt(self, o: Operand) -> "Node":
        return Cmp(">", self, as_node(o))

    def lt(self, o: Operand) -> "Node":
        return Cmp("<", self, as_node(o))

    def ge(self, o: Operand) -> "Node":
        return Cmp(">=", self, as_node(o))

    def le(self, o: Operand) -> "Node":
        return Cmp("<=", self, as_node(o))

    # introspection ------------------------------------------------------------------------
    def children(self) -> tuple["Node", ...]:
        return ()

    def walk(self):
        yield self
        for c in self.children():
            yield from c.walk()

    def params(self) -> set[str]:
        """Names of the parameters the expression uses."""
        return {n.name for n in self.walk() if isinstance(n, Param)}

    def inputs(self) -> set[str]:
        return {n.name for n in self.walk() if isinstance(n, Input)}

    def states(self) -> set[str]:
        return {n.name for n in self.walk() if isinstance(n, State)}

    def __str__(self) -> str:  # the readable (named) form
        return to_spice(self)


@dataclass(frozen=True, eq=True)
class Num(Node):
    value: float

    def __repr__(self) -> str:
        return f"Num({self.value!r})"


@dataclass(frozen=True, eq=True)
class Param(Node):
    """A parameter of the component: inlined as its value, or kept as a name."""

    name: str


@dataclass(frozen=True, eq=True)
class Input(Node):
    """A quantity the circuit provides at run time. ``spice`` is its ngspice text (``v(in,out)``,
    ``i(Vled)``, ``(temper+273.15)``); ``name`` its key in the Python environment."""

    name: str
    spice: str


@dataclass(frozen=True, eq=True)
class State(Node):
    """A state variable: ``v(<node>)`` times ``1/scale`` in SPICE, ``env[name]`` in Python.

    ``ref`` names the node the voltage is taken against (``v(<node>,<ref>)``; default: ground),
    for states held inside a subcircuit whose reference is a port (a neuron's ``vss``)."""

    name: str
    node: str = ""
    scale: float = 1.0
    ref: str = ""

    @property
    def spice_node(self) -> str:
        return self.node or self.name

    @property
    def spice_voltage(self) -> str:
        """``v(node)`` or ``v(node,ref)``."""
        return f"v({self.spice_node},{self.ref})" if self.ref else f"v({self.spice_node})"


@dataclass(frozen=True, eq=True)
class Bin(Node):
    op: str
    a: Node
    b: Node

    def children(self):
        return (self.a, self.b)


@dataclass(frozen=True, eq=True)
class Neg(Node):
    a: Node

    def children(self):
        return (self.a,)


@dataclass(frozen=True, eq=True)
class Pow(Node):
    base: Node
    exp: Node

    def children(self):
        return (self.base, self.exp)


@dataclass(frozen=True, eq=True)
class Cmp(Node):
    op: str
    a: Node
    b: Node

    def children(self):
        return (self.a, self.b)


@dataclass(frozen=True, eq=True)
class Logic(Node):
    op: str  # "&&" or "||"
    a: Node
    b: Node

    def children(self):
        return (self.a, self.b)


@dataclass(frozen=True, eq=True)
class Call(Node):
    fn: str
    args: tuple[Node, ...]

    def children(self):
        return self.args


@dataclass(frozen=True, eq=True)
class Where(Node):
    cond: Node
    a: Node
    b: Node

    def children(self):
        return (self.cond, self.a, self.b)


class _ParamNamespace:
    """``P.r_on`` is ``Param("r_on")``: laws read like the equations in the papers."""

    def __getattr__(self, name: str) -> Param:
        if name.startswith("__"):
            raise AttributeError(name)
        return Param(name)


P = _ParamNamespace()


# -- functions (ngspice names) ----------------------------------------------------------------------

_FUNCS = {"exp": 1, "log": 1, "sqrt": 1, "abs": 1, "u": 1, "uramp": 1, "min": 2, "max": 2, "pow": 2}


def _call(fn: str, *args: Operand) -> Node:
    return Call(fn, tuple(as_node(a) for a in args))


def exp(x: Operand) -> Node:
    return _call("exp", x)


def log(x: Operand) -> Node:
    """Natural logarithm (ngspice ``ln``; printed as ``ln``)."""
    return _call("log", x)


def sqrt(x: Operand) -> Node:
    return _call("sqrt", x)


def fabs(x: Operand) -> Node:
    return _call("abs", x)


def step(x: Operand) -> Node:
    """ngspice ``u(x)``: 1 for x > 0, else 0."""
    return _call("u", x)


def ramp(x: Operand) -> Node:
    """ngspice ``uramp(x)``: x for x > 0, else 0."""
    return _call("uramp", x)


def minimum(a: Operand, b: Operand) -> Node:
    return _call("min", a, b)


def maximum(a: Operand, b: Operand) -> Node:
    return _call("max", a, b)


def where(cond: Node, a: Operand, b: Operand) -> Node:
    """``cond ? a : b``."""
    return Where(as_node(cond), as_node(a), as_node(b))


def land(a: Node, b: Node) -> Node:
    return Logic("&&", a, b)


def lor(a: Node, b: Node) -> Node:
    return Logic("||", a, b)


def substitute(node: Operand, mapping: Mapping[str, Operand]) -> Node:
    """``node`` with every input, state or parameter named in ``mapping`` replaced by the given
    expression (a state held fixed becomes a parameter, a read voltage a number, ...)."""
    repl = {k: as_node(v) for k, v in mapping.items()}

    def go(n: Node) -> Node:
        if isinstance(n, (Input, State, Param)) and n.name in repl:
            return repl[n.name]
        if isinstance(n, Bin):
            return Bin(n.op, go(n.a), go(n.b))
        if isinstance(n, Neg):
            return Neg(go(n.a))
        if isinstance(n, Pow):
            return Pow(go(n.base), go(n.exp))
        if isinstance(n, Cmp):
            return Cmp(n.op, go(n.a), go(n.b))
        if isinstance(n, Logic):
            return Logic(n.op, go(n.a), go(n.b))
        if isinstance(n, Call):
            return Call(n.fn, tuple(go(a) for a in n.args))
        if isinstance(n, Where):
            return Where(go(n.cond), go(n.a), go(n.b))
        return n

    return go(as_node(node))


# -- scaled nodes in SPICE -------------------------------------------------------------------------


def distribute_scale(node: Operand, scale: float) -> Node:
    """``scale * node`` for SPICE text, with the factor pushed inside so that it cancels against
    the states held on their nodes at that same scale (``State(..., scale=scale)`` prints as
    ``v(node)*(1/scale)``).

    A law whose node voltages hold ``G * 1e3`` renders ``1e3 * (G_ss - G) / tau`` as
    ``(v(gss)-v(g))/tau`` instead of ``((v(gss)*1m-v(g)*1m)/tau)*1k``, and a constant factor
    absorbs the scale (``1e3 * k * I^g`` as ``<1e3 k>*I^g``): the text a designer would write, and
    the same floating-point operations. The result equals ``scale * node`` for ``scale > 0``
    (``uramp``, ``min``, ``max``, ``abs`` commute with a positive factor); it is for
    :func:`to_spice` only: its states stand for the raw node voltages, so do not evaluate it in
    Python."""
    if not scale > 0:
        raise ValidationError(f"distribute_scale needs a positive scale, got {scale!r}.")
    node = as_node(node)
    k = Num(scale)

    def has_scaled(n: Node) -> bool:
        return any(isinstance(m, State) and m.scale == scale for m in n.walk())

    def is_const(n: Node) -> bool:
        return not any(isinstance(m, (Input, State)) for m in n.walk())

    def go(n: Node) -> Node:
        if isinstance(n, State) and n.scale == scale:
            return State(n.name, n.spice_node, 1.0, n.ref)
        if is_const(n):
            return Bin("*", k, n)
        scaled = has_scaled(n)
        if isinstance(n, Bin) and n.op in "+-":
            return Bin(n.op, go(n.a), go(n.b))
        if isinstance(n, Bin) and n.op == "*":
            # into the factor holding scaled states (they cancel), else into a constant one
            if has_scaled(n.a) or (not scaled and is_const(n.a)):
                return Bin("*", go(n.a), n.b)
            if has_scaled(n.b) or is_const(n.b):
                return Bin("*", n.a, go(n.b))
        if isinstance(n, Bin) and n.op == "/":
            return Bin("/", go(n.a), n.b)
        if isinstance(n, Neg):
            return Neg(go(n.a))
        if scaled and isinstance(n, Call) and n.fn in ("uramp", "min", "max", "abs"):
            return Call(n.fn, tuple(go(a) for a in n.args))
        if scaled and isinstance(n, Where):
            return Where(n.cond, go(n.a), go(n.b))
        return Bin("*", n, k)

    return go(node)


# -- evaluation of constant sub-trees --------------------------------------------------------------


def _fold(node: Node, values: Mapping[str, float] | None) -> float | None:
    """The value of ``node`` if it depends only on numbers and (given) parameters, else None."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Param):
        if values is None:
            return None
        if node.name not in values:
            raise ValidationError(f"law parameter {node.name!r} has no value.",
                                  hint=f"Given: {', '.join(sorted(values))}.")
        return float(values[node.name])
    if isinstance(node, (Input, State)):
        return None
    kids = [_fold(c, values) for c in node.children()]
    if any(k is None for k in kids):
        return None
    return float(NUMPY_SCALAR.eval(node, kids))


# -- SPICE printer --------------------------------------------------------------------------------

_PREC = {"||": 1, "&&": 2, "cmp": 3, "+": 4, "-": 4, "*": 5, "/": 5, "neg": 6, "atom": 9}


def to_spice(node: Operand, values: Mapping[str, float] | None = None) -> str:
    """ngspice B-source text of ``node``. With ``values`` every parameter is inlined as a number
    (and constant sub-expressions are folded); without, parameters stay names for a ``.subckt``
    with ``params:``. Numbers go through :func:`~circuitsnn.units.format_value`."""
    return _spice(as_node(node), values)[0]


def _num_text(x: float) -> tuple[str, int]:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1000:
        x = int(x)
    text = format_value(x)
    return (f"({text})", _PREC["atom"]) if text.startswith("-") else (text, _PREC["atom"])


def _wrap(part: tuple[str, int], prec: int, strict: bool = False) -> str:
    text, p = part
    return f"({text})" if (p < prec or (strict and p == prec)) else text


def _spice(node: Node, values: Mapping[str, float] | None) -> tuple[str, int]:
    folded = _fold(node, values)
    if folded is not None and not isinstance(node, Num) and values is not None:
        return _num_text(folded)
    if isinstance(node, Num):
        return _num_text(node.value)
    if isinstance(node, Param):
        return node.name, _PREC["atom"]
    if isinstance(node, Input):
        return node.spice, _PREC["atom"]
    if isinstance(node, State):
        v = node.spice_voltage
        if node.scale != 1.0:
            return f"{v}*{_num_text(1.0 / node.scale)[0]}", _PREC["*"]
        return v, _PREC["atom"]
    if isinstance(node, Neg):
        return "-" + _wrap(_spice(node.a, values), _PREC["neg"]), _PREC["neg"]
    if isinstance(node, Bin):
        p = _PREC[node.op]
        left = _wrap(_spice(node.a, values), p)
        right = _wrap(_spice(node.b, values), p, strict=node.op in "-/")
        return f"{left}{node.op}{right}", p
    if isinstance(node, Pow):
        n = _fold(node.exp, values)
        inner = node.base
        if n is not None and float(n).is_integer() and n % 2 == 0 and isinstance(inner, Call) and inner.fn == "abs":
            inner = inner.args[0]  # an even power needs no abs() when written as products
        base = _spice(inner, values)
        if n is not None and float(n).is_integer() and 1 <= n <= 4:
            b = _wrap(base, _PREC["atom"])
            return "*".join([b] * int(n)), _PREC["*"] if n > 1 else base[1]
        if n is not None and float(n).is_integer() and n % 2 == 0:
            # pow() of a negative base is undefined in ngspice; an even power is |base|^n
            return f"pow(abs({base[0]}),{_num_text(n)[0]})", _PREC["atom"]
        return f"pow({base[0]},{_spice(node.exp, values)[0]})", _PREC["atom"]
    if isinstance(node, Cmp):
        p = _PREC["cmp"]
        return f"{_wrap(_spice(node.a, values), p + 1)} {node.op} {_wrap(_spice(node.b, values), p + 1)}", p
    if isinstance(node, Logic):
        p = _PREC[node.op]
        return f"{_wrap(_spice(node.a, values), p)} {node.op} {_wrap(_spice(node.b, values), p)}", p
    if isinstance(node, Call):
        name = "ln" if node.fn == "log" else node.fn
        return f"{name}({','.join(_spice(a, values)[0] for a in node.args)})", _PREC["atom"]
    if isinstance(node, Where):
        c = _spice(node.cond, values)[0]
        a = _spice(node.a, values)[0]
        b = _spice(node.b, values)[0]
        return f"(({c}) ? {a} : {b})", _PREC["atom"]
    raise TypeError(f"unknown expression node {node!r}")


# -- Python backends --------------------------------------------------------------------------------


class Backend:
    """The array library an expression is evaluated with. ``eval`` applies one node to already
    evaluated children (used for constant folding); compiled functions call the methods."""

    name = "abstract"

    def eval(self, node: Node, kids: list) -> Any:
        if isinstance(node, Bin):
            a, b = kids
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[node.op]()
        if isinstance(node, Neg):
            return -kids[0]
        if isinstance(node, Pow):
            return self.pow(*kids)
        if isinstance(node, Cmp):
            return self.cmp(node.op, *kids)
        if isinstance(node, Logic):
            return self.logic(node.op, *kids)
        if isinstance(node, Call):
            return getattr(self, "f_" + node.fn)(*kids)
        if isinstance(node, Where):
            return self.where(*kids)
        raise TypeError(node)


class _Numpy(Backend):
    name = "numpy"

    def __init__(self) -> None:
        import numpy as np

        self.np = np

    def pow(self, a, b):
        return self.np.power(a, b) if not isinstance(a, float) or not isinstance(b, float) else a**b

    def cmp(self, op, a, b):
        np = self.np
        r = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}[op](a, b)
        return r.astype(float) if isinstance(r, np.ndarray) else float(r)

    def logic(self, op, a, b):
        np = self.np
        r = np.logical_and(a != 0, b != 0) if op == "&&" else np.logical_or(a != 0, b != 0)
        return r.astype(float) if isinstance(r, np.ndarray) else float(r)

    def f_exp(self, x):
        return self.np.exp(x)

    def f_log(self, x):
        return self.np.log(x)

    def f_sqrt(self, x):
        return self.np.sqrt(x)

    def f_abs(self, x):
        return self.np.abs(x)

    def f_u(self, x):
        return self.cmp(">", x, 0.0)

    def f_uramp(self, x):
        return self.np.maximum(x, 0.0)

    def f_min(self, a, b):
        return self.np.minimum(a, b)

    def f_max(self, a, b):
        return self.np.maximum(a, b)

    def f_pow(self, a, b):
        return self.pow(a, b)

    def where(self, c, a, b):
        r = self.np.where(self.np.asarray(c) != 0, a, b)
        return float(r) if r.ndim == 0 else r


class _Math(Backend):
    """Plain Python floats through :mod:`math`: the fastest way to integrate one device state
    step by step (fitting loops), about 20x faster than numpy scalars."""

    name = "math"

    def pow(self, a, b):
        return a**b

    def cmp(self, op, a, b):
        return float({">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op])

    def logic(self, op, a, b):
        return float((a != 0 and b != 0) if op == "&&" else (a != 0 or b != 0))

    def f_exp(self, x):
        return math.exp(x)

    def f_log(self, x):
        return math.log(x)

    def f_sqrt(self, x):
        return math.sqrt(x)

    def f_abs(self, x):
        return abs(x)

    def f_u(self, x):
        return 1.0 if x > 0 else 0.0

    def f_uramp(self, x):
        return x if x > 0 else 0.0

    def f_min(self, a, b):
        return a if a < b else b

    def f_max(self, a, b):
        return a if a > b else b

    def f_pow(self, a, b):
        return a**b

    def where(self, c, a, b):
        return a if c != 0 else b


class _Torch(Backend):
    """Differentiable: ``u``, comparisons and logic have zero gradient (as their true
    derivative), ``uramp`` is relu, ``min``/``max``/``where`` route gradients to the chosen side."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.t = torch

    def _T(self, *xs):
        """Tensors for the operands, in the dtype/device of the first tensor among them."""
        torch = self.t
        ref = next((x for x in xs if isinstance(x, torch.Tensor)), None)
        if ref is None:
            return tuple(torch.as_tensor(x, dtype=torch.float64) for x in xs)
        return tuple(x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=ref.dtype, device=ref.device) for x in xs)

    def pow(self, a, b):
        if not isinstance(a, self.t.Tensor) and not isinstance(b, self.t.Tensor):
            return a**b
        if not isinstance(b, self.t.Tensor) and float(b).is_integer():
            return a ** int(b)
        a, b = self._T(a, b)
        return self.t.pow(a, b)

    def cmp(self, op, a, b):
        a, b = self._T(a, b)
        r = {">": self.t.gt, "<": self.t.lt, ">=": self.t.ge, "<=": self.t.le}[op](a, b)
        return r.to(a.dtype)

    def logic(self, op, a, b):
        a, b = self._T(a, b)
        r = self.t.logical_and(a != 0, b != 0) if op == "&&" else self.t.logical_or(a != 0, b != 0)
        return r.to(a.dtype)

    def f_exp(self, x):
        return self.t.exp(*self._T(x))

    def f_log(self, x):
        return self.t.log(*self._T(x))

    def f_sqrt(self, x):
        return self.t.sqrt(*self._T(x))

    def f_abs(self, x):
        return self.t.abs(*self._T(x))

    def f_u(self, x):
        return self.cmp(">", x, 0.0)

    def f_uramp(self, x):
        return self.t.relu(*self._T(x))

    def f_min(self, a, b):
        return self.t.minimum(*self._T(a, b))

    def f_max(self, a, b):
        return self.t.maximum(*self._T(a, b))

    def f_pow(self, a, b):
        return self.pow(a, b)

    def where(self, c, a, b):
        c, a, b = self._T(c, a, b)
        return self.t.where(c != 0, a, b)


class _Lazy:
    def __init__(self, factory: Callable[[], Backend]) -> None:
        self._factory = factory
        self._obj: Backend | None = None

    def __getattr__(self, name: str):
        if self._obj is None:
            self._obj = self._factory()
        return getattr(self._obj, name)


#: numpy arrays and plain floats (fitting, characterization)
NUMPY = _Lazy(_Numpy)
#: plain Python floats (step-by-step integration in fitting loops, constant folding)
MATH = _Math()
NUMPY_SCALAR = MATH
#: torch tensors, differentiable (surrogates and learners); imported only when first used
TORCH = _Lazy(_Torch)


def _py(node: Node, consts: list) -> str:
    """Python source of ``node`` reading ``env`` (inputs, states, parameters) and calling ``be``."""
    if isinstance(node, Num):
        consts.append(float(node.value))
        return f"c[{len(consts) - 1}]"
    if isinstance(node, Param):
        return f"env[{node.name!r}]"
    if isinstance(node, Input):
        return f"env[{node.name!r}]"
    if isinstance(node, State):
        return f"env[{node.name!r}]"
    if isinstance(node, Neg):
        return f"(-{_py(node.a, consts)})"
    if isinstance(node, Bin):
        return f"({_py(node.a, consts)} {node.op} {_py(node.b, consts)})"
    if isinstance(node, Pow):
        return f"be.pow({_py(node.base, consts)}, {_py(node.exp, consts)})"
    if isinstance(node, Cmp):
        return f"be.cmp({node.op!r}, {_py(node.a, consts)}, {_py(node.b, consts)})"
    if isinstance(node, Logic):
        return f"be.logic({node.op!r}, {_py(node.a, consts)}, {_py(node.b, consts)})"
    if isinstance(node, Call):
        return f"be.f_{node.fn}({', '.join(_py(a, consts) for a in node.args)})"
    if isinstance(node, Where):
        return f"be.where({_py(node.cond, consts)}, {_py(node.a, consts)}, {_py(node.b, consts)})"
    raise TypeError(f"unknown expression node {node!r}")


_COMPILED: dict[tuple[Node, ...], Callable] = {}


def compile_exprs(*nodes: Operand) -> Callable[[Mapping[str, Any], Backend], tuple]:
    """One Python function evaluating ``nodes`` together: ``f(env, backend) -> tuple``.

    ``env`` maps every parameter, input and state name the expressions use to a value (float,
    numpy array or tensor). Compiled once per distinct set of expressions and cached."""
    key = tuple(as_node(n) for n in nodes)
    fn = _COMPILED.get(key)
    if fn is None:
        consts: list[float] = []
        body = ", ".join(_py(n, consts) for n in key)
        src = f"def _law(env, be, c):\n    return ({body},)\n"
        scope: dict[str, Any] = {}
        exec(compile(src, "<circuitsnn law>", "exec"), scope)  # our own generated source only
        inner = scope["_law"]
        frozen = tuple(consts)

        def fn(env, backend=NUMPY, _inner=inner, _c=frozen):  # type: ignore[no-redef]
            return _inner(env, backend, _c)

        fn.source = src  # type: ignore[attr-defined]
        _COMPILED[key] = fn
    return fn


def evaluate(node: Operand, env: Mapping[str, Any], backend: Backend = NUMPY) -> Any:
    """The value of one expression on ``backend`` (see :func:`compile_exprs`)."""
    return compile_exprs(node)(env, backend)[0]
