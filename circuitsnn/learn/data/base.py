"""What every data set of the learners is: tensors in memory with fixed, documented splits.

A :class:`Dataset` holds ``x`` and ``y`` as torch tensors. ``x`` is one of two kinds, named by
``Dataset.kind``:

* ``"intensity"`` — static features in ``[0, 1]`` of shape ``(N, F)`` (pixels divided by their
  maximum); an encoder (:mod:`circuitsnn.learn.encode`) turns them into input pulses;
* ``"times"`` — spike times as fractions of the presentation time in ``[0, 1)``, shape
  ``(N, F)`` (one spike per input) or ``(N, F, K)`` (``K`` spikes per input, e.g. Randman with
  ``nb_spikes > 1``); the ``times`` encoder places them on the time grid.

:class:`Splits` bundles ``train``, ``val`` and ``test`` with a description of how they were
made (``info``). Every loader's split is fixed by its documented seed, so a figure can name it.
Hyperparameters are chosen on ``val``; ``test`` is for the final figure only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np
import torch

KINDS = ("intensity", "times")


@dataclass
class Dataset:
    """``x`` (float32) and integer labels ``y`` (int64) of one split.

    ``shape`` is the shape of one sample's features as an image (``(8, 8)`` for digits), for
    plots; ``classes`` the class names in label order.
    """

    name: str
    x: torch.Tensor
    y: torch.Tensor
    kind: str = "intensity"
    shape: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"dataset kind must be one of {KINDS}, got {self.kind!r}")
        self.x = torch.as_tensor(self.x, dtype=torch.float32)
        self.y = torch.as_tensor(self.y, dtype=torch.int64)
        if len(self.x) != len(self.y):
            raise ValueError(f"{self.name}: {len(self.x)} samples but {len(self.y)} labels")
        if not self.shape:
            self.shape = tuple(self.x.shape[1:])

    def __len__(self) -> int:
        return len(self.y)

    @property
    def n_features(self) -> int:
        """Number of inputs (rows of the first synapse array)."""
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes else int(self.y.max()) + 1

    def subset(self, index: Sequence[int] | torch.Tensor, name: str | None = None) -> "Dataset":
        idx = torch.as_tensor(index, dtype=torch.int64)
        return Dataset(name or self.name, self.x[idx], self.y[idx], self.kind, self.shape, self.classes)

    def batches(self, batch_size: int, *, shuffle: bool = False, generator: torch.Generator | None = None,
                drop_last: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """``(x, y)`` mini-batches; ``shuffle`` draws the order from ``generator`` (seeded by the
        caller, so an epoch's order is reproducible)."""
        n = len(self)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            idx = order[start:start + batch_size]
            yield self.x[idx], self.y[idx]


@dataclass
class Splits:
    """The three fixed splits of a data set and how they were made."""

    train: Dataset
    val: Dataset
    test: Dataset
    info: dict[str, Any] = field(default_factory=dict)

    def __iter__(self):
        return iter((self.train, self.val, self.test))

    def describe(self) -> dict[str, Any]:
        return {**self.info, "train": len(self.train), "val": len(self.val), "test": len(self.test),
                "features": self.train.n_features, "classes": self.train.n_classes, "kind": self.train.kind}


def stratified_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held)`` with ``held`` about ``fraction`` of every class, drawn with
    ``numpy.random.default_rng(seed)``; both sorted. Deterministic on every machine."""
    if not 0 < fraction < 1:
        raise ValueError(f"split fraction must be in (0, 1), got {fraction!r}")
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    held: list[np.ndarray] = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = int(round(fraction * len(idx)))
        held.append(rng.permutation(idx)[:k])
    h = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(len(y)), h)
    return keep, h
