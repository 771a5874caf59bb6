"""Output folders: checked and created before any work is done, with a clear error when they
cannot be (an existing file, a read-only file system, no permission).

Every command that writes results (``simulate``, ``sweep``, ``fit``, ``characterize``) and the
library functions behind them call :func:`output_dir` first, so a bad ``--out`` fails at once
with the usual "problem + what to do" paragraph instead of a bare ``[Errno 30]`` after the
simulations ran.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import ValidationError

_HINT = "Pass --out a folder you can write to (it is created if missing), e.g. --out runs/NAME."


def output_dir(path: str | Path, what: str = "output folder") -> Path:
    """Create ``path`` (and its parents) if needed and check that files can be written in it.

    Raises :class:`ValidationError` naming the folder and the reason (an existing file, a file
    where a parent folder should be, a read-only file system, missing permission)."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise ValidationError(
            f"the {what} {str(p)!r} is an existing file, not a folder.",
            hint=f"{_HINT} Or move the file away.",
        )
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"cannot create the {what} {str(p)!r}: {_why(exc, p)}.", hint=_HINT) from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".circuitsnn-write-test-", dir=p)
    except OSError as exc:
        raise ValidationError(f"cannot write into the {what} {str(p)!r}: {_why(exc, p)}.", hint=_HINT) from None
    os.close(fd)
    os.unlink(probe)
    return p


def _why(exc: OSError, p: Path) -> str:
    if exc.errno == errno.EROFS:
        return "it is on a read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((q for q in [p, *p.parents] if q.exists() and not q.is_dir()), None)
        return f"{str(blocker)!r} is a file, not a folder" if blocker else "a part of the path is a file"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)
