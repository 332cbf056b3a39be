"""The common base of the zoo's models: :class:`RelationalModel`.

A zoo model is an ``nn.Sequential`` of a dense stem, stages of blocks built
from relational layers, and a dense head. It records how it was built:

=================  ============================================================
``name``           registry name (``"mlp"``, ``"resnet34"``, ...)
``graph``          the relational graph (:class:`~relsparse.Graph`)
``width``          width of the first relational stage
``widths``         widths of all relational stages (base ratios kept)
``input_shape``    per-example input shape, e.g. ``(3, 224, 224)``
``num_classes``    number of output logits
=================  ============================================================

:func:`relsparse.models.build` adds ``flops`` (multiply-adds per example,
counted as graph2nn counts them) and ``budget``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from torch import nn

from .. import graphs
from ..graph import as_relational_graph
from . import _validate as check
from .layers import LayerFactory, init_graph2nn_, scale_widths


class RelationalModel(nn.Sequential):
    """Base class of the zoo's models (see the module docstring)."""

    name: str = ""

    def _prepare(
        self,
        *,
        graph: Any,
        width: Any,
        base_widths: Sequence[int],
        default_nodes: int,
        channels: Callable[[int], Sequence[int]],
        fixed: Optional[int],
        num_classes: Any,
        input_shape: Any,
        image: bool,
        permute: Any,
        init: Any,
        device: Any,
        dtype: Any,
    ) -> LayerFactory:
        """Validates the common arguments, records them, returns the layer factory."""
        g = graphs.complete_graph(default_nodes) if graph is None else as_relational_graph(graph)
        w = check.positive_int(base_widths[0] if width is None else width, "width")
        self.graph = g
        self.width = w
        self.widths = scale_widths(base_widths, w)
        self.num_classes = check.num_classes(num_classes)
        self.input_shape = check.input_shape(input_shape, image=image)
        check.check_fits(g, channels(w), fixed, self.name or type(self).__name__, w)
        return LayerFactory(
            g, permute=check.flag(permute, "permute"), init=check.init_name(init), device=device, dtype=dtype
        )

    def _finish(self, factory: LayerFactory) -> None:
        if factory.init == "graph2nn":
            init_graph2nn_(self)

    def extra_repr(self) -> str:
        return (
            f"name={self.name!r}, width={self.width}, widths={self.widths}, nodes={self.graph.num_nodes}, "
            f"edges={self.graph.num_edges}"
        )


__all__ = ["RelationalModel"]
