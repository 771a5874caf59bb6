"""Accuracy of finished plasticity runs on *validation* episodes: drawn from another seed than
the evaluation episodes of ``summary.json`` (``runner.EVAL_SEED``) and than every training batch
(``seed * 1_000_003 + iteration``), so choices made on these numbers (fine-tune budget, learning
rate) do not see the evaluation episodes.

    python examples/plastic/validate.py runs/plastic/one_shot_digital runs/plastic/s1/one_shot_digital ...
        [--noise 0.1] [--episodes 512]

``--at-init``: the parameters the run started from (its ``[run] init``, e.g. the ideal run) under
the run's own config (the device law), i.e. without fine-tuning. Prints one line per run (plastic and static accuracy in %). ``--evaluation`` uses the evaluation
episodes instead (the same ones as ``summary.json``): for reporting finished runs at a noise level
that was not in their ``eval_noise``, never for choosing anything."""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from circuitsnn.learn.plastic.config import from_dict
from circuitsnn.learn.plastic.runner import EVAL_SEED, build, build_task, evaluate

VAL_SEED = 7_777_777


def validate(run: Path, noise: float, episodes: int, seed: int = VAL_SEED, at_init: bool = False) -> dict[str, float]:
    s = json.loads((run / "summary.json").read_text())
    models = Path(s["init"]) if at_init else run
    raw = dict(s["config"])
    path = raw.pop("path", None)
    raw = {k: v for k, v in raw.items() if isinstance(v, dict)}
    cfg = from_dict(raw, path=path)
    task = build_task(cfg)
    out = {}
    for label in ("plastic", "static"):
        f = models / f"model_{label}.pt"
        if not f.exists():
            continue
        net = build(cfg, plastic=label == "plastic", task=task)
        net.load_state_dict(torch.load(f))
        out[label] = evaluate(net, task, episodes, noise=noise, seed=seed)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--episodes", type=int, default=512)
    ap.add_argument("--evaluation", action="store_true", help="the evaluation episodes (reporting only)")
    ap.add_argument("--at-init", action="store_true",
                    help="the parameters the run started from ([run] init) under the run's own config: no fine-tuning")
    a = ap.parse_args()
    torch.set_num_threads(1)
    acc: dict[str, list[float]] = {}
    for r in a.runs:
        v = validate(r, a.noise, a.episodes, EVAL_SEED if a.evaluation else VAL_SEED, a.at_init)
        what = ("evaluation" if a.evaluation else "validation") + (", parameters at init" if a.at_init else "")
        print(f"{r}: " + ", ".join(f"{k} {100 * x:.1f} %" for k, x in v.items()) + f" ({what}, noise {a.noise:g})")
        for k, x in v.items():
            acc.setdefault(k, []).append(100 * x)
    if len(a.runs) > 1:
        print("mean +- std (n - 1) over the runs: " + ", ".join(
            f"{k} {statistics.mean(x):.1f} +- {statistics.stdev(x):.1f} %" for k, x in acc.items()))


if __name__ == "__main__":
    main()
