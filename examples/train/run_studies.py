"""The trainer's measured figures (issue 12), one study per subcommand; each trains with the
library's ``train`` on the example configs and writes ``reports/train/<study>.json`` and a
markdown table beside it. Hyperparameters come from the configs (chosen on the validation
split); every figure is the test split at the validation-selected epoch, mean +- std over seeds.

  python examples/train/run_studies.py families   [--seeds 0 1 2]  digits per synapse family
                                        [--refit]  ... trained on train + validation, last epoch
  python examples/train/run_studies.py robustness [--seeds 0 1 2]  20 chips: naive vs hardware-aware
  python examples/train/run_studies.py pruning    [--seeds 0 1 2]  L1 training, pruned fraction vs accuracy
  python examples/train/run_studies.py programming [--config digits_optocoupler.toml]
                                                   20 chips programmed open loop vs program-and-verify
  python examples/train/run_studies.py fashion    [--epochs N]     Fashion-MNIST, device-constrained
                                        [--refit]  ... trained on all 60,000 training images, last epoch

Add a family after it merges: put its config in FAMILIES (a fitted surrogate at network scale,
see examples/train/models/README.md) and rerun. Runs go to runs/studies/<study>/<name>_s<seed>
and resume when interrupted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

#: family -> (config, overrides)
FAMILIES = {
    "ideal (1-50 nS, continuous)": ("digits_ideal.toml", {}),
    "memristor_vteam (1-50 nS)": ("digits_vteam.toml", {}),
    "memristor_biolek (1.25-200 nS)": ("digits_biolek.toml", {}),
    "schottky_gated (2.1-50 nS at 1 V, 40 us pulses)": ("digits_schottky.toml", {}),
    "optocoupler (20-946 nS at 0.1 V, 21 us pulses)": ("digits_optocoupler.toml", {}),
    "digital_code (4 bits, LSB 50 nS, 0-750 nS at 0.1 V, 26.7 us pulses)": ("digits_digital_code.toml", {}),
    # last: the digital code has its own fitted model now (the row above)
    "ideal 16 levels (digital-code stand-in)": ("digits_ideal.toml", {"synapse": {"levels": 16}}),
}


def run(cfg_name: str, overrides: dict, out: Path, seed: int) -> dict:
    from circuitsnn.learn.config import load_config
    from circuitsnn.learn.trainer import train

    ov = {k: dict(v) for k, v in overrides.items()}
    ov.setdefault("run", {})["seed"] = seed
    cfg = load_config(HERE / cfg_name, ov)
    done = out / "summary.json"
    if done.exists():
        return json.loads(done.read_text())
    return train(cfg, out, progress=False, log=lambda s: print(f"  [{out.name}] {s}", flush=True))


def stat(values: list[float]) -> str:
    v = [100 * x for x in values]
    return f"{statistics.mean(v):.2f} +- {statistics.stdev(v):.2f} %" if len(v) > 1 else f"{v[0]:.2f} %"


def write(name: str, rows: list[dict], header: list[str]) -> None:
    out = ROOT / "reports" / "train"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r.get(h, "")) for h in header) + " |" for r in rows]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)


def families(args) -> None:
    rows = []
    for fam, (cfg, ov) in FAMILIES.items():
        if args.only and cfg not in args.only:
            continue
        if args.refit:  # the chosen settings, retrained on train + validation (the last epoch is kept)
            ov = {**ov, "data": {**ov.get("data", {}), "refit": True}}
        folder = "families_refit" if args.refit else "families"
        res = [run(cfg, ov, args.runs / folder / f"{cfg[:-5]}{'_q' if 'synapse' in ov else ''}_s{s}", s)
               for s in args.seeds]
        rows.append({"family": fam, "test acc": stat([r["test_acc"] for r in res]),
                     "strict count": stat([r["test_acc_strict"] for r in res]),
                     # with --refit validation is part of the training data: not a held-out figure
                     "val acc": stat([r["val_acc"] for r in res]) + (" (trained on)" if args.refit else ""),
                     "20 chips (naive)": stat([r["chips"]["acc"]["mean"] for r in res]) if "chips" in res[0] else "",
                     "seeds": len(res), "s/run": f"{statistics.mean(r['seconds'] for r in res):.0f}"})
        # after every family, so that an interrupted study keeps the rows it finished
        write(folder + ("_" + "_".join(c[:-5] for c in args.only) if args.only else ""), rows, ["family", "test acc", "strict count", "val acc", "20 chips (naive)", "seeds", "s/run"])


def robustness(args) -> None:
    rows = []
    for sigma in args.sigma_scales:
        for aware in [t == "aware" for t in args.training]:
            ov = {"hardware": {"eval_chips": 20, "sigma_scale": sigma, "train": aware, "prog_noise": args.prog_noise}}
            res = []
            for s in args.seeds:
                out = args.runs / "robustness" / f"vteam_sig{sigma:g}_{'aware' if aware else 'naive'}_s{s}"
                trained = args.runs / "families" / f"digits_vteam_s{s}" / "checkpoint.pt"
                if not aware and trained.exists() and not (out / "checkpoint.pt").exists():
                    # naive training does not depend on the chips: re-evaluate the families run
                    out.mkdir(parents=True, exist_ok=True)
                    shutil.copy(trained, out / "checkpoint.pt")
                res.append(run("digits_vteam.toml", ov, out, s))
            nominal = [r["test_acc"] for r in res]
            chips = [r["chips"]["acc"]["mean"] for r in res]
            spread = [r["chips"]["acc"]["std"] for r in res]
            rows.append({"variation": f"fitted Monte Carlo x{sigma:g}" + (f" + {100 * args.prog_noise:g} % prog" if args.prog_noise else ""),
                         "training": "hardware-aware" if aware else "naive", "nominal test": stat(nominal),
                         "20 chips mean": stat(chips), "chip-to-chip std": f"{100 * statistics.mean(spread):.2f} %",
                         "drop (points)": f"{100 * statistics.mean(n - c for n, c in zip(nominal, chips)):.2f}"})
    write("robustness" + "".join(f"_x{x:g}" for x in args.sigma_scales), rows, ["variation", "training", "nominal test", "20 chips mean", "chip-to-chip std", "drop (points)"])


def pruning(args) -> None:
    fr = [0.5, 0.6, 0.7, 0.8, 0.9]
    rows = []
    for l1 in args.l1:
        ov = {"prune": {"l1": l1, "fractions": fr, "criterion": args.criterion}, "hardware": {"eval_chips": 0}}
        tag = "" if args.criterion == "magnitude" else f"_{args.criterion}"
        res = [run("digits_vteam.toml", ov, args.runs / "pruning" / f"vteam_l1_{l1:g}{tag}_s{s}", s) for s in args.seeds]
        for k, f in enumerate([0.0] + fr):
            rows.append({"l1": l1, "criterion": args.criterion, "pruned": f"{100 * f:.0f} %", "test acc": stat([r["prune"][k]["test_acc"] for r in res]),
                         "loss vs unpruned (points)": f"{100 * statistics.mean(r['prune'][0]['test_acc'] - r['prune'][k]['test_acc'] for r in res):.2f}",
                         "val acc": stat([r["prune"][k]["val_acc"] for r in res])})
    write("pruning" + ("" if args.criterion == "magnitude" else f"_{args.criterion}"), rows, ["l1", "criterion", "pruned", "test acc", "loss vs unpruned (points)", "val acc"])


def programming(args) -> None:
    """Every trained net (naive, hardware-aware with open-loop chips, hardware-aware with
    verified chips) on the same 20 chips, programmed open loop and by program-and-verify."""
    from circuitsnn.learn.checkpoint import load_checkpoint
    from circuitsnn.learn.config import load_config
    from circuitsnn.learn.hardware import HardwareSpec, evaluate_chips
    from circuitsnn.learn.trainer import build, evaluate

    trainings = {"naive": {"train": False}, "aware": {"train": True}, "aware_verify": {"train": True, "programming": "verify"}}
    rows = []
    for name in args.training_modes:
        nominal, per = [], {"open_loop": [], "verify": []}
        for s in args.seeds:
            ov = {"hardware": {**trainings[name], "eval_chips": 0}, "run": {"seed": s}}
            out = args.runs / "programming" / f"{args.config[:-5]}_{name}_s{s}"
            nominal.append(run(args.config, ov, out, s)["test_acc"])
            cfg = load_config(HERE / args.config, ov)
            exp = build(cfg)
            ck = load_checkpoint(out)
            exp.net.load_state_dict(ck["best"]["state"] if ck["best"].get("state") is not None else ck["net"])
            for mode, accs in per.items():
                spec = HardwareSpec(**{**cfg.hardware, "programming": mode, "eval_chips": args.chips,
                                       "prog_noise": args.prog_noise})
                res = evaluate_chips(exp.net, lambda: {"acc": evaluate(exp, exp.splits.test)["acc"]}, spec, args.chips)
                accs.append(res["acc"]["mean"])
                print(f"  [{out.name}] {mode}: {100 * res['acc']['mean']:.2f} +- {100 * res['acc']['std']:.2f} % "
                      f"over {args.chips} chips (nominal {100 * nominal[-1]:.2f} %)", flush=True)
        row = {"training": name, "nominal test": stat(nominal)}
        for mode, accs in per.items():
            row[f"{args.chips} chips, {mode}"] = stat(accs)
            row[f"drop {mode} (points)"] = f"{100 * statistics.mean(n - a for n, a in zip(nominal, accs)):.2f}"
        rows.append(row)
    tag = f"_prog{100 * args.prog_noise:g}" if args.prog_noise else ""
    write(f"programming_{args.config[:-5]}{tag}", rows, list(rows[0]))


def fashion(args) -> None:
    rows = []
    for cfg in args.configs:
        ov: dict = {"run": {"epochs": args.epochs}} if args.epochs else {}
        if args.refit:  # the chosen settings, retrained on all 60,000 training images (the last epoch is kept)
            ov["data"] = {"refit": True}
        folder = "fashion_refit" if args.refit else "fashion"
        res = [run(cfg, ov, args.runs / folder / f"{cfg[:-5]}_s{s}", s) for s in args.seeds]
        rows.append({"config": cfg, "test acc": stat([r["test_acc"] for r in res]),
                     "strict count": stat([r["test_acc_strict"] for r in res]),
                     "val acc": stat([r["val_acc"] for r in res]) + (" (trained on)" if args.refit else ""),
                     "chips": stat([r["chips"]["acc"]["mean"] for r in res]) if "chips" in res[0] else "",
                     "epochs": res[0]["epochs"], "s/epoch": f"{statistics.mean(r['seconds'] / r['epochs'] for r in res):.0f}"})
    write(folder, rows, ["config", "test acc", "strict count", "val acc", "chips", "epochs", "s/epoch"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study", choices=("families", "robustness", "pruning", "programming", "fashion"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", help="families: only these config files (e.g. digits_schottky.toml)")
    ap.add_argument("--refit", action="store_true",
                    help="families, fashion: train on train + validation and keep the last epoch ([data] refit), "
                         "once the settings were chosen on validation")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "studies")
    ap.add_argument("--sigma-scales", type=float, nargs="+", default=[1.0, 3.0])
    ap.add_argument("--prog-noise", type=float, default=0.0,
                    help="robustness, programming: relative programming error per device (a verify loop's tolerance)")
    ap.add_argument("--training", nargs="+", choices=("naive", "aware"), default=["naive", "aware"],
                    help="robustness: which trainings (naive runs re-evaluate the families runs)")
    ap.add_argument("--l1", type=float, nargs="+", default=[0.0, 1e-2])
    ap.add_argument("--criterion", choices=("magnitude", "drive"), default="magnitude",
                    help="pruning: rank pairs by |G+ - G-| or by |G+ - G-| x their row's activity")
    ap.add_argument("--config", default="digits_optocoupler.toml", help="programming: the family's config")
    ap.add_argument("--training-modes", nargs="+", choices=("naive", "aware", "aware_verify"),
                    default=["naive", "aware", "aware_verify"],
                    help="programming: naive, hardware-aware on open-loop chips, hardware-aware on verified chips")
    ap.add_argument("--chips", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=None, help="fashion: epochs (default: the config's)")
    ap.add_argument("--configs", nargs="+", default=["fashion_vteam.toml"])
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    {"families": families, "robustness": robustness, "pruning": pruning, "programming": programming,
     "fashion": fashion}[args.study](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
