"""One-measure slices with polynomial trends (paper §5.2, Figure 4(b)(d)).

Keep one measure in a window and look at the error against the other:

* ``fixed="C"`` (Figure 4(b)): graphs with C in ``[0.4, 0.6]``, error vs L;
* ``fixed="L"`` (Figure 4(d)): graphs with L in ``[2, 2.5]``, error vs C.

Definitions. A **point** is one graph: its x-measure and its mean error over
its runs (seeds); without graph ids every row is a point. A graph is in the
window when ``lo <= measure <= hi`` (closed at both ends). The trend is the
least-squares polynomial of ``degree`` (2, as in the paper) through the
points, ``numpy.polyfit(x, y, degree)``: **coefficients** are highest power
first, so a quadratic is ``a x^2 + b x + c``. ``r2`` is the coefficient of
determination ``1 - SS_res / SS_tot`` of the fit on its own points.

Example
-------
>>> import numpy as np
>>> from relsparse.analysis import slice_fit
>>> L = np.linspace(1.5, 4.0, 20)
>>> fit = slice_fit(np.full(20, 0.5), L, 2.0 * (L - 2.5) ** 2 + 30.0, fixed="C")
>>> np.round(fit.coefficients, 6).tolist()
[2.0, -10.0, 42.5]
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import numpy as np

from . import _util
from .results import graph_means

#: The paper's windows: C in [0.4, 0.6] (error vs L), L in [2, 2.5] (error vs C).
PAPER_WINDOWS = {"C": (0.4, 0.6), "L": (2.0, 2.5)}
_OTHER = {"C": "L", "L": "C"}


@dataclasses.dataclass(eq=False)
class SliceFit:
    """A slice and its polynomial trend (see the module doc).

    ``fixed`` is the measure held in ``window``; ``measure`` is the x axis.
    """

    fixed: str
    window: tuple
    measure: str
    x: np.ndarray
    y: np.ndarray
    graph: np.ndarray
    degree: int
    coefficients: np.ndarray
    r2: float

    def predict(self, x: Any) -> np.ndarray:
        """The fitted polynomial at ``x``."""
        return np.polyval(self.coefficients, np.asarray(x, dtype=np.float64))

    def minimum(self) -> Optional[float]:
        """x of the fitted quadratic's vertex when it opens upwards (U-shape), else None."""
        if self.degree != 2 or self.coefficients[0] <= 0:
            return None
        a, b, _ = self.coefficients
        return float(-b / (2 * a))

    def to_rows(self) -> list[dict]:
        return [{"graph": int(g), self.measure: float(x), "mean_error": float(y)}
                for g, x, y in zip(self.graph, self.x, self.y)]

    def to_dict(self) -> dict:
        return _util.jsonable({
            "kind": "slice_fit",
            "fixed": self.fixed,
            "window": self.window,
            "measure": self.measure,
            "degree": self.degree,
            "coefficients": self.coefficients,
            "r2": self.r2,
            "minimum": self.minimum(),
            "n_points": len(self.x),
            "points": self.to_rows(),
            "definitions": {
                "points": "one per graph with the fixed measure in the closed window: mean error over its runs",
                "coefficients": "numpy.polyfit(x, mean_error, degree), highest power first",
                "r2": "1 - SS_res / SS_tot of the fit on its points",
                "minimum": "x at the vertex of an upward quadratic, else null",
            },
        })


def slice_fit(
    C: Any,
    L: Any,
    errors: Any,
    *,
    fixed: str = "C",
    window: Optional[tuple] = None,
    graph: Any = None,
    degree: int = 2,
) -> SliceFit:
    """Points of one slice and their polynomial trend (see the module doc).

    ``window`` defaults to the paper's (C in [0.4, 0.6], L in [2, 2.5]).
    Raises ``ValueError`` if fewer than ``degree + 1`` graphs fall in the window.
    """
    _util.choice("fixed", fixed, ("C", "L"))
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be an integer >= 0, got {degree!r}")
    lo, hi = PAPER_WINDOWS[fixed] if window is None else (float(window[0]), float(window[1]))
    if not lo <= hi:
        raise ValueError(f"window must satisfy lo <= hi, got {window}")
    c = _util.float_vector(C, "C", allow_nan=True)
    l = _util.float_vector(L, "L", allow_nan=True)
    e = _util.float_vector(errors, "errors")
    n = _util.same_length(C=c, L=l, errors=e)
    g = graph_means(np.arange(n) if graph is None else graph, c, l, e)
    held, other = (g.C, g.L) if fixed == "C" else (g.L, g.C)
    inside = (held >= lo) & (held <= hi) & np.isfinite(other)
    x, y = other[inside], g.error[inside]
    if len(x) < degree + 1:
        raise ValueError(
            f"only {len(x)} graph(s) have {fixed} in [{lo}, {hi}]; a degree-{degree} fit needs {degree + 1}"
        )
    coef = np.polyfit(x, y, int(degree))
    resid = y - np.polyval(coef, x)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return SliceFit(fixed=fixed, window=(lo, hi), measure=_OTHER[fixed], x=x, y=y, graph=g.graph[inside],
                    degree=int(degree), coefficients=coef, r2=r2)


__all__ = ["SliceFit", "slice_fit", "PAPER_WINDOWS"]
