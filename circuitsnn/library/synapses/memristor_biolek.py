"""Biolek-window memristor (the HP TiO2 film at network scale, 1-160 MOhm): the component
rendered from :mod:`circuitsnn.physics.memristor_biolek`, with the memristor testbenches at the
HP device's time scales (seconds at 1 V)."""

from __future__ import annotations

from ...physics.memristor_biolek import LAW, BiolekParams
from ...spice.ir import Subckt
from ..registry import Component, register
from . import memristor
from .common import law_read_mode, law_subckt


def subckt(p: BiolekParams, *, named: bool = False) -> Subckt:
    """Biolek memristor ``.subckt <tag> in out params: x0=...`` (``named``: the library form)."""
    return law_subckt(LAW, p, title="Biolek memristor", module=__name__, named=named)


#: the lean read-mode variant: one resistor R(x) (``memristor_biolek_read in out params: x=...``)
read_mode = law_read_mode(LAW, "Biolek memristor", __name__)


def signed(pos: BiolekParams, neg: BiolekParams | None = None) -> tuple[Subckt, ...]:
    return memristor.signed(subckt, pos, neg)


COMPONENT = register(
    Component(
        name="memristor_biolek", kind="synapse", family="memristor", params_cls=BiolekParams, subckt=subckt,
        testbenches=memristor.testbenches(
            subckt,
            iv=dict(freqs=(1.0, 2.0, 4.0), amplitude=1.0, points=200),
            program=dict(amp_pot=1.0, amp_dep=-1.0, width=50e-3, count_pot=15, count_dep=15, v_read=0.1,
                         read_width=2e-3, edge_fraction=1 / 100),
            spike=dict(amplitude=0.1, width=10e-6, delay=10e-6),
        ),
        summary="Biolek-window memristor (HP TiO2 film, 1-160 MOhm): R = R_on x + R_off (1-x)",
        pinout=memristor.PINOUT, equation=LAW.equation, reference=LAW.reference, law=LAW,
        fitter="circuitsnn.fit.memristor:fit_memristor",
        weights="circuitsnn.surrogates.weights.memristor:MemristorWeights",
        module="circuitsnn.surrogates.device:LawModule.from_values",
        fit_hints=dict(
            fixed=("d",),
            notes=("only mu_v/D^2 is identifiable from the terminals: D is fixed at its design value and mu_v fitted.",),
            bounds={"p": (0.5, 10.0)},
            runs=[(1.0, -1.0, 50e-3), (0.7, -1.3, 50e-3), (1.3, -0.7, 30e-3)],
            held_out={"program": (0.85, -0.9, 80e-3, 0.5), "iv": dict(freqs=(3.0,), amplitude=0.9, points=300)},
        ),
        operating=dict(v_read=0.1, t_read=10e-6, v_set=1.0, v_reset=-1.0, t_prog=50e-3, t_edge=0.5e-3,
                       polarity="read: v(in) > v(out) at v_read; no threshold: current in -> out raises G, so every "
                                "read nudges it up (bounded: see the read disturb); SET: positive pulses, RESET: negative"),
        read_mode=read_mode,
        operating_range="circuitsnn.library.operating:memristor_range",
    )
)
