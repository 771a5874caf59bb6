"""MNIST-format (IDX) image folders: Fashion-MNIST from the Debian package
``dataset-fashion-mnist``, or any folder holding MNIST-style files the user names.

A folder is read when it holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally gzipped (``.gz``);
the dotted spelling ``train-images.idx3-ubyte`` works too. Nothing is downloaded.

Fixed splits: the files' own test set (10,000 images for MNIST and Fashion-MNIST) is the test
split; the validation split is ``val_fraction`` (default 10 %: 6,000 images) of the training
file, stratified by class with ``numpy.random.default_rng(seed)`` (seed 0); the rest trains.
Pixels are divided by 255: ``x`` in ``[0, 1]``, shape ``(N, rows * cols)``.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from ...errors import ValidationError
from .base import Dataset, Splits, stratified_split

#: where the Debian package ``dataset-fashion-mnist`` installs the files
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """One IDX file (gzipped or not) as a numpy array of its declared type and shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ValidationError(f"cannot read the IDX file {str(path)!r}: {exc}.") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValidationError(f"{str(path)!r} is not an IDX file (bad magic number {data[:4].hex() or 'empty'}).",
                              hint="IDX files start with two zero bytes, a type code and the number of dimensions.")
    ndim = data[3]
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=_DTYPES[data[2]], offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValidationError(f"{str(path)!r} is truncated: {arr.size} values for shape {dims}.")
    return arr.reshape(dims)


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem.replace("-idx", ".idx")):
        for suffix in ("", ".gz"):
            p = folder / f"{name}{suffix}"
            if p.exists():
                return p
    raise ValidationError(
        f"the folder {str(folder)!r} has no {stem}[.gz].",
        hint="Name a folder with the four MNIST-format files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz). Fashion-MNIST: "
        "apt-get install dataset-fashion-mnist (or `make system`).")


def load_idx_folder(folder: str | Path, *, name: str | None = None, val_fraction: float = 0.1, seed: int = 0,
                    classes: tuple[str, ...] = (), limit_train: int | None = None) -> Splits:
    """The splits of an MNIST-format folder (module docstring). ``limit_train`` keeps the first
    ``n`` training images of the stratified remainder (quick runs; stated in ``info``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError(f"the IDX folder {str(folder)!r} does not exist.",
                              hint="For Fashion-MNIST: apt-get install dataset-fashion-mnist (or `make system`).")
    name = name or folder.name
    xs, ys = {}, {}
    for part in ("train", "t10k"):
        img = read_idx(_find(folder, f"{part}-images-idx3-ubyte"))
        lab = read_idx(_find(folder, f"{part}-labels-idx1-ubyte"))
        if len(img) != len(lab):
            raise ValidationError(f"{folder}: {len(img)} {part} images but {len(lab)} labels.")
        xs[part] = (img.reshape(len(img), -1).astype(np.float32) / 255.0)
        ys[part] = lab.astype(np.int64)
    shape = tuple(int(s) for s in read_idx(_find(folder, "t10k-images-idx3-ubyte")).shape[1:])
    train, val = stratified_split(ys["train"], val_fraction, seed)
    if limit_train is not None:
        train = train[:limit_train]
    n_cls = int(max(ys["train"].max(), ys["t10k"].max())) + 1
    classes = classes or tuple(str(c) for c in range(n_cls))
    info = {"dataset": name, "source": str(folder), "scale": "pixel / 255",
            "split": f"test: the t10k files; validation {val_fraction:g} of the training file stratified "
                     f"(numpy default_rng({seed}))" + (f"; training limited to {limit_train}" if limit_train else "")}
    return Splits(
        Dataset(f"{name}/train", xs["train"][train], ys["train"][train], "intensity", shape, classes),
        Dataset(f"{name}/val", xs["train"][val], ys["train"][val], "intensity", shape, classes),
        Dataset(f"{name}/test", xs["t10k"], ys["t10k"], "intensity", shape, classes),
        info,
    )


def load_fashion_mnist(folder: str | Path = FASHION_MNIST_DIR, **kw) -> Splits:
    """Fashion-MNIST (60,000 + 10,000 28x28 images) from the Debian package's folder."""
    return load_idx_folder(folder, name="fashion-mnist", classes=FASHION_CLASSES, **kw)


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write ``array`` (uint8) as an IDX file (gzipped when the name ends in ``.gz``): tests and
    users who want their own data in the MNIST format."""
    path = Path(path)
    a = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + a.tobytes())
    return path
