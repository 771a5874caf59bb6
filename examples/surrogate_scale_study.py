"""Accuracy against surrogate-gradient scale for three surrogate shapes, with and without
activity regularization (Zenke & Vogels, Neural Computation 2021: training is robust to the
shape and sensitive to the scale), on the digits with device synapses — one plot.

Every point trains ``examples/train/digits_vteam.toml`` (VTEAM memristors at network scale,
fitted LIF neurons) with the shape and scale changed, and reports the *validation* accuracy at
the best epoch (this study chooses a hyperparameter, so it never looks at the test split).
Regularization: lower bound 5 Hz per neuron and upper bound 100 Hz on the population, strength 1.

  python examples/surrogate_scale_study.py [--epochs 15] [--scales 2 5 10 20 50 100] [--seed 0]
      [--out runs/surrogate_scale]   ->  OUT/surrogate_scale.png, OUT/surrogate_scale.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHAPES = ("fast_sigmoid", "arctan", "triangle")
REG = {"lower_rate": 5.0, "lower_strength": 1.0, "upper_rate": 100.0, "upper_strength": 1.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--scales", type=float, nargs="+", default=[2.0, 5.0, 10.0, 20.0, 50.0, 100.0])
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--config", type=Path, default=ROOT / "examples/train/digits_vteam.toml")
    ap.add_argument("--out", type=Path, default=ROOT / "runs/surrogate_scale")
    args = ap.parse_args()

    import torch

    from circuitsnn.learn.config import load_config
    from circuitsnn.learn.trainer import train

    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for reg in (False, True):
        for shape in args.shapes:
            for scale in args.scales:
                name = f"{shape}_{scale:g}_{'reg' if reg else 'noreg'}"
                run_dir = args.out / name
                ov = {"run": {"epochs": args.epochs, "seed": args.seed}, "surrogate": {"shape": shape, "scale": scale},
                      "hardware": {"eval_chips": 0}, "regularization": REG if reg else {}}
                done = run_dir / "summary.json"
                if done.exists():
                    s = json.loads(done.read_text())
                else:
                    s = train(load_config(args.config, ov), run_dir, progress=False, plots=False, log=lambda m: None)
                results.append({"shape": shape, "scale": scale, "regularized": reg, "val_acc": s["val_acc"],
                                "hidden_rate_hz": s["rates_hz"][0] if s["rates_hz"] else None})
                print(f"{name:28s} val {100 * s['val_acc']:.2f} %  hidden {s['rates_hz'][0]:.0f} Hz", flush=True)
    (args.out / "surrogate_scale.json").write_text(json.dumps(results, indent=2) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k, shape in enumerate(args.shapes):
        for reg, style in ((False, "-"), (True, "--")):
            pts = [r for r in results if r["shape"] == shape and r["regularized"] == reg]
            ax.plot([r["scale"] for r in pts], [100 * r["val_acc"] for r in pts], style, marker="o", color=f"C{k}",
                    label=f"{shape}{' + rate bounds' if reg else ''}")
    ax.set_xscale("log")
    ax.set_xlabel("surrogate scale (1/V)   [width about 1/scale around v_th = 0.5 V]")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title(f"digits, VTEAM memristor synapses, {args.epochs} epochs, seed {args.seed}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "surrogate_scale.png", dpi=120)
    print(f"plot: {args.out / 'surrogate_scale.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
