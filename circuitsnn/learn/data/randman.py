"""Randman: random manifold spike-timing data (Zenke & Vogels, Neural Computation 33, 2021;
their ``randman`` generator, re-written vectorized with numpy; nothing is downloaded).

Each class ``k`` is a smooth random manifold of dimension ``dim_manifold`` embedded in
``nb_units`` dimensions. Embedding coordinate ``u`` is a product over the manifold's dimensions
``d`` of one-dimensional random functions::

    f_ud(x) = sum_{i < n_f} a_udi / ((i + 1)^alpha + beta) * sin(2 pi (i x b_udi + c_udi))

with ``a, b, c`` uniform in [0, 1) (``a_ud0 = 0`` unless ``use_bias``) and ``n_f`` =
``min(ceil(prec^(-1/alpha)), max_f_cutoff)`` terms; ``alpha`` sets the smoothness. A sample is a
uniform point ``x`` on the manifold; its coordinates, min-max standardized per unit over the
class's samples, are each unit's spike time as a fraction of ``step_frac`` of the presentation.
With ``nb_spikes > 1`` each unit fires once per independent sub-manifold. Nothing a static
(rate) code can see separates the classes: only spike timing does.

Fixed splits: samples are drawn per class with ``numpy.random.default_rng(seed)``; the data set
is shuffled with the same generator, and the first 80 % train, the next 10 % validate, the
last 10 % test.
"""

from __future__ import annotations

import math

import numpy as np

from .base import Dataset, Splits


def _manifold_params(rng: np.random.Generator, nb_units: int, dim: int, n_f: int, use_bias: bool) -> np.ndarray:
    p = rng.random((nb_units, dim, 3, n_f))
    if not use_bias:
        p[:, :, 0, 0] = 0.0
    return p


def _eval_manifold(x: np.ndarray, p: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Embedding ``(N, units)`` of manifold points ``x`` ``(N, dim)``."""
    n_f = p.shape[-1]
    i = np.arange(n_f)
    spect = 1.0 / ((i + 1.0) ** alpha + beta)
    # (N, units, dim, n_f)
    arg = 2 * np.pi * (i * x[:, None, :, None] * p[None, :, :, 1, :] + p[None, :, :, 2, :])
    f = np.sum(p[None, :, :, 0, :] * spect * np.sin(arg), axis=-1)
    return np.prod(f, axis=-1)


def _standardize(y: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    lo, hi = y.min(axis=0), y.max(axis=0)
    return (y - lo) / (hi - lo + eps)


def make_randman(*, nb_classes: int = 10, nb_units: int = 100, dim_manifold: int = 2, nb_spikes: int = 1,
                 nb_samples: int = 1000, alpha: float = 2.0, beta: float = 0.0, prec: float = 1e-3,
                 max_f_cutoff: int = 1000, step_frac: float = 1.0, use_bias: bool = False,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spike times ``(nb_classes * nb_samples, nb_units[, nb_spikes])`` as fractions of the
    presentation in ``[0, step_frac]``, and labels, shuffled (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_f = int(min(math.ceil(prec ** (-1.0 / alpha)), max_f_cutoff))
    times, labels = [], []
    for k in range(nb_classes):
        x = rng.random((nb_samples, dim_manifold))
        per_spike = []
        for _ in range(nb_spikes):
            p = _manifold_params(rng, nb_units, dim_manifold, n_f, use_bias)
            per_spike.append(_standardize(_eval_manifold(x, p, alpha, beta)))
        times.append(np.stack(per_spike, axis=-1))
        labels.append(np.full(nb_samples, k, dtype=np.int64))
    t = np.concatenate(times) * step_frac * (1 - 1e-6)  # inside [0, step_frac)
    y = np.concatenate(labels)
    order = rng.permutation(len(y))
    t, y = t[order], y[order]
    if nb_spikes == 1:
        t = t[..., 0]
    return t.astype(np.float32), y


def load_randman(*, train_fraction: float = 0.8, val_fraction: float = 0.1, **kw) -> Splits:
    """Randman splits: ``kind="times"`` data (module docstring); keywords go to
    :func:`make_randman`."""
    t, y = make_randman(**kw)
    n = len(y)
    a, b = int(round(train_fraction * n)), int(round((train_fraction + val_fraction) * n))
    classes = tuple(str(c) for c in range(int(y.max()) + 1))
    args = {k: v for k, v in sorted(kw.items())}
    info = {"dataset": "randman", "source": "generated (Zenke & Vogels 2021 randman)", "generator": args,
            "split": f"shuffled (seed {kw.get('seed', 0)}), first {train_fraction:g} train, next {val_fraction:g} "
                     "validation, rest test"}
    mk = lambda name, s: Dataset(name, t[s], y[s], "times", (t.shape[1],), classes)  # noqa: E731
    return Splits(mk("randman/train", slice(0, a)), mk("randman/val", slice(a, b)), mk("randman/test", slice(b, n)),
                  info)
