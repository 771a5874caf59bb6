"""Results without a simulator: the raw-file reader's edge cases and the t_stop check."""

import numpy as np
import pytest

from circuitsnn.errors import ConvergenceError, SignalNotFound
from circuitsnn.spice.rawfile import parse_raw
from circuitsnn.spice.result import Plot, Result
from circuitsnn.spice.simulator import check_tran_complete


def raw_block(rows: np.ndarray, declared: int, plotname: str = "Transient Analysis") -> bytes:
    header = (
        f"Title: t\nDate: now\nPlotname: {plotname}\nFlags: real\nNo. Variables: 3\n"
        f"No. Points: {declared}\nVariables:\n\t0\ttime\ttime\n\t1\tv(out)\tvoltage\n\t2\tv1#branch\tcurrent\nBinary:\n"
    )
    return header.encode() + np.asarray(rows, dtype="<f8").tobytes()


def rows(n: int) -> np.ndarray:
    t = np.linspace(0, 1e-3, n)
    return np.column_stack([t, 2 * t, -t])


def test_binary_raw_names_units_and_axis():
    (plot,) = parse_raw(raw_block(rows(5), 5))
    assert plot.analysis == "tran" and np.allclose(plot.time, np.linspace(0, 1e-3, 5))
    assert np.allclose(plot["out"], 2 * plot.time) and np.allclose(plot.i("v1"), -plot.time)
    assert plot.units == {"v(out)": "V", "i(v1)": "A"} and plot.axis_unit == "s"


def test_extra_rows_beyond_the_header_count_are_ignored():
    """ngspice 39 with .options interp writes duplicate rows past "No. Points"."""
    blob = raw_block(rows(5), 5) + np.asarray(rows(2), dtype="<f8").tobytes()
    blob += raw_block(rows(3), 3, "Transient Analysis")
    plots = parse_raw(blob)
    assert [len(p.time) for p in plots] == [5, 3]


def test_truncated_file_of_a_killed_run_keeps_whole_rows():
    blob = raw_block(rows(5), 5)[:-12]  # the last row is cut in the middle
    (plot,) = parse_raw(blob)
    assert len(plot.time) == 4


def test_missing_signal_names_what_exists():
    (plot,) = parse_raw(raw_block(rows(3), 3))
    with pytest.raises(SignalNotFound, match="Available signals: i\\(v1\\), v\\(out\\)"):
        plot["nope"]


def test_transient_ending_before_t_stop_is_a_convergence_error():
    """libngspice can return 0 with a partial plot: the last time point is the evidence."""

    def result(t_end):
        t = np.linspace(0.0, t_end, 11)
        return Result((Plot("tran", "Transient Analysis", "time", t, {"v(a)": t}),))

    check_tran_complete(result(1e-3), 1e-3)  # complete: no error
    with pytest.raises(ConvergenceError) as exc:
        check_tran_complete(result(0.5e-3), 1e-3)
    assert exc.value.time_reached == pytest.approx(0.5e-3)
