"""Data loaders and encoders of the learners: fixed splits, the IDX reader, Randman, pulses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.learn import encode
from circuitsnn.learn.data import FASHION_MNIST_DIR, load, load_digits, load_idx_folder, load_randman, read_idx, write_idx


def test_digits_splits_are_fixed_and_disjoint():
    s = load_digits()
    assert (len(s.train), len(s.val), len(s.test)) == (1149, 288, 360)
    assert s.train.x.shape[1] == 64 and float(s.train.x.max()) == 1.0 and float(s.train.x.min()) == 0.0
    again = load_digits()
    assert torch.equal(s.test.x, again.test.x) and torch.equal(s.val.y, again.val.y)
    rows = lambda d: {tuple(r) for r in d.x.numpy().round(4).tolist()}  # noqa: E731
    # the digits data has a few duplicate images; the splits share (almost) no rows
    assert len(rows(s.test) & rows(s.train)) <= 5
    # stratified: every class in every split in about the same proportion
    for d in s:
        counts = torch.bincount(d.y, minlength=10).float()
        assert counts.min() / counts.max() > 0.9


def test_idx_roundtrip_and_folder_loader(tmp_path):
    rng = np.random.default_rng(0)
    for part, n in (("train", 50), ("t10k", 20)):
        write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 4, 3)))
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte", np.arange(n) % 5)
    a = read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    assert a.shape == (50, 4, 3) and a.dtype == np.uint8
    s = load_idx_folder(tmp_path, val_fraction=0.2)
    assert (len(s.train), len(s.val), len(s.test)) == (40, 10, 20)
    assert s.train.shape == (4, 3) and s.train.n_features == 12 and float(s.train.x.max()) <= 1.0
    assert torch.bincount(s.val.y).tolist() == [2] * 5


def test_idx_errors_name_the_problem(tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        load_idx_folder(tmp_path / "nope")
    with pytest.raises(ValidationError, match="train-images-idx3-ubyte"):
        load_idx_folder(tmp_path)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03")
    with pytest.raises(ValidationError, match="not an IDX file"):
        read_idx(tmp_path / "bad")


@pytest.mark.skipif(not FASHION_MNIST_DIR.exists(), reason="dataset-fashion-mnist not installed (make system)")
def test_fashion_mnist_from_the_debian_package():
    s = load("fashion_mnist")
    assert (len(s.train), len(s.val), len(s.test)) == (54000, 6000, 10000)
    assert s.train.n_features == 784 and s.train.classes[0] == "T-shirt/top"


def test_randman_is_seeded_and_timed():
    a = load_randman(nb_classes=3, nb_units=20, nb_samples=30, seed=1)
    b = load_randman(nb_classes=3, nb_units=20, nb_samples=30, seed=1)
    assert a.train.kind == "times" and torch.equal(a.train.x, b.train.x)
    assert (len(a.train), len(a.val), len(a.test)) == (72, 9, 9)
    assert float(a.train.x.min()) >= 0 and float(a.train.x.max()) < 1
    c = load_randman(nb_classes=3, nb_units=20, nb_samples=30, seed=2)
    assert not torch.equal(a.train.x, c.train.x)
    k = load_randman(nb_classes=2, nb_units=5, nb_samples=10, nb_spikes=3)
    assert k.train.x.shape[1:] == (5, 3)


def test_poisson_rate_and_determinism():
    x = torch.full((200, 10), 0.5)
    g = torch.Generator().manual_seed(3)
    s = encode.poisson(x, 100, 1e-4, 2000.0, generator=g)  # p = 0.1 per step
    assert s.shape == (100, 200, 10) and set(s.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(s.mean()) - 0.1) < 0.005
    again = encode.poisson(x, 100, 1e-4, 2000.0, generator=torch.Generator().manual_seed(3))
    assert torch.equal(s, again)


def test_counter_rng_pulses_are_bernoulli_reproducible_and_independent():
    """The counter-based Poisson draws: the rate per input, the same pulses for the same seed,
    new ones per batch, no correlation between neighbouring inputs, steps or batches, and the
    compiled loop draws exactly what the eager hash does."""
    p = torch.tensor([0.0, 0.01, 0.1, 1 / 3, 0.9, 1.0]).repeat(2000, 1)  # (2000, 6)
    x = p / 0.25  # max_rate 2500 Hz x dt 1e-4 s = 0.25: x > 1 clamps to p = 1
    g = torch.Generator().manual_seed(3)
    s = encode.poisson(x.clamp(max=1), 50, 1e-4, 2500.0, generator=g, rng="counter")
    assert s.shape == (50, 2000, 6) and set(s.unique().tolist()) <= {0.0, 1.0}
    want = torch.clamp(x.clamp(max=1)[0] * 0.25, max=1)
    rate = s.mean((0, 1))
    n = 50 * 2000
    assert torch.all((rate - want).abs() <= 5 * (want * (1 - want) / n).sqrt() + 1e-9), (rate, want)
    again = encode.poisson(x.clamp(max=1), 50, 1e-4, 2500.0, generator=torch.Generator().manual_seed(3), rng="counter")
    assert torch.equal(s, again)
    nxt = encode.poisson(x.clamp(max=1), 50, 1e-4, 2500.0, generator=g, rng="counter")
    assert not torch.equal(s, nxt)
    half = torch.full((400, 500), 0.5)
    a = encode.poisson(half, 20, 1e-4, 5000.0, generator=g, rng="counter")  # p = 0.5: correlations are largest
    b = encode.poisson(half, 20, 1e-4, 5000.0, generator=g, rng="counter")
    corr = lambda u, v: float(torch.corrcoef(torch.stack([u.flatten(), v.flatten()]))[0, 1])  # noqa: E731
    bound = 5 / (a.numel() ** 0.5)
    assert abs(corr(a[..., :-1], a[..., 1:])) < bound  # neighbouring inputs
    assert abs(corr(a[:-1], a[1:])) < bound  # successive steps
    assert abs(corr(a, b)) < bound  # successive batches
    key = torch.tensor([12345, 4000000000])
    assert torch.equal(encode.counter_pulses(half, 20, key), encode._counter_pulses_fast(half, 20, key))
    with pytest.raises(ValidationError, match="rng"):
        encode.Encoder("poisson", rng="xorshift")


def test_latency_direct_and_times():
    x = torch.tensor([[1.0, 0.5, 0.0]])
    lat = encode.latency(x, 11, 1e-3)  # t_max = 10 ms
    assert lat.sum(0).tolist() == [[1.0, 1.0, 0.0]]
    assert lat[:, 0, 0].argmax() == 0 and lat[:, 0, 1].argmax() == 5
    rc = encode.latency(x, 50, 1e-4, tau=1e-3, threshold=0.2)  # t = tau ln(x/(x-0.2))
    assert int(rc[:, 0, 0].argmax()) == int(np.floor(1e-3 * np.log(1 / 0.8) / 1e-4))
    d = encode.direct(x, 4)
    assert d.shape == (4, 1, 3) and torch.equal(d[3], x)
    t = encode.times(torch.tensor([[0.0, 0.55]]), 10)
    assert t[0, 0, 0] == 1 and t[5, 0, 1] == 1 and t.sum() == 2


def test_encoder_checks_fit_of_data_and_step():
    with pytest.raises(ValidationError, match="one pulse per step"):
        encode.Encoder("poisson", max_rate=20e3).check("intensity", 1e-4)
    with pytest.raises(ValidationError, match="does not fit"):
        encode.Encoder("poisson").check("times", 1e-4)
    with pytest.raises(ValidationError, match="unknown encoding"):
        encode.Encoder("morse")
    assert encode.Encoder("direct").binary is False
