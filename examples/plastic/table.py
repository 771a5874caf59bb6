"""Collect the plasticity runs' summaries into the tables of examples/plastic/RESULTS.md.

    python examples/plastic/table.py runs/plastic > examples/plastic/tables.md

Reads ``RUNS/<name>/summary.json`` (the headline runs) and ``RUNS/table/<rule>_<mod>/summary.json``
(every rule, ``run_table.sh``); runs of the same name under ``RUNS/s<seed>/<name>/`` (other seeds,
``run_seeds.sh``) add a table of mean +- standard deviation over the seeds (sample std, n - 1)."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def main(root: str) -> None:
    root_p = Path(root)
    runs = sorted(p for p in root_p.glob("*/summary.json") if not p.parent.name.startswith("table"))
    print("| run | task | synapse (update) | rule | noise | plastic % | plastic, ideal update % | static % | chance % |"
          " accuracy vs noise (plastic / static) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in runs:
        s = json.loads(p.read_text())
        a = s["accuracy"]
        upd = s["update"]["kind"] if s["device_update"] else "ideal"
        vn = s["accuracy_vs_noise"]
        curve = "; ".join(f"{z}: {pct(vn['plastic'][z])} / {pct(vn.get('static', {}).get(z))}" for z in
                          sorted(vn["plastic"], key=float))
        print(f"| {p.parent.name} | {s['task']} | {s['component']} ({upd}) | {s['rule']}, {s['modulation']} | "
              f"{s['noise']:g} | {pct(a['plastic'])} | {pct(a.get('plastic_ideal_update'))} | {pct(a.get('static'))} | "
              f"{pct(s['chance'])} | {curve} |")
    seeds(root_p)
    for folder, what in (("table", "task-1 (one-shot)"), ("table_cue_delay", "task-2 (cue-delay)")):
        table = sorted((root_p / folder).glob("*/summary.json"))
        if not table:
            continue
        print()
        print(f"| rule | modulation | {what} accuracy % (noise 0.1) | eta | eta_e | mean alpha | M bias |")
        print("|---|---|---|---|---|---|---|")
        for p in table:
                s = json.loads(p.read_text())
                c = s["coefficients"]
                print(f"| {s['rule']} | {s['modulation']} | {pct(s['accuracy']['plastic'])} | {c['eta']:.4f} | "
                      f"{c['eta_e']:.4f} | {c['alpha_mean']:.2f} | {c['m_bias']:.2f} |")


def _ms(xs: list[float]) -> str:
    m = 100 * statistics.mean(xs)
    return f"{m:.1f}" if len(xs) < 2 else f"{m:.1f} ± {100 * statistics.stdev(xs):.1f}"


def seeds(root_p: Path) -> None:
    """Mean +- std over seeds of every run name found under ``RUNS/s<seed>/`` too."""
    extra = sorted(root_p.glob("s[0-9]*/*/summary.json"))
    names = sorted({p.parent.name for p in extra})
    if not names:
        return
    print()
    print("| run | synapse (update) | seeds | noise | plastic % (mean ± std) | static % (mean ± std) |"
          " plastic before fine-tuning % |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        ss = [json.loads(p.read_text()) for p in [root_p / name / "summary.json", *root_p.glob(f"s[0-9]*/{name}/summary.json")]
              if p.exists()]
        ss.sort(key=lambda s: s["seed"])
        s0 = ss[0]
        upd = s0["update"]["kind"] if s0["device_update"] else "ideal"
        seeds_ = ",".join(str(s["seed"]) for s in ss)
        for z in sorted(s0["accuracy_vs_noise"]["plastic"], key=float):
            pl = [s["accuracy_vs_noise"]["plastic"][z] for s in ss]
            st = [s["accuracy_vs_noise"]["static"][z] for s in ss if "static" in s["accuracy_vs_noise"]]
            init = [s["accuracy_at_init"]["plastic"] for s in ss if "accuracy_at_init" in s]
            init_s = _ms(init) if init and float(z) == s0["noise"] else "-"
            print(f"| {name} | {s0['component']} ({upd}) | {seeds_} | {z} | {_ms(pl)} | {_ms(st) if st else '-'} | "
                  f"{init_s} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/plastic")
