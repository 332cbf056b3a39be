"""``relsparse sweep``: train a model over every graph of a design-space sample x seeds, into a results store."""

from __future__ import annotations

import argparse
import functools
import os

from ._options import HelpFormatter, add_experiment_options, add_training_options, training_options


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help="run (or resume) a sweep of graphs x seeds into a SQLite results store",
        description=(
            "Create a sweep from a design-space sample (the CSV written by `relsparse design-space`) and train "
            "the model once per (graph, seed) with N worker processes, recording every run and epoch in STORE. "
            "Running the same command again -- or `relsparse sweep STORE` alone -- resumes after an interruption "
            "(Ctrl-C, SIGKILL, a crash): finished runs are kept, unfinished ones rerun, none is duplicated."
        ),
        formatter_class=HelpFormatter,
        allow_abbrev=False,  # an option must be spelt out: sweeps are records
    )
    p.add_argument("store", help="results store (SQLite file); created from --sample if missing")
    g = p.add_argument_group("graphs and seeds (for a new store)")
    g.add_argument("--sample", help="design-space sample CSV (e.g. graphs_n64_52.csv from `relsparse design-space`)")
    g.add_argument("--graphs", type=int, help="use only this many graphs of the sample, spread over the (C, L) "
                                              "plane [all]")
    g.add_argument("--no-baseline", action="store_true", help="do not add the complete graph (C = L = 1)")
    g.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds")
    g.add_argument("--name", help="sweep name, part of every run key [<model>-<dataset>]")
    add_experiment_options(p)
    add_training_options(p)
    r = p.add_argument_group("execution")
    r.add_argument("--workers", type=int, default=1, help="worker processes")
    r.add_argument("--threads", type=int, help="torch threads per worker [cores // workers]")
    r.add_argument("--no-checkpoints", action="store_true",
                   help="do not checkpoint runs after each epoch (an interrupted run then restarts from epoch 0)")
    r.add_argument("--retry-failed", action="store_true", help="requeue runs that failed max_attempts times")
    r.add_argument("--status", action="store_true", help="print the store's run counts and exit")
    r.add_argument("--export-csv", metavar="PREFIX", help="after the sweep, write PREFIX_runs.csv and "
                                                           "PREFIX_epochs.csv")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _new_spec(args: argparse.Namespace):
    from .. import experiment, sweep

    graphs = sweep.graphs_from_sample(args.sample, complete_baseline=not args.no_baseline)
    if args.graphs is not None:
        graphs = sweep.spread_graphs(graphs, args.graphs)
    train = training_options(args)
    experiment.check_experiment(args.model, args.dataset, graphs=[sweep.make_graph(g) for g in graphs],
                                budget=args.budget, train=train, data_dir=args.data_dir)
    return sweep.SweepSpec(name=args.name or f"{args.model}-{args.dataset}", model=args.model,
                           dataset=args.dataset, graphs=graphs, seeds=args.seeds, train=train, budget=args.budget,
                           data_dir=args.data_dir)


def _print_progress(counts: dict) -> None:
    print(", ".join(f"{counts[k]} {k}" for k in ("done", "failed", "running", "pending")) + f" of {counts['total']} runs")


def run(args: argparse.Namespace) -> int:
    from .. import experiment, sweep

    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    exists = os.path.exists(args.store)
    if args.status:
        with sweep.ResultsStore.open(args.store, readonly=True) as store:
            _print_progress(store.progress())
        return 0
    spec = None
    if args.sample:
        spec = _new_spec(args)
    elif not exists:
        raise FileNotFoundError(f"results store {args.store!r} does not exist: give --sample to create a sweep")
    if args.retry_failed and exists:
        with sweep.ResultsStore.open(args.store) as store:
            print(f"requeued {store.retry_failed()} failed runs")
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.workers)
    checkpoints = None if args.no_checkpoints else os.path.splitext(os.path.abspath(args.store))[0] + "-checkpoints"
    task = functools.partial(experiment.sweep_task, checkpoint_root=checkpoints, threads=threads)
    counts = sweep.run_sweep(args.store, task, sweep.LocalExecutor(args.workers), spec=spec,
                             progress=not args.quiet)
    _print_progress(counts)
    with sweep.ResultsStore.open(args.store, readonly=True) as store:
        failed = store.runs("failed")
        for row in failed[:3]:
            last = (row["error"] or "").strip().splitlines()
            print(f"run {row['run_id']} (graph {row['graph_index']}, seed {row['seed']}) failed: "
                  f"{last[-1] if last else 'no message'}")
        if args.export_csv:
            store.to_csv(f"{args.export_csv}_runs.csv", "runs")
            store.to_csv(f"{args.export_csv}_epochs.csv", "epochs")
            print(f"wrote {args.export_csv}_runs.csv and {args.export_csv}_epochs.csv")
    if checkpoints and os.path.isdir(checkpoints) and not os.listdir(checkpoints):
        os.rmdir(checkpoints)
    return 1 if counts["failed"] else 0
