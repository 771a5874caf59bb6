"""A topology and an input become one hierarchical, readable ngspice deck.

Layout (layer ``l`` = 1, 2, ...; ``i`` its rows, ``j`` its neurons)::

    * device, crossbar, row-driver, column read-out and neuron subcircuits
    .subckt xbar_l<l> r0 .. r<n-1> c0p c0n .. c<m-1>p c<m-1>n    one per layer: the devices,
      Xp<i>_<j> r<i> c<j>p <controls> <device> <state>=...        G+ of weight (i, j)
      Xn<i>_<j> r<i> c<j>n <controls> <device> <state>=...        G- of weight (i, j)
    .ends
    Vdd vdd 0 <supply>
    Vin<i> in<i> 0 PWL(...)                                       input spike trains
    Xrd<l>_<i> <pre spike> l<l>_r<i> vdd 0 <row driver>           spike -> read pulse on the row
    Xxbar<l> l<l>_r0 .. l<l>_c<m-1>n xbar_l<l>
    Xcol<l>_<j> l<l>_c<j>p l<l>_c<j>n l<l>_m<j> vdd 0 <column>   virtual ground + current copy
    Xn<l>_<j> l<l>_m<j> l<l>_s<j> vdd 0 <neuron>                  membrane l<l>_m<j>, spike l<l>_s<j>
    Xlat<l>_<k> l<l>_s<k> l<l>_h<k> vdd 0 <row driver>           lateral row of neuron k (Layer.lateral)
    Rlat<l>_<k>_<j> l<l>_h<k> l<l>_c<j>n <1/g>                     its charge onto neuron j's - column
    .ic v(l<l>_m<j>)=<v_rest> ...                                   every neuron starts at rest
    .save v(l<l>_s<j>) ...                                         every neuron's spike output
    .tran ...;  .print tran v(...)                                 output layer (plain ngspice -b)

The deck inherits the simulator options and the largest safe time step of every component it
instantiates (``Component.sim_options`` / ``max_step``, and each neuron's
``NeuronParams.max_step()``); the topology's own ``sim_options``/``max_step`` override them.
Conflicting inherited options are merged by rule: tolerances take the tightest value and the
Gear method wins over the trapezoidal rule (it is the one the stiff neuron nodes need); any
other disagreement is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..library import registry
from ..library.registry import Component
from ..params import Params
from ..spice.ir import Comment, Dc, Deck, Lib, Line, Print, R, Subckt, Tran, V, X
from ..library.interfaces.technology import includes_of
from ..spice.render import render
from .stimulus import SpikeInput, spike_pwl
from .topology import Layer, Topology

#: options merged by taking the smallest value
_TIGHTEST = {"reltol", "abstol", "vntol", "chgtol", "trtol", "gmin"}
#: options merged by taking the largest value
_LARGEST = {"itl1", "itl2", "itl4", "itl5"}


def merge_options(sources: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Merge the simulator options of several components (``(name, options)`` pairs) by the
    rules in the module docstring; raises naming the components that disagree."""
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, opts in sources:
        for key, value in opts.items():
            k = key.lower()
            if k not in out:
                out[k], origin[k] = value, name
            elif out[k] == value:
                continue
            elif k in _TIGHTEST:
                out[k] = min(out[k], value)
            elif k in _LARGEST:
                out[k] = max(out[k], value)
            elif k == "method" and {str(out[k]).lower(), str(value).lower()} == {"gear", "trap"}:
                out[k] = "gear"
            else:
                raise ValidationError(f"components {origin[k]!r} and {name!r} need different simulator options "
                                      f"{k}={out[k]!r} and {k}={value!r}.",
                                      hint="Set the option on the Topology (sim_options=) to decide.")
    return out


@dataclass(frozen=True)
class LayerParts:
    """The resolved parts of one layer in a deck: components, parameters and subcircuits."""

    layer: Layer
    driver: Component
    driver_params: Params
    column: Component
    column_params: Params
    neuron_sub: Subckt
    driver_sub: Subckt
    column_sub: Subckt
    #: one neuron subcircuit per neuron (per-neuron parameters), else None
    neuron_subs: tuple[Subckt, ...] | None = None
    #: the lateral rows' driver (Layer.lateral), else None
    lateral_driver_sub: Subckt | None = None

    def neuron_sub_of(self, j: int) -> Subckt:
        return self.neuron_sub if self.neuron_subs is None else self.neuron_subs[j]


def _set_known(comp: Component, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> Params:
    fields = {r["name"] for r in comp.params_cls.describe()}
    values = {k: v for k, v in defaults.items() if k in fields}
    values.update(given)
    return comp.make_params(**values)


def layer_parts(topology: Topology, index: int) -> LayerParts:
    """Components and parameters of layer ``index`` (0-based): the row drivers' ``v_read`` is
    the layer's read bias, their ``v_in`` the presynaptic spike amplitude and their ``v_ref`` the
    column read-out's."""
    layer = topology.layers[index]
    col = registry.get(layer.read.column)
    drv = registry.get(layer.read.row_driver)
    for c in (col, drv):
        if c.kind != "interface":
            raise ValidationError(f"read interface component {c.name!r} is a {c.kind}, not an interface.")
    col_p = col.make_params(**dict(layer.read.column_params))
    v_ref = float(getattr(col_p, "v_ref", 0.0))
    pre = topology.layers[index - 1].neuron_params if index > 0 else layer.neuron_params
    v_in = float(pre.spike_amplitude()) if hasattr(pre, "spike_amplitude") else 1.8
    drv_p = _set_known(drv, layer.read.row_params, {"v_read": layer.v_read, "v_ref": v_ref, "v_in": v_in})
    if abs(float(getattr(drv_p, "v_ref", v_ref)) - v_ref) > 1e-12:
        raise ValidationError(f"layer {index + 1}: the row drivers idle at v_ref = {drv_p.v_ref:g} V but the columns are "
                              f"held at {v_ref:g} V; idle rows would drive current into the columns.",
                              hint="Give both the same v_ref (or leave the row drivers' v_ref unset).")
    if layer.spiking:
        neuron_sub = layer.neuron.subckt(layer.neuron_params)
        each = None if layer.neuron_params_each is None else tuple(layer.neuron.subckt(p) for p in layer.neuron_params_each)
    else:
        from ..library.neurons.base import integrator_subckt

        neuron_sub = integrator_subckt(layer.neuron, layer.neuron_params)
        each = None if layer.neuron_params_each is None else tuple(integrator_subckt(layer.neuron, p)
                                                                   for p in layer.neuron_params_each)
    lat = None
    if layer.lateral is not None:
        amp = float(layer.neuron_params.spike_amplitude()) if hasattr(layer.neuron_params, "spike_amplitude") else 1.8
        lat = drv.subckt(_set_known(drv, layer.read.row_params, {"v_read": layer.lateral_v_read, "v_ref": v_ref, "v_in": amp}))
    return LayerParts(layer, drv, drv_p, col, col_p, neuron_sub, drv.subckt(drv_p), col.subckt(col_p), each, lat)


@dataclass
class NetworkDeck:
    """A network deck and what reading its results needs."""

    deck: Deck
    topology: Topology
    stimulus: SpikeInput
    #: spike output node of every neuron, per layer
    spike_nodes: tuple[tuple[str, ...], ...]
    #: membrane node of every neuron, per layer
    membrane_nodes: tuple[tuple[str, ...], ...]
    #: rising level (V) that counts as a spike on each layer's outputs (inf: a non-spiking layer)
    thresholds: tuple[float, ...]
    #: devices left out per layer (exactly zero conductance)
    omitted: tuple[int, ...]
    #: devices instantiated per layer
    devices: tuple[int, ...]

    @property
    def spiking(self) -> tuple[bool, ...]:
        """Whether each layer spikes (False: an output layer read by its membrane)."""
        return tuple(layer.spiking for layer in self.topology.layers)

    def text(self) -> str:
        return render(self.deck)

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.text())
        return p


def crossbar(layer: Layer, name: str, *, omit_zero: bool = True) -> tuple[Subckt, tuple[Subckt, ...], int, int]:
    """The crossbar subcircuit of ``layer`` (ports ``r0 .. c<m-1>n``), the device subcircuits it
    needs, and the numbers of devices placed and left out."""
    n, m = layer.shape
    s_pos, s_neg = layer.states
    both = np.concatenate([s_pos.ravel(), s_neg.ravel()]) if s_neg is not None else s_pos.ravel()
    placed = layer.binding.place(layer.synapse, layer.synapse_params, both, layer.weights_interface, omit_zero=omit_zero)
    ports = tuple(f"r{i}" for i in range(n)) + tuple(f"c{j}{s}" for j in range(m) for s in "pn")
    lines: list[Line] = [Comment(note) for note in placed.notes]
    lines += list(placed.shared)
    count = omitted = 0
    for i in range(n):
        lines.append(Comment(f"row {i}"))
        if placed.per_row is not None:
            lines += list(placed.per_row(f"r{i}", "c0p"))
        for j in range(m):
            sides = (("p", s_pos[i, j]), ("n", s_neg[i, j])) if s_neg is not None else (("p", s_pos[i, j]),)
            for side, s in sides:
                e = placed.instance(f"{side}{i}_{j}", f"r{i}", f"c{j}{side}", float(s))
                if e is None:
                    omitted += 1
                else:
                    lines.append(e)
                    count += 1
    wi = layer.weights_interface
    pair = ("weight (i, j) = G(p<i>_<j>) - G(n<i>_<j>), devices named <letter>p<i>_<j> on c<j>p, <letter>n<i>_<j> on c<j>n"
            if s_neg is not None else "unsigned: weight (i, j) = G(p<i>_<j>), one device per synapse on c<j>p, none on c<j>n")
    doc = (f"Crossbar {name}: {n} rows x {m} column pairs of {layer.synapse.name} ({layer.synapse.family}); {pair}\n"
           f"read at v_read = {layer.v_read:g} V; device state {wi.state_name} ({wi.state_unit}); "
           f"{count} devices placed, {omitted} left out (zero conductance)")
    return Subckt(name, ports, tuple(lines), doc=doc), placed.subckts, count, omitted


def build_deck(topology: Topology, stimulus: SpikeInput, *, input_mode: str = "driver", prints: str = "output",
               probe_membranes: bool = False, omit_zero: bool = True, title: str | None = None) -> NetworkDeck:
    """The deck of ``topology`` driven by ``stimulus`` (see the module docstring).

    ``input_mode``: "driver" (PWL spikes into layer 1's row drivers, like any presynaptic
    neuron) or "direct" (PWL read pulses straight onto layer 1's rows, no input drivers).
    ``prints``: "output" (``.print`` the output layer's spikes, for plain ``ngspice -b``),
    "all" or "none". ``omit_zero``: leave out devices whose conductance is exactly zero
    (digital code 0).
    """
    if stimulus.n_inputs != topology.n_inputs:
        raise ValidationError(f"the input has {stimulus.n_inputs} spike trains but the network {topology.n_inputs} inputs.")
    if input_mode not in ("driver", "direct"):
        raise ValidationError(f"input_mode must be 'driver' or 'direct', got {input_mode!r}.")
    if prints not in ("output", "all", "none"):
        raise ValidationError(f"prints must be 'output', 'all' or 'none', got {prints!r}.")
    parts = [layer_parts(topology, k) for k in range(len(topology.layers))]
    subckts: dict[str, Subckt] = {}

    def add(*subs: Subckt) -> None:
        for s in subs:
            if s.name in subckts and subckts[s.name] != s:
                raise ValidationError(f"two different subcircuits are named {s.name!r}.")
            subckts.setdefault(s.name, s)

    vdd = max(float(getattr(p.layer.neuron_params, "vdd", 1.8)) for p in parts)
    els: list[Line] = [Comment("supply"), V("Vdd", "vdd", "0", Dc(vdd))]
    first = parts[0]
    els.append(Comment(f"inputs: {stimulus.n_inputs} spike trains, {stimulus.count} spikes "
                       f"({'spike waveforms into the row drivers' if input_mode == 'driver' else 'read pulses on the rows'})"))
    for i, t in enumerate(stimulus.times):
        if input_mode == "driver":
            wave = spike_pwl(t, low=0.0, high=first.driver_params.v_in, width=stimulus.width, edge=stimulus.edge)
            els.append(V(f"Vin{i}", f"in{i}", "0", wave))
        else:
            v_ref = float(getattr(first.column_params, "v_ref", 0.0))
            wave = spike_pwl(t, low=v_ref, high=v_ref + first.layer.v_read, width=stimulus.width, edge=stimulus.edge)
            els.append(V(f"Vin{i}", f"l1_r{i}", "0", wave))
    spike_nodes, membranes, thresholds, omitted, devices = [], [], [], [], []
    ics: dict[str, float] = {}
    sources: list[tuple[str, Mapping[str, Any]]] = []
    max_steps: list[float] = []
    for k, part in enumerate(parts, start=1):
        layer = part.layer
        n, m = layer.shape
        xname = f"xbar_l{k}"
        xsub, dsubs, count, left = crossbar(layer, xname, omit_zero=omit_zero)
        add(*dsubs, xsub, part.driver_sub, part.column_sub, part.neuron_sub, *(part.neuron_subs or ()),
            *((part.lateral_driver_sub,) if part.lateral_driver_sub is not None else ()))
        omitted.append(left)
        devices.append(count)
        rows = [f"l{k}_r{i}" for i in range(n)]
        cols = [f"l{k}_c{j}{s}" for j in range(m) for s in "pn"]
        mem = [f"l{k}_m{j}" for j in range(m)]
        spk = [f"l{k}_s{j}" for j in range(m)]
        els.append(Comment(f"layer {k}: {n} -> {m}, {layer.synapse.name} synapses, {part.driver.name} rows, "
                           f"{part.column.name} columns, {layer.neuron.name} neurons"
                           + ("" if layer.spiking else " (membranes alone, read by their voltage)")))
        if k > 1 or input_mode == "driver":
            pre = [f"in{i}" for i in range(n)] if k == 1 else spike_nodes[-1]
            els += [X(f"Xrd{k}_{i}", (pre[i], rows[i], "vdd", "0"), part.driver_sub.name) for i in range(n)]
        els.append(X(f"Xxbar{k}", rows + cols, xname))
        for j in range(m):
            els.append(X(f"Xcol{k}_{j}", (cols[2 * j], cols[2 * j + 1], mem[j], "vdd", "0"), part.column_sub.name))
            els.append(X(f"Xn{k}_{j}", (mem[j], spk[j], "vdd", "0"), part.neuron_sub_of(j).name))
        if layer.lateral is not None:
            g_lat = layer.lateral_g
            assert part.lateral_driver_sub is not None and g_lat is not None
            els.append(Comment(f"layer {k} lateral: spike of neuron k -> row driver (read {layer.lateral_v_read:g} V) -> "
                               f"l{k}_h<k> -> resistor 1/g[k, j] -> neuron j's - column"))
            for a in range(m):
                els.append(X(f"Xlat{k}_{a}", (spk[a], f"l{k}_h{a}", "vdd", "0"), part.lateral_driver_sub.name))
                for b in range(m):
                    if g_lat[a, b] > 0:
                        els.append(R(f"Rlat{k}_{a}_{b}", f"l{k}_h{a}", cols[2 * b + 1], float(f"{1.0 / g_lat[a, b]:.10g}")))
        spike_nodes.append(tuple(spk))
        membranes.append(tuple(mem))
        v_rest = getattr(layer.neuron_params, "v_rest", None)
        if v_rest is not None:
            # the operating point starts every neuron at rest (with transistor read-outs at zero
            # current the membrane's DC level is otherwise ill-conditioned)
            ics.update({node: float(v_rest) for node in mem})
        thresholds.append(float(layer.neuron_params.spike_threshold()) if layer.spiking else float("inf"))
        for comp, cp in ((layer.synapse, layer.synapse_params), (layer.neuron, layer.neuron_params),
                         (part.driver, part.driver_params), (part.column, part.column_params)):
            sources.append((comp.name, comp.sim_options))
            h_comp = comp.max_step_for(cp)
            if h_comp is not None:
                max_steps.append(float(h_comp))
    options = merge_options(sources)
    options.update({k.lower(): v for k, v in topology.sim_options.items()})
    h = topology.max_step if topology.max_step is not None else (min(max_steps) if max_steps else stimulus.edge / 2)
    spiking = [p.layer.spiking for p in parts]
    # a non-spiking layer's output is its membranes
    outputs = [spk if on else mem for spk, mem, on in zip(spike_nodes, membranes, spiking)]
    saves = [f"v({s})" for layer_nodes in outputs for s in layer_nodes]
    if probe_membranes:
        saves += [f"v({s})" for layer_nodes, on in zip(membranes, spiking) if on for s in layer_nodes]
    print_nodes = {"output": outputs[-1:], "all": outputs, "none": []}[prints]
    pr = tuple(Print("tran", tuple(f"v({s})" for s in nodes)) for nodes in print_nodes)
    includes: list[Path | Lib] = []
    model_params: dict[str, Any] = {}
    for part in parts:
        # synapses and neurons built in a technology (GF180MCU switches, axon_hillock_gf180): its
        # model files at the parameters' corner and the .param switches its models read, as in
        # every testbench of the component (Component.deck_context)
        context = [part.layer.synapse.deck_context(part.layer.synapse_params),
                   part.layer.neuron.deck_context(part.layer.neuron_params)]
        found = [inc for incs, _ in context for inc in incs]
        found += [*includes_of(part.driver_params), *includes_of(part.column_params), *part.driver.includes,
                  *part.column.includes]
        for inc in found:
            if inc not in includes:
                includes.append(inc)
        for _, values in context:
            for key, value in values.items():
                if key in model_params and model_params[key] != value:
                    raise ValidationError(f"the models of layer components need different values of .param {key}: "
                                          f"{model_params[key]!r} and {value!r}.")
                model_params[key] = value
    label = topology.label
    title = title or (f"circuitsnn network {label}: "
                      + ", ".join(f"L{k} {p.layer.synapse.name}/{p.column.name}/{p.layer.neuron.name}"
                                  for k, p in enumerate(parts, start=1)))
    doc = _doc(topology, stimulus, parts, devices, omitted, options, h)
    deck = Deck(title, elements=tuple(els), subckts=tuple(subckts.values()), analyses=(Tran(h, stimulus.t_stop, 0.0, h),),
                options=options, saves=tuple(saves), prints=pr, includes=tuple(includes), doc=doc, ics=ics,
                params=model_params)
    return NetworkDeck(deck, topology, stimulus, tuple(spike_nodes), tuple(membranes), tuple(thresholds),
                       tuple(omitted), tuple(devices))


def _doc(topology: Topology, stimulus: SpikeInput, parts: Sequence[LayerParts], devices: Sequence[int],
         omitted: Sequence[int], options: Mapping[str, Any], h: float) -> str:
    lines = [f"Network {topology.name} {topology.label}, generated by circuitsnn.network.build_deck.",
             "Run: ngspice -b <this file>. Signals: l<l>_s<j> spike output and l<l>_m<j> membrane of neuron j "
             "of layer l; l<l>_r<i> row i, l<l>_c<j>p / l<l>_c<j>n its column pair."]
    for k, (part, n_dev, n_left) in enumerate(zip(parts, devices, omitted), start=1):
        layer = part.layer
        w = layer.w_realized
        lines.append(f"layer {k}: {layer.n_in} x {layer.n_out}, {layer.synapse.name} read at {layer.v_read:g} V, "
                     f"weights {w.mean():.3g} +- {w.std():.3g} S (|w| <= {np.abs(w).max():.3g} S), {n_dev} devices"
                     + (f" ({n_left} at zero conductance left out)" if n_left else "")
                     + f"; rows {part.driver.name}, columns {part.column.name}, neurons {layer.neuron.name}"
                     + ("" if layer.spiking else " membranes (no spike rule; the output is v(l<l>_m<j>))"))
    lines.append(f"input: {stimulus.n_inputs} trains, {stimulus.count} spikes, width {stimulus.width:g} s, "
                 f"edges {stimulus.edge:g} s, {stimulus.t_stop:g} s simulated; max step {h:g} s; options "
                 + (" ".join(f"{k}={v}" for k, v in options.items()) or "none"))
    return "\n".join(lines)


__all__ = ["NetworkDeck", "LayerParts", "build_deck", "crossbar", "layer_parts", "merge_options"]
