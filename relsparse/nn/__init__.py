"""Relational (graph-masked) layers for PyTorch.

Modules: :class:`RelationalLinear`, :class:`RelationalConv2d`; functional
forms in :mod:`relsparse.nn.functional`; packed layout in
:mod:`relsparse.nn.layout`; channel split in :mod:`relsparse.nn.partition`.
"""

from . import functional, layout, partition
from .layout import BlockLayout, make_layout
from .modules import RelationalConv2d, RelationalLinear
from .partition import split_channels

__all__ = [
    "RelationalLinear", "RelationalConv2d", "BlockLayout", "make_layout", "split_channels",
    "functional", "layout", "partition",
]
