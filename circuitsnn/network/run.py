"""Run a network deck through a ``circuitsnn.spice`` back-end and read its spikes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spice.result import Result
from ..spice.simulator import get_simulator
from ..spice.spikes import spike_times
from .deck import NetworkDeck


@dataclass
class NetworkResult:
    """Spike times (s) of every neuron, per layer, and what the run cost."""

    spikes: tuple[tuple[np.ndarray, ...], ...]
    #: seconds the simulator process ran (ngspice's share: deck parsing, solving, writing)
    elapsed: float
    #: seconds from handing the deck over to having the spikes (includes rendering and reading)
    wall: float
    #: time points of the transient
    points: int
    #: CPU seconds (user + system) of the simulator subprocess (batch back-end; None otherwise):
    #: on a shared machine the load-independent cost
    cpu: float | None = None
    result: Result | None = field(default=None, repr=False)

    @property
    def counts(self) -> tuple[int, ...]:
        """Total spikes per layer."""
        return tuple(int(sum(t.size for t in layer)) for layer in self.spikes)

    def per_neuron(self, layer: int) -> np.ndarray:
        """Spike count of every neuron of ``layer`` (0-based)."""
        return np.array([t.size for t in self.spikes[layer]])


def read_spikes(net: NetworkDeck, result: Result) -> tuple[tuple[np.ndarray, ...], ...]:
    """Spike times per neuron, per layer, from a transient result of ``net``'s deck (rising
    crossings of half the spike amplitude, :func:`circuitsnn.spice.spikes.spike_times`)."""
    tr = result.tran
    t = np.asarray(tr.time)
    return tuple(tuple(spike_times(t, np.asarray(tr[node]), level) if np.isfinite(level) else np.empty(0)
                       for node in nodes)
                 for nodes, level in zip(net.spike_nodes, net.thresholds))


def read_membranes(net: NetworkDeck, result: Result, times: np.ndarray, layer: int = -1) -> np.ndarray:
    """Membranes (V) of ``layer``'s neurons at ``times`` (s) ``[len(times), n]``, interpolated
    linearly between the transient's points (a membrane-read output layer always saves them;
    other layers with ``probe_membranes``)."""
    tr = result.tran
    t = np.asarray(tr.time)
    nodes = net.membrane_nodes[layer]
    return np.stack([np.interp(np.asarray(times, float), t, np.asarray(tr[f"v({n})"])) for n in nodes], axis=1)


def simulate_network(net: NetworkDeck, *, backend: str = "batch", timeout: float | None = 3600.0, keep_result: bool = False,
                     **options: Any) -> NetworkResult:
    """Simulate ``net`` on a back-end (``batch``: ``ngspice -b``; ``shared``: libngspice) and
    extract every neuron's spikes."""
    t0 = time.perf_counter()
    before = _children_cpu()
    with get_simulator(backend, **options) as sim:
        result = sim.run(net.deck, timeout=timeout)
    cpu = _children_cpu() - before if backend == "batch" else None
    spikes = read_spikes(net, result)
    wall = time.perf_counter() - t0
    return NetworkResult(spikes, float(result.elapsed or wall), wall, int(np.asarray(result.tran.time).size), cpu,
                         result if keep_result else None)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return float("nan")
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


__all__ = ["NetworkResult", "read_spikes", "read_membranes", "simulate_network"]
