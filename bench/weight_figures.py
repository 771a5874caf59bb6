"""The weight interface's figures per synapse component: conductance range at the read bias,
distinguishable levels, and the program-and-verify planner on random targets.

For each registered synapse, the interface built from its committed surrogate
(``models/<name>.json``; ``--nominal``: from the design values) plans ``--targets`` random
(start, target) state pairs drawn uniformly over the state's range (integer codes for the
digital synapses) with the default tolerance (0.5 % of the range), and reports the largest and
median conductance error relative to the range and the median number of programming events.
Usage::

    .venv/bin/python bench/weight_figures.py [--targets 50] [--seed 0] [--nominal]

Writes ``reports/bench/weight_figures.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuitsnn.library import registry  # noqa: E402
from circuitsnn.surrogates.weights import weights_for  # noqa: E402


def figures(name: str, targets: int, seed: int, nominal: bool) -> dict:
    w = weights_for(name, nominal=nominal)
    g_lo, g_hi = w.g_range()
    rng = np.random.default_rng(seed)
    lo, hi = w.bounds
    errs, counts, converged = [], [], 0
    t0 = time.perf_counter()
    for _ in range(targets):
        a, b = rng.uniform(lo, hi, 2)
        if w.family == "digital_code":
            a, b = float(round(a)), float(round(b))
        plan = w.plan(float(a), float(b))
        errs.append(plan.rel_error)
        counts.append(plan.count)
        converged += plan.converged
    return {
        "component": name, "family": w.family, "source": w.source, "state": f"{w.state_name} ({w.state_unit})",
        "v_read": w.v_read, "g_min": g_lo, "g_max": g_hi, "levels": w.levels,
        "targets": targets, "converged": converged, "rel_error_max": float(np.max(errs)),
        "rel_error_median": float(np.median(errs)), "pulses_median": float(np.median(counts)),
        "pulses_max": int(np.max(counts)), "seconds": time.perf_counter() - t0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nominal", action="store_true", help="design values instead of the committed models")
    args = ap.parse_args(argv)
    rows = [figures(c.name, args.targets, args.seed, args.nominal) for c in registry.components("synapse", builtin_only=True)]
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "weight_figures.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"{'component':24s} {'v_read':>7s} {'g_min (S)':>10s} {'g_max (S)':>10s} {'levels':>6s} "
          f"{'err max':>8s} {'err med':>8s} {'pulses':>6s} {'conv':>6s}")
    for r in rows:
        print(f"{r['component']:24s} {r['v_read']:7.3g} {r['g_min']:10.3e} {r['g_max']:10.3e} {r['levels']:6d} "
              f"{100 * r['rel_error_max']:7.3f}% {100 * r['rel_error_median']:7.3f}% {r['pulses_median']:6.1f} "
              f"{r['converged']:3d}/{r['targets']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
