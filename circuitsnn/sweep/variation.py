"""Monte Carlo mismatch: seeded, per-field random variation of a component's Params.

The one Monte Carlo sampler of circuitsnn: sweeps use it for ``[montecarlo]``, and any other
code (surrogate fits of device-to-device variation, learners drawing device instances) can
sample a component's parameters with it::

    from circuitsnn.sweep.variation import Mismatch, MonteCarloSampler, sample_params

    devices = sample_params(params, 0.05, n=20, seed=1)              # 5 % Gaussian on every
                                                                     # positive continuous field
    devices = sample_params(params, {"r": 0.03, "c": 0.05}, n=20, seed=1, dist="lognormal")
    mc = MonteCarloSampler({"c": Mismatch(sigma=0.05)}, seed=1)
    mc.values({"c": 1e-12}, sample=3)                                # {'c': 1.0...e-12}

A :class:`Mismatch` is Gaussian (``sigma``), log-normal (``sigma`` of the logarithm: always
positive, ``value * exp(sigma * z)``) or uniform (``half_width``); ``relative`` (default) means
a fraction of the nominal value, otherwise base SI units of the field (log-normal is always
relative).

Reproducibility contract: sample ``s`` draws one unit number per field from
``numpy.random.default_rng([seed, s])``, in sorted field order (a standard normal, or uniform on
[-1, 1]). So a sample is the same "die" whatever the nominal values (every grid point and
corner of a sweep), adding samples never changes earlier ones, and the same seed gives the same
values on any machine. A draw the Params class rejects (a cross-field check) is redrawn from
``default_rng([seed, s, attempt])``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

import numpy as np

from ..errors import ValidationError
from ..params import Params

DISTRIBUTIONS = ("gauss", "lognormal", "uniform")
#: how often :meth:`MonteCarloSampler.params` redraws a sample its Params class rejects
MAX_ATTEMPTS = 10


class MismatchError(ValidationError):
    """A bad :class:`Mismatch`; ``key`` names the offending key (``"sigma"``, ``"dist"``, ...)
    or is empty when the mismatch as a whole is wrong."""

    def __init__(self, message: str, *, key: str = "", hint: str = "") -> None:
        self.key = key
        super().__init__(message, hint=hint)


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    """Mismatch of one parameter: Gaussian with standard deviation ``sigma``, log-normal with
    ``sigma`` of the logarithm, or uniform on ``±half_width``; ``relative`` (default) means a
    fraction of the point's value, otherwise base SI units of the parameter."""

    sigma: float | None = None
    half_width: float | None = None
    dist: str = "gauss"
    relative: bool = True

    KEYS = ("sigma", "half_width", "dist", "relative")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Mismatch":
        """From the TOML form ``{ sigma = 0.05 }`` / ``{ dist = "uniform", half_width = 0.1 }``."""
        for k in d:
            if k not in cls.KEYS:
                raise MismatchError(f"unknown key {k!r}.", key=str(k), hint=f"A mismatch takes: {', '.join(cls.KEYS)}.")
        return cls(**d)

    @property
    def spread_key(self) -> str:
        return "half_width" if self.dist == "uniform" else "sigma"

    @property
    def spread(self) -> float:
        return float(getattr(self, self.spread_key))

    def checked(self) -> "Mismatch":
        """This mismatch with its spread as a float; :class:`MismatchError` when it is wrong.
        The spread may be SPICE number text ("5m")."""
        from ..units import parse_value

        if self.dist not in DISTRIBUTIONS:
            raise MismatchError(
                f"unknown distribution {self.dist!r}.", key="dist",
                hint="Use \"gauss\" or \"lognormal\" (with sigma) or \"uniform\" (with half_width).",
            )
        key = self.spread_key
        other = "sigma" if key == "half_width" else "half_width"
        spread = getattr(self, key)
        if spread is None or getattr(self, other) is not None:
            raise MismatchError(
                f"a {self.dist} mismatch needs {key} (and not {other}).",
                hint="Gaussian: { sigma = 0.05 }; uniform: { dist = \"uniform\", half_width = 0.1 }.",
            )
        if isinstance(spread, str):
            try:
                spread = parse_value(spread, key)
            except ValidationError as exc:
                raise MismatchError(exc.message, key=key, hint=exc.hint or "e.g. sigma = 0.05 (5 %).") from None
        if isinstance(spread, bool) or not isinstance(spread, (int, float, np.integer, np.floating)):
            raise MismatchError(f"expected a number, got {spread!r}.", key=key, hint="e.g. sigma = 0.05 (5 %).")
        spread = float(spread)
        if not (math.isfinite(spread) and spread > 0):
            raise MismatchError(f"must be > 0, got {spread!r}.", key=key)
        if not isinstance(self.relative, bool):
            raise MismatchError(f"must be true or false, got {self.relative!r}.", key="relative")
        if self.dist == "lognormal" and not self.relative:
            raise MismatchError(
                "a lognormal mismatch is relative (value * exp(sigma * z)).", key="relative",
                hint="Remove relative = false, or use dist = \"gauss\" for an absolute spread.",
            )
        return replace(self, **{key: spread})

    def unit_draw(self, rng: np.random.Generator) -> float:
        """One unit draw z: standard normal (gauss, lognormal) or uniform on [-1, 1]."""
        return float(rng.uniform(-1.0, 1.0)) if self.dist == "uniform" else float(rng.standard_normal())

    def apply(self, nominal: float, z: float) -> float:
        """The value of a sample with unit draw ``z`` around ``nominal``."""
        spread = self.spread
        if self.dist == "lognormal":
            return nominal * math.exp(spread * z)
        return nominal * (1.0 + spread * z) if self.relative else nominal + spread * z


@dataclass(frozen=True, kw_only=True)
class MonteCarlo:
    """``n`` mismatch samples, reproducible from ``seed``. ``pdk`` turns on the statistical
    switches of the component's technology in each sample (``"mismatch"``: per-device mismatch,
    ``"global"``: die-to-die variation, ``"both"``), with ngspice's ``.options seed`` drawn from
    ``[seed, sample]`` (:func:`pdk_seed`)."""

    n: int
    seed: int = 0
    mismatch: Mapping[str, Mismatch | Mapping[str, Any]] = field(default_factory=dict)
    pdk: str | None = None


#: values of ``[montecarlo] pdk``: which of the technology's statistical switches each sample turns on
PDK_STATISTICS = {"mismatch": (True, False), "global": (False, True), "both": (True, True)}


def pdk_seed(seed: int, sample: int) -> int:
    """ngspice's ``.options seed`` for Monte Carlo sample ``sample`` of a sweep seeded ``seed``:
    reproducible, different per sample (1 .. 2^31 - 2)."""
    return int(np.random.default_rng([seed, sample, 0x5EED]).integers(1, 2**31 - 1))


@dataclass(frozen=True)
class MonteCarloSampler:
    """Seeded samples of mismatch on named fields (see the module's reproducibility contract).
    ``mismatch`` maps a field name to a checked :class:`Mismatch`."""

    mismatch: Mapping[str, Mismatch]
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValidationError(f"the Monte Carlo seed must be an integer >= 0, got {self.seed!r}.")
        checked = {}
        for name, m in dict(self.mismatch).items():
            if isinstance(m, Mapping):
                m = Mismatch.from_dict(m)
            checked[str(name)] = m.checked()
        object.__setattr__(self, "mismatch", checked)

    def unit_draws(self, sample: int, attempt: int = 0) -> dict[str, float]:
        """The unit draws (z) of sample ``sample``: standard normal or uniform on [-1, 1]."""
        rng = np.random.default_rng([self.seed, sample] if attempt == 0 else [self.seed, sample, attempt])
        return {name: self.mismatch[name].unit_draw(rng) for name in sorted(self.mismatch)}

    def apply(self, nominal: Mapping[str, float], draws: Mapping[str, float]) -> dict[str, float]:
        """The varied values for the unit ``draws`` around ``nominal`` (one value per field)."""
        return {name: self.mismatch[name].apply(float(nominal[name]), z) for name, z in draws.items()}

    def values(self, nominal: Mapping[str, float], sample: int, attempt: int = 0) -> dict[str, float]:
        """The varied values of sample ``sample`` around ``nominal``."""
        return self.apply(nominal, self.unit_draws(sample, attempt))

    def params(self, params: Params, sample: int) -> Params:
        """``params`` with sample ``sample`` applied; a draw the Params class rejects (range or
        cross-field check) is redrawn up to :data:`MAX_ATTEMPTS` times."""
        check_fields(params, self.mismatch)
        nominal = {name: getattr(params, name) for name in self.mismatch}
        last: ValidationError | None = None
        for attempt in range(MAX_ATTEMPTS):
            try:
                return params.replace(**self.values(nominal, sample, attempt))
            except ValidationError as exc:
                last = exc
        raise ValidationError(
            f"Monte Carlo sample {sample}: {MAX_ATTEMPTS} draws of {type(params).__name__} were all rejected "
            f"(last: {last.message if last else ''})",
            hint="Lower the spread, or vary fewer fields.",
        )

    def params_list(self, params: Params, n: int) -> list[Params]:
        """Samples 0 .. n-1 of ``params``."""
        return [self.params(params, s) for s in range(int(n))]


def continuous_fields(params: Params | type[Params]) -> list[str]:
    """Fields a Monte Carlo varies by default: strictly positive (``gt=0``), non-integer, float
    magnitudes (resistances, capacitances, rates, time constants, currents, areas)."""
    out = []
    for row in params.describe():
        meta = params.field_info(row["name"])
        value = getattr(params, row["name"]) if isinstance(params, Params) else row["default"]
        if meta.get("gt") == 0 and not meta.get("integer") and isinstance(value, float) and value > 0:
            out.append(row["name"])
    return out


def check_fields(params: Params | type[Params], names: Iterable[str]) -> None:
    """Mismatch applies to continuous fields of the Params class; name what is wrong."""
    cls = params if isinstance(params, type) else type(params)
    known = [r["name"] for r in cls.describe()]
    for name in names:
        meta = cls.field_info(name)
        if "unit" not in meta:
            raise ValidationError(f"{cls.__name__} has no parameter {name!r} to vary.", hint=f"Parameters: {', '.join(known)}.")
        if meta.get("choices") is not None or meta.get("integer"):
            raise ValidationError(
                f"{cls.__name__}.{name} is {'a choice' if meta.get('choices') is not None else 'an integer'}; "
                "mismatch needs a continuous parameter."
            )


def sample_params(
    params: Params,
    sigma: float | Mapping[str, float],
    *,
    n: int,
    seed: int = 0,
    fields: Iterable[str] | None = None,
    dist: str = "gauss",
) -> list[Params]:
    """``n`` seeded samples of ``params`` with relative spread ``sigma`` per field.

    ``sigma``: one relative spread for every field in ``fields`` (default
    :func:`continuous_fields`), or a mapping field -> spread (then ``fields`` is its keys).
    ``dist``: "gauss" (``value * (1 + sigma z)``), "lognormal" (``value * exp(sigma z)``, always
    positive) or "uniform" (``sigma`` is the relative half width).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"n (number of samples) must be an integer >= 1, got {n!r}.")
    if isinstance(sigma, Mapping):
        spreads = dict(sigma)
        if fields is not None and set(fields) != set(spreads):
            raise ValidationError("give fields= or a sigma per field, not both with different names.")
    else:
        names = list(fields) if fields is not None else continuous_fields(params)
        spreads = {name: sigma for name in names}
    if not spreads:
        raise ValidationError(f"{type(params).__name__}: no field to vary.", hint="Name the fields (fields=[...]).")
    key = "half_width" if dist == "uniform" else "sigma"
    try:
        sampler = MonteCarloSampler({k: Mismatch(dist=dist, **{key: v}) for k, v in spreads.items()}, seed)
    except MismatchError as exc:
        raise ValidationError(f"mismatch: {exc.message}", hint=exc.hint) from None
    return sampler.params_list(params, n)
