"""Testbenches shared by every neuron: step response, f-I curve, response to an input spike train.

Each builder takes the neuron's parameters and stimulus keywords and returns a
:class:`~circuitsnn.library.registry.Testbench`: a complete deck (neuron subcircuit, supply,
input current, ``.tran`` with the component's max step, the component's simulator options) plus
a ``measure`` that turns the results into spike times and rates. :func:`neuron_component` builds
a neuron's :class:`~circuitsnn.library.registry.Component` so that its testbenches run with the
``sim_options`` and ``max_step`` the component itself declares. Stimulus defaults are multiples of the neuron's
:meth:`~circuitsnn.neurons.base.NeuronParams.current_scale`, and durations follow from its
:meth:`~circuitsnn.neurons.base.NeuronParams.expected_isi`, so the same builders fit every neuron.

The f-I testbench puts one neuron copy per input current into a single deck: one ngspice run
instead of one per current.

Why the behavioural neurons declare Gear: their reset and latch nodes are stiff (fast relative
to the step); the trapezoidal rule rings on such nodes, Gear damps them (see
circuitsnn.library.neurons.lif). The transistor-level Axon-Hillock also declares reltol 1e-7 (its spike times converge only
there: axon_hillock.SIM_OPTIONS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ...errors import ValidationError
from ..registry import Component, Testbench, TestbenchBuilder
from ...spice.ir import Comment, Deck, I, Pwl, Subckt, Tran, V, X
from ...units import format_value
from . import spikes
from .base import NeuronParams

SubcktFn = Callable[[Any], Subckt]
RateFn = Callable[[Any, Any], np.ndarray]  # (i_in, params) -> Hz
MaxStepFn = Callable[[Any], float]  # params -> s


@dataclass(frozen=True)
class Simulation:
    """How every deck of one neuron runs: its ``.options`` (the component's ``sim_options``)
    and its max step, a function of the parameters (the component's ``max_step``)."""

    options: Mapping[str, Any]
    max_step: MaxStepFn

    def __post_init__(self) -> None:
        reltol = dict(self.options).get("reltol")
        if reltol is not None and not 0 < reltol < 1:
            raise ValidationError(f"neuron testbenches: reltol must be in (0, 1), got {reltol!r}.")

    def step(self, p: NeuronParams) -> float:
        """The max step (s) at ``p``, rounded to 3 digits (decks read 25n, not 25.0000001n)."""
        return _round(float(self.max_step(p)), 3)

    def tran(self, p: NeuronParams, t_stop: float) -> Tran:
        h = self.step(p)
        return Tran(step=h, stop=t_stop, max_step=h)


def _supply(p: NeuronParams) -> list:
    return [Comment("supply"), V("Vsupply", "vdd", "0", float(p.vdd))]


def _positive(name: str, value: float, unit: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value) or value <= 0:
        raise ValidationError(f"testbench stimulus {name} ({unit}) must be a positive number, got {value!r}.")
    return float(value)


def _plan_stop(p: NeuronParams, currents: Sequence[float], n_isi: int, t_start: float) -> float:
    isis = np.asarray(p.expected_isi(np.asarray(currents, dtype=float)), dtype=float)
    finite = isis[np.isfinite(isis)]
    if finite.size == 0:
        raise ValidationError(
            f"none of the input currents ({', '.join(format_value(c) for c in currents)} A) makes "
            f"the neuron fire.",
            hint=f"Use currents above {format_value(p.current_scale())}A (the neuron's current scale).",
        )
    # the first spike starts from rest and takes about one interval; then n_isi more, plus margin
    return _round(t_start + p.settle_time() + (n_isi + 1.5) * float(finite.max()))


def _round(x: float, digits: int = 4) -> float:
    """Stimulus values rounded to a few digits: decks read 25n, not 25.000000000000004n."""
    return float(f"{x:.{digits}g}")


def step(
    p: NeuronParams,
    subckt: SubcktFn,
    *,
    sim: Simulation,
    i_amp: float | None = None,
    t_delay: float | None = None,
    t_stop: float | None = None,
    n_isi: int = 5,
) -> Testbench:
    """Current step response: ``i_amp`` (A) switched on at ``t_delay`` (s), held to ``t_stop``.

    Probes ``v(in)`` (membrane) and ``v(out)`` (spikes). Defaults: ``i_amp`` = 2x the current
    scale, ``t_delay`` = 10 max steps, ``t_stop`` long enough for ``n_isi`` intervals.
    """
    sub = subckt(p)
    i_amp = _positive("i_amp", _round(2.0 * p.current_scale()) if i_amp is None else i_amp, "A")
    h = sim.step(p)
    t_delay = 10 * h if t_delay is None else float(t_delay)
    if t_delay < 0:
        raise ValidationError(f"testbench stimulus t_delay (s) must be >= 0, got {t_delay!r}.")
    t_stop = _plan_stop(p, [i_amp], n_isi, t_delay) if t_stop is None else _positive("t_stop", t_stop, "s")
    if t_stop <= t_delay:
        raise ValidationError(f"t_stop = {t_stop!r} s must be after the step at t_delay = {t_delay!r} s.")
    wave = Pwl(((0.0, 0.0), (t_delay, 0.0), (t_delay + h, i_amp)))
    deck = Deck(
        title=f"{sub.name} step response",
        doc=f"Current step of {format_value(i_amp)}A into the membrane at t = {format_value(t_delay)}s.",
        subckts=(sub,),
        elements=tuple(_supply(p))
        + (
            Comment("input current into the membrane"),
            I("Iin", "0", "in", wave),
            X("X1", ("in", "out", "vdd", "0"), sub.name),
        ),
        analyses=(sim.tran(p, t_stop),),
        options=dict(sim.options),
    )
    level = p.spike_threshold()

    def measure(res: Any) -> Mapping[str, Any]:
        t = res.tran.time
        times = spikes.spike_times(t, res.tran["out"], level)
        return {
            "spike_times": times,
            "n_spikes": int(times.size),
            "rate": spikes.firing_rate(times),
            "latency": float(times[0] - t_delay) if times.size else float("nan"),
            "widths": spikes.spike_widths(t, res.tran["out"], level),
        }

    return Testbench(
        name="step",
        deck=deck,
        probes=("v(in)", "v(out)"),
        description=f"membrane and output after a {format_value(i_amp)}A input step",
        measure=measure,
        units={"spike_times": "s", "n_spikes": "1", "rate": "Hz", "latency": "s", "widths": "s"},
        plot="transient",
    )


def fi(
    p: NeuronParams,
    subckt: SubcktFn,
    *,
    sim: Simulation,
    currents: Sequence[float] | None = None,
    multiples: Sequence[float] = (1.05, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0),
    n_isi: int = 5,
    t_stop: float | None = None,
    reference: RateFn | None = None,
    tail: float = 0.5,
) -> Testbench:
    """f-I curve: one neuron copy per input current in one deck; rate of each from its spikes.

    ``currents`` (A) default to ``multiples`` x the current scale. Each copy ``X<k>`` has its
    membrane on ``in<k>`` and its output on ``out<k>``; its current ramps from 0 in one max step
    (a neuron firing at t = 0 has no operating point). ``rate`` is the reciprocal of the mean of
    the last ``tail`` fraction of the inter-spike intervals (the steady state), ``rate_first``
    that of the first interval, ``rate_model`` the neuron's model prediction when it has one.
    """
    sub = subckt(p)
    if currents is None:
        currents = [_round(m * p.current_scale()) for m in multiples]
    currents = [_positive(f"currents[{k}]", c, "A") for k, c in enumerate(currents)]
    if not currents:
        raise ValidationError("the f-I testbench needs at least one input current.")
    h = sim.step(p)
    t_stop = _plan_stop(p, currents, n_isi, h) if t_stop is None else _positive("t_stop", t_stop, "s")
    elements: list = _supply(p)
    for k, i_k in enumerate(currents):
        elements += [
            Comment(f"copy {k}: {format_value(i_k)}A"),
            I(f"Iin{k}", "0", f"in{k}", Pwl(((0.0, 0.0), (h, i_k)))),
            X(f"X{k}", (f"in{k}", f"out{k}", "vdd", "0"), sub.name),
        ]
    saves = tuple(f"v(out{k})" for k in range(len(currents))) + tuple(f"v(in{k})" for k in range(len(currents)))
    deck = Deck(
        title=f"{sub.name} f-I curve",
        doc=f"{len(currents)} copies, constant input currents {', '.join(format_value(c) for c in currents)} A.",
        subckts=(sub,),
        elements=tuple(elements),
        analyses=(sim.tran(p, t_stop),),
        options=dict(sim.options),
        saves=saves,
    )
    level = p.spike_threshold()
    i_arr = np.asarray(currents, dtype=float)

    def measure(res: Any) -> Mapping[str, Any]:
        t = res.tran.time
        rate, first, count = [], [], []
        for k in range(len(currents)):
            times = spikes.spike_times(t, res.tran[f"out{k}"], level)
            rate.append(spikes.firing_rate(times, tail=tail))
            intervals = spikes.isi(times)
            first.append(1.0 / intervals[0] if intervals.size else 0.0)
            count.append(times.size)
        out: dict[str, Any] = {
            "i_in": i_arr,
            "rate": np.asarray(rate),
            "rate_first": np.asarray(first),
            "n_spikes": np.asarray(count),
        }
        if reference is not None:
            out["rate_model"] = np.asarray(reference(i_arr, p), dtype=float)
        return out

    ys = "rate,rate_model" if reference is not None else "rate,rate_first"
    return Testbench(
        name="fi",
        deck=deck,
        probes=tuple(f"v(out{k})" for k in range(len(currents))),
        description="firing rate against constant input current",
        measure=measure,
        units={"i_in": "A", "rate": "Hz", "rate_first": "Hz", "rate_model": "Hz", "n_spikes": "1"},
        plot=f"xy:i_in:{ys}",
    )


def default_train(p: NeuronParams, n: int = 12, seed: int = 1) -> tuple[np.ndarray, float, float]:
    """A deterministic, jittered input spike train that makes the neuron fire now and then:
    pulse times (s), amplitude (A) and width (s)."""
    t2 = float(np.asarray(p.expected_isi(2.0 * p.current_scale())))
    period = 0.5 * t2
    rng = np.random.default_rng(seed)
    times = period * (1.0 + np.arange(n) + rng.uniform(-0.25, 0.25, n))
    return np.asarray([_round(t) for t in times]), _round(4.0 * p.current_scale()), _round(0.4 * period)


def spike_train(
    p: NeuronParams,
    subckt: SubcktFn,
    *,
    sim: Simulation,
    times: Sequence[float] | None = None,
    i_amp: float | None = None,
    width: float | None = None,
    t_stop: float | None = None,
) -> Testbench:
    """Response to a train of rectangular input current pulses (the currents a synapse delivers
    for presynaptic spikes): pulses of ``i_amp`` (A) and ``width`` (s) starting at ``times`` (s).

    Defaults: :func:`default_train`. Pulses must not overlap.
    """
    sub = subckt(p)
    d_times, d_amp, d_width = default_train(p)
    times_arr = np.asarray(d_times if times is None else times, dtype=float).reshape(-1)
    i_amp = _positive("i_amp", d_amp if i_amp is None else i_amp, "A")
    width = _positive("width", d_width if width is None else width, "s")
    if times_arr.size == 0 or not np.all(np.isfinite(times_arr)) or np.any(times_arr < 0):
        raise ValidationError("spike_train times (s) must be one or more finite times >= 0.")
    times_arr = np.sort(times_arr)
    edge = min(sim.step(p), 0.05 * width)
    if np.any(np.diff(times_arr) < width + 2 * edge):
        raise ValidationError(
            f"spike_train pulses overlap: pulses of width {format_value(width)}s need starts at "
            f"least {format_value(width + 2 * edge)}s apart.",
            hint="Space the times further apart or shorten the width.",
        )
    if t_stop is None:
        t_stop = _round(float(times_arr[-1] + width + 2.0 * float(np.asarray(p.expected_isi(2.0 * p.current_scale())))))
    t_stop = _positive("t_stop", t_stop, "s")
    points = [(0.0, 0.0)]
    for t0 in times_arr:
        if t0 <= points[-1][0]:
            t0 = points[-1][0] + edge  # a pulse at t = 0 starts one edge later
        points += [(t0, 0.0), (t0 + edge, i_amp), (t0 + width, i_amp), (t0 + width + edge, 0.0)]
    deck = Deck(
        title=f"{sub.name} input spike train",
        doc=f"{times_arr.size} input current pulses of {format_value(i_amp)}A, {format_value(width)}s wide.",
        subckts=(sub,),
        elements=tuple(_supply(p))
        + (
            Comment("input: one current pulse per presynaptic spike"),
            I("Iin", "0", "in", Pwl(tuple(points))),
            X("X1", ("in", "out", "vdd", "0"), sub.name),
        ),
        analyses=(sim.tran(p, t_stop),),
        options=dict(sim.options),
    )
    level = p.spike_threshold()

    def measure(res: Any) -> Mapping[str, Any]:
        out_times = spikes.spike_times(res.tran.time, res.tran["out"], level)
        return {"in_times": times_arr, "spike_times": out_times, "n_in": int(times_arr.size), "n_spikes": int(out_times.size)}

    return Testbench(
        name="spike_train",
        deck=deck,
        probes=("v(in)", "v(out)"),
        description="membrane and output under a train of input current pulses",
        measure=measure,
        units={"in_times": "s", "spike_times": "s", "n_in": "1", "n_spikes": "1"},
        plot="transient",
    )


def builders(
    subckt: SubcktFn,
    *,
    sim_options: Mapping[str, Any],
    max_step: MaxStepFn,
    reference: RateFn | None = None,
    fi_multiples: Sequence[float] | None = None,
) -> dict[str, TestbenchBuilder]:
    """The registry's testbench builders for one neuron: ``tb(params, **stimulus)``.

    Every deck gets ``.options`` ``sim_options`` and the max step ``max_step(params)``: pass the
    component's own (:func:`neuron_component` does)."""
    sim = Simulation(dict(sim_options), max_step)

    def tb_step(p: NeuronParams, **stimulus: Any) -> Testbench:
        return step(p, subckt, sim=sim, **stimulus)

    def tb_fi(p: NeuronParams, **stimulus: Any) -> Testbench:
        stimulus.setdefault("reference", reference)
        if fi_multiples is not None:
            stimulus.setdefault("multiples", fi_multiples)
        return fi(p, subckt, sim=sim, **stimulus)

    def tb_spike_train(p: NeuronParams, **stimulus: Any) -> Testbench:
        return spike_train(p, subckt, sim=sim, **stimulus)

    tb_step.__doc__ = step.__doc__
    tb_fi.__doc__ = fi.__doc__
    tb_spike_train.__doc__ = spike_train.__doc__
    return {"step": tb_step, "fi": tb_fi, "spike_train": tb_spike_train}


def neuron_component(
    *,
    name: str,
    params_cls: type[NeuronParams],
    subckt: SubcktFn,
    sim_options: Mapping[str, Any],
    max_step: MaxStepFn | None = None,
    fi_reference: RateFn | None = None,
    fi_multiples: Sequence[float] | None = None,
    family: str = "neuron",
    **fields: Any,
) -> Component:
    """A neuron :class:`~circuitsnn.library.registry.Component` whose testbenches (``step``,
    ``fi``, ``spike_train``) run with the component's own ``sim_options`` and ``max_step``
    (default: the parameters' :meth:`~circuitsnn.physics.neuron.NeuronParams.max_step`).
    ``fi_reference`` is the model f-I the ``fi`` testbench reports beside the measured one;
    ``fields`` are the other Component fields (summary, law, fitter, surrogate, ...)."""
    max_step = max_step or params_cls.max_step
    tbs = builders(subckt, sim_options=sim_options, max_step=max_step, reference=fi_reference, fi_multiples=fi_multiples)
    return Component(name=name, kind="neuron", family=family, params_cls=params_cls, subckt=subckt, testbenches=tbs,
                     sim_options=dict(sim_options), max_step=max_step, **fields)
