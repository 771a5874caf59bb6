"""Plain ngspice as the reference for circuitsnn's results: shared by tests/test_ngspice_corpus.py
and bench/ngspice_corpus.py.

Deliberately independent of circuitsnn's own code: its own raw-file parser and its own reader of
``result.nc`` (h5py), so a bug in circuitsnn's reader cannot hide behind the same bug here.

The reference for a deck:

* without a ``.control`` block: ``ngspice -b -n -r ref.raw deck`` in the deck's folder; the
  vectors are that raw file. With ``.meas`` lines, ``-r`` disables them (and ``.option
  autostop`` then stops after one point), so the vectors are what an interactive session holds
  after ``run`` (``ngspice -i -n deck``, ``run`` and ``write`` typed on stdin);
* with one: ``ngspice -b -n deck`` says whether plain ngspice runs it (exit status 0); the
  vectors are what an interactive session holds once the deck has run: ``ngspice -i -n deck``
  with ``write`` of every plot typed on stdin afterwards. A deck whose block ends ngspice itself
  (``quit``/``exit``) runs from a copy beside it with the same ``write`` lines just before each
  ``quit``. When the block ran no analysis, the ``-r`` file of the first form is the reference.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CONTROL_RE = re.compile(r"^\s*\.control\b", re.I | re.M)
MEAS_RE = re.compile(r"^\s*\.meas(ure)?\b", re.I | re.M)

WRITE_ALL = """set filetype=binary
set plainwrite
unset nopadding
unset appendwrite
foreach refplot $plots
setplot $refplot
write {raw}
set appendwrite
end
"""
_QUIT_RE = re.compile(r"^\s*(quit|exit)\b", re.I)


def _with_writes_before_quit(text: str, raw: Path) -> str | None:
    """The deck with the write lines before each quit/exit of its .control blocks; None if none."""
    out, inside, found = [], False, False
    for line in text.splitlines():
        low = line.strip().lower()
        if low.startswith(".control"):
            inside = True
        elif low.startswith(".endc"):
            inside = False
        elif inside and _QUIT_RE.match(line):
            out += WRITE_ALL.format(raw=raw).splitlines()
            found = True
        out.append(line)
    return "\n".join(out) + "\n" if found else None


@dataclass
class RawPlot:
    plotname: str
    names: list[str]
    types: list[str]
    columns: list[np.ndarray]
    dims: list[int | None] = field(default_factory=list)  # a vector's own length when padded


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_raw(blob: bytes) -> list[RawPlot]:
    """Every plot of a binary (or ASCII) ngspice raw file; 'No. Points' is trusted."""
    plots = []
    pos, n = 0, len(blob)
    while True:
        start = blob.find(b"Title:", pos)
        if start < 0:
            break
        pos = start
        header: dict[str, str] = {}
        names, types, dims = [], [], []
        mode = None
        while pos < n:
            end = blob.find(b"\n", pos)
            if end < 0:
                return plots
            line = _text(blob[pos:end])
            pos = end + 1
            if line.startswith("Variables:"):
                for _ in range(int(header["no. variables"])):
                    end = blob.find(b"\n", pos)
                    fields = _text(blob[pos:end]).split("\t")
                    pos = end + 1
                    words = fields[3].split() if len(fields) > 3 else [""]
                    names.append(fields[2])
                    types.append(words[0] if words else "")
                    d = [w[5:] for w in words[1:] if w.startswith("dims=")]
                    dims.append(int(np.prod([int(x) for x in d[0].split(",")])) if d else None)
            elif line.startswith(("Binary:", "Values:")):
                mode = line[:-1]
                break
            elif ":" in line:
                key, _, value = line.partition(":")
                header.setdefault(key.strip().lower(), value.strip())
        if mode is None:
            break
        npts, nvars = int(header["no. points"]), len(names)
        cplx = "complex" in header.get("flags", "")
        if mode == "Binary":
            width = nvars * (2 if cplx else 1)
            rows = min(npts, (n - pos) // (8 * width)) if width else 0
            data = np.frombuffer(blob, "<f8", rows * width, pos).reshape(rows, width)
            pos += rows * width * 8
            if cplx:
                data = data[:, 0::2] + 1j * data[:, 1::2]
        else:
            nxt = blob.find(b"Title:", pos)
            words = blob[pos: nxt if nxt >= 0 else n].decode("latin-1").split()
            pos = nxt if nxt >= 0 else n
            vals = []
            for w in [w for i, w in enumerate(words) if i % (nvars + 1)]:
                if cplx:
                    a, _, b = w.partition(",")
                    vals.append(complex(float(a), float(b or 0)))
                else:
                    vals.append(float(w))
            data = np.array(vals).reshape(-1, nvars)[:npts]
        plots.append(RawPlot(header.get("plotname", ""), names, types, [data[:, j] for j in range(nvars)], dims))
    return plots


def read_result_nc(path: Path) -> list[tuple[str, dict[str, list[np.ndarray]]]]:
    """circuitsnn's result.nc, read with h5py: per plot (in order) its plot name and, per ngspice
    vector name, the arrays in the order ngspice wrote them (``#k`` keys give the order)."""
    import h5py

    out = []
    with h5py.File(path, "r") as f:
        if "groups" in f.attrs:
            names = f.attrs["groups"]
            names = names.decode() if isinstance(names, bytes) else str(names)
            groups = [f[g] for g in names.split(",") if g]
        else:
            groups = [f]
        for g in groups:
            by_name: dict[str, list[tuple[int, np.ndarray]]] = {}
            for key, ds in g.items():
                if not isinstance(ds, h5py.Dataset) or "ngspice_name" not in ds.attrs:
                    continue
                name = ds.attrs["ngspice_name"]
                name = (name.decode() if isinstance(name, bytes) else str(name)).lower()  # ngspice ignores case
                m = re.search(r"#(\d+)$", key)
                data = ds[()]
                if data.dtype.names and set(data.dtype.names) >= {"r", "i"}:  # complex compound
                    data = data["r"] + 1j * data["i"]
                by_name.setdefault(name, []).append((int(m.group(1)) if m else 1, np.atleast_1d(np.asarray(data))))
            plotname = g.attrs.get("plotname", "")
            plotname = plotname.decode() if isinstance(plotname, bytes) else str(plotname)
            out.append((plotname, {k: [a for _, a in sorted(v, key=lambda t: t[0])] for k, v in by_name.items()}))
    return out


def as_result(plots: list[RawPlot]) -> list[tuple[str, dict[str, list[np.ndarray]]]]:
    """Raw plots in the shape :func:`read_result_nc` returns, to compare two plain runs."""
    out = []
    for p in plots:
        if p.plotname.lower() == "constants":
            continue
        by_name: dict[str, list[np.ndarray]] = {}
        for name, col, dim in zip(p.names, p.columns, p.dims or [None] * len(p.names)):
            by_name.setdefault(name.lower(), []).append(col[:dim] if dim is not None else col)
        out.append((p.plotname, by_name))
    return out


def _same(ref: np.ndarray, got: np.ndarray, vtype: str, dim: int | None) -> bool:
    if dim is not None and dim < len(ref):
        if np.any(ref[dim:] != 0):
            return False
        ref = ref[:dim]
    if vtype in ("time", "frequency") and np.iscomplexobj(ref):
        ref = ref.real  # ngspice leaves the imaginary part of an AC frequency undefined
        got = got.real if np.iscomplexobj(got) else got
    if ref.shape != got.shape:
        return False
    if np.iscomplexobj(ref) != np.iscomplexobj(got):
        if np.iscomplexobj(got) and not np.any(got.imag):
            got = got.real
        elif np.iscomplexobj(ref) and not np.any(ref.imag):
            ref = ref.real
        else:
            return False
    return ref.astype(got.dtype).tobytes() == got.tobytes()


def compare(reference: list[RawPlot], result: list[tuple[str, dict[str, list[np.ndarray]]]]) -> tuple[bool, bool, str]:
    """(every reference vector is in the result bit for bit, the result has no other plot, why not)."""
    ref_plots = [p for p in reference if p.plotname.lower() != "constants"]
    used = [False] * len(result)
    for rp in ref_plots:
        match = None
        for i, (plotname, _) in enumerate(result):
            if not used[i] and plotname == rp.plotname:
                match = i
                break
        if match is None:
            return False, False, f"plot {rp.plotname!r} missing"
        used[match] = True
        vectors = result[match][1]
        seen: dict[str, int] = {}
        for name, vtype, col, dim in zip(rp.names, rp.types, rp.columns, rp.dims or [None] * len(rp.names)):
            name = name.lower()  # the -r file keeps a device's case (m1#Body), `write` does not
            k = seen.get(name, 0)
            seen[name] = k + 1
            got = vectors.get(name, [])
            if k >= len(got):
                return False, False, f"{rp.plotname}: vector {name!r} #{k + 1} missing"
            if not _same(col, got[k], vtype, dim):
                return False, False, f"{rp.plotname}: vector {name!r} #{k + 1} differs"
    extra = [result[i][0] for i, u in enumerate(used) if not u]
    return True, not extra, f"extra plots: {', '.join(extra)}" if extra else ""


@dataclass
class Plain:
    runs: bool  # exit status 0 within the timeout
    elapsed: float
    returncode: int | None
    plots: list[RawPlot]
    control: bool
    note: str = ""


def _run(cmd: list[str], cwd: Path, timeout: float, stdin: bytes | None = None) -> tuple[int | None, float, bytes]:
    """Exit status (None: killed at the timeout), seconds, the last 4 kB of stderr."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=null, stderr=err, start_new_session=True,
        )
        try:
            proc.communicate(stdin, timeout=timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            rc = None
        elapsed = time.perf_counter() - t0
        size = err.seek(0, 2)
        err.seek(max(size - 4096, 0))
        return rc, elapsed, err.read()


def plain_reference(deck: Path, timeout: float, scratch: Path, vectors: bool = True) -> Plain:
    """Run ``deck`` in its own folder with plain ngspice (see the module doc)."""
    text = deck.read_text(errors="replace")
    control = bool(CONTROL_RE.search(text))
    scratch.mkdir(parents=True, exist_ok=True)
    raw = scratch / "ref.raw"
    raw.unlink(missing_ok=True)
    if not control:
        rc, elapsed, _ = _run(["ngspice", "-b", "-n", "-r", str(raw), deck.name], deck.parent, timeout)
        plots = parse_raw(raw.read_bytes()) if rc == 0 and raw.exists() else []
        if rc == 0 and vectors and MEAS_RE.search(text):
            ctl = scratch / "ref_meas.raw"
            ctl.unlink(missing_ok=True)
            _run(["ngspice", "-i", "-n", deck.name], deck.parent, timeout, ("run\n" + WRITE_ALL.format(raw=ctl) + "quit\n").encode())
            plots = [p for p in parse_raw(ctl.read_bytes()) if p.plotname.lower() != "constants"] if ctl.exists() else []
            return Plain(True, elapsed, rc, plots, control, "with .meas: reference from an interactive run")
        return Plain(rc == 0, elapsed, rc, plots, control)
    rc, elapsed, err = _run(["ngspice", "-b", "-n", deck.name], deck.parent, timeout)
    # ngspice 39 ends every batch run whose .control block does not quit with "no simulations
    # run" and exit status 1, even after the block ran its analyses (it looks for a variable
    # `sim_status` that 39 never sets): that is a run, not a failure.
    low = err.lower()
    ran = rc == 0 or (
        rc == 1 and low.rstrip().endswith(b"no simulations run")
        and not any(w in low for w in (b"fatal", b"interrupted due to error", b"circuit not parsed"))
    )
    result = Plain(ran, elapsed, rc, [], control, "exit status 1 from ngspice 39's 'no simulations run' after the block" if ran and rc else "")
    if not ran or not vectors:
        return result
    ctl = scratch / "ref_ctl.raw"
    ctl.unlink(missing_ok=True)
    if re.search(r"[\s\"';]", str(ctl)):
        raise ValueError(f"scratch folder {scratch} must be a plain path")
    edited = _with_writes_before_quit(text, ctl)
    name = deck.name
    if edited is not None:
        name = f"{deck.stem}.reference{deck.suffix}"
        (deck.parent / name).write_text(edited)
    _run(["ngspice", "-i", "-n", name], deck.parent, timeout, (WRITE_ALL.format(raw=ctl) + "quit\n").encode())
    plots = [p for p in parse_raw(ctl.read_bytes()) if p.plotname.lower() != "constants"] if ctl.exists() else []
    if not plots:
        _run(["ngspice", "-b", "-n", "-r", str(raw), deck.name], deck.parent, timeout)
        plots = parse_raw(raw.read_bytes()) if raw.exists() else []
        result.note = (result.note + "; " if result.note else "") + "the .control block ran no analysis: reference from -r"
    result.plots = plots
    return result
