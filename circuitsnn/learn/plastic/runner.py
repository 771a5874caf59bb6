"""Train a plastic network and its static twin on generated episodes (what ``circuitsnn train``
runs for a config with a ``[plastic]`` section).

Both networks have the same crossbar (size, family, read pulses), the same neurons and the same
budget: ``iterations`` batches of ``batch_size`` fresh episodes, Adam (cosine schedule), the
same seeds. The loss is the cross-entropy of the output spike counts in every query window plus
``rate_reg`` times the mean output spike probability per step (it keeps the outputs out of
saturation, where spike counts carry no gradient). After training, accuracy is measured on
``eval_episodes`` fixed episodes at the task's noise and at every ``eval_noise``; a run with
``device_update`` is also evaluated with the ideal update on the same learned parameters (what
the device's update law costs the trained network).

``OUT`` receives ``metrics.csv`` (one row per logged iteration and network), ``summary.json``,
``model_plastic.pt`` / ``model_static.pt`` (state dicts) and the plots of :mod:`.plots`, and
``checkpoint_<network>.pt`` at every log line: the same command after a kill resumes there.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from ...surrogates.artifacts import lif_parameters
from ..layers import DeviceModel, PulseSpec
from ..surrogate import SpikeFunction
from ..trainer import device_interface
from .config import PlasticConfig
from .layer import PlasticNetwork
from .tasks import TaskSpec, make_task

EVAL_SEED = 424_242


def build_task(cfg: PlasticConfig) -> TaskSpec:
    t = {k: v for k, v in cfg.task.items() if k not in ("kind", "eval_noise")}
    return make_task(cfg.task["kind"], **t)


def build(cfg: PlasticConfig, *, plastic: bool = True, task: TaskSpec | None = None) -> PlasticNetwork:
    """The network of a config (``plastic=False``: its static twin)."""
    task = task or build_task(cfg)
    device, _ = device_interface(cfg)  # the same [synapse] semantics as the gradient trainer
    dt = float(cfg.time["dt"])
    amp = float(cfg.pulse.get("amplitude", device.v_read))
    pulse = PulseSpec(amp, float(cfg.pulse.get("width", dt)))
    model = DeviceModel(device, [amp], levels=cfg.synapse.get("levels") if cfg.synapse["component"] != "ideal" else None)
    neuron = lif_parameters(cfg.resolve_path(cfg.neuron["model"]),
                            **{k: float(v) for k, v in cfg.neuron.get("params", {}).items()})
    pl = cfg.plastic
    return PlasticNetwork(task.n_in, task.n_classes, model, neuron, dt=dt, pulse=pulse,
                          spike=SpikeFunction(cfg.surrogate["shape"], cfg.surrogate["scale"]), plastic=plastic,
                          rule=pl["rule"], modulation=pl["modulation"], device_update=pl["device_update"],
                          tau_pre=pl["tau_pre"], tau_post=pl["tau_post"], tau_theta=pl["tau_theta"], clip=pl["clip"],
                          max_pulses=pl["max_pulses"], init_std=pl["init_std"], alpha_init=pl["alpha_init"],
                          eta_init=pl["eta_init"], teacher=task.n_classes, mapping=pl["mapping"],
                          seed=cfg.run["seed"])


def loss_of(net: PlasticNetwork, ep, rate_reg: float, generator: torch.Generator):
    r = net(ep.x, generator=generator)
    c = r.counts(ep.queries)
    loss = F.cross_entropy(c.reshape(-1, c.shape[-1]), ep.y.reshape(-1)) + rate_reg * r.spikes.mean()
    acc = float((r.scores(ep.queries, float(net.neuron.v_th)).argmax(-1) == ep.y).float().mean())
    return loss, acc


@torch.no_grad()
def evaluate(net: PlasticNetwork, task: TaskSpec, n: int, *, noise: float | None = None, batch: int = 128,
             seed: int = EVAL_SEED) -> float:
    """Accuracy over ``n`` fixed episodes (every query counts)."""
    correct = total = 0
    for k in range(math.ceil(n / batch)):
        g = torch.Generator().manual_seed(seed + k)
        ep = task.sample(min(batch, n - k * batch), g, noise=noise)
        r = net(ep.x, generator=g)
        correct += int((r.scores(ep.queries, float(net.neuron.v_th)).argmax(-1) == ep.y).sum())
        total += ep.y.numel()
    return correct / total


def fit(net: PlasticNetwork, task: TaskSpec, cfg: PlasticConfig, *, label: str, rows: list[dict[str, Any]],
        log: Callable[[str], None] = print, checkpoint: Path | None = None) -> None:
    """Train ``net`` for the configured budget (module docstring).

    ``checkpoint``: a file written atomically at every log line (network, optimizer, schedule,
    the metric rows so far); when it exists for the same configuration, training continues from
    it. Every episode batch is drawn from ``(seed, iteration)``, so a resumed run ends with the
    same parameters as an uninterrupted one."""
    run = cfg.run
    iters = int(run["iterations"])
    opt = torch.optim.Adam(net.parameters(), lr=cfg.optimizer["lr"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=iters) if cfg.optimizer["schedule"] == "cosine" else None
    t0 = time.time()
    run_loss = run_acc = 0.0
    n = 0
    start = 0
    own_rows_from = len(rows)
    key = json.dumps(cfg.to_dict(), sort_keys=True, default=str)
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("config") == key and state.get("label") == label:
            net.load_state_dict(state["net"])
            opt.load_state_dict(state["optimizer"])
            if sched is not None and state.get("schedule") is not None:
                sched.load_state_dict(state["schedule"])
            rows.extend(state["rows"])
            start = int(state["iteration"])
            log(f"{label}: resumed at iteration {start}/{iters} from {checkpoint.name}")
        else:
            log(f"{label}: {checkpoint.name} belongs to another configuration; starting over")
    for it in range(start, iters):
        g = torch.Generator().manual_seed(int(run["seed"]) * 1_000_003 + it)
        ep = task.sample(int(run["batch_size"]), g)
        loss, acc = loss_of(net, ep, float(cfg.plastic["rate_reg"]), g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        net.project()
        run_loss += float(loss.detach())
        run_acc += acc
        n += 1
        if (it + 1) % int(run["log_every"]) == 0 or it + 1 == iters:
            row = {"network": label, "iteration": it + 1, "loss": run_loss / n, "train_acc": run_acc / n,
                   "seconds": time.time() - t0}
            if net.plastic:
                co = net.coefficients()
                row.update({"eta": co["eta"], "eta_e": co["eta_e"], "alpha_mean": co["alpha_mean"]})
            rows.append(row)
            run_loss = run_acc = 0.0
            n = 0
            if checkpoint is not None:
                tmp = checkpoint.with_suffix(".tmp")
                torch.save({"config": key, "label": label, "iteration": it + 1, "net": net.state_dict(),
                            "optimizer": opt.state_dict(), "schedule": sched.state_dict() if sched else None,
                            "rows": rows[own_rows_from:]}, tmp)
                os.replace(tmp, checkpoint)
            log(f"{label} {it + 1}/{iters}: loss {row['loss']:.3f} train acc {row['train_acc']:.3f} "
                f"({row['seconds']:.0f} s)")


def train(cfg: PlasticConfig, out: str | Path, *, plots: bool = True, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Train the plastic network (and its static twin), evaluate, plot; returns the summary
    written to ``OUT/summary.json``."""
    from ...outdir import output_dir

    out = output_dir(out)
    torch.set_num_threads(int(cfg.run["threads"]))
    task = build_task(cfg)
    rows: list[dict[str, Any]] = []
    nets = {"plastic": build(cfg, plastic=True, task=task)}
    if cfg.plastic["static"]:
        nets["static"] = build(cfg, plastic=False, task=task)
    log(f"{nets['plastic']!r}")
    noises = sorted({float(cfg.task["noise"]), *cfg.task["eval_noise"]})
    n_eval = int(cfg.run["eval_episodes"])
    summary: dict[str, Any] = {"task": cfg.task["kind"], "rule": cfg.plastic["rule"],
                               "modulation": cfg.plastic["modulation"], "component": cfg.synapse["component"],
                               "device_update": bool(cfg.plastic["device_update"]), "noise": float(cfg.task["noise"]),
                               "chance": 1.0 / task.n_classes, "seed": int(cfg.run["seed"]),
                               "iterations": int(cfg.run["iterations"]), "batch_size": int(cfg.run["batch_size"]),
                               "update": nets["plastic"].update.describe(), "accuracy": {}, "accuracy_vs_noise": {}}
    if "init" in cfg.run:
        start = Path(cfg.run["init"])
        if not start.is_absolute() and not start.exists():
            start = cfg.resolve_path(cfg.run["init"])
        missing = [f"model_{k}.pt" for k in nets if not (start / f"model_{k}.pt").exists()]
        if missing:
            from ...errors import ValidationError

            raise ValidationError(f"[run] init: {start} has no {', '.join(missing)}.",
                                  hint="Run the config it starts from first (examples/plastic/RESULTS.md lists the order).")
        for label, net in nets.items():
            # normalized weights and rule parameters carry over between families: the same
            # fraction of each family's range, read with the same charge per pulse
            net.load_state_dict(torch.load(start / f"model_{label}.pt"))
        summary["init"] = str(start)
        summary["accuracy_at_init"] = {label: evaluate(net, task, n_eval) for label, net in nets.items()}
        log(f"started from {start}: " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in summary["accuracy_at_init"].items()))
    for label, net in nets.items():
        fit(net, task, cfg, label=label, rows=rows, log=log, checkpoint=out / f"checkpoint_{label}.pt")
        torch.save(net.state_dict(), out / f"model_{label}.pt")
        summary["accuracy"][label] = evaluate(net, task, n_eval)
        summary["accuracy_vs_noise"][label] = {f"{z:g}": evaluate(net, task, n_eval, noise=z) for z in noises}
        log(f"{label}: test accuracy {100 * summary['accuracy'][label]:.1f} % at noise {cfg.task['noise']:g}")
    pnet = nets["plastic"]
    summary["coefficients"] = pnet.coefficients()
    if pnet.device_update:
        # the same learned parameters with the ideal update W + alpha E: the device law's cost
        pnet.device_update = False
        pnet.update, dev_update = type(pnet.update)(pnet.model, ideal=True, dt=pnet.dt), pnet.update
        summary["accuracy"]["plastic_ideal_update"] = evaluate(pnet, task, n_eval)
        pnet.device_update, pnet.update = True, dev_update
        log(f"same parameters, ideal update: {100 * summary['accuracy']['plastic_ideal_update']:.1f} %")
    _write_csv(out / "metrics.csv", rows)
    if plots:
        from .plots import plastic_plots

        summary["plots"] = [str(p) for p in plastic_plots(nets, task, summary, out)]
    summary["config"] = cfg.to_dict()
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    return summary


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
