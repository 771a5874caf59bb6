"""VTEAM threshold memristor: the component rendered from
:mod:`circuitsnn.physics.memristor_vteam`, with the memristor testbenches at microsecond
pulses."""

from __future__ import annotations

from ...physics.memristor_vteam import LAW, VteamParams
from ...spice.ir import Subckt
from ..registry import Component, register
from . import memristor
from .common import law_read_mode, law_subckt


def subckt(p: VteamParams, *, named: bool = False) -> Subckt:
    """VTEAM memristor ``.subckt <tag> in out params: x0=...`` (``named``: the library form)."""
    return law_subckt(LAW, p, title="VTEAM memristor", module=__name__, named=named)


#: the lean read-mode variant: one resistor R(x) (``memristor_vteam_read in out params: x=...``)
read_mode = law_read_mode(LAW, "VTEAM memristor", __name__)


def signed(pos: VteamParams, neg: VteamParams | None = None) -> tuple[Subckt, ...]:
    return memristor.signed(subckt, pos, neg)


COMPONENT = register(
    Component(
        name="memristor_vteam", kind="synapse", family="memristor", params_cls=VteamParams, subckt=subckt,
        testbenches=memristor.testbenches(
            subckt,
            iv=dict(freqs=(10e3, 20e3, 40e3), amplitude=1.2, points=200),
            program=dict(amp_pot=1.0, amp_dep=-1.0, width=1e-6, count_pot=20, count_dep=20, v_read=0.2,
                         read_width=0.2e-6, edge_fraction=1 / 50),
            spike=dict(amplitude=0.2, width=10e-6, delay=10e-6),
        ),
        summary="VTEAM threshold memristor: asymmetric SET/RESET rates above voltage thresholds",
        pinout=memristor.PINOUT, equation=LAW.equation, reference=LAW.reference, law=LAW,
        fitter="circuitsnn.fit.memristor:fit_memristor",
        weights="circuitsnn.surrogates.weights.memristor:MemristorWeights",
        module="circuitsnn.surrogates.device:LawModule.from_values",
        fit_hints=dict(
            bounds={"p": (0.5, 10.0), "alpha_on": (0.3, 8.0), "alpha_off": (0.3, 8.0),
                    "v_on": (0.14, 0.88), "v_off": (-0.78, -0.12)},
            runs=[(1.0, -1.0, 1e-6), (1.2, -0.8, 1e-6), (0.9, -1.1, 2e-6)],
            held_out={"program": (1.1, -0.9, 0.5e-6, 0.5), "iv": dict(freqs=(15e3,), amplitude=1.1, points=300)},
        ),
        operating=dict(v_read=0.2, t_read=10e-6, v_set=1.0, v_reset=-1.0, t_prog=1e-6, t_edge=20e-9,
                       polarity="read: v(in) > v(out) at v_read, below both thresholds (v_off < v_read < v_on): "
                                "reading never programs; SET: v(in,out) above v_on raises G; RESET: below v_off "
                                "(negative) lowers it"),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:memristor_range",
    )
)
