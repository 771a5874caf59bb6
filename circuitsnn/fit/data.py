"""Simulation data for fits, with a cache keyed by the deck text.

:class:`SimData` runs a deck (an IR :class:`~circuitsnn.spice.ir.Deck`) and an extractor that turns
the :class:`~circuitsnn.spice.result.Result` into named numpy arrays; with a ``cache_dir`` the
arrays are stored as ``<sha256(deck)[:16]>-<extractor>.npz`` and reused when the same deck comes
again, so ``circuitsnn fit`` re-runs only what changed. Every deck it ran (or reused) is
remembered with its hash for the provenance of the fitted model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..spice.ir import Deck
from ..spice.render import render
from ..surrogates.artifacts import deck_hash

Extractor = Callable[[Any], Mapping[str, Any]]


@dataclass
class SimData:
    """Runs decks (or reuses cached results). ``decks`` maps a label to the sha256 of every deck
    used; ``seconds`` is the simulation time actually spent; ``runs``/``hits`` count them."""

    cache_dir: Path | None = None
    backend: str = "batch"
    timeout: float = 600.0
    decks: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    runs: int = 0
    hits: int = 0
    _sim: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cache_dir is not None:
            self.cache_dir = Path(self.cache_dir)
            self.cache_dir.mkdir(parents=True, exist_ok=True)

    def ngspice(self) -> str:
        from ..spice.simulator import ngspice_version

        return ngspice_version()

    def simulator(self):
        if self._sim is None:
            from ..spice.simulator import get_simulator

            self._sim = get_simulator(self.backend, timeout=self.timeout)
        return self._sim

    def run(self, label: str, deck: Deck, extract: Extractor, *, tag: str = "") -> dict[str, np.ndarray]:
        """``extract(simulate(deck))`` as a dict of arrays, from the cache when possible.

        ``tag`` names the extractor in the cache key (change it when the extractor changes)."""
        text = render(deck)
        h = deck_hash(text)
        self.decks[label] = h
        path = None
        if self.cache_dir is not None:
            # keyed by the simulator too: another ngspice may give other numbers for the same deck
            path = self.cache_dir / f"{h[:16]}-ng{self.ngspice()}-{tag or label}.npz"
            if path.exists():
                with np.load(path, allow_pickle=False) as z:
                    self.hits += 1
                    return {k: z[k] for k in z.files}
        t0 = time.perf_counter()
        res = self.simulator().run(deck)
        self.seconds += time.perf_counter() - t0
        self.runs += 1
        out = {k: np.asarray(v) for k, v in extract(res).items()}
        if path is not None:
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **out)
            tmp.replace(path)
        return out

    def close(self) -> None:
        if self._sim is not None:
            self._sim.close()
            self._sim = None
