"""Run a simulator process with a deadline, reading its output as it comes, in bounded memory.

ngspice can print hundreds of megabytes (a batch ``iplot`` wrote 376 MB to stderr); holding that
and running regexes over millions of lines made a deck that ngspice finishes in 11 s never
finish. So each stream keeps only:

* the first :data:`HEAD_BYTES` and the last :data:`TAIL_BYTES`,
* the lines that matter (errors, warnings, ``.meas`` results, the version, circuitsnn's
  markers): the first and the last :data:`MATCHED_LINES` of them,

and counts the rest. Reading is done in 1 MB chunks; lines that matter are found with
``bytes.find`` on the lower-cased chunk (C speed), and at most ``2 * MATCHED_LINES`` of them are
looked at per chunk, so a stream where every line matches costs no more than one where none do.
"""

from __future__ import annotations

import collections
import os
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

#: Lower-case words that make a line worth keeping (plus the ``.meas`` names of the deck).
KEYWORDS = (
    b"error", b"warning", b"fatal", b"abort", b"fail", b"too small", b"singular", b"not found",
    b"can't", b"cannot", b"unknown", b"measure", b"autostop", b"ngspice-", b"circuitsnn:",
    b"interrupt", b"no such", b"does not", b"transfer_function", b"impedance",
)


class Capture:
    """A bounded copy of one output stream."""

    def __init__(
        self, head_bytes: int = HEAD_BYTES, tail_bytes: int = TAIL_BYTES, matched_lines: int = MATCHED_LINES,
        keywords: Sequence[str | bytes] = (),
    ) -> None:
        self.keywords = KEYWORDS + tuple(k.lower().encode() if isinstance(k, str) else k.lower() for k in keywords if k)
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

    @staticmethod
    def _starts(low: bytes, hits: list[bytes], n: int, forward: bool, floor: int = 0) -> list[int]:
        """Start offsets of the first (``forward``) or last ``n`` lines holding a keyword, sorted."""
        starts: set[int] = set()
        for kw in hits:
            i = low.find(kw, floor) if forward else low.rfind(kw, floor)
            k = 0
            while i >= 0 and k < n:
                start = low.rfind(b"\n", 0, i) + 1
                starts.add(start)
                k += 1
                if forward:
                    end = low.find(b"\n", i)
                    i = -1 if end < 0 else low.find(kw, end)
                else:
                    i = low.rfind(kw, floor, start) if start > floor else -1
        ordered = sorted(s for s in starts if s >= floor)
        return ordered[:n] if forward else ordered[-n:]

    def _match(self, complete: bytes) -> None:
        low = complete.lower()
        hits = [kw for kw in self.keywords if kw in low]
        if not hits:
            return
        floor = 0
        want = self.matched_lines - len(self.first)
        if want > 0:
            starts = self._starts(low, hits, want, forward=True)
            self.first += [self._decode(complete, low, s) for s in starts]
            self.matched_total += len(starts)
            if len(starts) < want:
                return  # every line of this chunk that matters is among the first ones
            end = low.find(b"\n", starts[-1])
            floor = len(low) if end < 0 else end + 1
        for s in self._starts(low, hits, self.matched_lines, forward=False, floor=floor):
            self.last.append(self._decode(complete, low, s))
            self.matched_total += 1  # at least: lines in between are not counted

    def _decode(self, complete: bytes, low: bytes, start: int) -> str:
        end = low.find(b"\n", start)
        end = len(low) if end < 0 else end
        return complete[start:min(end, start + _MAX_LINE)].decode("utf-8", "replace").rstrip("\r")

    def close(self) -> None:
        if self._carry:
            self._match(self._carry)
            self._carry = b""

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + self.tail_bytes

    @property
    def text(self) -> str:
        """What was kept: everything when it fitted, else head, a marker and the tail."""
        head = bytes(self.head).decode("utf-8", "replace")
        tail = b"".join(self.tail)
        dropped = self.dropped + max(len(tail) - self.tail_bytes, 0)
        tail = tail[-self.tail_bytes:].decode("utf-8", "replace")
        if not dropped:
            return head + tail
        return f"{head}\n[... circuitsnn kept the start and the end: {dropped:,} bytes left out ...]\n{tail}"

    @property
    def matched(self) -> list[str]:
        return self.first + list(self.last)

    def evidence(self) -> str:
        """The kept text, plus the matched lines from the part that was left out."""
        if not self.truncated:
            return self.text
        return self.text + "\n[lines that matter from the part left out]\n" + "\n".join(self.matched)


@dataclass
class Finished:
    returncode: int | None  # None: killed at the deadline
    stdout: Capture
    stderr: Capture
    elapsed: float
    timed_out: bool


def run_bounded(cmd: Sequence[str], cwd: Path, timeout: float, keywords: Sequence[str] = ()) -> Finished:
    """Run ``cmd`` in its own process group; kill the whole group at ``timeout`` seconds.
    ``keywords``: more words that make a line worth keeping (e.g. the deck's ``.meas`` names)."""
    out, err = Capture(keywords=keywords), Capture(keywords=keywords)
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
