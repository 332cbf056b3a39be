"""``relsparse analyze``: the numbers of a sweep's report (sweet spot, bins, slices, epoch correlation)."""

from __future__ import annotations

import argparse

from ._options import add_report_parser, report_out


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    add_report_parser(
        sub, name,
        help="aggregate a results store into (C, L) bins and find the sweet spot (JSON/CSV)",
        description=(
            "Read the finished runs of a results store (read-only), bin their final validation errors by the "
            "graphs' clustering C and path length L, find the sweet spot (bins not significantly worse than the "
            "best, one-sided t-test), fit the paper's quadratic slices and correlate early with final errors. "
            "Writes summary.json, sweet_spot.json/.csv, bins_<R>.csv, graphs.csv, slice_*.json and epochs.json."
        ),
        run=run,
    )


def run(args: argparse.Namespace) -> int:
    from ..analysis import report

    results, info = report.load_store(args.store)
    out = report_out(args)
    summary = report.analyze(results, out, info=info, resolution=args.resolution, l_max=args.l_max,
                             alpha=args.alpha, min_count=args.min_count)
    spot, best = summary["sweet_spot"], summary["best_graph"]
    print(f"{summary['runs_used']} runs over {summary['graphs_with_results']} graphs "
          f"({summary['runs_left_out']} unfinished or failed left out)")
    if summary["baseline_error"] is not None:
        print(f"complete graph: {summary['baseline_error']:.2f}% mean error")
    print(f"best graph: C={best['C']:.3f} L={best['L']:.3f} {best['mean_error']:.2f}% ({best['runs']} runs)")
    print(f"sweet spot (15x15 bins, alpha={spot['alpha']}): C in [{spot['c_range'][0]:.2f}, {spot['c_range'][1]:.2f}], "
          f"L in [{spot['l_range'][0]:.2f}, {spot['l_range'][1]:.2f}]; best bin mean {spot['best_mean']:.2f}%")
    print(f"wrote {out}/summary.json and {len(summary['files']) - 1} more files")
    return 0
