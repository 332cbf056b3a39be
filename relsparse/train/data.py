"""Datasets for training relational networks.

=============  ==========================================================
name           what it is
=============  ==========================================================
``digits``     scikit-learn's 8x8 handwritten digits (1,797 images, 10
               classes), shipped inside scikit-learn: works offline. A
               fixed split (seed 0): 1,437 train, 360 validation.
``synthetic``  Gaussian class clusters of a chosen shape (default 3x32x32,
               10 classes), generated from a seed: a smoke test that needs
               no files.
``cifar10``    CIFAR-10 from its standard python files in ``--data-dir``
               (``data_batch_1..5``, ``test_batch``, possibly inside
               ``cifar-10-batches-py/``): 50,000 train, 10,000 test images;
               training uses random 4-pixel-padded crops and flips.
``imagefolder`` an ImageNet-style folder (``train/<class>/...``,
               ``val/<class>/...``) read with torchvision (must be installed).
=============  ==========================================================

Nothing is ever downloaded: a missing dataset gives an error that says
which files to put where.

Example
-------
>>> data = load_dataset("digits")
>>> data.num_classes, data.input_shape, len(data.train)
(10, (1, 8, 8), 1438)
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from typing import Any, Callable, Optional

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


@dataclasses.dataclass
class DataBundle:
    """A training and a validation set and what a model needs to know of them."""

    name: str
    train: Dataset
    val: Dataset
    num_classes: int
    input_shape: tuple
    augment: Optional[Augment] = None  # applied to training batches (tensor datasets)
    description: str = ""


def _standardise(train: torch.Tensor, val: torch.Tensor) -> tuple:
    """Per-channel standardisation with the training statistics."""
    dims = [0] + list(range(2, train.dim()))
    mean = train.mean(dim=dims, keepdim=True)
    std = train.std(dim=dims, keepdim=True).clamp_min(1e-6)
    return (train - mean) / std, (val - mean) / std


def digits(split_seed: int = 0) -> DataBundle:
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - sklearn is a dependency of the experiments
        raise ImportError("the 'digits' dataset needs scikit-learn: pip install scikit-learn") from exc
    raw = load_digits()
    x = torch.tensor(raw.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(raw.target, dtype=torch.int64)
    order = torch.from_numpy(np.random.default_rng(split_seed).permutation(len(y)))
    n_train = int(round(0.8 * len(y)))
    train_idx, val_idx = order[:n_train], order[n_train:]
    x_train, x_val = _standardise(x[train_idx], x[val_idx])
    return DataBundle(
        "digits", TensorDataset(x_train, y[train_idx]), TensorDataset(x_val, y[val_idx]), 10, (1, 8, 8),
        description="scikit-learn 8x8 digits, 80/20 split",
    )


def synthetic(
    shape: tuple = (3, 32, 32), num_classes: int = 10, train_size: int = 2048, val_size: int = 512, seed: int = 0,
    noise: float = 3.0,
) -> DataBundle:
    """Class means drawn from N(0, 1), examples = mean + noise * N(0, 1)."""
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    g = torch.Generator().manual_seed(seed)
    means = torch.randn((num_classes, *shape), generator=g)

    def draw(n: int) -> tuple:
        y = torch.randint(0, num_classes, (n,), generator=g)
        return means[y] + noise * torch.randn((n, *shape), generator=g), y

    x_train, y_train = draw(train_size)
    x_val, y_val = draw(val_size)
    return DataBundle(
        "synthetic", TensorDataset(x_train, y_train), TensorDataset(x_val, y_val), num_classes, tuple(shape),
        description=f"Gaussian clusters, seed {seed}",
    )


CIFAR_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def _cifar_folder(data_dir: Optional[str]) -> str:
    if not data_dir:
        raise FileNotFoundError(
            "cifar10 needs --data-dir: a folder with CIFAR-10's python files (data_batch_1 ... data_batch_5, "
            "test_batch), as unpacked from cifar-10-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html); "
            "relsparse never downloads data"
        )
    for folder in (data_dir, os.path.join(data_dir, "cifar-10-batches-py")):
        if all(os.path.isfile(os.path.join(folder, f)) for f in CIFAR_FILES):
            return folder
    missing = [f for f in CIFAR_FILES if not os.path.isfile(os.path.join(data_dir, f))]
    raise FileNotFoundError(
        f"{data_dir!r} does not hold CIFAR-10's python files: missing {', '.join(missing)} (also looked in "
        f"{os.path.join(data_dir, 'cifar-10-batches-py')!r}). Unpack cifar-10-python.tar.gz there."
    )


def _read_cifar_batch(path: str) -> tuple:
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="bytes")
        data = np.asarray(entry[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(entry[b"labels"], dtype=np.int64)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise ValueError(f"{path!r} is not a CIFAR-10 python batch file ({exc})") from exc
    return torch.from_numpy(data), torch.from_numpy(labels)


def random_crop_flip(pad: int = 4) -> Augment:
    """Random crops of the zero-padded image and horizontal flips, per example."""

    def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, h, w = x.shape
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        flip = torch.rand(n, generator=generator) < 0.5
        rows = (dy[:, None] + torch.arange(h)[None, :])[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w)[None, :])
        cols = torch.where(flip[:, None], cols.flip(1), cols)[:, None, None, :]
        batch = torch.arange(n)[:, None, None, None]
        return padded[batch, torch.arange(x.shape[1])[None, :, None, None], rows, cols]

    return augment


def cifar10(data_dir: Optional[str]) -> DataBundle:
    folder = _cifar_folder(data_dir)
    parts = [_read_cifar_batch(os.path.join(folder, f)) for f in CIFAR_FILES]
    x_train = torch.cat([p[0] for p in parts[:5]]).float() / 255.0
    y_train = torch.cat([p[1] for p in parts[:5]])
    x_val, y_val = parts[5][0].float() / 255.0, parts[5][1]
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return DataBundle(
        "cifar10", TensorDataset((x_train - mean) / std, y_train), TensorDataset((x_val - mean) / std, y_val),
        10, (3, 32, 32), augment=random_crop_flip(), description=f"CIFAR-10 from {folder}",
    )


def imagefolder(data_dir: Optional[str], image_size: int = 224) -> DataBundle:
    try:
        from torchvision import datasets, transforms
    except ImportError as exc:
        raise ImportError(
            "the 'imagefolder' dataset needs torchvision (pip install torchvision matching your torch)"
        ) from exc
    if not data_dir or not all(os.path.isdir(os.path.join(data_dir, s)) for s in ("train", "val")):
        raise FileNotFoundError(
            f"imagefolder needs --data-dir with train/<class>/*.jpeg and val/<class>/*.jpeg (got {data_dir!r})"
        )
    normalise = transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    train = datasets.ImageFolder(
        os.path.join(data_dir, "train"),
        transforms.Compose([transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip(),
                            transforms.ToTensor(), normalise]),
    )
    val = datasets.ImageFolder(
        os.path.join(data_dir, "val"),
        transforms.Compose([transforms.Resize(int(image_size * 256 / 224)), transforms.CenterCrop(image_size),
                            transforms.ToTensor(), normalise]),
    )
    return DataBundle("imagefolder", train, val, len(train.classes), (3, image_size, image_size),
                      description=f"image folders in {data_dir}")


DATASETS = ("digits", "synthetic", "cifar10", "imagefolder")


def load_dataset(name: str, *, data_dir: Optional[str] = None, seed: int = 0, **options: Any) -> DataBundle:
    """One of :data:`DATASETS` (see the module docstring)."""
    if name == "digits":
        return digits(split_seed=seed)
    if name == "synthetic":
        return synthetic(seed=seed, **options)
    if name == "cifar10":
        return cifar10(data_dir)
    if name == "imagefolder":
        return imagefolder(data_dir, **options)
    raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")


__all__ = ["DataBundle", "DATASETS", "load_dataset", "digits", "synthetic", "cifar10", "imagefolder",
           "random_crop_flip"]
