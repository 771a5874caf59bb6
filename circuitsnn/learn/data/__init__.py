"""Data sets for the learners, in memory, with fixed documented splits; nothing is downloaded
at run time.

* :func:`load_digits` — scikit-learn's 8x8 digits (360 test / 288 validation / 1,149 train);
* :func:`load_fashion_mnist` — Fashion-MNIST from the Debian package ``dataset-fashion-mnist``
  (``/usr/share/datasets/fashion-mnist``; 10,000 test / 6,000 validation / 54,000 train);
* :func:`load_idx_folder` — any folder of MNIST-format (IDX) files the user names;
* :func:`load_randman` — Zenke & Vogels' random-manifold spike-timing task, generated.

:func:`load` picks one by name (what the TOML ``[data]`` section calls). Every loader returns
:class:`Splits` of :class:`Dataset` (``x`` float32 in ``[0, 1]``, ``y`` int64, ``kind``
``"intensity"`` or ``"times"``); encoders (:mod:`circuitsnn.learn.encode`) turn ``x`` into
input pulses.
"""

from __future__ import annotations

import re

from typing import Any

from ...errors import ValidationError
from .base import Dataset, Splits, stratified_split
from .digits import load_digits
from .idx import FASHION_MNIST_DIR, load_fashion_mnist, load_idx_folder, read_idx, write_idx
from .randman import load_randman, make_randman

#: name -> loader, for ``[data] name = ...``
LOADERS = {
    "digits": load_digits,
    "fashion_mnist": load_fashion_mnist,
    "idx": load_idx_folder,
    "randman": load_randman,
}


#: ``[data]`` keys that say how a trainer uses the splits, not how a loader makes them
TRAINING_KEYS = ("refit", "augment_shift")


def from_section(section: dict[str, Any]) -> Splits:
    """The splits a config's ``[data]`` section names (its loader keys; :data:`TRAINING_KEYS`
    are the trainer's). What the trainer and deployment both call, so a saved model's test
    split is the one it was evaluated on."""
    options = {k: v for k, v in section.items() if k != "name" and k not in TRAINING_KEYS and v is not None}
    return load(section["name"], **options)


def load(name: str, **options: Any) -> Splits:
    """The splits of data set ``name`` (one of :data:`LOADERS`) with loader ``options``
    (``idx`` needs ``folder``)."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValidationError(f"unknown data set {name!r}.", hint=f"Known: {', '.join(LOADERS)}.") from None
    try:
        return loader(**options)
    except TypeError as e:  # a key of the [data] schema that this data set's loader does not take
        m = re.search(r"unexpected keyword argument '(\w+)'", str(e))
        if not m:
            raise
        raise ValidationError(f"[data] {m.group(1)} does not apply to the {name!r} data set.",
                              hint="Remove it; see `circuitsnn train --help` for the keys of each data set.") from None


__all__ = ["Dataset", "Splits", "stratified_split", "load_digits", "load_fashion_mnist", "load_idx_folder",
           "read_idx", "write_idx", "load_randman", "make_randman", "FASHION_MNIST_DIR", "LOADERS", "load",
           "from_section", "TRAINING_KEYS"]
