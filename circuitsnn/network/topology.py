"""The network topology: one object that says what a feed-forward spiking network is made of.

A :class:`Topology` is ``n_inputs`` and a tuple of :class:`Layer` s. Each layer names its
synapse component and device parameters, its signed weights (S, as differential pairs
``G+ - G-`` read at the family's ``v_read``) or the device states directly, its neuron component
and parameters, and its :class:`ReadInterface` (row drivers + column read-outs). Everything is
resolved once, on construction, through the family's weight interface *at the layer's device
parameters*: the device states the deck will carry, and the conductances they realize
(:attr:`Layer.g_pos`, :attr:`Layer.g_neg`, :attr:`Layer.w_realized`), which is what any model
of the same network must use.

Extension points (what deployment, issue 11, builds on):

* ``Layer.g_pos/g_neg`` (S) and ``Layer.v_read`` (V) are the realized synaptic conductances and
  read bias, and ``Layer.neuron_params`` the neuron: a torch network built from the same object
  reads these, so the deck and the model cannot disagree. :func:`circuitsnn.network.ideal.
  simulate_ideal` is the exact event-driven version of that model with an ideal read path;
* ``Layer.states`` (pos, neg) are the device states a programming step must reach (mapping),
  already snapped to what the family realizes (DAC grid, integer codes);
* fidelity is a per-layer choice of :class:`~circuitsnn.network.bindings.Binding` ("full": the
  device's own subcircuit; "read": its read law at its state). Full models on sampled columns
  are another binding (``instance(name, row, col, state)`` is called per device, so it can
  choose per column);
* per-layer decks need no new code: ``build_deck(Topology(layer.n_in, [layer]), SpikeInput(
  recorded_times, t_stop, width=p.t_spike, edge=p.t_edge))`` feeds one layer with the spikes
  recorded from the layer before (``p``: that layer's neuron parameters);
* unsigned layers (``states=(s, None)``: one device per synapse on the ``+`` column of each pair,
  nothing on ``-``; :attr:`Layer.signed` is False and ``g_neg`` is zero), per-neuron neuron
  parameters (``neuron_params`` a sequence, one per neuron: each neuron its own subcircuit, e.g.
  its own threshold) and lateral connections (:class:`Lateral`: every neuron's output spike,
  through a row driver, reads a resistor onto the ``-`` column of other neurons of the layer:
  lateral inhibition) are what an STDP-trained layer needs (:mod:`circuitsnn.deploy.stdp`);
* energy: every column current passes the read-out's ammeters (``i(v.xcol<l>_<j>.vp)``,
  ``...vn`` in the behavioural read-out), the supply is the deck's ``Vdd`` and every input its
  ``Vin<i>``: integrate ``v_read * i`` per column for the read energy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..library import registry
from ..library.registry import Component
from ..params import Params
from .bindings import binding_for, weights_at


@dataclass(frozen=True)
class ReadInterface:
    """How a layer's crossbar is read: a row driver per input row and a column read-out per
    output neuron (component names and parameters). ``v_read`` of the row drivers defaults to
    the synapse family's read bias (``operating["v_read"]``) and ``v_in`` to the presynaptic
    spike amplitude; ``v_ref`` must be the same on both sides."""

    row_driver: str = "row_driver"
    row_params: Mapping[str, Any] = field(default_factory=dict)
    column: str = "column"
    column_params: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def cmos(**column_params: Any) -> "ReadInterface":
        """The transistor-level pair (``row_driver_cmos`` + ``column_cmos``)."""
        return ReadInterface("row_driver_cmos", {}, "column_cmos", column_params)


@dataclass(frozen=True)
class Lateral:
    """Connections inside a layer: neuron ``k``'s output spike drives a row driver (the layer's,
    at read bias ``v_read``, default the layer's) onto its own lateral row, and a resistor of
    conductance ``g[k, j]`` (S; 0: none) joins that row to the ``-`` column of neuron ``j``: an
    inhibitory charge ``gain g[k, j] v_read t_spike`` per spike of ``k`` (linear resistor, exact
    through the row driver's symmetric window), from the spike's half-amplitude time for
    ``t_spike``."""

    g: Any
    v_read: float | None = None

    def matrix(self, n: int) -> np.ndarray:
        g = np.asarray(self.g, float)
        if g.shape != (n, n) or not np.all(np.isfinite(g)) or (g < 0).any():
            raise ValidationError(f"lateral conductances must be a finite non-negative [{n}, {n}] array, got shape {g.shape}.")
        return g


class Layer:
    """One fully connected layer: ``n_in`` rows x ``n_out`` neurons.

    Give either ``weights`` (array ``[n_in, n_out]`` of signed conductances in S at the family's
    read bias; each becomes a differential pair with the magnitude on one device and the other
    at the bottom of the range) or ``states`` (a pair of arrays: the ``G+`` and ``G-`` devices'
    states in the family's unit). States are snapped to what the deck can realize (DAC grid,
    integer codes) and the realized conductances kept. ``fidelity``: "full" (each device its own
    subcircuit, with its state dynamics) or "read" (each device its read law at its state:
    :class:`~circuitsnn.network.bindings.ReadModeBinding`).
    ``spiking=False``: the neurons are their membranes alone, without the spike rule
    (:func:`~circuitsnn.library.neurons.base.integrator_subckt`): an output layer read by its
    membrane voltage (``readout = "membrane"``); only a network's last layer can be one.
    ``states=(s, None)``: an unsigned layer, one device per synapse (on the ``+`` column).
    ``neuron_params``: one set for every neuron, or a sequence of ``n_out`` sets (each neuron its
    own subcircuit; :attr:`neuron_params` is then the first, :attr:`neuron_params_each` all).
    ``lateral``: :class:`Lateral` connections among the layer's neurons.
    """

    def __init__(self, synapse: str, *, weights: Any = None, states: tuple[Any, Any] | None = None,
                 synapse_params: Params | Mapping[str, Any] | None = None, neuron: str = "lif",
                 neuron_params: Params | Mapping[str, Any] | None = None, read: ReadInterface | None = None,
                 fidelity: str = "full", name: str | None = None, spiking: bool = True,
                 lateral: Lateral | None = None) -> None:
        self.synapse: Component = registry.get(synapse)
        if self.synapse.kind != "synapse":
            raise ValidationError(f"layer synapse {synapse!r} is a {self.synapse.kind}, not a synapse.")
        self.neuron: Component = registry.get(neuron)
        if self.neuron.kind != "neuron":
            raise ValidationError(f"layer neuron {neuron!r} is a {self.neuron.kind}, not a neuron.")
        self.synapse_params = _params(self.synapse, synapse_params)
        each = None
        if neuron_params is not None and not isinstance(neuron_params, (Params, Mapping)):
            each = tuple(_params(self.neuron, p) for p in neuron_params)
            if not each:
                raise ValidationError("per-neuron parameters need at least one set.")
            neuron_params = each[0]
        self.neuron_params = _params(self.neuron, neuron_params)
        #: every neuron's parameters (n_out sets; the same object for all when one was given)
        self.neuron_params_each: tuple[Params, ...] | None = each
        self.read = read or ReadInterface()
        self.name = name
        self.spiking = bool(spiking)
        if not self.spiking and getattr(self.neuron, "law", None) is None:
            raise ValidationError(f"neuron {neuron!r} declares no law, so it has no membrane to read without its spike rule.",
                                  hint="Use spiking=True, or a neuron with a law (lif, adaptive_lif).")
        self.weights_interface = weights_at(self.synapse, self.synapse_params)
        self.fidelity = fidelity
        self.binding = binding_for(self.synapse, fidelity)
        #: how states are snapped to what the deck can realize (the family's full binding)
        self._grid = binding_for(self.synapse)
        if (weights is None) == (states is None):
            raise ValidationError("a layer needs exactly one of weights= (signed S) or states= (G+, G- states).")
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.ndim != 2 or not np.all(np.isfinite(w)):
                raise ValidationError(f"layer weights must be a finite 2-D array [n_in, n_out], got shape {w.shape}.")
            s_pos, s_neg = self._states_for(w)
            self.target = w
            self.signed = True
        else:
            s_pos = np.asarray(states[0], dtype=float)  # type: ignore[index]
            s_neg = s_pos if states[1] is None else np.asarray(states[1], dtype=float)  # type: ignore[index]
            self.signed = states[1] is not None  # type: ignore[index]
            if s_pos.shape != s_neg.shape or s_pos.ndim != 2:
                raise ValidationError(f"layer states must be two arrays of one shape [n_in, n_out], got "
                                      f"{s_pos.shape} and {s_neg.shape}.")
            self.target = None
        s_pos = self._snap(s_pos)
        s_neg = self._snap(s_neg) if self.signed else None
        #: device states (G+, G-); G- is None in an unsigned layer
        self.states = (s_pos, s_neg)
        self.g_pos = self._g(s_pos)
        self.g_neg = self._g(s_neg) if s_neg is not None else np.zeros_like(self.g_pos)
        self.w_realized = self.g_pos - self.g_neg
        if self.neuron_params_each is not None and len(self.neuron_params_each) != self.n_out:
            raise ValidationError(f"{len(self.neuron_params_each)} neuron parameter sets for {self.n_out} neurons.")
        self.lateral = lateral
        if lateral is not None:
            lateral.matrix(self.n_out)
            if not self.spiking:
                raise ValidationError("lateral connections are driven by output spikes; this layer does not spike.")

    # -- resolution ---------------------------------------------------------------------------
    def _states_for(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from ..surrogates.weights import DifferentialPair

        pair = DifferentialPair(self.weights_interface)
        sp, sn = pair.states(w)
        return np.asarray(sp, float), np.asarray(sn, float)

    def _snap(self, s: np.ndarray) -> np.ndarray:
        """States inside the bounds, within 1e-12 of the range snapped onto a bound, rounded to
        10 significant digits (what the deck writes), then onto the family's grid."""
        lo, hi = self.weights_interface.bounds
        s = np.clip(np.asarray(s, float), lo, hi)
        if np.isfinite(hi - lo):
            tol = 1e-12 * (hi - lo)
            s = np.where(s - lo < tol, lo, np.where(hi - s < tol, hi, s))
        s = np.vectorize(lambda x: float(f"{x:.10g}"))(s) if s.size else s
        return np.asarray(self._grid.quantize(self.weights_interface, s), float)

    def _g(self, s: np.ndarray) -> np.ndarray:
        return np.asarray(self.weights_interface.conductance(s).detach().numpy(), float).reshape(s.shape)

    # -- what builders read -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.states[0].shape  # type: ignore[return-value]

    @property
    def n_in(self) -> int:
        return self.shape[0]

    @property
    def n_out(self) -> int:
        return self.shape[1]

    def neuron_params_of(self, j: int) -> Params:
        """Neuron ``j``'s parameters."""
        return self.neuron_params if self.neuron_params_each is None else self.neuron_params_each[j]

    @property
    def lateral_g(self) -> np.ndarray | None:
        """The lateral conductances ``[n_out, n_out]`` (S), or None."""
        return None if self.lateral is None else self.lateral.matrix(self.n_out)

    @property
    def lateral_v_read(self) -> float:
        """The lateral rows' read bias (V)."""
        v = None if self.lateral is None else self.lateral.v_read
        return self.v_read if v is None else float(v)

    @property
    def v_read(self) -> float:
        """The read bias of the layer's devices (V): the family's ``operating["v_read"]`` unless
        the read interface's row parameters give one."""
        return float(self.read.row_params.get("v_read", self.weights_interface.v_read))

    @property
    def w_max(self) -> float:
        """Largest weight magnitude a differential pair reaches (S): g_max - g_min."""
        g_lo, g_hi = self.weights_interface.g_range()
        return g_hi - g_lo

    @property
    def clipped(self) -> float:
        """Fraction of target weights outside the reachable range (0 when states were given)."""
        if self.target is None:
            return 0.0
        return float(np.mean(np.abs(self.target) > self.w_max * (1 + 1e-9)))

    def describe(self) -> dict[str, Any]:
        g_lo, g_hi = self.weights_interface.g_range()
        w = self.w_realized
        out = {"synapse": self.synapse.name, "neuron": self.neuron.name, "shape": self.shape, "v_read": self.v_read,
               "g_range": (g_lo, g_hi), "w_realized_mean": float(w.mean()), "w_realized_std": float(w.std()),
               "w_abs_max": float(np.abs(w).max()), "row_driver": self.read.row_driver, "column": self.read.column,
               "fidelity": self.fidelity, "clipped": self.clipped, "spiking": self.spiking, "signed": self.signed}
        if self.lateral is not None:
            out["lateral_g_max"] = float(self.lateral_g.max(initial=0.0))  # type: ignore[union-attr]
        if self.target is not None:
            err = w - self.target
            out["mapping_rms_error"] = float(np.sqrt(np.mean(err**2)))
        return out


def _params(comp: Component, given: Params | Mapping[str, Any] | None) -> Params:
    if given is None:
        return comp.default_params()
    if isinstance(given, Params):
        if not isinstance(given, comp.params_cls):
            raise ValidationError(f"parameters {type(given).__name__} do not belong to component {comp.name!r} "
                                  f"({comp.params_cls.__name__}).")
        return given
    return comp.make_params(**dict(given))


class Topology:
    """A feed-forward network: ``n_inputs`` input lines and a tuple of :class:`Layer` s."""

    def __init__(self, n_inputs: int, layers: Sequence[Layer], *, name: str = "network",
                 sim_options: Mapping[str, Any] | None = None, max_step: float | None = None) -> None:
        if not layers:
            raise ValidationError("a network needs at least one layer.")
        self.n_inputs = int(n_inputs)
        self.layers = tuple(layers)
        self.name = name
        #: simulator options that override the ones inherited from the components
        self.sim_options = dict(sim_options or {})
        self.max_step = max_step
        n = self.n_inputs
        for k, layer in enumerate(self.layers, start=1):
            if layer.n_in != n:
                raise ValidationError(f"layer {k} has {layer.n_in} rows but receives {n} lines "
                                      f"({'inputs' if k == 1 else f'neurons of layer {k - 1}'}).")
            n = layer.n_out
            if not layer.spiking and k < len(self.layers):
                raise ValidationError(f"layer {k} is read by its membrane (spiking=False) but drives layer {k + 1}; "
                                      "only the output layer can be non-spiking.",
                                      hint="Make the hidden layers spiking.")

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_inputs,) + tuple(layer.n_out for layer in self.layers)

    @cached_property
    def label(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    def describe(self) -> list[dict[str, Any]]:
        return [layer.describe() for layer in self.layers]


__all__ = ["ReadInterface", "Lateral", "Layer", "Topology"]
