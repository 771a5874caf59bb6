"""The gradient trainer: surrogate-gradient BPTT through device synapse arrays and fitted
neuron surrogates, in SI (:func:`train`, what ``circuitsnn train`` calls).

One run (:func:`train`) builds the experiment from a :class:`~circuitsnn.learn.config.
TrainConfig` (:func:`build`), trains for ``epochs`` with Adam (cosine schedule), evaluates the
validation split after every epoch, writes ``metrics.csv`` and a checkpoint, and at the end takes
the epoch with the best validation accuracy (never the test split) and reports on the test
split: accuracy (spike counts, ties broken by the output membrane) and the strict spike-count
accuracy (a tie is an error), the accuracy over sampled chips (``[hardware] eval_chips``),
accuracy against pruned fraction (``[prune] fractions``), plots, and the saved model
(:mod:`.checkpoint`).

Determinism: the shuffling, the Poisson draws and the chips of epoch ``e``, batch ``b`` come
from generators seeded by ``(seed, e, b)``; evaluation uses fixed generators. Given the same
thread count, a run is reproducible and a killed run resumes where it stopped.

The loss is the cross-entropy of the output spike counts (or of the maximum output membrane in
units of ``v_th`` with ``readout = "membrane"``; targets smoothed by ``[optimizer]
label_smoothing``), plus the activity regularization (:mod:`.regularize`) and ``l1`` times the
mean programmed conductance (:mod:`.prune`). With ``[optimizer] ema`` a moving average of the
weights (:mod:`.average`) is what validation sees, what the selected epoch keeps and what is saved.
"""

from __future__ import annotations

import copy
import csv
import math
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from ..errors import ValidationError
from ..surrogates.artifacts import load_model, lif_parameters
from . import data as datasets
from .average import WeightAverage
from .checkpoint import load_checkpoint, save_checkpoint, save_trained, sha256
from .config import TrainConfig
from .data.augment import shift_images
from .encode import Encoder
from .hardware import evaluate_chips, on_chip, sample_chip
from .ideal import IdealConductance
from .layers import DeviceModel, DeviceNetwork, PulseSpec
from .surrogate import SpikeFunction

EVAL_SEED = 987_654
METRICS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_acc_strict", "hidden_rate_hz",
           "output_rate_hz", "lr", "seconds")
#: input levels of an analog ("direct") input on a nonlinear read
DIRECT_LEVELS = 16


@dataclass
class Experiment:
    """Everything a run needs, built from a config: data, encoder, device, network."""

    cfg: TrainConfig
    splits: datasets.Splits
    encoder: Encoder
    device: Any
    model: DeviceModel
    net: DeviceNetwork
    neuron_path: Path
    device_path: Path | None
    #: where the network runs (``[run] device``); data and Poisson draws stay on the CPU
    torch_device: torch.device = torch.device("cpu")

    @property
    def dt(self) -> float:
        return float(self.cfg.time["dt"])

    @property
    def n_steps(self) -> int:
        return self.cfg.n_steps


def device_interface(cfg: TrainConfig) -> tuple[Any, Path | None]:
    """The weight interface of ``[synapse]`` (and the fitted surrogate file it came from)."""
    syn = cfg.synapse
    if syn["component"] == "ideal":
        return IdealConductance(syn["g_min"], syn["g_max"], v_read=syn["v_read"], levels=syn.get("levels")), None
    from ..surrogates.weights import MODELS_DIR, weights_for

    path = cfg.resolve_path(syn["model"]) if "model" in syn else None
    dev = weights_for(syn["component"], path, nominal=bool(syn.get("nominal")))
    if path is None and not syn.get("nominal") and (MODELS_DIR / f"{syn['component']}.json").exists():
        path = MODELS_DIR / f"{syn['component']}.json"
    return dev, (path if dev.source != "nominal" else None)


def torch_device(name: str) -> torch.device:
    """``[run] device``: ``auto`` is the GPU when torch sees one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValidationError(f"[run] device = {name!r}, but torch sees no GPU (torch {torch.__version__}).",
                              hint='Use device = "auto" or "cpu", or install a CUDA build of torch.')
    return torch.device(name)


def refit_splits(splits: datasets.Splits) -> datasets.Splits:
    """``[data] refit``: the training split is train + validation; validation stays as it is
    (now part of the training data: its figures are no longer held out)."""
    tr, va = splits.train, splits.val
    merged = datasets.Dataset(tr.name, torch.cat([tr.x, va.x]), torch.cat([tr.y, va.y]), tr.kind, tr.shape, tr.classes)
    info = {**splits.info, "refit": "train = train + validation; validation is not held out"}
    return datasets.Splits(merged, va, splits.test, info)


def build(cfg: TrainConfig) -> Experiment:
    """Data, encoder, device model and network of a config."""
    d = cfg.data
    splits = datasets.from_section(d)
    if d.get("refit"):
        splits = refit_splits(splits)
    enc = Encoder(**cfg.encoding)
    enc.check(splits.train.kind, cfg.time["dt"])
    device, device_path = device_interface(cfg)
    dt = float(cfg.time["dt"])
    amp = float(cfg.pulse.get("amplitude", device.v_read))
    pulse = PulseSpec(amp, float(cfg.pulse.get("width", dt)))
    amplitudes = [amp]
    probe = DeviceModel(device, amplitudes, levels=cfg.synapse.get("levels") if cfg.synapse["component"] != "ideal" else None)
    input_model = None
    if not enc.binary and not probe.linear:
        input_model = DeviceModel(device, [amp] + [amp * k / DIRECT_LEVELS for k in range(1, DIRECT_LEVELS + 1)],
                                  levels=probe.levels)
    neuron_path = cfg.resolve_path(cfg.neuron["model"])
    p = lif_parameters(neuron_path, **{k: float(v) for k, v in cfg.neuron.get("params", {}).items()})
    net = DeviceNetwork(
        [splits.train.n_features, *cfg.network["hidden"], splits.train.n_classes], probe, p, dt=dt,
        n_steps=cfg.n_steps, pulse=pulse, spike=SpikeFunction(cfg.surrogate["shape"], cfg.surrogate["scale"]),
        recurrent=cfg.network["recurrent"], readout=cfg.network["readout"], binary_input=enc.binary,
        init_std=cfg.network["init_std"], seed=cfg.run["seed"], input_model=input_model, neuron_source=str(neuron_path),
        readout_scale=cfg.network.get("readout_scale"), readout_rest=cfg.network.get("readout_rest"))
    if cfg.run["compile"]:
        for neurons in net.neurons:
            neurons.compile()
    where = torch_device(cfg.run["device"])
    net.to(where)
    return Experiment(cfg, splits, enc, device, probe, net, neuron_path, device_path, where)


def _mix(*keys: int) -> int:
    s = 0
    for k in keys:
        s = (s * 1_000_003 + int(k) + 1) % (2**31 - 1)
    return s


def _gen(*keys: int) -> torch.Generator:
    return torch.Generator().manual_seed(_mix(*keys))


@torch.no_grad()
def evaluate(exp: Experiment, split: datasets.Dataset, *, seed: int = EVAL_SEED, keep: int = 0) -> dict[str, Any]:
    """Loss and accuracy on ``split`` (deterministic Poisson draws), mean rates per layer (Hz);
    with ``keep`` the first ``keep`` samples' spikes of every layer (for rasters)."""
    net = exp.net
    net.eval()
    gen = _gen(seed, len(split))
    n = correct = strict = 0
    loss = 0.0
    rates = None
    kept = kept_v = None
    bs = exp.cfg.run["eval_batch_size"]
    dur = exp.n_steps * exp.dt
    for x, y in split.batches(bs):
        out = net(exp.encoder(x, exp.n_steps, exp.dt, generator=gen).to(exp.torch_device))
        y = y.to(exp.torch_device)
        loss += float(F.cross_entropy(net.logits(out), y, reduction="sum"))
        pred = net.scores(out).argmax(1)
        correct += int((pred == y).sum())
        c = out.counts
        top = c.max(1, keepdim=True).values
        unique = (c == top).sum(1) == 1
        strict += int(((c.argmax(1) == y) & unique).sum()) if net.readout == "count" else int((pred == y).sum())
        r = [float(z.sum()) / (z.shape[1] * z.shape[2] * dur) * z.shape[1] for z in out.spikes]
        rates = r if rates is None else [a + b for a, b in zip(rates, r)]
        if keep and kept is None:
            # copies (not views that keep the whole batch alive), on the CPU for the plots
            kept = [z[:, :keep].to("cpu", copy=True) for z in out.spikes]
            kept_v = out.v_out[:, :keep].to("cpu", copy=True) if out.v_out is not None else None
        n += len(y)
    net.train()
    rates = [r / n for r in rates or []]
    return {"loss": loss / n, "acc": correct / n, "acc_strict": strict / n, "rates_hz": rates, "spikes": kept,
            "v_out": kept_v}


@torch.no_grad()
def row_activity(exp: Experiment, split: datasets.Dataset, *, seed: int = EVAL_SEED) -> list[torch.Tensor]:
    """Mean read pulses per step on the rows of every synapse array over ``split`` (the
    encoded inputs for the first array, the presynaptic layer's spikes for the others),
    divided by the array's mean: the activity the ``drive`` pruning criterion weighs each pair
    with (:mod:`.prune`)."""
    net = exp.net
    net.eval()
    gen = _gen(seed, len(split))
    sums: list[torch.Tensor] | None = None
    n = 0
    for x, _ in split.batches(exp.cfg.run["eval_batch_size"]):
        inp = exp.encoder(x, exp.n_steps, exp.dt, generator=gen).to(exp.torch_device)
        out = net(inp)
        # rows of layerK: the layer before it (the inputs for K = 0); of layerK_rec: layer K itself
        layers = [inp, *out.spikes]
        rows = [layers[int(name[5:].split("_")[0]) + name.endswith("_rec")] for name, _ in net.arrays()]
        s = [r.sum((0, 1)) for r in rows]
        sums = s if sums is None else [a + b for a, b in zip(sums, s)]
        n += x.shape[0] * exp.n_steps
    net.train()
    # each array's activity relative to its own mean: the ranking within an array follows the
    # current a pair carries, while one global threshold still compares arrays by magnitude
    # (hidden spikes are far rarer than input pulses: raw rates would prune the later arrays first)
    return [a / torch.clamp(a.mean(), min=torch.finfo(a.dtype).tiny) for a in (s / n for s in sums or [])]


def _hidden_rate(rates: list[float]) -> float:
    return sum(rates[:-1]) / max(len(rates) - 1, 1) if len(rates) > 1 else float("nan")


def train(cfg: TrainConfig, out: str | Path, *, resume: bool = True, progress: bool = True,
          on_batch: Callable[[int, int], None] | None = None, plots: bool = True, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Train, evaluate and save (module docstring); returns the summary written to
    ``OUT/summary.json``. ``resume``: continue from ``OUT/checkpoint.pt`` when it exists.
    ``on_batch(epoch, batch)`` is called before every batch (tests use it to simulate a kill)."""
    from ..outdir import output_dir

    out = output_dir(out)
    torch.set_num_threads(int(cfg.run["threads"]))
    exp = build(cfg)
    net = exp.net
    seed = int(cfg.run["seed"])
    epochs = int(cfg.run["epochs"])
    opt = torch.optim.Adam(net.parameters(), lr=cfg.optimizer["lr"], weight_decay=cfg.optimizer["weight_decay"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs) if cfg.optimizer["schedule"] == "cosine" else None
    smoothing = float(cfg.optimizer["label_smoothing"])
    avg = WeightAverage(net, cfg.optimizer["ema"]) if cfg.optimizer["ema"] > 0 else None
    reg = cfg.regularizer()
    hw = cfg.hardware_spec()
    l1 = float(cfg.prune["l1"])
    refit = bool(cfg.data.get("refit"))
    shift = int(cfg.data.get("augment_shift") or 0)
    if shift and len(exp.splits.train.shape) != 2:
        raise ValidationError(f"[data] augment_shift = {shift}: the {cfg.data['name']} samples are not images "
                              f"(shape {exp.splits.train.shape}).", hint="Leave augment_shift out for this data.")
    history: list[dict[str, Any]] = []
    best = {"val_acc": -1.0, "epoch": -1, "state": None}
    start = 0
    ck = load_checkpoint(out) if resume else None
    if ck is not None:
        was, now = _comparable(ck.get("config")), _comparable(cfg.to_dict())
        if was != now:
            differ = _differences(was, now)
            raise ValidationError(f"{out} holds a checkpoint of a different configuration ({'; '.join(differ[:5])}).",
                                  hint="Use another --out folder, or pass --restart to start this one over.")
        net.load_state_dict(ck["net"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck.get("scheduler"):
            sched.load_state_dict(ck["scheduler"])
        if avg is not None:
            avg.load_state_dict(ck["ema"])
        history, best, start = ck["history"], ck["best"], ck["epoch"]
        log(f"resuming {out} after epoch {start} of {epochs}")
    _write_metrics(out, history)
    n_batches = math.ceil(len(exp.splits.train) / cfg.run["batch_size"])
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=epochs * n_batches, initial=start * n_batches, unit="batch", dynamic_ncols=True,
                   desc=cfg.run.get("name") or Path(cfg.path or "train").stem)
    try:
        for epoch in range(start, epochs):
            t0 = time.time()
            gen = _gen(seed, epoch)
            tot_loss = tot_correct = tot_n = 0.0
            for b, (x, y) in enumerate(exp.splits.train.batches(cfg.run["batch_size"], shuffle=True, generator=gen)):
                if on_batch is not None:
                    on_batch(epoch, b)
                if shift:
                    x = shift_images(x, exp.splits.train.shape, shift, gen)
                inp = exp.encoder(x, exp.n_steps, exp.dt, generator=gen).to(exp.torch_device)
                y = y.to(exp.torch_device)
                chip = sample_chip(net, hw, seed=_mix(seed, epoch, b)) if hw.train else None
                with on_chip(net, chip, hw.read_noise):
                    o = net(inp)
                    ce = F.cross_entropy(net.logits(o), y, label_smoothing=smoothing)
                    loss = ce
                    if reg.active:
                        loss = loss + reg(o.spikes, exp.dt, o.v_out if net.readout == "membrane" else None)
                    if l1 > 0:
                        loss = loss + l1 * sum(s.l1() for _, s in net.arrays())
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                net.project()
                if avg is not None:
                    avg.update()
                tot_loss += ce.item() * len(y)
                tot_correct += int((net.scores(o).argmax(1) == y).sum())
                tot_n += len(y)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{tot_loss / tot_n:.3f}", acc=f"{tot_correct / tot_n:.3f}",
                                    val=f"{history[-1]['val_acc']:.3f}" if history else "-")
            lr = opt.param_groups[0]["lr"]
            if sched is not None:
                sched.step()
            # with a weight average, the averaged net is the one validated, selected and saved
            with avg.swapped() if avg is not None else nullcontext():
                ev = evaluate(exp, exp.splits.val)
                if ev["acc"] > best["val_acc"] or refit:  # refit: validation is trained on; keep the last epoch
                    best = {"val_acc": ev["acc"], "epoch": epoch + 1, "state": copy.deepcopy(net.state_dict())}
            row = {"epoch": epoch + 1, "train_loss": tot_loss / tot_n, "train_acc": tot_correct / tot_n,
                   "val_loss": ev["loss"], "val_acc": ev["acc"], "val_acc_strict": ev["acc_strict"],
                   "hidden_rate_hz": _hidden_rate(ev["rates_hz"]), "output_rate_hz": ev["rates_hz"][-1], "lr": lr,
                   "seconds": time.time() - t0}
            history.append(row)
            save_checkpoint(out, {"epoch": epoch + 1, "net": net.state_dict(), "optimizer": opt.state_dict(),
                                  "scheduler": sched.state_dict() if sched is not None else None,
                                  "ema": avg.state_dict() if avg is not None else None,
                                  "history": history, "best": best, "config": cfg.to_dict()})
            _write_metrics(out, history)
            if bar is None:
                log(f"epoch {epoch + 1}/{epochs}: loss {row['train_loss']:.4f} train {row['train_acc']:.4f} "
                    f"val {row['val_acc']:.4f} ({row['seconds']:.1f} s)")
    finally:
        if bar is not None:
            bar.close()
    return finish(exp, out, history, best, plots=plots, log=log)


def finish(exp: Experiment, out: Path, history: list[dict[str, Any]], best: dict[str, Any], *, plots: bool = True,
           log: Callable[[str], None] = print) -> dict[str, Any]:
    """After training: the validation-selected network on the test split, chips, pruning,
    plots and the saved model."""
    import json

    cfg, net = exp.cfg, exp.net
    if best.get("state") is not None:
        net.load_state_dict(best["state"])
    test = evaluate(exp, exp.splits.test, keep=4)
    val = evaluate(exp, exp.splits.val)
    summary: dict[str, Any] = {
        "selected_epoch": best.get("epoch"), "val_acc": val["acc"], "test_acc": test["acc"],
        "test_acc_strict": test["acc_strict"], "test_loss": test["loss"], "rates_hz": test["rates_hz"],
        "epochs": len(history), "seconds": sum(r["seconds"] for r in history),
        "n_steps": exp.n_steps, "dt": exp.dt, "data": exp.splits.describe(),
        # where it ran: a GPU's float32 sums differ from the CPU's in the last bits
        "computed_on": {"device": str(exp.torch_device), "torch": torch.__version__,
                        "threads": torch.get_num_threads()},
    }
    hw = cfg.hardware_spec()
    if hw.eval_chips > 0:
        def ev_test() -> dict[str, float]:
            r = evaluate(exp, exp.splits.test)
            return {"acc": r["acc"], "acc_strict": r["acc_strict"]}

        summary["chips"] = evaluate_chips(net, ev_test, hw, hw.eval_chips)
        c = summary["chips"]["acc"]
        log(f"test accuracy over {hw.eval_chips} chips: {100 * c['mean']:.2f} +- {100 * c['std']:.2f} % "
            f"(nominal {100 * test['acc']:.2f} %)")
    if cfg.prune["fractions"]:
        from .prune import prune, sweep

        def ev_val() -> dict[str, float]:
            return {"val_acc": evaluate(exp, exp.splits.val)["acc"], "test_acc": evaluate(exp, exp.splits.test)["acc"]}

        activity = row_activity(exp, exp.splits.train) if cfg.prune["criterion"] == "drive" else None
        summary["prune"] = sweep(net, ev_val, [0.0, *cfg.prune["fractions"]], activity=activity)
        # deploy the largest fraction whose validation accuracy stays within 0.5 point
        base = summary["prune"][0]["val_acc"]
        ok = [r for r in summary["prune"] if r["val_acc"] >= base - 0.005]
        chosen = max(ok, key=lambda r: r["pruned_fraction"])
        if chosen["target"] > 0:
            summary["pruned"] = prune(net, fraction=chosen["target"], activity=activity)
            summary["pruned"]["criterion"] = cfg.prune["criterion"]
            summary["pruned"].update({"val_acc": chosen["val_acc"], "test_acc": chosen["test_acc"]})
            log(f"pruned {100 * summary['pruned']['fraction']:.1f} % of the pairs (chosen on validation): test "
                f"{100 * chosen['test_acc']:.2f} % (unpruned {100 * summary['prune'][0]['test_acc']:.2f} %)")
    net.to("cpu")  # the saved model and its NIR graph are CPU arrays
    info = model_info(exp, summary)
    folder = save_trained(out, net, info)
    summary["model"] = str(folder)
    from .export_nir import export_nir

    summary["nir"] = str(export_nir(net, folder / "network.nir"))
    if plots:
        from .plots import training_plots

        summary["plots"] = [str(p) for p in training_plots(exp, out, history, test)]
    (out / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2) + "\n")
    log(f"test accuracy {100 * test['acc']:.2f} % (strict count {100 * test['acc_strict']:.2f} %), validation "
        f"{100 * val['acc']:.2f} %, epoch {best.get('epoch')} selected on validation; model in {folder}")
    return summary


def model_info(exp: Experiment, summary: dict[str, Any]) -> dict[str, Any]:
    """The description ``model.json`` carries (see :mod:`.checkpoint`)."""
    cfg, net = exp.cfg, exp.net
    neuron = load_model(exp.neuron_path)
    device: dict[str, Any] = {"interface": exp.model.describe(), "variation_cv": exp.device.variation_summary()}
    if exp.device_path is not None:
        dm = load_model(exp.device_path)
        device.update({"surrogate_file": str(exp.device_path), "sha256": sha256(exp.device_path),
                       "parameters": dm.parameters, "provenance": dm.provenance})
    return {
        "topology": {"sizes": net.sizes, "recurrent": bool(len(net.recurrent)), "readout": net.readout,
                     **({"readout_rest": net.readout_rest} if net.readout_rest is not None else {})},
        "time": {"dt": exp.dt, "n_steps": exp.n_steps, "duration": exp.dt * exp.n_steps},
        "pulse": {"amplitude": net.pulse.amplitude, "width": net.pulse.width,
                  "note": "every input or hidden spike drives its row with this read pulse; columns are read at "
                          "virtual ground: I_j = sum_i (I(G+_ij) - I(G-_ij)) s_i"},
        "encoding": dict(cfg.encoding),
        "device": device,
        "neuron": {"surrogate_file": str(exp.neuron_path), "sha256": sha256(exp.neuron_path), "name": neuron.name,
                   "parameters": {k: float(v) for k, v in net.neuron._asdict().items()},
                   "overrides": cfg.neuron.get("params", {}), "provenance": neuron.provenance},
        "surrogate_gradient": dict(cfg.surrogate),
        "config": cfg.to_dict(),
        "metrics": {k: v for k, v in summary.items() if k not in ("rates_hz",)},
    }


def _comparable(d: dict[str, Any] | None) -> dict[str, Any]:
    """A config as a checkpoint compares it: what shapes training. Where the file was and the
    evaluation-only settings (chips evaluated, and their variation when training saw none;
    pruned fractions tried) may differ, so a finished run can be re-evaluated under other chips
    by running it again with those settings changed."""
    from .config import SCHEMA

    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (d or {}).items()}
    d.pop("path", None)
    # where a run computes does not change what it trains (a GPU run may resume on the CPU)
    if isinstance(d.get("run"), dict):
        d["run"].pop("device", None)
    # a key added since the checkpoint was written counts as its default
    for section, keys in SCHEMA.items():
        if isinstance(d.get(section), dict):
            for key, (_, default) in keys.items():
                d[section].setdefault(key, default)
    hw = d.get("hardware", {})
    hw.pop("eval_chips", None)
    if not hw.get("train", False):
        for k in ("variation", "sigma_scale", "programming", "prog_noise", "read_noise"):
            hw.pop(k, None)
    d.get("prune", {}).pop("fractions", None)
    return d


def _differences(was: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """``section.key: checkpoint -> config`` for every setting that differs (a key compared on
    one side only, such as the chip settings of a run that trained without chips, is listed
    only when nothing else differs)."""
    both, one = [], []
    for section in sorted(set(was) | set(now)):
        a, b = was.get(section), now.get(section)
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if a.get(k) != b.get(k):
                    (both if k in a and k in b else one).append(f"{section}.{k}: {a.get(k)!r} -> {b.get(k)!r}")
        elif a != b:
            both.append(f"{section}: {a!r} -> {b!r}")
    return both or one


def _write_metrics(out: Path, history: list[dict[str, Any]]) -> None:
    path = Path(out) / "metrics.csv"
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=METRICS)
        w.writeheader()
        for row in history:
            w.writerow({k: row[k] for k in METRICS})
    tmp.replace(path)


def _jsonable(v: Any) -> Any:
    from ..surrogates.artifacts import _clean

    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items() if k not in ("spikes", "v_out")}
    return _clean(v)
