"""``circuitsnn fit NAME --out OUT [--force]``: fit a component's surrogate to SPICE, validate it
on held-out stimuli, write ``OUT/NAME.json`` and plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_library_options, apply_library_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="fit a differentiable surrogate to SPICE; validate on held-out data; write models/NAME.json",
        description="Simulate the component (or reuse cached simulations), fit its compact "
        "surrogate (neurons: effective LIF parameters; synapses: read characteristic, "
        "programming update, dynamics), validate it on stimuli not used for fitting, and write "
        "OUT/NAME.json (parameters, fit quality, held-out metrics, provenance) and PNG plots "
        "overlaying SPICE and surrogate. A surrogate that misses its targets (devices: NRMSE "
        "<= 1 %; neurons: spike times within 1 % of the ISI, f-I within 2 %) is not saved unless "
        "--force is given; it is then marked as failing.",
        epilog="examples:\n  circuitsnn fit lif --out models\n"
        "  circuitsnn fit optocoupler --out models --param tau_on=1m\n"
        "  circuitsnn fit memristor_vteam --out models --mc 8     (device-to-device variation)\n"
        "  circuitsnn fit axon_hillock --out models --force",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", help="component name (see `circuitsnn list`)")
    p.add_argument("--out", type=Path, default=Path("models"), help="output folder (default: models)")
    p.add_argument("--force", action="store_true", help="save the surrogate even if it misses its targets (marked as failing)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a circuit parameter (SPICE suffixes allowed); repeat for more")
    p.add_argument("--cache", type=Path, help="simulation cache folder (default: ~/.cache/circuitsnn/sim)")
    p.add_argument("--plots", type=Path, help="folder for the PNG plots (default: OUT/plots)")
    p.add_argument("--quick", action="store_true", help="shorter held-out stimuli (neurons)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--mc", type=int, default=0, metavar="N", help="synapses: Monte Carlo of N devices (device-to-device variation of the surrogate parameters)")
    p.add_argument("--mc-sigma", type=float, default=0.05, help="relative log-normal spread of the device parameters for --mc (default 0.05)")
    p.add_argument("--mc-vary", metavar="F1,F2", help="Params fields varied by --mc (default: every strictly positive, non-integer field)")
    p.add_argument("--backend", choices=("batch", "shared"), default="batch")
    add_library_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    apply_library_options(args)
    from ..characterize import parse_assignments
    from ..library.registry import get
    from ..errors import FitToleranceError
    from ..fit.pipeline import fit_component

    from ..outdir import output_dir

    comp = get(args.name)
    params = comp.make_params(**parse_assignments(args.param, comp.params_cls))
    output_dir(args.out)  # a bad --out fails now, not after the simulations and the fit
    if args.plots and not args.no_plots:
        output_dir(args.plots, "plots folder")
    try:
        res = fit_component(args.name, args.out, params=params, force=args.force, cache_dir=args.cache,
                            plots=not args.no_plots, plots_dir=args.plots, quick=args.quick, backend=args.backend,
                            mc=args.mc, mc_sigma=args.mc_sigma,
                            mc_fields=[f.strip() for f in args.mc_vary.split(",") if f.strip()] if args.mc_vary else None)
    except FitToleranceError:
        if not args.no_plots:
            print(f"plots in {args.plots or args.out / 'plots'}")
        raise
    print(res.fit.summary())
    var = res.fit.extra.get("variation")
    if var:
        cvs = ", ".join(f"{k} {100 * v['cv']:.2g} %" for k, v in var["parameters"].items() if v["cv"] == v["cv"])
        print(f"Monte Carlo over {var['n']} devices (sigma {var['sigma']:g}): coefficient of variation {cvs}; "
              f"{var['n_passed']} of {var['n']} device fits met their targets")
    print(f"simulations: {res.sim_runs} run ({res.sim_seconds:.1f} s), {res.cache_hits} reused from the cache")
    if res.plots:
        print(f"plots: {len(res.plots)} in {res.plots[0].parent}")
    status = "saved" if res.fit.passed else "saved with --force, marked as FAILING"
    print(f"{status}: {res.model_path}")
    return 0
