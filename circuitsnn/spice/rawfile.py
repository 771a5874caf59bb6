"""Reader for ngspice raw files (binary, and ASCII for completeness).

Binary raw files read with plain numpy: ~0.1 ms for 0.8 MB. The header's "No. Points" is
trusted: with ``.options interp`` ngspice 39 writes extra rows beyond it, and a killed run leaves
fewer; both are handled (extra rows skipped, a short last block truncated to whole rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ValidationError
from .result import Plot, _UNITS, normalize_signal

_ANALYSIS = {
    "transient analysis": "tran",
    "dc transfer characteristic": "dc",
    "operating point": "op",
    "ac analysis": "ac",
}


def _plot_from(header: dict, variables: list[tuple[str, str]], data: np.ndarray) -> Plot:
    plotname = header.get("plotname", "")
    analysis = _ANALYSIS.get(plotname.lower(), plotname.lower().split()[0] if plotname else "unknown")
    names = [v[0] for v in variables]
    types = [v[1] for v in variables]
    signals: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    axis = None
    axis_name = None
    axis_unit = ""
    start = 0
    if analysis == "tran" or (names and types[0] in ("time", "frequency")):
        axis_name = "time" if types[0] == "time" else "frequency"
        axis = np.ascontiguousarray(data[:, 0])
        axis_unit = _UNITS.get(types[0], "")
        start = 1
    elif analysis == "dc":
        # ngspice names the swept axis v(v-sweep) / i(i-sweep) (or the source name, e.g. v1).
        axis_name = "sweep"
        axis = np.ascontiguousarray(data[:, 0])
        axis_unit = _UNITS.get(types[0], "")
        start = 1
    for j in range(start, len(names)):
        key = normalize_signal(names[j])
        signals[key] = np.ascontiguousarray(data[:, j])
        units[key] = _UNITS.get(types[j], "")
    return Plot(analysis, plotname, axis_name, axis, signals, units, axis_unit)


def _ascii_number(token: str, is_complex: bool) -> complex | float:
    if is_complex:
        re_part, _, im_part = token.partition(",")
        return complex(float(re_part), float(im_part or 0.0))
    return float(token)


def read_raw(path: str | Path) -> list[Plot]:
    """Read every plot in a raw file."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read raw file {path}: {exc.strerror}.") from exc
    return parse_raw(blob, str(path))


def parse_raw(blob: bytes, where: str = "raw data") -> list[Plot]:
    plots: list[Plot] = []
    pos = 0
    n = len(blob)
    while pos < n:
        if not blob.startswith(b"Title:", pos):
            nxt = blob.find(b"Title: ", pos)
            if nxt < 0:
                break  # trailing rows beyond "No. Points" (interp), nothing more to read
            pos = nxt
        header: dict[str, str] = {}
        variables: list[tuple[str, str]] = []
        mode = None
        while pos < n:
            end = blob.find(b"\n", pos)
            if end < 0:
                raise ValidationError(f"{where}: truncated header.")
            line = blob[pos:end].decode("latin-1")
            pos = end + 1
            if line.startswith("Variables:"):
                nvars = int(header.get("no. variables", "0"))
                for _ in range(nvars):
                    end = blob.find(b"\n", pos)
                    parts = blob[pos:end].decode("latin-1").split()
                    pos = end + 1
                    variables.append((parts[1], parts[2] if len(parts) > 2 else ""))
            elif line.startswith("Binary:"):
                mode = "binary"
                break
            elif line.startswith("Values:"):
                mode = "ascii"
                break
            elif ":" in line:
                key, _, value = line.partition(":")
                header[key.strip().lower()] = value.strip()
        if mode is None:
            break
        npts = int(header.get("no. points", "0"))
        nvars = len(variables)
        is_complex = "complex" in header.get("flags", "").lower()
        if mode == "binary":
            width = nvars * (2 if is_complex else 1)
            available = (n - pos) // (8 * width) if width else 0
            rows = min(npts, available)
            data = np.frombuffer(blob, dtype="<f8", count=rows * width, offset=pos).reshape(rows, width)
            pos += rows * width * 8
            if is_complex:
                data = data[:, 0::2] + 1j * data[:, 1::2]
        else:
            text_end = blob.find(b"Title:", pos)
            chunk = blob[pos: text_end if text_end >= 0 else n].decode("latin-1").split()
            pos = text_end if text_end >= 0 else n
            tokens = iter(chunk)
            rows_list = []
            for _ in range(npts):
                try:
                    next(tokens)  # point index
                    row = [_ascii_number(next(tokens), is_complex) for _ in range(nvars)]
                except StopIteration:
                    break
                rows_list.append(row)
            data = np.array(rows_list, dtype=complex if is_complex else float).reshape(-1, nvars)
        plots.append(_plot_from(header, variables, data))
    return plots
