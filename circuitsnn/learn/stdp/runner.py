"""The STDP run behind ``circuitsnn stdp CONFIG.toml --out DIR``: build, learn, checkpoint and
resume, evaluate, plot, save.

Every random draw is derived from ``(seed, epoch, batch)`` (the order of the training set, the
Poisson pulses, the stochastic rounding of programming events), so a run resumed from its
checkpoint continues exactly as the uninterrupted run would have (tested). The checkpoint
(``DIR/checkpoint.pt``, written atomically every ``checkpoint_every`` batches and after every
epoch) holds the device states, thresholds, programming statistics, spike counts for the label
assignment, the reward baseline and the history.

Unsupervised task (Diehl & Cook): after every epoch the neurons are labelled from the spike
counts of that epoch's training presentations and the validation split is classified; at the
end the labels come from a pass over the training split with learning off, and the test split
is reported. Reward task: the readout's class is the neuron with the most spikes; the reward is
``correct`` or ``wrong``; validation and test accuracy are the same decision with learning off.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import ValidationError
from .. import data as datasets
from .config import PULSE_KEYS, STDPConfig
from .devices import ProgramStats, programmer_for
from .network import LayerSpec, SpikingLayer, assign_labels, classify, normalize_to_mean
from .pair import PairSTDPParameters, pair_stdp_presentation
from .reward import RewardBaseline, RSTDPParameters, eta_factor, rstdp_presentation
from .triplet import TripletSTDPParameters, triplet_stdp_presentation
from .vdsp import VDSPParameters, vdsp_presentation

SCHEMA = "circuitsnn.stdp/1"
CHECKPOINT = "checkpoint.pt"


@dataclass
class Experiment:
    cfg: STDPConfig
    layer: SpikingLayer
    splits: Any
    x: dict[str, torch.Tensor]
    y: dict[str, torch.Tensor]
    n_classes: int
    rule: Any
    device_file: Path | None
    neuron_file: Path | None
    baseline: RewardBaseline | None = None

    @property
    def reward(self) -> bool:
        return self.cfg.task["kind"] == "reward"


def _mix(*keys: int) -> int:
    h = 1469598103934665603
    for k in keys:
        h = ((h ^ (int(k) & 0xFFFFFFFF)) * 1099511628211) % (1 << 61)
    return h


def _gen(*keys: int) -> torch.Generator:
    return torch.Generator().manual_seed(_mix(*keys))


def build_neuron(cfg: STDPConfig, overrides: dict[str, Any] | None = None) -> tuple[Any, Path | None]:
    """The neuron surrogate: a fitted model file, or the circuit's nominal values with the
    ``params`` overrides (recorded in the saved model)."""
    from ...library import registry
    from ...surrogates.neuron import NeuronSurrogate

    comp = registry.get(cfg.neuron["component"])
    params = {**cfg.neuron.get("params", {}), **(overrides or {})}
    p = comp.default_params()
    if params:
        try:
            p = dataclasses.replace(p, **params)
        except TypeError as exc:
            raise ValidationError(f"[neuron] params: {exc}.", hint=f"{comp.name} Params: {', '.join(p.to_dict())}.") from None
    if "model" in cfg.neuron:
        path = cfg.resolve_path(cfg.neuron["model"])
        return NeuronSurrogate.from_component(comp, path, params=p), path
    return NeuronSurrogate.nominal(comp, p), None


def build_device(cfg: STDPConfig) -> tuple[Any, Path | None]:
    syn = cfg.synapse
    if syn["component"] == "ideal":
        return None, None
    from ...surrogates.weights import weights_for

    model = cfg.resolve_path(syn["model"]) if "model" in syn else None
    iface = weights_for(syn["component"], model, nominal=syn["nominal"])
    src = Path(iface.source) if iface.source not in ("nominal", "") else None
    return iface, src


def build(cfg: STDPConfig) -> Experiment:
    torch.set_num_threads(int(cfg.run["threads"]))
    d = cfg.data
    opts = {k: d[k] for k in ("folder", "val_fraction") if k in d}
    splits = datasets.load(d["name"], **opts)
    x = {n: torch.as_tensor(getattr(splits, n).x, dtype=torch.float64).reshape(len(getattr(splits, n).y), -1)
         for n in ("train", "val", "test")}
    y = {n: torch.as_tensor(getattr(splits, n).y, dtype=torch.long) for n in ("train", "val", "test")}
    if "limit_train" in d:
        x["train"], y["train"] = x["train"][: d["limit_train"]], y["train"][: d["limit_train"]]
    if "limit_test" in d:
        for n in ("val", "test"):
            x[n], y[n] = x[n][: d["limit_test"]], y[n][: d["limit_test"]]
    n_classes = int(splits.train.n_classes)
    neuron, neuron_file = build_neuron(cfg)
    iface, device_file = build_device(cfg)
    syn = cfg.synapse
    t_hold = syn.get("t_hold", cfg.time["t_rest"] if cfg.time["t_rest"] > 0 else cfg.time["t_present"])
    prog = programmer_for(iface, g_min=syn["g_min"], g_max=syn["g_max"], v_read=syn["v_read"],
                          mapping=syn["mapping"], exact=syn["exact"], table_points=syn["table_points"],
                          max_events=syn["max_events"], e_bit=syn["e_bit"], t_hold=t_hold,
                          **{k: syn[k] for k in PULSE_KEYS if k in syn})
    inp, net, t = cfg.input, cfg.network, cfg.time
    amplitude = inp.get("amplitude", iface.v_read if iface is not None else syn["v_read"])
    q_th = float(neuron.params.c_m * (neuron.params.v_th - neuron.params.v_rest))
    width = inp.get("width", inp["charge_fraction"] * q_th / (prog.read(torch.tensor([_top_state(prog)]), amplitude).abs().max().item()))
    if width > t["dt"] * (1 + 1e-9):
        raise ValidationError(f"the read pulse would need {width:g} s (> dt = {t['dt']:g} s) to carry charge_fraction "
                              f"{inp['charge_fraction']:g} of the threshold charge at g_max.",
                              hint="Raise [input] amplitude, lower charge_fraction, or lengthen dt.")
    upstream = None
    if "features" in cfg.task:
        upstream = load_layer(cfg.resolve_path(cfg.task["features"]))
        if upstream.spec.n_input != x["train"].shape[1]:
            raise ValidationError(f"the feature layer reads {upstream.spec.n_input} inputs; the data have "
                                  f"{x['train'].shape[1]}.")
    n_in = x["train"].shape[1] if upstream is None else upstream.spec.n_neurons
    n_out = n_classes if cfg.task["kind"] == "reward" else int(net["neurons"])
    spec = LayerSpec(n_input=n_in, n_neurons=n_out, dt=t["dt"], t_present=t["t_present"], t_rest=t["t_rest"],
                     max_rate=inp["max_rate"], amplitude=float(amplitude), width=float(width),
                     inhibition=net["inhibition"], theta_plus=net["theta_plus"] if cfg.task["kind"] != "reward" else 0.0,
                     tau_theta=net["tau_theta"], min_spikes=inp["min_spikes"], rate_boost=inp["rate_boost"],
                     max_retries=inp["max_retries"], neuron_step=net["neuron_step"], input_kind=inp["kind"])
    g = _gen(cfg.run["seed"], 999_983)
    w0 = net["init_lo"] + torch.rand(n_in, n_out, generator=g, dtype=torch.float64) * (net["init_hi"] - net["init_lo"])
    input_neuron = None
    if inp["kind"] == "neurons":
        vth = float(neuron.params.v_th)
        input_neuron, _ = build_neuron(cfg, {"v_reset": -0.5 * vth})
    layer = SpikingLayer(spec, prog, neuron, prog.states_for(w0), input_neuron=input_neuron)
    layer.upstream = upstream
    rp = cfg.rule_params()
    kind = cfg.rule["kind"]
    if cfg.task["kind"] == "reward":
        rw = cfg.reward
        rule = RSTDPParameters(stdp=PairSTDPParameters(**{"a_plus": 1.0, "a_minus": 1.0, **rp}), tau_e=rw["tau_e"],
                               eta=rw["eta"], baseline_rate=rw["baseline_rate"])
    elif kind == "pair":
        rule = PairSTDPParameters(**rp)
    elif kind == "triplet":
        # Diehl & Cook's rule by default: post w += nu_post r1 o2, pre w -= nu_pre o1
        defaults = {"a2_plus": 0.0, "a3_plus": 0.02, "a2_minus": 2e-4, "a3_minus": 0.0, "tau_plus": 20e-3,
                    "tau_minus": 20e-3, "tau_y": 40e-3}
        rule = TripletSTDPParameters(**{**defaults, **rp})
    else:
        rule = VDSPParameters(**rp)
    exp = Experiment(cfg, layer, splits, x, y, n_classes, rule, device_file, neuron_file)
    if exp.reward:
        exp.baseline = RewardBaseline(n_classes if cfg.reward["baseline"] == "class" else 1, cfg.reward["baseline_rate"])
    return exp


def load_layer(folder: Path) -> SpikingLayer:
    """A saved unsupervised model's layer, frozen (its devices as saved, its thresholds)."""
    from .config import SECTIONS, from_dict

    doc, arrays = load_model(folder)
    raw = {k: v for k, v in doc["config"].items() if k in SECTIONS}
    raw["task"] = {k: v for k, v in raw.get("task", {}).items() if k != "features"}
    sub = build(from_dict(raw))
    layer = sub.layer
    layer.states = torch.as_tensor(arrays["exc.state"], dtype=torch.float64)
    layer.extra = layer.programmer.init_extra(layer.states)
    if "g" in layer.extra:
        layer.extra["g"] = torch.as_tensor(arrays["exc.g"], dtype=torch.float64)
    layer.theta = torch.as_tensor(arrays["theta"], dtype=torch.float64)
    return layer


def _top_state(prog: Any) -> float:
    """The state of the highest conductance (for the pulse width)."""
    if prog.device is None:
        return 1.0
    lo, hi = prog.device.bounds
    return hi if prog.device.increasing else lo


# -- one batch --------------------------------------------------------------------------------------


def request(exp: Experiment, shows: list, w: torch.Tensor, *, modulator: torch.Tensor | None = None) -> torch.Tensor:
    """The rule's requested change for a batch's presentations (summed)."""
    dt = exp.layer.spec.dt
    rule = exp.rule
    dw = torch.zeros_like(w)
    for k, (s_in, z, u, idx) in enumerate(shows):
        if isinstance(rule, RSTDPParameters):
            if k == len(shows) - 1:  # the reward follows the decision of the last presentation
                dw += rstdp_presentation(s_in, z, modulator[idx] if len(shows) > 1 else modulator, w, rule, dt)
        elif isinstance(rule, TripletSTDPParameters):
            dw += triplet_stdp_presentation(s_in, z, w, rule, dt)
        elif isinstance(rule, PairSTDPParameters):
            dw += pair_stdp_presentation(s_in, z, w, rule, dt)
        else:
            dw += vdsp_presentation(u, z, w, rule)
    return dw


def decide(counts: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Readout decision: the neuron with most spikes (no spikes: -1)."""
    top = counts.argmax(1)
    return torch.where(counts.sum(1) > 0, top, torch.full_like(top, -1))


def learn_batch(exp: Experiment, xb: torch.Tensor, yb: torch.Tensor, g: torch.Generator, *,
                progress: float = 0.0) -> dict[str, Any]:
    """Present a batch, ask the devices for the rule's change, program them. ``progress``: the
    fraction of the run's batches done before this one (the reward task's eta schedule)."""
    layer = exp.layer
    out = layer.present(xb, g)
    w = layer.weights()
    info: dict[str, Any] = {"counts": out["counts"], "presentations": out["presentations"]}
    if exp.reward:
        choice = decide(out["counts"])
        correct = choice == yb
        r = torch.where(correct, torch.full(yb.shape, exp.cfg.reward["correct"], dtype=torch.float64),
                        torch.full(yb.shape, exp.cfg.reward["wrong"], dtype=torch.float64))
        m = exp.baseline.modulator(r, yb)
        rw = exp.cfg.reward
        factor = eta_factor(rw.get("eta_schedule", "constant"), progress, rw.get("eta_final", 0.0))
        dw = request(exp, out["shows"], w, modulator=m) * factor
        mean, norm = rw.get("normalize", 0.0), exp.cfg.network["norm"]
        if rw.get("normalize_axis", "neuron") == "neuron":  # each readout neuron's input column
            dw = normalize_to_mean(w, dw, mean, norm)
        else:  # each input's row onto the readout neurons
            dw = normalize_to_mean(w.T, dw.T, mean, norm).T
        info.update(correct=int(correct.sum()), reward=float(r.sum()), eta=rw["eta"] * factor)
    else:
        dw = request(exp, out["shows"], w)
        dw = normalize_to_mean(w, dw, exp.cfg.network["normalize"], exp.cfg.network["norm"])
        layer.theta += layer.spec.theta_plus * out["counts"].sum(0)
        layer.decay_theta(len(xb))
    info["stats"] = layer.program(dw, g)
    return info


def counts_of(exp: Experiment, split: str, *, seed: int = 7) -> torch.Tensor:
    """Spike counts ``(N, J)`` of a split with learning off."""
    xs = exp.x[split]
    bs = int(exp.cfg.run["eval_batch_size"])
    out = []
    # t_eval: the presentation of evaluation, for the layer and for a frozen feature layer in
    # front of it (whose spikes are the readout's input for the whole presentation)
    specs = [exp.layer.spec] + ([exp.layer.upstream.spec] if exp.layer.upstream is not None else [])
    t_learn = [sp.t_present for sp in specs]
    t_eval = exp.cfg.time.get("t_eval", t_learn[0])
    try:
        for sp in specs:
            sp.t_present = t_eval
        for k in range(0, len(xs), bs):
            out.append(exp.layer.present(xs[k:k + bs], _gen(seed, k))["counts"])
    finally:
        for sp, t in zip(specs, t_learn):
            sp.t_present = t
    return torch.cat(out) if out else torch.zeros(0, exp.layer.spec.n_neurons)


def accuracy(exp: Experiment, split: str, labels: torch.Tensor | None) -> float:
    c = counts_of(exp, split)
    pred = decide(c) if exp.reward else classify(c, labels, exp.n_classes)
    return float((pred == exp.y[split]).double().mean())


# -- the run -----------------------------------------------------------------------------------------


def _save_checkpoint(out: Path, state: dict[str, Any]) -> None:
    path = out / CHECKPOINT
    tmp = path.with_suffix(".pt.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train(cfg: STDPConfig, out: str | Path, *, resume: bool = True, progress: bool = True, plots: bool = True,
          stop_after: int | None = None) -> dict[str, Any] | None:
    """Learn, evaluate, write ``out`` (metrics.csv, summary.json, PNGs, model/); resumes from
    ``out/checkpoint.pt``. ``stop_after``: return after that many batches (tests: a "kill")."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    exp = build(cfg)
    layer = exp.layer
    seed = int(cfg.run["seed"])
    B = int(cfg.run["batch_size"])
    n_train = len(exp.y["train"])
    n_batches = (n_train + B - 1) // B
    epochs = int(cfg.run["epochs"])
    ck = torch.load(out / CHECKPOINT, weights_only=False) if resume and (out / CHECKPOINT).exists() else None
    history: list[dict[str, Any]] = []
    evolution: list[dict[str, Any]] = []
    epoch, start_batch = 0, 0
    train_counts = torch.zeros(n_train, layer.spec.n_neurons, dtype=torch.float64)
    running = {"correct": 0, "reward": 0.0, "seen": 0, "presentations": 0, "spikes": 0.0}
    elapsed = 0.0
    best: dict[str, Any] | None = None  # {"epoch", "val", "layer"}: the layer after the best-validation epoch
    if ck is not None:
        if _strip(ck.get("config_all")) != _comparable(cfg):
            raise ValidationError(f"{out / CHECKPOINT} belongs to another configuration.",
                                  hint="Use another --out, or --restart to start over.")
        layer.load_state_dict(ck["layer"])
        history, evolution = ck["history"], ck["evolution"]
        epoch, start_batch = ck["epoch"], ck["batch"]
        train_counts = ck["train_counts"]
        running = ck["running"]
        elapsed = ck["elapsed"]
        best = ck.get("best")
        if exp.baseline is not None:
            exp.baseline.load_state_dict(ck["baseline"])
    track = _gen(seed, 77).manual_seed(_mix(seed, 77))
    tracked = torch.randperm(layer.spec.n_input * layer.spec.n_neurons, generator=track)[:24]
    done_batches = 0
    bar = _bar(progress, total=epochs * n_batches, initial=epoch * n_batches + start_batch)
    t0 = time.perf_counter()

    def checkpoint(ep: int, b: int) -> None:
        _save_checkpoint(out, {"layer": layer.state_dict(), "history": history, "evolution": evolution, "epoch": ep,
                               "batch": b, "train_counts": train_counts, "running": running,
                               "elapsed": elapsed + time.perf_counter() - t0, "config_all": _comparable(cfg),
                               "best": best,
                               "baseline": exp.baseline.state_dict() if exp.baseline is not None else None})

    while epoch < epochs:
        perm = torch.randperm(n_train, generator=_gen(seed, epoch, 1))
        for b in range(start_batch, n_batches):
            sel = perm[b * B:(b + 1) * B]
            info = learn_batch(exp, exp.x["train"][sel], exp.y["train"][sel], _gen(seed, epoch, 2, b),
                               progress=(epoch * n_batches + b) / (epochs * n_batches))
            train_counts[sel] = info["counts"]
            running["seen"] += len(sel)
            running["presentations"] += info["presentations"]
            running["spikes"] += float(info["counts"].sum())
            if exp.reward:
                running["correct"] += info["correct"]
                running["reward"] += info["reward"]
            done_batches += 1
            if bar is not None:
                bar.update(1)
                post = {"spk": f"{running['spikes'] / max(1, running['seen']):.1f}",
                        "events": layer.stats.events}
                if exp.reward:
                    post["acc"] = f"{running['correct'] / max(1, running['seen']):.3f}"
                bar.set_postfix(post, refresh=False)
            if (b + 1) % max(1, n_batches // 8) == 0 or b == n_batches - 1:
                w = layer.weights()
                evolution.append({"epoch": epoch, "samples": epoch * n_train + min((b + 1) * B, n_train),
                                  "w_mean": float(w.mean()), "w_std": float(w.std()),
                                  "tracked": w.reshape(-1)[tracked].tolist()})
            if (b + 1) % int(cfg.run["checkpoint_every"]) == 0 and b + 1 < n_batches:
                checkpoint(epoch, b + 1)
            if stop_after is not None and done_batches >= stop_after:
                checkpoint(epoch, b + 1) if b + 1 < n_batches else checkpoint(epoch + 1, 0)
                if bar is not None:
                    bar.close()
                return None
        # end of epoch: validation
        labels = None if exp.reward else assign_labels(train_counts, exp.y["train"], exp.n_classes)
        val = accuracy(exp, "val", labels)
        row = _row(exp, epoch, n_train, running, val, elapsed + time.perf_counter() - t0)
        history.append(row)
        if best is None or val > best["val"]:
            best = {"epoch": epoch + 1, "val": val, "layer": layer.state_dict()}
        _write_metrics(out, history)
        running = {"correct": 0, "reward": 0.0, "seen": 0, "presentations": 0, "spikes": 0.0}
        epoch, start_batch = epoch + 1, 0
        checkpoint(epoch, 0)
        if bar is not None:
            bar.write(f"epoch {epoch}: validation accuracy {val:.4f}, events {layer.stats.events}, "
                      f"levels used {row['levels_used']}")
    if bar is not None:
        bar.close()
    best_epoch = None
    if cfg.run["keep_best"]:
        if best is None or "layer" not in best:
            raise ValidationError(f"{out / CHECKPOINT} holds no best-validation snapshot (written before keep_best existed).",
                                  hint="Use another --out, or --restart to start over.")
        best_epoch = int(best["epoch"])
        stats = layer.stats  # the programming the whole run did
        layer.load_state_dict(best["layer"])
        layer.stats = stats
    return finish(exp, out, history, evolution, plots=plots, elapsed=elapsed + time.perf_counter() - t0,
                  best_epoch=best_epoch)


#: settings a finished or interrupted run may change when it is started again (more epochs,
#: another evaluation presentation): everything else must equal the checkpoint's
FREE = {"run": ("epochs", "threads", "checkpoint_every", "eval_batch_size", "keep_best"), "time": ("t_eval",)}


def _strip(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in d.items()}
    d.pop("path", None)
    decaying = d.get("reward", {}).get("eta_schedule", "constant") != "constant"
    for sec, keys in FREE.items():
        # a decaying eta schedule is laid out over the run's epochs: they must match too
        keys = tuple(k for k in keys if not (decaying and sec == "run" and k == "epochs"))
        d[sec] = {k: v for k, v in d.get(sec, {}).items() if k not in keys}
    return d


def _comparable(cfg: STDPConfig) -> dict[str, Any]:
    return _strip(cfg.to_dict())


def _row(exp: Experiment, epoch: int, n_train: int, running: dict, val: float, elapsed: float) -> dict[str, Any]:
    layer = exp.layer
    st = layer.stats
    seen = max(1, running["seen"])
    row = {"epoch": epoch + 1, "samples": (epoch + 1) * n_train, "val_acc": val,
           "train_acc": running["correct"] / seen if exp.reward else float("nan"),
           "mean_reward": running["reward"] / seen if exp.reward else float("nan"),
           "spikes_per_sample": running["spikes"] / seen, "presentations_per_sample": running["presentations"] / seen,
           "events_up": st.up, "events_down": st.down, "erases": st.erases, "events": st.events,
           "energy_J": st.energy, "levels_used": layer.programmer.levels_used(layer.states),
           "w_mean": float(layer.weights().mean()), "theta_mean_V": float(layer.theta.mean()), "time_s": elapsed}
    return row


def _write_metrics(out: Path, history: list[dict[str, Any]]) -> None:
    if not history:
        return
    with open(out / "metrics.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(history[0]))
        w.writeheader()
        w.writerows(history)


def _bar(progress: bool, total: int, initial: int) -> Any:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, desc="stdp")


def finish(exp: Experiment, out: Path, history: list, evolution: list, *, plots: bool, elapsed: float,
           best_epoch: int | None = None) -> dict[str, Any]:
    """Label, evaluate, save; ``best_epoch``: the layer was restored to that epoch's (keep_best)."""
    layer = exp.layer
    labels = None
    if not exp.reward:
        labels = assign_labels(counts_of(exp, "train", seed=11), exp.y["train"], exp.n_classes)
    test = accuracy(exp, "test", labels)
    val = accuracy(exp, "val", labels)
    st = layer.stats
    n_seen = max(1, len(exp.y["train"]) * int(exp.cfg.run["epochs"]))
    summary = {"task": exp.cfg.task["kind"], "rule": exp.cfg.rule["kind"], "component": exp.cfg.synapse["component"],
               "neurons": layer.spec.n_neurons, "seed": exp.cfg.run["seed"], "epochs": exp.cfg.run["epochs"],
               "evaluated_epoch": best_epoch if best_epoch is not None else exp.cfg.run["epochs"],
               "test_acc": test, "val_acc": val, "levels": _levels(layer), "levels_used": layer.programmer.levels_used(layer.states),
               "programming": st.to_dict(), "events_per_sample": st.events / n_seen,
               "energy_per_sample_J": st.energy / n_seen, "time_s": elapsed, "n_test": len(exp.y["test"]),
               "g_range_S": [layer.programmer.g_min, layer.programmer.g_max], "read_pulse": {"amplitude_V": layer.spec.amplitude, "width_s": layer.spec.width}}
    (out / "summary.json").write_text(json.dumps(_clean(summary), indent=2) + "\n")
    save_model(exp, out, summary, labels)
    if plots:
        from . import plots as P

        P.all_plots(exp, out, history, evolution)
    return summary


def _levels(layer: SpikingLayer) -> Any:
    d = layer.programmer.device
    return None if d is None else int(d.levels)


def _sha(path: Path | None) -> str | None:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else None


def _provenance(path: Path | None) -> Any:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text()).get("provenance")
    except Exception:
        return None


def save_model(exp: Experiment, out: Path, summary: dict[str, Any], labels: torch.Tensor | None) -> Path:
    """``out/model/model.json`` + ``weights.npz``: what deployment reads.

    ``weights.npz``: ``exc.state`` (device states, the family's unit, rows = inputs, columns =
    neurons), ``exc.g`` (S: the conductance each device holds at the family's read bias),
    ``exc.w`` (normalized), ``theta`` (V, per neuron), ``v_th`` (V, per neuron: the surrogate's
    threshold + theta), ``labels`` (unsupervised: each neuron's class; -1 none)."""
    layer = exp.layer
    folder = out / "model"
    folder.mkdir(parents=True, exist_ok=True)
    p = layer.neuron.params
    arrays = {"exc.state": layer.states.numpy(), "exc.g": layer.conductances().numpy(), "exc.w": layer.weights().numpy(),
              "theta": layer.theta.numpy(), "v_th": (float(p.v_th) + layer.theta).numpy(),
              "labels": (labels if labels is not None else torch.arange(layer.spec.n_neurons)).numpy()}
    np.savez_compressed(folder / "weights.npz", **arrays)
    dev = layer.programmer.describe()
    doc = {"schema": SCHEMA, "task": exp.cfg.task["kind"],
           "topology": {"inputs": layer.spec.n_input, "neurons": layer.spec.n_neurons,
                        "arrays": [{"name": "exc", "rows": "inputs", "columns": "neurons", "devices": int(layer.states.numel()),
                                    "signed": False}],
                        "lateral_inhibition": {"g_inh_S": layer.g_inh, "onto": "every other neuron", "delay_steps": 1,
                                               "read_by": "the neuron's output pulse"},
                        "labels": "weights.npz:labels" if labels is not None else "neuron index = class"},
           "time": {"dt": layer.spec.dt, "t_present": layer.spec.t_present, "t_rest": layer.spec.t_rest},
           "input": {"kind": layer.spec.input_kind, "max_rate_Hz": layer.spec.max_rate,
                     "read_pulse": {"amplitude_V": layer.spec.amplitude, "width_s": layer.spec.width}},
           "device": {**dev, "model_file": str(exp.device_file) if exp.device_file else None,
                      "sha256": _sha(exp.device_file), "provenance": _provenance(exp.device_file)},
           "neuron": {**layer.neuron.describe(), "params_overrides": exp.cfg.neuron.get("params", {}),
                      "sha256": _sha(exp.neuron_file), "provenance": _provenance(exp.neuron_file),
                      "thresholds": "weights.npz:v_th"},
           "rule": {"kind": exp.cfg.rule["kind"], "parameters": _clean(exp.rule._asdict())},
           "config": exp.cfg.to_dict(), "config_text": exp.cfg.text, "metrics": summary, "weights_file": "weights.npz"}
    tmp = folder / "model.json.tmp"
    tmp.write_text(json.dumps(_clean(doc), indent=2) + "\n")
    os.replace(tmp, folder / "model.json")
    return folder


def load_model(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(model.json, arrays)`` of a saved STDP model folder."""
    folder = Path(path)
    folder = folder.parent if folder.suffix == ".json" else folder
    try:
        doc = json.loads((folder / "model.json").read_text())
    except FileNotFoundError:
        raise ValidationError(f"no STDP model at {folder}.", hint="circuitsnn stdp CONFIG.toml --out DIR writes DIR/model.") from None
    if doc.get("schema") != SCHEMA:
        raise ValidationError(f"{folder}/model.json is not a circuitsnn STDP model (schema {doc.get('schema')!r}).")
    with np.load(folder / doc["weights_file"]) as z:
        return doc, {k: z[k] for k in z.files}


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, torch.Tensor):
        return _clean(v.tolist())
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, Path):
        return str(v)
    return v
