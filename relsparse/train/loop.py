"""A plain PyTorch training loop: SGD (Nesterov), cosine schedule, weight
decay, label smoothing, AMP on GPU, deterministic seeding, checkpoints and
resume, per-epoch metrics.

:func:`fit` works on any ``nn.Module`` classifier; call it from your own code
or use your own loop — relational layers are ordinary modules.

Determinism: model initialisation (when ``init_model`` is given), data order
and augmentation are seeded from ``config.seed`` inside
``torch.random.fork_rng``, so runs repeat exactly on CPU and the caller's
global random state is left as it was.

Example
-------
>>> from relsparse import models, train
>>> data = train.load_dataset("digits")
>>> config = train.TrainConfig(epochs=2, batch_size=64, lr=0.05)
>>> result = train.fit(lambda: models.build("mlp", input_shape=data.input_shape), data, config)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Any, Callable, Iterator, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from .config import TrainConfig
from .data import DataBundle


@dataclasses.dataclass
class EpochMetrics:
    """Metrics of one epoch. Errors are top-1 error rates in percent."""

    epoch: int
    train_loss: float
    train_error: float
    val_loss: float
    val_error: float
    lr: float
    seconds: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit` returns: per-epoch metrics, the trained model and its size."""

    history: list
    wall_time: float
    params: int
    model: Optional[nn.Module] = dataclasses.field(default=None, repr=False)

    @property
    def final_val_error(self) -> float:
        return self.history[-1].val_error if self.history else math.nan

    @property
    def best_val_error(self) -> float:
        return min((h.val_error for h in self.history), default=math.nan)

    def summary(self) -> dict:
        last = self.history[-1] if self.history else None
        return {
            "epochs": len(self.history),
            "final_val_error": self.final_val_error,
            "best_val_error": self.best_val_error,
            "final_train_loss": last.train_loss if last else math.nan,
            "wall_time": self.wall_time,
            "params": self.params,
        }


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return device


def _amp_dtype(config: TrainConfig, device: torch.device) -> Optional[torch.dtype]:
    if config.amp == "off" or device.type != "cuda":
        return None
    if config.amp == "fp16":
        return torch.float16
    if config.amp == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def _batches(dataset: Dataset, batch_size: int, generator: Optional[torch.Generator],
             limit: Optional[int] = None) -> Iterator[tuple]:
    """Batches of a dataset; tensor datasets are sliced directly (no worker processes)."""
    if isinstance(dataset, TensorDataset):
        x, y = dataset.tensors
        order = torch.randperm(len(y), generator=generator) if generator is not None else torch.arange(len(y))
        for step, start in enumerate(range(0, len(y), batch_size)):
            if limit is not None and step >= limit:
                return
            idx = order[start : start + batch_size]
            yield x[idx], y[idx]
        return
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=generator is not None, generator=generator,
                        num_workers=min(8, os.cpu_count() or 1), pin_memory=torch.cuda.is_available())
    for step, batch in enumerate(loader):
        if limit is not None and step >= limit:
            return
        yield batch


@torch.no_grad()
def evaluate(model: nn.Module, dataset: Dataset, device: torch.device, batch_size: int = 512,
             amp: Optional[torch.dtype] = None) -> tuple:
    """(mean cross-entropy, top-1 error in %) of ``model`` on ``dataset``."""
    was_training = model.training
    model.eval()
    total_loss, wrong, count = 0.0, 0, 0
    for x, y in _batches(dataset, batch_size, None):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            logits = model(x)
        total_loss += F.cross_entropy(logits.float(), y, reduction="sum").item()
        wrong += (logits.argmax(1) != y).sum().item()
        count += len(y)
    model.train(was_training)
    return total_loss / max(count, 1), 100.0 * wrong / max(count, 1)


def _param_groups(model: nn.Module, config: TrainConfig) -> list:
    if config.decay_norm_and_bias:
        return [{"params": [p for p in model.parameters() if p.requires_grad]}]
    decay, no_decay = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            is_norm = isinstance(module, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm))
            (no_decay if is_norm or name == "bias" else decay).append(p)
    return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]


CHECKPOINT = "checkpoint.pt"


def _save_checkpoint(path: str, state: dict) -> None:
    """Atomic: written to a temporary file, then renamed over the old one."""
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def fit(
    model: Union[nn.Module, Callable[[], nn.Module]],
    data: DataBundle,
    config: TrainConfig,
    *,
    checkpoint_dir: Optional[str] = None,
    on_epoch: Optional[Callable[[EpochMetrics], Any]] = None,
    progress: bool = False,
) -> TrainResult:
    """Trains a classifier; returns the per-epoch history.

    ``model`` may be a module or a function building it; a function is
    called inside the seeded RNG context, so initialisation is reproducible.
    With ``checkpoint_dir``, model, optimizer, scaler, RNG states and history
    are saved after every epoch and a later call resumes from them (the
    checkpoint must come from the same config fingerprint).
    """
    device = resolve_device(config.device)
    amp = _amp_dtype(config, device)
    cuda_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda_devices):
        torch.manual_seed(config.seed)
        net = model() if callable(model) and not isinstance(model, nn.Module) else model
        net = net.to(device)
        optimizer = torch.optim.SGD(_param_groups(net, config), lr=config.lr, momentum=config.momentum,
                                    nesterov=config.nesterov and config.momentum > 0, weight_decay=config.weight_decay)
        scaler = torch.amp.GradScaler(device.type, enabled=amp == torch.float16)
        generator = torch.Generator().manual_seed(config.seed)
        history: list = []
        start_epoch = 0
        ckpt_path = os.path.join(checkpoint_dir, CHECKPOINT) if checkpoint_dir else None
        if ckpt_path and os.path.isfile(ckpt_path):
            state = torch.load(ckpt_path, map_location=device, weights_only=False)
            if state.get("fingerprint") != config.fingerprint():
                raise ValueError(
                    f"checkpoint {ckpt_path!r} was written with other training options; remove it or use another "
                    "checkpoint folder"
                )
            net.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scaler.load_state_dict(state["scaler"])
            generator.set_state(state["generator"])
            torch.set_rng_state(state["rng"])
            history = [EpochMetrics(**h) for h in state["history"]]
            start_epoch = len(history)
        params = sum(p.numel() for p in net.parameters())
        start_time = time.perf_counter() - sum(h.seconds for h in history)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=config.epochs, initial=start_epoch, desc="epochs", unit="epoch")
        try:
            for epoch in range(start_epoch, config.epochs):
                t0 = time.perf_counter()
                lr = config.learning_rate(epoch)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                net.train()
                # Sums stay on the device: one host sync per epoch, not per step.
                loss_sum = torch.zeros((), dtype=torch.float64, device=device)
                wrong = torch.zeros((), dtype=torch.int64, device=device)
                count = 0
                for x, y in _batches(data.train, config.batch_size, generator, config.max_steps_per_epoch):
                    if data.augment is not None:
                        x = data.augment(x, generator)
                    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                    with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                        logits = net(x)
                        loss = F.cross_entropy(logits.float(), y, label_smoothing=config.label_smoothing)
                    optimizer.zero_grad(set_to_none=True)
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
                    loss_sum += loss.detach().double() * len(y)
                    wrong += (logits.detach().argmax(1) != y).sum()
                    count += len(y)
                train_loss = loss_sum.item() / max(count, 1)
                if not math.isfinite(train_loss):
                    raise FloatingPointError(
                        f"training diverged in epoch {epoch}: mean loss {train_loss} (lower lr={config.lr}?)"
                    )
                val_loss, val_error = evaluate(net, data.val, device, config.eval_batch_size, amp)
                metrics = EpochMetrics(epoch, train_loss, 100.0 * wrong.item() / max(count, 1), val_loss,
                                       val_error, lr, time.perf_counter() - t0)
                history.append(metrics)
                # Report before checkpointing: if the process dies in between, the resumed run
                # repeats this epoch and reports it again (a repeat, never a gap).
                if on_epoch is not None:
                    on_epoch(metrics)
                if ckpt_path:
                    os.makedirs(checkpoint_dir, exist_ok=True)
                    _save_checkpoint(ckpt_path, {
                        "fingerprint": config.fingerprint(), "model": net.state_dict(),
                        "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                        "generator": generator.get_state(), "rng": torch.get_rng_state(),
                        "history": [h.to_dict() for h in history],
                    })
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(train_loss=f"{metrics.train_loss:.3f}", val_error=f"{val_error:.2f}%")
        finally:
            if bar is not None:
                bar.close()
    return TrainResult(history, time.perf_counter() - start_time, params, net)


__all__ = ["EpochMetrics", "TrainResult", "fit", "evaluate", "resolve_device"]
