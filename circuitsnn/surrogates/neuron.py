"""A neuron's fitted surrogate in SI units: input current (A) in, spikes out as voltage pulses.

What a learner or a network model sees of a neuron circuit (``lif``, ``adaptive_lif``,
``axon_hillock``; any component whose ``surrogate`` entry point names :class:`NeuronSurrogate`):

* the **input** is the current (A) into the membrane port ``in``: a synapse's read current feeds
  it directly, with no scaling;
* the **dynamics** are the effective LIF of :mod:`circuitsnn.surrogates.lif` (fitted to the
  circuit in ``models/<name>.json``, or the circuit's nominal
  :meth:`~circuitsnn.physics.neuron.NeuronParams.lif_equivalent`);
* the **output** is the circuit's output pulse on ``out``: ``amplitude`` (V) high for
  ``width`` (s, at half amplitude) from the reported spike time (the half-amplitude rising edge,
  ``t_delay`` after the threshold crossing), with linear edges ``edge`` (s) long. Amplitude and
  width are measured on the circuit by the fit (``extra.output_pulse``), else the Params'.

:meth:`NeuronSurrogate.step` advances a batch of neurons by ``dt`` and returns, beside the
spike ``z`` (differentiable through the surrogate gradient), the **duty**: the fraction of the
step during which each neuron's output is high (the pulse is carried across step boundaries).
Over one step a synapse driven by that output passes the mean current::

    I_syn = duty * read(state, amplitude)            (A)

exactly for any read nonlinearity (the pulse is flat at ``amplitude`` while high), so the next
layer's input current is ``sum_j duty_j * read(G_ij, amplitude)``. For a linear synapse the
charge of one spike is ``G * amplitude * width``. :meth:`~NeuronSurrogate.output_voltage` draws
the pulses as a waveform (a PWL source for SPICE, a plot); :meth:`~NeuronSurrogate.pulse` is one
output pulse as a programming :class:`~circuitsnn.surrogates.weights.base.Pulse`, for a
synapse programmed by the neuron's own spikes.

Assumptions, as in the circuit: at most one spike per step (``dt`` below the shortest
inter-spike interval) and output pulses that do not overlap (``t_delay + width`` below the
inter-spike interval). The Axon-Hillock's real pulse lengthens with the input (its reset
current fights it); the surrogate uses the fitted median width.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import numpy as np
import torch

from ..errors import ValidationError
from .lif import LIF, LIFCell, LIFParameters, LIFState, lif_initial_state, lif_spike_times_fast, lif_step

#: a leak this slow (s) stands for "no designed leak" in a nominal surrogate (the Axon-Hillock)
NO_LEAK_TAU = 1e9


class OutputPulse(NamedTuple):
    """The output spike of a neuron: ``amplitude`` (V above vss), ``width`` (s, at half
    amplitude), ``edge`` (s, each linear edge)."""

    amplitude: float
    width: float
    edge: float = 0.0


class NeuronState(NamedTuple):
    """``lif`` the membrane state; ``pulse_start``/``pulse_end`` (s) the output pulse still to
    be emitted, from the start of the next step (``pulse_end <= 0``: none)."""

    lif: LIFState
    pulse_start: torch.Tensor
    pulse_end: torch.Tensor


class NeuronOutput(NamedTuple):
    """What :meth:`NeuronSurrogate.run` returns, each ``(T, ...)``: spikes ``z``, output ``duty``
    per step, spike ``times`` (s from the run's start, the half-amplitude rising edge; ``nan``
    where none) and the final ``state``."""

    z: torch.Tensor
    duty: torch.Tensor
    times: torch.Tensor
    state: NeuronState


class NeuronSurrogate:
    """A neuron in SI units (see the module docstring). Build it with :meth:`from_component` (or
    :func:`surrogate_for`); ``params`` are effective LIF parameters, ``pulse`` the output pulse,
    ``source`` where they came from (a model file, or ``"nominal"``)."""

    def __init__(self, component: str, params: LIFParameters, pulse: OutputPulse, *, source: str = "nominal",
                 soft: bool = False) -> None:
        if not (pulse.amplitude > 0 and pulse.width > 0 and pulse.edge >= 0):
            raise ValidationError(f"{component}: the output pulse needs amplitude > 0 V, width > 0 s and edges >= 0 s, "
                                  f"got {pulse}.")
        self.component = component
        self.params = params
        self.output = OutputPulse(*(float(x) for x in pulse))
        self.source = source
        self.soft = soft

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_component(cls, comp: Any, model: str | Path | None = None, *, nominal: bool = False,
                       params: Any = None, **kw: Any) -> "NeuronSurrogate":
        """The surrogate of a neuron component (a registered name or a Component).

        ``model``: a surrogate JSON to load; default ``models/<name>.json`` when it exists and was
        fitted for ``params`` (default: the component's default parameters), else the nominal
        values of ``params`` (``nominal=True`` forces them)."""
        from ..library import registry

        comp = registry.get(comp) if isinstance(comp, str) else comp
        if comp.kind != "neuron":
            raise ValidationError(f"{comp.name!r} is a {comp.kind}; only neurons have a neuron surrogate.")
        p = params if params is not None else comp.default_params()
        if not nominal:
            if model is not None:
                path = Path(model)
                if not path.exists():
                    raise ValidationError(f"surrogate model {str(path)!r} does not exist.",
                                          hint=f"Fit one with `circuitsnn fit {comp.name}` or pass nominal=True.")
                return cls._from_model(comp, path, p, strict=True, **kw)
            from .weights import MODELS_DIR

            default = MODELS_DIR / f"{comp.name}.json"
            if default.exists():
                found = cls._from_model(comp, default, p, strict=False, **kw)
                if found is not None:
                    return found
        return cls.nominal(comp, p, **kw)

    @classmethod
    def nominal(cls, comp: Any, params: Any = None, **kw: Any) -> "NeuronSurrogate":
        """From the circuit's design values: :meth:`~circuitsnn.physics.neuron.NeuronParams.lif_equivalent`
        and the Params' output pulse."""
        p = params if params is not None else comp.default_params()
        eq = dict(p.lif_equivalent())
        if not eq:
            raise ValidationError(f"{comp.name!r} has no nominal effective LIF (its Params do not implement "
                                  "lif_equivalent()).", hint=f"Fit it: `circuitsnn fit {comp.name}`.")
        if "tau_m" not in eq:  # no designed leak: a perfect integrator of capacitance c_m
            eq["tau_m"] = NO_LEAK_TAU
            eq["r_in"] = NO_LEAK_TAU / eq["c_m"]
        elif "r_in" not in eq:
            eq["r_in"] = eq["tau_m"] / eq["c_m"]
        lp = LIFParameters(**{k: float(v) for k, v in eq.items() if k in LIFParameters._fields})
        pulse = OutputPulse(p.spike_amplitude(), p.spike_width(), p.spike_edge())
        return cls(comp.name, lp, pulse, source="nominal", **kw)

    @classmethod
    def _from_model(cls, comp: Any, path: Path, params: Any, *, strict: bool, **kw: Any) -> "NeuronSurrogate | None":
        from .artifacts import load_model

        m = load_model(path)
        if m.name != comp.name or m.model != "LIFParameters":
            raise ValidationError(f"surrogate {str(path)!r} is a {m.model} of {m.name!r}, not a neuron surrogate of "
                                  f"{comp.name!r}.")
        fitted_for = (m.provenance or {}).get("component_params") or {}
        if not _same_params(fitted_for, params.to_dict()):
            if strict:
                raise ValidationError(
                    f"surrogate {str(path)!r} was fitted for other parameters of {comp.name!r} than the ones asked for.",
                    hint=f"Fit these: `circuitsnn fit {comp.name}` with them, or pass nominal=True.")
            return None
        values = {k: v for k, v in m.parameters.items() if k in LIFParameters._fields}
        out = (m.extra or {}).get("output_pulse") or {}
        amp = float(out.get("amplitude", params.spike_amplitude()))
        width = float(out.get("width", params.spike_width()))
        edge = float(out.get("edge", params.spike_edge()))
        return cls(comp.name, LIFParameters(**values), OutputPulse(amp, width, edge), source=str(path), **kw)

    # -- what the circuit is ---------------------------------------------------------------------
    @property
    def amplitude(self) -> float:
        """Output pulse height (V above vss)."""
        return self.output.amplitude

    @property
    def width(self) -> float:
        """Output pulse width at half amplitude (s)."""
        return self.output.width

    @property
    def t_delay(self) -> float:
        """Threshold crossing to the half-amplitude rising edge (s)."""
        return float(self.params.t_delay)

    @property
    def volt_seconds(self) -> float:
        """The area of one output pulse (V s): a linear synapse of conductance G passes
        ``G * volt_seconds`` coulombs per spike."""
        return self.amplitude * self.width

    def pulse(self, terminal: str = "in"):
        """One output spike as a programming :class:`~circuitsnn.surrogates.weights.base.Pulse`
        (for a synapse that the neuron's spikes program)."""
        from .weights.base import Pulse

        return Pulse(self.amplitude, self.width, self.output.edge, self.output.edge, terminal)

    def rate(self, i: Any) -> Any:
        """Steady firing rate (Hz) under a constant current ``i`` (A): the law's closed-form f-I
        (:func:`circuitsnn.physics.lif.rate`; hard threshold, no adaptation)."""
        from ..physics.lif import rate

        return rate(i, self.params)

    # -- running ---------------------------------------------------------------------------------
    def initial_state(self, shape: Any, dtype: torch.dtype = torch.float64, device: Any = None) -> NeuronState:
        """At rest, no pulse pending."""
        z = torch.zeros(shape, dtype=dtype, device=device)
        return NeuronState(lif_initial_state(shape, self.params, dtype=dtype, device=device), z, z.clone())

    def step(self, i: torch.Tensor, state: NeuronState | None, dt: float) -> tuple[torch.Tensor, torch.Tensor, NeuronState]:
        """Advance by ``dt`` (s) with input current ``i`` (A) held: ``(z, duty, state)``; ``z``
        the spike of this step, ``duty`` the fraction of the step the output is high (module
        docstring). Differentiable in ``i``, the state and the parameters."""
        if state is None:
            state = self.initial_state(i.shape, dtype=i.dtype, device=i.device)
        z, lif = lif_step(i, state.lif, self.params, dt, soft=self.soft)
        dt_t = torch.as_tensor(dt, dtype=i.dtype, device=i.device)

        def overlap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.clamp(torch.minimum(b, dt_t) - torch.clamp(a, min=0.0), min=0.0)

        start = lif.t_spike + self.t_delay
        end = start + self.width
        duty = (overlap(state.pulse_start, state.pulse_end) + z * overlap(start, end)) / dt_t
        p_start = z * (start - dt_t) + (1 - z) * (state.pulse_start - dt_t)
        p_end = z * (end - dt_t) + (1 - z) * (state.pulse_end - dt_t)
        # a finished pulse stays finished without drifting to -inf
        p_end = torch.clamp(p_end, min=-dt_t)
        p_start = torch.minimum(p_start, p_end)
        return z, duty, NeuronState(lif, p_start, p_end)

    def run(self, current: torch.Tensor, dt: float, state: NeuronState | None = None) -> NeuronOutput:
        """:meth:`step` over ``current`` ``(T, ...)`` (A, one value per step of ``dt`` s)."""
        zs, duties, times = [], [], []
        for k in range(current.shape[0]):
            z, d, state = self.step(current[k], state, dt)
            zs.append(z)
            duties.append(d)
            times.append(torch.where(z > 0.5, state.lif.t_spike + k * dt + self.t_delay,
                                     torch.full_like(z, float("nan"))))
        assert state is not None
        return NeuronOutput(torch.stack(zs), torch.stack(duties), torch.stack(times), state)

    def spike_times(self, current: torch.Tensor, dt: Any) -> torch.Tensor:
        """Spike times (s, the half-amplitude rising edges; ``nan`` where none) for ``current``
        ``(T, ...)`` held over steps ``dt`` (one length or one per step): the compiled inference
        loop, no gradients."""
        return lif_spike_times_fast(current, self.params, dt)

    def output_voltage(self, spike_times: Any, t: Any) -> np.ndarray:
        """The output waveform (V) at times ``t`` (s) for spikes at ``spike_times`` (s, the
        half-amplitude rising edges; ``nan`` ignored): trapezoids ``amplitude`` high, ``width``
        wide at half amplitude, linear edges ``edge`` long."""
        t = np.asarray(t, dtype=float)
        times = np.asarray(spike_times, dtype=float).reshape(-1)
        times = np.sort(times[np.isfinite(times)])
        e, w, a = self.output.edge, self.width, self.amplitude
        v = np.zeros_like(t)
        for ts in times:
            if e > 0:
                up = np.clip((t - (ts - e / 2)) / e, 0.0, 1.0)
                down = np.clip(((ts + w + e / 2) - t) / e, 0.0, 1.0)
            else:
                up = (t >= ts).astype(float)
                down = (t < ts + w).astype(float)
            v = np.maximum(v, a * np.minimum(up, down))
        return v

    def cell(self, dt: float, *, learn: Iterable[str] = (), dtype: torch.dtype = torch.float64) -> LIFCell:
        """The effective LIF as an ``nn.Module`` (one step; ``learn`` names trainable parameters)."""
        return LIFCell(self.params, dt, learn=learn, soft=self.soft, dtype=dtype)

    def module(self, dt: float, *, learn: Iterable[str] = (), dtype: torch.dtype = torch.float64) -> LIF:
        """The effective LIF over a whole sequence as an ``nn.Module``."""
        return LIF(self.params, dt, learn=learn, soft=self.soft, dtype=dtype)

    def describe(self) -> dict[str, Any]:
        return {"component": self.component, "source": self.source, "amplitude_V": self.amplitude,
                "width_s": self.width, "edge_s": self.output.edge, "t_delay_s": self.t_delay,
                "parameters": {k: float(v) for k, v in self.params._asdict().items()}}

    def __repr__(self) -> str:
        return (f"NeuronSurrogate({self.component!r}, {self.amplitude:g} V x {self.width:g} s pulses, "
                f"source={self.source!r})")


def _same_params(stored: dict, wanted: dict) -> bool:
    if set(stored) != set(wanted):
        return False
    for k, v in wanted.items():
        s = stored[k]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                if not math.isclose(float(s), float(v), rel_tol=1e-12, abs_tol=0.0):
                    return False
            except (TypeError, ValueError):
                return False
        elif s != v:
            return False
    return True


def surrogate_for(component: Any, model: str | Path | None = None, *, nominal: bool = False, **kw: Any) -> Any:
    """The SI surrogate of a neuron ``component`` (a registered name or a Component) through its
    ``surrogate`` entry point: ``cls.from_component(component, model, nominal=..., **kw)``."""
    from ..library import registry

    comp = registry.get(component) if isinstance(component, str) else component
    if comp.kind != "neuron":
        raise ValidationError(f"{comp.name!r} is a {comp.kind}; neuron surrogates are for neurons "
                              "(synapses have a weight interface: circuitsnn.surrogates.weights.weights_for).")
    cls = comp.resolve("surrogate")
    if cls is None:
        raise ValidationError(f"component {comp.name!r} declares no surrogate.",
                              hint="Set Component.surrogate to a class with from_component (or 'module:Class').")
    return cls.from_component(comp, model, nominal=nominal, **kw)


__all__ = ["NeuronSurrogate", "NeuronState", "NeuronOutput", "OutputPulse", "surrogate_for", "NO_LEAK_TAU"]
