"""What a technology is: MOSFET devices by polarity, model files with one section per process
corner, a nominal supply, and the statistical switches of its Monte Carlo models.

A :class:`Technology` is what a transistor-level component needs to render its subcircuit and
its decks: the element that instantiates a device (``M`` for a ``.model`` card, ``X`` for a
PDK's subcircuit wrapper such as GF180MCU's ``nfet_03v3 d g s b w= l=``), the model cards to
inline (the dependency-free generic card) or the library sections to include (a PDK), and the
deck ``.param`` values its models read (statistical switches). Components take a technology,
and their ``includes`` come from it (:meth:`Technology.includes`).

Bring your own PDK or model card::

    from circuitsnn.library.technology import Device, Technology, register_technology
    from circuitsnn.spice.ir import Lib

    sky = Technology(
        name="my130", summary="my 130 nm PDK",
        nmos=Device("nfet_01v8", "n", element="X", l_min=0.15e-6, w_min=0.42e-6),
        pmos=Device("pfet_01v8", "p", element="X", l_min=0.15e-6, w_min=0.42e-6),
        vdd=1.8,
        corners={c: (Lib("/pdk/models/corners.lib", c),) for c in ("tt", "ff", "ss")},
        default_corner="tt",
    )
    register_technology(sky)      # its folders are trusted for includes from now on

Terminal order is always drain, gate, source, bulk; widths and lengths are in metres and are
written as the device's ``w=``/``l=`` instance parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Mapping

from ...errors import ValidationError
from ...spice.ir import Element, Lib, M, Model, X

Polarity = Literal["n", "p"]


@dataclass(frozen=True)
class Device:
    """One MOSFET of a technology.

    ``element``: ``"M"`` when ``name`` is a ``.model`` card (instantiated ``M<x> d g s b name
    w= l=``), ``"X"`` when it is a subcircuit with ports ``d g s b`` and parameters ``w``/``l``
    (``X<x> d g s b name w= l=``, how PDKs wrap BSIM cards with their mismatch).
    ``l_min``/``w_min`` (m): the smallest drawn length and width the models cover; with
    ``strict`` (a PDK's binned models) smaller devices are refused, without it (a hand-analysis
    card that scales to any size) the minimum is only documented.
    """

    name: str
    polarity: Polarity
    element: Literal["M", "X"] = "M"
    l_min: float = 0.18e-6
    w_min: float = 0.18e-6
    strict: bool = True

    def __post_init__(self) -> None:
        if self.polarity not in ("n", "p"):
            raise ValidationError(f"device {self.name!r}: polarity must be 'n' or 'p', got {self.polarity!r}.")
        if self.element not in ("M", "X"):
            raise ValidationError(f"device {self.name!r}: element must be 'M' (a .model) or 'X' (a subcircuit).")

    def instance(self, name: str, d: str, g: str, s: str, b: str, *, w: float, l: float) -> Element:
        """The element ``M<name>``/``X<name>`` of this device, terminals drain gate source bulk."""
        if self.strict and (l < self.l_min * (1 - 1e-9) or w < self.w_min * (1 - 1e-9)):
            raise ValidationError(
                f"device {self.name} {name}: w = {w:g} m, l = {l:g} m is below the technology's minimum "
                f"(w >= {self.w_min:g} m, l >= {self.l_min:g} m).",
                hint="Use larger devices; the models are not valid below the minimum size.",
            )
        if self.element == "M":
            return M(name, d, g, s, b, self.name, w=w, l=l)
        return X(name if name[:1].upper() == "X" else "X" + name, (d, g, s, b), self.name, w=w, l=l)


@dataclass(frozen=True)
class Statistics:
    """How a technology's models vary: deck parameters that switch their Monte Carlo on.

    ``mismatch``: the parameter (``sw_stat_mismatch``) that turns on each device's own random
    offset (intra-die mismatch, drawn per instance); ``global_``: the parameter
    (``sw_stat_global``) that turns on the die-to-die (global) variation, which needs the
    corner ``global_corner`` (the library section that draws it). The random draws follow
    ngspice's ``.options seed``.
    """

    mismatch: str | None = None
    global_: str | None = None
    global_corner: str | None = None


@dataclass(frozen=True)
class Technology:
    """A process a transistor-level component is built in (see the module doc)."""

    name: str
    summary: str
    nmos: Device
    pmos: Device
    vdd: float
    #: corner -> the model files it needs: a path (``.include``) or a :class:`Lib` section
    corners: Mapping[str, tuple[Path | Lib, ...]] = field(default_factory=lambda: {"typical": ()})
    default_corner: str = "typical"
    #: model cards inlined in every subcircuit that uses the technology (self-contained netlists)
    models: tuple[Model, ...] = ()
    #: deck ``.param`` values the models read, with their defaults (statistical switches)
    switches: Mapping[str, float] = field(default_factory=dict)
    statistics: Statistics = field(default_factory=Statistics)
    #: where the models come from and under which licence
    source: str = ""
    licence: str = ""
    #: for technologies whose files may be absent (an optional package): says why and how to fix,
    #: or "" when usable
    unavailable: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", self.name):
            raise ValidationError(f"technology name {self.name!r} must be an identifier (letters, digits, _).")
        if self.nmos.polarity != "n" or self.pmos.polarity != "p":
            raise ValidationError(f"technology {self.name!r}: nmos must be an n device and pmos a p device.")
        if self.default_corner not in self.corners:
            raise ValidationError(f"technology {self.name!r}: default corner {self.default_corner!r} is not one of its corners {list(self.corners)}.")

    # -- what components and decks use -------------------------------------------------------
    def device(self, polarity: Polarity) -> Device:
        return self.nmos if polarity == "n" else self.pmos

    def mosfet(self, name: str, d: str, g: str, s: str, b: str, polarity: Polarity, *, w: float, l: float) -> Element:
        """A transistor of this technology (terminals drain gate source bulk)."""
        return self.device(polarity).instance(name, d, g, s, b, w=w, l=l)

    @property
    def corner_names(self) -> tuple[str, ...]:
        return tuple(self.corners)

    def check_corner(self, corner: str) -> str:
        if corner not in self.corners:
            raise ValidationError(
                f"technology {self.name!r} has no corner {corner!r}.",
                hint=f"Its corners: {', '.join(self.corners)}.",
            )
        return corner

    def require(self) -> None:
        """Raise a clear error when the technology's files are not installed."""
        why = self.unavailable() if self.unavailable is not None else ""
        if why:
            raise ValidationError(f"technology {self.name!r} is not available: {why}")

    @property
    def available(self) -> bool:
        return not (self.unavailable() if self.unavailable is not None else "")

    def includes(self, corner: str | None = None) -> tuple[Path | Lib, ...]:
        """The model files a deck needs at ``corner`` (default: the default corner)."""
        corner = self.check_corner(corner or self.default_corner)
        if self.corners[corner]:
            self.require()
        return tuple(self.corners[corner])

    def folders(self) -> tuple[Path, ...]:
        """The folders of every model file (trusted for includes when the technology is used)."""
        out: list[Path] = []
        for files in self.corners.values():
            for f in files:
                p = (f.path if isinstance(f, Lib) else Path(f)).resolve().parent
                if p not in out:
                    out.append(p)
        return tuple(out)

    def deck_params(self, *, mismatch: bool = False, global_: bool = False) -> dict[str, float]:
        """The deck's ``.param`` values for the models: the switches' defaults, with the
        statistical switches turned on as asked."""
        values = dict(self.switches)
        st = self.statistics
        for on, name, what in ((mismatch, st.mismatch, "mismatch"), (global_, st.global_, "global variation")):
            if on:
                if name is None:
                    raise ValidationError(f"technology {self.name!r} has no statistical switch for {what}.")
                values[name] = 1.0
        return values

    def describe(self) -> str:
        lines = [f"{self.name}: {self.summary}", f"  nominal supply {self.vdd:g} V; corners {', '.join(self.corners)}"]
        for d in (self.nmos, self.pmos):
            kind = ".model" if d.element == "M" else "subcircuit"
            lines.append(f"  {d.polarity}MOS {d.name} ({kind}; l >= {d.l_min * 1e6:g} um, w >= {d.w_min * 1e6:g} um)")
        if self.source:
            lines.append(f"  source: {self.source}")
        if self.licence:
            lines.append(f"  licence: {self.licence}")
        return "\n".join(lines)
