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


# -- nothing dropped (issue 14) -------------------------------------------------------------------


def raw(plotname: str, variables: list[str], rows: np.ndarray, flags: str = "real") -> bytes:
    header = (
        f"Title: t\nDate: now\nPlotname: {plotname}\nFlags: {flags}\nNo. Variables: {len(variables)}\n"
        f"No. Points: {len(rows)}\nVariables:\n" + "".join(f"\t{i}\t{v}\n" for i, v in enumerate(variables)) + "Binary:\n"
    )
    return header.encode() + np.ascontiguousarray(rows, dtype="<f8").tobytes()


def test_vectors_with_the_same_name_are_all_kept_and_numbered(tmp_path):
    """ngspice wrote four i(p1) (tests/transmission/cpl_ibm2.cir); only the last was kept."""
    t = np.linspace(0, 1e-9, 4)
    rows = np.column_stack([t, t * 1, t * 2, t * 3, t * 4, -t])
    names = ["time\ttime", "i(p1)\tcurrent", "i(p1)\tcurrent", "i(p1)\tcurrent", "i(p1)\tcurrent", "v(a)\tvoltage"]
    (plot,) = parse_raw(raw("Transient Analysis", names, rows))
    assert list(plot.signals) == ["i(p1)", "i(p1)#2", "i(p1)#3", "i(p1)#4", "v(a)"]
    for k in range(1, 5):
        assert np.array_equal(plot[f"i(p1)#{k}" if k > 1 else "i(p1)"], t * k)
    assert all(plot.names[f"i(p1)#{k}"] == "i(p1)" for k in (2, 3, 4))
    import xarray as xr

    path = Result((plot,)).to_netcdf(tmp_path / "r.nc")
    ds = xr.open_dataset(path, engine="h5netcdf")
    assert {v for v in ds.data_vars} == set(plot.signals)
    assert ds["i(p1)#3"].attrs["ngspice_name"] == "i(p1)"


def test_pole_zero_results_are_complex_and_named_as_ngspice_names_them():
    """They came back as v(pole(1)) in volts with the complex value cast to float."""
    rows = np.array([[-1100.0, 0.0, -5e3, 2e3, -5e3, -2e3]])
    names = ["v(zero(1))\tvoltage", "v(pole(1))\tvoltage", "v(pole(2))\tvoltage"]
    (plot,) = parse_raw(raw("Pole-Zero Analysis", names, rows, flags="complex"))
    assert plot.analysis == "pz" and list(plot.signals) == ["zero(1)", "pole(1)", "pole(2)"]
    assert plot.units["pole(1)"] == "rad/s"
    assert np.array_equal(plot.poles, [-5e3 + 2e3j, -5e3 - 2e3j]) and np.array_equal(plot.zeros, [-1100 + 0j])
    assert Result((plot,)).poles.dtype == np.complex128


def test_ac_frequency_is_real_and_padded_vectors_are_cut_to_their_length():
    garbage = 3.7710658e261  # what ngspice 39 writes as the imaginary part of an AC frequency
    rows = np.array([[1.0, garbage, 1.0, 0.5, 7.0, 0.0], [10.0, garbage, 0.5, -0.5, 0.0, 0.0]])
    names = ["frequency\tfrequency grid=3", "v(out)\tvoltage", "short\tnotype dims=1"]
    (plot,) = parse_raw(raw("AC Analysis", names, rows, flags="complex"))
    assert plot.frequency.dtype == np.float64 and np.array_equal(plot.frequency, [1.0, 10.0])
    assert np.array_equal(plot["out"], [1 + 0.5j, 0.5 - 0.5j])
    assert np.array_equal(plot.signals["short"], [7.0 + 0j])  # not padded with a zero


def test_netcdf_keeps_vectors_of_other_lengths_and_empty_plots(tmp_path):
    import xarray as xr

    t = np.linspace(0, 1, 5)
    plot = Plot("tran", "Transient Analysis", "time", t, {"v(a)": t, "n_pass": np.array([2.0, 3.0])}, {"v(a)": "V", "n_pass": ""})
    op = Plot("op", "Operating Point", None, None, {"v(a)": np.array([1.0]), "tests": np.array([1001.0, 1002.0])})
    path = Result((plot, op), notes=["a note"], measurements={"tdelay": 1e-3}).to_netcdf(tmp_path / "r.nc")
    tran = xr.open_dataset(path, engine="h5netcdf", group="tran")
    assert tran["n_pass"].dims == ("index_2",) and np.array_equal(tran["v(a)"].values, t)
    ops = xr.open_dataset(path, engine="h5netcdf", group="op")
    assert ops["v(a)"].dims == () and list(ops["tests"].values) == [1001.0, 1002.0]
    root = xr.open_dataset(path, engine="h5netcdf")
    assert root.attrs["notes"] == "a note" and root.attrs["measurements"] == "tdelay=0.001"
    Result(()).to_netcdf(tmp_path / "empty.nc")  # a .control block that only printed
