"""Export a trained network as a NIR graph (Neuromorphic Intermediate Representation, ``nir``),
readable by ``nir.read`` and by snnTorch, Norse, Sinabs, Rockpool, Spyx, Nengo.

Mapping (SI throughout; NIR's neurons are continuous-time):

* each synapse array -> ``nir.Linear`` with ``weight`` ``(n_out, n_in)`` in A: the column
  current one input spike delivers, averaged over the time step it falls in, read through the
  device (``(I(G+) - I(G-)) * t_w / dt``; 0 where a pair was pruned: pruned synapses are absent);
* each spiking layer -> ``nir.LIF`` with the fitted surrogate's ``tau = tau_m`` (s),
  ``r = r_in`` (Ohm), ``v_leak = v_rest``, ``v_threshold = v_th``, ``v_reset`` (V), per neuron, so
  ``tau dv/dt = (v_leak - v) + r I`` is the RC neuron's own equation; a membrane readout ->
  ``nir.LI`` (the same RC without threshold);
* recurrent arrays -> a ``nir.Linear`` from the layer's LIF back to itself.

NIR has no refractory period, adaptation or exponential threshold: they are recorded in each
node's ``metadata`` (``t_ref``, ``b``, ``tau_w``, ``delta_t``) with the time step, the read
pulse and the device family, and the graph's metadata says what was left out. Voltages below
``snap`` (1 uV by default; the fitted LIF's ``v_rest`` is -0.3 uV of fit noise) are written as 0
so importers that require ``v_leak = 0`` (snnTorch) accept the graph; ``snap=0`` keeps them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch


def _snap(x: float, snap: float) -> float:
    return 0.0 if abs(x) < snap else float(x)


@torch.no_grad()
def to_nir(net: Any, *, snap: float = 1e-6):
    """The NIR graph of a :class:`~circuitsnn.learn.layers.DeviceNetwork` (nominal devices)."""
    import nir

    p = net.neuron
    nodes: dict[str, Any] = {"input": nir.Input(input_type={"input": np.array([net.sizes[0]])})}
    edges: list[tuple[str, str]] = []
    prev = "input"
    meta_common = {"dt": net.dt, "n_steps": net.n_steps, "pulse_amplitude": net.pulse.amplitude,
                   "pulse_width": net.pulse.width, "device": net.model.device.component,
                   "units": "weights in A per input spike (step-mean current); tau s, r Ohm, voltages V"}
    rec = dict(net.arrays())
    for k, (syn, neu) in enumerate(zip(net.synapses, net.neurons)):
        w = syn.effective().double().numpy()
        name = f"layer{k}"
        nodes[name] = nir.Linear(weight=w, metadata={**meta_common, "pairs": int(syn.mask.sum()),
                                                      "pruned_pairs": int((syn.mask == 0).sum())})
        edges.append((prev, name))
        n = neu.n
        full = lambda v: np.full(n, float(v))  # noqa: E731
        extra = {"t_ref": float(p.t_ref), "b": float(p.b), "tau_w": float(p.tau_w), "delta_t": float(p.delta_t),
                 "i_ref": float(p.i_ref), "t_delay": float(p.t_delay), "source": neu.source}
        if neu.threshold:
            node = nir.LIF(tau=full(p.tau_m), r=full(p.r_in), v_leak=full(_snap(float(p.v_rest), snap)),
                           v_threshold=full(p.v_th), v_reset=full(_snap(float(p.v_reset), snap)),
                           metadata={**meta_common, **extra})
            lname = f"lif{k}"
        else:
            node = nir.LI(tau=full(p.tau_m), r=full(p.r_in), v_leak=full(_snap(float(p.v_rest), snap)),
                          metadata={**meta_common, **extra})
            lname = f"li{k}"
        nodes[lname] = node
        edges.append((name, lname))
        if f"{name}_rec" in rec:
            r = rec[f"{name}_rec"]
            nodes[f"{name}_rec"] = nir.Linear(weight=r.effective().double().numpy(), metadata=meta_common)
            edges += [(lname, f"{name}_rec"), (f"{name}_rec", lname)]
        prev = lname
    nodes["output"] = nir.Output(output_type={"output": np.array([net.sizes[-1]])})
    edges.append((prev, "output"))
    left_out = "refractory period, adaptation, exponential threshold and the device read nonlinearity at other " \
               "amplitudes are not NIR primitives (see node metadata)"
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"producer": "circuitsnn", "left_out": left_out,
                                                            **meta_common})


def export_nir(net: Any, path: str | Path, **kw: Any) -> Path:
    """Write the NIR graph of ``net`` to ``path`` (HDF5, ``.nir``)."""
    import nir

    path = Path(path)
    nir.write(path, to_nir(net, **kw))
    return path
