"""Spiking layers that learn with STDP on the devices, in SI.

**The circuit.** Input ``i`` sends a read pulse of ``amplitude`` (V) and ``width`` (s) onto its
row whenever it spikes (Poisson, rate ``x_i max_rate``); the devices of the crossbar conduct
their read currents (the weight interface's read at that amplitude, with its nonlinearity:
:meth:`~circuitsnn.learn.stdp.devices.Programmer.read`), and column ``j`` sums them into
excitatory neuron ``j``: a pulse inside a step of ``dt`` delivers its charge as the step-mean
current ``I width / dt``. The neurons are a neuron surrogate (:mod:`circuitsnn.surrogates.neuron`:
the effective LIF of the circuit, input current in A, spikes as output pulses of its amplitude
and width). ``neuron_step = "lean"`` (default) integrates the surrogate's LIF exactly over
each step (``v <- v_inf + (v - v_inf) exp(-dt/tau_m)``, ``v_inf = v_rest + r_in I``), registers a
spike at the end of the step, resets to ``v_reset`` and holds it for ``round(t_ref / dt)``
steps — the semantics of Brian2's exact linear integration, in a TorchScript loop;
``neuron_step = "exact"`` steps :func:`circuitsnn.surrogates.lif.lif_step` (threshold crossing
inside the step, refractory period to the fraction of a step; several times slower). A test
checks the two agree.

**Lateral inhibition.** Every output spike drives an inhibitory synapse of conductance
``g_inh`` (S) onto every other neuron of the layer with the neuron's own output pulse, i.e. a
charge ``g_inh x amplitude x width`` one step later (Diehl & Cook's excitatory -> inhibitory ->
all-other-excitatory loop collapsed into one synapse). ``inhibition`` sets it as a fraction of
the threshold charge ``C (v_th - v_rest)``.

**Adaptive thresholds** (homeostasis): neuron ``j``'s threshold is ``v_th + theta_j``;
``theta_j += theta_plus`` per spike, decaying with ``tau_theta`` (a threshold DAC per neuron).

**Rest.** Between presentations the circuit rests for ``t_rest``; the model resets membranes
and traces to rest (exactly what a rest much longer than ``tau_m`` and the trace time constants
does) and lets theta decay over the elapsed time.

**Batches of independent samples.** A batch of ``B`` images is presented to ``B`` copies of
the layer with the same devices at once (everything is vectorized over samples and neurons);
the rule's requests are summed over the batch and the devices are programmed once after it
(:mod:`.devices`). ``B = 1`` is the sequential network; the devices are programmed between
presentations in both cases (the rules hold the weights during a presentation).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from ...surrogates.lif import LIFParameters, lif_initial_state, lif_step
from .devices import Programmer, ProgramStats


@dataclass
class LayerSpec:
    """Times (s), input pulses and the layer's circuit (module docstring)."""

    n_input: int = 64
    n_neurons: int = 100
    dt: float = 0.5e-3
    t_present: float = 0.35
    t_rest: float = 0.15
    max_rate: float = 63.75            # Hz at x = 1
    amplitude: float = 0.2             # V, input read pulse
    width: float = 0.5e-3              # s, input read pulse (<= dt)
    inhibition: float = 1.0            # inhibitory charge per spike / threshold charge
    theta_plus: float = 0.0            # V per spike
    tau_theta: float = 1e4             # s
    min_spikes: int = 5                # fewer output spikes: present again at a higher rate
    rate_boost: float = 32.0           # Hz added per retry (Diehl & Cook)
    max_retries: int = 4
    neuron_step: str = "lean"          # "lean" (TorchScript loop) | "exact" (lif_step)
    input_kind: str = "poisson"        # "poisson" | "neurons" (LIF input neurons; VDSP reads them)

    @property
    def n_steps(self) -> int:
        return int(round(self.t_present / self.dt))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SpikingLayer:
    """A crossbar of devices (``programmer``, states ``(n_input, n_neurons)``) into LIF neurons
    (``neuron``: a :class:`~circuitsnn.surrogates.neuron.NeuronSurrogate`)."""

    def __init__(self, spec: LayerSpec, programmer: Programmer, neuron: Any, states: torch.Tensor, *,
                 input_neuron: Any = None) -> None:
        self.spec = spec
        #: LIF input neurons (``input_kind = "neurons"``): a neuron surrogate whose reset lies
        #: below rest, driven by ``x I(rate)``; their spikes are the read pulses
        self.input_neuron = input_neuron
        #: a frozen layer in front (its output spikes are this layer's read pulses)
        self.upstream: "SpikingLayer | None" = None
        self.programmer = programmer
        self.neuron = neuron
        self.states = states.to(torch.float64)
        self.extra = programmer.init_extra(self.states)
        self.theta = torch.zeros(spec.n_neurons, dtype=torch.float64)
        p = neuron.params
        self.q_threshold = float(p.c_m * (p.v_th - p.v_rest))
        #: the inhibitory synapse's conductance (S), read by the output pulse
        self.g_inh = spec.inhibition * self.q_threshold / (neuron.amplitude * neuron.width)
        self.stats = ProgramStats()

    # -- what the network reads ------------------------------------------------------------------
    def weights(self) -> torch.Tensor:
        """Normalized weights ``(n_input, n_neurons)`` as the devices hold them now."""
        g = self.programmer.effective_conductance(self.states, self.extra)
        return (g - self.programmer.g_min) / self.programmer.span

    def conductances(self) -> torch.Tensor:
        return self.programmer.effective_conductance(self.states, self.extra)

    def read_currents(self) -> torch.Tensor:
        """Current (A) each device passes under one input read pulse ``(n_input, n_neurons)``."""
        return self.programmer.read(self.states, self.spec.amplitude, self.extra)

    # -- simulation --------------------------------------------------------------------------------
    def encode(self, x: torch.Tensor, rate: torch.Tensor | float, generator: torch.Generator) -> torch.Tensor:
        """Poisson pulses ``(T, B, I)``: probability ``x rate dt`` per step (at most 1)."""
        T = self.spec.n_steps
        r = torch.as_tensor(rate, dtype=torch.float64)
        p = torch.clamp(x.to(torch.float64) * (r.reshape(-1, 1) if r.dim() else r) * self.spec.dt, 0.0, 1.0)
        return (torch.rand((T, *x.shape), generator=generator, dtype=torch.float64) < p).to(torch.float64)

    def encode_neurons(self, x: torch.Tensor, rate: torch.Tensor | float,
                       generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Input neurons driven by constant currents ``x I(rate)`` (``I(rate)``: the current at
        which the input neuron fires at ``rate``, from the f-I closed form), random initial
        membranes: ``(spikes (T, B, I), normalized membranes u (T, B, I))``."""
        p = self.input_neuron.params
        T = self.spec.n_steps
        r = torch.as_tensor(rate, dtype=torch.float64)
        r = r.reshape(-1, 1) if r.dim() else r
        a = torch.clamp(1.0 / r - float(p.t_ref), min=1e-9) / float(p.tau_m)
        i_max = (float(p.v_th) - float(p.v_rest)) / float(p.r_in) * torch.exp(a) / torch.expm1(a)
        i = x.to(torch.float64) * i_max
        v0 = float(p.v_reset) + torch.rand(x.shape, generator=generator, dtype=torch.float64) * (float(p.v_th) - float(p.v_reset))
        z, v = lean_lif_run(i.unsqueeze(0).expand(T, *x.shape).contiguous(), p.v_th, p, self.spec.dt, 0.0,
                            record_v=True, v0=v0)
        return z, (v - float(p.v_rest)) / (float(p.v_th) - float(p.v_rest))

    def run(self, s_in: torch.Tensor, *, record_v: bool = False) -> dict[str, torch.Tensor]:
        """Present input pulses ``s_in`` ``(T, B, I)`` from rest: output spikes ``z`` ``(T, B, J)``
        (and the membranes with ``record_v``)."""
        spec = self.spec
        T, B, _ = s_in.shape
        duty = min(spec.width / spec.dt, 1.0)
        i_in = (s_in.reshape(T * B, -1) @ self.read_currents()).reshape(T, B, -1) * duty
        p = self.neuron.params
        q_inh = self.g_inh * self.neuron.amplitude * self.neuron.width
        if spec.neuron_step == "lean":
            z, v = lean_lif_run(i_in, p.v_th + self.theta, p, spec.dt, q_inh / spec.dt, record_v=record_v)
            out = {"z": z}
            if record_v:
                out["v"] = v
            return out
        p = p._replace(v_th=p.v_th + self.theta)
        state = lif_initial_state((B, spec.n_neurons), p)
        inh = torch.zeros(B, spec.n_neurons, dtype=torch.float64)
        zs = []
        vs = []
        for t in range(T):
            z, state = lif_step(i_in[t] - inh, state, p, spec.dt)
            zs.append(z)
            if record_v:
                vs.append(state.v)
            if q_inh > 0:
                inh = (z.sum(-1, keepdim=True) - z) * (q_inh / spec.dt)
        out = {"z": torch.stack(zs)}
        if record_v:
            out["v"] = torch.stack(vs)
        return out

    def present(self, x: torch.Tensor, generator: torch.Generator, *, min_spikes: int | None = None) -> dict[str, Any]:
        """Present a batch ``x`` ``(B, I)``; samples with fewer than ``min_spikes`` output spikes
        are presented again at ``max_rate + k rate_boost`` (Diehl & Cook), up to
        ``max_retries`` times. Returns every presentation's ``(s_in, z)`` (for the rule), the
        final spike counts ``(B, J)`` and the number of presentations."""
        spec = self.spec
        need = spec.min_spikes if min_spikes is None else min_spikes
        B = x.shape[0]
        rate = torch.full((B,), spec.max_rate, dtype=torch.float64)
        idx = torch.arange(B)
        counts = torch.zeros(B, spec.n_neurons, dtype=torch.float64)
        shows = []
        n_present = 0
        for attempt in range(spec.max_retries + 1):
            if self.upstream is not None:
                up = self.upstream
                s_in, u = up.run(up.encode(x[idx], rate[idx], generator))["z"], None
            elif spec.input_kind == "neurons":
                s_in, u = self.encode_neurons(x[idx], rate[idx], generator)
            else:
                s_in, u = self.encode(x[idx], rate[idx], generator), None
            z = self.run(s_in)["z"]
            n_present += len(idx)
            shows.append((s_in, z, u, idx.clone()))
            c = z.sum(0)
            counts[idx] = c
            low = c.sum(-1) < need
            if not bool(low.any()) or attempt == spec.max_retries:
                break
            idx = idx[low]
            rate[idx] += spec.rate_boost
        return {"shows": shows, "counts": counts, "presentations": n_present}

    def decay_theta(self, n_samples: int) -> None:
        t = n_samples * (self.spec.t_present + self.spec.t_rest)
        self.theta *= math.exp(-t / self.spec.tau_theta)

    # -- programming ---------------------------------------------------------------------------
    def program(self, dw: torch.Tensor, generator: torch.Generator) -> ProgramStats:
        """Ask the devices for ``dw`` (normalized); they do what they do."""
        self.states, st = self.programmer.apply(self.states, dw, generator, self.extra)
        self.stats += st
        return st

    def state_dict(self) -> dict[str, Any]:
        return {"states": self.states.clone(), "extra": {k: v.clone() for k, v in self.extra.items()},
                "theta": self.theta.clone(), "stats": asdict(self.stats)}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.states = d["states"].clone()
        self.extra = {k: v.clone() for k, v in d["extra"].items()}
        self.theta = d["theta"].clone()
        self.stats = ProgramStats(**d["stats"])


def normalize_request(w: torch.Tensor, dw: torch.Tensor, total: float | None, kind: str = "l1") -> torch.Tensor:
    """Diehl & Cook's normalization folded into the request: the weights after ``dw`` rescaled
    per neuron — ``kind = "l1"``: inputs summing to ``total`` (Diehl & Cook); ``"l2"``: an
    input-weight vector of Euclidean norm ``total`` (then the best-driven neuron is the one
    whose weights point most nearly along the input: cosine matching) — clipped to ``[0, 1]``;
    returns the change to ask the devices for. ``total = None``: ``dw`` unchanged."""
    if total is None:
        return dw
    target = torch.clamp(w + dw, 0.0, 1.0)
    norm = target.sum(0, keepdim=True) if kind == "l1" else target.norm(dim=0, keepdim=True)
    target = torch.clamp(target * (total / norm.clamp(min=1e-12)), 0.0, 1.0)
    return target - w


def normalize_to_mean(w: torch.Tensor, dw: torch.Tensor, mean: float, kind: str = "l1") -> torch.Tensor:
    """:func:`normalize_request` with the target as the mean normalized weight of each vector of
    ``w[:, j]`` (``l1``: the sum ``mean n``; ``l2``: the norm ``mean sqrt(n)``, ``n`` inputs);
    ``mean <= 0``: ``dw`` unchanged."""
    if not mean > 0:
        return dw
    n = w.shape[0]
    return normalize_request(w, dw, mean * (n if kind == "l1" else n ** 0.5), kind)


def assign_labels(counts: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Each neuron's class: the one whose samples made it fire most on average (Diehl & Cook)."""
    rates = torch.zeros(n_classes, counts.shape[1], dtype=torch.float64)
    for c in range(n_classes):
        sel = y == c
        if bool(sel.any()):
            rates[c] = counts[sel].mean(0)
    return rates.argmax(0)


def classify(counts: torch.Tensor, labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """The class whose assigned neurons fired most on average (ties: the lowest class)."""
    scores = torch.full((counts.shape[0], n_classes), -1.0, dtype=torch.float64)
    for c in range(n_classes):
        sel = labels == c
        if bool(sel.any()):
            scores[:, c] = counts[:, sel].mean(1)
    return scores.argmax(1)


def _lean_loop(i_in: torch.Tensor, v_th: torch.Tensor, a: float, r_in: float, v_rest: float, v_reset: float,
               ref_steps: int, i_inh: float, v0: torch.Tensor, record_v: bool) -> tuple[torch.Tensor, torch.Tensor]:
    T = i_in.shape[0]
    v = v0.clone()
    inh = torch.zeros_like(i_in[0])
    ref = torch.zeros_like(i_in[0])
    out = torch.empty_like(i_in)
    vs = torch.empty_like(i_in) if record_v else torch.empty(0, dtype=i_in.dtype)
    for t in range(T):
        v_inf = (i_in[t] - inh) * r_in + v_rest
        v = v_inf + (v - v_inf) * a
        if ref_steps > 0:
            v = torch.where(ref > 0, torch.full_like(v, v_reset), v)
        z = (v >= v_th).to(v.dtype)
        v = torch.where(z > 0, torch.full_like(v, v_reset), v)
        if ref_steps > 0:
            ref = torch.where(z > 0, torch.full_like(ref, float(ref_steps)), ref - 1)
        out[t] = z
        if record_v:
            vs[t] = v
        if i_inh > 0:
            inh = (z.sum(-1, keepdim=True) - z) * i_inh
    return out, vs


_SCRIPTED: dict[str, Any] = {}


def lean_lif_run(i_in: torch.Tensor, v_th: Any, p: LIFParameters, dt: float, i_inh: float = 0.0, *,
                 record_v: bool = False, v0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The lean LIF loop (module docstring) over input currents ``i_in`` ``(T, B, J)`` (A) with
    thresholds ``v_th`` (V, broadcast to ``(B, J)``) and lateral inhibition ``i_inh`` (A, one
    step, onto every other neuron of the row) -> ``(z, v or None)``."""
    if "loop" not in _SCRIPTED:
        try:
            _SCRIPTED["loop"] = torch.jit.script(_lean_loop)
        except Exception:  # no source (frozen) or TorchScript unavailable: plain Python
            _SCRIPTED["loop"] = _lean_loop
    vth = torch.as_tensor(v_th, dtype=i_in.dtype).expand_as(i_in[0]).contiguous()
    start = torch.full_like(i_in[0], float(p.v_rest)) if v0 is None else v0.to(i_in.dtype)
    z, v = _SCRIPTED["loop"](i_in, vth, math.exp(-dt / float(p.tau_m)), float(p.r_in), float(p.v_rest),
                             float(p.v_reset), int(round(float(p.t_ref) / dt)), float(i_inh), start, record_v)
    return z, (v if record_v else None)
