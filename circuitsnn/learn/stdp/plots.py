"""PNG plots of an STDP run: learned receptive fields, weight evolution, learning curve and
programming events, conductances against the device range; and the family comparison."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def receptive_fields(w: np.ndarray, shape: tuple[int, int] | None, path: Path, title: str = "",
                     labels: np.ndarray | None = None, max_neurons: int = 100) -> Path:
    """Each neuron's input weights as an image (``w`` ``(inputs, neurons)``, normalized)."""
    plt = _plt()
    n = min(w.shape[1], max_neurons)
    side = shape or (int(math.isqrt(w.shape[0])), w.shape[0] // max(1, int(math.isqrt(w.shape[0]))))
    cols = int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.95))
    for k, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(w[:, k].reshape(side), cmap="hot", vmin=0, vmax=max(1e-9, float(w.max())))
            if labels is not None:
                ax.set_title(str(int(labels[k])), fontsize=6, pad=1)
    fig.suptitle(title or "learned receptive fields (normalized conductance)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def weight_evolution(evolution: list[dict[str, Any]], path: Path, title: str = "") -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if evolution:
        s = np.array([e["samples"] for e in evolution])
        m = np.array([e["w_mean"] for e in evolution])
        sd = np.array([e["w_std"] for e in evolution])
        tr = np.array([e["tracked"] for e in evolution])
        ax.plot(s, tr, lw=0.7, alpha=0.7)
        ax.plot(s, m, "k", lw=2, label="mean")
        ax.fill_between(s, m - sd, m + sd, color="k", alpha=0.1, label="± std")
        ax.legend(fontsize=7)
    ax.set_xlabel("training samples presented")
    ax.set_ylabel("normalized weight (G - g_min)/(g_max - g_min)")
    ax.set_title(title or "weight evolution (24 tracked synapses)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def learning_curve(history: list[dict[str, Any]], path: Path, title: str = "") -> Path:
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4))
    if history:
        s = [h["samples"] for h in history]
        a1.plot(s, [h["val_acc"] for h in history], "o-", label="validation")
        if not all(np.isnan(h["train_acc"]) for h in history if isinstance(h["train_acc"], float)):
            a1.plot(s, [h["train_acc"] for h in history], "s--", label="training (while learning)")
        a1.legend(fontsize=7)
        a2.plot(s, [h["events_up"] for h in history], label="up")
        a2.plot(s, [h["events_down"] for h in history], label="down")
        if any(h["erases"] for h in history):
            a2.plot(s, [h["erases"] for h in history], label="erases")
        a2.legend(fontsize=7)
    a1.set_xlabel("training samples")
    a1.set_ylabel("accuracy")
    a2.set_xlabel("training samples")
    a2.set_ylabel("programming events (cumulative)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def conductances(g: np.ndarray, g_min: float, g_max: float, path: Path, title: str = "") -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(g.ravel(), bins=60, color="tab:blue")
    for x in (g_min, g_max):
        ax.axvline(x, color="r", ls="--")
    ax.set_xlabel("conductance (S) at the read bias; red: device range")
    ax.set_ylabel("devices")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def all_plots(exp: Any, out: Path, history: list, evolution: list) -> list[Path]:
    layer = exp.layer
    name = exp.cfg.synapse["component"]
    shape = getattr(exp.splits.train, "shape", None)
    shape = tuple(shape) if shape and int(np.prod(shape)) == layer.spec.n_input else None
    w = layer.weights().numpy()
    paths = [receptive_fields(w, shape, out / "receptive_fields.png", f"{name}: learned receptive fields"),
             weight_evolution(evolution, out / "weight_evolution.png", f"{name}: weight evolution"),
             learning_curve(history, out / "learning_curve.png", f"{name}: {exp.cfg.task['kind']}, {exp.cfg.rule['kind']}"),
             conductances(layer.conductances().numpy(), layer.programmer.g_min, layer.programmer.g_max,
                          out / "conductances.png", f"{name}: conductances after learning")]
    return paths


def comparison(rows: list[dict[str, Any]], curves: dict[str, list[dict[str, Any]]], path: Path, title: str = "") -> Path:
    """Families side by side: test accuracy (mean ± std over seeds), levels used, events per
    sample; validation learning curves."""
    plt = _plt()
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    names = [r["component"] for r in rows]
    x = np.arange(len(rows))
    axes[0].bar(x, [100 * r["acc_mean"] for r in rows], yerr=[100 * r["acc_std"] for r in rows], color="tab:blue")
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].set_ylim(min(50, min(100 * r["acc_mean"] for r in rows) - 5), 100)
    axes[1].bar(x, [r["levels_used"] for r in rows], color="tab:green")
    axes[1].set_ylabel("levels used")
    axes[2].bar(x, [r["events_per_sample"] for r in rows], color="tab:orange")
    axes[2].set_ylabel("programming events / sample")
    axes[2].set_yscale("log")
    for ax in axes[:3]:
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=35, ha="right", fontsize=7)
    for name, hist in curves.items():
        axes[3].plot([h["samples"] for h in hist], [100 * h["val_acc"] for h in hist], "o-", label=name, ms=3)
    axes[3].set_xlabel("training samples")
    axes[3].set_ylabel("validation accuracy (%)")
    axes[3].legend(fontsize=6)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
