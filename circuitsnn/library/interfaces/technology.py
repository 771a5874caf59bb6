"""Which MOSFETs a transistor-level interface is built from: a named technology.

A :class:`Technology` says how to write one transistor: an ``M`` element on a model card
(level-1 cards inlined in the subcircuit), or an ``X`` instance of a PDK's transistor
subcircuit (GF180MCU's ``nfet_03v3 d g s b w= l=``) with the PDK's model files as includes.
The interfaces take the technology by name (their ``technology`` parameter), so switching a
circuit from the generic cards to a PDK is one parameter, not a rewrite::

    register_technology(Technology(
        name="gf180mcu", nmos="nfet_03v3", pmos="pfet_03v3", subckt_devices=True,
        includes=(Path(".../design.ngspice"),), lib=(Path(".../all.spice"), "typical"), ...))

(The renderer has no ``.lib SECTION`` line yet: a PDK whose corners are ``.lib`` sections is
reached through a small wrapper file that ``.lib``-includes the corner; see the report.)

The default, ``generic180``, is the library's one dependency-free level-1 card set
(:mod:`circuitsnn.library.neurons.mosfets`: Sedra & Smith's typical 0.18 um values). Level 1 has
no subthreshold conduction: at the nA currents of a LIF network its square law overstates the
transconductance of a real device (which would be in weak inversion there), so the interface
bandwidths measured on it are optimistic; a BSIM PDK gives the real figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ...errors import ValidationError
from ...spice.ir import Element, M, Model, X
from ..neurons import mosfets


@dataclass(frozen=True)
class Technology:
    """A MOSFET technology: device names, their cards or model files, and the core supply."""

    name: str
    nmos: str
    pmos: str
    #: model cards inlined in every subcircuit that uses the technology (level-1 cards)
    models: tuple[Model, ...] = ()
    #: model files a deck must include (a PDK); their folders must be trusted
    includes: tuple[Path, ...] = ()
    #: the transistors are subcircuits (``X`` instances with ``w=``/``l=``), as in PDKs
    subckt_devices: bool = False
    vdd: float = 1.8
    l_min: float = 0.18e-6
    doc: str = ""

    def mos(self, name: str, d: str, g: str, s: str, b: str, polarity: str, *, w: float, l: float) -> Element:
        """One transistor: ``polarity`` "n" or "p", ``w``/``l`` in m."""
        if polarity not in ("n", "p"):
            raise ValidationError(f"MOSFET polarity must be 'n' or 'p', got {polarity!r}.")
        model = self.nmos if polarity == "n" else self.pmos
        if self.subckt_devices:
            return X("X" + name.lstrip("Mm"), (d, g, s, b), model, w=w, l=l)
        return M(name, d, g, s, b, model, w=w, l=l)


_TECHNOLOGIES: dict[str, Technology] = {}


def register_technology(tech: Technology) -> Technology:
    """Make ``tech`` selectable by name (the interfaces' ``technology`` parameter)."""
    if tech.name in _TECHNOLOGIES and _TECHNOLOGIES[tech.name] != tech:
        raise ValidationError(f"a technology named {tech.name!r} is already registered.")
    _TECHNOLOGIES[tech.name] = tech
    return tech


def technology(name: str) -> Technology:
    try:
        return _TECHNOLOGIES[name]
    except KeyError:
        raise ValidationError(f"no technology named {name!r}.",
                              hint=f"Known: {', '.join(sorted(_TECHNOLOGIES))}; add one with register_technology().") from None


class _Known:
    """The registered technology names, live (a ``choices`` for Params fields: a technology
    registered later is accepted too)."""

    def __contains__(self, name: object) -> bool:
        return name in _TECHNOLOGIES

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(_TECHNOLOGIES))

    def __len__(self) -> int:
        return len(_TECHNOLOGIES)


KNOWN = _Known()

GENERIC180 = register_technology(Technology(
    name="generic180",
    nmos=mosfets.NMOS.name,
    pmos=mosfets.PMOS.name,
    models=mosfets.MODELS,
    vdd=1.8,
    l_min=mosfets.L_MIN,
    doc="generic 180 nm level-1 cards (circuitsnn.library.neurons.mosfets; no subthreshold conduction)",
))


def param(tech: Technology, polarity: str, key: str) -> float:
    """A numeric parameter of a level-1 card (``param(GENERIC180, "n", "VTO")``); for hand
    estimates of bias points. Raises for a technology without inline cards."""
    name = tech.nmos if polarity == "n" else tech.pmos
    for m in tech.models:
        if m.name == name:
            return float(m.params[key])  # type: ignore[arg-type]
    raise ValidationError(f"technology {tech.name!r} has no inline card {name!r} to read {key} from.",
                          hint="Give the bias voltages explicitly for a PDK technology.")


def values_doc(p: object, width: int = 96) -> str:
    """Parameter values for a subcircuit's comment block, unambiguous SI (``l=1e-06 m``), text
    fields quoted: the synapse library's form, with the interfaces' technology names."""
    words = []
    for row in type(p).describe():  # type: ignore[attr-defined]
        value = getattr(p, row["name"])
        unit = "" if row["unit"] == "1" else " " + row["unit"]
        words.append(f"{row['name']}={value!r}" if isinstance(value, str) else f"{row['name']}={value:g}{unit}")
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 2 + len(w) > width:
            lines.append(cur + ",")
            cur = w
        else:
            cur = f"{cur}, {w}" if cur else w
    lines.append(cur)
    return "\n".join(lines)


def includes_of(params: object) -> tuple[Path, ...]:
    """Model files a deck needs for a component at ``params``: its technology's includes (none
    for parameters without a ``technology`` field)."""
    name = getattr(params, "technology", None)
    return technology(name).includes if isinstance(name, str) else ()


__all__ = ["includes_of", "Technology", "register_technology", "technology", "KNOWN", "GENERIC180", "param"]
