"""The same STDP network learned with ideal weights and with every built-in synapse family, side
by side: test accuracy (mean ± std over seeds), levels used, programming events, energy and
validation learning curves; one PNG, one JSON, one Markdown table.

    python examples/stdp/compare_families.py --config examples/stdp/digits_ideal.toml \
        --out runs/stdp_compare [--seeds 0 1 2] [--families ideal digital_code ...] [--set run.epochs=3]

Each family uses its fitted surrogate (``models/<name>.json``; the memristors' network-scale fits
in ``examples/train/models/`` when ``--network-scale``) and a read pulse whose width makes one
pulse at the family's g_max carry the config's ``charge_fraction`` of the neuron's threshold
charge, so every family drives the same neurons with the same charge range. Families listed in
``PULSES`` are programmed with finer pulses than their nominal ones (``--nominal-pulses``: not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: programming pulses replacing a family's nominal ones ([synapse] v_set/t_set/v_reset/t_reset):
#: Biolek's nominal 1 V x 50 ms pulse moves the normalized weight by 0.5 (set) and 0.48 (reset) at
#: mid-range; 1 V x 1 ms sets and -1 V x 15 us resets move it by +0.026 and -0.028 there (the pulse
#: response table: examples/stdp/RESULTS.md). --nominal-pulses: the families' own.
PULSES = {"memristor_biolek": {"t_set": 1e-3, "t_reset": 15e-6}}
NETWORK_SCALE = {"memristor_vteam": "examples/train/models/memristor_vteam_nS.json",
                 "memristor_biolek": "examples/train/models/memristor_biolek_nS.json"}


def main() -> int:
    sys.path.insert(0, str(REPO))
    from circuitsnn.cli.train import parse_sets
    from circuitsnn.library import registry
    from circuitsnn.learn.stdp.config import load_config
    from circuitsnn.learn.stdp.plots import comparison
    from circuitsnn.learn.stdp.runner import train

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=REPO / "examples/stdp/digits_ideal.toml")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--families", nargs="+",
                    default=["ideal"] + [c.name for c in registry.components("synapse", builtin_only=True)])
    ap.add_argument("--network-scale", action="store_true", help="memristors: the nS fits of examples/train/models")
    ap.add_argument("--nominal-pulses", action="store_true", help="program every family with its nominal pulses "
                    "(default: the finer pulses of PULSES where given)")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--collect", action="store_true",
                    help="train nothing: gather the finished runs under --out (summary.json, metrics.csv)")
    args = ap.parse_args()
    rows, curves = [], {}
    for fam in args.families:
        accs, summaries, found = [], [], []
        for seed in args.seeds:
            ov = parse_sets(args.set)
            ov.setdefault("run", {})["seed"] = seed
            syn = ov.setdefault("synapse", {})
            syn["component"] = fam
            if not args.nominal_pulses:
                for k, v in PULSES.get(fam, {}).items():
                    syn.setdefault(k, v)
            if fam != "ideal" and args.network_scale and fam in NETWORK_SCALE:
                syn["model"] = str(REPO / NETWORK_SCALE[fam])
            cfg = load_config(args.config, ov)
            out = args.out / fam / f"seed{seed}"
            t0 = time.perf_counter()
            if args.collect:
                if not (out / "summary.json").exists():
                    continue
                s = json.loads((out / "summary.json").read_text())
            else:
                s = train(cfg, out, progress=False, plots=True)
            print(f"{fam:22s} seed {seed}: test {s['test_acc']:.4f}, levels used {s['levels_used']}/{s['levels']}, "
                  f"events/sample {s['events_per_sample']:.1f}, {time.perf_counter() - t0:.0f} s", flush=True)
            accs.append(s["test_acc"])
            found.append(seed)
            summaries.append(s)
            import csv

            with open(out / "metrics.csv") as f:
                curves.setdefault(fam, list(csv.DictReader(f)))
        if not accs:
            continue
        for h in curves.get(fam, []):
            for k in ("samples", "val_acc"):
                h[k] = float(h[k])
        last = summaries[-1]
        rows.append({"component": fam, "acc_mean": statistics.mean(accs),
                     "acc_std": statistics.stdev(accs) if len(accs) > 1 else 0.0, "accs": accs, "seeds": found,
                     "levels": last["levels"], "levels_used": last["levels_used"],
                     "events_per_sample": statistics.mean(s["events_per_sample"] for s in summaries),
                     "energy_per_sample_J": statistics.mean(s["energy_per_sample_J"] for s in summaries),
                     "erases": last["programming"]["erases"], "g_range_S": last["g_range_S"],
                     "read_pulse": last["read_pulse"], "time_s": statistics.mean(s["time_s"] for s in summaries)})
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "comparison.json").write_text(json.dumps(rows, indent=2) + "\n")
    comparison(rows, curves, args.out / "comparison.png", f"STDP on the devices ({args.config.name})")
    lines = ["| synapse | test accuracy (%) | seeds | levels used / levels | events / sample | energy / sample (J) | g range (S) | read pulse |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['component']} | {100 * r['acc_mean']:.2f} ± {100 * r['acc_std']:.2f} | {r['seeds']} | "
                     f"{r['levels_used']} / {r['levels']} | {r['events_per_sample']:.1f} | {r['energy_per_sample_J']:.3g} | "
                     f"{r['g_range_S'][0]:.3g}–{r['g_range_S'][1]:.3g} | {r['read_pulse']['amplitude_V']:g} V × "
                     f"{r['read_pulse']['width_s']:.3g} s |")
    (args.out / "comparison.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
