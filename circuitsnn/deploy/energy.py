"""Energy and latency of an inference: measured in the deck, estimated by the surrogate.

**Measured** (:func:`instrument` + :func:`measure`): every row of every layer gets an ammeter
(a 0 V source between its driver and the crossbar row; layer 1's rows are driven by the input
sources themselves), so the read energy is the power the row sources deliver::

    E_read = sum_rows integral (v(row) - v_ref) * i(row) dt   (J, dissipated in the devices)

(``v_ref``: the columns' virtual ground; the row sources deliver ``E_rows``, with ``v(row)``
instead, the rest going on into the column read-outs); a layer's lateral inhibition rows
(``Layer.lateral``: each neuron's spike driven onto resistors to the other neurons' ``-``
columns) get the same ammeters, and what their resistors dissipate is ``E_lateral``, kept apart
from the crossbar's read energy, plus the supply ``Vdd``: ``E_supply = integral vdd * i(vdd) dt``; its *static* part is the
quiescent power at t = 0 (no pulse yet) times the duration, the rest is *dynamic*. Energy per
synaptic event: ``E_read / SOP`` with one SOP = one read pulse through one differential pair.
(The behavioural neurons and read-outs are ideal sources: what they would draw is a circuit
not in the deck; transistor read-outs, ``ReadInterface.cmos()``, draw from ``Vdd``.)

**Estimated** (:func:`estimate`): per pulse on row ``i`` of a layer, every device on the row
dissipates ``integral v(t) I(s, v(t)) dt`` over the trapezoid the row carries: ``v_read *
I(s, v_read) * width * e`` with the trapezoid factor ``e = 1 + (edge/width) (2 mean(f) - 1)``,
``f(u) = u I(s, u v_read) / I(s, v_read)`` (``u`` from 0 to 1 on each edge), through the
weight interface; summed over the pulses each row really received. A lateral resistor ``g``
driven by a spike dissipates ``g v_read^2 t_spike e`` with the linear read's ``f(u) = u^2``
(:func:`trapezoid_factor`), per spike of its neuron.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from ..network.deck import NetworkDeck
from ..network.ideal import ROW_EDGE
from ..network.topology import Layer
from ..spice.ir import Dc, Element, V


def instrument(net: NetworkDeck) -> NetworkDeck:
    """``net`` with an ammeter on every driven row and ``.save`` of the row voltages, the row
    currents, the input sources' and the supply's currents."""
    deck = net.deck
    els: list[Any] = []
    saves = list(deck.saves) + ["i(vdd)"]
    for el in deck.elements:
        if isinstance(el, Element) and el.name.startswith(("Xrd", "Xlat")):
            lateral = el.name.startswith("Xlat")
            k, i = el.name[4 if lateral else 3:].split("_")
            row, drv, am = el.nodes[1], f"l{k}_{'hd' if lateral else 'd'}{i}", f"V{'ih' if lateral else 'am'}{k}_{i}"
            els += [dataclasses.replace(el, nodes=(el.nodes[0], drv, *el.nodes[2:])), V(am, drv, row, Dc(0.0))]
            saves += [f"v({row})", f"i({am.lower()})"]
        else:
            els.append(el)
            if isinstance(el, Element) and el.name.startswith("Vin") and el.nodes[0].startswith("l1_r"):
                saves += [f"v({el.nodes[0]})", f"i({el.name.lower()})"]
    return dataclasses.replace(net, deck=dataclasses.replace(deck, elements=tuple(els), saves=tuple(dict.fromkeys(saves))))


def _trapz(y: np.ndarray, t: np.ndarray) -> float:
    return float(np.trapezoid(y, t))


def measure(net: NetworkDeck, result: Any, *, pulses: Sequence[int]) -> dict[str, Any]:
    """Energies (J) of one instrumented run: ``read`` per layer and in total, ``supply``
    (``static``/``dynamic``), ``total``, and ``pj_per_sop`` (``pulses``: read pulses per layer,
    from the recorded spikes)."""
    tr = result.tran
    t = np.asarray(tr.time)
    from ..network.deck import layer_parts

    n_layers = len(net.topology.layers)
    # the devices see the row against the columns' virtual ground v_ref; the rest of what a row
    # source delivers (v_ref times the charge) flows on into the column read-out
    v_ref = [float(getattr(layer_parts(net.topology, k).column_params, "v_ref", 0.0)) for k in range(n_layers)]
    read = [0.0] * n_layers
    rows = [0.0] * n_layers
    lateral = [0.0] * n_layers
    for el in net.deck.elements:
        if not isinstance(el, Element):
            continue
        if el.name.startswith("Vih"):  # a lateral inhibition row: its resistors end on - columns at v_ref
            k = int(el.name[3:].split("_")[0]) - 1
            v, i = np.asarray(tr[f"v({el.nodes[1]})"]), np.asarray(tr[f"i({el.name.lower()})"])
            lateral[k] += _trapz((v - v_ref[k]) * i, t)
            rows[k] += _trapz(v * i, t)
            continue
        if el.name.startswith("Vam"):
            k = int(el.name[3:].split("_")[0]) - 1
            v, i = np.asarray(tr[f"v({el.nodes[1]})"]), np.asarray(tr[f"i({el.name.lower()})"])
        elif el.name.startswith("Vin") and el.nodes[0].startswith("l1_r"):
            # a source delivers power -v i (ngspice's i(V) flows into its + node)
            k = 0
            v, i = np.asarray(tr[f"v({el.nodes[0]})"]), -np.asarray(tr[f"i({el.name.lower()})"])
        else:
            continue
        read[k] += _trapz((v - v_ref[k]) * i, t)
        rows[k] += _trapz(v * i, t)
    vdd = float(next(el.value.value for el in net.deck.elements if isinstance(el, Element) and el.name == "Vdd"))
    i_dd = -np.asarray(tr["i(vdd)"])
    supply = vdd * _trapz(i_dd, t)
    static = vdd * float(i_dd[0]) * float(t[-1] - t[0])
    sop = [int(p) * layer.n_out for p, layer in zip(pulses, net.topology.layers)]
    total_read = float(sum(read))
    total_rows = float(sum(rows))
    return {"read_j": read, "read_total_j": total_read, "lateral_j": lateral, "lateral_total_j": float(sum(lateral)),
            "rows_j": total_rows, "supply_j": supply, "static_j": static,
            "dynamic_j": supply - static + total_rows, "total_j": total_rows + supply, "sop": sop,
            "pj_per_sop": 1e12 * total_read / max(sum(sop), 1)}


def trapezoid_factor(mean_f: float, width: float, edge: float) -> float:
    """``integral v I dt`` of a trapezoidal pulse (half-amplitude ``width``, linear ``edge``s)
    relative to the rectangle ``v_read I(v_read) width``, with ``mean_f`` the mean over an edge of
    ``f(u) = u I(u v_read) / I(v_read)`` (module docstring; a linear read: 1/3)."""
    return 1.0 + (edge / width) * (2.0 * mean_f - 1.0)


def energy_factor(layer: Layer, width: float, edge: float, state: float | None = None, points: int = 201) -> float:
    """``integral v I dt`` of a trapezoidal row pulse (half-amplitude ``width``, linear edges
    ``edge``) relative to ``v_read I(v_read) width`` (module docstring), at a mid-range state."""
    import torch

    wi = layer.weights_interface
    lo, hi = wi.bounds
    s = torch.tensor(state if state is not None else (0.5 * (lo + hi) if np.isfinite(hi) else lo), dtype=torch.float64)
    u = torch.linspace(0.0, 1.0, points, dtype=torch.float64)
    ref = wi.read(s, layer.v_read)
    if float(ref) == 0.0:
        return 1.0
    f = (u * wi.read(s, u * layer.v_read) / ref).detach().numpy()
    return trapezoid_factor(float(np.trapezoid(f, np.linspace(0.0, 1.0, points))), width, edge)


def device_energy(layer: Layer, width: float, edge: float) -> np.ndarray:
    """Energy (J) one read pulse dissipates in the pair ``(i, j)`` of ``layer``: both devices."""
    import torch

    wi = layer.weights_interface
    e = energy_factor(layer, width, edge)
    per = [wi.read(torch.as_tensor(s, dtype=torch.float64), layer.v_read).detach().numpy() for s in layer.states
           if s is not None]  # an unsigned layer: one device per synapse
    return np.abs(sum(np.asarray(x) for x in per)).reshape(layer.shape) * layer.v_read * width * e


def estimate(layers: Sequence[Layer], rows: Sequence[Sequence[np.ndarray]], widths: Sequence[float],
             edges: Sequence[float], spikes: Sequence[Sequence[np.ndarray]] | None = None) -> dict[str, Any]:
    """The surrogate's read energy (J) per layer and in total, and pJ/SOP: ``rows[k][i]`` the
    pulse times on row ``i`` of layer ``k`` (inputs, then each layer's spikes), with that
    layer's pulse ``widths`` and row ``edges``. ``spikes[k]``: layer ``k``'s own spike times, which
    drive its lateral inhibition rows (needed only for a layer with ``lateral``)."""
    read, sop, lateral = [], [], []
    for k, (layer, starts, w, e) in enumerate(zip(layers, rows, widths, edges)):
        n = np.array([len(s) for s in starts], float)
        read.append(float(n @ device_energy(layer, w, e).sum(1)))
        sop.append(int(n.sum()) * layer.n_out)
        lateral.append(0.0)
        if layer.lateral is not None:
            if spikes is None:
                raise ValueError(f"layer {k + 1} has lateral inhibition: give its spikes to estimate its energy")
            p = layer.neuron_params
            t_spike, edge = float(p.t_spike), ROW_EDGE * float(p.t_edge)
            per_spike = layer.lateral_g.sum(1) * layer.lateral_v_read ** 2 * t_spike * trapezoid_factor(1 / 3, t_spike, edge)
            lateral[k] = float(np.array([len(s) for s in spikes[k]], float) @ per_spike)
    total = float(sum(read))
    return {"read_j": read, "read_total_j": total, "lateral_j": lateral, "lateral_total_j": float(sum(lateral)),
            "sop": sop, "pj_per_sop": 1e12 * total / max(sum(sop), 1)}


__all__ = ["instrument", "measure", "estimate", "energy_factor", "trapezoid_factor", "device_energy"]
