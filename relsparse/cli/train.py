"""``relsparse train``: train one zoo model over one relational graph, matched to a FLOPs budget."""

from __future__ import annotations

import argparse
import json
import os

from ._options import HelpFormatter, add_experiment_options, add_training_options, training_options


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help="train one relational model (one graph, one seed) and report its per-epoch metrics",
        description=(
            "Build a zoo model whose relational layers follow one graph, widen it to the FLOPs budget, and "
            "train it with relsparse's loop (SGD + Nesterov, cosine schedule, weight decay; AMP on CUDA). "
            "Prints a progress bar and the final metrics; --out also writes them as JSON."
        ),
        formatter_class=HelpFormatter,
        allow_abbrev=False,  # an option must be spelt out: sweeps are records
    )
    add_experiment_options(p)
    g = p.add_argument_group("graph")
    g.add_argument("--graph", choices=("ws-flex", "complete"), default="ws-flex",
                   help="connected WS-flex graph (--nodes, --k, --p, --graph-seed) or the complete graph (dense "
                        "baseline)")
    g.add_argument("--nodes", type=int, default=64, help="nodes of the graph (channel groups per layer)")
    g.add_argument("--k", type=float, default=8.0, help="WS-flex average degree, 2 <= k <= nodes - 1")
    g.add_argument("--p", type=float, default=0.5, help="WS-flex rewiring probability in [0, 1]")
    g.add_argument("--graph-seed", type=int, default=0, help="seed of the graph generator")
    add_training_options(p)
    p.add_argument("--seed", type=int, default=0, help="training seed (initialisation, data order, augmentation)")
    p.add_argument("--checkpoint-dir", help="checkpoint after every epoch into this folder; rerunning the same "
                                            "command resumes from it")
    p.add_argument("--out", help="write the result and per-epoch metrics to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import experiment, graphs

    train = training_options(args)
    if args.graph == "complete":
        graph = graphs.complete_graph(args.nodes)
        described = f"complete graph, n={args.nodes}"
    else:
        graph = graphs.connected_ws_flex(args.nodes, args.k, args.p, args.graph_seed)
        described = f"WS-flex n={args.nodes} k={args.k} p={args.p} seed={args.graph_seed}"
    experiment.check_experiment(args.model, args.dataset, graphs=[graph], budget=args.budget, train=train,
                                data_dir=args.data_dir)
    history = []
    result = experiment.train_run(args.model, graph, args.dataset, budget=args.budget, train=train, seed=args.seed,
                                  data_dir=args.data_dir, checkpoint_dir=args.checkpoint_dir,
                                  on_epoch=lambda m: history.append(m.to_dict()), progress=not args.quiet)
    from .. import measures

    c = float(measures.average_clustering(graph))
    l = float(measures.average_shortest_path_length(graph))
    print(f"{args.model} on {args.dataset}, {described} (C={c:.3f}, L={l:.3f}): width {result['width']}, "
          f"{result['flops']:,} multiply-adds, {result['params']:,} parameters")
    print(f"final validation error {result['final_val_error']:.2f}% (best {result['best_val_error']:.2f}%), "
          f"train loss {result['final_train_loss']:.4f}, {result['wall_time']:.1f} s")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"model": args.model, "dataset": args.dataset, "graph": described, "C": c, "L": l,
                       "seed": args.seed, "train": train, "result": result, "history": history}, f, indent=1)
        print(f"wrote {args.out}")
    return 0
