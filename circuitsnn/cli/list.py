"""``circuitsnn list [NAME]``: the component library, with parameters and units."""

from __future__ import annotations

import argparse
import textwrap

from .common import add_library_options, apply_library_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list every component (neurons, synapses, read interfaces) with its parameters and units",
        description="List the component library. With NAME: its parameters (default, unit, "
        "allowed range, meaning), pinout, equation, reference and testbenches.",
        epilog="examples:\n  circuitsnn list\n  circuitsnn list --kind synapse\n  circuitsnn list lif",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", help="show one component in detail")
    p.add_argument("--kind", choices=("neuron", "synapse", "interface"), help="only this kind")
    p.add_argument("--brief", action="store_true", help="one line per component, no parameter tables")
    add_library_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    apply_library_options(args)
    from ..library.registry import components, get

    if args.name:
        print(describe(get(args.name)))
        return 0
    comps = components(args.kind)
    if not comps:
        print("no components registered.")
        return 0
    for c in comps:
        print(f"{c.name:<22} {c.kind:<9} {c.family:<14} {c.summary}")
        if not args.brief:
            print(textwrap.indent(param_table(c.params_cls), "    "))
            print(f"    testbenches: {', '.join(c.testbenches)}\n")
    return 0


def param_table(params_cls) -> str:
    from ..units import si_format

    rows = []
    for r in params_cls.describe():
        d = r["default"]
        unit = "" if r["unit"] == "1" else r["unit"]
        default = si_format(d, unit) if isinstance(d, (int, float)) and not isinstance(d, bool) else repr(d)
        rows.append((r["name"], default, r["unit"], r["range"], r["doc"]))
    if not rows:
        return "(no parameters)"
    widths = [max(len(str(row[i])) for row in rows + [("name", "default", "unit", "range", "meaning")]) for i in range(4)]
    header = ("name", "default", "unit", "range", "meaning")
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header[:4], widths)) + "  " + header[4]]
    for row in rows:
        lines.append("  ".join(str(v).ljust(w) for v, w in zip(row[:4], widths)) + "  " + row[4])
    return "\n".join(lines)


def _lo(c):
    """A state inside the component's range (for naming the read-mode instance parameter)."""
    return {"memristor": 0.5, "schottky": 0.0, "optocoupler": 1.0}.get(c.family, 0.0)


def describe(c) -> str:
    parts = [f"{c.name} ({c.kind}, family {c.family}): {c.summary}", ""]
    if c.pinout:
        parts += ["pinout:", textwrap.indent(c.pinout.strip("\n"), "  "), ""]
    if c.equation:
        parts += ["equation:", textwrap.indent(c.equation.strip("\n"), "  "), ""]
    parts += ["parameters:", textwrap.indent(param_table(c.params_cls), "  "), ""]
    rng = c.resolve("operating_range")
    if rng is not None:
        table = rng(c, c.default_params())
        parts += ["operating range (default parameters; a network reads each synapse at v_read):",
                  textwrap.indent(table.text(), "  "), ""]
    if c.read_mode is not None:
        sub = c.read_subckt()
        parts += [f"read-mode variant: .subckt {sub.name} {' '.join(sub.ports)} params: {' '.join(sub.params)}"
                  f"   ({', '.join(c.read_params(None if c.family == 'digital_code' else _lo(c)))}: the state)", ""]
    parts.append(f"testbenches: {', '.join(c.testbenches)}, waveform (your own stimulus: --stimulus FILE.csv)")
    if c.reference:
        parts.append(f"reference: {c.reference}")
    return "\n".join(parts)
