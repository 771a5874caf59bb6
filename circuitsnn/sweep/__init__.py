"""Sweeps at scale: grids, Monte Carlo and corners over a registered component, on a local
pool or a Dask cluster, persisted point by point and resumable.

    from circuitsnn.sweep import SweepSpec, run_sweep, logspace
    spec = SweepSpec(component="lif", testbench="step", grid={"i_amp": logspace(1e-8, 1e-7, 5)},
                     measures={"rate": {"measure": "spike_rate", "signal": "out", "threshold": 0.9}})
    res = run_sweep(spec, out="runs/lif_rate", workers=2)
    res.dataset                 # xarray, one dimension per swept parameter

The same sweep as a TOML file runs with ``circuitsnn sweep FILE`` (see examples/sweeps/).
"""

from .engine import SweepResult, deck_key, run_sweep, sweep_status
from .executors import PointTask, dask_executor, make_executor, simulate_point
from .measures import MEASURES, MeasureSpec, get_measure, register_measure
from .plan import Axis, Point, SweepPlan
from .spec import Corners, SweepSpec, linspace, load_spec, logspace
from .variation import Mismatch, MonteCarlo, MonteCarloSampler, sample_params
from .store import SweepStore

__all__ = [
    "SweepResult", "deck_key", "run_sweep", "sweep_status", "PointTask", "dask_executor",
    "make_executor", "simulate_point", "MEASURES", "MeasureSpec", "get_measure", "register_measure",
    "Corners", "Mismatch", "MonteCarlo", "SweepPlan", "SweepSpec", "linspace", "load_spec",
    "logspace", "SweepStore", "Axis", "Point", "MonteCarloSampler", "sample_params",
]
