"""What a topology should do with an ideal read path: an exact event-driven reference.

Each spike on a row is a rectangular read pulse ``[t, t + width)`` (the trapezoid's width at
half amplitude: same charge through a linear device); the column read-out is ideal, so neuron
``j`` receives ``gain * sum_i a_i(t) * (G+_ij - G-_ij) * v_read``, piecewise constant between
pulse edges; the LIF membrane is integrated exactly between edges (threshold crossings solved
in closed form), with the reset and refractory period of
:mod:`circuitsnn.library.neurons.lif`; an output spike is a read pulse on the next layer's row
from ``t_spike + t_delay`` for ``t_spike`` (the LIF's own output timing).

It uses the realized conductances of the topology (``Layer.g_pos``/``g_neg``), so it is what the
deck should do, up to the transistor interfaces and the solver's time step. A nonlinear read
changes the charge a trapezoidal read pulse delivers (a saturating Schottky read conducts its
full current early on the rising edge): each layer's currents are scaled by
:func:`pulse_charge_factor`, the device's read charge over a trapezoid (edges as the behavioural
row driver makes them) relative to ``I(v_read) * width`` (exactly 1 for a linear read). It is a check and a scaling tool (choose weight scales that keep layers neither
silent nor saturated), not the surrogate network deployment builds.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..errors import ValidationError
from .stimulus import SpikeInput
from .topology import Layer, Topology


def lif_layer(starts: Sequence[np.ndarray], width: float | Sequence[float], w_current: np.ndarray, p,
              t_stop: float, *, t_latch: float = 0.0) -> list[np.ndarray]:
    """Threshold-crossing times (s) of a layer of LIF neurons (``p``: LIFParams) driven by
    rectangular pulses: row ``i`` is active on ``[s, s + width)`` for each ``s`` in
    ``starts[i]`` and then adds ``w_current[i, j]`` (A) to neuron ``j``. ``width`` may be one
    per row, and ``p.v_th`` one per neuron (an array).

    ``t_latch`` (s): a crossing is a spike only if the membrane stays at or above threshold for
    ``t_latch`` after it (the LIF circuit's latch, which sets ``t_fast ln 2`` after the crossing
    and lets go if the membrane falls back first: only a negative input, e.g. inhibition, does
    that); a crossing that fails re-arms when the membrane is below threshold again. 0: the
    hard threshold."""
    n_in, n_out = w_current.shape
    widths = np.broadcast_to(np.asarray(width, float), (n_in,))
    v_ths = np.broadcast_to(np.asarray(p.v_th, float), (n_out,))
    edges = [(float(s), i, +1) for i, ss in enumerate(starts) for s in ss]
    edges += [(float(s) + float(widths[i]), i, -1) for i, ss in enumerate(starts) for s in ss]
    edges.sort(key=lambda e: (e[0], e[2]))
    times = np.array([0.0] + [e[0] for e in edges] + [t_stop])
    active = np.zeros(n_in)
    currents = [np.zeros(n_out)]
    for _, i, d in edges:
        active[i] += d
        currents.append(active @ w_current)
    tau, r = p.r * p.c, p.r
    out: list[list[float]] = [[] for _ in range(n_out)]
    def holds(j: int, k: int, t_x: float, v_th: float) -> bool:
        """Whether neuron j, at threshold at t_x in segment k, stays at or above it for t_latch
        (monotone between edges: the segment ends suffice)."""
        v, t, end = v_th, t_x, t_x + t_latch
        while k < len(times) - 1:
            b = min(times[k + 1], end, t_stop)
            v_inf = p.v_rest + currents[k][j] * r
            v = v_inf + (v - v_inf) * math.exp(-(b - t) / tau)
            if v < v_th * (1 - 1e-12):
                return False
            if b >= end or b >= t_stop:
                return True
            t, k = b, k + 1
        return True

    for j in range(n_out):
        v_th = float(v_ths[j])
        v, t_free = p.v_rest, 0.0
        armed = True
        for k in range(len(times) - 1):
            a, b = times[k], min(times[k + 1], t_stop)
            if b <= a:
                continue
            i_in = currents[k][j]
            t = a
            if t_free > t:
                if t_free >= b:
                    continue
                t, v = t_free, p.v_reset
                armed = True
            v_inf = p.v_rest + i_in * r
            while True:
                if not armed:
                    t_x = math.inf
                elif v_inf > v_th and v < v_th:
                    t_x = t + tau * math.log((v_inf - v) / (v_inf - v_th))
                elif v >= v_th:
                    t_x = t
                else:
                    t_x = math.inf
                if t_x < b and t_latch > 0 and not holds(j, k, t_x, v_th):
                    armed = False  # the latch lets go: integrate on, no reset
                    v = v_inf + (v - v_inf) * math.exp(-(b - t) / tau)
                    break
                if t_x < b:
                    out[j].append(t_x)
                    t_free = t_x + p.t_ref
                    if t_free >= b:
                        break
                    t, v = t_free, p.v_reset
                    continue
                v = v_inf + (v - v_inf) * math.exp(-(b - t) / tau)
                break
            if not armed and v < v_th:
                armed = True
    return [np.asarray(s) for s in out]


#: the behavioural row driver's window (10..90 % of the spike) turns an input edge into a row edge
#: 0.8 times as long
ROW_EDGE = 0.8


def pulse_charge_factor(layer: Layer, width: float, edge: float, points: int = 201) -> float:
    """Read charge of a trapezoidal row pulse (half-amplitude ``width``, linear ``edge``s up to
    ``v_read``) relative to the rectangle ``I(v_read) * width``, for the layer's device at a
    mid-range state: ``1 + (edge / width) (2 mean(f) - 1)``, ``f(v) = I(v) / I(v_read)``."""
    import torch

    wi = layer.weights_interface
    lo, hi = wi.bounds
    s = torch.tensor(0.5 * (lo + hi) if np.isfinite(hi) else lo, dtype=torch.float64)
    u = torch.linspace(0.0, 1.0, points, dtype=torch.float64)
    ref = wi.read(s, layer.v_read)
    if float(ref) == 0.0:
        return 1.0
    f = (wi.read(s, u * layer.v_read) / ref).detach().numpy()
    mean = float(np.trapezoid(f, np.linspace(0.0, 1.0, points)))
    return 1.0 + (edge / width) * (2.0 * mean - 1.0)


def _gain(layer: Layer) -> float:
    return float(layer.read.column_params.get("gain", 1.0))


def integrator_layer(starts: Sequence[np.ndarray], width: float, w_current: np.ndarray, p, times: np.ndarray) -> np.ndarray:
    """Membranes (V) at ``times`` ``[len(times), n_out]`` of a layer of neurons without spike rule
    (``C dV/dt = -(V - v_rest)/R + I``; ``p``: ``r``, ``c``, ``v_rest``) driven as in
    :func:`lif_layer`. Exact: a pulse of unit current from ``s`` for ``width`` adds ``R (1 -
    exp(-u/tau))`` at ``u = t - s`` inside it and ``R (1 - exp(-width/tau)) exp(-(u - width)/tau)``
    after it (a linear circuit: pulses superpose)."""
    t = np.asarray(times, float)
    tau = p.r * p.c
    n_in = w_current.shape[0]
    kernel = np.zeros((t.size, n_in))
    top = 1.0 - math.exp(-width / tau)
    for i, ss in enumerate(starts):
        for s in np.asarray(ss, float):
            u = t - s
            kernel[:, i] += np.where(u <= 0, 0.0, np.where(u < width, -np.expm1(-np.clip(u, 0, None) / tau),
                                                          top * np.exp(-np.clip(u - width, 0, None) / tau)))
    return p.v_rest + p.r * (kernel @ w_current)


def simulate_ideal(topology: Topology, stimulus: SpikeInput, *, weights: Sequence[np.ndarray] | None = None
                   ) -> tuple[tuple[np.ndarray, ...], ...]:
    """Spike times per neuron, per layer: when each output pulse reaches half amplitude (the
    threshold crossing plus the neuron's ``t_delay``), as the deck's spikes are read. ``weights`` (S, per layer) replaces the realized ones, e.g.
    the unclipped targets. A non-spiking layer (read by its membrane: :func:`integrator_layer`)
    has no spikes."""
    starts: Sequence[np.ndarray] = stimulus.times
    width, edge = stimulus.width, ROW_EDGE * stimulus.edge
    out = []
    for k, layer in enumerate(topology.layers):
        p = layer.neuron_params
        if not all(hasattr(p, a) for a in ("r", "c", "v_th", "v_reset", "t_ref", "t_spike", "t_delay", "t_edge")):
            raise ValidationError(f"the ideal reference models LIF neurons; layer {k + 1} has {layer.neuron.name!r}.")
        w = layer.w_realized if weights is None else np.asarray(weights[k], float)
        factor = pulse_charge_factor(layer, width, edge)
        if not layer.spiking:
            out.append(tuple(np.empty(0) for _ in range(layer.n_out)))
            continue
        spikes = lif_layer(starts, width, w * layer.v_read * _gain(layer) * factor, p, stimulus.t_stop)
        # the deck's output pulse: half amplitude t_delay after the crossing, t_spike wide
        starts = [s + p.t_delay for s in spikes]
        out.append(tuple(starts))
        width, edge = p.t_spike, ROW_EDGE * p.t_edge
    return tuple(out)


def ideal_membranes(topology: Topology, stimulus: SpikeInput, times: np.ndarray) -> np.ndarray:
    """Membranes (V) at ``times`` ``[len(times), n_out]`` of a network's non-spiking output layer
    (``Layer(spiking=False)``) in the ideal reference: the layers before it as
    :func:`simulate_ideal`, the output layer's RC by :func:`integrator_layer`."""
    last = topology.layers[-1]
    if last.spiking:
        raise ValidationError("the output layer spikes; its membranes are no read-out.",
                              hint="Build it with Layer(..., spiking=False).")
    if len(topology.layers) == 1:
        rows, width, edge = stimulus.times, stimulus.width, ROW_EDGE * stimulus.edge
    else:
        rows = simulate_ideal(topology, stimulus)[-2]
        p = topology.layers[-2].neuron_params
        width, edge = p.t_spike, ROW_EDGE * p.t_edge
    w = last.w_realized * last.v_read * _gain(last) * pulse_charge_factor(last, width, edge)
    return integrator_layer(rows, width, w, last.neuron_params, times)


__all__ = ["lif_layer", "integrator_layer", "simulate_ideal", "ideal_membranes", "pulse_charge_factor"]
