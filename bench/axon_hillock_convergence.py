"""Convergence check of a transistor-level neuron's SPICE reference (issue 9): halve reltol and
the max step together until spike times move by less than a stated fraction of the ISI.

    python bench/axon_hillock_convergence.py axon_hillock_gf180 [--levels 4] [--target 0.001]

Stimulus: the component's f-I testbench (constant currents ramped in over one max step) at
``--multiples`` of its current scale (default 2x, six intervals). For each setting
k (reltol = r0 / 2^k, max step = h0 / 2^k, from the component's own ``sim_options``/``max_step``)
the spike times are compared with those of setting k+1: the largest shift, in fractions of the
local inter-spike interval. The first setting whose shift is below ``--target`` is converged.
Prints a JSON summary (put it in the component's ``CONVERGENCE``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import numpy as np


def spike_shift(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |t_a - t_b| / ISI over paired spikes; inf when the counts differ."""
    if len(a) != len(b) or len(a) < 2:
        return float("inf")
    isi = np.diff(b)
    isi = np.concatenate([[isi[0]], isi])
    return float(np.max(np.abs(a - b) / isi))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("component")
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--target", type=float, default=1e-3, help="converged: spike shift below this fraction of the ISI")
    ap.add_argument("--multiples", type=float, nargs="+", default=[2.0], help="input currents, multiples of the current scale (one neuron copy each)")
    args = ap.parse_args(argv)

    from circuitsnn.library import registry
    from circuitsnn.library.neurons import spikes
    from circuitsnn.spice import simulate
    from circuitsnn.spice.ir import Tran

    comp = registry.get(args.component)
    p = comp.default_params()
    r0 = float(comp.sim_options.get("reltol", 1e-3))
    h0 = comp.max_step_for(p)
    scale = p.current_scale()
    tb = comp.testbench("fi", p, currents=[float(f"{m * scale:.4g}") for m in args.multiples], n_isi=6)
    level = p.spike_threshold()
    trains, rows = [], []
    for k in range(args.levels):
        reltol, h = r0 / 2**k, h0 / 2**k
        tran = tb.deck.tran
        deck = dataclasses.replace(tb.deck, options={**dict(tb.deck.options), "reltol": reltol},
                                   analyses=(Tran(step=h, stop=tran.stop, max_step=h),))
        t0 = time.perf_counter()
        res = simulate(deck, timeout=3600)
        dt = time.perf_counter() - t0
        t = res.tran.time
        trains.append([spikes.spike_times(t, res.tran[f"out{j}"], level) for j in range(len(args.multiples))])
        rows.append({"reltol": reltol, "max_step": h, "points": int(len(t)), "seconds": round(dt, 1),
                     "spikes": [int(len(x)) for x in trains[-1]]})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    for k in range(args.levels - 1):
        rows[k]["shift_vs_next"] = max(spike_shift(a, b) for a, b in zip(trains[k], trains[k + 1]))
    converged = next((r for r in rows[:-1] if r["shift_vs_next"] < args.target), None)
    out = {"component": comp.name, "currents_A": [m * scale for m in args.multiples], "target_fraction_of_isi": args.target,
           "settings": rows, "converged": converged and {"reltol": converged["reltol"], "max_step": converged["max_step"]}}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
