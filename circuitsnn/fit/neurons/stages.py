"""The three fit stages of a neuron's effective LIF, each a bounded least-squares fit on the fit
deck's data (:class:`~.protocol.FitData`), and the surrogate drivers they share with the held-out
checks.

1. :func:`fit_membrane` — ``v_rest``, ``r_in``, ``tau_m`` from the membrane traces ``v(in)``;
2. :func:`fit_threshold` — ``v_th`` and ``t_delay`` from the first-spike latencies (the law's
   closed-form latency, :func:`circuitsnn.physics.lif.latency`);
3. :func:`fit_trains` — threshold, delay, reset, refractory period (and adaptation, active reset,
   soft threshold where the neuron has them) jointly, from the latency and every inter-spike
   interval of the SPICE trains, with the surrogate run on the same stimulus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from ...physics.lif import latency
from ...surrogates.lif import LIFParameters, lif_spike_times_fast
from ...surrogates.waveforms import event_grid
from ..core import Curve, FitParam, FitReport, fit_curves
from ..outcome import Overlay
from .protocol import FitData

D = torch.float64
#: at most this many spikes per train enter the fit
MAX_FIT_SPIKES = 40


def design_guess(params) -> dict[str, float]:
    """Effective-LIF initial guesses from a neuron's Params: its
    :meth:`~circuitsnn.physics.neuron.NeuronParams.lif_equivalent` (some of ``tau_m r_in c_m
    v_rest v_th v_reset t_ref t_delay tau_w b i_ref delta_t``). ``i_ref`` asks for an active
    reset, ``delta_t`` for a soft (exponential) threshold, ``b`` for adaptation; whatever is
    missing is estimated from the data."""
    eq = params.lif_equivalent() if hasattr(params, "lif_equivalent") else {}
    return {k: float(v) for k, v in eq.items()}


def lif(values: dict[str, float]) -> LIFParameters:
    return LIFParameters(**{k: float(values[k]) for k in LIFParameters._fields if k in values})


# -- surrogate drivers ------------------------------------------------------------------------


def surrogate_spikes(p: LIFParameters, waves: Sequence[np.ndarray], t_stop: float, max_dt: float) -> list[np.ndarray]:
    """Spike times (s) of the surrogate for PWL current waveforms (point arrays), one neuron
    per waveform, on an event grid (exact between breakpoints)."""
    grid = event_grid(list(waves), np.zeros(0), t_stop=t_stop, ramp_substeps=2, max_dt=max_dt)
    cur = torch.as_tensor(grid.u, dtype=D)
    ts = lif_spike_times_fast(cur, p, grid.dt).numpy()
    return [np.sort(col[np.isfinite(col) & (col <= t_stop)]) for col in ts.T]


def constant_current_spikes(p: LIFParameters, currents: np.ndarray, onset: float, t_stop: float, dt: float) -> list[np.ndarray]:
    """Surrogate spike times for constant currents switched on (as a step) at ``onset``."""
    n = int(math.ceil((t_stop - onset) / dt))
    steps = [onset] + [dt] * n
    cur = torch.zeros((n + 1, len(currents)), dtype=D)
    cur[1:] = torch.as_tensor(np.asarray(currents, float), dtype=D)
    ts = lif_spike_times_fast(cur, p, steps).numpy()
    return [np.sort(c[np.isfinite(c) & (c <= t_stop)]) for c in ts.T]


# -- stage 1: membrane --------------------------------------------------------------------------


@dataclass
class Stage:
    """One stage's outcome: its report, the values it settles, notes and figures."""

    report: FitReport
    values: dict[str, float]
    notes: list[str] = field(default_factory=list)
    figures: list = field(default_factory=list)


def fit_membrane(name: str, fd: FitData, guess: dict[str, float]) -> Stage:
    """``v_rest``, ``r_in``, ``tau_m``: the whole trace of the sub-threshold copies, the rise before
    the first spike of the others (to 80 % of the latency), 200 samples each."""
    seg_t, seg_v, seg_i = [], [], []
    for k, i_k in enumerate(fd.currents):
        end = fd.t_stop if fd.trains[k].size == 0 else 0.8 * (fd.trains[k][0] - fd.onset) + fd.onset
        idx = np.nonzero(fd.time <= end)[0]
        if idx.size > 200:
            idx = idx[np.linspace(0, idx.size - 1, 200).astype(int)]
        seg_t.append(fd.time[idx])
        seg_v.append(fd.v_in[k, idx])
        seg_i.append(np.full(idx.size, i_k))
    st, sv, si = np.concatenate(seg_t), np.concatenate(seg_v), np.concatenate(seg_i)

    def model(v: dict) -> dict:
        # v = v_rest + (i/g_l)(1 - exp(-g_l s/c_m)), with expm1: exact also without leak
        s = np.clip(st - fd.onset, 0.0, None)
        return {"membrane": v["v_rest"] - si / v["g_l"] * np.expm1(-s * v["g_l"] / v["c_m"])}

    v_span = float(np.ptp(fd.v_in)) or 1.0
    c0 = guess.get("c_m") or (guess["tau_m"] / guess["r_in"] if "tau_m" in guess and "r_in" in guess
                              else float(fd.currents.max()) * fd.t_stop / v_span)
    g0 = 1.0 / guess["r_in"] if guess.get("r_in") else c0 / (100 * fd.t_stop)
    g_lo = min(g0 / 30, c0 / (1e4 * fd.t_stop))  # down to "no leak within 10^4 runs"
    rep = fit_curves(
        f"{name} membrane (sub-threshold and pre-spike v(in))",
        [Curve("membrane", st, sv, "V", "s")],
        model,
        [
            FitParam("v_rest", guess.get("v_rest", float(fd.v_in[0, 0])), guess.get("v_rest", 0.0) - v_span,
                     guess.get("v_rest", 0.0) + v_span, "V", "resting potential"),
            FitParam("c_m", c0, c0 / 30, c0 * 30, "F", "membrane capacitance", log=True),
            FitParam("g_l", min(max(g0, g_lo * 1.0001), g0 * 30), g_lo, g0 * 30, "S", "leak conductance 1/r_in", log=True),
        ],
        tolerance={"nrmse": 0.01},
    )
    m = rep.params
    mem = {"v_rest": m["v_rest"], "r_in": 1.0 / m["g_l"], "tau_m": m["c_m"] / m["g_l"]}
    notes = []
    if m["g_l"] <= g_lo * 1.01:
        notes.append(f"no measurable leak: the leak conductance sits at its lower bound ({g_lo:.3g} S, "
                     f"tau_m = {mem['tau_m']:.3g} s); the neuron is a perfect integrator here.")
    fig = Overlay("membrane before the first spike (fit)", st, sv, rep.predictions["membrane"], "time (s)", "v(in) (V)",
                  marker=True)
    return Stage(rep, mem, notes, [fig])


# -- stage 2: threshold and delay -----------------------------------------------------------------


def fit_threshold(name: str, fd: FitData, mem: dict[str, float], guess: dict[str, float]) -> Stage:
    """``v_th`` and ``t_delay`` from the first-spike latency of every firing copy."""
    firing = fd.firing
    lat = np.array([fd.trains[k][0] - fd.onset for k in firing])
    lat_i = fd.currents[firing]

    def model(v: dict) -> dict:
        lat_m = latency(lat_i, {**mem, "v_th": v["v_th"], "t_delay": v["t_delay"]})
        return {"log_latency": np.log(np.maximum(lat_m, 1e-15))}

    vth0 = guess.get("v_th", float(np.nanmax(fd.v_in)))
    v_inf_min = mem["v_rest"] + mem["r_in"] * lat_i.min()
    rep = fit_curves(
        f"{name} first-spike latency",
        [Curve("log_latency", lat_i, np.log(lat), "ln s", "A")],
        model,
        [
            FitParam("v_th", min(vth0, v_inf_min - 1e-6), mem["v_rest"] + 1e-6, v_inf_min - 1e-9, "V", "threshold"),
            FitParam("t_delay", guess.get("t_delay", 0.0), 0.0, 0.5 * float(lat.min()), "s", "output delay"),
        ],
        tolerance={"nrmse": 0.01},
    )
    return Stage(rep, dict(rep.params), figures=[], notes=[])


# -- stage 3: spike trains --------------------------------------------------------------------------


@dataclass
class TrainsStage(Stage):
    """The spike-train stage also settles the surrogate's time step and says whether it found
    adaptation."""

    dt: float = 0.0
    min_isi: float = 0.0
    adaptive: bool = False


def fit_trains(name: str, fd: FitData, mem: dict[str, float], thr: dict[str, float], guess: dict[str, float],
               scale: float) -> TrainsStage:
    """Threshold, delay, reset and refractory period jointly (and ``b``/``tau_w`` when the
    intervals lengthen or the design says so; ``i_ref`` for an active reset; ``delta_t`` for a
    soft threshold), matching the latency and the first :data:`MAX_FIT_SPIKES` intervals of
    every firing copy with the surrogate on the same constant currents."""
    fk = fd.firing
    currents, onset, t_stop = fd.currents, fd.onset, fd.t_stop
    sp_trains = [fd.trains[k][:MAX_FIT_SPIKES] for k in fk]
    isis = [np.diff(tr) for tr in sp_trains]
    growth = np.median([isi[-1] / isi[0] for isi in isis if isi.size >= 2])
    adaptive = bool(guess.get("b", 0.0) > 0 or growth > 1.02)
    min_isi = min(float(isi.min()) for isi in isis)
    dt_fit = min(min_isi / 3, mem["tau_m"] / 5)
    y_lat = np.log(np.array([tr[0] for tr in sp_trains]))
    y_isi = np.log(np.concatenate(isis))
    lat_min = float(min(fd.trains[k][0] - onset for k in fk))
    v_inf_min = mem["v_rest"] + mem["r_in"] * currents[fk].min()
    v_span = float(np.ptp(fd.v_in)) or 1.0
    fixed: dict[str, Any] = {**mem}

    def model(v: dict) -> dict:
        ps = lif(dict(fixed, **v))
        got = constant_current_spikes(ps, currents[fk], onset, t_stop, dt_fit)
        lat_m, isi_m = [], []
        for tr_s, tr_m in zip(sp_trains, got):
            lat_m.append(tr_m[0] if tr_m.size else np.nan)
            n = tr_s.size - 1
            im = np.diff(tr_m)[:n]
            isi_m.append(np.concatenate([im, np.full(n - im.size, np.nan)]))
        return {"log_latency": np.log(np.asarray(lat_m)), "log_isi": np.log(np.concatenate(isi_m))}

    t_ref0 = guess.get("t_ref", 0.5 * min_isi)
    vr0 = guess.get("v_reset", mem["v_rest"])
    soft_threshold = guess.get("delta_t", 0.0) > 0
    vth0 = thr["v_th"]
    if soft_threshold:
        # exponential threshold: start where it spikes as the hard threshold does at the middle
        # fit current (the exponential term equals the input there)
        dt0 = guess["delta_t"]
        i_mid = float(np.exp(np.mean(np.log(currents[fk]))))
        vth0 = thr["v_th"] - dt0 * math.log(max(i_mid * mem["r_in"] / dt0, 1.0))
    free = [
        FitParam("v_th", vth0, mem["v_rest"] + 1e-6, v_inf_min - 1e-9, "V",
                 "threshold (of the exponential term when delta_t > 0)"),
        FitParam("t_delay", thr["t_delay"], 0.0, 0.5 * lat_min, "s", "threshold-to-output delay"),
        FitParam("v_reset", min(vr0, thr["v_th"] - 1e-3), mem["v_rest"] - v_span, thr["v_th"] - 1e-6, "V", "reset potential"),
        FitParam("t_ref", min(t_ref0, 0.99 * min_isi), min(t_ref0, min_isi) / 30, 0.999 * min_isi, "s", "refractory period", log=True),
    ]
    if soft_threshold:
        free.append(FitParam("delta_t", dt0, dt0 / 30, dt0 * 10, "V", "slope factor of the exponential threshold", log=True))
    else:
        fixed["delta_t"] = 0.0
    if "i_ref" in guess:  # an active reset
        ir0 = guess["i_ref"]
        lo = 1.01 * float(currents.max())
        free.append(FitParam("i_ref", max(ir0, lo * 1.01), lo, max(ir0, lo) * 30, "A",
                             "input current at which the refractory period diverges (active reset)", log=True))
    else:
        fixed["i_ref"] = math.inf
    if adaptive:
        b0 = guess.get("b", 0.1 * scale) or 0.1 * scale
        tw0 = guess.get("tau_w", 10 * min(mem["tau_m"], t_stop))
        free += [
            FitParam("b", b0, b0 / 30, b0 * 30, "A", "adaptation current per spike", log=True),
            FitParam("tau_w", tw0, tw0 / 30, tw0 * 30, "s", "adaptation time constant", log=True),
        ]
    else:
        fixed.update(b=0.0, tau_w=1.0)
    rep = fit_curves(
        f"{name} spike trains under constant current",
        [Curve("log_latency", currents[fk], y_lat, "ln s", "A"), Curve("log_isi", np.arange(y_isi.size), y_isi, "ln s", "1")],
        model,
        free,
        fixed=fixed,
        tolerance={"nrmse": 0.01},
    )
    values = dict(rep.params)
    for k, default in (("b", 0.0), ("tau_w", 1.0), ("i_ref", math.inf), ("delta_t", 0.0)):
        values.setdefault(k, default)
    # the intervals as fitted, SPICE against the surrogate
    got = constant_current_spikes(lif(values), currents[fk], onset, t_stop, dt_fit)
    isi_k = [np.diff(tr) for tr in sp_trains]
    isi_m = [np.diff(tr)[: len(i)] for tr, i in zip(got, isi_k)]
    n_show = min(len(i) for i in isi_k + isi_m) if isi_k else 0
    figures = []
    if n_show >= 1:
        figures.append(Overlay("inter-spike intervals under constant current (fit)", np.arange(1, n_show + 1),
                               np.stack([i[:n_show] for i in isi_k]), np.stack([i[:n_show] for i in isi_m]),
                               "interval number", "ISI (s)", labels=tuple(f"{c:.3g} A" for c in currents[fk]), marker=True))
    notes = [] if adaptive else ["no adaptation found (intervals under constant current do not lengthen): b = 0."]
    return TrainsStage(rep, values, notes, figures, dt=dt_fit, min_isi=min_isi, adaptive=adaptive)
