"""Writing analysis results as JSON or CSV (:func:`save_summary`) and reading them back.

Every result object (:class:`~relsparse.analysis.BinnedResults`,
:class:`~relsparse.analysis.SweetSpot`, :class:`~relsparse.analysis.SliceFit`,
:class:`~relsparse.analysis.Correlation`, :class:`~relsparse.analysis.EpochCorrelation`,
:class:`~relsparse.analysis.SubsampleCurve`, :class:`~relsparse.analysis.WeightGraphs`)
has ``to_dict()`` (everything, with a ``"definitions"`` entry naming what each
number is) and ``to_rows()`` (one flat row per bin / point / epoch / level).

* ``.json``: ``to_dict()``; NaN and infinity are written as ``null`` (strict JSON).
* ``.csv``: ``to_rows()`` with a header line; empty cells for NaN.

Files are written to a temporary name and renamed, so a failed write
leaves no partial file.

Example
-------
>>> import os, tempfile
>>> from relsparse.analysis import bin_results, save_summary, load_summary
>>> b = bin_results([0.5, 0.5, 0.2], [2.0, 2.0, 3.0], [1.0, 2.0, 3.0])
>>> path = os.path.join(tempfile.mkdtemp(), "bins.json")
>>> load_summary(save_summary(b, path)) == b.to_dict()
True
"""

from __future__ import annotations

import csv
import json
import math
import os
from typing import Any, Optional

from . import _util


def save_summary(result: Any, path: Any, *, format: Optional[str] = None) -> str:
    """Writes ``result`` to ``path`` as JSON or CSV (``format`` or the file extension); returns the path."""
    path = os.fspath(path)
    fmt = format or os.path.splitext(path)[1].lower().lstrip(".")
    _util.choice("format", fmt, ("json", "csv"))
    if not hasattr(result, "to_dict") or not hasattr(result, "to_rows"):
        raise TypeError(f"result must be an analysis result with to_dict()/to_rows(), got {type(result).__name__}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(f"the folder of path does not exist: {directory!r}")
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", newline="") as f:
            if fmt == "json":
                json.dump(_util.jsonable(result.to_dict()), f, indent=1, allow_nan=False)
                f.write("\n")
            else:
                rows = [_util.jsonable(r) for r in result.to_rows()]
                fields = list(dict.fromkeys(k for r in rows for k in r))
                writer = csv.DictWriter(f, fieldnames=fields)
                writer.writeheader()
                for r in rows:
                    writer.writerow({k: "" if r.get(k) is None else r[k] for k in fields})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _parse(cell: str) -> Any:
    if cell == "":
        return None
    if cell in ("True", "False"):
        return cell == "True"
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        v = float(cell)
        return v if math.isfinite(v) else None
    except ValueError:
        return cell


def load_summary(path: Any) -> Any:
    """Reads a file written by :func:`save_summary`: the dict (JSON) or a list of row dicts (CSV, numbers parsed)."""
    path = os.fspath(path)
    if path.lower().endswith(".json"):
        with open(path) as f:
            return json.load(f)
    if path.lower().endswith(".csv"):
        with open(path, newline="") as f:
            return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(f)]
    raise ValueError(f"path must end in .json or .csv, got {path!r}")


__all__ = ["save_summary", "load_summary"]
