"""An STDP-trained layer (Diehl & Cook, ``circuitsnn stdp CONFIG --out DIR``: ``DIR/model``) as a
circuit in ngspice, and the continuous-time surrogate of that same circuit.

**The circuit** (:func:`build_topology`: one :class:`~circuitsnn.network.Topology` of one layer,
which both the deck and the surrogate read):

* the crossbar: one device of the model's family per synapse (an unsigned layer,
  ``Layer(states=(s, None))``: devices on the ``+`` column of each pair only) at the saved
  device states (``weights.npz: exc.state``), the family's component at the device parameters
  its fitted surrogate was made from (provenance), read by the behavioural row drivers at the
  model's read amplitude;
* the neurons: the LIF circuit the neuron surrogate stands for (its fit's circuit parameters,
  or the library's nominal LIF with the run's ``[neuron] params``), each neuron its own
  subcircuit with its threshold frozen at the trained ``v_th + theta_j`` (the threshold DAC per
  neuron: ``Layer(neuron_params=[...])``);
* lateral inhibition as real primitives (``Layer(lateral=Lateral(g))``): every neuron's output
  spike drives a row driver (the same behavioural limiter as the input rows, at the same read
  bias ``v_read``) onto its own inhibition row, and a resistor from that row to the ``-``
  column of every other neuron. The column read-out subtracts the ``-`` column's current from
  the membrane, so one spike takes the charge ``q = v_read t_spike / R`` off every other
  neuron. ``R`` is set so that ``q`` is the model's ``g_inh x amplitude x width`` (the
  neuron's output pulse through the trained inhibitory conductance, = ``inhibition`` x the
  threshold charge): ``R = v_read t_spike / q``. The row driver's window is symmetric about
  half amplitude, so the charge through a linear resistor is exactly ``v_read t_spike / R``
  (row_driver docstring). tests/test_deploy_stdp.py checks it in the deck alone: the same
  input with and without the lateral resistors, 20 us after the layer's first spike every other
  membrane sits ``q / C`` lower with them (within 0.5 %);
* the input: the model's Poisson encoder (probability ``x max_rate dt`` per step), drawn with
  a generator seeded per sample, each pulse a PWL read pulse of the model's amplitude and
  width centred in its step; presentations of ``t_present`` (below: quiet samples again).

**The surrogate** (:func:`surrogate_spikes`): event driven and exact between pulse edges, from
the same topology: the input read currents through the weight interface at the layer's states
(:func:`~circuitsnn.deploy.network.pulse_currents`, with the trapezoid's charge factor; or the
trapezoid as a staircase, :func:`input_rows`), the inhibition pulses of ``-gain g v_read``
(half amplitude from each spike's half-amplitude time for ``t_spike``, the row driver's edges
as a staircase of :data:`STEPS` rectangles), the fitted LIF with per-neuron thresholds and the
circuit's latch, all through :func:`~circuitsnn.network.ideal.lif_layer`. The inhibition makes
the layer recurrent; the spike trains are the fixed point of "spikes -> inhibition pulses ->
lif_layer -> spikes": inhibition starts about ``t_delay - edge/2`` (2 us) after the crossing
that sends it, so if an iterate is right up to time ``T`` the next is right up to at least the
next spike after ``T``, and the iteration reaches the fixed point in at most (spikes + 1)
iterations (it stops at an exact repeat; 10,000 without one raise).

**The latch.** The LIF circuit's spike latch sets ``t_latch = t_fast ln 2`` (1.4 us) after
the membrane crosses threshold and lets go if the membrane falls back first; the inhibition
reaches the other membranes about 2 us after the crossing that sends it. All input pulses sit
on the model's step grid, so one pulse often drives two neurons over threshold within a
microsecond of each other: the second is undone by the first's inhibition if it has not latched
yet. The surrogate models this (:func:`~circuitsnn.network.ideal.lif_layer`'s ``t_latch``: a
crossing counts if the membrane stays above threshold for ``t_latch``). Measured on the tests'
64-6 model, 20 samples: with the hard threshold 17 of 20 samples had identical spike trains in
SPICE and the surrogate (3 races went the other way); with the latch 19 of 20 (98 of 100
spikes coincide, the largest time difference 1.2 us). The remaining sample is a graze: a
membrane 0.3 mV above its 778 mV threshold in the deck, just under it in the surrogate.

**The decision**: each neuron's class from the saved label assignment, the class whose
assigned neurons fired most on average (:func:`circuitsnn.learn.stdp.network.classify`, as the
STDP runner evaluates); an R-STDP reward read-out (``task = "reward"``, trained on the inputs:
the same circuit, one neuron per class, no threshold adaptation) decides by the neuron with
most spikes (-1 when silent), as its runner does. Each record also carries the class the
trained discrete-time model (the runner's own layer, :func:`trained_counts`) gives the same
pulses.

**Presentations** (:func:`present`): as the runner evaluates, a sample with fewer than
``min_spikes`` output spikes is presented again at ``max_rate + k rate_boost`` (Diehl & Cook),
up to ``max_retries`` times, each a fresh deck (the circuit at rest: what a controller that
counts the output spikes and re-sends the sample does). The deck, the surrogate and the trained
model each follow the rule on their own counts; Gamma compares the deck's last presentation
with the surrogate on the same pulses, and energy sums the deck's presentations.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ValidationError
from ..network.ideal import ROW_EDGE, lif_layer, pulse_charge_factor
from ..network.stimulus import SpikeInput
from ..network.topology import Lateral, Layer, ReadInterface, Topology
from .network import SavedModel

SCHEMA = "circuitsnn.stdp/1"
#: rectangles per inhibition pulse in the surrogate (a staircase of its trapezoid: see surrogate_spikes)
STEPS = 8
#: levels per edge of an input read pulse in the surrogate (0: a rectangle with the trapezoid's charge).
#: Measured on the tests' 64-6 model, 10 samples: the largest SPICE - surrogate spike-time difference
#: is 0.47 us with rectangles and 0.21 us with 2, 4 or 8 levels, at 2.3x, 4x, 8x the surrogate's time
#: (the same spikes otherwise); rectangles are the default, the staircase a check
INPUT_STEPS = 0


@dataclass
class STDPModel(SavedModel):
    """A saved STDP model as deployment reads it (``doc``: model.json; ``arrays``: weights.npz)."""

    kind = "stdp"

    @property
    def component(self) -> str:
        return str(self.doc["device"]["component"])

    @property
    def n_input(self) -> int:
        return int(self.doc["topology"]["inputs"])

    @property
    def n_neurons(self) -> int:
        return int(self.doc["topology"]["neurons"])

    @property
    def sizes(self) -> list[int]:
        return [self.n_input, self.n_neurons]

    @property
    def dt(self) -> float:
        return float(self.doc["time"]["dt"])

    @property
    def t_present(self) -> float:
        return float(self.doc["time"]["t_present"])

    @property
    def n_steps(self) -> int:
        return int(round(self.t_present / self.dt))

    @property
    def duration(self) -> float:
        return self.dt * self.n_steps

    @property
    def amplitude(self) -> float:
        return float(self.doc["input"]["read_pulse"]["amplitude_V"])

    @property
    def width(self) -> float:
        return float(self.doc["input"]["read_pulse"]["width_s"])

    @property
    def max_rate(self) -> float:
        return float(self.doc["input"]["max_rate_Hz"])

    def _retry(self, key: str, default: float) -> float:
        return float((self.doc.get("config", {}).get("input") or {}).get(key, default))

    @property
    def min_spikes(self) -> int:
        """Fewer output spikes than this: the sample is presented again (Diehl & Cook)."""
        return int(self._retry("min_spikes", 3))

    @property
    def rate_boost(self) -> float:
        """Hz added to ``max_rate`` per re-presentation."""
        return self._retry("rate_boost", 32.0)

    @property
    def max_retries(self) -> int:
        return int(self._retry("max_retries", 4))

    @property
    def theta(self) -> np.ndarray:
        return np.asarray(self.arrays["theta"], float)

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.arrays["labels"], int)

    @property
    def q_inh(self) -> float:
        """Inhibitory charge per spike (C): ``g_inh x amplitude x width`` of the neuron's pulse."""
        n = self.doc["neuron"]
        return float(self.doc["topology"]["lateral_inhibition"]["g_inh_S"]) * float(n["amplitude_V"]) * float(n["width_s"])


def load_stdp_model(folder: Path) -> STDPModel:
    """A saved STDP model, checked for deployment: the unsupervised (Diehl & Cook) layer or the
    R-STDP reward read-out on the inputs, on a device family, Poisson inputs, the
    hard-threshold LIF."""
    from ..learn.stdp.runner import load_model as load_saved

    try:
        doc, arrays = load_saved(folder)
        doc["topology"]["neurons"], doc["input"]["read_pulse"], doc["neuron"]["parameters"]  # noqa: B018
    except (KeyError, TypeError, OSError) as exc:
        raise ValidationError(f"{folder}: an incomplete STDP model ({type(exc).__name__}: {exc}).",
                              hint="circuitsnn stdp CONFIG.toml --out DIR writes a complete DIR/model.") from None
    m = STDPModel(Path(folder), doc, arrays)
    if doc.get("task") not in ("unsupervised", "reward"):
        raise ValidationError(f"{folder}: an STDP {doc.get('task')!r} model; the unsupervised (Diehl & Cook) layer and "
                              "the R-STDP reward read-out on the inputs deploy.")
    if (doc.get("config", {}).get("task") or {}).get("features"):
        raise ValidationError(f"{folder}: an R-STDP read-out on a frozen feature layer; stacked STDP layers (two "
                              "crossbars, the first layer's spikes driving the second's rows) are not deployed yet.",
                              hint="Deploy the feature layer alone, or a read-out trained on the inputs.")
    if m.component == "ideal":
        raise ValidationError(f"{folder}: the model was trained on the unit-free 'ideal' conductance, which is no circuit.",
                              hint="Train on a device family ([synapse] component = \"digital_code\", ...) to deploy.")
    if doc["input"].get("kind", "poisson") != "poisson":
        raise ValidationError(f"{folder}: LIF input neurons ([input] kind = \"neurons\") are not deployed yet; Poisson "
                              "read pulses are.", hint="Train with [input] kind = \"poisson\".")
    if doc["neuron"].get("component", "lif") != "lif":
        raise ValidationError(f"{folder}: neuron {doc['neuron'].get('component')!r}; deployment models the LIF circuit only.")
    from .network import _rc

    _rc(m.neuron_surrogate)  # the hard-threshold LIF
    if m.width + _edge(m, neuron_circuit(m)) > m.dt:
        raise ValidationError(f"{folder}: read pulses of {m.width:g} s do not fit a time step of {m.dt:g} s.")
    return m


def neuron_circuit(m: STDPModel) -> Any:
    """The LIF circuit parameters the neuron surrogate stands for: its fit's (provenance) or the
    library's nominal LIF with the run's ``[neuron] params``."""
    from ..library import registry

    comp = registry.get("lif")
    prov = m.doc["neuron"].get("provenance") or {}
    values = dict(prov.get("component_params") or {})
    if not values:
        values = dict(m.doc["neuron"].get("params_overrides") or {})
    return comp.make_params(**values)


def _edge(m: STDPModel, lif: Any) -> float:
    """Edges of the input read pulses (s): the LIF's own output edges, at most half the width."""
    return min(float(lif.t_edge), 0.5 * m.width)


def _device_params(m: STDPModel) -> Any:
    from ..library import registry

    comp = registry.get(m.component)
    values = (m.doc["device"].get("provenance") or {}).get("component_params")
    return comp.make_params(**values) if values else comp.default_params()


def build_topology(m: STDPModel, *, fidelity: str = "read", read: ReadInterface | None = None,
                   sim_options: dict[str, Any] | None = None, max_step: float | None = None,
                   mapping: Any = None) -> Topology:
    """The model's circuit (module docstring) as a one-layer topology. Attributes added:
    ``threshold_base`` (V, the circuit's ``v_th`` before ``theta``) and ``deploy_mapping`` (the
    conductances the deck's devices realize against the trained ones). ``mapping``: a
    :class:`~circuitsnn.deploy.mapping.Mapping` of this model (program-and-verify on devices
    drawn from the fitted Monte Carlo); its states, which realize the *achieved* conductances,
    replace the saved ones."""
    from ..library import registry

    lif = neuron_circuit(m)
    comp = registry.get("lif")
    base_vth = float(lif.v_th)
    each = [comp.make_params(**{**lif.to_dict(), "v_th": float(f"{base_vth + th:.10g}")}) for th in m.theta]
    states = np.asarray(m.arrays["exc.state"], float)
    if mapping is not None:
        (lm,) = mapping.layers
        if lm.synapse != m.component or lm.states[1] is not None:
            raise ValidationError(f"{m.path}: the mapping is of {lm.synapse} {'pairs' if lm.signed else 'devices'}, the "
                                  f"model of single {m.component} devices.",
                                  hint="Map this model: circuitsnn.deploy.mapping.map_model.")
        states = np.asarray(lm.states[0], float)
    if states.shape != (m.n_input, m.n_neurons):
        raise ValidationError(f"{m.path}: exc.state has shape {states.shape}, expected ({m.n_input}, {m.n_neurons}).")
    base = read or ReadInterface()
    rd = ReadInterface(base.row_driver, {**dict(base.row_params), "v_read": m.amplitude}, base.column, base.column_params)
    gain = float(rd.column_params.get("gain", 1.0))
    n = m.n_neurons
    g_lat = np.full((n, n), m.q_inh / (m.amplitude * float(lif.t_spike) * gain))
    np.fill_diagonal(g_lat, 0.0)
    layer = Layer(m.component, states=(states, None), synapse_params=_device_params(m), neuron="lif", neuron_params=each,
                  read=rd, fidelity=fidelity, name="exc", lateral=Lateral(g_lat, m.amplitude) if m.q_inh > 0 else None)
    topo = Topology(m.n_input, [layer], name=m.path.parent.name or "stdp", sim_options=sim_options, max_step=max_step)
    g_trained = np.asarray(m.arrays["exc.g"], float)
    lo, hi = layer.weights_interface.g_range()
    err = layer.g_pos - g_trained
    topo.threshold_base = base_vth  # type: ignore[attr-defined]
    if mapping is not None:
        topo.deploy_mapping = [{"layer": 1, "mapping": "program-verify",  # type: ignore[attr-defined]
                                **mapping.report()["layers"][0]}]
    else:
        topo.deploy_mapping = [{"layer": 1, "mapping": "saved states", "g_range": [lo, hi],  # type: ignore[attr-defined]
                                "max_abs_error_S": float(np.max(np.abs(err))),
                                "max_error_of_range": float(np.max(np.abs(err)) / (hi - lo)), "clipped": 0}]
    return topo


# -- inputs ---------------------------------------------------------------------------------------
def test_split(m: STDPModel) -> Any:
    """The test split as the STDP runner evaluates it: features flattened, ``limit_test``."""
    from ..learn import data as datasets

    d = m.doc["config"]["data"]
    opts = {k: d[k] for k in ("folder", "val_fraction") if k in d and d[k] is not None}
    test = datasets.load(d["name"], **opts).test
    x = np.asarray(test.x, float).reshape(len(test.y), -1)
    y = np.asarray(test.y, int)
    if d.get("limit_test"):
        x, y = x[: d["limit_test"]], y[: d["limit_test"]]
    return _Split(x, y, int(test.n_classes))


@dataclass
class _Split:
    x: np.ndarray
    y: np.ndarray
    n_classes: int

    def __len__(self) -> int:
        return len(self.y)


def encode(m: STDPModel, x: Any, sample: int, *, seed: int = 0, attempt: int = 0) -> np.ndarray:
    """The model's Poisson pulses ``(T, I)`` (0/1) of one sample: probability ``x rate dt`` per
    step (the runner's encoder, :meth:`SpikingLayer.encode`) at ``rate = max_rate + attempt x
    rate_boost`` (``attempt`` > 0: a re-presentation), a generator seeded by ``(seed, sample,
    attempt)``."""
    import torch

    gen = torch.Generator().manual_seed(1_000_003 * int(seed) + int(sample) + 1 + 7_368_787 * int(attempt))
    xs = torch.as_tensor(np.asarray(x, float), dtype=torch.float64).reshape(1, -1)
    p = torch.clamp(xs * (m.max_rate + attempt * m.rate_boost) * m.dt, 0.0, 1.0)
    return (torch.rand((m.n_steps, *xs.shape), generator=gen, dtype=torch.float64) < p).to(torch.float64)[:, 0].numpy()


def spike_input(m: STDPModel, pulses: np.ndarray) -> SpikeInput:
    """Pulses ``(T, I)`` as read pulses centred in their steps (half-amplitude width = the
    model's width)."""
    e = _edge(m, neuron_circuit(m))
    starts = (np.arange(m.n_steps) + 0.5) * m.dt - m.width / 2
    times = tuple(starts[np.asarray(pulses)[:, f] > 0.5] for f in range(pulses.shape[1]))
    return SpikeInput(times, m.duration, m.width, e)


# -- the surrogate --------------------------------------------------------------------------------
def thresholds(topology: Topology, neuron: Any) -> np.ndarray:
    """Per-neuron thresholds of the surrogate (V): its ``v_th`` plus each neuron's ``theta`` as
    the topology's neuron subcircuits carry it (their ``v_th`` minus the circuit's base)."""
    layer = topology.layers[0]
    if not hasattr(topology, "threshold_base"):
        raise ValidationError("the topology does not say its neurons' base threshold (threshold_base); build it with "
                              "circuitsnn.deploy.stdp.build_topology.")
    base = float(topology.threshold_base)  # type: ignore[attr-defined]
    return np.array([float(neuron.v_th) + float(layer.neuron_params_of(j).v_th) - base for j in range(layer.n_out)])


def input_rows(layer: Layer, stimulus: SpikeInput, steps: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The input read pulses as rows of rectangles for :func:`lif_layer`: ``(starts, widths,
    currents)``. ``steps = 0``: one rectangle per pulse, half-amplitude wide, its current scaled by
    the trapezoid's charge factor (:func:`pulse_charge_factor`, as the gradient surrogate does).
    ``steps = N``: the trapezoid itself as a staircase: each linear edge ``N`` levels at the
    midpoints ``u_k = (k - 1/2) / N`` of the ramp, then the top, as ``N + 1`` stacked rectangles
    of current ``I(u_k v_read) - I(u_{k-1} v_read)`` (the read law at each level, through the
    weight interface), level ``k`` from ``t - e/2 + (k - 1) e/N`` for ``w + (N - 2k + 2) e/N``."""
    from .network import pulse_currents

    w, e = stimulus.width, stimulus.edge
    if steps <= 0:
        return list(stimulus.times), np.full(layer.n_in, w), pulse_currents(layer) * pulse_charge_factor(layer, w, e)
    levels = np.r_[(np.arange(steps) + 0.5) / steps, 1.0]
    cur = [pulse_currents(layer, u * layer.v_read) for u in levels]
    starts, widths, blocks = [], [], []
    for k in range(1, steps + 2):
        starts += [np.asarray(t, float) - e / 2 + (k - 1) * e / steps for t in stimulus.times]
        widths.append(np.full(layer.n_in, w + (steps - 2 * k + 2) * e / steps))
        blocks.append(cur[k - 1] - (cur[k - 2] if k > 1 else 0.0))
    return starts, np.concatenate(widths), np.vstack(blocks)


def surrogate_spikes(topology: Topology, neuron: Any, stimulus: SpikeInput, *, max_iter: int | None = None,
                     input_steps: int | None = None, latch: bool = True) -> tuple[np.ndarray, ...]:
    """Spike times (s, half amplitude of the output pulse, as the deck's are read) of every
    neuron of the one-layer ``topology`` with the fitted neuron surrogate ``neuron``
    (``LIFParameters``), per-neuron thresholds and the lateral inhibition (module docstring)."""
    from .network import _rc

    layer = topology.layers[0]
    rc = dataclasses.replace(_rc(neuron), v_th=thresholds(topology, neuron))  # type: ignore[arg-type]
    delay = float(neuron.t_delay)
    n_in, n = layer.shape
    in_starts, in_widths, w_in = input_rows(layer, stimulus, INPUT_STEPS if input_steps is None else input_steps)
    g_lat = layer.lateral_g
    p0 = layer.neuron_params
    # the circuit's latch: a crossing undone by inhibition within t_fast ln 2 is no spike
    t_latch = float(p0.t_latch) if latch else 0.0

    def seen(spikes: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        # half amplitude t_delay after the crossing; the deck sees those before its end
        return tuple(s[s <= stimulus.t_stop] for s in (np.asarray(x) + delay for x in spikes))

    if g_lat is None:
        return seen(lif_layer(in_starts, in_widths, w_in, rc, stimulus.t_stop, t_latch=t_latch))
    gain = float(layer.read.column_params.get("gain", 1.0))
    # the inhibition row's trapezoid (half amplitude from the spike for t_spike, edges ROW_EDGE
    # t_edge: the row driver's window) as STEPS staggered rectangles of 1/STEPS of the current
    # each (a staircase with the trapezoid's charge, each step within edge / STEPS of the ramp):
    # which of two neurons crossing within a us of each other fires first depends on how early
    # the inhibition's charge arrives, and a rectangle from the half-amplitude time is late by
    # up to half an edge
    edge = ROW_EDGE * float(p0.t_edge)
    offsets = -edge / 2 + (np.arange(STEPS) + 0.5) * edge / STEPS
    if delay + offsets[0] <= 0:
        raise ValidationError(f"the inhibition pulse would start {-(delay + offsets[0]):g} s before the crossing that "
                              "causes it (t_delay below half the row edge); the fixed point needs it after.")
    w_lat = -gain * g_lat * layer.lateral_v_read / STEPS  # a resistor: the staircase's charge exactly
    w = np.vstack([w_in] + [w_lat] * STEPS)
    widths = np.r_[in_widths, np.full(n * STEPS, float(p0.t_spike))]
    spikes = [np.empty(0) for _ in range(n)]
    limit = max_iter if max_iter is not None else 10_000
    for _ in range(limit):
        lat = [s + delay + o for o in offsets for s in spikes]
        new = lif_layer(list(in_starts) + lat, widths, w, rc, stimulus.t_stop, t_latch=t_latch)
        if all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(new, spikes)):
            return seen(new)
        spikes = new
    raise ValidationError(f"the inhibition fixed point did not converge in {limit} iterations.")


def decide(counts: Sequence[int] | np.ndarray, labels: np.ndarray, n_classes: int, task: str = "unsupervised") -> int:
    """The class of spike counts per neuron as the STDP runner evaluates: unsupervised, by the
    label assignment (``classify``: the class whose assigned neurons fired most on average;
    ties: the lowest class); reward (the R-STDP read-out, neuron ``j`` = class ``j``), the
    neuron with most spikes, -1 when silent (the runner's ``decide``)."""
    import torch

    from ..learn.stdp.network import classify
    from ..learn.stdp.runner import decide as decide_reward

    c = torch.as_tensor(np.asarray(counts, float), dtype=torch.float64).reshape(1, -1)
    if task == "reward":
        return int(decide_reward(c)[0])
    return int(classify(c, torch.as_tensor(labels), n_classes)[0])


# -- verification -----------------------------------------------------------------------------------
def context(spec: Any) -> Any:
    """Model, topology and test split of a verification ``spec`` (``VerifySpec``) of an STDP model."""
    from .verify import Context, klu_available

    if spec.per_layer or spec.read != "behavioural":
        raise ValidationError("STDP models verify with behavioural read interfaces, one deck (--read cmos needs the "
                              "LIF's rest above the CMOS column's reference; a one-layer model has no per-layer decks).")
    from .network import load_model

    m = load_model(spec.model)
    klu = spec.klu != "off" and klu_available() and (spec.klu == "on" or spec.fidelity == "read")
    opts: dict[str, Any] = {"reltol": spec.reltol * spec.tol_scale}
    if klu:
        opts["klu"] = True
    mapped = None
    if spec.mapping == "program-verify":
        from .mapping import map_model

        # planned once into mapping_dir by verify() before the workers; they load it
        mapped = map_model(m.path, variation=True, seed=spec.seed, progress=False, out=spec.mapping_dir)
    topo = build_topology(m, fidelity="read" if spec.fidelity == "sampled" else spec.fidelity, sim_options=opts,
                          mapping=mapped)
    lif = topo.layers[0].neuron_params
    if spec.tol_scale != 1.0:
        topo = _with_max_step(topo, lif.max_step() * spec.tol_scale)
    if spec.fidelity == "sampled":
        from .verify import sample_columns

        sample_columns(topo, spec)
    window = spec.window if spec.window is not None else float(lif.t_ref) / 4
    return Context(m, topo, test_split(m), klu, window)


def _with_max_step(topo: Topology, h: float) -> Topology:
    out = Topology(topo.n_inputs, topo.layers, name=topo.name, sim_options=topo.sim_options, max_step=h)
    for k in ("threshold_base", "deploy_mapping"):
        setattr(out, k, getattr(topo, k))
    return out


def sample_input(spec: Any, sample: int) -> tuple[SpikeInput, int]:
    from .verify import context as ctx_of

    ctx = ctx_of(spec)
    if not 0 <= sample < len(ctx.test):
        raise ValidationError(f"sample {sample} is outside the test split (0 .. {len(ctx.test) - 1}).")
    return spike_input(ctx.model, encode(ctx.model, ctx.test.x[sample], sample, seed=spec.seed)), int(ctx.test.y[sample])


_TRAINED: dict[str, Any] = {}


def trained_counts(m: STDPModel, pulses: np.ndarray) -> np.ndarray:
    """Spike counts per neuron of the trained discrete-time model (the STDP runner's layer, frozen
    as saved: its lean LIF loop, step-mean input currents, inhibition one step later) on the
    same pulses ``(T, I)``: what the training run's evaluation would count for one presentation
    (without its retries of quiet samples)."""
    import torch

    from ..learn.stdp.runner import load_layer

    key = str(m.path)
    if key not in _TRAINED:
        _TRAINED[key] = load_layer(m.path)
    layer = _TRAINED[key]
    z = layer.run(torch.as_tensor(np.asarray(pulses), dtype=torch.float64).unsqueeze(1))["z"]
    return z.sum(0)[0].numpy()


def present(m: STDPModel, x: Any, sample: int, seed: int, counts_of: Any) -> tuple[int, Any]:
    """The runner's presentation rule on one side: present ``x`` (``counts_of(pulses)`` returns
    ``(spike counts, anything)``), and while fewer than ``min_spikes`` output spikes,
    again at ``max_rate + k rate_boost``, up to ``max_retries`` times. Returns the last
    attempt and what ``counts_of`` returned for it."""
    for attempt in range(m.max_retries + 1):
        counts, out = counts_of(encode(m, x, sample, seed=seed, attempt=attempt))
        if sum(counts) >= m.min_spikes or attempt == m.max_retries:
            return attempt, (counts, out)
    raise AssertionError("unreachable")


def run_sample(spec: Any, sample: int) -> dict[str, Any]:
    """Verify one test sample of an STDP model: the deck under ngspice, the surrogate and the
    trained discrete-time model, each through the runner's presentation rule (:func:`present`:
    a quiet sample is presented again at a higher rate, and each side decides for itself when);
    Gamma of the deck's last presentation against the surrogate on the same pulses; the classes
    by the label assignment; energy summed over the deck's presentations. A record, never an
    exception."""
    import os
    import time

    from .verify import _lists, _reason, _simulate, context as ctx_of, decks, gamma

    t0 = time.perf_counter()
    rec: dict[str, Any] = {"sample": int(sample), "status": "failed", "pid": os.getpid()}
    try:
        ctx = ctx_of(spec)
        m, topo = ctx.model, ctx.topology
        x, label = ctx.test.x[sample], int(ctx.test.y[sample])
        rec["label"] = label
        cost = {"sim_s": 0.0, "cpu_s": 0.0, "points": 0, "pulses": 0}
        energies: list[tuple[Any, Any, Any]] = []

        def spice(pulses: np.ndarray) -> tuple[list[int], Any]:
            stim = spike_input(m, pulses)
            net, r, sim_s, points = _simulate(decks(spec, stim), spec, spec.energy)
            cost["sim_s"] += sim_s
            cost["cpu_s"] += r.cpu or 0.0
            cost["points"] += points
            cost["pulses"] += stim.count
            spk = tuple(np.asarray(s) for s in r.spikes[0])
            if spec.energy:
                energies.append((stim, spk, (net, r.result)))
            return [len(s) for s in spk], (stim, spk)

        shows: list[tuple[SpikeInput, Any]] = []  # the surrogate's own presentations

        def surrogate(pulses: np.ndarray) -> tuple[list[int], Any]:
            stim = spike_input(m, pulses)
            shows.append((stim, surrogate_spikes(topo, m.neuron_surrogate, stim)))
            return [len(s) for s in shows[-1][1]], shows[-1]

        def model(pulses: np.ndarray) -> tuple[list[int], Any]:
            return [int(c) for c in trained_counts(m, pulses)], None

        a_s, (counts_s, (stim, spk)) = present(m, x, sample, spec.seed, spice)
        a_u, (counts_u, (_, sur_own)) = present(m, x, sample, spec.seed, surrogate)
        a_m, (counts_m, _) = present(m, x, sample, spec.seed, model)
        # the circuit against its surrogate on the same pulses: the deck's last presentation
        sur = sur_own if a_u == a_s else surrogate_spikes(topo, m.neuron_surrogate, stim)
        if spec.energy:
            from .energy import estimate, measure

            def total(parts: list[dict[str, Any]]) -> dict[str, Any]:
                out = {k: float(sum(p[k] for p in parts)) for k in parts[0] if isinstance(parts[0][k], (int, float))}
                for k in ("read_j", "lateral_j", "sop"):
                    out[k] = [sum(p[k][i] for p in parts) for i in range(len(parts[0][k]))]
                out["pj_per_sop"] = 1e12 * out["read_total_j"] / max(sum(out["sop"]), 1)
                return out

            def est(s: SpikeInput, spikes: Any) -> dict[str, Any]:
                return estimate(topo.layers, [s.times], [s.width], [s.edge], spikes=[spikes])

            rec.update({"energy_spice": total([measure(n, res, pulses=[s.count]) for s, _, (n, res) in energies]),
                        "energy_surrogate": total([est(s, k) for s, k in shows]),
                        "energy_surrogate_on_spice_spikes": total([est(s, k) for s, k, _ in energies])})
        n_classes = ctx.test.n_classes
        task = str(m.doc.get("task"))
        g = gamma(spk, sur, ctx.window, stim.t_stop)
        rec.update({"status": "done", "spikes_spice": _lists([spk]), "spikes_surrogate": _lists([sur]),
                    "layers": [{"end_to_end": g, "local": g}],
                    "class_spice": decide(counts_s, m.labels, n_classes, task),
                    "class_surrogate": decide(counts_u, m.labels, n_classes, task),
                    "counts_spice": counts_s, "counts_surrogate": counts_u,
                    "class_model": decide(counts_m, m.labels, n_classes, task), "counts_model": counts_m,
                    "presentations_spice": a_s + 1, "presentations_surrogate": a_u + 1, "presentations_model": a_m + 1,
                    "input_pulses": cost["pulses"], "latency_spice": math.nan, "latency_surrogate": math.nan,
                    "sim_s": cost["sim_s"], "cpu_s": cost["cpu_s"], "points": cost["points"], "klu": ctx.klu})
    except Exception as exc:  # one sample's failure must not stop the others
        rec["error"] = {"where": f"sample {sample}", "layer": None, "class": type(exc).__name__, "message": _reason(exc),
                        "hint": "Rerun this sample alone with a longer --timeout."}
    rec["wall_s"] = time.perf_counter() - t0
    return rec


def is_stdp(path: str | Path) -> bool:
    """Whether ``path`` (a model folder, its model.json, or the training folder) holds an STDP model."""
    p = Path(path)
    for cand in (p, p / "model.json", p / "model" / "model.json"):
        if cand.is_file():
            try:
                return json.loads(cand.read_text()).get("schema") == SCHEMA
            except (OSError, ValueError):
                return False
    return False


__all__ = ["STDPModel", "load_stdp_model", "neuron_circuit", "build_topology", "test_split", "encode", "spike_input",
           "thresholds", "surrogate_spikes", "decide", "context", "sample_input", "run_sample", "is_stdp"]
