"""Each device law written once (see :mod:`.expr` and :mod:`.law`), rendered to ngspice text and
run in Python on numpy or torch. Laws of the shipped families live beside the machinery, one
model per file; components in :mod:`circuitsnn.library` build subcircuits from them. A law may
contain real primitives (:mod:`.diode`: ngspice diode cards whose parameters are the law's, with
the diode's closed form for Python): the Schottky junction and the optocoupler's LED. Neuron laws
(:mod:`.neuron`: states on real RC nodes, branches, a spike rule) are :mod:`.lif` and
:mod:`.adaptive_lif`, with their parameters and closed forms (the f-I curve)."""

from .constants import HOLD_TAU, K_OVER_Q, T0_KELVIN, T_NOMINAL, thermal_voltage
from .expr import (MATH, NUMPY, TORCH, Input, Node, Num, P, Param, State, compile_exprs, evaluate, exp,
                   fabs, land, log, lor, maximum, minimum, ramp, sqrt, step, to_spice, where)
from .law import Aux, Branch, Law, StateVar, values_of

__all__ = [
    "HOLD_TAU", "K_OVER_Q", "T0_KELVIN", "T_NOMINAL", "thermal_voltage",
    "MATH", "NUMPY", "TORCH", "Input", "Node", "Num", "P", "Param", "State", "compile_exprs", "evaluate",
    "exp", "fabs", "land", "log", "lor", "maximum", "minimum", "ramp", "sqrt", "step", "to_spice",
    "where", "Aux", "Branch", "Law", "StateVar", "values_of",
]
