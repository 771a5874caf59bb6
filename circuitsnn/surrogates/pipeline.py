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
from .fit import FitToleranceError
from .outcome import SurrogateFit


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


def fit_component(
    name: str,
    out_dir: str | Path,
    *,
    params: Any = None,
    force: bool = False,
    cache_dir: str | Path | None = None,
    plots: bool = True,
    quick: bool = False,
    backend: str = "batch",
) -> FitRun:
    """Fit, validate and save the surrogate of component ``name`` (see the module docstring).

    ``cache_dir`` (default ``<out_dir>/sim_cache``) keeps the simulation data, keyed by deck
    hash. ``quick`` uses shorter held-out stimuli (neurons). Raises
    :class:`~circuitsnn.surrogates.fit.FitToleranceError` after writing the plots when the
    surrogate misses its targets and ``force`` is false.
    """
    from ..registry import get
    from .devices import fit_device
    from .neurons import NeuronProtocol, fit_neuron

    comp = get(name)
    params = params if params is not None else comp.default_params()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = SimData(cache_dir=Path(cache_dir) if cache_dir else out / "sim_cache", backend=backend)
    try:
        if comp.kind == "neuron":
            fit = fit_neuron(comp, params, data, NeuronProtocol.quick() if quick else None)
        elif comp.kind == "synapse":
            fit = fit_device(comp, params, data)
        else:  # pragma: no cover - the registry only has these kinds
            raise ValidationError(f"component {name!r} has unknown kind {comp.kind!r}.")
    finally:
        data.close()
    run = FitRun(fit=fit, model_path=None, sim_seconds=data.seconds, sim_runs=data.runs, cache_hits=data.hits)
    if plots:
        from .plots import plot_all

        run.plots = plot_all(fit.figures, out / "plots", name)
    from .artifacts import save_model

    model = fit.to_model(sim_seconds=data.seconds, sim_runs=data.runs, cache_hits=data.hits)
    try:
        run.model_path = save_model(model, out, force=force)
    except FitToleranceError as exc:
        run.refused = exc.message
        raise
    return run
