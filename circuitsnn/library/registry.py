"""The component registry: every neuron circuit and synapse device, by name.

A :class:`Component` ties together a frozen parameter class, the pure function that renders its
``.subckt`` from parameters, and the testbenches a designer runs on it. The registry drives
``circuitsnn list``, ``circuitsnn characterize``, the sweep engine, the surrogate fits, the
generated ``netlists/`` and one parametrized test over every entry.

Components register themselves when their module is imported; :func:`load_all` imports the
library modules so the registry is complete.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
from pathlib import Path
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, Mapping, Union

from ..errors import ValidationError
from ..params import Params
from ..spice.ir import Deck, Subckt

if TYPE_CHECKING:  # pragma: no cover
    from ..physics.law import Law
    from ..physics.neuron import NeuronLaw

Kind = Literal["neuron", "synapse", "interface"]

#: Library modules that register components on import.
LIBRARY_MODULES = (
    "circuitsnn.library.neurons",
    "circuitsnn.library.synapses",
    "circuitsnn.library.interfaces",
)


@dataclass(frozen=True)
class Testbench:
    """A runnable deck for one component and what to look at in its results.

    ``deck`` holds the component's subcircuit, the stimulus and the analyses. ``probes`` are the
    signals a designer plots (``v(mem)``, ``i(vread)``). ``measure`` (optional) derives the
    characterization data from the result (e.g. an f-I curve from several neuron copies in one
    deck): it returns a mapping of named numpy arrays / floats, with units in ``units``.
    """

    __test__ = False  # not a pytest class, despite the name

    name: str
    deck: Deck
    probes: tuple[str, ...]
    description: str = ""
    measure: Callable[[Any], Mapping[str, Any]] | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    #: How characterize plots it: "transient" (probes vs time), "sweep" (probes vs DC sweep),
    #: or "xy:<x>:<y>" (two measured arrays against each other, e.g. "xy:i_in:rate"; a 2-D y
    #: draws one curve per row, against a 2-D x row by row).
    plot: str = "transient"
    #: How the plot reads for a designer (all optional): ``traces`` {probe: (label, unit[, scale
    #: [, panel]])}: legend text, the physical unit after multiplying the signal by ``scale``
    #: (a state node holding G in uS: scale 1e-6, unit "S"), and the panel (y-axis quantity)
    #: it shares; ``x``/``y`` (label, unit): axis names; ``logx``/``logy``/``abs`` (plot |y|);
    #: ``series``: legend text of each row of a 2-D y; ``marks``: ((x, text), ...) vertical
    #: lines (polarity changes, thresholds); ``xlim``/``ylim``: (lo, hi) of an xy plot
    style: Mapping[str, Any] = field(default_factory=dict)


TestbenchBuilder = Callable[..., Testbench]

#: Where a later pipeline stage finds what a component provides: a callable, or the text
#: ``"package.module:attribute"`` imported on first use (so the library never imports the
#: fitting or learning code that consumes it).
EntryPoint = Union[str, Callable[..., Any], None]


def resolve(entry: EntryPoint, what: str = "entry point") -> Callable[..., Any] | None:
    """The callable behind an :data:`EntryPoint` (``None`` stays ``None``)."""
    if entry is None or callable(entry):
        return entry
    module, _, attr = str(entry).partition(":")
    if not module or not attr:
        raise ValidationError(f"{what} {entry!r} is not 'package.module:attribute'.")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValidationError(f"{what} {entry!r} cannot be imported: {exc}.") from None
    return obj


@dataclass(frozen=True)
class Component:
    """One entry of the library."""

    name: str
    kind: Kind
    family: str
    params_cls: type[Params]
    subckt: Callable[[Params], Subckt]
    testbenches: Mapping[str, TestbenchBuilder]
    summary: str
    pinout: str = ""
    equation: str = ""
    reference: str = ""
    #: the device physics the subcircuit renders (None: a transistor-level circuit); a neuron's
    #: is a :class:`~circuitsnn.physics.neuron.NeuronLaw` (RC states, branches, spike rule)
    law: "Law | NeuronLaw | None" = None
    #: fits the surrogate: ``fitter(component, params, data) -> SurrogateFit``
    fitter: EntryPoint = None
    #: the weight interface class of a synapse (see :mod:`circuitsnn.surrogates.weights`)
    weights: EntryPoint = None
    #: builds the torch module of a fitted surrogate, ``module(component, values, **kw) -> nn.Module``
    #: (``values``: the surrogate's parameters by name); :func:`circuitsnn.surrogates.modules.from_model`
    module: EntryPoint = None
    #: the SI surrogate class of a neuron: ``cls.from_component(component, model=None)`` gives
    #: input current (A) -> output voltage pulses (V, s) (see :mod:`circuitsnn.surrogates.neuron`)
    surrogate: EntryPoint = None
    #: simulator options every deck that instantiates the component needs (``method``,
    #: ``reltol``, ...) and the largest time step (s) that keeps it accurate: a number, or a
    #: function of the parameters (a neuron's step follows its time constants); see
    #: :meth:`max_step_for`
    sim_options: Mapping[str, Any] = field(default_factory=dict)
    max_step: float | Callable[[Params], float] | None = None
    #: how a synapse is used in a network, SI (the weight interface, network decks and
    #: ``circuitsnn list NAME`` read it): ``v_read`` (V, the read bias across in -> out a row
    #: driver applies for each presynaptic spike), ``t_read`` (s, that read pulse's width: the
    #: default LIF's spike width), the nominal programming events (``v_set``/``v_reset`` V,
    #: ``t_prog`` s, ``t_edge`` s; ``v_prog``/``v_erase`` on the Schottky gate/erase; the
    #: optocoupler's LED drive range ``v_led_max`` and ``dac_bits``; ...), and ``polarity`` (text:
    #: which terminal reads, which sign programs)
    operating: Mapping[str, Any] = field(default_factory=dict)
    #: the lean read-mode variant of a synapse for large networks: ``read_mode(params, state)
    #: -> (subckt, instance parameters)``; the subcircuit is the device's read law at a fixed
    #: state (ports ``in out``, a stable name, parameterized), see :meth:`read_subckt`
    read_mode: Callable[..., Any] | None = None
    #: the operating-range table of a synapse (numpy only, no simulation):
    #: ``operating_range(component, params) -> OperatingRange`` (:mod:`circuitsnn.library.operating`)
    operating_range: EntryPoint = None
    #: what the fitter needs to know that the law cannot say (fixed parameters, bounds, stimuli)
    fit_hints: Mapping[str, Any] = field(default_factory=dict)
    #: SPICE model files the subcircuit needs (a PDK's models, a user's cards): every
    #: testbench deck includes them; their folders must be trusted
    includes: tuple[Path, ...] = ()
    #: the technology a transistor-level component is built in (a name of
    #: :mod:`circuitsnn.library.technology`): its model files (at the parameters' ``corner``, when
    #: the Params have that field) and its ``.param`` switches go into every testbench deck. A
    #: Params field ``technology`` overrides it per instance.
    technology: str | None = None

    @property
    def builtin(self) -> bool:
        """Part of the shipped library (not registered by a user or a test)."""
        return self.subckt.__module__.startswith(LIBRARY_MODULES)

    def resolve(self, what: str) -> Callable[..., Any] | None:
        """The callable of the entry point ``what`` ("fitter", "weights", "module", "surrogate")."""
        return resolve(getattr(self, what), f"component {self.name!r} {what}")

    def read_subckt(self, params: Params | None = None, state: Any = None) -> Subckt:
        """The lean read-mode subcircuit (ports ``in out``) at ``state`` (the weight interface's
        state: memristor x, Schottky dphi, optocoupler LED drive, digital code); its instance
        parameters set other states (:meth:`read_params`)."""
        if self.read_mode is None:
            raise ValidationError(f"component {self.name!r} has no read-mode variant.")
        return self.read_mode(params or self.default_params(), state)[0]

    def read_params(self, state: Any, params: Mapping[str, Any] | Params | None = None) -> dict:
        """Instance parameters of the read-mode subcircuit for ``state``."""
        if self.read_mode is None:
            raise ValidationError(f"component {self.name!r} has no read-mode variant.")
        return dict(self.read_mode(params or self.default_params(), state)[1])

    def max_step_for(self, params: Params | None = None) -> float | None:
        """The largest time step (s) a deck with this component at ``params`` (default: the
        default parameters) may take: :attr:`max_step`, evaluated when it is a function."""
        if callable(self.max_step):
            return float(self.max_step(params or self.default_params()))
        return self.max_step

    def technology_for(self, params: Params | None = None):
        """The :class:`~circuitsnn.library.technology.Technology` and corner of ``params``
        (default parameters when None); ``(None, None)`` for a component without transistors."""
        params = params or self.default_params()
        name = getattr(params, "technology", None) or self.technology
        if name is None:
            return None, None
        from .technology import get

        tech = get(name)
        return tech, getattr(params, "corner", None) or tech.default_corner

    def deck_context(self, params: Params | None = None) -> tuple[tuple, dict]:
        """What a deck holding this component at ``params`` needs besides its subcircuit: the
        model files to include (technology, :attr:`includes`, ``--lib``) and the ``.param`` values
        its models read (a technology's statistical switches)."""
        tech, corner = self.technology_for(params)
        includes: tuple = ()
        values: dict = {}
        if tech is not None:
            from .technology import use

            use(tech, corner)
            includes = tech.includes(corner)
            values = tech.deck_params()
        return includes + tuple(self.includes) + tuple(_SESSION_LIBS), values

    def prepare_deck(self, deck: Deck, params: Params | None = None) -> Deck:
        """``deck`` with what :meth:`deck_context` says this component needs (what every
        testbench gets; decks built elsewhere, e.g. a fitter's, call it too)."""
        includes, values = self.deck_context(params)
        extra = tuple(p for p in includes if p not in deck.includes)
        changes: dict = {}
        if extra:
            changes["includes"] = deck.includes + extra
        missing = {k: v for k, v in values.items() if k not in deck.params}
        if missing:
            changes["params"] = {**missing, **dict(deck.params)}
        return dataclasses.replace(deck, **changes) if changes else deck

    def default_params(self) -> Params:
        return self.params_cls()

    def make_params(self, **values: Any) -> Params:
        return self.params_cls.from_dict(values) if values else self.params_cls()

    def builder(self, name: str) -> TestbenchBuilder:
        """The builder of testbench ``name``: a declared one, or ``waveform`` — every component
        can be driven by a user's own stimulus (:mod:`.waveform`) unless it declares its own."""
        if name in self.testbenches:
            return self.testbenches[name]
        if name == "waveform":
            from .waveform import waveform_builder

            return waveform_builder(self)
        raise KeyError(name)

    def testbench(self, name: str, params: Params | None = None, **stimulus: Any) -> Testbench:
        if name not in self.testbenches and name != "waveform":
            raise ValidationError(
                f"component {self.name!r} has no testbench {name!r}.",
                hint=f"Its testbenches: {', '.join(self.testbenches)}.",
            )
        params = params or self.default_params()
        tb = self.builder(name)(params, **stimulus)
        deck = self.prepare_deck(tb.deck, params)
        if deck is not tb.deck:
            tb = dataclasses.replace(tb, deck=deck)
        own = self.subckt(params)
        if own not in tb.deck.subckts:
            # a testbench built from another component's subcircuit would characterize and fit
            # the wrong device while looking fine
            raise ValidationError(
                f"testbench {name!r} of component {self.name!r} does not instantiate the component's own "
                f"subcircuit {own.name!r} (its deck holds {', '.join(s.name for s in tb.deck.subckts) or 'none'}).",
                hint="Build the testbenches from the component's subckt function, e.g. with the family's "
                "testbenches(subckt) factory.",
            )
        return tb


_REGISTRY: dict[str, Component] = {}
#: model files every testbench deck includes in this process (``--lib FILE``)
_SESSION_LIBS: list[Path] = []


def add_library_files(*files: str | Path) -> None:
    """Include ``files`` (SPICE model/library files) in every testbench deck of this process and
    trust their folders: what the CLI's ``--lib FILE`` does."""
    from ..spice.load import trust

    for f in files:
        p = Path(f).expanduser().resolve()
        if not p.is_file():
            raise ValidationError(f"library file {str(f)!r} does not exist.", hint="Give the path of a SPICE model file.")
        trust(p.parent)
        if p not in _SESSION_LIBS:
            _SESSION_LIBS.append(p)


def import_user_module(spec: str) -> None:
    """Import a file (``my_devices.py``) or module (``mypkg.devices``) that registers components:
    what ``--module`` does. Errors name the file and what went wrong."""
    path = Path(spec)
    try:
        if spec.endswith(".py") or path.exists():
            if not path.is_file():
                raise ValidationError(f"module file {spec!r} does not exist.", hint="Give the path of a .py file.")
            name = "circuitsnn_user_" + path.stem
            if name in sys.modules:
                return
            ispec = importlib.util.spec_from_file_location(name, path.resolve())
            mod = importlib.util.module_from_spec(ispec)
            sys.modules[name] = mod  # dataclasses look their module up by name
            ispec.loader.exec_module(mod)
        else:
            importlib.import_module(spec)
    except ValidationError:
        raise
    except Exception as exc:  # a user's file: any error is theirs to fix, shown with its type
        sys.modules.pop("circuitsnn_user_" + path.stem, None)
        raise ValidationError(f"importing {spec!r} failed: {type(exc).__name__}: {exc}.",
                              hint="Run the file with python to see the full traceback, fix it, and retry.") from None


def register(component: Component) -> Component:
    """Add a component; names are unique."""
    if component.name in _REGISTRY and _REGISTRY[component.name] is not component:
        raise ValidationError(f"a component named {component.name!r} is already registered.")
    _REGISTRY[component.name] = component
    return component


def load_all() -> None:
    """Import every library module so that all components are registered."""
    for mod in LIBRARY_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def get(name: str) -> Component:
    load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValidationError(
            f"no component named {name!r}.",
            hint=f"Known components: {', '.join(sorted(_REGISTRY)) or 'none'} (see `circuitsnn list`).",
        ) from None


def components(kind: Kind | None = None, *, builtin_only: bool = False) -> list[Component]:
    load_all()
    return [
        c
        for _, c in sorted(_REGISTRY.items())
        if (kind is None or c.kind == kind) and (c.builtin or not builtin_only)
    ]


def names(*, builtin_only: bool = False) -> list[str]:
    return [c.name for c in components(builtin_only=builtin_only)]
