"""A small netlist representation: elements, sources, models, subcircuits, analyses, decks.

Everything is a frozen dataclass validated on construction (names, nodes, numbers), and
:func:`circuitsnn.spice.render.render` turns a :class:`Deck` into ngspice text
deterministically: the same objects always give the same bytes.

One generic :class:`Element` covers every SPICE instance line, because ngspice's lines share one
shape: ``NAME NODES... [MODEL] [VALUE] [key=value ...]``. Convenience constructors
(:func:`R`, :func:`C`, :func:`V`, :func:`D`, :func:`M`, :func:`X`, :func:`B`, ...) build them.
Values are base SI numbers; :class:`Expr` is a validated expression for behavioural sources and
parameter arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, Union

from ..errors import ValidationError
from ..units import check_number
from .safety import (
    check_comment,
    check_expression,
    check_identifier,
    check_node,
    check_signal,
    check_text,
)


@dataclass(frozen=True)
class Expr:
    """A behavioural expression, e.g. ``Expr("v(p,n)*1e-3")``. Validated: one line, arithmetic
    only. Use :meth:`fmt` to splice numbers in safely."""

    text: str

    def __post_init__(self) -> None:
        check_expression(self.text)

    @classmethod
    def fmt(cls, template: str, **numbers: float) -> "Expr":
        """``Expr.fmt("v(a)*{g}", g=1e-3)`` -> ``v(a)*1m``: numbers are formatted, never pasted."""
        from ..units import format_value

        return cls(template.format(**{k: format_value(v, k) for k, v in numbers.items()}))


Value = Union[float, int, Expr]


def _check_value(value: object, what: str) -> Value:
    if isinstance(value, Expr):
        return value
    check_number(value, what)
    return value  # type: ignore[return-value]


def _check_params(params: Mapping[str, object], what: str) -> dict[str, Value]:
    out = {}
    for key, value in dict(params).items():
        check_identifier(key, f"{what} parameter name")
        out[key] = _check_value(value, f"{what} parameter {key}")
    return out


# -- independent-source waveforms -----------------------------------------------------------


@dataclass(frozen=True)
class Dc:
    """A constant source value (V or A)."""

    value: float

    def __post_init__(self) -> None:
        check_number(self.value, "DC value")


@dataclass(frozen=True)
class Pulse:
    """``PULSE(v1 v2 delay rise fall width period)``; times in s, levels in V or A."""

    v1: float
    v2: float
    delay: float = 0.0
    rise: float = 1e-9
    fall: float = 1e-9
    width: float = 1e-3
    period: float = 2e-3

    def __post_init__(self) -> None:
        for name in ("v1", "v2", "delay", "rise", "fall", "width", "period"):
            check_number(getattr(self, name), f"PULSE {name}")
        for name in ("delay", "rise", "fall", "width", "period"):
            if getattr(self, name) < 0:
                raise ValidationError(f"PULSE {name} (s) must be >= 0, got {getattr(self, name)!r}.")


@dataclass(frozen=True)
class Pwl:
    """Piece-wise linear waveform: ``points`` are (time s, value) pairs with rising times."""

    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        pts = tuple((float(check_number(t, "PWL time")), float(check_number(v, "PWL value"))) for t, v in self.points)
        if not pts:
            raise ValidationError("PWL needs at least one (time, value) point.")
        times = [t for t, _ in pts]
        if any(b < a for a, b in zip(times, times[1:])):
            raise ValidationError(
                "PWL times must not decrease.", hint="Sort the points by time."
            )
        object.__setattr__(self, "points", pts)


@dataclass(frozen=True)
class Sin:
    """``SIN(offset amplitude freq delay damping)``; freq in Hz."""

    offset: float
    amplitude: float
    freq: float
    delay: float = 0.0
    damping: float = 0.0

    def __post_init__(self) -> None:
        for name in ("offset", "amplitude", "freq", "delay", "damping"):
            check_number(getattr(self, name), f"SIN {name}")


Waveform = Union[Dc, Pulse, Pwl, Sin]


@dataclass(frozen=True)
class Behavioral:
    """A B-source body: ``I=expr`` or ``V=expr``."""

    quantity: str  # "I" or "V"
    expr: Expr

    def __post_init__(self) -> None:
        if self.quantity not in ("I", "V"):
            raise ValidationError(f"Behavioral quantity must be 'I' or 'V', got {self.quantity!r}.")
        if not isinstance(self.expr, Expr):
            object.__setattr__(self, "expr", Expr(self.expr))


# -- elements, models, subcircuits --------------------------------------------------------------

_ELEMENT_LETTERS = set("RCLVIDMQJXBEGFHSWKT")


@dataclass(frozen=True)
class Element:
    """One instance line: ``name nodes... [model] [value] [key=value ...]``.

    The first letter of ``name`` is the SPICE element type (R, C, L, V, I, D, M, Q, J, X, B, E,
    G, F, H, S, W, K, T).
    """

    name: str
    nodes: tuple[str, ...]
    value: Value | Waveform | Behavioral | None = None
    model: str | None = None
    params: Mapping[str, Value] = field(default_factory=dict)
    comment: str = ""
    ac: float | None = None  # small-signal magnitude of an independent source (V or A), for .ac/.noise
    ac_phase: float = 0.0  # degrees

    def __post_init__(self) -> None:
        check_identifier(self.name, "element name")
        if self.name[0].upper() not in _ELEMENT_LETTERS:
            raise ValidationError(
                f"element name {self.name!r} does not start with a SPICE element letter.",
                hint="Start it with R, C, L, V, I, D, M, Q, J, X, B, E, G, F, H, S, W, K or T.",
            )
        nodes = tuple(check_node(n, f"node of {self.name}") for n in self.nodes)
        object.__setattr__(self, "nodes", nodes)
        if self.model is not None:
            check_identifier(self.model, f"model/subcircuit of {self.name}")
        if self.value is not None and not isinstance(self.value, (Dc, Pulse, Pwl, Sin, Behavioral)):
            _check_value(self.value, f"value of {self.name}")
        object.__setattr__(self, "params", _check_params(self.params, self.name))
        check_comment(self.comment, f"comment of {self.name}")
        if self.ac is not None or self.ac_phase:
            if self.name[0].upper() not in "VI":
                raise ValidationError(
                    f"{self.name}: only independent sources (V, I) take an AC magnitude.",
                    hint="Drive the circuit's input with V(..., ac=1) or I(..., ac=1).",
                )
            check_number(1.0 if self.ac is None else self.ac, f"AC magnitude of {self.name}")
            check_number(self.ac_phase, f"AC phase of {self.name} (degrees)")

    @property
    def letter(self) -> str:
        return self.name[0].upper()


@dataclass(frozen=True)
class Comment:
    """A comment line (or lines) inside an element list, for readers of the netlist."""

    text: str

    def __post_init__(self) -> None:
        check_comment(self.text)


_MODEL_KINDS = {"R", "C", "L", "D", "NPN", "PNP", "NJF", "PJF", "NMOS", "PMOS", "SW", "CSW"}


@dataclass(frozen=True)
class Model:
    """``.model name kind(key=value ...)``."""

    name: str
    kind: str
    params: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_identifier(self.name, "model name")
        if self.kind.upper() not in _MODEL_KINDS:
            raise ValidationError(
                f"model {self.name!r}: kind {self.kind!r} is not supported.",
                hint=f"Use one of {', '.join(sorted(_MODEL_KINDS))}.",
            )
        object.__setattr__(self, "params", _check_params(self.params, f"model {self.name}"))


Line = Union[Element, Comment]


@dataclass(frozen=True)
class Subckt:
    """``.subckt name ports... params: defaults`` ... ``.ends``. ``doc`` becomes a comment block
    above it (pinout, equation, source)."""

    name: str
    ports: tuple[str, ...]
    elements: tuple[Line, ...]
    params: Mapping[str, Value] = field(default_factory=dict)
    models: tuple[Model, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        check_identifier(self.name, "subcircuit name")
        object.__setattr__(self, "ports", tuple(check_node(p, f"port of {self.name}") for p in self.ports))
        object.__setattr__(self, "elements", tuple(self.elements))
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "params", _check_params(self.params, f"subcircuit {self.name}"))
        check_comment(self.doc, f"doc of {self.name}")
        names = [e.name.lower() for e in self.elements if isinstance(e, Element)]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValidationError(f"subcircuit {self.name!r} has duplicate element names {sorted(dup)}.")


# -- analyses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tran:
    """``.tran step stop [start [max_step]] [uic]`` (s)."""

    step: float
    stop: float
    start: float = 0.0
    max_step: float | None = None
    uic: bool = False

    def __post_init__(self) -> None:
        for name in ("step", "stop", "start"):
            check_number(getattr(self, name), f".tran {name}")
        if self.max_step is not None:
            check_number(self.max_step, ".tran max_step")
            if self.max_step <= 0:
                raise ValidationError(".tran max_step (s) must be > 0.")
        if not 0 < self.step:
            raise ValidationError(f".tran step (s) must be > 0, got {self.step!r}.")
        if not 0 <= self.start < self.stop:
            raise ValidationError(
                f".tran stop (s) must be > start >= 0, got start={self.start!r}, stop={self.stop!r}.",
                hint="e.g. Tran(step=1e-6, stop=1e-3).",
            )

    kind = "tran"


@dataclass(frozen=True)
class DcSweep:
    """``.dc source start stop step [source2 start2 stop2 step2]``."""

    source: str
    start: float
    stop: float
    step: float
    source2: str | None = None
    start2: float = 0.0
    stop2: float = 0.0
    step2: float = 0.0

    def __post_init__(self) -> None:
        check_identifier(self.source, ".dc source")
        for name in ("start", "stop", "step", "start2", "stop2", "step2"):
            check_number(getattr(self, name), f".dc {name}")
        if self.step == 0:
            raise ValidationError(".dc step must be non-zero.")
        if self.source2 is not None:
            check_identifier(self.source2, ".dc second source")
            if self.step2 == 0:
                raise ValidationError(".dc step2 must be non-zero.")

    kind = "dc"


@dataclass(frozen=True)
class Op:
    """``.op`` — the DC operating point."""

    kind = "op"


_VARIATIONS = ("dec", "oct", "lin")


def _check_sweep(what: str, variation: str, points: int, fstart: float, fstop: float) -> None:
    if variation not in _VARIATIONS:
        raise ValidationError(f"{what} variation must be 'dec', 'oct' or 'lin', got {variation!r}.")
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValidationError(
            f"{what} points must be a whole number >= 1 (per decade/octave, or in all for 'lin'), got {points!r}."
        )
    check_number(fstart, f"{what} fstart (Hz)")
    check_number(fstop, f"{what} fstop (Hz)")
    if not 0 < fstart <= fstop:
        raise ValidationError(
            f"{what} needs 0 < fstart <= fstop (Hz), got fstart={fstart!r}, fstop={fstop!r}.",
            hint="e.g. Ac(fstart=1, fstop=1e6, points=20).",
        )


def _output_signal(output: str, what: str) -> str:
    """``'out'`` -> ``'v(out)'``; ``'v(a,b)'`` kept. Only voltages."""
    if isinstance(output, str) and not output.lower().startswith(("v(", "i(")):
        output = f"v({check_node(output, what)})"
    sig = check_signal(output, what)
    if not sig.lower().startswith("v("):
        raise ValidationError(f"{what} {output!r} must be a node voltage, v(node) or v(node,ref).")
    return sig


@dataclass(frozen=True)
class Ac:
    """``.ac dec|oct|lin points fstart fstop``: small-signal frequency response (Hz).

    The circuit needs an AC source: ``V("vin", "in", "0", 0.5, ac=1)``. Results are complex
    (``res.ac["out"]``), on ``res.ac.frequency``; ``circuitsnn.plots.plot_bode`` draws them.
    """

    fstart: float
    fstop: float
    points: int = 20
    variation: str = "dec"

    def __post_init__(self) -> None:
        _check_sweep(".ac", self.variation, self.points, self.fstart, self.fstop)

    kind = "ac"


@dataclass(frozen=True)
class Noise:
    """``.noise v(output[,ref]) source dec|oct|lin points fstart fstop [summary]``.

    ``output`` is a node (``"out"``) or ``"v(out,ref)"``; ``source`` the independent source the
    input noise is referred to. Results: ``res.noise`` holds ``onoise_spectrum`` (V/√Hz at the
    output) and ``inoise_spectrum`` (referred to the input) against frequency, and the plot
    ``noise_total`` the integrated ``onoise_total``/``inoise_total``. ``summary=N`` also prints
    each device's contribution every N points.
    """

    output: str
    source: str
    fstart: float
    fstop: float
    points: int = 10
    variation: str = "dec"
    summary: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "output", _output_signal(self.output, ".noise output"))
        check_identifier(self.source, ".noise input source")
        if self.source[0].upper() not in "VI":
            raise ValidationError(f".noise input source {self.source!r} must be a V or I source.")
        _check_sweep(".noise", self.variation, self.points, self.fstart, self.fstop)
        if self.summary is not None and (isinstance(self.summary, bool) or not isinstance(self.summary, int) or self.summary < 1):
            raise ValidationError(f".noise summary must be a whole number >= 1, got {self.summary!r}.")

    kind = "noise"


@dataclass(frozen=True)
class Tf:
    """``.tf output source``: DC small-signal gain, input and output resistance.

    ``output`` is a node, ``v(a,b)`` or ``i(vsource)``. Results (``res.plot("tf")``):
    ``transfer_function``, ``<source>#input_impedance``, ``output_impedance_at_<output>``.
    """

    output: str
    source: str

    def __post_init__(self) -> None:
        out = self.output
        if isinstance(out, str) and not out.lower().startswith(("v(", "i(")):
            out = f"v({check_node(out, '.tf output')})"
        object.__setattr__(self, "output", check_signal(out, ".tf output"))
        check_identifier(self.source, ".tf input source")

    kind = "tf"


@dataclass(frozen=True)
class Pz:
    """``.pz in+ in- out+ out- vol|cur pz|pol|zer``: poles and zeros (complex, rad/s) of the
    transfer function from the input port to the output port. ``transfer="vol"``: V(out)/V(in);
    ``"cur"``: V(out)/I(in). Results: ``res.poles``, ``res.zeros``."""

    in_p: str
    in_n: str
    out_p: str
    out_n: str
    transfer: str = "vol"
    find: str = "pz"

    def __post_init__(self) -> None:
        for name in ("in_p", "in_n", "out_p", "out_n"):
            object.__setattr__(self, name, check_node(getattr(self, name), f".pz {name}"))
        if self.transfer not in ("vol", "cur"):
            raise ValidationError(f".pz transfer must be 'vol' or 'cur', got {self.transfer!r}.")
        if self.find not in ("pz", "pol", "zer"):
            raise ValidationError(f".pz find must be 'pz', 'pol' or 'zer', got {self.find!r}.")

    kind = "pz"


Analysis = Union[Tran, DcSweep, Op, Ac, Noise, Tf, Pz]


@dataclass(frozen=True)
class Print:
    """``.print tran v(out) i(v1)``: a table on stdout. Plain ``ngspice -b`` runs no analysis
    without an output request; circuitsnn's own runs read the raw file instead."""

    analysis: str  # "tran" | "dc"
    signals: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.analysis not in ("tran", "dc"):
            raise ValidationError(f".print analysis must be 'tran' or 'dc', got {self.analysis!r}.")
        object.__setattr__(self, "signals", tuple(check_signal(s, ".print signal") for s in self.signals))
        if not self.signals:
            raise ValidationError(".print needs at least one signal.")


@dataclass(frozen=True)
class Lib:
    """``.lib FILE SECTION``: one section of a library file (a PDK's process corner, e.g.
    ``Lib(".../all.spice", "typical")``), as an entry of :attr:`Deck.includes`. The file must lie
    in a trusted folder, like an ``.include``."""

    path: Path
    section: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        check_identifier(self.section, ".lib section")


@dataclass(frozen=True)
class Deck:
    """A complete netlist. Render with :func:`circuitsnn.spice.render.render`."""

    title: str
    elements: tuple[Line, ...] = ()
    subckts: tuple[Subckt, ...] = ()
    models: tuple[Model, ...] = ()
    params: Mapping[str, Value] = field(default_factory=dict)
    analyses: tuple[Analysis, ...] = ()
    options: Mapping[str, float | str | bool] = field(default_factory=dict)
    temp: float | None = None
    ics: Mapping[str, float] = field(default_factory=dict)
    saves: tuple[str, ...] = ()
    #: model files: a path (``.include``) or a :class:`Lib` (``.lib FILE SECTION``), in order
    includes: tuple[Path | Lib, ...] = ()
    doc: str = ""
    prints: tuple[Print, ...] = ()

    def __post_init__(self) -> None:
        check_text(self.title, "deck title")
        check_comment(self.doc, "deck doc")
        for name in ("elements", "subckts", "models", "analyses", "saves", "includes", "prints"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "params", _check_params(self.params, "deck"))
        opts = {}
        for key, value in dict(self.options).items():
            check_identifier(key, ".options name")
            if isinstance(value, str):
                check_identifier(value, f".options {key} value")
            elif not isinstance(value, bool):
                check_number(value, f".options {key}")
            opts[key] = value
        object.__setattr__(self, "options", opts)
        if self.temp is not None:
            check_number(self.temp, ".temp (degC)")
        ics = {}
        for node, value in dict(self.ics).items():
            ics[check_node(node, ".ic node")] = check_number(value, f".ic v({node})")
        object.__setattr__(self, "ics", ics)
        for s in self.saves:
            check_signal(s, ".save signal")
        names = [e.name.lower() for e in self.elements if isinstance(e, Element)]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValidationError(f"deck {self.title!r} has duplicate element names {sorted(dup)}.")

    def with_analyses(self, *analyses: Analysis) -> "Deck":
        """The same circuit with its analyses replaced."""
        return replace(self, analyses=tuple(analyses))

    def add(self, *lines: Line) -> "Deck":
        return replace(self, elements=self.elements + tuple(lines))

    @property
    def tran(self) -> Tran | None:
        return next((a for a in self.analyses if isinstance(a, Tran)), None)


# -- convenience constructors ----------------------------------------------------------------


def R(name: str, a: str, b: str, value: Value, **params: Value) -> Element:
    """Resistor (Ohm)."""
    return Element(name, (a, b), value, params=params)


def C(name: str, a: str, b: str, value: Value, **params: Value) -> Element:
    """Capacitor (F); ``ic=`` sets the initial voltage with ``uic``."""
    return Element(name, (a, b), value, params=params)


def L(name: str, a: str, b: str, value: Value, **params: Value) -> Element:
    """Inductor (H)."""
    return Element(name, (a, b), value, params=params)


def V(name: str, p: str, n: str, value: Value | Waveform = 0.0, *, ac: float | None = None, ac_phase: float = 0.0) -> Element:
    """Independent voltage source (V). Also the ammeter: ``V('vsense', a, b, 0)``. ``ac=1`` makes
    it the small-signal input of ``.ac``/``.noise`` (magnitude in V, ``ac_phase`` in degrees)."""
    return Element(name, (p, n), value, ac=ac, ac_phase=ac_phase)


def I(name: str, p: str, n: str, value: Value | Waveform = 0.0, *, ac: float | None = None, ac_phase: float = 0.0) -> Element:  # noqa: E743
    """Independent current source (A), flowing from ``p`` through the source to ``n``; ``ac=``
    as for :func:`V` (A)."""
    return Element(name, (p, n), value, ac=ac, ac_phase=ac_phase)


def D(name: str, anode: str, cathode: str, model: str, area: float | None = None, **params: Value) -> Element:
    """Diode."""
    return Element(name, (anode, cathode), area, model=model, params=params)


def M(name: str, d: str, g: str, s: str, b: str, model: str, **params: Value) -> Element:
    """MOSFET; pass ``w=`` and ``l=`` in m."""
    return Element(name, (d, g, s, b), model=model, params=params)


def X(name: str, nodes: Iterable[str], subckt: str, **params: Value) -> Element:
    """Subcircuit instance."""
    return Element(name, tuple(nodes), model=subckt, params=params)


def B(name: str, p: str, n: str, *, i: Expr | str | None = None, v: Expr | str | None = None) -> Element:
    """Behavioural source: exactly one of ``i=`` (A) or ``v=`` (V), an expression."""
    if (i is None) == (v is None):
        raise ValidationError(f"B-source {name!r} needs exactly one of i= or v=.")
    body = Behavioral("I", Expr(i) if isinstance(i, str) else i) if i is not None else Behavioral(
        "V", Expr(v) if isinstance(v, str) else v
    )
    return Element(name, (p, n), body)


def S(name: str, p: str, n: str, cp: str, cn: str, model: str) -> Element:
    """Voltage-controlled switch (model kind SW)."""
    return Element(name, (p, n, cp, cn), model=model)


def E(name: str, p: str, n: str, cp: str, cn: str, gain: float) -> Element:
    """Voltage-controlled voltage source."""
    return Element(name, (p, n, cp, cn), gain)


def G(name: str, p: str, n: str, cp: str, cn: str, transconductance: float) -> Element:
    """Voltage-controlled current source (S)."""
    return Element(name, (p, n, cp, cn), transconductance)
