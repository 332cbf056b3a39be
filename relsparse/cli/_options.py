"""Options shared by several commands: training options and the analysis grid."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..train.config import TrainConfig

_DEFAULTS = TrainConfig()


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: X)" only for real defaults (not None/False, which mean "unset" or an off switch)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False:
            return action.help or ""
        return super()._get_help_string(action)


def add_training_options(p: argparse.ArgumentParser) -> None:
    """The TrainConfig options; only those given on the command line are passed on."""
    g = p.add_argument_group("training (unset options take the paper's defaults, shown in brackets)")
    g.add_argument("--epochs", type=int, help=f"passes over the training set [{_DEFAULTS.epochs}]")
    g.add_argument("--batch-size", type=int, help=f"examples per SGD step [{_DEFAULTS.batch_size}]")
    g.add_argument("--lr", type=float, help=f"initial learning rate of the cosine schedule [{_DEFAULTS.lr}]")
    g.add_argument("--momentum", type=float, help=f"SGD momentum, Nesterov [{_DEFAULTS.momentum}]")
    g.add_argument("--no-nesterov", dest="nesterov", action="store_const", const=False,
                   help="plain momentum instead of Nesterov")
    g.add_argument("--weight-decay", type=float, help=f"L2 weight decay [{_DEFAULTS.weight_decay}]")
    g.add_argument("--label-smoothing", type=float, help=f"cross-entropy label smoothing [{_DEFAULTS.label_smoothing}]")
    g.add_argument("--warmup-epochs", type=int, help=f"epochs of linear learning-rate warm-up [{_DEFAULTS.warmup_epochs}]")
    g.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"),
                   help="mixed precision on CUDA: auto = bf16 where supported, else fp16; ignored on CPU [auto]")
    g.add_argument("--device", help="'auto' (CUDA if available), 'cpu', 'cuda', 'cuda:1', ... [auto]")
    g.add_argument("--max-steps-per-epoch", type=int, help="cap on SGD steps per epoch, for quick trials [no cap]")


TRAINING_FIELDS = ("epochs", "batch_size", "lr", "momentum", "nesterov", "weight_decay", "label_smoothing",
                   "warmup_epochs", "amp", "device", "max_steps_per_epoch")


def training_options(args: argparse.Namespace) -> dict:
    """The training options given on the command line, checked by TrainConfig."""
    options = {k: getattr(args, k) for k in TRAINING_FIELDS if getattr(args, k, None) is not None}
    TrainConfig.from_dict(options)  # a bad value fails here, before any work
    return options


def add_experiment_options(p: argparse.ArgumentParser, *, default_model: str = "mlp") -> None:
    """Model, dataset, budget and data folder."""
    from ..models import MODELS
    from ..train import DATASETS

    g = p.add_argument_group("experiment")
    g.add_argument("--model", default=default_model, choices=sorted(MODELS),
                   help="zoo model (relsparse.models) whose relational layers follow the graph")
    g.add_argument("--dataset", default="digits", choices=DATASETS,
                   help="digits: scikit-learn's 8x8 digits, offline; synthetic: Gaussian clusters; "
                        "cifar10: CIFAR-10 python files in --data-dir; imagefolder: train/ and val/ class folders "
                        "in --data-dir (needs torchvision)")
    g.add_argument("--data-dir", type=os.path.abspath,  # stored absolute: workers may run elsewhere
                   help="folder holding the dataset's files (cifar10, imagefolder); nothing is downloaded")
    g.add_argument("--budget", default="match", type=_budget,
                   help="FLOPs budget: 'match' = the complete-graph model's multiply-adds on this dataset, an "
                        "integer number of multiply-adds, or 'none' to keep the base width")


def _budget(text: str) -> Any:
    if text == "match":
        return "match"
    if text.lower() == "none":
        return None
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be 'match', 'none' or a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 'match', 'none' or a positive integer, got {text!r}")
    return value


def add_report_parser(sub: argparse._SubParsersAction, name: str, help: str, description: str, run: Any) -> None:
    """A report command (analyze, plot): results store, output folder and the binning of the analysis."""
    p = sub.add_parser(name, help=help, description=description, allow_abbrev=False,
                       formatter_class=HelpFormatter)
    add_report_options(p)
    p.set_defaults(run=run)


def add_report_options(p: argparse.ArgumentParser) -> None:
    """Results store, output folder and the binning of the analysis."""
    p.add_argument("store", help="results store (SQLite file written by `relsparse sweep`)")
    p.add_argument("--out", help="output folder [next to the store: <store>-analysis/]")
    p.add_argument("--resolution", type=int, default=15,
                   help="(C, L) bins per axis of the heat map and bins_<R>.csv (the paper: 15); the sweet spot is "
                        "always found on the 15 x 15 grid")
    p.add_argument("--l-max", type=float, help="upper L edge of the grid [4.5 at n=64, 2.5 at n=16, else "
                                               "max L rounded up to 0.5]")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level of the sweet spot's one-sided "
                                                             "t-test")
    p.add_argument("--min-count", type=int, default=2, help="bins with fewer runs are not tested (kept)")


def report_out(args: argparse.Namespace) -> str:
    return args.out or os.path.splitext(args.store)[0] + "-analysis"
