"""The one Monte Carlo sampler (circuitsnn.sweep.variation): the reproducibility contract sweeps
rely on, per-field seeded sampling of any Params, and its errors. No simulator needed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import test_sweep_support  # noqa: F401  (registers the sweep_rc test component)
from circuitsnn.errors import ValidationError
from circuitsnn.params import Params, quantity
from circuitsnn.sweep import Mismatch, MonteCarloSampler, SweepSpec, sample_params
from circuitsnn.sweep.variation import continuous_fields


@dataclass(frozen=True, kw_only=True)
class PairParams(Params):
    """Two thresholds that must stay ordered (a cross-field check), an integer and a choice."""

    prefix: ClassVar[str] = "pair"
    lo: float = quantity(0.9, unit="V", doc="lower threshold", gt=0)
    hi: float = quantity(1.0, unit="V", doc="upper threshold", gt=0)
    bits: int = quantity(4, unit="1", doc="resolution", ge=1, integer=True)
    mode: str = quantity("a", unit="", doc="mode", choices=("a", "b"))
    offset: float = quantity(0.0, unit="V", doc="offset (may be zero or negative)")

    def check(self) -> None:
        if not self.lo < self.hi:
            self.fail("lo", f"= {self.lo:g} V is not below hi = {self.hi:g} V")


def test_unit_draws_follow_the_documented_contract():
    """Sample s: default_rng([seed, s]), one draw per field in sorted order. Stored sweeps are
    keyed by the values this gives, so it must never drift."""
    mc = MonteCarloSampler({"r": Mismatch(sigma=0.05), "c": Mismatch(dist="uniform", half_width=0.1)}, seed=7)
    rng = np.random.default_rng([7, 3])
    c_z = rng.uniform(-1.0, 1.0)  # "c" sorts before "r"
    r_z = rng.standard_normal()
    assert mc.unit_draws(3) == {"c": c_z, "r": r_z}
    assert mc.values({"r": 1e3, "c": 1e-9}, 3) == {"c": 1e-9 * (1 + 0.1 * c_z), "r": 1e3 * (1 + 0.05 * r_z)}


def test_the_sweep_plan_draws_with_the_same_sampler():
    spec = SweepSpec(
        component="sweep_rc", testbench="pulses",
        montecarlo={"n": 4, "seed": 11, "mismatch": {"r": {"sigma": 0.1}, "c": {"dist": "lognormal", "sigma": 0.2}}},
    )
    plan = spec.plan()
    mc = MonteCarloSampler({"r": Mismatch(sigma=0.1), "c": Mismatch(dist="lognormal", sigma=0.2)}, seed=11)
    for pt in plan.points():
        assert pt.mc == mc.values({"r": 1e3, "c": 1e-9}, pt.sample)
        assert pt.params["c"] == pytest.approx(1e-9 * math.exp(0.2 * mc.unit_draws(pt.sample)["c"]))


def test_sample_params_per_field_sigma_is_seeded_and_has_the_asked_spread():
    p = PairParams()
    a = sample_params(p, {"lo": 0.01, "hi": 0.02}, n=400, seed=3)
    assert a == sample_params(p, {"lo": 0.01, "hi": 0.02}, n=400, seed=3)
    assert a != sample_params(p, {"lo": 0.01, "hi": 0.02}, n=400, seed=4)
    assert a[:10] == sample_params(p, {"lo": 0.01, "hi": 0.02}, n=10, seed=3)  # more samples: same first ones
    lo = np.array([x.lo for x in a]) / 0.9 - 1
    hi = np.array([x.hi for x in a]) / 1.0 - 1
    assert 0.008 < lo.std() < 0.012 and 0.016 < hi.std() < 0.024
    assert all(x.bits == 4 and x.mode == "a" for x in a)


def test_rejected_draws_are_redrawn_not_dropped():
    # lo and hi 10 % apart with 20 % spread: many draws break lo < hi, every sample still comes back valid
    samples = sample_params(PairParams(), 0.2, n=50, seed=0, fields=["lo", "hi"])
    assert len(samples) == 50 and all(s.lo < s.hi for s in samples)
    assert len({s.lo for s in samples}) == 50


def test_lognormal_stays_positive_and_uniform_stays_within_its_width():
    ln = sample_params(PairParams(lo=0.5), 1.5, n=200, seed=1, fields=["lo"], dist="lognormal")
    assert min(s.lo for s in ln) > 0
    un = sample_params(PairParams(), 0.05, n=200, seed=1, fields=["hi"], dist="uniform")
    hi = np.array([s.hi for s in un])
    assert np.all(np.abs(hi - 1.0) <= 0.05) and np.ptp(hi) > 0.08


def test_default_fields_are_the_positive_continuous_ones():
    assert continuous_fields(PairParams()) == ["lo", "hi"]
    assert continuous_fields(PairParams) == ["lo", "hi"]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(sigma={"bits": 0.1}), "integer"),
        (dict(sigma={"mode": 0.1}), "a choice"),
        (dict(sigma={"nope": 0.1}), "no parameter 'nope'"),
        (dict(sigma=-0.1, fields=["lo"]), "must be > 0"),
        (dict(sigma=0.1, fields=["lo"], dist="cauchy"), "unknown distribution"),
        (dict(sigma=0.1, fields=["lo"], n=0), "n (number of samples)"),
    ],
)
def test_bad_requests_are_named(kwargs, words):
    kwargs = {"n": 3, **kwargs}
    with pytest.raises(ValidationError) as info:
        sample_params(PairParams(), **kwargs)
    assert words in str(info.value)


@dataclass(frozen=True, kw_only=True)
class PinnedParams(Params):
    """A field whose cross-field check accepts only its nominal value."""

    x: float = quantity(1.0, unit="V", doc="pinned", gt=0)

    def check(self) -> None:
        if self.x != 1.0:
            self.fail("x", "must stay 1 V")


def test_a_sample_the_params_never_accept_says_so():
    mc = MonteCarloSampler({"x": Mismatch(sigma=0.01)}, seed=0)
    with pytest.raises(ValidationError, match="10 draws of PinnedParams were all rejected.*must stay 1 V"):
        mc.params(PinnedParams(), 0)
