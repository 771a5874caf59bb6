"""Checkpoints (resume a killed run) and the saved model (what deployment reads).

**Checkpoints** — ``OUT/checkpoint.pt`` is written atomically (temporary file, then rename)
after every epoch: the network, the optimizer and schedule, the metrics so far and the best
network on the validation split. Every random draw of the trainer is derived from the seed, the
epoch and the batch, so a run resumed from a checkpoint continues exactly as the uninterrupted
run would have (a test checks the weights are identical).

**Saved model** — ``OUT/model/`` holds, for deployment (the ``deploy`` stage) and for people:

* ``model.json`` (schema ``circuitsnn.trained/1``): the topology (layer sizes, recurrent arrays,
  readout), the time step and presentation, the read pulse (V, s), the encoding, the device
  family (component, weight interface figures: range, levels, read nonlinearity, and the fitted
  surrogate file with its sha256 and provenance), the neuron surrogate (its parameters in SI,
  the file, sha256 and provenance), the configuration, the metrics, and for each array its
  shape, the number of devices and of pruned pairs;
* ``weights.npz``: per array ``<name>.g_pos`` / ``<name>.g_neg`` (S, the conductance each
  device is programmed to, at the family's read bias), ``<name>.state_pos`` /
  ``<name>.state_neg`` (the device states, the family's unit), ``<name>.mask`` (1: a pair is
  present; 0: pruned — no devices, its entries are NaN) and ``<name>.weight`` (S,
  ``G+ - G-``, 0 where pruned). Rows are outputs (columns of the crossbar), columns inputs.

:func:`load_trained` reads both back without torch's pickles. ``network.nir`` beside them is
the NIR graph of the same network (:mod:`.export_nir`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ValidationError
from ..surrogates.artifacts import _clean

SCHEMA = "circuitsnn.trained/1"
CHECKPOINT = "checkpoint.pt"


def save_checkpoint(out: Path, state: dict[str, Any]) -> Path:
    path = Path(out) / CHECKPOINT
    tmp = path.with_suffix(".pt.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(out: Path) -> dict[str, Any] | None:
    path = Path(out) / CHECKPOINT
    if not path.exists():
        return None
    try:
        return torch.load(path, weights_only=False, map_location="cpu")
    except Exception as exc:  # a truncated file cannot happen with the atomic write, but say so
        raise ValidationError(f"the checkpoint {path} cannot be read ({exc}).",
                              hint="Delete it to start over, or pass --restart.") from None


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_trained(out: Path, net: Any, info: dict[str, Any]) -> Path:
    """Write ``out/model/model.json`` and ``weights.npz`` (module docstring)."""
    folder = Path(out) / "model"
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    layout = []
    with torch.no_grad():
        for name, syn in net.arrays():
            gp, gn = syn.conductances(torch.float64)
            sp, sn = syn.states()
            mask = syn.mask.bool()
            nan = torch.tensor(float("nan"), dtype=torch.float64)
            arrays[f"{name}.g_pos"] = torch.where(mask, gp, nan).numpy()
            arrays[f"{name}.g_neg"] = torch.where(mask, gn, nan).numpy()
            arrays[f"{name}.state_pos"] = torch.where(mask, sp, nan).numpy()
            arrays[f"{name}.state_neg"] = torch.where(mask, sn, nan).numpy()
            arrays[f"{name}.mask"] = mask.numpy().astype(np.uint8)
            arrays[f"{name}.weight"] = torch.where(mask, gp - gn, torch.zeros(())).numpy()
            pairs = int(mask.sum())
            layout.append({"name": name, "n_in": syn.n_in, "n_out": syn.n_out, "pairs": pairs,
                           "pruned_pairs": int(mask.numel() - pairs), "devices": 2 * pairs,
                           "recurrent": name.endswith("_rec")})
    np.savez_compressed(folder / "weights.npz", **arrays)
    doc = {"schema": SCHEMA, **info, "arrays": layout, "weights_file": "weights.npz"}
    tmp = folder / "model.json.tmp"
    tmp.write_text(json.dumps(_clean(doc), indent=2) + "\n")
    os.replace(tmp, folder / "model.json")
    return folder


def load_trained(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(model.json as a dict, arrays)`` of a saved model folder (or its ``model.json``)."""
    p = Path(path)
    folder = p.parent if p.suffix == ".json" else p
    try:
        doc = json.loads((folder / "model.json").read_text())
    except FileNotFoundError:
        raise ValidationError(f"no trained model at {folder} (model.json missing).",
                              hint="Train one: circuitsnn train CONFIG.toml --out DIR (the model is DIR/model).") from None
    if doc.get("schema") != SCHEMA:
        raise ValidationError(f"{folder}/model.json is not a circuitsnn trained model (schema {doc.get('schema')!r}).")
    with np.load(folder / doc["weights_file"]) as z:
        arrays = {k: z[k] for k in z.files}
    return doc, arrays
