"""One simulator interface, several back-ends.

``Simulator.available()`` says whether the back-end can run here; ``Simulator.run(deck)`` returns
a :class:`~circuitsnn.spice.result.Result` or raises a typed
:class:`~circuitsnn.errors.SimulationError` carrying ngspice's output and the kept run directory.

A *deck* is anything :func:`prepare` accepts: an IR :class:`~circuitsnn.spice.ir.Deck`, a loaded
:class:`~circuitsnn.spice.load.TextDeck`, a path to a ``.cir``/``.sp`` file, or a PySpice
``Circuit``. Every one ends as checked text.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterable, Sequence, Union

from ..errors import ConvergenceError, SimulatorMissing, ValidationError
from .ir import Analysis, Deck
from .load import _ANALYSIS_RE, TextDeck, from_pyspice, load_deck, scan_text
from .render import render, render_analysis
from .result import Result

DeckLike = Union[Deck, TextDeck, str, Path, Any]

INSTALL_HINT = (
    "Install ngspice: `apt-get install -y ngspice libngspice0` (Debian/Ubuntu), "
    "or run `make test`/`make demo`, which install it."
)
#: A transient run that stops short of t_stop by more than this fraction failed.
TSTOP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PreparedDeck:
    """Checked deck text and what the back-ends need to know about it."""

    text: str
    title: str
    tran_stop: float | None
    dc_source: str | None = None  # the swept source of a .dc, to label the sweep axis
    user_control: bool = False  # the deck has its own .control block (allowed explicitly)
    encoding: str = "utf-8"  # of the deck file, kept when it is written for ngspice
    source_dir: Path | None = None  # the folder of the deck file: ngspice's $inputdir

    @property
    def autostop(self) -> bool:
        """``.option autostop``: ngspice ends a transient once every ``.meas`` has a result."""
        return bool(_AUTOSTOP_RE.search(self.text))


_AUTOSTOP_RE = re.compile(r"^\s*\.options?\b[^\n]*\bautostop\b", re.I | re.M)
_CONTROL_LINE_RE = re.compile(r"^\s*\.control\b", re.I | re.M)
ANALYSES = ".tran, .dc, .op, .ac, .noise, .tf, .pz, .sens, .disto, .pss or .sp"


def prepare(
    deck: DeckLike,
    analyses: Sequence[Analysis] | None = None,
    *,
    trusted_dirs: Iterable[Path | str] = (),
    allow_control: bool = False,
) -> PreparedDeck:
    """Turn any deck-like input into checked text, optionally replacing its analyses."""
    if isinstance(deck, Deck):
        if analyses:
            deck = deck.with_analyses(*analyses)
        if not deck.analyses:
            raise ValidationError(
                f"deck {deck.title!r} has no analysis.",
                hint="Add one: deck.with_analyses(Tran(step=1e-6, stop=1e-3)), or pass analyses=.",
            )
        text = render(deck, trusted_dirs=[Path(d) for d in trusted_dirs])
        scan_text(text, f"deck {deck.title!r}", allow_control=False, has_title=True)
        return PreparedDeck(text, deck.title, deck.tran.stop if deck.tran else None, _dc_source(text))
    if isinstance(deck, (str, Path)):
        deck = load_deck(deck, trusted_dirs=trusted_dirs, allow_control=allow_control)
    elif not isinstance(deck, TextDeck):
        if type(deck).__name__ == "Circuit" and hasattr(deck, "str"):
            deck = from_pyspice(deck, trusted_dirs=trusted_dirs, allow_control=allow_control)
        else:
            raise ValidationError(
                f"cannot simulate a {type(deck).__name__}.",
                hint="Pass a circuitsnn Deck, a path to a .cir/.sp file, or a PySpice Circuit.",
            )
    if analyses:
        deck = deck.with_analyses(*(render_analysis(a) for a in analyses))
    user_control = bool(deck.allow_control and _CONTROL_LINE_RE.search(deck.text))
    if not user_control and not any(_ANALYSIS_RE.match(ln) for ln in deck.text.splitlines()[1:]):
        raise ValidationError(
            f"deck {deck.title!r} has no analysis ({ANALYSES}).",
            hint="Add one to the deck, or pass --tran STEP STOP on the command line.",
        )
    return PreparedDeck(
        deck.text, deck.title, deck.tran_stop, _dc_source(deck.text), user_control, deck.encoding,
        deck.source.parent if deck.source is not None else None,
    )


def _dc_source(text: str) -> str | None:
    m = re.search(r"^\s*\.dc\s+(\w+)", text, re.I | re.M)
    return m.group(1).lower() if m else None


def label_sweep_axis(result: Result, prepared: PreparedDeck) -> None:
    """ngspice calls every DC sweep axis 'v-sweep'; name it after the deck's swept source."""
    if prepared.dc_source:
        for plot in result.plots:
            if plot.analysis == "dc":
                plot.axis_label = prepared.dc_source


def check_tran_complete(result: Result, tran_stop: float | None, *, autostop: bool = False, **evidence: Any) -> None:
    """A transient that ends before t_stop failed, whatever the exit status said; unless the
    deck asked for ``.option autostop`` and has measured what it wanted (a note then)."""
    if tran_stop is None:
        return
    try:
        t = result.tran.time
    except KeyError:
        return
    reached = float(t[-1]) if len(t) else 0.0
    if reached < tran_stop * (1 - TSTOP_TOLERANCE) and autostop and len(t) > 1 and result.measurements:
        result.notes.append(
            f"the transient stopped at t = {reached:g} s, before t_stop = {tran_stop:g} s, because "
            ".option autostop ends it once every .meas has its result."
        )
        return
    if reached < tran_stop * (1 - TSTOP_TOLERANCE):
        raise ConvergenceError(
            f"the transient stopped at t = {reached:g} s, before t_stop = {tran_stop:g} s.",
            hint="The solver gave up; try a smaller max step or .options method=gear.",
            time_reached=reached,
            **evidence,
        )


def ngspice_version(executable: str = "ngspice") -> str:
    """``'39'`` for ngspice-39; raises :class:`SimulatorMissing` when not installed. Asked of the
    program ``executable`` resolves to now, so a changed PATH is seen."""
    exe = shutil.which(executable)
    if exe is None:
        raise SimulatorMissing(f"ngspice executable {executable!r} was not found.", hint=INSTALL_HINT)
    return _version_of(exe)


@functools.lru_cache(maxsize=8)
def _version_of(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"ngspice-(\S+)", out)
    return m.group(1) if m else "unknown"


class Simulator(ABC):
    """The interface every back-end implements."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def available(cls) -> bool:
        """True when this back-end can run on this machine."""

    @abstractmethod
    def run(
        self,
        deck: DeckLike,
        *,
        analyses: Sequence[Analysis] | None = None,
        timeout: float | None = None,
        keep: bool | None = None,
    ) -> Result:
        """Simulate ``deck`` (its own analyses, or ``analyses``) and return the results."""

    def version(self) -> str:
        return ngspice_version()

    def close(self) -> None:
        """Release processes or libraries the back-end holds."""

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


BACKENDS: dict[str, str] = {
    "batch": "circuitsnn.spice.batch:BatchSimulator",
    "shared": "circuitsnn.spice.shared:SharedSimulator",
}


def get_simulator(name: str = "batch", **options: Any) -> Simulator:
    """A back-end by name: ``batch`` (default, ``ngspice -b``) or ``shared`` (libngspice)."""
    if name not in BACKENDS:
        raise ValidationError(f"unknown simulator back-end {name!r}.", hint=f"Use one of {', '.join(BACKENDS)}.")
    module, _, cls = BACKENDS[name].partition(":")
    import importlib

    return getattr(importlib.import_module(module), cls)(**options)


def simulate(deck: DeckLike, *, backend: str = "batch", analyses: Sequence[Analysis] | None = None, timeout: float | None = None, **options: Any) -> Result:
    """One-shot convenience: run a deck on a back-end and close it."""
    with get_simulator(backend, **options) as sim:
        return sim.run(deck, analyses=analyses, timeout=timeout)
