"""The paper's experiment, one run at a time, and the task that sweeps run.

A *run* trains one zoo model (:mod:`relsparse.models`) over one relational
graph, widened to a FLOPs budget, on one dataset (:mod:`relsparse.train`)
with one seed. This module is the only place that joins the three:

- :func:`train_run`: one run, from Python; returns the result dict that
  the results store keeps (final/best validation error, final training
  loss, epochs, FLOPs, parameters, width, wall time).
- :func:`sweep_task`: the same run as a :mod:`relsparse.sweep` task, with
  per-epoch metrics reported to the store and (optionally) per-run
  checkpoints, so a killed sweep also resumes *inside* long runs.
- :func:`check_experiment`: every check that can fail before any training
  (unknown model or option, missing data, a graph too large for the
  model, a budget no width reaches), so a bad sweep fails before its
  results store is created.

Example
-------
>>> from relsparse import experiment, graphs
>>> g = graphs.connected_ws_flex(64, 8, 0.5, seed=0)
>>> result = experiment.train_run("mlp", g, "digits", train={"epochs": 2, "batch_size": 64, "lr": 0.05})
>>> sorted(result)[:5], result["epochs"]
(['best_val_error', 'device', 'epochs', 'final_train_loss', 'final_val_error'], 2)
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
import torch

from . import models
from .train import DataBundle, EpochMetrics, TrainConfig, fit, load_dataset

Budget = Union[str, int, None]


@functools.lru_cache(maxsize=4)
def cached_dataset(name: str, data_dir: Optional[str] = None) -> DataBundle:
    """:func:`relsparse.train.load_dataset`, loaded once per process (a sweep worker trains many runs)."""
    return load_dataset(name, data_dir=data_dir)


def train_config(train: Optional[Mapping[str, Any]], seed: int) -> TrainConfig:
    """The :class:`TrainConfig` of a run: the sweep's options with the run's seed."""
    values = dict(train or {})
    if "seed" in values:
        raise ValueError("the training seed comes from the sweep's seeds; remove 'seed' from the training options")
    values["seed"] = int(seed)
    return TrainConfig.from_dict(values)


def train_run(
    model: str,
    graph: Any,
    dataset: str = "digits",
    *,
    budget: Budget = "match",
    train: Optional[Mapping[str, Any]] = None,
    seed: int = 0,
    data_dir: Optional[str] = None,
    checkpoint_dir: Optional[str] = None,
    on_epoch: Optional[Callable[[EpochMetrics], Any]] = None,
    progress: bool = False,
) -> dict:
    """Trains ``model`` over ``graph`` on ``dataset``; returns the run's result dict.

    ``budget="match"`` widens the model to the FLOPs of its complete-graph
    baseline *for this dataset's input shape and classes*; ``train`` holds
    :class:`~relsparse.train.TrainConfig` options (without ``seed``: that is
    ``seed``). Result keys: ``final_val_error``, ``best_val_error`` (top-1,
    %), ``final_train_loss``, ``epochs``, ``wall_time`` (s), ``params``,
    ``flops`` (multiply-adds per example), ``width`` (first relational stage),
    ``device``.
    """
    config = train_config(train, seed)
    data = cached_dataset(dataset, data_dir)
    built: dict = {}

    def build() -> torch.nn.Module:
        net = models.build(model, graph, budget=budget, input_shape=data.input_shape,
                           num_classes=data.num_classes)
        built["net"] = net
        return net

    result = fit(build, data, config, checkpoint_dir=checkpoint_dir, on_epoch=on_epoch, progress=progress)
    net = built["net"]
    return {**result.summary(), "flops": int(net.flops), "width": int(net.width),
            "device": str(next(net.parameters()).device)}


def sweep_task(run: Any, reporter: Any, *, checkpoint_root: Optional[str] = None,
               threads: Optional[int] = None) -> dict:
    """The :mod:`relsparse.sweep` task of the paper's experiment.

    ``run.config`` carries the sweep's model, dataset, budget, training
    options and data folder; ``run.graph`` the graph entry; ``run.seed`` the
    training seed. Each epoch's metrics go to ``reporter.epoch``. With
    ``checkpoint_root``, the run checkpoints into ``checkpoint_root/<run
    key>/`` after every epoch and a retried attempt continues from there
    (the folder is removed when the run is done). ``threads`` sets torch's
    intra-op threads of this worker (``cores // workers`` avoids
    oversubscription). Bind options with ``functools.partial``.
    """
    from .sweep import make_graph

    if threads is not None:
        torch.set_num_threads(int(threads))
    cfg = run.config
    ckpt = os.path.join(checkpoint_root, run.key) if checkpoint_root else None

    def report(metrics: EpochMetrics) -> None:
        values = metrics.to_dict()
        reporter.epoch(values.pop("epoch"), values)

    result = train_run(cfg["model"], make_graph(run.graph), cfg["dataset"], budget=cfg["budget"],
                       train=cfg["train"], seed=run.seed, data_dir=cfg["data_dir"], checkpoint_dir=ckpt,
                       on_epoch=report)
    if ckpt:
        shutil.rmtree(ckpt, ignore_errors=True)
    return result


def check_experiment(model: str, dataset: str, *, graphs: Sequence[Any] = (), budget: Budget = "match",
                     train: Optional[Mapping[str, Any]] = None, data_dir: Optional[str] = None) -> DataBundle:
    """Raises a clear error for anything that would make every run fail; returns the dataset.

    Checks the model name, the training options, that the dataset loads,
    and that the graph with the fewest edges among ``graphs`` (which
    needs the widest model) fits the model and reaches the budget, and the
    graph with the most nodes fits its narrowest layer.
    """
    models.get_info(model)
    train_config(train, 0)
    data = load_dataset(dataset, data_dir=data_dir)
    if graphs:
        edges = [g.num_edges for g in graphs]
        nodes = [g.num_nodes for g in graphs]
        for g in {int(np.argmin(edges)), int(np.argmax(nodes))}:
            try:
                if budget is None:  # the base width must fit the graph: nothing widens the model
                    need, base = models.min_width(model, graphs[g]), models.get_info(model).base_width
                    if need > base:
                        raise ValueError(
                            f"a graph with {graphs[g].num_nodes} nodes needs width >= {need} but budget=None keeps "
                            f"the base width {base}; use a FLOPs budget or a smaller graph"
                        )
                else:
                    models.matched_width(model, graphs[g], budget, input_shape=data.input_shape,
                                         num_classes=data.num_classes)
            except ValueError as exc:
                raise ValueError(f"graph {g} of the sweep cannot be used with model {model!r}: {exc}") from None
    return data


__all__ = ["train_run", "sweep_task", "check_experiment", "train_config", "cached_dataset"]
