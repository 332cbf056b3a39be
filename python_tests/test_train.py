"""relsparse.train: configuration, datasets (and their errors), the training loop, checkpoints."""

from __future__ import annotations

import math
import os
import pickle

import numpy as np
import pytest
import torch

from relsparse import graphs, models, train
from relsparse.train import TrainConfig


def _mlp_builder(data, graph=None):
    g = graph if graph is not None else graphs.connected_ws_flex(64, 8, 0.5, seed=1)
    return lambda: models.build("mlp", g, input_shape=data.input_shape, num_classes=data.num_classes)


# ---------------------------------------------------------------- config
def test_config_defaults_are_the_papers():
    c = TrainConfig()
    assert (c.epochs, c.batch_size, c.lr, c.momentum, c.nesterov, c.weight_decay) == (200, 128, 0.1, 0.9, True, 5e-4)


def test_cosine_schedule():
    c = TrainConfig(epochs=10, lr=0.2)
    assert c.learning_rate(0) == pytest.approx(0.2)
    assert c.learning_rate(5) == pytest.approx(0.1)
    assert c.learning_rate(9) == pytest.approx(0.1 * (1 + math.cos(math.pi * 0.9)))
    w = TrainConfig(epochs=10, lr=0.2, warmup_epochs=3)
    assert [w.learning_rate(e) for e in range(3)] == pytest.approx([0.05, 0.1, 0.15])


@pytest.mark.parametrize("options, match", [
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"lr": -1.0}, "lr must be > 0"),
    ({"lr": "fast"}, "lr must be a number"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    ({"label_smoothing": 1.5}, "label_smoothing"),
    ({"amp": "fp8"}, "amp must be one of"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"warmup_epochs": 5, "epochs": 5}, "warmup_epochs"),
    ({"max_steps_per_epoch": 0}, "max_steps_per_epoch"),
    ({"learning_rate": 0.1}, "unknown training option"),
])
def test_config_errors(options, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TrainConfig.from_dict(options)


def test_fingerprint_ignores_device_only():
    a, b = TrainConfig(device="cpu"), TrainConfig(device="auto")
    assert a.fingerprint() == b.fingerprint() != TrainConfig(lr=0.05).fingerprint()
    assert train.merge(a, lr=0.05, epochs=None).lr == 0.05


# ---------------------------------------------------------------- data
def test_digits_offline():
    d = train.load_dataset("digits")
    assert (d.num_classes, d.input_shape, len(d.train), len(d.val)) == (10, (1, 8, 8), 1438, 359)
    x, y = d.train.tensors
    assert x.shape == (1438, 1, 8, 8) and abs(float(x.mean())) < 1e-5 and set(y.tolist()) == set(range(10))


def test_synthetic_shapes_and_seed():
    a = train.load_dataset("synthetic", seed=3, shape=(2, 4, 4), num_classes=3, train_size=20, val_size=8)
    b = train.load_dataset("synthetic", seed=3, shape=(2, 4, 4), num_classes=3, train_size=20, val_size=8)
    assert a.input_shape == (2, 4, 4) and len(a.train) == 20 and len(a.val) == 8
    assert torch.equal(a.train.tensors[0], b.train.tensors[0])
    with pytest.raises(ValueError, match="num_classes must be >= 2"):
        train.load_dataset("synthetic", num_classes=1)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; choose from digits, synthetic, cifar10"):
        train.load_dataset("mnist")


def _write_fake_cifar(folder, per_batch=4):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in train.data.CIFAR_FILES:
        entry = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": list(rng.integers(0, 10, per_batch))}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(entry, f)


def test_cifar10_missing_and_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar10 needs --data-dir.*never downloads"):
        train.load_dataset("cifar10")
    with pytest.raises(FileNotFoundError, match="missing data_batch_1, .*test_batch.*cifar-10-python.tar.gz"):
        train.load_dataset("cifar10", data_dir=str(tmp_path))
    _write_fake_cifar(tmp_path / "cifar-10-batches-py")  # the tarball's own folder is found too
    d = train.load_dataset("cifar10", data_dir=str(tmp_path))
    assert (len(d.train), len(d.val), d.input_shape, d.augment is not None) == (20, 4, (3, 32, 32), True)


def test_cifar10_corrupt_file(tmp_path):
    _write_fake_cifar(tmp_path)
    (tmp_path / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="test_batch' is not a CIFAR-10 python batch file"):
        train.load_dataset("cifar10", data_dir=str(tmp_path))


def test_imagefolder_needs_torchvision_or_folders(tmp_path):
    with pytest.raises((ImportError, FileNotFoundError), match="torchvision|train/<class>"):
        train.load_dataset("imagefolder", data_dir=str(tmp_path))


def test_random_crop_flip_is_a_crop_of_the_padded_image():
    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).view(2, 1, 4, 4)
    g = torch.Generator().manual_seed(0)
    out = train.data.random_crop_flip(pad=0)(x, g)
    for i in range(2):  # without padding: the image or its mirror
        assert torch.equal(out[i], x[i]) or torch.equal(out[i], x[i].flip(-1))
    out = train.data.random_crop_flip(pad=2)(x, g)
    assert out.shape == x.shape


# ---------------------------------------------------------------- loop
def test_fit_learns_digits_well_above_chance():
    data = train.load_dataset("digits")
    result = train.fit(_mlp_builder(data), data, TrainConfig(epochs=3, batch_size=64, lr=0.05, device="cpu"))
    assert len(result.history) == 3
    assert result.final_val_error < 15.0  # chance is 90 %
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.params == sum(p.numel() for p in result.model.parameters())
    loss, err = train.evaluate(result.model, data.val, torch.device("cpu"))
    assert err == pytest.approx(result.final_val_error)


def test_fit_is_deterministic_and_leaves_global_rng_alone():
    data = train.load_dataset("synthetic", shape=(3, 8, 8), train_size=256, val_size=64)
    config = TrainConfig(epochs=2, batch_size=32, lr=0.05, seed=5, device="cpu")
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = train.fit(_mlp_builder(data), data, config)
    after = torch.rand(1)
    b = train.fit(_mlp_builder(data), data, config)
    assert torch.equal(before, after)
    assert [h.train_loss for h in a.history] == [h.train_loss for h in b.history]
    assert [h.val_error for h in a.history] == [h.val_error for h in b.history]
    c = train.fit(_mlp_builder(data), data, train.merge(config, seed=6))
    assert [h.train_loss for h in c.history] != [h.train_loss for h in a.history]


class _Interrupt(Exception):
    pass


def test_checkpoint_resume_equals_uninterrupted_run(tmp_path):
    data = train.load_dataset("digits")
    data = train.DataBundle(data.name, data.train, data.val, 10, data.input_shape,
                            augment=train.data.random_crop_flip(1))  # augmentation RNG must resume too
    config = TrainConfig(epochs=4, batch_size=128, lr=0.05, device="cpu")
    full = train.fit(_mlp_builder(data), data, config)

    def stop_after_two(metrics):
        if metrics.epoch == 1:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        train.fit(_mlp_builder(data), data, config, checkpoint_dir=str(tmp_path), on_epoch=stop_after_two)
    seen = []
    resumed = train.fit(_mlp_builder(data), data, config, checkpoint_dir=str(tmp_path),
                        on_epoch=lambda m: seen.append(m.epoch))
    # Epoch 1 was reported but not checkpointed: it is trained (and reported) again.
    assert seen == [1, 2, 3]
    assert [h.train_loss for h in resumed.history] == [h.train_loss for h in full.history]
    assert [h.val_error for h in resumed.history] == [h.val_error for h in full.history]
    with pytest.raises(ValueError, match="other training options"):
        train.fit(_mlp_builder(data), data, train.merge(config, lr=0.01), checkpoint_dir=str(tmp_path))


def test_fit_reports_divergence():
    data = train.load_dataset("synthetic", shape=(3, 8, 8), train_size=128, val_size=32)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 10))  # no BatchNorm to save it
    with pytest.raises(FloatingPointError, match="training diverged in epoch 0"):
        train.fit(net, data, TrainConfig(epochs=1, batch_size=32, lr=1e30, device="cpu"))


def test_max_steps_per_epoch_and_plain_module():
    data = train.load_dataset("synthetic", shape=(3, 8, 8), train_size=512, val_size=32)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 10))
    config = TrainConfig(epochs=1, batch_size=16, lr=0.01, max_steps_per_epoch=2, decay_norm_and_bias=False,
                         device="cpu")
    before = net[1].weight.detach().clone()
    result = train.fit(net, data, config)
    assert result.model is net and not torch.equal(before, net[1].weight)


def test_device_errors():
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        train.resolve_device("cuda")
    assert train.resolve_device("auto").type == "cpu"
