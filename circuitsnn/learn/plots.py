"""Training plots (PNG, matplotlib Agg): loss and accuracy curves, spike rasters of test
samples per layer, and conductance histograms per array against the device range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def curves(history: list[dict[str, Any]], path: Path) -> Path:
    plt = _plt()
    ep = [r["epoch"] for r in history]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(ep, [r["train_loss"] for r in history], label="train")
    a.plot(ep, [r["val_loss"] for r in history], label="validation")
    a.set_xlabel("epoch")
    a.set_ylabel("cross-entropy")
    a.set_title("loss")
    a.legend()
    b.plot(ep, [100 * r["train_acc"] for r in history], label="train")
    b.plot(ep, [100 * r["val_acc"] for r in history], label="validation")
    b.plot(ep, [100 * r["val_acc_strict"] for r in history], ":", label="validation, strict count")
    b.set_xlabel("epoch")
    b.set_ylabel("accuracy (%)")
    b.set_title("accuracy")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def rasters(spikes: list[Any], dt: float, path: Path, labels: list[int] | None = None) -> Path:
    """Spikes ``(T, B, n)`` per layer for the first samples: one column per sample."""
    plt = _plt()
    n_layers, n_samples = len(spikes), spikes[0].shape[1]
    fig, axes = plt.subplots(n_layers, n_samples, figsize=(3 * n_samples, 2.2 * n_layers), squeeze=False)
    for i, z in enumerate(spikes):
        z = np.asarray(z)
        for j in range(n_samples):
            ax = axes[i][j]
            t, k = np.nonzero(z[:, j, :])
            ax.scatter(t * dt * 1e3, k, s=2, c="k", marker="|")
            ax.set_xlim(0, z.shape[0] * dt * 1e3)
            ax.set_ylim(-0.5, z.shape[2] - 0.5)
            if j == 0:
                ax.set_ylabel(f"layer {i} neuron")
            if i == n_layers - 1:
                ax.set_xlabel("time (ms)")
            if i == 0:
                ax.set_title(f"test sample {j}" + (f" (label {labels[j]})" if labels else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def conductance_histograms(net: Any, path: Path) -> Path:
    """Programmed conductances (both devices of every present pair, nS) per array, with the
    device's floor and ceiling marked."""
    plt = _plt()
    arrays = net.arrays()
    fig, axes = plt.subplots(1, len(arrays), figsize=(4.2 * len(arrays), 3.2), squeeze=False)
    for ax, (name, syn) in zip(axes[0], arrays):
        gp, gn = (g.detach().double() for g in syn.conductances())
        m = syn.mask.bool()
        g = np.concatenate([gp[m].numpy(), gn[m].numpy()]) * 1e9
        lo, hi = syn.model.g_min * 1e9, syn.model.g_max * 1e9
        ax.hist(g, bins=60, range=(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo)), color="C0")
        ax.set_yscale("log")
        for x, lab in ((lo, "g_min"), (hi, "g_max")):
            ax.axvline(x, color="C3", ls="--", lw=1)
            ax.text(x, ax.get_ylim()[1], lab, color="C3", ha="center", va="bottom", fontsize=8)
        pruned = int((~m).sum())
        ax.set_title(f"{name}: {syn.n_in}x{syn.n_out} pairs" + (f", {pruned} pruned" if pruned else ""), fontsize=9)
        ax.set_xlabel(f"conductance at {syn.model.device.v_read:g} V (nS)")
        ax.set_ylabel("devices")
    fig.suptitle(f"{arrays[0][1].model.device.component}: programmed conductances against the device range", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def training_plots(exp: Any, out: Path, history: list[dict[str, Any]], test: dict[str, Any]) -> list[Path]:
    out = Path(out)
    paths = []
    if history:
        paths.append(curves(history, out / "curves.png"))
    if test.get("spikes"):
        labels = exp.splits.test.y[: test["spikes"][0].shape[1]].tolist()
        paths.append(rasters(test["spikes"], exp.dt, out / "rasters.png", labels))
    paths.append(conductance_histograms(exp.net, out / "conductances.png"))
    return paths
