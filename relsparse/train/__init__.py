"""Training relational (and any other) classifiers with a plain PyTorch loop.

- :class:`TrainConfig`: the options (paper defaults: SGD + Nesterov, cosine
  schedule from 0.1, weight decay 5e-4, batch 128).
- :func:`load_dataset`: ``digits`` (offline), ``synthetic``, ``cifar10``
  (local files), ``imagefolder`` (torchvision).
- :func:`fit` / :func:`evaluate`: the loop, with deterministic seeding,
  checkpoints and resume, per-epoch metrics.

Example
-------
>>> import relsparse
>>> from relsparse import train
>>> data = train.load_dataset("digits")
>>> graph = relsparse.graphs.ws_flex(64, 8, 0.5, seed=0)
>>> config = train.TrainConfig(epochs=3, batch_size=64, lr=0.05)
>>> build = lambda: relsparse.models.build("mlp", graph=graph, input_shape=data.input_shape)
>>> result = train.fit(build, data, config)
>>> result.final_val_error < 50
True
"""

from .config import TrainConfig, merge
from .data import DATASETS, DataBundle, load_dataset
from .loop import EpochMetrics, TrainResult, evaluate, fit, resolve_device

__all__ = ["TrainConfig", "merge", "DATASETS", "DataBundle", "load_dataset", "EpochMetrics", "TrainResult",
           "evaluate", "fit", "resolve_device"]
