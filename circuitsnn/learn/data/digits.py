"""scikit-learn's 8x8 digits (1,797 images, shipped inside the scikit-learn wheel: nothing is
downloaded).

Fixed splits (the same as the "Device-constrained digits" study in the project notes):

* test: 20 % stratified, ``sklearn.model_selection.train_test_split(..., test_size=0.2,
  stratify=y, random_state=0)`` — 360 images;
* validation: 20 % of the rest, stratified, the same call with ``random_state=0`` — 288 images;
* train: the remaining 1,149 images.

Pixels (0..16) are divided by 16, so ``x`` is in ``[0, 1]``, shape ``(N, 64)``.
"""

from __future__ import annotations

import numpy as np

from .base import Dataset, Splits

SPLIT_SEED = 0
TEST_FRACTION = 0.2
VAL_FRACTION = 0.2


def load_digits(*, val_fraction: float = VAL_FRACTION, seed: int = SPLIT_SEED, limit_train: int | None = None) -> Splits:
    """The digits splits described in the module docstring (``seed`` and ``val_fraction``
    change only the validation split; the test split is always the documented one).
    ``limit_train`` keeps the first ``n`` training images (quick runs; stated in ``info``)."""
    from sklearn.datasets import load_digits as _load
    from sklearn.model_selection import train_test_split

    d = _load()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED)
    train, val = train_test_split(rest, test_size=val_fraction, stratify=y[rest], random_state=seed)
    if limit_train is not None:
        train = np.sort(train)[:limit_train]
    classes = tuple(str(c) for c in range(10))
    mk = lambda name, i: Dataset(name, x[np.sort(i)], y[np.sort(i)], "intensity", (8, 8), classes)  # noqa: E731
    info = {"dataset": "digits", "source": "sklearn.datasets.load_digits", "scale": "pixel / 16",
            "split": f"test 20 % stratified (random_state={SPLIT_SEED}); validation {val_fraction:g} of the rest "
                     f"stratified (random_state={seed})" + (f"; training limited to {limit_train}" if limit_train else "")}
    return Splits(mk("digits/train", train), mk("digits/val", val), mk("digits/test", test), info)
