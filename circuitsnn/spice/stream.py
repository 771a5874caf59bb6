"""Run a simulator process with a deadline, reading its output as it comes, in bounded memory.

ngspice can print hundreds of megabytes (a batch ``iplot`` wrote 376 MB to stderr); holding that
and running regexes over millions of lines made a deck that ngspice finishes in 11 s never
finish. So each stream keeps only:

* the first :data:`HEAD_BYTES` and the last :data:`TAIL_BYTES`,
* the lines that matter (errors, warnings, ``.meas`` results, the version, circuitsnn's
  markers): the first and the last :data:`MATCHED_LINES` of them,

and counts the rest. Reading is done in 1 MB chunks with one compiled regex per chunk.
"""

from __future__ import annotations

import collections
import os
import re
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

HEAD_BYTES = 64 * 1024
TAIL_BYTES = 256 * 1024
MATCHED_LINES = 500
_CHUNK = 1 << 20
_MAX_LINE = 4096

_INTERESTING = re.compile(
    rb"^[^\n]*?(?:error|warning|fatal|abort|fail|too small|singular|not found|can't|cannot|unknown"
    rb"|measure|autostop|ngspice-|circuitsnn:|interrupt|no such|does not)[^\n]*$"
    rb"|^[ \t]*[A-Za-z_][\w.#()\[\]:,+-]*[ \t]*=[ \t]*[-+]?(?:[0-9.]|nan|inf)[^\n]*$",
    re.M | re.I,
)


class Capture:
    """A bounded copy of one output stream."""

    def __init__(self, head_bytes: int = HEAD_BYTES, tail_bytes: int = TAIL_BYTES, matched_lines: int = MATCHED_LINES) -> None:
        self.head_bytes = head_bytes
        self.tail_bytes = tail_bytes
        self.head = bytearray()
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_len = 0
        self.dropped = 0  # bytes neither in head nor in tail
        self.total = 0
        self.first: list[str] = []
        self.last: collections.deque[str] = collections.deque(maxlen=matched_lines)
        self.matched_lines = matched_lines
        self.matched_total = 0
        self._carry = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        room = self.head_bytes - len(self.head)
        rest = data
        if room > 0:
            self.head += data[:room]
            rest = data[room:]
        if rest:
            self.tail.append(rest)
            self.tail_len += len(rest)
            while self.tail and self.tail_len - len(self.tail[0]) >= self.tail_bytes:
                gone = self.tail.popleft()
                self.tail_len -= len(gone)
                self.dropped += len(gone)
        chunk = self._carry + data
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self._carry = chunk[-_MAX_LINE:]
            return
        self._carry = chunk[cut + 1:][-_MAX_LINE:]
        self._match(chunk[:cut])

    def _match(self, complete: bytes) -> None:
        for m in _INTERESTING.finditer(complete):
            line = m.group(0)[:_MAX_LINE].decode("utf-8", "replace").rstrip("\r")
            self.matched_total += 1
            if len(self.first) < self.matched_lines:
                self.first.append(line)
            else:
                self.last.append(line)

    def close(self) -> None:
        if self._carry:
            self._match(self._carry)
            self._carry = b""

    @property
    def truncated(self) -> bool:
        return self.dropped > 0

    @property
    def text(self) -> str:
        """What was kept: everything when it fitted, else head, a marker and the tail."""
        head = bytes(self.head).decode("utf-8", "replace")
        tail = b"".join(self.tail).decode("utf-8", "replace")
        if not self.dropped:
            return head + tail
        return f"{head}\n[... circuitsnn kept the start and the end: {self.dropped:,} bytes left out ...]\n{tail}"

    @property
    def matched(self) -> list[str]:
        return self.first + list(self.last)

    def evidence(self) -> str:
        """The kept text, plus the matched lines from the part that was left out."""
        if not self.dropped:
            return self.text
        return self.text + "\n[lines that matter from the part left out]\n" + "\n".join(self.matched)


@dataclass
class Finished:
    returncode: int | None  # None: killed at the deadline
    stdout: Capture
    stderr: Capture
    elapsed: float
    timed_out: bool


def run_bounded(cmd: Sequence[str], cwd: Path, timeout: float) -> Finished:
    """Run ``cmd`` in its own process group; kill the whole group at ``timeout`` seconds."""
    out, err = Capture(), Capture()
    t0 = time.monotonic()
    deadline = t0 + timeout
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so a timeout kills everything
    )
    timed_out = False
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, out)
    sel.register(proc.stderr, selectors.EVENT_READ, err)
    try:
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                kill_group(proc)
                deadline = time.monotonic() + 2.0  # drain what is left in the pipes
                while sel.get_map() and time.monotonic() < deadline:
                    _read_ready(sel, 0.2)
                break
            _read_ready(sel, min(remaining, 1.0))
        if not timed_out:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_group(proc)
        if timed_out:
            proc.wait()
    except BaseException:
        kill_group(proc)
        proc.wait()
        raise
    finally:
        sel.close()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        out.close()
        err.close()
    return Finished(None if timed_out else proc.returncode, out, err, time.monotonic() - t0, timed_out)


def _read_ready(sel: selectors.BaseSelector, wait: float) -> None:
    for key, _ in sel.select(wait):
        data = os.read(key.fd, _CHUNK)
        if data:
            key.data.feed(data)
        else:
            sel.unregister(key.fileobj)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
