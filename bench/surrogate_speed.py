"""Neuron surrogate vs ngspice on the same stimulus: speed ratio at the measured spike agreement.

A layer of N LIF neurons, each driven by its own noisy (Ornstein-Uhlenbeck, piecewise-constant)
input current, is simulated twice: by ngspice (one deck, N subcircuit copies, the neuron
testbenches' settings: Gear, the neuron's max step, default tolerances) and by the fitted LIF
surrogate (:func:`circuitsnn.surrogates.lif.lif_run`, one vectorized step per input
interval, exact integration inside). Reported per N: wall time of each (ngspice: the whole run
including deck writing and raw-file reading; surrogate: median of 5 runs of the compiled
inference loop, and one run of the differentiable step function), the speed ratios, and the
agreement of the spike trains (Kistler coincidence factor at a window of 1 % of the mean
ISI, timing error relative to the ISI, unpaired spikes).

ngspice's cost grows about as N^2 here (time points grow with the total spike count, the cost
per point with N), the surrogate's barely with N below ~10^4 neurons, so the ratio climbs with
the layer size; N = 1000 in one deck takes ngspice most of an hour on the reference machine,
so the default sizes stop at 300.

Usage: python bench/surrogate_speed.py [--quick] [--sizes 30 100 300] [--duration-isi 20]
Writes reports/bench/surrogate.json and prints a table. Ratios are taken within one run, so a
noisy machine shifts both sides together.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuitsnn.library.registry import get  # noqa: E402
from circuitsnn.spice.simulator import get_simulator, ngspice_version  # noqa: E402
from circuitsnn.surrogates import lif as F  # noqa: E402
from circuitsnn.fit.data import SimData  # noqa: E402
from circuitsnn.fit.neurons import (  # noqa: E402
    NeuronProtocol, fit_neuron, held_pwl, ou_current, spike_extractor, stimulus_deck, unpad as _unpad,
)
from circuitsnn.fit.validate import compare_spike_trains, merge_train_metrics  # noqa: E402


def surrogate_layer(p: F.LIFParameters, currents: np.ndarray, hold: float, dtype=torch.float64, fast: bool = True):
    """Spike times of N surrogate neurons for held currents ``(T, N)``: one step per hold.
    ``fast``: the compiled inference loop; else the differentiable :func:`lif_run` (no grad)."""
    cur = torch.as_tensor(currents, dtype=dtype)
    if fast:
        return F.lif_spike_times_fast(cur, p, hold)
    with torch.no_grad():
        _, ts, _, _ = F.lif_run(cur, p, hold)
    return ts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one small layer (N = 100), short run")
    ap.add_argument("--sizes", type=int, nargs="+", default=None, help="layer sizes (default 30 100 300)")
    ap.add_argument("--duration-isi", type=float, default=None, help="run length in ISIs at 2x rheobase (default 20)")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "bench" / "surrogate.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    sizes = args.sizes or ([100] if args.quick else [30, 100, 300])
    n_isi = args.duration_isi or (10.0 if args.quick else 20.0)

    comp = get("lif")
    params = comp.default_params()
    cache = ROOT / "reports" / "bench" / "sim_cache"
    t0 = time.perf_counter()
    fit = fit_neuron(comp, params, SimData(cache_dir=cache), NeuronProtocol.quick())
    fit_s = time.perf_counter() - t0
    sp = F.LIFParameters(**{k: fit.parameters[k] for k in F.LIFParameters._fields})
    print(f"LIF surrogate fitted ({'passed' if fit.passed else 'FAILED'}) in {fit_s:.1f} s")

    scale = params.current_scale()
    t_isi = float(params.expected_isi(2 * scale))
    hold = float(f"{0.1 * t_isi:.3g}")
    n_hold = int(round(n_isi * t_isi / hold))
    t_stop = n_hold * hold
    edge = min(params.max_step(), hold / 10)
    rows = []
    for n in sizes:
        rng = np.random.default_rng(1000 + n)
        values = np.stack([ou_current(rng, n_hold, hold, 1.6 * scale, 1.0 * scale, 0.5 * t_isi) for _ in range(n)])
        deck = stimulus_deck(comp, params, [held_pwl(v, hold, edge) for v in values], t_stop, f"layer of {n} LIF neurons")
        sim = get_simulator("batch", timeout=3600)
        t0 = time.perf_counter()
        res = sim.run(deck)
        spice_s = time.perf_counter() - t0
        trains = _unpad(spice_extract := spike_extractor(params, n)(res)["spikes"])  # noqa: F841
        # the surrogate: one step per hold interval (the ramps of `edge` are treated as steps)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            ts = surrogate_layer(sp, values.T, hold)
            times.append(time.perf_counter() - t0)
        sur_s = statistics.median(times)
        tsn = ts.numpy()
        model = [np.sort(c[np.isfinite(c) & (c <= t_stop)]) for c in tsn.T]
        agree = merge_train_metrics([compare_spike_trains(a, b, t_stop) for a, b in zip(trains, model)])
        # the differentiable step function (eager, gradients off) on the same stimulus
        t0 = time.perf_counter()
        tsd = surrogate_layer(sp, values.T, hold, fast=False)
        diff_s = time.perf_counter() - t0
        same = bool(np.allclose(np.nan_to_num(tsd.numpy(), nan=-1.0), np.nan_to_num(tsn, nan=-1.0), atol=1e-12))
        rows.append({
            "neurons": n, "duration_s": t_stop, "steps": n_hold, "spice_s": spice_s, "surrogate_s": sur_s,
            "ratio": spice_s / sur_s, "differentiable_step_s": diff_s, "ratio_differentiable": spice_s / diff_s,
            "fast_equals_differentiable": same,
            "spikes_spice": agree["n_spice"], "spikes_surrogate": agree["n_model"],
            "gamma": agree["gamma_mean"], "timing_err_median": agree["rel_err_median"],
            "timing_err_p95": agree["rel_err_p95"], "frac_within_1pct_isi": agree["frac_within_target"],
            "unpaired": agree["n_unpaired"],
        })
        print(f"  N = {n}: ngspice {spice_s:.2f} s, surrogate {sur_s * 1e3:.2f} ms -> x{spice_s / sur_s:,.0f}", flush=True)

    print()
    head = f"{'N':>6} {'sim time':>9} {'ngspice s':>10} {'surr. ms':>9} {'ratio':>9} {'ratio diff.':>11} {'spikes':>7} {'Gamma':>6} {'t.err p95':>9} {'<=1% ISI':>8} {'unpaired':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['neurons']:>6} {r['duration_s'] * 1e3:>7.1f}ms {r['spice_s']:>10.2f} {r['surrogate_s'] * 1e3:>9.2f} "
              f"{r['ratio']:>9,.0f} {r['ratio_differentiable']:>11,.0f} {r['spikes_spice']:>7} {r['gamma']:>6.3f} "
              f"{100 * r['timing_err_p95']:>8.3f}% {100 * r['frac_within_1pct_isi']:>7.1f}% {r['unpaired']:>8}")
    goal = 1e4
    best = max(r["ratio"] for r in rows)
    print(f"\nbest speed ratio x{best:,.0f} (goal x{goal:,.0f}: {'met' if best >= goal else 'NOT met'})")
    report = {
        "benchmark": "surrogate_speed",
        "component": "lif",
        "stimulus": {"kind": "Ornstein-Uhlenbeck current, held piecewise constant", "mean_x_rheobase": 1.6,
                     "std_x_rheobase": 1.0, "hold_s": hold, "corr_time_s": 0.5 * t_isi},
        "spice_settings": {"method": "gear", "max_step_s": params.max_step(), "reltol": "default (1e-3)", "backend": "batch"},
        "surrogate_settings": {"dt_s": hold, "dtype": "float64", "torch_threads": 1, "autograd": False,
                               "paths": "fast: TorchScript inference loop (lif_spike_times_fast); "
                                        "differentiable: lif_run of lif_step, eager, gradients off"},
        "rows": rows,
        "goal_ratio": goal,
        "goal_met": best >= goal,
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "ngspice": ngspice_version(),
                    "cpus": __import__("os").cpu_count()},
        "surrogate_fit_passed": fit.passed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
