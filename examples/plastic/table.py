"""Collect the plasticity runs' summaries into the tables of examples/plastic/RESULTS.md.

    python examples/plastic/table.py runs/plastic > examples/plastic/tables.md

Reads ``RUNS/<name>/summary.json`` (the headline runs) and ``RUNS/table/<rule>_<mod>/summary.json``
(every rule, ``run_table.sh``)."""

from __future__ import annotations

import json
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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/plastic")
