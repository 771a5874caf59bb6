"""The deployment step of ``make demo``: train the tiny digits network of
``examples/deploy/tiny_vteam.toml`` (64-10-10 VTEAM pairs, seconds on one core), deploy it and
verify a handful of test samples in ngspice against the surrogate network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "deploy" / "tiny_vteam.toml"


def train_deploy_verify(out: Path, *, samples: int = 4, workers: int | None = None) -> dict[str, Any]:
    """Train (resumed when done before), verify ``samples`` test samples at read fidelity;
    ``{"ok", "detail", "files"}`` for the demo page."""
    from ..learn.config import load_config
    from ..learn.trainer import train
    from .verify import verify

    out = Path(out)
    summary = train(load_config(CONFIG), out / "train", progress=False, plots=True, log=lambda s: None)
    v = verify(out / "train" / "model", samples=samples, fidelity="read", out=out / "verify", workers=workers,
               progress=False)
    s = v.summary
    detail = (f"trained {CONFIG.name}: test accuracy {100 * summary['test_acc']:.1f} % (surrogate, discrete time)\n\n"
              + Path(v.files["table"]).read_text())
    files = [Path(v.files[k]) for k in ("raster", "membrane") if k in v.files]
    files += [Path(p) for p in summary.get("plots", []) if p.endswith("rasters.png")]
    ok = s.get("failed", 1) == 0 and s.get("done", 0) == samples
    return {"ok": ok, "detail": detail, "files": files}
