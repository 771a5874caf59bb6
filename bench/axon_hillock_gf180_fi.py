"""f-I curve and rate range of the subthreshold Axon-Hillock on GF180MCU (issue 8's closing note).

    python bench/axon_hillock_gf180_fi.py [--out reports/axon_hillock_gf180] [--corner typical]

Constant input currents from tens of pA to near I_pw, one neuron copy each, in the component's
own f-I testbench (its converged options): the low currents in one deck with the max step
relaxed to half the output pulse (their intervals are 10-100x longer), the others with the
component's max step. Writes ``fi.json`` (currents, measured rates, the estimate
f = 1/(Cfb vdd/I + Cfb vdd/(I_pw - I)), I_pw, V_M) and ``fi.png`` (log-log).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="reports/axon_hillock_gf180")
    ap.add_argument("--corner", default="typical")
    ap.add_argument("--low", type=float, nargs="+", default=[0.02e-9, 0.05e-9, 0.1e-9, 0.2e-9])
    ap.add_argument("--high", type=float, nargs="+", default=[0.5e-9, 1e-9, 2e-9, 5e-9, 10e-9, 15e-9, 20e-9])
    args = ap.parse_args(argv)

    from circuitsnn.library import registry
    from circuitsnn.library.neurons.axon_hillock import rate_estimate
    from circuitsnn.spice import simulate
    from circuitsnn.spice.ir import Tran

    comp = registry.get("axon_hillock_gf180")
    p = comp.default_params().replace(corner=args.corner)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for group, currents, n_isi in (("low", args.low, 3), ("high", args.high, 5)):
        tb = comp.testbench("fi", p, currents=currents, n_isi=n_isi)
        deck = tb.deck
        if group == "low":
            h = float(f"{p.t_high_min / 2:.3g}")
            deck = dataclasses.replace(deck, analyses=(Tran(step=h, stop=deck.tran.stop, max_step=h),))
        t0 = time.perf_counter()
        m = tb.measure(simulate(deck, timeout=3600))
        dt = time.perf_counter() - t0
        for i, f, n in zip(m["i_in"], m["rate"], m["n_spikes"]):
            rows.append({"i_in": float(i), "rate": float(f), "n_spikes": int(n), "deck": group, "seconds": round(dt, 1)})
        print(group, f"{dt:.0f} s", [(r["i_in"], round(r["rate"], 2)) for r in rows if r["deck"] == group], flush=True)
    i = np.array([r["i_in"] for r in rows])
    est = rate_estimate(i, p)
    for r, e in zip(rows, est):
        r["rate_estimate"] = float(e)
    fired = [r for r in rows if r["n_spikes"] >= 2 and r["rate"] > 0]
    summary = {
        "corner": args.corner, "i_pw": p.i_pw, "v_switch": p.v_switch, "v_pw": p.v_pw, "vdd": p.vdd,
        "c_mem": p.c_mem, "c_fb": p.c_fb, "t_high_min": p.t_high_min,
        "rate_range_hz": [min(r["rate"] for r in fired), max(r["rate"] for r in fired)] if fired else None,
        "input_range_a": [min(r["i_in"] for r in fired), max(r["i_in"] for r in fired)] if fired else None,
        "points": rows,
    }
    (out / "fi.json").write_text(json.dumps(summary, indent=1))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    ok = np.array([r["n_spikes"] >= 2 for r in rows])
    rates = np.array([r["rate"] for r in rows])
    ax.loglog(i[ok] * 1e9, rates[ok], "o-", label=f"ngspice, GF180MCU {args.corner}")
    ii = np.logspace(np.log10(i.min()), np.log10(i.max()), 200)
    ax.loglog(ii * 1e9, rate_estimate(ii, p), "--", label="Cfb vdd/I + Cfb vdd/(I_pw - I)")
    ax.axvline(p.i_pw * 1e9, color="gray", lw=0.8, ls=":")
    ax.text(p.i_pw * 1e9, ax.get_ylim()[0] * 1.5, f" I_pw = {p.i_pw * 1e9:.1f} nA", rotation=90, va="bottom", fontsize=8)
    ax.set_xlabel("input current I_in (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.set_title(f"Axon-Hillock in subthreshold, GF180MCU (v_pw = {p.v_pw:g} V, vdd = {p.vdd:g} V)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "fi.png", dpi=130)
    print(json.dumps({k: v for k, v in summary.items() if k != "points"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
