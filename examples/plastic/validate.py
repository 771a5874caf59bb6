"""Accuracy of finished plasticity runs on *validation* episodes: drawn from another seed than
the evaluation episodes of ``summary.json`` (``runner.EVAL_SEED``) and than every training batch
(``seed * 1_000_003 + iteration``), so choices made on these numbers (fine-tune budget, learning
rate) do not see the evaluation episodes.

    python examples/plastic/validate.py runs/plastic/one_shot_digital runs/plastic/s1/one_shot_digital ...
        [--noise 0.1] [--episodes 512]

Prints one line per run (plastic and static accuracy in %)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from circuitsnn.learn.plastic.config import from_dict
from circuitsnn.learn.plastic.runner import build, build_task, evaluate

VAL_SEED = 7_777_777


def validate(run: Path, noise: float, episodes: int) -> dict[str, float]:
    s = json.loads((run / "summary.json").read_text())
    raw = dict(s["config"])
    path = raw.pop("path", None)
    raw = {k: v for k, v in raw.items() if isinstance(v, dict)}
    cfg = from_dict(raw, path=path)
    task = build_task(cfg)
    out = {}
    for label in ("plastic", "static"):
        f = run / f"model_{label}.pt"
        if not f.exists():
            continue
        net = build(cfg, plastic=label == "plastic", task=task)
        net.load_state_dict(torch.load(f))
        out[label] = evaluate(net, task, episodes, noise=noise, seed=VAL_SEED)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--episodes", type=int, default=512)
    a = ap.parse_args()
    torch.set_num_threads(1)
    for r in a.runs:
        v = validate(r, a.noise, a.episodes)
        print(f"{r}: " + ", ".join(f"{k} {100 * x:.1f} %" for k, x in v.items()) + f" (validation, noise {a.noise:g})")


if __name__ == "__main__":
    main()
