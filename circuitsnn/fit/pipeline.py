"""One call from a component name to a saved, validated surrogate: ``circuitsnn fit NAME``.

:func:`fit_component` simulates (or reuses cached simulations), fits, validates on held-out
stimuli, writes ``<out>/<name>.json`` (refusing a surrogate that misses its targets unless
``force``) and the PNG plots, and returns the :class:`~.outcome.SurrogateFit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from .data import SimData
from .core import FitToleranceError
from .outcome import SurrogateFit


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/circuitsnn/sim`` (default ``~/.cache/circuitsnn/sim``): simulation data
    reused across fits, outside the repository."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "circuitsnn" / "sim"


@dataclass
class FitRun:
    """What :func:`fit_component` produced."""

    fit: SurrogateFit
    model_path: Path | None
    plots: list[Path] = field(default_factory=list)
    sim_seconds: float = 0.0
    sim_runs: int = 0
    cache_hits: int = 0
    refused: str = ""


def fit_device(component, params=None, data: SimData | None = None) -> SurrogateFit:
    """Fit the surrogate of a synapse component with its own ``fitter`` entry point."""
    fitter = component.resolve("fitter")
    if fitter is None:
        raise ValidationError(
            f"component {component.name!r} declares no surrogate fitting procedure.",
            hint="Set Component.fitter to a function fitter(component, params, data) -> SurrogateFit "
            "(or 'module:function'); a law with one state and in/out ports can use "
            "'circuitsnn.fit.memristor:fit_memristor'.",
        )
    return fitter(component, params or component.default_params(), data or SimData())


def fit_component(
    name: str,
    out_dir: str | Path,
    *,
    params: Any = None,
    force: bool = False,
    cache_dir: str | Path | None = None,
    plots: bool = True,
    plots_dir: str | Path | None = None,
    quick: bool = False,
    backend: str = "batch",
    mc: int = 0,
    mc_sigma: float = 0.05,
    mc_fields: list[str] | None = None,
) -> FitRun:
    """Fit, validate and save the surrogate of component ``name`` (see the module docstring).

    ``cache_dir`` (default :func:`default_cache_dir`) keeps the simulation data, keyed by deck
    hash; plots go to ``plots_dir`` (default ``<out_dir>/plots``). ``mc`` > 0 (synapses) adds a
    Monte Carlo of that many devices (relative spread ``mc_sigma``) as ``extra["variation"]``. ``quick`` uses shorter held-out stimuli (neurons). Raises
    :class:`~circuitsnn.fit.core.FitToleranceError` after writing the plots when the
    surrogate misses its targets and ``force`` is false.
    """
    from ..library.registry import get

    comp = get(name)
    params = params if params is not None else comp.default_params()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # a component may need longer runs than the default (BSIM4 neurons: fit_hints["sim_timeout"], s)
    data = SimData(cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(), backend=backend,
                   timeout=float(comp.fit_hints.get("sim_timeout", SimData.timeout)))
    try:
        if comp.kind == "neuron":
            if mc:
                raise ValidationError("--mc (device-to-device Monte Carlo) is for synapse devices, not neurons.")
            fitter = comp.resolve("fitter")
            if fitter is None:
                raise ValidationError(f"neuron {name!r} declares no fitter.",
                                      hint="Set Component.fitter, e.g. 'circuitsnn.fit.neurons:fit_neuron'.")
            fit = fitter(comp, params, data, quick=quick)
        elif comp.kind == "synapse":
            fit = fit_device(comp, params, data)
            if mc:
                from .montecarlo import monte_carlo

                fit.extra["variation"] = monte_carlo(comp, params, data, n=mc, sigma=mc_sigma, fields=mc_fields)
        else:  # pragma: no cover - the registry only has these kinds
            raise ValidationError(f"component {name!r} has unknown kind {comp.kind!r}.")
    finally:
        data.close()
    run = FitRun(fit=fit, model_path=None, sim_seconds=data.seconds, sim_runs=data.runs, cache_hits=data.hits)
    if plots:
        from .plots import plot_all

        run.plots = plot_all(fit.figures, Path(plots_dir) if plots_dir else out / "plots", name)
    from ..surrogates.artifacts import save_model

    model = fit.to_model(sim_seconds=data.seconds, sim_runs=data.runs, cache_hits=data.hits)
    try:
        run.model_path = save_model(model, out, force=force)
    except FitToleranceError as exc:
        run.refused = exc.message
        raise
    return run
