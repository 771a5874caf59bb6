"""Fitting procedure of the neuron surrogates: effective LIF parameters of any neuron circuit.

Every neuron (``in out vdd vss``, a current into ``in``, spikes on ``out``) gets the effective
model of :func:`circuitsnn.surrogates.functional.lif_step`::

    tau_m dv/dt = -(v - v_rest) + r_in (i - w);  v >= v_th -> spike, v = v_reset for t_ref,
    output pulse t_delay after the crossing;     tau_w dw/dt = -w, w += b per spike

Fit data: one deck from the component's own f-I testbench with two sub-threshold and eight
supra-threshold constant currents (multiples of the neuron's current scale). Three stages:

1. **membrane** — ``v_rest``, ``r_in``, ``tau_m`` from the membrane traces ``v(in)``: the whole
   trace of the sub-threshold copies, the rise before the first spike of the others;
2. **threshold** — ``v_th`` and ``t_delay`` from the first-spike latencies
   (``t_delay + tau_m ln((v_inf - v_rest)/(v_inf - v_th))``);
3. **spike trains** — ``v_th``, ``t_delay``, ``v_reset``, ``t_ref`` (and ``b``, ``tau_w`` when the
   intervals lengthen: adaptation) jointly, matching the latency and every inter-spike interval
   of the SPICE trains with the surrogate run on the same stimulus. Where the neuron's switching
   is soft (the Axon-Hillock: :func:`design_guess` gives ``delta_t``), the slope factor
   ``delta_t`` of an exponential threshold (exponential integrate-and-fire, see
   :func:`~circuitsnn.surrogates.functional.lif_step`) is fitted here too: a hard threshold put
   89.5 % of the Axon-Hillock's held-out noisy-current spikes within 1 % of the ISI, the
   fitted soft one (about 1 mV) all of them.

The output pulse (amplitude, width at half amplitude) is measured and stored beside the model.

Held out (never used for fitting): the f-I curve at seven other currents (target: within 2 %),
noisy piecewise-constant currents (Ornstein-Uhlenbeck) into several copies and a random input
spike train (current pulses): spike-time coincidence factor and timing error relative to the
ISI (target: within 1 % of the ISI).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from ..errors import ValidationError
from ..spice.ir import Comment, Deck, I, Pwl, Tran, V, X
from ..surrogates import functional as F
from .data import SimData
from .core import Curve, FitParam, FitReport, fit_curves
from .outcome import Overlay, Raster, SurrogateFit
from .validate import FI_TARGET, SPIKE_TIMING_TARGET, compare_spike_trains, fi_error, merge_train_metrics
from ..surrogates.waveforms import event_grid, source_points

D = torch.float64
#: currents of the fit deck, as multiples of the neuron's current scale (2 below rheobase)
SUB_MULTIPLES = (0.5, 0.9)
FIT_MULTIPLES = (1.05, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)
#: held-out f-I currents: interleaved with the fitted ones
VAL_MULTIPLES = (1.1, 1.35, 1.75, 2.5, 4.0, 7.0, 14.0)
#: at most this many spikes per train enter the fit
MAX_FIT_SPIKES = 40
#: pass criteria on held-out spike trains: share of paired spikes within 1 % of the ISI, and
#: share of spikes left unpaired (missed or extra)
MIN_FRAC_WITHIN = 0.95
MAX_UNPAIRED_FRAC = 0.02


def tighten(deck: Deck, reltol: float) -> Deck:
    """The same deck with ``.options reltol`` set (see :attr:`NeuronProtocol.reltol`)."""
    return dataclasses.replace(deck, options={**dict(deck.options), "reltol": reltol})


@dataclass(frozen=True)
class NeuronProtocol:
    """Stimulus plan: currents in multiples of the neuron's current scale, durations in units of
    its time scale ``T`` (the SPICE inter-spike interval at twice the current scale).
    ``quick`` shrinks the held-out stimuli for tests."""

    sub_multiples: tuple[float, ...] = SUB_MULTIPLES
    fit_multiples: tuple[float, ...] = FIT_MULTIPLES
    val_multiples: tuple[float, ...] = VAL_MULTIPLES
    n_isi: int = 6
    noisy_copies: int = 4
    noisy_duration_tau: float = 40.0
    noisy_mean: float = 1.6
    noisy_std: float = 1.0
    noisy_hold_tau: float = 0.1
    noisy_corr_tau: float = 0.5
    train_inputs: int = 40
    seed: int = 12345
    #: ngspice's relative tolerance for every deck of the fit and the validation. The default
    #: (1e-3) lets the time-step control jitter the Axon-Hillock's intervals by about 3 %
    #: (measured: 2.8 % std, 2.5 % bias at 2x its current scale; 0.008 % at 1e-5), more than
    #: the 1 % target, so the reference is tightened.
    reltol: float = 1e-5

    @classmethod
    def quick(cls) -> "NeuronProtocol":
        return cls(val_multiples=(1.35, 2.5, 7.0), noisy_copies=2, noisy_duration_tau=20.0, train_inputs=16)


# -- stimuli ----------------------------------------------------------------------------------


def held_pwl(values: Sequence[float], hold: float, edge: float) -> Pwl:
    """A piece-wise constant current: ``values[j]`` from ``j*hold`` (after a ramp of ``edge``)
    to ``(j+1)*hold``; it starts from 0 at t = 0 (neurons must start below threshold)."""
    if not 0 < edge < hold:
        raise ValidationError(f"held_pwl: need 0 < edge < hold, got edge={edge!r} s, hold={hold!r} s.")
    pts = [(0.0, 0.0)]
    prev = 0.0
    for j, v in enumerate(values):
        t0 = j * hold
        if j > 0:
            pts.append((t0, prev))
        pts.append((t0 + edge, float(v)))
        prev = float(v)
    pts.append((len(values) * hold, prev))
    return Pwl(tuple(pts))


def ou_current(rng: np.random.Generator, n: int, hold: float, mean: float, std: float, tau_c: float) -> np.ndarray:
    """Ornstein-Uhlenbeck samples (A) every ``hold`` seconds: mean, stationary std, correlation
    time ``tau_c``."""
    a = math.exp(-hold / tau_c)
    x = np.empty(n)
    x[0] = rng.normal(0.0, std)
    for k in range(1, n):
        x[k] = a * x[k - 1] + std * math.sqrt(1 - a * a) * rng.normal()
    return mean + x


def poisson_pulses(rng: np.random.Generator, n: int, mean_gap: float, width: float, min_gap: float) -> np.ndarray:
    """Start times (s) of ``n`` non-overlapping input pulses with exponential gaps."""
    gaps = min_gap + rng.exponential(mean_gap, n)
    return np.round(np.cumsum(gaps), 9)


def stimulus_deck(component, params, waves: Sequence[Pwl], t_stop: float, title: str) -> Deck:
    """One copy of the neuron per current waveform, in one deck (supply, Gear, the neuron's
    safe max step), as the component's own testbenches do."""
    sub = component.subckt(params)
    h = params.max_step()
    els: list = [Comment("supply"), V("Vsupply", "vdd", "0", float(params.vdd))]
    for k, w in enumerate(waves):
        els += [
            Comment(f"copy {k}: held-out input current"),
            I(f"Iin{k}", "0", f"in{k}", w),
            X(f"X{k}", (f"in{k}", f"out{k}", "vdd", "0"), sub.name),
        ]
    return Deck(
        title=title, subckts=(sub,), elements=tuple(els), analyses=(Tran(step=h, stop=t_stop, max_step=h),),
        options={"method": "gear"}, saves=tuple(f"v(out{k})" for k in range(len(waves))),
        doc="Held-out stimulus for the surrogate validation (circuitsnn.fit.neurons).",
    )


def _pad(trains: Sequence[np.ndarray]) -> np.ndarray:
    n = max((len(t) for t in trains), default=0)
    out = np.full((len(trains), max(n, 1)), np.nan)
    for k, t in enumerate(trains):
        out[k, : len(t)] = t
    return out


def _unpad(arr: np.ndarray) -> list[np.ndarray]:
    return [row[np.isfinite(row)] for row in np.atleast_2d(arr)]


def spike_extractor(params, n: int, *, membrane: bool = False, points: int = 4000):
    """Extractor for :meth:`SimData.run`: spike times of ``out0..out<n-1>`` (padded with nan),
    output pulse amplitude and widths, and optionally the membranes resampled on ``points``."""
    from ..library.neurons import spikes

    level = params.spike_threshold()

    def extract(res: Any) -> dict[str, np.ndarray]:
        tr = res.tran
        t = np.asarray(tr.time)
        trains, widths, amps = [], [], []
        for k in range(n):
            out = np.asarray(tr[f"out{k}"])
            trains.append(spikes.spike_times(t, out, level))
            widths.append(spikes.spike_widths(t, out, level))
            amps.append(float(out.max()))
        data = {"spikes": _pad(trains), "t_stop": np.asarray(float(t[-1])),
                "widths": np.concatenate(widths) if widths else np.zeros(0), "amplitude": np.asarray(amps)}
        if membrane:
            tu = np.linspace(0.0, float(t[-1]), points)
            data["time"] = tu
            data["v_in"] = np.stack([np.interp(tu, t, np.asarray(tr[f"in{k}"])) for k in range(n)])
        return data

    return extract


# -- surrogate drivers ------------------------------------------------------------------------


def surrogate_spikes(p: F.LIFParameters, waves: Sequence[np.ndarray], t_stop: float, max_dt: float) -> list[np.ndarray]:
    """Spike times (s) of the surrogate for PWL current waveforms (point arrays), one neuron
    per waveform, on an event grid (exact between breakpoints)."""
    grid = event_grid(list(waves), np.zeros(0), t_stop=t_stop, ramp_substeps=2, max_dt=max_dt)
    cur = torch.as_tensor(grid.u, dtype=D)
    ts = F.lif_spike_times_fast(cur, p, grid.dt).numpy()
    return [np.sort(col[np.isfinite(col) & (col <= t_stop)]) for col in ts.T]


def constant_current_spikes(p: F.LIFParameters, currents: np.ndarray, onset: float, t_stop: float, dt: float) -> list[np.ndarray]:
    """Surrogate spike times for constant currents switched on (as a step) at ``onset``."""
    n = int(math.ceil((t_stop - onset) / dt))
    steps = [onset] + [dt] * n
    cur = torch.zeros((n + 1, len(currents)), dtype=D)
    cur[1:] = torch.as_tensor(np.asarray(currents, float), dtype=D)
    ts = F.lif_spike_times_fast(cur, p, steps).numpy()
    return [np.sort(c[np.isfinite(c) & (c <= t_stop)]) for c in ts.T]


# -- the fit ----------------------------------------------------------------------------------


def design_guess(params) -> dict[str, float]:
    """Effective-LIF initial guesses from a neuron's Params.

    A Params class may say it directly with a ``lif_equivalent()`` method returning some of
    ``tau_m r_in c_m v_rest v_th v_reset t_ref t_delay tau_w b i_ref``. Otherwise the fields
    and properties it has are used: ``tau``/``r``/``c``, ``v_rest``, ``v_th``, ``v_reset``,
    ``t_ref``, ``t_delay``, ``tau_w``, ``b`` (the LIF family), or ``c_mem + c_fb``,
    ``v_switch``, ``dv_hyst``, ``t_high_min``, ``i_pw`` (the Axon-Hillock: threshold at the
    inverter's switching point, reset one hysteresis step below, refractory = output pulse,
    active reset with ``i_ref = I_pw``, and a soft threshold: ``delta_t`` starts at 1 % of the
    hysteresis step). Whatever is missing is estimated from the data.
    """
    if hasattr(params, "lif_equivalent"):
        return {k: float(v) for k, v in params.lif_equivalent().items()}
    g: dict[str, float] = {}
    if all(hasattr(params, a) for a in ("c_mem", "c_fb", "v_switch", "dv_hyst", "t_high_min", "i_pw")):
        # the inverter's switching is soft (finite gain, positive feedback through Cfb): an
        # exponential threshold; its slope factor starts at 1 % of the hysteresis and is fitted
        g.update(c_m=params.c_mem + params.c_fb, v_rest=0.0, v_th=params.v_switch,
                 v_reset=params.v_switch - params.dv_hyst, t_ref=params.t_high_min, t_delay=0.0,
                 i_ref=params.i_pw, delta_t=0.01 * params.dv_hyst)
        return g
    r = getattr(params, "r", None)
    c = getattr(params, "c", None)
    tau = getattr(params, "tau", None) or (r * c if r and c else None)
    for key, val in (("tau_m", tau), ("r_in", r), ("c_m", c), ("v_rest", getattr(params, "v_rest", None)),
                     ("v_th", getattr(params, "v_th", None)), ("v_reset", getattr(params, "v_reset", None)),
                     ("t_ref", getattr(params, "t_ref", None)), ("t_delay", getattr(params, "t_delay", None)),
                     ("tau_w", getattr(params, "tau_w", None)), ("b", getattr(params, "b", None))):
        if val is not None:
            g[key] = float(val)
    return g


def _lif(values: dict[str, float]) -> F.LIFParameters:
    return F.LIFParameters(**{k: float(values[k]) for k in F.LIFParameters._fields if k in values})


def fit_neuron(component, params, data: SimData, protocol: NeuronProtocol | None = None) -> SurrogateFit:
    """Fit and validate the effective LIF surrogate of a neuron component (module docstring)."""
    proto = protocol or NeuronProtocol()
    p = params
    scale = float(p.current_scale())
    h = float(p.max_step())
    onset = h / 2  # the testbenches ramp each current from 0 over one max step
    failures: list[str] = []
    notes: list[str] = []
    figures: list = []
    fits: dict[str, FitReport] = {}

    # -- fit data: one f-I deck, sub- and supra-threshold copies -----------------------------------
    mult = tuple(proto.sub_multiples) + tuple(proto.fit_multiples)
    currents = np.array([float(f"{m * scale:.4g}") for m in mult])
    tb = component.testbench("fi", p, currents=list(currents), n_isi=proto.n_isi)
    d = data.run("fit_fi", tighten(tb.deck, proto.reltol), spike_extractor(p, len(currents), membrane=True), tag="fit_fi")
    trains = _unpad(d["spikes"])
    t_stop = float(d["t_stop"])
    time, v_in = d["time"], d["v_in"]
    firing = [k for k, tr in enumerate(trains) if tr.size >= 3]
    if len(firing) < 3:
        raise ValidationError(
            f"{component.name}: only {len(firing)} of the fit currents made the neuron fire 3 times; "
            "cannot fit its threshold and reset.",
            hint="Check the neuron's current_scale() and expected_isi(); the fit uses multiples of it.",
        )
    guess = design_guess(p)

    # -- stage 1: membrane ----------------------------------------------------------------------
    seg_t, seg_v, seg_i = [], [], []
    for k, i_k in enumerate(currents):
        end = t_stop if trains[k].size == 0 else 0.8 * (trains[k][0] - onset) + onset
        m = time <= end
        idx = np.nonzero(m)[0]
        if idx.size > 200:
            idx = idx[np.linspace(0, idx.size - 1, 200).astype(int)]
        seg_t.append(time[idx])
        seg_v.append(v_in[k, idx])
        seg_i.append(np.full(idx.size, i_k))
    st, sv, si = np.concatenate(seg_t), np.concatenate(seg_v), np.concatenate(seg_i)

    def membrane_model(v: dict) -> dict:
        # v = v_rest + (i/g_l)(1 - exp(-g_l s/c_m)), with expm1: exact also without leak
        s = np.clip(st - onset, 0.0, None)
        return {"membrane": v["v_rest"] - si / v["g_l"] * np.expm1(-s * v["g_l"] / v["c_m"])}

    v_span = float(np.ptp(v_in)) or 1.0
    c0 = guess.get("c_m") or (guess["tau_m"] / guess["r_in"] if "tau_m" in guess and "r_in" in guess
                              else float(currents.max()) * t_stop / v_span)
    g0 = 1.0 / guess["r_in"] if guess.get("r_in") else c0 / (100 * t_stop)
    g_lo = min(g0 / 30, c0 / (1e4 * t_stop))  # down to "no leak within 10^4 runs"
    fits["membrane"] = fit_curves(
        f"{component.name} membrane (sub-threshold and pre-spike v(in))",
        [Curve("membrane", st, sv, "V", "s")],
        membrane_model,
        [
            FitParam("v_rest", guess.get("v_rest", float(v_in[0, 0])), guess.get("v_rest", 0.0) - v_span,
                     guess.get("v_rest", 0.0) + v_span, "V", "resting potential"),
            FitParam("c_m", c0, c0 / 30, c0 * 30, "F", "membrane capacitance", log=True),
            FitParam("g_l", min(max(g0, g_lo * 1.0001), g0 * 30), g_lo, g0 * 30, "S", "leak conductance 1/r_in", log=True),
        ],
        tolerance={"nrmse": 0.01},
    )
    mfit = fits["membrane"].params
    mem = {"v_rest": mfit["v_rest"], "r_in": 1.0 / mfit["g_l"], "tau_m": mfit["c_m"] / mfit["g_l"]}
    if mfit["g_l"] <= g_lo * 1.01:
        notes.append(f"no measurable leak: the leak conductance sits at its lower bound ({g_lo:.3g} S, "
                     f"tau_m = {mem['tau_m']:.3g} s); the neuron is a perfect integrator here.")
    figures.append(Overlay("membrane before the first spike (fit)", st, sv, fits["membrane"].predictions["membrane"],
                           "time (s)", "v(in) (V)", marker=True))

    # -- stage 2: threshold and delay from latencies ----------------------------------------------
    lat_k = [k for k in firing]
    lat = np.array([trains[k][0] - onset for k in lat_k])
    lat_i = currents[lat_k]

    def latency_model(v: dict) -> dict:
        v_inf = mem["v_rest"] + mem["r_in"] * lat_i
        lat_m = v["t_delay"] + mem["tau_m"] * np.log1p((v["v_th"] - mem["v_rest"]) / np.maximum(v_inf - v["v_th"], 1e-300))
        return {"log_latency": np.log(np.maximum(lat_m, 1e-15))}

    vmax = float(np.nanmax(v_in))
    vth0 = guess.get("v_th", vmax)
    v_inf_min = mem["v_rest"] + mem["r_in"] * lat_i.min()
    fits["threshold"] = fit_curves(
        f"{component.name} first-spike latency",
        [Curve("log_latency", lat_i, np.log(lat), "ln s", "A")],
        latency_model,
        [
            FitParam("v_th", min(vth0, v_inf_min - 1e-6), mem["v_rest"] + 1e-6, v_inf_min - 1e-9, "V", "threshold"),
            FitParam("t_delay", guess.get("t_delay", 0.0), 0.0, 0.5 * float(lat.min()), "s", "output delay"),
        ],
        tolerance={"nrmse": 0.01},
    )
    thr = fits["threshold"].params

    # -- stage 3: spike trains --------------------------------------------------------------------
    fk = firing
    sp_trains = [trains[k][:MAX_FIT_SPIKES] for k in fk]
    isis = [np.diff(tr) for tr in sp_trains]
    growth = np.median([isi[-1] / isi[0] for isi in isis if isi.size >= 2])
    adaptive = bool(guess.get("b", 0.0) > 0 or growth > 1.02)
    min_isi = min(float(isi.min()) for isi in isis)
    dt_fit = min(min_isi / 3, mem["tau_m"] / 5)
    y_lat = np.log(np.array([tr[0] for tr in sp_trains]))
    y_isi = np.log(np.concatenate(isis))
    fixed = {**mem}

    def trains_model(v: dict) -> dict:
        ps = _lif(dict(fixed, **v))
        model = constant_current_spikes(ps, currents[fk], onset, t_stop, dt_fit)
        lat_m, isi_m = [], []
        for tr_s, tr_m in zip(sp_trains, model):
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
        FitParam("t_delay", thr["t_delay"], 0.0, 0.5 * float(lat.min()), "s", "threshold-to-output delay"),
        FitParam("v_reset", min(vr0, thr["v_th"] - 1e-3), mem["v_rest"] - v_span, thr["v_th"] - 1e-6, "V", "reset potential"),
        FitParam("t_ref", min(t_ref0, 0.99 * min_isi), min(t_ref0, min_isi) / 30, 0.999 * min_isi, "s", "refractory period", log=True),
    ]
    if soft_threshold:
        free.append(FitParam("delta_t", dt0, dt0 / 30, dt0 * 10, "V", "slope factor of the exponential threshold", log=True))
    else:
        fixed["delta_t"] = 0.0
    active_reset = "i_ref" in guess
    if active_reset:
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
    fits["spikes"] = fit_curves(
        f"{component.name} spike trains under constant current",
        [Curve("log_latency", currents[fk], y_lat, "ln s", "A"), Curve("log_isi", np.arange(y_isi.size), y_isi, "ln s", "1")],
        trains_model,
        free,
        fixed=fixed,
        tolerance={"nrmse": 0.01},
    )
    values = dict(fits["spikes"].params)
    values.setdefault("b", 0.0)
    values.setdefault("tau_w", 1.0)
    values.setdefault("i_ref", math.inf)
    values.setdefault("delta_t", 0.0)
    sp = _lif(values)
    for r in fits.values():
        failures += [f"fit {r.name}: {f}" for f in r.failures]
    model_trains = constant_current_spikes(sp, currents[fk], onset, t_stop, dt_fit)
    isi_k = [np.diff(tr) for tr in sp_trains]
    isi_m = [np.diff(tr)[: len(i)] for tr, i in zip(model_trains, isi_k)]
    n_show = min(len(i) for i in isi_k + isi_m) if isi_k else 0
    if n_show >= 1:
        figures.append(Overlay("inter-spike intervals under constant current (fit)", np.arange(1, n_show + 1),
                               np.stack([i[:n_show] for i in isi_k]), np.stack([i[:n_show] for i in isi_m]),
                               "interval number", "ISI (s)", labels=tuple(f"{c:.3g} A" for c in currents[fk]), marker=True))

    # output pulse
    widths = d["widths"]
    pulse = {"amplitude": float(np.median(d["amplitude"][fk])), "width": float(np.median(widths)) if widths.size else float("nan")}

    # -- held out ---------------------------------------------------------------------------------
    validation: dict[str, Any] = {}
    from ..library.neurons import spikes

    vcur = [float(f"{m * scale:.4g}") for m in proto.val_multiples]
    tbv = component.testbench("fi", p, currents=vcur, n_isi=proto.n_isi)
    dv = data.run("val_fi", tighten(tbv.deck, proto.reltol), spike_extractor(p, len(vcur)), tag="val_fi")
    vtr = _unpad(dv["spikes"])
    vt_stop = float(dv["t_stop"])
    mtr = constant_current_spikes(sp, np.array(vcur), onset, vt_stop, dt_fit)
    f_sp = np.array([spikes.firing_rate(t, tail=0.5) for t in vtr])
    f_m = np.array([spikes.firing_rate(t, tail=0.5) for t in mtr])
    fie = fi_error(f_sp, f_m)
    fie["target"] = FI_TARGET
    fie["passed"] = bool(fie["rel_err_max"] <= FI_TARGET and fie["n_onset_mismatch"] == 0)
    validation["fi"] = fie
    if not fie["passed"]:
        failures.append(f"held-out f-I: max error {100 * fie['rel_err_max']:.3g} % > {100 * FI_TARGET:.3g} % "
                        f"or {fie['n_onset_mismatch']} currents fire in only one of SPICE/surrogate")
    f_fit_sp = np.array([spikes.firing_rate(trains[k], tail=0.5) for k in range(len(currents))])
    f_fit_m = np.array([spikes.firing_rate(t, tail=0.5) for t in constant_current_spikes(sp, currents, onset, t_stop, dt_fit)])
    figures.append(Overlay("f-I: fit currents", currents, f_fit_sp, f_fit_m, "input current (A)", "rate (Hz)", marker=True))
    figures.append(Overlay("f-I: held-out currents", np.array(vcur), f_sp, f_m, "input current (A)", "rate (Hz)",
                           held_out=True, marker=True))

    rng = np.random.default_rng(proto.seed)
    # the neuron's own time scale: its SPICE inter-spike interval at twice the current scale
    # (the membrane time constant would do for a leaky neuron, but not for a perfect integrator)
    k2 = int(np.argmin([abs(m - 2.0) if trains[k].size >= 2 else np.inf for k, m in enumerate(mult)]))
    tau_e = float(np.median(np.diff(trains[k2])))
    hold = float(f"{proto.noisy_hold_tau * tau_e:.3g}")
    n_hold = int(round(proto.noisy_duration_tau * tau_e / hold))
    edge = min(h, hold / 10)
    waves = [held_pwl(ou_current(rng, n_hold, hold, proto.noisy_mean * scale, proto.noisy_std * scale,
                                 proto.noisy_corr_tau * tau_e), hold, edge) for _ in range(proto.noisy_copies)]
    n_stop = n_hold * hold
    deck = stimulus_deck(component, p, waves, n_stop, f"{component.name} held-out noisy currents")
    deck = tighten(deck, proto.reltol)
    dn = data.run("val_noisy", deck, spike_extractor(p, len(waves)), tag="val_noisy")
    nsp = _unpad(dn["spikes"])
    max_dt = min(hold, 0.5 * values["t_ref"] + 0.5 * min_isi)
    nmod = surrogate_spikes(sp, [source_points(deck, f"Iin{k}") for k in range(len(waves))], n_stop, max_dt)
    noisy = [compare_spike_trains(a, b, n_stop) for a, b in zip(nsp, nmod)]
    validation["noisy_current"] = merge_train_metrics(noisy)
    figures.append(Raster("spikes under noisy currents (held out)", nsp, nmod, n_stop))

    # random input spike train: rectangular current pulses (a synapse's output)
    width = float(f"{0.3 * tau_e:.3g}")
    amp = float(f"{3.0 * scale:.4g}")
    times = poisson_pulses(rng, proto.train_inputs, 0.6 * tau_e, width, width + 2 * h + 0.1 * tau_e)
    tbs = component.testbench("spike_train", p, times=list(times), i_amp=amp, width=width)
    ds = data.run("val_spike_train", tighten(tbs.deck, proto.reltol), _train_extractor(p), tag="val_train")
    s_stop = float(ds["t_stop"])
    smod = surrogate_spikes(sp, [source_points(tbs.deck, "Iin")], s_stop, max_dt)
    train = [compare_spike_trains(ds["spikes"], smod[0], s_stop)]
    validation["input_spike_train"] = merge_train_metrics(train)
    figures.append(Raster("spikes under a random input pulse train (held out)", [ds["spikes"]], smod, s_stop))

    for key in ("noisy_current", "input_spike_train"):
        m = validation[key]
        m["min_frac_within"] = MIN_FRAC_WITHIN
        m["max_unpaired_frac"] = MAX_UNPAIRED_FRAC
        unpaired_frac = m["n_unpaired"] / max(m["n_spice"], 1)
        ok = (m["n_spice"] > 0 and m["frac_within_target"] >= MIN_FRAC_WITHIN and unpaired_frac <= MAX_UNPAIRED_FRAC)
        m["passed"] = bool(ok)
        if not ok:
            failures.append(
                f"held-out {key.replace('_', ' ')}: {100 * m['frac_within_target']:.3g} % of spikes within "
                f"{100 * SPIKE_TIMING_TARGET:.3g} % of the ISI (need {100 * MIN_FRAC_WITHIN:.3g} %), "
                f"{m['n_unpaired']} of {m['n_spice']} unpaired"
            )

    units = {"tau_m": "s", "r_in": "Ohm", "v_rest": "V", "v_th": "V", "v_reset": "V", "t_ref": "s",
             "t_delay": "s", "tau_w": "s", "b": "A", "i_ref": "A", "alpha": "1/V", "delta_t": "V"}
    values["alpha"] = F.DEFAULT_ALPHA
    if not adaptive:
        notes.append("no adaptation found (intervals under constant current do not lengthen): b = 0.")
    notes.append(f"alpha = {F.DEFAULT_ALPHA:g} /V is the surrogate-gradient scale, not fitted.")
    extra = {
        "output_pulse": pulse,
        "c_m": values["tau_m"] / values["r_in"],
        "rheobase": float(sp.rheobase),
        "current_scale": scale,
        "protocol": {k: getattr(proto, k) for k in proto.__dataclass_fields__},
    }
    return SurrogateFit(
        component=component.name, kind="neuron", family=component.family, model="LIFParameters",
        parameters={k: float(values[k]) for k in F.LIFParameters._fields}, units=units, fits=fits,
        validation=validation, failures=failures, component_params=p, decks=dict(data.decks),
        figures=figures, extra=extra, notes=notes,
    )


def _train_extractor(params):
    from ..library.neurons import spikes

    level = params.spike_threshold()

    def extract(res: Any) -> dict[str, np.ndarray]:
        t = np.asarray(res.tran.time)
        return {"spikes": spikes.spike_times(t, res.tran["out"], level), "t_stop": np.asarray(float(t[-1]))}

    return extract
