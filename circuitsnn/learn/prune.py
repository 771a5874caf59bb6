"""L1 pruning of device synapses (Lee et al., J. Nanosci. Nanotechnol. 2020: L1 regularization
prunes connections of a gated-Schottky SNN without retraining).

Training adds ``l1 * mean |theta|`` (:meth:`~circuitsnn.learn.layers.DeviceSynapses.l1`: the
mean programmed conductance above the floor, in units of the range) to the loss, which drives
unneeded pairs to ``G+ = G- = g_min``. :func:`prune` then removes every pair whose conductance
difference is below a threshold, without retraining: its ``mask`` entry becomes 0, the pair
carries no current, and the saved model and the NIR export leave it out (deployment emits fewer
devices). :func:`sweep` measures accuracy against the pruned fraction.

Two criteria rank the pairs: ``magnitude``, ``|G+ - G-|``; and ``drive``, ``|G+ - G-|`` times
the mean activity of the pair's row (read pulses per step of its input line or presynaptic
neuron, measured on the training split, relative to the array's mean activity): within an array,
the mean current the pair contributes, so a strong
pair on a line that almost never pulses (a digit's border pixel) goes before a weaker one on a
busy line (the saliency of activation-aware magnitude pruning).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch


def scores(syn: Any, activity: torch.Tensor | None = None) -> torch.Tensor:
    """The ranking score of every pair of one array, ``(n_out, n_in)``: ``|G+ - G-|`` (S), times
    its row's ``activity`` (``(n_in,)``, pulses per step) when given."""
    w = syn.weights().detach().abs()
    return w if activity is None else w * activity.to(w.dtype)[None, :]


def magnitudes(net: Any, activity: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
    """The scores (:func:`scores`) of every unpruned pair of every array, concatenated."""
    out = []
    for k, (_, syn) in enumerate(net.arrays()):
        out.append(scores(syn, activity[k] if activity is not None else None)[syn.mask > 0].flatten())
    return torch.cat(out)


@torch.no_grad()
def prune(net: Any, *, fraction: float | None = None, threshold: float | None = None,
          activity: Sequence[torch.Tensor] | None = None) -> dict[str, Any]:
    """Remove pairs whose score is below ``threshold`` (``|G+ - G-|`` in S, times the row
    activity when ``activity`` gives one tensor per array: the ``drive`` criterion), or the
    lowest-scoring ``fraction`` of all pairs (one global threshold over every array). Returns
    the threshold and the counts."""
    if (fraction is None) == (threshold is None):
        raise ValueError("give exactly one of fraction or threshold")
    if fraction is not None:
        mags = magnitudes(net, activity)
        k = int(round(fraction * mags.numel()))
        threshold = float(mags.sort().values[k - 1]) if k > 0 else -1.0
    total = removed = 0
    per: dict[str, float] = {}
    for j, (name, syn) in enumerate(net.arrays()):
        w = scores(syn, activity[j] if activity is not None else None)
        drop = (w <= threshold) & (syn.mask > 0)
        syn.mask[drop] = 0.0
        syn.project()
        total += syn.mask.numel()
        removed += int((syn.mask == 0).sum())
        per[name] = float((syn.mask == 0).float().mean())
    return {"threshold_S": float(threshold), "pruned": removed, "total": total,
            "fraction": removed / max(total, 1), "per_array": per}


def restore(net: Any, masks: Sequence[torch.Tensor]) -> None:
    for (_, syn), m in zip(net.arrays(), masks):
        syn.mask.copy_(m)


@torch.no_grad()
def sweep(net: Any, evaluate: Callable[[], dict[str, float]], fractions: Sequence[float], *,
          activity: Sequence[torch.Tensor] | None = None) -> list[dict[str, Any]]:
    """Accuracy (whatever ``evaluate()`` returns) after pruning each fraction (no retraining;
    ``activity``: the ``drive`` criterion); the network's masks and weights are restored
    afterwards."""
    masks = [syn.mask.clone() for _, syn in net.arrays()]
    thetas = [syn.theta.detach().clone() for _, syn in net.arrays()]
    rows = []
    for f in fractions:
        restore(net, masks)
        for (_, syn), th in zip(net.arrays(), thetas):
            syn.theta.copy_(th)
        info = prune(net, fraction=f, activity=activity) if f > 0 else {"fraction": float(sum((m == 0).sum() for m in masks) /
                                                                       sum(m.numel() for m in masks))}
        rows.append({"target": f, "pruned_fraction": info["fraction"], **evaluate()})
    restore(net, masks)
    for (_, syn), th in zip(net.arrays(), thetas):
        syn.theta.copy_(th)
    return rows
