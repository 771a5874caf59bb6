"""The operating range of a synapse in a network, as ``circuitsnn list NAME`` shows it.

A network reads a synapse at a fixed bias: a row driver turns each presynaptic spike into a
read pulse of the family's ``v_read`` for the spike's width ``t_read`` (the default LIF's
10 us), and a column virtual ground holds ``out``. So what a designer needs to know is

* the read current (and conductance) at ``v_read`` over the reachable state range;
* the charge one read spike delivers, against the charge that takes the default LIF from rest
  to threshold, ``C (v_th - v_rest)`` (10 pF x 0.5 V = 5 pC);
* how much one read spike moves the stored state (read disturb), in units of one level: 1 % of
  the conductance range, the resolution at which the fits count levels;
* the nominal programming events and their thresholds, and the polarity.

Each synapse component names its function here in ``Component.operating_range``; they evaluate
the laws and closed forms on numpy (no simulation, no torch). The read disturb is the state a
read spike leaves minus the state the same time without it leaves (a relaxing optocoupler
moves either way), the law integrated over the pulse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..physics.constants import T_NOMINAL
from ..physics.expr import NUMPY
from ..physics.law import Law, pulse_segments, values_of
from ..units import si_format

#: one level, as a fraction of the conductance range (the fits count levels at this resolution)
LEVEL = 0.01
#: the neuron whose threshold charge the table compares against
NEURON = "lif"


@dataclass
class OperatingRange:
    """The figures of :mod:`circuitsnn.library.operating` for one component."""

    component: str
    v_read: float
    t_read: float
    state: str
    state_unit: str
    state_lo: float
    state_hi: float
    g_lo: float
    g_hi: float
    #: largest |state change| one read spike causes over the state range (state unit)
    state_step: float
    #: largest |conductance change| one read spike causes, in levels (1 % of the range)
    disturb_levels: float
    program: tuple[tuple[str, str], ...] = ()
    polarity: str = ""
    q_threshold: float = float("nan")
    neuron: str = NEURON
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def i_lo(self) -> float:
        return self.g_lo * self.v_read

    @property
    def i_hi(self) -> float:
        return self.g_hi * self.v_read

    @property
    def q_lo(self) -> float:
        """Charge (C) of one read spike at the low end of the range."""
        return self.i_lo * self.t_read

    @property
    def q_hi(self) -> float:
        return self.i_hi * self.t_read

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) lines of the table."""
        qth = self.q_threshold
        frac = (f" = {100 * self.q_lo / qth:.2g} .. {100 * self.q_hi / qth:.2g} % of the {self.neuron}'s threshold "
                f"charge C (v_th - v_rest) = {si_format(qth, 'C')}") if np.isfinite(qth) else ""
        unit = "" if self.state_unit in ("", "1") else self.state_unit
        rows = [
            ("read bias v_read", f"{si_format(self.v_read, 'V')} across in -> out, for t_read = "
                                 f"{si_format(self.t_read, 's')} per presynaptic spike (a row driver's read pulse)"),
            ("state range", f"{self.state} {si_format(self.state_lo, unit)} .. {si_format(self.state_hi, unit)}"),
            ("conductance at v_read", f"{si_format(self.g_lo, 'S')} .. {si_format(self.g_hi, 'S')}"),
            ("read current at v_read", f"{si_format(self.i_lo, 'A')} .. {si_format(self.i_hi, 'A')}"),
            ("charge per read spike", f"{si_format(self.q_lo, 'C')} .. {si_format(self.q_hi, 'C')}{frac}"),
            ("state change per read spike", self._disturb_text(unit)),
        ]
        rows += [(f"program: {k}", v) for k, v in self.program]
        if self.polarity:
            rows.append(("polarity", self.polarity))
        rows += [("note", n) for n in self.notes]
        return rows

    def _disturb_text(self, unit: str) -> str:
        if not self.state_step and not self.disturb_levels:
            return "0: a read spike does not move the stored state"
        step = si_format(self.state_step, unit) if unit else f"{self.state_step:.3g}"
        return (f"at most {step}, i.e. {self.disturb_levels:.2g} of one level (a level: {100 * LEVEL:g} % of the "
                "conductance range)")

    def text(self) -> str:
        width = max(len(k) for k, _ in self.rows())
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in self.rows())


def threshold_charge(neuron: str = NEURON) -> float:
    """``C (v_th - v_rest)`` (C) of the default parameters of ``neuron`` (NaN if unknown)."""
    from .registry import get

    try:
        p = get(neuron).default_params()
        return float(p.c * (p.v_th - getattr(p, "v_rest", 0.0)))
    except Exception:  # a user's registry without the LIF: the table leaves the comparison out
        return float("nan")


def read_pulse(comp: Any) -> list[tuple[float, float]]:
    """(duration, level) pieces of the read pulse: ``v_read`` for ``t_read``, edges t_read/50."""
    op = comp.operating
    edge = op["t_read"] / 50
    return pulse_segments(op["v_read"], op["t_read"], edge, edge)


def _disturb(law: Law, env: dict, state: str, grid: np.ndarray, v_name: str, v_read: float,
             segments: list[tuple[float, float]]) -> np.ndarray:
    """State after one read pulse minus state after the same time with no pulse (grid of states)."""
    def run(level_of) -> np.ndarray:
        x = np.asarray(grid, dtype=float)
        for dt, level in segments:
            x = law.advance({state: x}, {**env, v_name: level_of(level)}, dt, NUMPY, substeps=16)[state]
        return np.asarray(x, dtype=float)

    return run(lambda lv: lv) - run(lambda lv: 0.0)


def _levels(dg: np.ndarray, g_lo: float, g_hi: float) -> float:
    span = abs(g_hi - g_lo)
    return float(np.max(np.abs(dg)) / (LEVEL * span)) if span > 0 else 0.0


# -- families ----------------------------------------------------------------------------------------


def memristor_range(comp: Any, params: Any = None) -> OperatingRange:
    """A two-terminal state law (the memristors): the state's bounds, the law's read current."""
    p = params or comp.default_params()
    law: Law = comp.law
    op = comp.operating
    st = law.states[0]
    (v_name,) = sorted(law.inputs())
    values = values_of(p)
    lo = st.lo if st.lo is not None else 0.0
    hi = st.hi if st.hi is not None else 1.0
    v_read = float(op["v_read"])

    def g(x: Any) -> np.ndarray:
        return np.asarray(law.current({**values, v_name: v_read, st.name: np.asarray(x, float)}, NUMPY)) / v_read

    g_lo, g_hi = (float(v) for v in g([lo, hi]))
    grid = np.linspace(lo, hi, 201)
    dx = _disturb(law, values, st.name, grid, v_name, v_read, read_pulse(comp))
    dg = g(grid + dx) - g(grid)
    program = []
    for key, word in (("v_set", "SET"), ("v_reset", "RESET")):
        if key in op:
            th = {"v_set": "v_on", "v_reset": "v_off"}[key]
            thr = (f", threshold {th} = {si_format(values[th], 'V')}" if th in values
                   else ", no threshold (any current moves the state)")
            program.append((word, f"{si_format(op[key], 'V')} x {si_format(op['t_prog'], 's')} pulse across in -> out{thr}"))
    label = law.labels.get(st.name, st.name)
    return OperatingRange(comp.name, v_read, float(op["t_read"]), label, st.unit, lo, hi, min(g_lo, g_hi),
                          max(g_lo, g_hi), float(np.max(np.abs(dx))), _levels(dg, g_lo, g_hi), tuple(program),
                          str(op.get("polarity", "")), threshold_charge())


def schottky_range(comp: Any, params: Any = None) -> OperatingRange:
    """Gated Schottky synapse: erased .. ``n_max`` nominal gate pulses, the junction's read."""
    p = params or comp.default_params()
    op = comp.operating
    law: Law = comp.law
    values = values_of(p)
    v_read = float(op["v_read"])
    hi = p.programmed(int(op["n_max"]), op["v_prog"], op["t_prog"], op.get("t_edge", 0.0))
    g_lo, g_hi = (float(v) for v in np.asarray(p.read_current(v_r=v_read, dphi=np.array([0.0, hi]))) / v_read)
    grid = np.linspace(0.0, hi, 101)
    env = {**values, "v_gate": 0.0, "v_erase_in": 0.0, "temp": T_NOMINAL}
    dd = _disturb(law, env, "dphi", grid, "v", v_read, read_pulse(comp))
    dg = (p.read_current(v_r=v_read, dphi=grid + dd) - p.read_current(v_r=v_read, dphi=grid)) / v_read
    program = (
        ("potentiate", f"{si_format(op['v_prog'], 'V')} x {si_format(op['t_prog'], 's')} pulse on gate (onset "
                       f"v_onset = {si_format(p.v_onset, 'V')}); {int(op['n_max'])} pulses span the range, "
                       "near-linear in the pulse count, one way"),
        ("erase", f"{si_format(op['v_erase'], 'V')} x {si_format(op['t_erase'], 's')} pulse on erase (threshold "
                  f"v_erase = {si_format(p.v_erase, 'V')}): back to the erased state"),
    )
    return OperatingRange(comp.name, v_read, float(op["t_read"]), law.labels.get("dphi", "dphi"), "V", 0.0, hi,
                          g_lo, g_hi, float(np.max(np.abs(dd))), _levels(dg, g_lo, g_hi), program,
                          str(op.get("polarity", "")), threshold_charge(),
                          notes=(f"at {T_NOMINAL - 273.15:g} degC; the read current follows Richardson's "
                                 "T^2 exp(-phi_eff/kT)",))


def optocoupler_range(comp: Any, params: Any = None) -> OperatingRange:
    """Optocoupler: the LED drive 0 .. v_led_max held, the law's steady conductance."""
    from .synapses.optocoupler import led_current, steady_conductance

    p = params or comp.default_params()
    op = comp.operating
    law: Law = comp.law
    values = values_of(p)
    v_read = float(op["v_read"])
    v_max = float(op["v_led_max"])
    g_lo, g_hi = (float(v) for v in steady_conductance(p, [0.0, v_max]))
    # the state G, settled at each drive, relaxes on whether read or not: the disturb compares both
    drives = np.linspace(0.0, v_max, 51)
    g_grid = steady_conductance(p, drives)
    env = {**values, "i_led": led_current(p, drives)}
    dg = _disturb(law, env, "g", g_grid, "v", v_read, read_pulse(comp))
    program = (
        ("drive", f"LED drive 0 .. {si_format(v_max, 'V')} on led ({int(op['dac_bits'])}-bit DAC; LED current "
                  f"0 .. {si_format(float(led_current(p, v_max)), 'A')}); G settles with tau_on = "
                  f"{si_format(p.tau_on, 's')} rising, tau_off = {si_format(p.tau_off, 's')} falling; no threshold"),
    )
    return OperatingRange(comp.name, v_read, float(op["t_read"]), "LED drive v_led", "V", 0.0, v_max, g_lo, g_hi,
                          0.0 if not np.any(dg) else float(np.max(np.abs(dg))), _levels(dg, g_lo, g_hi), program,
                          str(op.get("polarity", "")), threshold_charge(),
                          notes=("state change per read spike: of the conductance G (S), which a read does not move",))


def digital_range(comp: Any, params: Any = None) -> OperatingRange:
    """Digital code: codes 0 .. 2^N - 1, the switches' hand-analysis error included."""
    p = params or comp.default_params()
    op = comp.operating
    v_read = float(op["v_read"])
    top = 2**p.bits - 1
    g_lo, g_hi = (float(v) for v in p.conductance(np.array([0, top])))
    program = (("write", f"a new code on the {p.bits} bits (LSB {si_format(p.g_lsb, 'S')}, switch error "
                         f"{p.lsb_error():.2g}); nothing else changes G"),)
    return OperatingRange(comp.name, v_read, float(op["t_read"]), "code", "1", 0.0, float(top), g_lo, g_hi, 0.0, 0.0,
                          program, str(op.get("polarity", "")), threshold_charge())
