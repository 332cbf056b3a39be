"""Training configuration: every knob of relsparse's training loop, with the paper's defaults.

The paper (§4.1) trains the CIFAR-10 MLP for 200 epochs, batch 128, SGD
with cosine learning-rate schedule from 0.1 to 0; ImageNet models 100
epochs. graph2nn's pycls adds Nesterov momentum 0.9 and weight decay 5e-4.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Optional


@dataclasses.dataclass
class TrainConfig:
    """Options of :func:`relsparse.train.fit` (all JSON-serialisable).

    epochs:           passes over the training set.
    batch_size:       examples per SGD step.
    lr:               initial learning rate; the schedule is cosine,
                      ``lr_e = lr / 2 (1 + cos(pi e / epochs))`` at epoch e,
                      after ``warmup_epochs`` of linear warm-up.
    momentum, nesterov, weight_decay: SGD options (no decay on BN and biases
                      if ``decay_norm_and_bias`` is False).
    label_smoothing:  cross-entropy label smoothing.
    amp:              "auto" (bfloat16/float16 autocast on CUDA), "off", "bf16", "fp16".
    seed:             seeds model initialisation, data order and augmentation
                      (global RNG state is restored afterwards).
    device:           "auto" (CUDA if available), "cpu", "cuda", "cuda:1", ...
    max_steps_per_epoch: cap on steps per epoch (quick experiments, tests).
    eval_batch_size:  batch size for validation.
    """

    epochs: int = 200
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    decay_norm_and_bias: bool = True
    label_smoothing: float = 0.0
    warmup_epochs: int = 0
    amp: str = "auto"
    seed: int = 0
    device: str = "auto"
    max_steps_per_epoch: Optional[int] = None
    eval_batch_size: int = 512

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "seed", "warmup_epochs", "eval_batch_size", "max_steps_per_epoch"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"TrainConfig.{name} must be an integer, got {value!r}")
        for name in ("lr", "momentum", "weight_decay", "label_smoothing"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise TypeError(f"TrainConfig.{name} must be a number, got {value!r}")
        checks = [
            ("epochs", self.epochs >= 1, "an integer >= 1"),
            ("batch_size", self.batch_size >= 1, "an integer >= 1"),
            ("lr", self.lr > 0, "> 0"),
            ("momentum", 0 <= self.momentum < 1, "in [0, 1)"),
            ("weight_decay", self.weight_decay >= 0, ">= 0"),
            ("label_smoothing", 0 <= self.label_smoothing < 1, "in [0, 1)"),
            ("warmup_epochs", 0 <= self.warmup_epochs < self.epochs, "in [0, epochs)"),
            ("amp", self.amp in ("auto", "off", "bf16", "fp16"), "one of 'auto', 'off', 'bf16', 'fp16'"),
            ("seed", isinstance(self.seed, int) and self.seed >= 0, "a non-negative integer"),
            ("eval_batch_size", self.eval_batch_size >= 1, "an integer >= 1"),
        ]
        if self.max_steps_per_epoch is not None:
            checks.append(("max_steps_per_epoch", self.max_steps_per_epoch >= 1, "None or an integer >= 1"))
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(f"TrainConfig.{name} must be {allowed}, got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)

    def fingerprint(self) -> str:
        """A short hash of the options that change results (device excluded)."""
        values = {k: v for k, v in self.to_dict().items() if k not in ("device", "eval_batch_size")}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]

    def learning_rate(self, epoch: int) -> float:
        """Learning rate during (0-based) ``epoch``."""
        import math

        if epoch < self.warmup_epochs:
            return self.lr * (epoch + 1) / (self.warmup_epochs + 1)
        return 0.5 * self.lr * (1.0 + math.cos(math.pi * epoch / self.epochs))


def merge(config: Optional[TrainConfig], **overrides: Any) -> TrainConfig:
    """A copy of ``config`` (or the defaults) with ``overrides`` applied (None values ignored)."""
    values = (config or TrainConfig()).to_dict()
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(values)


__all__ = ["TrainConfig", "merge"]
