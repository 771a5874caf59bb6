"""ngspice's own regression decks through circuitsnn: coverage, bit-identity, overhead, start-up.

For every deck (``*.cir``, ``*.sp``) under CORPUS (default: the pinned copy in
tests/data/ngspice; pass the ``tests/`` or ``examples/`` folder of an ngspice source tree for the
whole thing), in a scratch copy of CORPUS:

1. plain ngspice (tests/ngspice_reference.py): does it run the deck (exit status 0 within the
   timeout), how long does it take, and which vectors does it produce;
2. ``circuitsnn simulate DECK --no-plot --trust CORPUS`` (``--allow-control`` when the deck has a
   ``.control`` block): does it succeed, and is every vector plain ngspice produced in its
   ``result.nc``, bit for bit (read back with h5py, not with circuitsnn's code);
3. the library call ``circuitsnn.spice.simulate(deck)``, in this process;
4. optionally (``--plots``) the CLI again with its figures.

Reported: decks plain ngspice runs; how many run in circuitsnn with identical vectors (goal: all);
the median CLI overhead per deck, CLI time minus plain ngspice time on the same deck (goal
<= 0.3 s); the median ratio library / plain; the cold start of ``circuitsnn --help`` (goal
<= 0.3 s) against ``python -c pass`` measured in the same run. Timings are medians of this run on
this machine, never compared with other runs.

Usage:
    python bench/ngspice_corpus.py [CORPUS] [--timeout 60] [--match REGEX] [--limit N]
                                    [--plots] [--json reports/bench/ngspice_corpus.json]
    python bench/ngspice_corpus.py --quick     (a few decks of the pinned copy)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ngspice_reference import CONTROL_RE, as_result, compare, plain_reference, read_result_nc  # noqa: E402

PINNED = ROOT / "tests" / "data" / "ngspice"
OVERHEAD_GOAL_S = 0.3
COLD_START_GOAL_S = 0.3
CLI = [sys.executable, "-m", "circuitsnn"]


def decks_under(root: Path) -> list[Path]:
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".cir", ".sp")]
    return sorted(p for p in found if ".reference." not in p.name)


#: Subprocesses run as on a designer's machine: Python writes and reuses bytecode (some sandboxes
#: set PYTHONDONTWRITEBYTECODE, which recompiles circuitsnn from source at every start).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path | None = None, timeout: float = 600) -> tuple[int | None, float, str]:
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace", env=ENV)
        return p.returncode, time.perf_counter() - t0, p.stderr[-2000:]
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0, "timeout"


def cold_start(repeats: int = 7) -> dict:
    exe = shutil.which("circuitsnn") or str(Path(sys.executable).parent / "circuitsnn")
    help_cmd = [exe, "--help"] if Path(exe).exists() else CLI + ["--help"]
    timed(help_cmd)  # writes the bytecode once
    base, floor, helps = [], [], []
    for _ in range(repeats):  # interleaved, so machine noise hits all alike
        base.append(timed([sys.executable, "-c", "pass"])[1])
        floor.append(timed([sys.executable, "-c", "import numpy, h5py"])[1])
        helps.append(timed(help_cmd)[1])
    return {
        "python_pass_s": statistics.median(base),
        "python_numpy_h5py_s": statistics.median(floor),  # the least a CLI writing result.nc loads
        "help_s": statistics.median(helps),
        "command": " ".join(help_cmd),
    }


def one_deck(deck: Path, root: Path, scratch: Path, timeout: float, plots: bool) -> dict:
    from circuitsnn.errors import CircuitSNNError
    from circuitsnn.spice import simulate

    rel = str(deck.relative_to(root))
    row: dict = {"deck": rel}
    plain = plain_reference(deck, timeout, scratch / "ref")
    row.update(control=plain.control, plain_runs=plain.runs, plain_rc=plain.returncode, plain_s=round(plain.elapsed, 4),
               reference_plots=len(plain.plots), reference_note=plain.note)
    if not plain.runs:
        return row
    out = scratch / "cli"
    shutil.rmtree(out, ignore_errors=True)
    args = [str(deck), "--out", str(out), "--no-plot", "--trust", str(root), "--timeout", str(timeout)]
    if plain.control:
        args.append("--allow-control")
    rc, cli_s, err = timed(CLI + ["simulate", *args], timeout=timeout + 30)
    floor_s = timed([sys.executable, "-c", "import numpy, h5py"])[1]  # same moment, same load
    row.update(cli_ok=rc == 0, cli_s=round(cli_s, 4), overhead_s=round(cli_s - plain.elapsed, 4), floor_s=round(floor_s, 4))
    if rc != 0:
        row["cli_error"] = err.strip().splitlines()[0][:300] if err.strip() else f"exit {rc}"
        return row
    nc = read_result_nc(out / "result.nc")
    if plain.plots:
        identical, exact, why = compare(plain.plots, nc)
        if not identical:  # is plain ngspice itself reproducible on this deck (random sources)?
            again = plain_reference(deck, timeout, scratch / "ref2")
            if not compare(plain.plots, as_result(again.plots))[0]:
                identical, why = None, "plain ngspice gives other vectors on a second run (random sources): not comparable"
                row["nondeterministic"] = True
        row.update(identical=identical, same_plots=exact, why=why)
    else:
        row.update(identical=None, why="plain ngspice produced no vectors to compare")
    t0 = time.perf_counter()
    try:
        simulate(deck, trusted_dirs=[root], allow_control=plain.control, timeout=timeout)
        row["lib_s"] = round(time.perf_counter() - t0, 4)
    except CircuitSNNError as exc:
        row["lib_error"] = str(exc)[:300]
    if plots:
        shutil.rmtree(out, ignore_errors=True)
        rc, s, _ = timed(CLI + ["simulate", *[a for a in args if a != "--no-plot"]], timeout=timeout + 60)
        row.update(cli_plots_ok=rc == 0, cli_plots_s=round(s, 4))
    return row


def summarize(rows: list[dict], start: dict) -> dict:
    ran = [r for r in rows if r.get("plain_runs")]
    ok = [r for r in ran if r.get("cli_ok")]
    compared = [r for r in ok if r.get("identical") is not None]
    identical = [r for r in compared if r["identical"]]
    overhead = [r["overhead_s"] for r in ok]
    beyond = [r["overhead_s"] - r["floor_s"] for r in ok if "floor_s" in r]
    lib = [r["lib_s"] / r["plain_s"] for r in ok if "lib_s" in r and r["plain_s"] > 0]
    plots = [r["cli_plots_s"] - r["plain_s"] for r in ok if r.get("cli_plots_ok")]
    return {
        "decks": len(rows),
        "plain_runs": len(ran),
        "plain_runs_with_control": sum(1 for r in ran if r["control"]),
        "circuitsnn_runs": len(ok),
        "compared": len(compared),
        "identical": len(identical),
        "identical_same_plots": sum(1 for r in identical if r.get("same_plots")),
        "not_comparable": len(ok) - len(compared),
        "nondeterministic": [r["deck"] for r in ok if r.get("nondeterministic")],
        "failed": [(r["deck"], r.get("cli_error", "")) for r in ran if not r.get("cli_ok")],
        "differ": [(r["deck"], r.get("why", "")) for r in compared if not r["identical"]],
        "median_overhead_s": statistics.median(overhead) if overhead else None,
        "median_import_floor_s": statistics.median(r["floor_s"] for r in ok if "floor_s" in r) if beyond else None,
        "median_overhead_beyond_floor_s": statistics.median(beyond) if beyond else None,
        "median_overhead_with_figures_s": statistics.median(plots) if plots else None,
        "median_library_over_plain": statistics.median(lib) if lib else None,
        "cold_start": start,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=PINNED)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run (default 60)")
    ap.add_argument("--match", default="", help="only decks whose path matches this regex")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--plots", action="store_true", help="also time the CLI with its figures")
    ap.add_argument("--quick", action="store_true", help="a few decks of the pinned copy")
    ap.add_argument("--json", type=Path, default=ROOT / "reports" / "bench" / "ngspice_corpus.json")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if args.quick:
        args.limit = args.limit or 6
    src = args.corpus.resolve()
    if not src.is_dir():
        print(f"error: {src} is not a folder", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-ngspice-corpus-"))
    root = work / "corpus"
    shutil.copytree(src, root, symlinks=True)
    decks = [d for d in decks_under(root) if re.search(args.match, str(d.relative_to(root)))]
    if args.limit:
        decks = decks[: args.limit]
    print(f"{len(decks)} decks from {src} (scratch copy in {root}); ngspice timeout {args.timeout:g} s", flush=True)
    start = cold_start()
    rows = []
    try:
        for i, deck in enumerate(decks, 1):
            try:
                row = one_deck(deck, root, work / "scratch", args.timeout, args.plots)
            except Exception as exc:  # noqa: BLE001 - a bench reports, it does not stop
                row = {"deck": str(deck.relative_to(root)), "plain_runs": True, "cli_ok": False,
                       "cli_error": f"bench could not check it: {type(exc).__name__}: {exc}"[:300]}
            rows.append(row)
            state = ("ran; plain ngspice is not reproducible on it" if row.get("nondeterministic") else
                     "identical" if row.get("identical") else "DIFFERS: " + row.get("why", "") if row.get("identical") is False
                     else "ran, nothing to compare" if row.get("cli_ok") else "FAILED: " + row.get("cli_error", "")
                     if "cli_ok" in row else f"plain ngspice does not run it (rc {row.get('plain_rc')})")
            print(f"[{i}/{len(decks)}] {row['deck']}: {state}"
                  + (f"  plain {row['plain_s']:.2f}s cli {row['cli_s']:.2f}s" if "cli_s" in row else ""), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = summarize(rows, start)
    summary.update(corpus=str(src), timeout_s=args.timeout, machine=platform.node(), cpus=os.cpu_count())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"summary": summary, "decks": rows}, indent=1))
    s = summary
    print("\n== ngspice corpus ==")
    print(f"decks: {s['decks']}; plain ngspice runs {s['plain_runs']} ({s['plain_runs_with_control']} with .control)")
    print(f"circuitsnn runs {s['circuitsnn_runs']} of them; vectors compared on {s['compared']}: "
          f"{s['identical']} identical bit for bit ({s['identical_same_plots']} with exactly the same plots), "
          f"{s['not_comparable']} with no reference vectors (goal: all identical)")
    if s["nondeterministic"]:
        print(f"  not reproducible by plain ngspice itself: {', '.join(s['nondeterministic'])}")
    for deck, why in s["failed"]:
        print(f"  failed: {deck}: {why}")
    for deck, why in s["differ"]:
        print(f"  differs: {deck}: {why}")
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    print(f"median CLI overhead per deck: {fmt(s['median_overhead_s'])} s (goal <= {OVERHEAD_GOAL_S} s; --no-plot); "
          f"of it, `python -c 'import numpy, h5py'` measured after each deck: {fmt(s['median_import_floor_s'])} s, "
          f"circuitsnn's own part: {fmt(s['median_overhead_beyond_floor_s'])} s")
    if s["median_overhead_with_figures_s"] is not None:
        print(f"median CLI overhead with figures: {fmt(s['median_overhead_with_figures_s'])} s")
    print(f"median library call / plain ngspice: {fmt(s['median_library_over_plain'])}")
    cs = s["cold_start"]
    print(f"cold start `circuitsnn --help`: {cs['help_s']:.3f} s (goal <= {COLD_START_GOAL_S} s); `python -c pass`: "
          f"{cs['python_pass_s']:.3f} s; `python -c 'import numpy, h5py'` (the floor of writing result.nc): {cs['python_numpy_h5py_s']:.3f} s")
    print(f"wrote {args.json}")
    missed = (s["identical"] < s["compared"] or s["circuitsnn_runs"] < s["plain_runs"]
              or (s["median_overhead_s"] or 0) > OVERHEAD_GOAL_S or cs["help_s"] > COLD_START_GOAL_S)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
