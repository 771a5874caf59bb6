"""Bounded output capture, the deadline of a run, and the cap on kept run folders (no ngspice)."""

import os
import sys
import time

import pytest

from circuitsnn.spice import runs
from circuitsnn.spice.stream import Capture, run_bounded


def feed_in_chunks(capture: Capture, data: bytes, size: int = 65536) -> None:
    for i in range(0, len(data), size):
        capture.feed(data[i:i + size])
    capture.close()


def test_capture_keeps_head_tail_and_the_lines_that_matter():
    lines = [b"step %07d ok" % i for i in range(200_000)]
    lines[1234] = b"Error: measure  tcross  when(WHEN) : out of interval"
    lines[150_000] = b"Warning: singular matrix:  check node x"
    lines[199_990] = b"thalf               =   6.93647e-04"
    cap = Capture(head_bytes=1000, tail_bytes=2000, matched_lines=50, keywords=["thalf"])
    feed_in_chunks(cap, b"\n".join(lines) + b"\n")
    assert cap.total > 3_000_000 and cap.truncated
    assert len(cap.text) < 4000 and cap.text.startswith("step 0000000 ok")
    assert "left out" in cap.text and cap.text.rstrip().endswith("step 0199999 ok")
    assert cap.matched == [lines[1234].decode(), lines[150_000].decode(), lines[199_990].decode()]
    assert all(line in cap.evidence() for line in cap.matched)


def test_capture_is_bounded_when_every_line_matters():
    cap = Capture(head_bytes=100, tail_bytes=100, matched_lines=5)
    feed_in_chunks(cap, b"".join(b"warning %d\n" % i for i in range(300_000)))
    assert cap.matched[:5] == [f"warning {i}" for i in range(5)]
    assert cap.matched[-5:] == [f"warning {i}" for i in range(299_995, 300_000)]
    assert len(cap.matched) == 10 and len(cap.evidence()) < 1000


def test_small_output_is_kept_whole():
    cap = Capture()
    feed_in_chunks(cap, b"one\ntwo error\nthree", size=3)
    assert cap.text == "one\ntwo error\nthree" and not cap.truncated and cap.matched == ["two error"]


def test_run_bounded_kills_the_process_group_at_the_deadline(tmp_path):
    t0 = time.monotonic()
    done = run_bounded([sys.executable, "-c", "import subprocess, time; subprocess.Popen(['sleep', '30']); "
                        "print('started', flush=True); time.sleep(30)"], tmp_path, 1.0)
    assert done.timed_out and done.returncode is None and time.monotonic() - t0 < 5
    assert "started" in done.stdout.text


def test_run_bounded_reads_a_flood_in_bounded_memory(tmp_path):
    script = "import sys\nw = sys.stderr.buffer\nfor i in range(400_000): w.write(b'%07d no graphics interface\\n' % i)\nprint('done')\n"
    done = run_bounded([sys.executable, "-c", script], tmp_path, 60.0)
    assert done.returncode == 0 and done.stderr.total > 10_000_000
    assert len(done.stderr.evidence()) < 1_000_000 and "done" in done.stdout.text


def make_failed(root, name, size, age):
    d = root / f"circuitsnn-{name}"
    d.mkdir(parents=True)
    (d / "out.raw").write_bytes(b"x" * size)
    (d / runs.FAILED_MARK).write_text("x")
    t = time.time() - age
    os.utime(d, (t, t))
    return d


def test_prune_keeps_the_newest_failures_within_count_and_size(tmp_path):
    old = [make_failed(tmp_path, f"f{i}", 1000, age=100 - i) for i in range(5)]  # f4 newest
    kept = tmp_path / "circuitsnn-kept"
    kept.mkdir()
    (kept / runs.KEPT_MARK).write_text("x")
    other = tmp_path / "not-ours"
    other.mkdir()
    removed = runs.prune_failed(tmp_path, keep=3, max_mb=1.0)
    assert set(removed) == set(old[:2])
    assert kept.is_dir() and other.is_dir()
    removed = runs.prune_failed(tmp_path, keep=10, max_mb=0.0025)  # 2.5 kB: two folders
    assert set(removed) == {old[2]} and old[4].is_dir() and old[3].is_dir()


def test_prune_always_keeps_the_newest_even_when_it_alone_is_too_big(tmp_path):
    big = make_failed(tmp_path, "big", 5000, age=0)
    small = make_failed(tmp_path, "small", 10, age=50)
    assert runs.prune_failed(tmp_path, newest=big, keep=5, max_mb=0.001) == [small]
    assert big.is_dir()


def test_shared_worker_keeps_its_messages_bounded():
    from circuitsnn.spice._libngspice import _Lines

    lines = _Lines()
    for i in range(100_000):
        lines.append("Warning: singular matrix" if i == 50_000 else f"row {i}")
    kept = lines.lines()
    assert len(kept) < _Lines.HEAD + _Lines.TAIL + _Lines.MATCHED + 3
    assert kept[0] == "row 0" and kept[-1] == "row 99999" and "Warning: singular matrix" in kept
