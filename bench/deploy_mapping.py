"""Mapping error and programming events per synapse family: a random signed weight matrix
(default 64 x 128 pairs, uniform over the pair's range) mapped onto devices drawn from each
family's fitted Monte Carlo, open loop (the first try) vs program-and-verify.

    OMP_NUM_THREADS=1 python bench/deploy_mapping.py [--shape 64 128] [--families a b] [--out DIR]

Writes DIR/mapping_bench.json and one mapping figure per family (DIR/<family>.png).

Measured 2026-11-30 (2 busy cores, tol 0.01 of the range, 8 tries, seed 0; weight error
|w - w_target| / (g_max - g_min) per pair; events per device: pulses, erases, code writes or
drive changes; open loop = the first try):

| component | pairs | open loop worst / median | verified worst / median | events open loop / total | unconverged pairs | s |
|---|---|---|---|---|---|---|
| digital_code | 64x128 | 0.195 / 0.0216 | 0.123 / 0.0172 (best code) | 7,939 / 11,641 | 12 | 0.3 |
| optocoupler | 64x128 | 2.48 / 0.113 | 0.705 / 0.0027 | 8,192 / 16,444 | 4 (1,016 saturated) | 9 |
| schottky_gated | 64x128 | 0.981 / 0.176 | 0.716 / 0.0033 | 139,332 / 430,541 | 670 | 8 |
| memristor_vteam | 16x32 | 0.899 / 0.216 | 0.539 / 0.0046 | 28,876 / 52,157 | 47 | 200 |
| memristor_biolek | 16x32 | 0.978 / 0.146 | 0.767 / 0.0042 | 35,810 / 91,711 | 13 | 865 |

The memristors ran at 16x32: every pulse is an adaptive ODE solve over the whole batch, so a
64x128 matrix (16k devices) takes about an hour per memristor family on this machine."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    from circuitsnn.deploy.mapping import MapSettings, Mapping, map_layer
    from circuitsnn.library import registry
    from circuitsnn.surrogates.weights import weights_for

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=2, default=(64, 128), metavar=("N_IN", "N_OUT"))
    ap.add_argument("--families", nargs="*", help="components (default: one per family in the registry)")
    ap.add_argument("--tol", type=float, default=0.01)
    ap.add_argument("--tries", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="reports/deploy_mapping")
    a = ap.parse_args(argv)
    names = a.families
    if not names:  # one component per family, the first registered
        seen: dict[str, str] = {}
        for c in registry.components("synapse"):
            if c.resolve("weights") is not None:
                seen.setdefault(c.name if weights_for(c.name).family == "memristor" else weights_for(c.name).family, c.name)
        names = sorted(seen.values())
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    rng = np.random.default_rng(a.seed)
    for name in names:
        dev = weights_for(name)
        g_lo, g_hi = dev.g_range()
        w = rng.uniform(-1, 1, tuple(a.shape)) * (g_hi - g_lo)
        gp, gn = g_lo + np.maximum(w, 0), g_lo + np.maximum(-w, 0)
        t0 = time.perf_counter()
        settings = MapSettings(tol=a.tol, max_tries=a.tries, variation=True, seed=a.seed)
        lm = map_layer(name, (gp, gn), name=name, settings=settings, progress=True)
        s = lm.summary()
        row = {"component": name, "family": dev.family, "kind": s["kind"], "pairs": int(np.prod(a.shape)),
               "devices": s["devices"], "open_loop": s["open_loop_error"], "verified": s["error"],
               "device_error": s["device_error"], "events_open_loop": s["pulses"]["open_loop_total"],
               "events_total": s["pulses"]["total"], "events_mean": s["pulses"]["mean"], "events_max": s["pulses"]["max"],
               "unconverged": s["unconverged"], "saturated": s["saturated"], "tries": s["tries"],
               "seconds": time.perf_counter() - t0}
        rows.append(row)
        Mapping([lm], settings=settings).plot(out / f"{name}.png")
        print(f"{name:24s} open loop worst {row['open_loop']['worst']:.4f} median {row['open_loop']['median']:.4f} | "
              f"verified worst {row['verified']['worst']:.4f} median {row['verified']['median']:.4f} | events open "
              f"{row['events_open_loop']} total {row['events_total']} (mean {row['events_mean']:.1f}/device, max "
              f"{row['events_max']}) | unconverged {row['unconverged']} saturated {row['saturated']} | "
              f"{row['seconds']:.0f} s", flush=True)
        (out / "mapping_bench.json").write_text(json.dumps({"shape": list(a.shape), "tol": a.tol, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
