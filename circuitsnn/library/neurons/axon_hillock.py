"""Axon-Hillock neuron (Mead 1989), transistor level, in the generic 180 nm process.

Circuit (Mead, *Analog VLSI and Neural Systems*, Addison-Wesley 1989; reviewed in Indiveri et
al., Front. Neurosci. 5:73, 2011)::

               vdd         vdd
                |           |
               Mp1         Mp2
    in --+------||---n1-----||----+---- out
         |     Mn1         Mn2    |
       Cmem     |           |     |
         |     vss         vss    |
         +---------- Cfb ---------+
         |
        Mrst (gate: out)
         |
        Mpw  (gate: v_pw)  current source: sets the reset current I_pw
         |
        vss

The input current charges ``Cmem``. When the membrane reaches the first inverter's switching
threshold V_M, both inverters flip, ``out`` jumps to vdd, and ``Cfb`` couples the jump back onto
the membrane (positive feedback: a clean, fast spike). While ``out`` is high, ``Mrst`` lets
``Mpw`` discharge the membrane with I_pw (set by the pulse-width bias ``v_pw``) until it falls
below V_M, ``out`` returns to 0 and ``Cfb`` pushes the membrane down by the same step::

    (Cmem + Cfb) dV/dt = I_in - I_pw [out high]          V = v(in, vss)
    dV_hyst = vdd Cfb / (Cmem + Cfb)                     membrane swing between spikes
    t_low  = Cfb vdd / I_in,   t_high = Cfb vdd / (I_pw - I_in)
    f = 1 / (t_low + t_high)  ~  I_in / (Cfb vdd)       (I_in << I_pw)

The rate rises linearly with the input current; the output pulse is rail to rail (vdd) and
t_high wide. With the default parameters the simulated rate is 2 % (at I_pw/40) to 13 % (at
0.4 I_pw) above this estimate (:func:`rate_estimate`): the square law without channel-length
modulation underestimates I_pw, and the inverters' gate capacitance loads the membrane. There is no leak: any positive input current fires the
neuron eventually. The first inverter conducts a crossbar current while the membrane sits near
V_M, which is the known power cost of this design. I_pw must exceed the input current, or the
neuron latches high.

The MOSFET cards of :mod:`circuitsnn.library.technology.generic` are inlined in the subcircuit; ``v_pw`` is
generated inside it (an ideal source), so the neuron keeps the common ``in out vdd vss`` ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...params import quantity
from ..registry import register
from ...spice.ir import C, Comment, Subckt, V
from ..technology import GENERIC, Technology
from ..technology.generic import L_MIN, NMOS, PMOS, inverter_threshold, param, saturation_current
from . import testbenches
from .base import PORTS, NeuronParams, describe_subckt

PINOUT = """\
            +-------------------------------+
 in  >------| Cmem, 2 inverters, Cfb to out |------> out   pulse to vdd, t_high wide
 (current)  | reset Mrst + Mpw (bias v_pw)  |
 vdd -------| supply of the inverters       |
 vss -------| ground, NMOS bulk             |
            +-------------------------------+
"""

EQUATION = """\
(Cmem + Cfb) dV/dt = I_in - I_pw [out high],  V = v(in, vss)
out flips when V crosses the inverter threshold V_M; Cfb couples +-vdd Cfb/(Cmem + Cfb)
f = 1/(Cfb vdd/I_in + Cfb vdd/(I_pw - I_in)),  I_pw = KP/2 (W/L) (v_pw - VTO)^2"""

REFERENCE = (
    "C. Mead, Analog VLSI and Neural Systems (Addison-Wesley, 1989); Indiveri et al., "
    "Neuromorphic silicon neuron circuits, Front. Neurosci. 5:73 (2011)"
)


@dataclass(frozen=True, kw_only=True)
class AxonHillockParams(NeuronParams):
    """Parameters of the Axon-Hillock neuron (SI units; lengths in m).

    Defaults: 1 pF membrane and 0.5 pF feedback capacitors (the feedback a third of the total,
    so the membrane swings 0.6 V), a 1.8 V supply, and a pulse-width bias of 0.6 V, 0.1 V above
    the NMOS threshold, giving I_pw of about 2 uA and spikes of about 0.5 us. Inverters of
    W/L = 1 um/1 um (NMOS) and 2 um/1 um (PMOS) put the switching threshold near 0.82 V.
    """

    prefix: ClassVar[str] = "ah"

    c_mem: float = quantity(1e-12, unit="F", doc="Membrane capacitance, in to vss", gt=0, le=1e-6)
    c_fb: float = quantity(0.5e-12, unit="F", doc="Feedback capacitance, out to in", gt=0, le=1e-6)
    v_pw: float = quantity(0.6, unit="V", doc="Pulse-width bias on the reset current source's gate", gt=0, le=12)
    w_n: float = quantity(1e-6, unit="m", doc="Width of the inverters' NMOS", ge=L_MIN, le=1e-3)
    w_p: float = quantity(2e-6, unit="m", doc="Width of the inverters' PMOS", ge=L_MIN, le=1e-3)
    l_inv: float = quantity(1e-6, unit="m", doc="Length of the inverter transistors", ge=L_MIN, le=1e-3)
    w_rst: float = quantity(1e-6, unit="m", doc="Width of the reset switch and current source", ge=L_MIN, le=1e-3)
    l_rst: float = quantity(1e-6, unit="m", doc="Length of the reset switch and current source", ge=L_MIN, le=1e-3)

    def check(self) -> None:
        vtn, vtp = param(NMOS, "VTO"), abs(param(PMOS, "VTO"))
        if not self.vdd > vtn + vtp:
            self.reject(
                "vdd",
                f"= {self.vdd:g} V cannot switch the inverters (it needs more than VTn + |VTp| = {vtn + vtp:g} V)",
                f"{vtn + vtp:g} V < vdd <= 12 V",
            )
        if not vtn < self.v_pw <= self.vdd:
            self.reject(
                "v_pw",
                f"= {self.v_pw:g} V is outside (VTO, vdd]: below the NMOS threshold {vtn:g} V the "
                "level-1 reset source conducts nothing and the neuron latches high",
                f"{vtn:g} V < v_pw <= vdd = {self.vdd:g} V",
            )

    # -- derived quantities -------------------------------------------------------------------
    @property
    def i_pw(self) -> float:
        """Reset current (A) of the pulse-width source, square law (no channel-length modulation)."""
        return saturation_current(NMOS, self.w_rst, self.l_rst, self.v_pw - param(NMOS, "VTO"))

    @property
    def v_switch(self) -> float:
        """Switching threshold V_M (V) of the first inverter, square law."""
        return inverter_threshold(self.vdd, self.w_n, self.w_p, self.l_inv)

    @property
    def dv_hyst(self) -> float:
        """Membrane swing (V) coupled by Cfb at each output edge: vdd Cfb/(Cmem + Cfb)."""
        return self.vdd * self.c_fb / (self.c_mem + self.c_fb)

    @property
    def t_high_min(self) -> float:
        """Output pulse width (s) for a vanishing input: Cfb vdd / I_pw."""
        return self.c_fb * self.vdd / self.i_pw

    # -- what testbenches and surrogates need -------------------------------------------------
    def spike_amplitude(self) -> float:
        return self.vdd

    def spike_width(self) -> float:
        """The output pulse for a vanishing input, ``t_high_min`` (it lengthens as
        ``Cfb vdd / (I_pw - I)`` with the input)."""
        return self.t_high_min

    def current_scale(self) -> float:
        return self.i_pw / 20.0

    def expected_isi(self, i_in: object) -> np.ndarray:
        return rate_estimate_isi(i_in, self)

    def max_step(self) -> float:
        return self.t_high_min / 5.0

    def lif_equivalent(self) -> dict[str, float]:
        """The effective LIF of the ideal circuit: a leakless membrane ``Cmem + Cfb``, threshold at
        the inverter's switching point, reset one hysteresis step below, refractory period = the
        output pulse for a vanishing input, an active reset (``i_ref = I_pw``: the pulse
        stretches as ``1/(1 - I/I_pw)``), and a soft threshold (the inverter switches through
        finite gain): an exponential one whose slope factor starts at 1 % of the hysteresis.
        ``tau_m`` and ``r_in`` are left to the data (no designed leak)."""
        return {"c_m": self.c_mem + self.c_fb, "v_rest": 0.0, "v_th": self.v_switch,
                "v_reset": self.v_switch - self.dv_hyst, "t_ref": self.t_high_min, "t_delay": 0.0,
                "i_ref": self.i_pw, "delta_t": 0.01 * self.dv_hyst}


def rate_estimate_isi(i_in: object, p: AxonHillockParams) -> np.ndarray:
    """Estimated inter-spike interval (s): ``Cfb vdd/I + Cfb vdd/(I_pw - I)``; ``inf`` where the
    neuron does not oscillate (I <= 0 never fires, I >= I_pw latches high)."""
    i = np.asarray(i_in, dtype=float)
    q = p.c_fb * p.vdd
    ok = (i > 0) & (i < p.i_pw)
    safe = np.where(ok, i, 0.5 * p.i_pw)
    return np.where(ok, q / safe + q / (p.i_pw - safe), np.inf)


def rate_estimate(i_in: object, p: AxonHillockParams) -> np.ndarray:
    """Estimated firing rate (Hz) of the ideal Axon-Hillock (no parasitics); 0 where it does not
    oscillate."""
    isi = rate_estimate_isi(i_in, p)
    return np.where(np.isfinite(isi), 1.0 / np.where(np.isfinite(isi), isi, 1.0), 0.0)


def circuit(p: NeuronParams, tech: Technology, doc: str) -> Subckt:
    """The Axon-Hillock ``<tag> in out vdd vss`` in technology ``tech`` (its devices, its inline
    cards): the circuit of the module doc, for any parameters with the fields of
    :class:`AxonHillockParams`."""
    elements = [
        Comment("membrane and feedback capacitors"),
        C("Cmem", "in", "vss", p.c_mem),
        C("Cfb", "out", "in", p.c_fb),
        Comment("two-inverter amplifier: in -> n1 -> out"),
        tech.mosfet("Mp1", "n1", "in", "vdd", "vdd", "p", w=p.w_p, l=p.l_inv),
        tech.mosfet("Mn1", "n1", "in", "vss", "vss", "n", w=p.w_n, l=p.l_inv),
        tech.mosfet("Mp2", "out", "n1", "vdd", "vdd", "p", w=p.w_p, l=p.l_inv),
        tech.mosfet("Mn2", "out", "n1", "vss", "vss", "n", w=p.w_n, l=p.l_inv),
        Comment("reset: while out is high, Mrst connects the membrane to the current source Mpw"),
        tech.mosfet("Mrst", "in", "out", "xr", "vss", "n", w=p.w_rst, l=p.l_rst),
        tech.mosfet("Mpw", "xr", "pw", "vss", "vss", "n", w=p.w_rst, l=p.l_rst),
        Comment("pulse-width bias"),
        V("Vpw", "pw", "vss", p.v_pw),
    ]
    return Subckt(name=p.tag(), ports=PORTS, elements=tuple(elements), models=tech.models, doc=doc)


def subckt(p: AxonHillockParams) -> Subckt:
    """The Axon-Hillock subcircuit ``<ah_hash> in out vdd vss`` for parameters ``p`` (generic
    180 nm level-1 cards, inlined)."""
    return circuit(p, GENERIC,
                   describe_subckt(p, "Axon-Hillock neuron (Mead 1989), generic 180 nm level-1 MOSFETs", EQUATION, PINOUT))


#: Simulator options every deck with an Axon-Hillock needs: Gear, and a reltol at which its spike
#: times are converged. Measured on the held-out noisy-current deck (133 spikes) against reltol
#: 2.5e-8: the worst spike moves 3.3 % of the ISI at 1e-5, 0.72 % at 1.25e-6, 0.43 % at 4e-7 and
#: 0.16 % at 1e-7, whatever the max step (1e-7 s or 1e-8 s at reltol 1e-5: 3.3 % both); the error
#: falls about linearly with reltol, so halving it from 1e-5 never looked converged (issue 9).
SIM_OPTIONS = {"method": "gear", "reltol": 1e-7}

COMPONENT = register(
    testbenches.neuron_component(
        name="axon_hillock",
        params_cls=AxonHillockParams,
        subckt=subckt,
        sim_options=SIM_OPTIONS,
        max_step=AxonHillockParams.max_step,
        fi_reference=rate_estimate,
        fi_multiples=(0.5, 1.0, 2.0, 4.0, 8.0),
        summary="Mead's Axon-Hillock neuron at transistor level: two inverters with capacitive "
        "positive feedback and a biased reset",
        pinout=PINOUT,
        equation=EQUATION,
        reference=REFERENCE,
        fitter="circuitsnn.fit.neurons:fit_neuron",
        surrogate="circuitsnn.surrogates.neuron:NeuronSurrogate",
        technology="generic180",
    )
)

__all__ = ["AxonHillockParams", "circuit", "rate_estimate", "rate_estimate_isi", "subckt", "COMPONENT"]
