"""``circuitsnn sweep SPEC``: run (or resume) a parameter sweep; ``--status`` reports progress."""

from __future__ import annotations

import argparse
import shutil
import textwrap
import time
from pathlib import Path

from .common import positive_seconds, add_library_options, apply_library_options

#: exit status of a sweep that ran but where some points failed
EXIT_POINTS_FAILED = 3

DESCRIPTION = """\
Run a sweep described in a TOML file: one component's testbench over a grid of parameters,
process/temperature/supply corners and Monte Carlo mismatch; every point is one ngspice run.

Before anything runs, the first point is simulated for a few steps and every signal a measure
reads must be in its results (as --check does).

Each point is stored as soon as it finishes (OUT/index.sqlite + OUT/waves/), keyed by the hash
of its deck, analysis and ngspice version: running the same command again resumes an
interrupted sweep and simulates only what is missing, and removes the ngspice run folders
(OUT/runs/) left by the points that were running when it was killed. A failing, non-converging
or hung point (killed after the timeout) is recorded with its reason, its run folder is kept in
OUT/runs/, and the sweep carries on; so is a point where a measure fails (its value is NaN).

Outputs in OUT (default: the file's `out`, else runs/sweeps/NAME):
  sweep.nc        xarray/netCDF: one dimension per swept parameter (+ `sample`), measures as data
  measures.csv    one row per point: coordinates, measures, status, failure reason
  plots/*.png     curves, heat maps (2 swept parameters), Monte Carlo histograms

See examples/sweeps/*.toml for sweep files.

Exit status: 0 when every point simulated and every measure was computed; 3 when the sweep ran
but some points failed (simulation or measure; `--status` lists them); 1 when it could not run
(a bad file, an unknown signal, an unusable --out folder).
"""

EXAMPLES = """\
examples:
  circuitsnn sweep examples/sweeps/lif_fi.toml                  run or resume, 1 worker per core
  circuitsnn sweep sweep.toml --workers 8 --out runs/lif_mc     8 local workers, chosen folder
  circuitsnn sweep sweep.toml --dask tcp://10.0.0.5:8786        on a Dask cluster
  circuitsnn sweep sweep.toml --status                          progress and failures, runs nothing
  circuitsnn sweep sweep.toml --check                           validate the file, list the axes
  circuitsnn sweep sweep.toml --retry-failed                    simulate failed points again
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run (or resume) a parameter sweep from a TOML file",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", type=Path, help="sweep file (.toml)")
    p.add_argument("--out", type=Path, help="sweep folder (default: `out` in the file, else runs/sweeps/NAME)")
    p.add_argument("--workers", type=int, help="local workers (default: one per core)")
    p.add_argument("--executor", choices=("threads", "processes"), default="threads", help="local pool kind: threads, each driving an ngspice process (default), or processes (same speed measured on 2 cores)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on the Dask cluster at this scheduler address (tcp://host:8786)")
    p.add_argument("--timeout", type=positive_seconds, help="seconds per point before ngspice is killed (default: the file's timeout, else 120)")
    p.add_argument("--retry-failed", action="store_true", help="simulate points that failed before again")
    p.add_argument("--status", action="store_true", help="report progress and failures of the sweep folder; run nothing")
    p.add_argument("--check", action="store_true", help="validate the file, show the axes and point count, and check the measured signals on a few steps of the first point")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_library_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    apply_library_options(args)
    from ..sweep import load_spec, run_sweep

    if args.workers is not None and args.workers < 1:
        from ..errors import ValidationError

        raise ValidationError(f"--workers must be >= 1, got {args.workers}.")
    spec = load_spec(args.spec)
    if args.status:
        return print_status(spec, args.out)
    if args.check:
        return print_plan(spec)
    res = run_sweep(
        spec,
        args.out,
        dask=args.dask,
        kind=args.executor,
        workers=args.workers,
        retry_failed=args.retry_failed,
        progress=None if not args.quiet else False,
        plots=not args.no_plots,
        timeout=args.timeout,
    )
    print(res.summary())
    if res.orphans_removed:
        print(f"  removed {res.orphans_removed} run folder(s) of points killed in an earlier run from {res.folder / 'runs'}")
    if res.failed:
        print(f"  {res.failed} point(s) failed: `circuitsnn sweep {args.spec} --status` lists the reasons.")
    if res.measure_failed:
        print(f"  {res.measure_failed} point(s) have measure errors (those values are NaN): `circuitsnn sweep {args.spec} --status` lists them.")
    for name, path in res.files.items():
        if name in ("netcdf", "csv"):
            print(f"  {path}")
    n_png = sum(1 for k in res.files if k not in ("netcdf", "csv"))
    if n_png:
        print(f"  {res.folder / 'plots'}/ ({n_png} figures)")
    return 0 if res.ok else EXIT_POINTS_FAILED


def print_plan(spec) -> int:
    plan = spec.plan()
    print(f"{spec.source or 'spec'}: {plan.spec.component} / {plan.spec.testbench}, {plan.size} points")
    for a in plan.axes:
        vals = ", ".join(_fmt(v, a.unit) for v in a.values[:6]) + (", ..." if len(a.values) > 6 else "")
        print(f"  {a.name:<14} {len(a.values):>4}  {a.kind:<11} {vals}")
    if plan.mc_n:
        mm = ", ".join(
            f"{k} ({m.dist}, {'σ' if m.dist == 'gauss' else '±'}{(m.sigma if m.dist == 'gauss' else m.half_width):g}{' rel' if m.relative else ''})"
            for k, m in plan.mismatch.items()
        )
        print(f"  {'sample':<14} {plan.mc_n:>4}  montecarlo  seed {plan.mc_seed}: {mm}")
    for name, m in plan.measures.items():
        print(f"  measure {name}: {m.measure}({', '.join(f'{k}={v!r}' for k, v in m.args.items())})")
    from ..errors import ValidationError
    from ..sweep.signals import check_signals, describe

    check = check_signals(plan)  # raises for a signal the testbench does not have
    if check.error:
        raise ValidationError(
            f"the measures' signals could not be checked: {check.error}",
            hint="Fix the first point (its parameters or the testbench), or simulate its deck to see why.",
        )
    print(f"  {describe(check)}")
    return 0


def _fmt(v, unit: str) -> str:
    from ..units import si_format

    if isinstance(v, float):
        return si_format(v, "" if unit in ("1", "degC") else unit, 4) + (" °C" if unit == "degC" else "")
    return str(v)


def print_status(spec, out) -> int:
    from ..sweep import sweep_status

    st = sweep_status(spec, out)
    if not st["exists"]:
        print(f"{st['folder']}: not started (no index.sqlite). Run `circuitsnn sweep {spec.source}` to start it.")
        return 0
    c = st["counts"]
    total = c["total"] or 1
    print(f"{st['folder']}: {c['total']} points")
    print(f"  done     {c['done']:>7}  {100 * c['done'] / total:5.1f} %")
    print(f"  failed   {c['failed']:>7}  {100 * c['failed'] / total:5.1f} %")
    print(f"  pending  {c['pending']:>7}  {100 * c['pending'] / total:5.1f} %")
    if st.get("measure_errors"):
        n = len(st["measure_errors"])
        print(f"  measure errors: {n} point(s) simulated but a measure failed; counted as failed (listed below)")
    if not st["fingerprint_matches"]:
        print("  note: the file changed since the last run; the counts are for the last run's points.")
    runs = st["runs"]
    if runs:
        print("\nruns:")
        print(f"  {'run':>3}  {'started':<19}  {'took':>8}  {'computed':>8}  {'reused':>6}  {'failed':>6}  executor")
        for r in runs[-5:]:
            if r["interrupted"]:
                took = "stopped"
            elif r["finished"]:
                took = f"{r['finished'] - r['started']:.1f} s"
            else:
                took = "killed?"  # no end recorded: killed, or still running
            print(
                f"  {r['run_id']:>3}  {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(r['started']))}  {took:>8}  "
                f"{_n(r['n_computed']):>8}  {_n(r['n_reused']):>6}  {_n(r['n_failed']):>6}  {r['executor'] or ''}"
            )
    width = shutil.get_terminal_size((120, 20)).columns
    if st["failures"]:
        print(f"\nfailures ({len(st['failures'])}):")
        print(f"  {'point':>6}  {'error':<20}  coordinates / reason")
        for p in st["failures"][:50]:
            coords = ", ".join(f"{k}={_fmt(v, '') if isinstance(v, float) else v}" for k, v in p["coords"].items())
            print(f"  {p['idx']:>6}  {p['error_class'] or '':<20}  {coords}")
            reason = textwrap.shorten(p["reason"] or "", width=max(40, width - 32), placeholder=" ...")
            print(f"  {'':>6}  {'':<20}  {reason}")
        if len(st["failures"]) > 50:
            print(f"  ... {len(st['failures']) - 50} more in measures.csv")
    if st.get("measure_errors"):
        print(f"\nmeasure errors ({len(st['measure_errors'])} points; simulation kept):")
        for p in st["measure_errors"][:10]:
            for name, err in p["measure_errors"].items():
                print(f"  {p['idx']:>6}  {name}: {textwrap.shorten(err, width=max(40, width - 20))}")
    return 0


def _n(x) -> str:
    return "-" if x is None else str(x)
