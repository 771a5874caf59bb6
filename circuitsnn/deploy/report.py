"""The files a verification writes: the comparison table (markdown and JSON) and the overlaid
SPICE/surrogate raster and membrane plots (PNG)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def _pct(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def _num(x: Any, unit: str = "", scale: float = 1.0, fmt: str = ".3g") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x * scale:{fmt}}{unit}"


def table(summary: dict[str, Any]) -> str:
    """The comparison as markdown."""
    s = summary
    lines = [f"# Verification: {s.get('network', '?')} network, fidelity {s.get('fidelity')}"
             + (" (per-layer decks)" if s.get("per_layer") else ""),
             "",
             f"model `{s.get('model')}`; {s.get('done', 0)} of {s.get('samples', 0)} samples verified"
             f" ({s.get('failed', 0)} failed; {s.get('computed', 0)} computed now, {s.get('reused', 0)} reused);"
             f" {s.get('devices', '?')} devices; KLU {'on' if s.get('klu') else 'off'};"
             f" coincidence window {_num(s.get('window_s'), ' us', 1e6)}"
             + (f"; ngspice {s['ngspice']}" if s.get("ngspice") else ""),
             *([f"", f"{s['other_records']} records in `results/` were made under another key (other options, "
                f"code that renders other decks, or another ngspice) and were not reused."]
               if s.get("other_records") else []),
             *([f"", f"The surrogate side of {s['surrogate_as_stored']} reused records is as stored, not recomputed "
                f"by this code: they predate the stored read-out that recomputing needs (the deck's side is "
                f"unaffected)."]
               if s.get("surrogate_as_stored") else []),
             *([f"", f"**Recomputing the surrogate side failed on {len(s['rescore_errors'])} reused records**; their "
                f"stored side is shown. First: {s['rescore_errors'][0]}"] if s.get("rescore_errors") else []),
             "",
             "| quantity | SPICE | surrogate |",
             "|---|---|---|",
             f"| accuracy on these samples | {_pct(s.get('accuracy_spice'))} | {_pct(s.get('accuracy_surrogate'))} |",
             f"| output-class agreement | {_pct(s.get('class_agreement'))} | |",
             *([f"| STDP: the trained discrete-time model on the same pulses, class agreement with SPICE | "
                f"{_pct(s.get('class_agreement_model'))} | |",
                f"| STDP: the trained discrete-time model's accuracy on these samples | | {_pct(s.get('accuracy_model'))} |"]
               if "accuracy_model" in s else []),
             *([f"| STDP: presentations per sample (quiet samples again at a higher rate; trained model "
                f"{s['presentations']['model']:.2f}) | {s['presentations']['spice']:.2f} | {s['presentations']['surrogate']:.2f} |"]
               if "presentations" in s else []),
             f"| latency to decision (mean) | {_num(s.get('latency_spice_s'), ' ms', 1e3)} | "
             f"{_num(s.get('latency_surrogate_s'), ' ms', 1e3)} |"]
    e = s.get("energy")
    if e:
        lines += [f"| read energy per inference | {_num(e['read_spice_j'], ' nJ', 1e9)} | {_num(e['read_surrogate_j'], ' nJ', 1e9)} "
                  f"({e['rel_error_surrogate'] * 100:+.1f} %; on the deck's spikes {e['rel_error_same_spikes'] * 100:+.2f} %) |",
                  *([f"| lateral inhibition energy per inference (its resistors) | {_num(e['lateral_spice_j'], ' nJ', 1e9)} | "
                     f"{_num(e['lateral_surrogate_j'], ' nJ', 1e9)} ({e['rel_error_lateral'] * 100:+.1f} %; on the deck's spikes "
                     f"{e['rel_error_lateral_same_spikes'] * 100:+.2f} %) |"] if "lateral_spice_j" in e else []),
                  f"| energy per inference (row sources + supplies) | {_num(e['per_inference_spice_j'], ' nJ', 1e9)} | |",
                  f"| static (supply at rest) | {_num(e['static_spice_j'], ' nJ', 1e9)} | |",
                  f"| energy per synaptic event | {_num(e['pj_per_sop_spice'], ' pJ/SOP')} | {_num(e['pj_per_sop_surrogate'], ' pJ/SOP')} |"]
    lines += [f"| ngspice seconds per sample (wall / CPU) | {_num(s.get('sim_s_mean'), ' s')} / {_num(s.get('cpu_s_mean'), ' s')} | |",
              f"| trained test accuracy (whole split, discrete-time model) | | {_pct(s.get('trained_test_acc'))} |",
              "",
              "Per layer (Gamma: Kistler coincidence factor, 1 = identical spike trains; end to end: each side "
              "propagates its own spikes; local: the surrogate's layer fed the deck's previous-layer spikes)",
              "",
              "| layer | spikes SPICE | spikes surrogate | coincident | Gamma end to end (mean / min) | Gamma local (mean / min) | max dt |",
              "|---|---|---|---|---|---|---|"]
    for row in s.get("layers", []):
        a, b = row["end_to_end"], row["local"]
        if row.get("membrane"):
            lines.append(f"| {row['layer']} (membrane read-out) | | | | membranes RMS {_num(a['rms_v'], ' mV', 1e3)}, "
                         f"largest {_num(a['max_abs_v'], ' mV', 1e3)}, peaks {_num(a['peak_max_abs_v'], ' mV', 1e3)} | "
                         f"RMS {_num(b['rms_v'], ' mV', 1e3)}, peaks {_num(b['peak_max_abs_v'], ' mV', 1e3)} | |")
            continue
        lines.append(f"| {row['layer']} | {a['spice']} | {a['surrogate']} | {a['coincident']} | {a['gamma_mean']:.3f} / "
                     f"{a['gamma_min']:.3f} | {b['gamma_mean']:.3f} / {b['gamma_min']:.3f} | {_num(a['max_dt'], ' us', 1e6)} |")
    mg = s.get("margin_surrogate_v")
    if mg:
        lines.append(f"\nMembrane read-out: output membranes sampled at every step end; class = highest sample. The "
                     f"surrogate's margin (highest minus second peak): median {_num(mg['median'], ' mV', 1e3, '.1f')}; where the "
                     "classes differ: " + (", ".join(_num(x, " mV", 1e3, ".1f") for x in mg["where_classes_differ"]) or "none"))
        lo_hi, rails = s.get("readout_range_v"), s.get("readout_supply_v")
        if lo_hi:
            lines.append(f"The deck's read-out membranes span {lo_hi[0]:.3g} to {lo_hi[1]:.3g} V"
                         + (f" (the neurons' supply: {rails[0]:g} to {rails[1]:g} V)" if rails else "") + ".")
            out = s.get("readout_outside")
            if rails and out and (out["below"] or out["above"]):
                where = " and ".join(f"{out[w]} below" if w == "below" else f"{out[w]} above"
                                     for w in ("below", "above") if out[w])
                lines.append(f"**They leave the supply range by more than {out['margin_v']:g} V on some samples "
                             f"({where}).** The behavioural column's current copy has no "
                             "compliance, so the deck follows them where a transistor column could not. Train with a "
                             "stronger `[regularization] membrane_strength` (and, above, a smaller `[network] "
                             "readout_scale`) to keep the read-out inside its rails.")
            elif rails and out:
                lines.append(f"Every sample's read-out stays within {out['margin_v']:g} V of the supply rails.")
    for mp in s.get("mapping") or []:
        if mp.get("mapping") == "program-verify":
            e, pulses = mp["error"], mp["pulses"]
            lines.append(f"\nlayer {mp['layer']}: program-and-verify on devices drawn from the fitted Monte Carlo: "
                         f"weight error worst {100 * e['worst']:.2f} %, median {100 * e['median']:.2f} % of the range, "
                         f"{pulses['total']} programming events, {mp['unconverged']} "
                         f"{'pairs' if mp.get('signed', True) else 'devices'} outside the tolerance")
        elif mp["clipped"]:
            lines.append(f"\nlayer {mp['layer']}: {mp['clipped']} trained conductances outside the deck's range "
                         f"[{mp['g_range'][0]:.4g}, {mp['g_range'][1]:.4g}] S clipped onto it (at most "
                         f"{100 * mp['max_clip_of_range']:.2f} % of the range)")
    if s.get("errors"):
        lines += ["", "Failed samples:", ""] + [f"- {e}" for e in s["errors"]]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, spec: Any, summary: dict[str, Any], records: Sequence[dict[str, Any]], ctx: Any, *,
                 plots: bool = True) -> dict[str, str]:
    folder = Path(folder)
    files = {}
    (folder / "comparison.md").write_text(table(summary))
    files["table"] = str(folder / "comparison.md")
    slim = [{k: v for k, v in r.items() if k not in ("spikes_spice", "spikes_surrogate", "trace")} for r in records]
    (folder / "comparison.json").write_text(json.dumps({"summary": summary, "samples": slim}, indent=1, default=float) + "\n")
    files["json"] = str(folder / "comparison.json")
    if plots:
        done = [r for r in records if r.get("status") == "done"]
        if done:
            files["raster"] = str(raster(done[0], folder / "raster.png"))
            tr = next((r for r in done if "trace" in r), None)
            if tr is not None and ctx is not None:
                files["membrane"] = str(membranes(tr, ctx, spec, folder / "membrane.png"))
    return files


def raster(rec: dict[str, Any], path: Path) -> Path:
    """Every layer's spikes of one sample: SPICE (dots) over the surrogate (vertical ticks)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # a membrane read-out's output layer has no spikes (its membranes are the other plot)
    n = len(rec["layers"]) if "scores_spice" not in rec else len(rec["layers"]) - 1
    sp, su = rec["spikes_spice"][:n], rec["spikes_surrogate"][:n]
    if n == 0:
        return membrane_only_note(rec, path)
    fig, axes = plt.subplots(len(sp), 1, figsize=(8, 2 + 1.6 * len(sp)), sharex=True, squeeze=False)
    for k, ax in enumerate(axes[:, 0]):
        for j, (a, b) in enumerate(zip(sp[k], su[k])):
            ax.plot(np.asarray(b) * 1e3, np.full(len(b), j), "|", color="tab:orange", ms=9, mew=1.5,
                    label="surrogate" if j == 0 else None)
            ax.plot(np.asarray(a) * 1e3, np.full(len(a), j), ".", color="tab:blue", ms=4, label="SPICE" if j == 0 else None)
        ax.set_ylabel(f"layer {k + 1}\nneuron")
        g = rec["layers"][k]["end_to_end"]["gamma"]
        ax.set_title(f"layer {k + 1}: Gamma = {g:.3f}", fontsize=9)
    axes[0, 0].legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.suptitle(f"sample {rec['sample']} (label {rec.get('label')}): SPICE class {rec['class_spice']}, "
                 f"surrogate class {rec['class_surrogate']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def membranes(rec: dict[str, Any], ctx: Any, spec: Any, path: Path) -> Path:
    """Output membranes of one sample: SPICE (solid) and the surrogate (dashed), V vs ms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .network import membrane_trace
    from .verify import sample_input

    topo = ctx.topology
    stim, _ = sample_input(spec, rec["sample"])
    t = np.asarray(rec["trace"]["t"])
    k = len(topo.layers) - 1
    if k == 0:
        rows, width = stim.times, stim.width
    else:
        rows = [np.asarray(s) for s in rec["spikes_surrogate"][k - 1]]
        width = float(topo.layers[k - 1].neuron_params.t_spike)
    read_out = not topo.layers[k].spiking
    if read_out:  # exact membranes of the read-out, and its samples
        from .network import readout_membranes, readout_times

        v_sur = readout_membranes(topo, ctx.model.neuron_surrogate, stim, None if k == 0 else rows, t)
        ts = readout_times(ctx.model)
        v_samp = readout_membranes(topo, ctx.model.neuron_surrogate, stim, None if k == 0 else rows, ts)
    else:
        out = [np.asarray(s) for s in rec["spikes_surrogate"][k]]
        v_sur = membrane_trace(topo.layers[k], ctx.model.neuron_surrogate, rows, width, out, t)
    fig, ax = plt.subplots(figsize=(8, 4))
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    for j, v in enumerate(rec["trace"]["v"]):
        c = colors[j % 10]
        ax.plot(t * 1e3, v, "-", color=c, lw=1.0, label=f"{j} SPICE")
        ax.plot(t * 1e3, v_sur[:, j], "--", color=c, lw=1.0)
        if read_out:
            ax.plot(ts * 1e3, v_samp[:, j], ".", color=c, ms=3)
    if read_out:
        ax.set_title(f"sample {rec['sample']}: output membranes, SPICE (solid) vs surrogate (dashed)\n"
                     f"read-out samples at the step ends (dots); class {rec['class_spice']} (SPICE) / "
                     f"{rec['class_surrogate']} (surrogate)", fontsize=9)
    else:
        ax.axhline(float(ctx.model.neuron_surrogate.v_th), color="k", lw=0.6, ls=":")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("output membrane (V)")
    if not read_out:
        ax.set_title(f"sample {rec['sample']}: output membranes, SPICE (solid) vs surrogate (dashed)", fontsize=10)
    ax.legend(fontsize=7, ncol=5, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def membrane_only_note(rec: dict[str, Any], path: Path) -> Path:
    """A single-layer membrane read-out has no spikes to plot: its peak membranes (class scores)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = np.asarray(rec["scores_spice"]), np.asarray(rec["scores_surrogate"])
    fig, ax = plt.subplots(figsize=(6, 3))
    x = np.arange(a.size)
    ax.bar(x - 0.2, a, 0.4, label="SPICE")
    ax.bar(x + 0.2, b, 0.4, label="surrogate")
    ax.set_xlabel("output neuron")
    ax.set_ylabel("peak membrane (V)")
    ax.legend(fontsize=8)
    ax.set_title(f"sample {rec['sample']}: class {rec['class_spice']} (SPICE) / {rec['class_surrogate']} (surrogate)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
