"""Real diode primitives inside a law, and the diode's closed form in Python.

A device that contains a real junction (the gated Schottky synapse's metal/poly-Si contact, the
optocoupler's LED) uses ngspice's own ``D`` primitive instead of a behavioural expression: its
model card's parameters are expressions of the component's parameters (:class:`DiodeCard`), so
the same declaration gives the numbers of a hashed subcircuit and the ``{expressions}`` of the
readable, parameterized library form. :class:`Resistor`, :class:`Ammeter` and :class:`Vcvs`
wire primitives to the law's behavioural sources. A :class:`~circuitsnn.physics.law.Law` lists
them in ``primitives``; they render before its B-sources and their parameters are the law's.

The Python side is the diode's closed form with series resistance (Banwell & Jayakumar,
Electron. Lett. 36, 2000): a diode ``I = i_s (exp(V_d / n_vt) - 1)`` (ngspice's ``is``, ``n``)
in series with ``r_s`` at a total voltage ``v`` carries ::

    I = (n_vt / r_s) W((i_s r_s / n_vt) exp((v + i_s r_s) / n_vt)) - i_s

with ``W`` the principal Lambert W function. ngspice solves the implicit equation by Newton
iteration; tests keep the two equal. :func:`ngspice_saturation_current` is the primitive's own
temperature law (``xti``, ``eg``; ngspice's ``tlev = 0``). ngspice also puts its ``gmin``
(default 1e-12 S) across every junction, which the closed form omits: decks whose junction
currents come near ``gmin * V`` lower it (``.options gmin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .constants import K_OVER_Q
from .expr import Node, Operand, as_node, to_spice

# -- closed form --------------------------------------------------------------------------------------


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def lambertw_exp(y: Any, iterations: int = 30) -> Any:
    """``W(exp(y))``, the principal Lambert W of ``e^y``, without overflow for large ``y``; on
    torch tensors, numpy arrays or floats.

    Solves ``w + ln w = y`` by Newton's method. On torch the iteration runs without gradient
    tracking and one differentiable Newton step at the solution gives the exact implicit
    derivative ``dw/dy = w / (1 + w)``."""
    if _is_torch(y):
        import torch

        with torch.no_grad():
            w = torch.where(y > 1.0, y - torch.log(torch.clamp(y, min=1.0 + 1e-12)), torch.exp(torch.clamp(y, max=1.0)))
            for _ in range(iterations):
                w = torch.clamp(w * (1 + y - torch.log(w)) / (1 + w), min=torch.finfo(y.dtype).tiny)
        w = w.detach()
        return w - (w + torch.log(w) - y) * w / (1 + w)
    import numpy as np

    scalar = np.ndim(y) == 0
    ya = np.asarray(y, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        w = np.where(ya > 1.0, ya - np.log(np.maximum(ya, 1.0 + 1e-12)), np.exp(np.minimum(ya, 1.0)))
        tiny = np.finfo(float).tiny
        for _ in range(iterations):
            w = np.maximum(w * (1 + ya - np.log(w)) / (1 + w), tiny)
    return float(w) if scalar else w


def diode_series_current(v: Any, i_s: Any, n_vt: Any, r_s: Any) -> Any:
    """Current (A, anode -> cathode) of a diode ``I = i_s (exp(V_d / n_vt) - 1)`` in series
    with ``r_s`` (Ohm, > 0) at total voltage ``v`` (V), in closed form (module docstring).
    Torch tensors stay differentiable; numpy arrays and floats work too."""
    if _is_torch(v) or _is_torch(i_s) or _is_torch(n_vt) or _is_torch(r_s):
        import torch

        ref = next(x for x in (v, i_s, n_vt, r_s) if _is_torch(x))
        v = torch.as_tensor(v, dtype=ref.dtype)
        y = torch.log(torch.as_tensor(i_s * r_s / n_vt, dtype=v.dtype)) + (v + i_s * r_s) / n_vt
        return n_vt / r_s * lambertw_exp(y) - i_s
    import numpy as np

    y = np.log(i_s * r_s / n_vt) + (np.asarray(v, dtype=float) + i_s * r_s) / n_vt
    out = n_vt / r_s * lambertw_exp(y) - i_s
    return float(out) if np.ndim(out) == 0 and np.ndim(v) == 0 else out


def ngspice_saturation_current(i_s_nom: Any, temp_k: Any, *, n: float, xti: float, eg: float,
                               tnom_k: float) -> Any:
    """The ``D`` primitive's saturation current at ``temp_k`` (ngspice, ``tlev = 0``)::

        IS(T) = IS * exp((T / Tnom - 1) * EG / (N kT/q)) * (T / Tnom)^(XTI / N)

    With ``xti = 2 n`` and ``eg = n phi_b`` it is Richardson's ``A A** T^2 exp(-phi_b / kT)``
    when ``IS`` is that at ``Tnom``: the choice the Schottky junction makes."""
    import numpy as np

    t = np.asarray(temp_k, dtype=float)
    ratio = t / tnom_k
    return i_s_nom * np.exp((ratio - 1) * eg / (n * K_OVER_Q * t)) * ratio ** (xti / n)


# -- primitives inside a law ---------------------------------------------------------------------------


def _value(x: Operand, values: Mapping[str, float] | None):
    """A primitive's value: a number (parameters inlined) or a ``{expression}`` of names."""
    from ..spice.ir import Expr

    node = as_node(x)
    if values is not None or not node.params():
        return float(to_spice_number(node, values or {}))
    return Expr(to_spice(node))


def to_spice_number(node: Node, values: Mapping[str, float]) -> float:
    from .expr import MATH, evaluate

    return float(evaluate(node, dict(values), MATH))


@dataclass(frozen=True)
class DiodeCard:
    """``.model <name> D(...)``: each ngspice diode parameter an expression of the component's
    parameters (or a number)."""

    name: str
    params: Mapping[str, Operand] = field(default_factory=dict)

    def names(self) -> set[str]:
        out: set[str] = set()
        for v in self.params.values():
            out |= as_node(v).params()
        return out

    def model(self, values: Mapping[str, float] | None = None):
        from ..spice.ir import Model

        return Model(self.name, "D", {k: _value(v, values) for k, v in self.params.items()})

    def evaluate(self, values: Mapping[str, float]) -> dict[str, float]:
        """The card's numbers at ``values``."""
        return {k: to_spice_number(as_node(v), values) for k, v in self.params.items()}


@dataclass(frozen=True)
class Diode:
    """``D<name> anode cathode <card>``: a real junction."""

    name: str
    anode: str
    cathode: str
    card: DiodeCard
    doc: str = ""

    def params(self) -> set[str]:
        return self.card.names()

    def elements(self, values: Mapping[str, float] | None = None) -> list:
        from ..spice.ir import Comment, D

        head = [Comment(self.doc)] if self.doc else []
        return head + [D(f"D{self.name}", self.anode, self.cathode, self.card.name)]


@dataclass(frozen=True)
class Resistor:
    """``R<name> a b <value>``."""

    name: str
    a: str
    b: str
    value: Operand
    doc: str = ""

    def params(self) -> set[str]:
        return as_node(self.value).params()

    def elements(self, values: Mapping[str, float] | None = None) -> list:
        from ..spice.ir import Comment, R

        head = [Comment(self.doc)] if self.doc else []
        return head + [R(f"R{self.name}", self.a, self.b, _value(self.value, values))]


@dataclass(frozen=True)
class Ammeter:
    """``V<name> a b 0``: a 0 V source whose branch current ``i(V<name>)`` a law reads."""

    name: str
    a: str
    b: str
    doc: str = ""

    def params(self) -> set[str]:
        return set()

    def elements(self, values: Mapping[str, float] | None = None) -> list:
        from ..spice.ir import Comment, V

        head = [Comment(self.doc)] if self.doc else []
        return head + [V(f"V{self.name}", self.a, self.b, 0.0)]


@dataclass(frozen=True)
class Vcvs:
    """``E<name> p n cp cn <gain>``: a copy of a voltage (a replica's drive)."""

    name: str
    p: str
    n: str
    cp: str
    cn: str
    gain: float = 1.0
    doc: str = ""

    def params(self) -> set[str]:
        return set()

    def elements(self, values: Mapping[str, float] | None = None) -> list:
        from ..spice.ir import Comment, E

        head = [Comment(self.doc)] if self.doc else []
        return head + [E(f"E{self.name}", self.p, self.n, self.cp, self.cn, self.gain)]


Primitive = Diode | Resistor | Ammeter | Vcvs


def cards(primitives: tuple) -> list[DiodeCard]:
    """The distinct model cards of ``primitives``, in order."""
    out: list[DiodeCard] = []
    for p in primitives:
        card = getattr(p, "card", None)
        if card is not None and all(c.name != card.name for c in out):
            out.append(card)
    return out


__all__ = ["Ammeter", "Diode", "DiodeCard", "Primitive", "Resistor", "Vcvs", "cards", "diode_series_current",
           "lambertw_exp", "ngspice_saturation_current"]
