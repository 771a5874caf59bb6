"""The exception hierarchy.

Every error names the thing that went wrong and says what to do (``hint``). Simulation errors
carry the evidence: ngspice's stdout/stderr and the run directory, which is kept on failure.
"""

from __future__ import annotations

from pathlib import Path


class CircuitSNNError(Exception):
    """Base class of every circuitsnn error. ``hint`` says what to do about it."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip())


class ValidationError(CircuitSNNError, ValueError):
    """A parameter, name, value or file was rejected before anything ran."""


class UnsafeDeckError(ValidationError):
    """A deck asks for something that needs explicit trust (.control, shell, an outside include)."""


class SimulationError(CircuitSNNError):
    """ngspice ran and failed. Carries its output and keeps the run directory for inspection."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        stdout: str = "",
        stderr: str = "",
        workdir: Path | str | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.workdir = Path(workdir) if workdir is not None else None
        where = f" Run directory kept at {self.workdir}." if self.workdir else ""
        super().__init__(message + where, hint=hint)

    def output_excerpt(self, lines: int = 12) -> str:
        """What ngspice said that matters: its error/warning lines first, then the tail."""
        every = [ln.rstrip() for ln in (self.stderr + "\n" + self.stdout).splitlines() if ln.strip()]
        keys = ("error", "warning", "too small", "abort", "fail", "singular", "not found")
        important = [ln for ln in every if any(k in ln.lower() for k in keys)]
        return "\n".join((important or every[-lines:])[:lines])


class NetlistError(SimulationError):
    """ngspice could not read the deck: syntax, unknown model or subcircuit, missing include."""


class ConvergenceError(SimulationError):
    """The solver gave up ("timestep too small", gmin/source stepping failed)."""

    def __init__(self, message: str, *, time_reached: float | None = None, **kw) -> None:
        self.time_reached = time_reached
        super().__init__(message, **kw)


class SimulationTimeout(SimulationError):
    """ngspice ran longer than allowed and was killed."""


class SimulatorMissing(SimulationError):
    """ngspice (or libngspice) is not installed."""


class SimulatorCrashed(SimulationError):
    """The simulator process died (segfault, exit callback); the worker was replaced."""


class SignalNotFound(ValidationError, KeyError):
    """A probe names a signal the results do not have."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0] if self.args else ""


class FitToleranceError(CircuitSNNError):
    """A fit (or its held-out validation) missed its tolerance; nothing was saved."""
