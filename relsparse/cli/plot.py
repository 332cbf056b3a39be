"""``relsparse plot``: the figures of a sweep's report (heat map, slices, epoch correlation)."""

from __future__ import annotations

import argparse

from ._options import add_report_parser, report_out


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    add_report_parser(
        sub, name,
        help="draw a results store's heat map over (C, L), its slices and epoch correlation (PNG)",
        description=(
            "Read the finished runs of a results store (read-only) and draw: heatmap.png (mean error per (C, L) "
            "bin, sweet spot boxed, best bin marked, complete-graph baseline starred; Figure 4(a) of the paper), "
            "slice_C.png / slice_L.png (error against one measure with the other held in the paper's window, "
            "quadratic fit; Figure 4(b)(d)) and epochs.png (early vs final error; Figure 5)."
        ),
        run=run,
    )


def run(args: argparse.Namespace) -> int:
    from ..analysis import report

    results, info = report.load_store(args.store)
    paths = report.plot(results, report_out(args), info=info, resolution=args.resolution, l_max=args.l_max,
                        alpha=args.alpha, min_count=args.min_count)
    for path in paths:
        print(f"  {path}")
    return 0
