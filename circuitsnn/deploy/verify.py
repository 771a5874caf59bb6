"""Verify a deployed network: test samples through ngspice against the surrogate network.

For each test sample (:func:`run_sample`, the unit of work; it never raises): the trainer's
encoded pulses become PWL read pulses on layer 1's rows (:mod:`.network`), the deck is built
from the model's topology at a fidelity, run with ``ngspice -b``, every neuron's spike times
are read, and the surrogate network (the same topology, the fitted neuron surrogate, event
driven) is evaluated on the same input. Compared, per layer:

* the **coincidence factor** Gamma (Kistler, Gerstner & van Hemmen, Neural Comput. 9, 1997),
  pooled over the layer's neurons: ``(N_coinc - <N_coinc>) / (1/2 (N_spice + N_sur)) / (1 - 2
  nu Delta)``, ``<N_coinc> = 2 nu Delta N_spice``, ``nu`` the surrogate's rate; 1 is perfect,
  0 chance. The window ``Delta`` defaults to a quarter of the refractory period (50 us for the
  fitted LIF): below ``t_ref / 2`` no spike can pair with two, and far above the timing error of
  a converged deck (under 1 us, measured by halving reltol and max step: see
  tests/test_deploy_verify.py) and of the surrogate against it, so a spike that is there in
  both counts, one that is missing or extra does not;
* ``end to end`` (each side propagates its own spikes) and ``local`` (the surrogate's layer fed
  the deck's spikes of the layer before: a mismatch is located in the first layer whose local
  Gamma drops);
* the output class (most spikes, ties to the earliest first spike; -1 silent) in SPICE and on
  the surrogate, the latency to decision, and the energy (:mod:`.energy`);
* an output layer read by its membrane (``readout = "membrane"``): the membranes sampled at
  every step end (:func:`~circuitsnn.deploy.network.readout_membranes`), compared by their RMS
  and largest difference (V) and by the largest difference of a neuron's peak, the class score;
  the class is the highest peak, and the surrogate's margin (top minus second peak) says how
  close a sample was.

Fidelity: ``full`` (every device its own subcircuit with its state dynamics), ``read`` (each
device its read law at its state: :class:`~circuitsnn.network.bindings.ReadModeBinding`) and
``sampled`` (full devices on ``sampled`` seeded columns per layer, read mode elsewhere: the
full model's effect, checked where it is simulated). ``per_layer`` splits the network into one
deck per layer, each fed by the spike times the layer before recorded.

An STDP model (``circuitsnn stdp ... --out DIR``: DIR/model) verifies the same way, one deck
per sample (:mod:`.stdp`: unsigned crossbar, per-neuron thresholds, lateral inhibition as
resistors; classes by the label assignment; the inhibition resistors' energy reported apart).

Results persist per sample as JSON lines under ``OUT/results/<key>.jsonl`` (one line written
and flushed as each sample finishes, by the main process only); a killed verification started
again reads them and computes only the samples missing. The key hashes the options, the model,
sample 0's deck text, the ngspice version and :data:`RECORD_FORMAT`, so records made by other
code or another ngspice are never mixed in (the report counts them). What is cached is the
deck's side: a reused record's surrogate side is computed again by the running code
(:func:`rescore`, no ngspice), so a change to the surrogate network never leaves stale
comparisons and never reruns a deck (gradient-trained models; an STDP record, whose sides
interleave through re-presentation, keeps the surrogate side it was stored with). Samples run in parallel on any
``concurrent.futures`` executor: a process pool, or a Dask cluster
(:func:`circuitsnn.sweep.executors.dask_executor`).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import CircuitSNNError, ValidationError
from ..network.bindings import READ_MODE, Binding, Placed, binding_for
from ..network.ideal import ROW_EDGE
from ..network.stimulus import SpikeInput
from ..network.topology import Topology

FIDELITIES = ("full", "read", "sampled")
KLU_MODES = ("auto", "on", "off")
MAPPINGS = ("direct", "program-verify")
#: devices in a network above which ``per_layer="auto"`` splits it into per-layer decks
SPLIT_DEVICES = 20_000
#: how far past a supply rail a read-out membrane may swing before the report flags it: a node
#: within 0.1 V of a rail is one a transistor column's output still holds (in triode)
RAIL_MARGIN_V = 0.1
#: bumped when what a record holds from its deck changes (the deck's own changes are caught by
#: its text: :meth:`VerifySpec.key`; the surrogate side is recomputed on every run: :func:`rescore`)
RECORD_FORMAT = 2


# -- spike-train agreement -----------------------------------------------------------------------
def coincidences(a: np.ndarray, b: np.ndarray, window: float) -> tuple[int, float]:
    """Spikes of ``a`` paired one-to-one with a spike of ``b`` within ``+-window`` (greedy in
    time), and the largest time difference of a pair (s; 0 with none)."""
    a, b = np.sort(np.asarray(a, float)), np.sort(np.asarray(b, float))
    used = np.zeros(b.size, bool)
    n, worst = 0, 0.0
    for t in a:
        d = np.abs(b - t)
        d[used] = np.inf
        if b.size and d.min() <= window:
            k = int(np.argmin(d))
            used[k] = True
            n += 1
            worst = max(worst, float(d[k]))
    return n, worst


def gamma(spice: Sequence[np.ndarray], sur: Sequence[np.ndarray], window: float, duration: float) -> dict[str, Any]:
    """Kistler's coincidence factor pooled over neurons (module docstring), with the counts,
    and the largest time difference of a coincident pair (s)."""
    num = den = 0.0
    worst = 0.0
    n_sp = n_su = n_c = 0
    for a, b in zip(spice, sur):
        na, nb = len(a), len(b)
        n_sp, n_su = n_sp + na, n_su + nb
        if na + nb == 0:
            continue
        c, w = coincidences(a, b, window)
        n_c += c
        worst = max(worst, w)
        nu = nb / duration
        norm = 1.0 - 2.0 * nu * window
        if norm <= 0:
            norm = 1e-12
        num += (c - 2.0 * nu * window * na) / norm
        den += 0.5 * (na + nb)
    g = 1.0 if den == 0 else num / den
    return {"gamma": g, "coincident": n_c, "spice": n_sp, "surrogate": n_su, "max_dt": worst}


def membrane_difference(spice: np.ndarray, sur: np.ndarray) -> dict[str, Any]:
    """How far the deck's sampled output membranes ``[samples, n]`` (V) are from the
    surrogate's: RMS and largest difference over every sample and neuron, and the largest
    difference of a neuron's peak (its class score)."""
    d = np.asarray(spice, float) - np.asarray(sur, float)
    peaks = np.asarray(spice).max(axis=0) - np.asarray(sur).max(axis=0)
    return {"rms_v": float(np.sqrt(np.mean(d**2))), "max_abs_v": float(np.max(np.abs(d), initial=0.0)),
            "peak_max_abs_v": float(np.max(np.abs(peaks), initial=0.0))}


# -- KLU ------------------------------------------------------------------------------------------
def klu_available(executable: str = "ngspice") -> bool:
    """Whether this ngspice has the KLU sparse solver (it says "Using KLU" when ``.options klu``
    selects it; ngspice without KLU ignores the option silently). Asked of the program
    ``executable`` resolves to now (e.g. ``make ngspice46`` first on PATH)."""
    exe = shutil.which(executable)
    return exe is not None and _has_klu(exe)


@lru_cache(maxsize=8)
def _has_klu(exe: str) -> bool:
    deck = "klu probe\nV1 a 0 1\nR1 a 0 1k\n.options klu\n.op\n.end\n"
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "probe.cir"
        p.write_text(deck)
        try:
            r = subprocess.run([exe, "-b", "-n", str(p)], capture_output=True, text=True, timeout=30, cwd=d)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return "klu" in (r.stdout + r.stderr).lower() and "using klu" in (r.stdout + r.stderr).lower()


# -- sampled fidelity ------------------------------------------------------------------------------
class SampledBinding(Binding):
    """Full device subcircuits on the chosen columns of a crossbar, read mode elsewhere."""

    def __init__(self, full: Binding, columns: Sequence[int]) -> None:
        self.full = full
        self.columns = frozenset(int(c) for c in columns)

    def quantize(self, weights: Any, states: np.ndarray) -> np.ndarray:
        return self.full.quantize(weights, states)

    def place(self, comp: Any, params: Any, states: np.ndarray, weights: Any, *, omit_zero: bool = True) -> Placed:
        f = self.full.place(comp, params, states, weights, omit_zero=omit_zero)
        r = READ_MODE.place(comp, params, states, weights, omit_zero=omit_zero)

        def instance(name: str, row: str, col: str, state: float) -> Any:
            j = int(col[1:-1])  # column nodes are c<j>p / c<j>n
            return (f if j in self.columns else r).instance(name, row, col, state)

        per_row = None
        if f.per_row is not None or r.per_row is not None:
            def per_row(row: str, ref: str) -> list:
                return [*(f.per_row(row, ref) if f.per_row else ()), *(r.per_row(row, ref) if r.per_row else ())]

        notes = (f"sampled fidelity: full devices on columns {sorted(self.columns)}, read mode elsewhere",)
        return Placed(tuple(f.subckts) + tuple(r.subckts), tuple(f.shared) + tuple(r.shared), instance,
                      notes + tuple(f.notes) + tuple(r.notes), per_row)


# -- the specification of a verification ----------------------------------------------------------
@dataclass(frozen=True)
class VerifySpec:
    """What one verification runs (picklable: it travels to the workers)."""

    model: str
    fidelity: str = "read"
    #: columns per layer with full devices (``sampled``)
    sampled: int = 2
    per_layer: bool = False
    #: the encoding's seed (each sample's pulses come from (seed, sample))
    seed: int = 0
    #: coincidence window (s); None: t_ref / 4
    window: float | None = None
    #: ngspice seconds per deck before it is killed
    timeout: float = 600.0
    klu: str = "auto"
    #: "behavioural" or "cmos" read interfaces
    read: str = "behavioural"
    #: ngspice's reltol for the decks. Measured on the 64-10-10 example (sample 0, 48 spikes): at
    #: ngspice's default 1e-3 spikes sit within 3.8 us of the surrogate's, at 1e-4 within 1.3 us
    #: (1.7x the time), at 1e-5 within 0.5 us (3.3x); 1e-4 lost a grazing output spike in the
    #: tests' convergence check, which passes at 1e-5 (halving reltol and the max step moves no
    #: spike by more than 0.3 us). So 1e-5, the converged reference, is the default; 1e-4 or 1e-3
    #: trade a few us of spike timing for speed.
    reltol: float = 1e-5
    #: scales reltol and the max step (the LIF's): 0.5 halves both (the convergence check)
    tol_scale: float = 1.0
    energy: bool = True
    #: samples whose output membranes come back (for plots)
    traces: tuple[int, ...] = ()
    #: "direct": each device at the state_for its trained conductance; "program-verify": the states
    #: program-and-verify reaches on devices drawn from the fitted Monte Carlo (the mapping error in
    #: the network), planned once into ``mapping_dir``
    mapping: str = "direct"
    mapping_dir: str | None = None

    def __post_init__(self) -> None:
        if self.fidelity not in FIDELITIES:
            raise ValidationError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {self.fidelity!r}.")
        if self.klu not in KLU_MODES:
            raise ValidationError(f"klu must be one of {', '.join(KLU_MODES)}, got {self.klu!r}.")
        if self.read not in ("behavioural", "cmos"):
            raise ValidationError(f"read must be 'behavioural' or 'cmos', got {self.read!r}.")
        if self.mapping not in MAPPINGS:
            raise ValidationError(f"mapping must be one of {', '.join(MAPPINGS)}, got {self.mapping!r}.")
        if not (self.tol_scale > 0 and 0 < self.reltol < 1):
            raise ValidationError(f"tol_scale must be > 0 and reltol in (0, 1), got {self.tol_scale!r}, {self.reltol!r}.")

    def key(self, sha: str, deck: str = "", ngspice: str = "") -> str:
        """Results of one model under one spec share a file. What changes results is in the key:
        the spec, the model's digest, the text of a probe deck (test sample 0: a code change that
        renders decks differently starts a new file, as a sweep point's deck hash does), the
        ngspice version and :data:`RECORD_FORMAT`."""
        d = dataclasses.asdict(self)
        d.pop("traces")
        d.pop("timeout")
        d["model"] = sha
        d["deck"] = hashlib.sha256(deck.encode()).hexdigest()
        d["ngspice"] = ngspice
        d["record_format"] = RECORD_FORMAT
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]


def probe_deck(spec: VerifySpec) -> str:
    """The deck text of test sample 0 (layer 1's deck when split): what :meth:`VerifySpec.key`
    hashes to tell records of other code apart."""
    stim, _ = sample_input(spec, 0)
    if spec.per_layer:
        return _layer_deck(spec, 0, stim.times, stim, False).text()
    return decks(spec, stim).text()


@dataclass
class Context:
    model: Any
    topology: Topology
    test: Any
    klu: bool
    window: float


def context(spec: VerifySpec) -> Context:
    """Model, topology and test split of ``spec`` (built once per process and ngspice: whether
    the deck asks for KLU depends on the program ``ngspice`` is now)."""
    return _context(spec, shutil.which("ngspice"))


@lru_cache(maxsize=4)
def _context(spec: VerifySpec, ngspice: str | None) -> Context:
    from ..network.topology import ReadInterface
    from . import stdp
    from .network import build_topology, load_model, test_split

    if stdp.is_stdp(spec.model):
        return stdp.context(spec)

    m = load_model(spec.model)
    klu = spec.klu != "off" and klu_available()
    if spec.klu == "auto":
        # measured (shared notes): KLU helps resistor networks, is slower on diode networks
        klu = klu and spec.fidelity == "read"
    opts: dict[str, Any] = {}
    if klu:
        opts["klu"] = True
    opts["reltol"] = spec.reltol * spec.tol_scale
    read = ReadInterface.cmos() if spec.read == "cmos" else None
    fid = "read" if spec.fidelity == "read" else "full"
    mapped = None
    if spec.mapping == "program-verify":
        from .mapping import map_model

        # finished layers load from mapping_dir (verify() plans them once, before the workers)
        mapped = map_model(m.path, variation=True, seed=spec.seed, progress=False, out=spec.mapping_dir)
    topo = build_topology(m, fidelity=fid, read=read, sim_options=opts, mapping=mapped)
    lif = topo.layers[0].neuron_params
    if spec.tol_scale != 1.0:
        mapping = topo.deploy_mapping  # type: ignore[attr-defined]
        topo = Topology(topo.n_inputs, topo.layers, name=topo.name, sim_options=opts,
                        max_step=lif.max_step() * spec.tol_scale)
        topo.deploy_mapping = mapping  # type: ignore[attr-defined]
    if spec.fidelity == "sampled":
        sample_columns(topo, spec)
    window = spec.window if spec.window is not None else float(lif.t_ref) / 4
    return Context(m, topo, test_split(m), klu, window)


def sample_columns(topo: Topology, spec: VerifySpec) -> None:
    """``--fidelity sampled``: full devices on ``spec.sampled`` seeded columns of every layer,
    read mode elsewhere (the layers' bindings are replaced in place)."""
    for k, layer in enumerate(topo.layers):
        rng = np.random.default_rng(spec.seed * 7919 + k)
        cols = rng.choice(layer.n_out, size=min(spec.sampled, layer.n_out), replace=False)
        layer.binding = SampledBinding(binding_for(layer.synapse, "full"), cols)
        layer.fidelity = "sampled"


def sample_input(spec: VerifySpec, sample: int) -> tuple[SpikeInput, int]:
    """The input spike trains and the label of test sample ``sample``."""
    from . import stdp
    from .network import encode, spike_input

    if stdp.is_stdp(spec.model):
        return stdp.sample_input(spec, sample)

    ctx = context(spec)
    if not 0 <= sample < len(ctx.test):
        raise ValidationError(f"sample {sample} is outside the test split (0 .. {len(ctx.test) - 1}).")
    x, y = ctx.test.x[sample], int(ctx.test.y[sample])
    return spike_input(ctx.model, encode(ctx.model, x, sample, seed=spec.seed)), y


def decks(spec: VerifySpec, stimulus: SpikeInput, *, probe: bool = False) -> Any:
    """The single network deck of ``stimulus`` (rows driven straight by the input read pulses)."""
    from ..network.deck import build_deck

    return build_deck(context(spec).topology, stimulus, input_mode="direct", probe_membranes=probe)


def _layer_deck(spec: VerifySpec, k: int, rows: Sequence[np.ndarray], stimulus: SpikeInput, probe: bool) -> Any:
    """Layer ``k`` alone, fed by ``rows`` (layer 1: the input read pulses; later: the spike
    times the layer before recorded, as spikes into its row drivers). A later layer runs one
    pulse longer so a spike near the end delivers the charge it does in the whole deck."""
    from ..network.deck import build_deck

    topo = context(spec).topology
    layer = topo.layers[k]
    sub = Topology(layer.n_in, [layer], name=f"{topo.name}_l{k + 1}", sim_options=topo.sim_options,
                   max_step=topo.max_step)
    if k == 0:
        return build_deck(sub, stimulus, input_mode="direct", probe_membranes=probe)
    p = topo.layers[k - 1].neuron_params
    stim = SpikeInput(tuple(rows), stimulus.t_stop + p.t_spike + 2 * p.t_edge, p.t_spike, p.t_edge)
    return build_deck(sub, stim, input_mode="driver", probe_membranes=probe)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CircuitSNNError):
        text = exc.message + (f" ({exc.hint})" if exc.hint else "")
        out = getattr(exc, "output_excerpt", None)
        if callable(out):
            try:
                text += " | ngspice: " + out(4).replace("\n", " | ")
            except Exception:  # noqa: BLE001 - the excerpt is a courtesy
                pass
        return text[:2000]
    return (f"{type(exc).__name__}: {exc}")[:2000]


def _lists(spikes: Sequence[Sequence[np.ndarray]]) -> list[list[list[float]]]:
    return [[[float(t) for t in s] for s in layer] for layer in spikes]


def _simulate(net: Any, spec: VerifySpec, energy: bool) -> tuple[Any, float, float, int]:
    from ..network.run import simulate_network
    from .energy import instrument

    if energy:
        net = instrument(net)
    r = simulate_network(net, timeout=spec.timeout, keep_result=True)
    return net, r, r.elapsed, r.points


def run_sample(spec: VerifySpec, sample: int) -> dict[str, Any]:
    """Verify one test sample (module docstring); a record, never an exception: a failing deck
    gives ``status="failed"`` naming the sample and the layer. An STDP model's sample:
    :func:`circuitsnn.deploy.stdp.run_sample`."""
    from . import stdp

    if stdp.is_stdp(spec.model):
        return stdp.run_sample(spec, sample)
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"sample": int(sample), "status": "failed", "pid": os.getpid()}
    layer_at = 0
    try:
        from .energy import measure
        from .network import decide, latency

        ctx = context(spec)
        topo, m = ctx.topology, ctx.model
        stim, label = sample_input(spec, sample)
        rec["label"] = label
        n_layers = len(topo.layers)
        want_trace = sample in spec.traces
        t_stop = stim.t_stop
        sim_s = 0.0
        cpu_s = 0.0
        points = 0
        e_meas: list[dict[str, Any]] = []
        if spec.per_layer or n_layers == 1:
            spikes: list[tuple[np.ndarray, ...]] = []
            rows: Sequence[np.ndarray] = stim.times
            traces = None
            for k in range(n_layers):
                layer_at = k + 1
                net = _layer_deck(spec, k, rows, stim, probe=want_trace and k == n_layers - 1)
                net, r, el, pts = _simulate(net, spec, spec.energy)
                sim_s += el
                cpu_s += r.cpu or 0.0
                points += pts
                out = tuple(np.asarray(s)[np.asarray(s) <= t_stop] for s in r.spikes[0])
                if spec.energy:
                    e_meas.append(measure(net, r.result, pulses=[sum(len(x) for x in rows)]))
                if want_trace and k == n_layers - 1:
                    traces = _trace(r.result, net.membrane_nodes[0], t_stop)
                spikes.append(out)
                rows = list(out)
            spk = tuple(spikes)
            last_result = r.result
            energy_spice = None
            if spec.energy:
                energy_spice = {"read_j": [e["read_j"][0] for e in e_meas],
                                "read_total_j": sum(e["read_total_j"] for e in e_meas),
                                "rows_j": sum(e["rows_j"] for e in e_meas),
                                "supply_j": sum(e["supply_j"] for e in e_meas),
                                "static_j": sum(e["static_j"] for e in e_meas)}
        else:
            layer_at = 0
            net = decks(spec, stim, probe=want_trace)
            net, r, sim_s, points = _simulate(net, spec, spec.energy)
            cpu_s = r.cpu or 0.0
            spk = r.spikes
            last_result = r.result
            traces = _trace(r.result, net.membrane_nodes[-1], t_stop) if want_trace else None
            energy_spice = None
            if spec.energy:
                pulses = [stim.count] + [sum(len(s) for s in layer) for layer in spk[:-1]]
                energy_spice = measure(net, r.result, pulses=pulses)
        layer_at = 0
        rec["spikes_spice"] = _lists(spk)
        if topo.layers[-1].spiking:
            rec.update({"class_spice": decide(spk[-1]), "latency_spice": latency(spk[-1])})
        else:
            from ..network.run import read_membranes
            from .network import decide_membrane, latency_membrane, readout_times

            times = readout_times(m)
            v_spice = read_membranes(net, last_result, times)
            rec.update({"readout_spice": v_spice.tolist(), "class_spice": decide_membrane(v_spice),
                        "latency_spice": latency_membrane(times, v_spice), "scores_spice": v_spice.max(axis=0).tolist(),
                        "membrane_range_spice": [float(v_spice.min()), float(v_spice.max())]})
        rec.update({"sim_s": float(sim_s), "cpu_s": float(cpu_s), "points": int(points), "klu": ctx.klu})
        if spec.energy:
            rec["energy_spice"] = energy_spice
        if traces is not None:
            rec["trace"] = traces
        rec["status"] = "done"
    except Exception as exc:  # one sample's failure must not stop the others
        where = f"sample {sample}" + (f", layer {layer_at}" if layer_at else "")
        rec["error"] = {"where": where, "layer": layer_at or None, "class": type(exc).__name__, "message": _reason(exc),
                        "hint": "Rerun this sample alone with a longer --timeout or a smaller tolerance scale; the "
                                "deck is kept in the run folder the message names."}
    if rec["status"] == "done":
        try:
            rec = rescore(spec, rec)
        except Exception as exc:  # noqa: BLE001 - the deck ran; the surrogate side is what failed
            rec.update({"status": "failed", "error": {
                "where": f"sample {sample}, surrogate network", "layer": None, "class": type(exc).__name__,
                "message": _reason(exc), "hint": "The deck ran; the surrogate network failed on its input."}})
    rec["wall_s"] = time.perf_counter() - t0
    return rec


#: what a record holds from its deck; everything else is the surrogate's side, recomputed by
#: :func:`rescore` from these on every run
SPICE_FIELDS = frozenset({"sample", "status", "pid", "label", "spikes_spice", "readout_spice", "class_spice",
                          "latency_spice", "scores_spice", "membrane_range_spice", "sim_s", "cpu_s", "points", "klu",
                          "energy_spice", "trace", "error", "wall_s"})


def _is_stdp(ctx: Context) -> bool:
    """Whether the verification's model is an STDP one (its records interleave both sides)."""
    from .stdp import STDPModel

    return isinstance(ctx.model, STDPModel)


def rescorable(spec: VerifySpec, rec: dict[str, Any]) -> bool:
    """Whether :func:`rescore` can recompute ``rec``'s surrogate side: a finished gradient-model
    record with its deck's spikes (and, for a membrane read-out, the sampled read-out, which
    records before it was stored lack)."""
    ctx = context(spec)  # cached: no file read per record
    if rec.get("status") != "done" or "spikes_spice" not in rec or _is_stdp(ctx):
        return False
    return ctx.topology.layers[-1].spiking or "readout_spice" in rec


def rescore(spec: VerifySpec, rec: dict[str, Any]) -> dict[str, Any]:
    """``rec`` with its surrogate side computed again by this code from its SPICE side (the
    deck's spikes and read-out; :data:`SPICE_FIELDS`) and the sample's input: the surrogate
    network end to end and layer-local, the comparisons, and the energy estimates. Cheap (no
    ngspice), so every run rescores the records it reuses: a change to the surrogate never
    leaves stale comparisons behind, and a deck's result is never recomputed for it."""
    from .energy import estimate
    from .network import decide, latency, surrogate_network

    ctx = context(spec)
    topo, m = ctx.topology, ctx.model
    stim, _ = sample_input(spec, int(rec["sample"]))
    out = {k: v for k, v in rec.items() if k in SPICE_FIELDS}
    spk = tuple(tuple(np.asarray(s, float) for s in layer) for layer in rec["spikes_spice"])
    n_layers = len(topo.layers)
    sur = surrogate_network(topo, m.neuron_surrogate, stim)
    local = surrogate_network(topo, m.neuron_surrogate, stim, inputs=[None] + [list(s) for s in spk[:-1]])
    dur = stim.t_stop
    spiking = [layer.spiking for layer in topo.layers]
    layers = [{"end_to_end": gamma(a, b, ctx.window, dur), "local": gamma(a, c, ctx.window, dur)}
              for a, b, c, on in zip(spk, sur, local, spiking) if on]
    out["spikes_surrogate"] = _lists(sur)
    if spiking[-1]:
        out.update({"class_surrogate": decide(sur[-1]), "latency_surrogate": latency(sur[-1])})
    else:
        from .network import decide_membrane, latency_membrane, readout_membranes, readout_times

        times = readout_times(m)
        v_spice = np.asarray(rec["readout_spice"], float)
        v_sur = readout_membranes(topo, m.neuron_surrogate, stim, sur[-2] if n_layers > 1 else None, times)
        v_loc = readout_membranes(topo, m.neuron_surrogate, stim, spk[-2] if n_layers > 1 else None, times)
        layers.append({"end_to_end": membrane_difference(v_spice, v_sur), "local": membrane_difference(v_spice, v_loc)})
        top2 = np.sort(v_sur.max(axis=0))[-2:]
        out.update({"class_surrogate": decide_membrane(v_sur), "latency_surrogate": latency_membrane(times, v_sur),
                    "scores_surrogate": v_sur.max(axis=0).tolist(),
                    "margin_surrogate": float(top2[-1] - top2[0]) if top2.size == 2 else math.nan})
    out["layers"] = layers
    if "energy_spice" in rec:
        widths = [stim.width] + [float(layer.neuron_params.t_spike) for layer in topo.layers[:-1]]
        edges = [stim.edge] + [ROW_EDGE * float(layer.neuron_params.t_edge) for layer in topo.layers[:-1]]
        out["energy_surrogate"] = estimate(topo.layers, [stim.times] + [list(s) for s in sur[:-1]], widths, edges)
        out["energy_surrogate_on_spice_spikes"] = estimate(topo.layers, [stim.times] + [list(s) for s in spk[:-1]],
                                                           widths, edges)
    return out


def _trace(result: Any, nodes: Sequence[str], t_stop: float, points: int = 1500) -> dict[str, Any]:
    """Membranes of ``nodes`` resampled on a uniform grid (for the plots)."""
    tr = result.tran
    t = np.asarray(tr.time)
    grid = np.linspace(0.0, t_stop, points)
    return {"t": grid.tolist(), "v": [np.interp(grid, t, np.asarray(tr[f"v({n})"])).tolist() for n in nodes]}


# -- the store -----------------------------------------------------------------------------------
class Store:
    """JSON lines, one record per finished sample, appended and flushed by the main process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def load(self) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        if not self.path.exists():
            return out
        for line in self.path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a kill: that sample runs again
                continue
            out[int(rec["sample"])] = rec
        return out

    def append(self, rec: dict[str, Any]) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(rec, allow_nan=True) + "\n")
            f.flush()
            os.fsync(f.fileno())


# -- the whole verification ------------------------------------------------------------------------
@dataclass
class Verification:
    """What :func:`verify` returns: the records (by sample), the summary and the files."""

    spec: VerifySpec
    records: dict[int, dict[str, Any]]
    summary: dict[str, Any]
    computed: list[int]
    reused: list[int]
    files: dict[str, str]


def summarize(records: Sequence[dict[str, Any]], ctx: Context | None = None) -> dict[str, Any]:
    """Accuracy, agreement, Gamma per layer, latency and energy over the finished samples."""
    done = [r for r in records if r.get("status") == "done"]
    failed = [r for r in records if r.get("status") != "done"]
    n = len(done)
    out: dict[str, Any] = {"samples": len(records), "done": n, "failed": len(failed),
                           "errors": [r["error"]["where"] + ": " + r["error"]["message"][:300] for r in failed if "error" in r]}
    if not n:
        return out
    cs = np.array([r["class_spice"] for r in done])
    cu = np.array([r["class_surrogate"] for r in done])
    y = np.array([r["label"] for r in done])
    out.update({"accuracy_spice": float(np.mean(cs == y)), "accuracy_surrogate": float(np.mean(cu == y)),
                "class_agreement": float(np.mean(cs == cu))})
    if all("class_model" in r for r in done):  # STDP: the trained discrete-time model on the same pulses
        cm = np.array([r["class_model"] for r in done])
        out.update({"accuracy_model": float(np.mean(cm == y)), "class_agreement_model": float(np.mean(cs == cm))})
    if all("presentations_spice" in r for r in done):  # STDP: quiet samples presented again
        out["presentations"] = {side: float(np.mean([r[f"presentations_{side}"] for r in done]))
                                for side in ("spice", "surrogate", "model")}
    layers = []
    for k in range(len(done[0]["layers"])):
        row: dict[str, Any] = {"layer": k + 1}
        for kind in ("end_to_end", "local"):
            if "gamma" not in done[0]["layers"][k][kind]:  # a membrane read-out
                row["membrane"] = True
                row[kind] = {"rms_v": float(np.sqrt(np.mean([r["layers"][k][kind]["rms_v"] ** 2 for r in done]))),
                             **{key: float(max(r["layers"][k][kind][key] for r in done))
                                for key in ("max_abs_v", "peak_max_abs_v")}}
                continue
            agg = {key: sum(r["layers"][k][kind][key] for r in done) for key in ("coincident", "spice", "surrogate")}
            g = [r["layers"][k][kind]["gamma"] for r in done]
            row[kind] = {"gamma_mean": float(np.mean(g)), "gamma_min": float(np.min(g)), **agg,
                         "max_dt": float(max(r["layers"][k][kind]["max_dt"] for r in done))}
        layers.append(row)
    margins = [r["margin_surrogate"] for r in done if "margin_surrogate" in r]
    if margins:
        out["readout"] = "membrane"
        missed = [r["margin_surrogate"] for r in done if r["class_spice"] != r["class_surrogate"]]
        out["margin_surrogate_v"] = {"median": float(np.median(margins)),
                                     "where_classes_differ": [float(x) for x in missed]}
        ranges = np.array([r["membrane_range_spice"] for r in done if "membrane_range_spice" in r])
        if ranges.size:
            out["readout_range_v"] = [float(ranges[:, 0].min()), float(ranges[:, 1].max())]
            if ctx is not None:
                p = ctx.topology.layers[-1].neuron_params
                lo, hi = 0.0, float(getattr(p, "vdd", math.nan))
                out["readout_supply_v"] = [lo, hi]
                out["readout_outside"] = {  # samples past a rail by more than RAIL_MARGIN_V
                    "below": int((ranges[:, 0] < lo - RAIL_MARGIN_V).sum()),
                    "above": int((ranges[:, 1] > hi + RAIL_MARGIN_V).sum()), "margin_v": RAIL_MARGIN_V}
    out["layers"] = layers
    ls = np.array([r["latency_spice"] for r in done], float)
    lu = np.array([r["latency_surrogate"] for r in done], float)
    both = np.isfinite(ls) & np.isfinite(lu)
    out["latency_spice_s"] = float(np.nanmean(ls)) if np.isfinite(ls).any() else math.nan
    out["latency_surrogate_s"] = float(np.nanmean(lu)) if np.isfinite(lu).any() else math.nan
    out["latency_abs_diff_s"] = float(np.mean(np.abs(ls[both] - lu[both]))) if both.any() else math.nan
    if all(r.get("energy_spice") for r in done):
        es = np.array([r["energy_spice"].get("rows_j", r["energy_spice"]["read_total_j"]) + r["energy_spice"]["supply_j"]
                       for r in done])
        er = np.array([r["energy_spice"]["read_total_j"] for r in done])
        eu = np.array([r["energy_surrogate"]["read_total_j"] for r in done])
        eo = np.array([r["energy_surrogate_on_spice_spikes"]["read_total_j"] for r in done])
        sop = np.array([sum(r["energy_surrogate_on_spice_spikes"]["sop"]) for r in done], float)
        sop_u = np.array([sum(r["energy_surrogate"]["sop"]) for r in done], float)
        out["energy"] = {
            "per_inference_spice_j": float(es.mean()), "read_spice_j": float(er.mean()),
            "static_spice_j": float(np.mean([r["energy_spice"]["static_j"] for r in done])),
            "read_surrogate_j": float(eu.mean()), "pj_per_sop_spice": 1e12 * float(er.sum() / max(sop.sum(), 1)),
            "pj_per_sop_surrogate": 1e12 * float(eu.sum() / max(sop_u.sum(), 1)),
            "rel_error_surrogate": float(eu.mean() / er.mean() - 1) if er.mean() else math.nan,
            "rel_error_same_spikes": float(eo.mean() / er.mean() - 1) if er.mean() else math.nan,
        }
        if any(r["energy_spice"].get("lateral_total_j") for r in done):  # lateral inhibition (STDP layers)
            ls_ = np.array([r["energy_spice"]["lateral_total_j"] for r in done])
            lu_ = np.array([r["energy_surrogate"]["lateral_total_j"] for r in done])
            lo_ = np.array([r["energy_surrogate_on_spice_spikes"]["lateral_total_j"] for r in done])
            out["energy"].update({
                "lateral_spice_j": float(ls_.mean()), "lateral_surrogate_j": float(lu_.mean()),
                "rel_error_lateral": float(lu_.mean() / ls_.mean() - 1) if ls_.mean() else math.nan,
                "rel_error_lateral_same_spikes": float(lo_.mean() / ls_.mean() - 1) if ls_.mean() else math.nan})
    out["sim_s_mean"] = float(np.mean([r["sim_s"] for r in done]))
    cpu = [r["cpu_s"] for r in done if r.get("cpu_s")]
    out["cpu_s_mean"] = float(np.mean(cpu)) if cpu else math.nan
    out["wall_s_mean"] = float(np.mean([r["wall_s"] for r in done]))
    if ctx is not None:
        out["window_s"] = ctx.window
        out["klu"] = ctx.klu
        out["network"] = ctx.topology.label
        out["devices"] = int(sum((2 if layer.signed else 1) * layer.n_in * layer.n_out for layer in ctx.topology.layers))
        out["trained_test_acc"] = ctx.model.doc.get("metrics", {}).get("test_acc")
        out["mapping"] = getattr(ctx.topology, "deploy_mapping", None)
    return out


def verify(model: str | Path, *, samples: int | Sequence[int] = 10, fidelity: str = "read", out: str | Path,
           workers: int | None = None, executor: str = "processes", dask: Any = None, progress: bool = True,
           plots: bool = True, write_deck: bool = True, on_record: Callable[[dict[str, Any]], None] | None = None,
           retry_failed: bool = False, **options: Any) -> Verification:
    """Verify ``samples`` test samples (a count: the first N; or indices) of the model at
    ``fidelity`` into ``out`` (module docstring). ``executor``: "processes" or "threads" with
    ``workers`` (default: the usable cores); ``dask``: a scheduler address or ``Client``.
    ``retry_failed``: run samples recorded as failed again (default: keep their records).
    ``options``: the other :class:`VerifySpec` fields."""
    from ..outdir import output_dir
    from ..sweep.executors import dask_executor, default_workers, make_executor

    from .network import load_model

    m = load_model(model)  # clear errors before any work
    idx = list(range(int(samples))) if isinstance(samples, (int, np.integer)) else [int(s) for s in samples]
    if not idx:
        raise ValidationError("no samples to verify.", hint="Give --samples N with N >= 1.")
    options.setdefault("traces", (idx[0],))
    if options.get("mapping", "direct") != "direct" and options.get("mapping_dir") is None:
        options["mapping_dir"] = str(Path(out) / "mapping")
    spec = VerifySpec(model=str(m.path), fidelity=fidelity, **options)
    ctx = context(spec)
    n_test = len(ctx.test)
    if max(idx) >= n_test or min(idx) < 0:
        raise ValidationError(f"the test split has {n_test} samples; asked for sample {max(idx)}.",
                              hint=f"Use --samples <= {n_test}.")
    folder = output_dir(out)
    from ..spice.simulator import ngspice_version

    version = ngspice_version()
    key = spec.key(m.sha, probe_deck(spec), version)
    store = Store(folder / "results" / f"{key}.jsonl")
    (folder / "results" / f"{key}.spec.json").write_text(json.dumps(
        {**dataclasses.asdict(spec), "ngspice": version, "record_format": RECORD_FORMAT}, indent=2) + "\n")
    have = store.load()
    # records under other keys (other options, code that renders other decks, another ngspice):
    # kept on disk, never mixed in; the report counts them so a user sees why nothing was reused
    other = sum(1 for f in store.path.parent.glob("*.jsonl") if f != store.path
                for line in f.read_text().splitlines() if line.strip())
    if retry_failed:
        have = {i: r for i, r in have.items() if r.get("status") == "done"}
    reused = [i for i in idx if i in have]
    todo = [i for i in idx if i not in have]
    files: dict[str, str] = {}
    if write_deck:
        stim, _ = sample_input(spec, idx[0])
        deck_dir = folder / "deck"
        if spec.per_layer:
            # layer 1 from the input; later layers from the surrogate's spikes (the run feeds them the deck's)
            from .network import surrogate_network

            sur = surrogate_network(ctx.topology, m.neuron_surrogate, stim)
            rows: Sequence[np.ndarray] = stim.times
            for k in range(len(ctx.topology.layers)):
                files[f"deck_layer{k + 1}"] = str(_layer_deck(spec, k, rows, stim, False).write(
                    deck_dir / f"sample{idx[0]}_layer{k + 1}.cir"))
                rows = list(sur[k])
        else:
            files["deck"] = str(decks(spec, stim).write(deck_dir / f"sample{idx[0]}.cir"))
    records = dict(have)
    # reused records get this code's surrogate side (cheap); a record too old to hold what that
    # needs keeps the side it was stored with, and the report counts it
    rescored, kept, rescore_errors = 0, 0, []
    gradient_model = not _is_stdp(ctx)
    for i in reused:
        if rescorable(spec, records[i]):
            try:
                records[i] = rescore(spec, records[i])
                rescored += 1
            except Exception as exc:  # noqa: BLE001 - the stored side stands; the report names the error
                rescore_errors.append(f"sample {i}: {_reason(exc)[:300]}")
        elif gradient_model and records[i].get("status") == "done":
            kept += 1
    computed: list[int] = []
    close = None
    if todo:
        if dask is not None:
            ex, _n, close = dask_executor(dask)
        else:
            ex = make_executor(executor, min(workers or default_workers(), len(todo)))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(idx), initial=len(reused), unit="sample", dynamic_ncols=True,
                       desc=f"verify {fidelity}")
        try:
            futs = {ex.submit(run_sample, spec, i): i for i in todo}
            for f in cf.as_completed(futs):
                i = futs[f]
                try:
                    rec = f.result()
                except Exception as exc:  # a worker that died (killed, out of memory) is this sample's failure
                    rec = {"sample": i, "status": "failed", "error": {"where": f"sample {i}", "layer": None,
                                                                      "class": type(exc).__name__, "message": _reason(exc)}}
                store.append(rec)
                records[i] = rec
                computed.append(i)
                if on_record is not None:
                    on_record(rec)
                if bar is not None:
                    bar.update(1)
                    if rec.get("status") != "done":
                        bar.write(f"failed: {rec['error']['where']}: {rec['error']['message'][:200]}")
        finally:
            if bar is not None:
                bar.close()
            if close is not None:
                close()
            else:
                ex.shutdown(wait=True, cancel_futures=True)
    recs = [records[i] for i in idx]
    summary = summarize(recs, ctx)
    summary.update({"fidelity": fidelity, "per_layer": spec.per_layer, "computed": len(computed), "reused": len(reused),
                    "model": str(m.path), "ngspice": version, "other_records": other,
                    "rescored": rescored, "surrogate_as_stored": kept, "rescore_errors": rescore_errors})
    from .report import write_report

    files.update(write_report(folder, spec, summary, recs, ctx, plots=plots))
    return Verification(spec, {i: records[i] for i in idx}, summary, computed, reused, files)


__all__ = ["FIDELITIES", "VerifySpec", "SampledBinding", "coincidences", "gamma", "klu_available", "run_sample",
           "rescore", "rescorable", "SPICE_FIELDS",
           "context", "probe_deck", "sample_input", "Store", "summarize", "verify", "Verification"]
