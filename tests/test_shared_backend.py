"""The ``shared`` back-end (libngspice in a supervised worker) against the batch back-end.

Real ngspice throughout: the same decks through ``ngspice -b`` and through the library must give
the same waveforms and names; every failure mode gives its typed error with the evidence kept,
and leaves a working simulator behind (the worker is replaced when it crashed, exited or hung).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.errors import (
    ConvergenceError,
    NetlistError,
    SimulationTimeout,
    SimulatorCrashed,
    UnsafeDeckError,
)
from circuitsnn.spice import (
    C, D, Deck, DcSweep, Model, Op, R, Sin, Tran, V, get_simulator, load_text,
)
from circuitsnn.spice.batch import BatchSimulator
from circuitsnn.spice.shared import SharedSimulator
from circuitsnn.spice.reference import NONCONVERGING_DECK, diode_rectifier, rc_pulse_train

pytestmark = pytest.mark.ngspice


@pytest.fixture(autouse=True, scope="module")
def _needs_libngspice(request):
    """libngspice missing: fail under ``--ngspice required`` (as for ngspice itself), else skip."""
    if not SharedSimulator.available():
        msg = "libngspice not found: apt-get install -y libngspice0 (or set NGSPICE_LIBRARY_PATH)"
        if request.config.getoption("--ngspice") == "required":
            pytest.fail(msg)
        pytest.skip(msg)

RC = rc_pulse_train()
# A half-wave rectifier with a behavioural load and a subcircuit: nonlinear, internal nodes.
DIODE = diode_rectifier()

DC_AND_OP = Deck(
    title="diode dc sweep and op",
    elements=(V("v1", "in", "0", 0.7), R("r1", "in", "a", 100.0), D("d1", "a", "0", "dmod")),
    models=(Model("dmod", "D", {"is": 1e-14}),),
    analyses=(DcSweep("v1", 0.0, 1.0, 0.01), Op()),
)

CONV3 = NONCONVERGING_DECK

# About 10^9 time steps: runs until something stops it.
SLOW = Deck(
    title="slow deck",
    elements=(V("v1", "in", "0", Sin(0.0, 1.0, 1e6)), R("r1", "in", "out", 1e3), C("c1", "out", "0", 1e-9)),
    analyses=(Tran(step=1e-9, stop=10.0, max_step=1e-9),),
)


@pytest.fixture(scope="module")
def shared():
    with SharedSimulator(timeout=60) as sim:
        yield sim


@pytest.fixture(scope="module")
def batch():
    return BatchSimulator()


def _same_plot(a, b, rtol=1e-9):
    """Same analysis, axis, names, units; waveforms equal on a common axis."""
    assert a.analysis == b.analysis
    assert a.axis_name == b.axis_name
    assert a.axis_unit == b.axis_unit
    assert set(a.signals) == set(b.signals)
    assert a.units == b.units
    for name in a.signals:
        sa, sb = np.asarray(a.signals[name]), np.asarray(b.signals[name])
        scale = max(np.max(np.abs(sb)), 1e-12)
        if a.axis is not None:
            axis = np.union1d(a.axis, b.axis)
            sa, sb = np.interp(axis, a.axis, sa), np.interp(axis, b.axis, sb)
        np.testing.assert_allclose(sa, sb, rtol=0, atol=rtol * scale, err_msg=f"{a.analysis} {name}")


@pytest.mark.parametrize("deck", [RC, DIODE, DC_AND_OP], ids=["rc", "diode", "dc+op"])
def test_shared_matches_batch(shared, batch, deck):
    rs, rb = shared.run(deck), batch.run(deck)
    assert rs.backend == "shared" and rb.backend == "batch"
    assert [p.analysis for p in rs.plots] == [p.analysis for p in rb.plots]
    for ps, pb in zip(rs.plots, rb.plots):
        _same_plot(ps, pb)
    if deck is RC:
        t, out = rs.tran.time, rs["out"]
        assert t[-1] == pytest.approx(3e-3)
        # physics, not just agreement: 1 - exp(-1) of the step one tau (1 ms) after the edge
        assert np.interp(1.1e-3, t, out) == pytest.approx(1 - np.exp(-1), abs=5e-3)
    if deck is DC_AND_OP:
        assert rs.op.value("a") == pytest.approx(rb.op.value("a"), rel=1e-12)
        assert rs.dc.axis[0] == 0.0 and rs.dc.axis[-1] == pytest.approx(1.0)
        assert rs.dc.i("v1")[-1] < 0  # current flows out of the source's + terminal
    if deck is DIODE:
        assert "v(x1.m)" in rs.tran  # subcircuit-internal node, named as in the raw file


def test_netlist_error_keeps_evidence_and_worker(shared):
    pid = shared.worker_pid
    bad = load_text("unknown subckt\nV1 in 0 1\nX1 in out nosuch\nR1 out 0 1k\n.tran 1u 1m\n.end\n")
    with pytest.raises(NetlistError) as info:
        shared.run(bad)
    err = info.value
    assert "nosuch" in err.message.lower()
    assert "unknown subckt" in err.stderr.lower()
    assert (err.workdir / "deck.cir").read_text().startswith("unknown subckt")
    assert "unknown subckt" in (err.workdir / "stderr.txt").read_text().lower()
    assert shared.worker_pid == pid  # a netlist error does not cost a worker
    assert shared.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_convergence_error_reports_time_reached(shared):
    pid = shared.worker_pid
    with pytest.raises(ConvergenceError) as info:
        shared.run(load_text(CONV3))
    assert info.value.time_reached == pytest.approx(0.5e-3, rel=1e-3)
    assert "timestep too small" in info.value.stderr.lower()
    assert info.value.workdir is not None and (info.value.workdir / "deck.cir").exists()
    assert shared.worker_pid == pid
    assert shared.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_timeout_halts_and_replaces_worker(shared):
    pid, restarts = shared.worker_pid, shared.restarts
    t0 = time.monotonic()
    with pytest.raises(SimulationTimeout) as info:
        shared.run(SLOW, timeout=0.5)
    assert time.monotonic() - t0 < 0.5 + 10  # halted near the timeout, not after the full run
    assert "slow deck" in info.value.message
    assert (info.value.workdir / "deck.cir").exists()
    assert shared.restarts == restarts + 1
    assert shared.worker_pid != pid
    assert shared.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_unresponsive_worker_is_killed_at_timeout_plus_grace():
    with SharedSimulator(halt_grace=0.5) as sim:
        pid = sim.worker_pid
        stopper = threading.Timer(0.2, os.kill, (pid, signal.SIGSTOP))  # frozen: cannot even halt
        stopper.start()
        try:
            with pytest.raises(SimulationTimeout, match="killed and replaced"):
                sim.run(SLOW, timeout=0.6)
        finally:
            stopper.join()
        assert sim.worker_pid != pid
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the frozen worker is gone, not leaked
        assert sim.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_worker_killed_mid_run_gives_crash_then_recovers(shared):
    pid = shared.worker_pid
    killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))
    killer.start()
    try:
        with pytest.raises(SimulatorCrashed) as info:
            shared.run(SLOW, timeout=30)
    finally:
        killer.join()
    assert "signal 9" in info.value.message
    assert "slow deck" in info.value.stdout.lower()  # streamed output survives the crash
    assert (info.value.workdir / "deck.cir").exists()
    assert shared.worker_pid != pid
    assert shared.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_exit_callback_replaces_worker(shared):
    pid = shared.worker_pid
    reply = shared._raw_command("quit")  # what a .control 'quit' would do; fires the exit callback
    assert reply is not None and reply[0] == "exited"
    assert shared.worker_pid != pid
    assert shared.run(RC).tran.time[-1] == pytest.approx(3e-3)


def test_control_blocks_always_refused(shared, tmp_path):
    text = "ctl\nV1 a 0 1\nR1 a 0 1k\n.op\n.control\nrun\nquit\n.endc\n.end\n"
    trusted = load_text(text, allow_control=True)
    with pytest.raises(UnsafeDeckError, match="batch back-end"):
        shared.run(trusted)
    path = tmp_path / "ctl.cir"
    path.write_text(text)
    with pytest.raises(UnsafeDeckError, match="never runs .control"):
        shared.run(path)
    inc = tmp_path / "lib.inc"
    inc.write_text("* model file\n.control\nquit\n.endc\n")
    hidden = load_text(f"inc\n.include {inc}\nV1 a 0 1\nR1 a 0 1k\n.op\n.end\n", base_dir=tmp_path, allow_control=True)
    with pytest.raises(UnsafeDeckError):
        shared.run(hidden)
    with pytest.raises(UnsafeDeckError):
        SharedSimulator(allow_control=True)


def test_many_sequential_runs_on_one_worker(shared):
    pid = shared.worker_pid
    deck = Deck(
        title="divider",
        elements=(V("v1", "in", "0", 1.0), R("r1", "in", "out", 1e3), R("r2", "out", "0", 1e3)),
        analyses=(Op(),),
    )
    before = shared.worker_rss()
    for k in range(400):
        r2 = 1e3 * (1 + k % 7)
        res = shared.run(Deck(title=deck.title, elements=deck.elements[:2] + (R("r2", "out", "0", r2),), analyses=(Op(),)))
        assert res.op.value("out") == pytest.approx(r2 / (1e3 + r2), rel=1e-9)
        if k % 100 == 50:
            with pytest.raises(NetlistError):
                shared.run(load_text("bad\nV1 in 0 1\nX1 in nosuch\n.op\n.end\n"))
    assert shared.worker_pid == pid
    # destroy all + remcirc after each run keep this near 0.1 MiB; without remcirc it is ~7 MiB
    growth = shared.worker_rss() - before
    assert growth < 3 * 2**20, f"worker grew {growth / 2**20:.1f} MiB over 400 runs"


def test_get_simulator_and_keep(tmp_path):
    with get_simulator("shared", run_root=tmp_path) as sim:
        res = sim.run(RC, keep=True)
        assert isinstance(sim, SharedSimulator)
        assert res.ngspice_version == BatchSimulator().version()
        assert Path(res.workdir, "deck.cir").read_text().startswith("rc step")
        assert "rc step" in Path(res.workdir, "stdout.txt").read_text().lower()
        assert sim.run(RC.with_analyses(Op())).op.value("out") == pytest.approx(0.0, abs=1e-9)


class _Interrupted(Exception):
    pass


def test_interrupted_wait_does_not_desync_the_next_run(shared):
    """An exception in the parent mid-run (Ctrl-C) must not leave that run's reply to be read as
    the next run's result."""
    pid = shared.worker_pid

    def interrupt(signum, frame):
        raise _Interrupted()

    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(_Interrupted):
            shared.run(SLOW, timeout=30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert shared.worker_pid != pid
    res = shared.run(DC_AND_OP)
    assert res.title == DC_AND_OP.title and [p.analysis for p in res.plots] == ["dc", "op"]
