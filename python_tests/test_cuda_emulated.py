"""The CUDA kernels' device code, run on the CPU, against the CPU ops.

CI has the CUDA toolkit but no GPU, so ``test_layers_cuda.py`` skips there.
This module compiles the device code of ``csrc/ops/cuda`` (``block_tiles.cuh``
and the launchers of ``linear_kernels.cu`` / ``conv_kernels.cu``, unchanged)
with the host C++ compiler against ``cuda_emulation/simt_emulator.hpp``,
which runs each thread block's 128 threads as fibers with real barriers and
warp shuffles, and calls the launchers through ctypes on CPU tensors.

Covered, for float64, float32, float16 and bfloat16 (the 16-bit types run the
SIMT fallback, not the WMMA tensor-core path that sm_80+ GPUs take: the
emulator has no ``__CUDA_ARCH__``):

* all six passes (linear / conv2d forward, grad input, grad weight) equal
  ``torch.ops.relsparse.*`` on the CPU for graphs with one node, self-loops
  only, complete graphs (40 nodes: more blocks per node than the 32 staged at
  once), rings, random (G(n, p), WS-flex) graphs, uneven channel splits
  (widths not divisible by n, nodes wider than a row tile), batch 1 and an
  empty batch, strides, padding and dilation, grids whose blocks loop over
  several row tiles, and the split weight-gradient reduction (atomicAdd);
* every case under two schedules, blocks and threads in ascending and in
  descending order, which must give bit-identical results (except the
  atomic grad-weight path, whose sums are added in block order): a missing
  barrier shows up as a difference;
* outputs are prefilled with NaN (every entry must be written) and guarded
  by canaries (nothing written outside them);
* layouts that do not describe the arguments (header mismatch) give all-NaN
  results; corrupted interior entries make the governed nodes' results NaN
  (or leave them unwritten) and leave the others exact; random corruptions
  never write out of bounds.

Not covered: the WMMA path and ``relational_cuda.cpp`` (the ATen glue) --
both only run on a GPU (``test_layers_cuda.py``) -- and grids with more than
65,535 column tiles.

Needs a C++ compiler (``$CXX``, else ``g++``) and the CUDA headers, found
through ``$CUDA_HOME`` / ``$CUDA_PATH``, else through ``nvcc`` on ``PATH``;
skipped without them. The library is built once per session in a temporary
directory. ``RELSPARSE_EMU_SANITIZE=address,undefined`` builds it with those
sanitizers (``-O1 -g``); for ASan the runtime must be preloaded::

    LD_PRELOAD=$(g++ -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \\
    RELSPARSE_EMU_SANITIZE=address,undefined python -m pytest python_tests/test_cuda_emulated.py

(about 1.5 minutes; ASan warns once that its makecontext/swapcontext support is
partial, which the fiber switches use.)
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import random
import re
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import pytest
import torch

import relsparse
from relsparse import graphs
from relsparse.nn import _ops  # noqa: F401  (loads the torch.ops.relsparse CPU ops)
from relsparse.nn.layout import BlockLayout, make_layout

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "cuda_emulation"
CSRC = HERE.parent / "csrc"

OPS = torch.ops.relsparse

DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]
DTYPE_CODE = {torch.float32: 0, torch.float64: 1, torch.float16: 2, torch.bfloat16: 3}

# (rtol, atol relative to the largest reference magnitude), as test_layers_cuda.py
TOLERANCE = {
    torch.float64: (1e-10, 1e-12),
    torch.float32: (1e-4, 1e-5),
    torch.float16: (1e-2, 5e-3),
    torch.bfloat16: (4e-2, 2e-2),
}

# Operation codes of relsparse_emu_run (emulated_kernels.cpp).
LINEAR_FORWARD, LINEAR_GRAD_INPUT, LINEAR_GRAD_WEIGHT, CONV_FORWARD, CONV_GRAD_INPUT, CONV_GRAD_WEIGHT = range(6)
ASCENDING, DESCENDING = 0, 1

CANARY = -4096.0  # exact in every dtype
GUARD = 64  # canary elements on each side of an output


# ------------------------------------------------------------------ build


def cuda_include_dir() -> tuple[Optional[Path], str]:
    """The CUDA toolkit's include directory, or None and why not."""
    tried = []
    for var in ("CUDA_HOME", "CUDA_PATH"):
        root = os.environ.get(var)
        if root:
            tried.append(Path(root) / "include")
    nvcc = shutil.which("nvcc")
    if nvcc is not None:
        # nvcc may be a wrapper script: ask it for the include path it uses.
        try:
            dry = subprocess.run([nvcc, "-dryrun", "-E", "-x", "cu", os.devnull], capture_output=True, text=True,
                                 timeout=60)
            for includes in re.findall(r'INCLUDES="([^"]*)"', dry.stdout + dry.stderr):
                tried += [Path(p) for p in re.findall(r'-I"?([^"\s]+)', includes)]
        except (OSError, subprocess.SubprocessError):
            pass
        tried.append(Path(nvcc).resolve().parent.parent / "include")
    for include in tried:
        if (include / "cuda_runtime.h").is_file() and (include / "cuda_fp16.h").is_file():
            return include.resolve(), ""
    if not tried:
        return None, "CUDA headers not found: no nvcc on PATH and neither CUDA_HOME nor CUDA_PATH is set"
    return None, "CUDA headers not found (no cuda_runtime.h in " + ", ".join(map(str, tried)) + ")"


def compile_command(cxx: str, include: Path, output: Path) -> list[str]:
    sanitize = os.environ.get("RELSPARSE_EMU_SANITIZE", "").strip()
    optimize = ["-O2"]
    if sanitize:  # findings abort the run instead of scrolling past
        optimize = ["-O1", "-g", "-fno-omit-frame-pointer", f"-fsanitize={sanitize}", "-fno-sanitize-recover=all"]
    system = ["-isystem", str(include)]
    if (include / "cccl").is_dir():  # CUDA 13 keeps libcu++ there
        system += ["-isystem", str(include / "cccl")]
    return [
        cxx, "-std=c++17", *optimize, "-fPIC", "-shared", "-pthread", "-fvisibility=hidden",
        "-Wall", "-Wextra", "-Wno-unknown-pragmas",
        "-I", str(CSRC), *system,
        str(SOURCES / "emulated_kernels.cpp"), "-o", str(output),
        *([] if sanitize else ["-Wl,--no-undefined"]),  # no cudart: everything is in the headers
    ]


class Emulator:
    """ctypes binding of emulated_kernels.cpp's C ABI."""

    def __init__(self, path: Path):
        lib = ctypes.CDLL(str(path))
        p, i64 = ctypes.c_void_p, ctypes.c_int64
        lib.relsparse_emu_run.argtypes = [ctypes.c_int, ctypes.c_int, p, i64, p, i64, p, p, p, p, i64, ctypes.c_int]
        lib.relsparse_emu_run.restype = ctypes.c_int
        lib.relsparse_emu_launches.argtypes = [p, i64]
        lib.relsparse_emu_launches.restype = i64
        lib.relsparse_emu_error.argtypes = []
        lib.relsparse_emu_error.restype = ctypes.c_char_p
        self.lib = lib

    def run(self, op: int, layout: torch.Tensor, shape: Sequence[int], a: torch.Tensor, b: torch.Tensor,
            bias: Optional[torch.Tensor], out_shape: Sequence[int], *, multiprocessors: int = 1,
            schedule: int = ASCENDING, layout_numel: Optional[int] = None, fill: float = float("nan")):
        """One launcher on CPU tensors: the result (prefilled with `fill`) and the launches' grids."""
        dtype = a.dtype
        for t in (a, b, bias):
            assert t is None or (t.dtype == dtype and t.is_contiguous())
        assert layout.dtype == torch.int64 and layout.is_contiguous()
        numel = int(np.prod(out_shape))
        buffer = torch.full((numel + 2 * GUARD,), CANARY, dtype=dtype)
        out = buffer[GUARD:GUARD + numel]
        out.fill_(fill)
        shape_t = torch.tensor(list(shape), dtype=torch.int64)
        rc = self.lib.relsparse_emu_run(
            op, DTYPE_CODE[dtype], layout.data_ptr(), layout.numel() if layout_numel is None else layout_numel,
            shape_t.data_ptr(), shape_t.numel(), a.data_ptr(), b.data_ptr(),
            None if bias is None else bias.data_ptr(), out.data_ptr(), multiprocessors, schedule)
        assert rc == 0, f"launcher returned {rc}: {self.lib.relsparse_emu_error().decode()}"
        assert bool((buffer[:GUARD] == CANARY).all()) and bool((buffer[GUARD + numel:] == CANARY).all()), \
            "the kernel wrote outside its output"
        records = (ctypes.c_int64 * (4 * 8))()
        count = self.lib.relsparse_emu_launches(records, 8)
        grids = [tuple(records[4 * i:4 * i + 4]) for i in range(min(count, 8))]
        return out.view(*out_shape).clone(), grids


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    include, reason = cuda_include_dir()
    if include is None:
        pytest.skip(reason)
    cxx = os.environ.get("CXX") or shutil.which("g++")
    if not cxx:
        pytest.skip("no C++ compiler: g++ not on PATH and CXX not set")
    library = tmp_path_factory.mktemp("cuda_emulation") / "librelsparse_cuda_emulated.so"
    command = compile_command(cxx, include, library)
    built = subprocess.run(command, capture_output=True, text=True)
    if built.returncode != 0:
        pytest.fail("compiling the emulated CUDA kernels failed:\n" + " ".join(command) + "\n" + built.stderr,
                    pytrace=False)
    return Emulator(library)


# ---------------------------------------------------------------- helpers


def assert_close(actual: torch.Tensor, expected: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, what
    rtol, atol = TOLERANCE[dtype]
    a, e = actual.double(), expected.double()
    scale = e.abs().max().item() if e.numel() else 1.0
    torch.testing.assert_close(a, e, rtol=rtol, atol=atol * max(scale, 1e-30), msg=lambda m: f"{what}: {m}")


def random_inputs(generator: torch.Generator, dtype: torch.dtype, *shapes):
    return [torch.randn(s, generator=generator, dtype=torch.float64).to(dtype) for s in shapes]


@dataclasses.dataclass(frozen=True)
class Problem:
    """One layer and its inputs: the three passes, emulated and on the CPU."""

    conv: bool
    layout: BlockLayout
    x: torch.Tensor
    weight: torch.Tensor
    bias: Optional[torch.Tensor]
    grad_out: torch.Tensor
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)

    def shape(self) -> list[int]:
        L = self.layout
        if not self.conv:
            return [self.x.shape[0], L.in_features, L.out_features, L.num_weights]
        n, c, h, w = self.x.shape
        oh, ow = self.grad_out.shape[2:]
        return [n, c, h, w, L.out_features, oh, ow, *self.kernel, *self.stride, *self.padding, *self.dilation,
                L.num_weights]

    def expected(self) -> dict:
        """The three passes through the CPU ops."""
        lt = self.layout.tensor
        conv_args = (list(self.kernel), list(self.stride), list(self.padding), list(self.dilation))
        if not self.conv:
            return {
                "forward": OPS.linear(self.x, self.weight, self.bias, lt, self.layout.out_features),
                "grad_input": OPS.linear_grad_input(self.grad_out, self.weight, lt, self.layout.in_features),
                "grad_weight": OPS.linear_grad_weight(self.grad_out, self.x, self.weight, lt),
            }
        return {
            "forward": OPS.conv2d(self.x, self.weight, self.bias, lt, self.layout.out_features, *conv_args),
            "grad_input": OPS.conv2d_grad_input(self.grad_out, self.weight, lt, list(self.x.shape), *conv_args),
            "grad_weight": OPS.conv2d_grad_weight(self.grad_out, self.x, self.weight, lt, *conv_args),
        }

    def emulated(self, emu: Emulator, *, layout: Optional[torch.Tensor] = None, shape: Optional[list] = None,
                 **options) -> tuple[dict, dict]:
        """The three passes through the emulator: results and launch grids."""
        lt = self.layout.tensor if layout is None else layout
        shape = self.shape() if shape is None else shape
        base = CONV_FORWARD if self.conv else LINEAR_FORWARD
        runs = {
            "forward": (base, self.x, self.weight, self.bias, self.grad_out.shape),
            "grad_input": (base + 1, self.grad_out, self.weight, None, self.x.shape),
            "grad_weight": (base + 2, self.grad_out, self.x, None, self.weight.shape),
        }
        results, grids = {}, {}
        for name, (op, a, b, bias, out_shape) in runs.items():
            results[name], grids[name] = emu.run(op, lt, shape, a, b, bias, out_shape, **options)
        return results, grids


def linear_problem(layout: BlockLayout, rows: int, dtype: torch.dtype, seed: int, bias: bool = True) -> Problem:
    g = torch.Generator().manual_seed(seed)
    x, w, b, dy = random_inputs(g, dtype, (rows, layout.in_features), (layout.num_weights,), (layout.out_features,),
                                (rows, layout.out_features))
    return Problem(False, layout, x, w, b if bias else None, dy)


def conv_output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_problem(layout: BlockLayout, batch: int, hw: tuple, stride: tuple, padding: tuple, dilation: tuple,
                 dtype: torch.dtype, seed: int, bias: bool = True) -> Problem:
    kernel = layout.kernel_size
    out_hw = tuple(conv_output_size(*a) for a in zip(hw, kernel, stride, padding, dilation))
    g = torch.Generator().manual_seed(seed)
    x, w, b, dy = random_inputs(g, dtype, (batch, layout.in_features, *hw), (layout.num_weights,),
                                (layout.out_features,), (batch, layout.out_features, *out_hw))
    return Problem(True, layout, x, w, b if bias else None, dy, tuple(kernel), stride, padding, dilation)


# ------------------------------------------------------------------ cases


@dataclasses.dataclass(frozen=True)
class Case:
    graph: Callable[[], relsparse.Graph]
    in_f: int
    out_f: int
    batch: int
    multiprocessors: int = 1
    bias: bool = True
    sizes: Optional[tuple] = None  # (in_sizes, out_sizes) instead of an even split
    # conv only
    kernel: tuple = ()
    hw: tuple = ()
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)
    # what the grid must look like
    split: bool = False  # the weight gradient's reduction split over blocks (atomicAdd)
    strided: bool = False  # fewer blocks along x than row tile numbers

    def problem(self, dtype: torch.dtype, seed: int) -> Problem:
        in_sizes, out_sizes = self.sizes if self.sizes else (None, None)
        layout = make_layout(self.graph(), self.in_f, self.out_f, self.kernel, in_sizes=in_sizes,
                             out_sizes=out_sizes)
        if not self.kernel:
            return linear_problem(layout, self.batch, dtype, seed, self.bias)
        return conv_problem(layout, self.batch, self.hw, self.stride, self.padding, self.dilation, dtype, seed,
                            self.bias)


def one_node():
    return relsparse.Graph(1)


def self_loops_only():
    return relsparse.Graph(4)


def complete5():
    return graphs.complete_graph(5)


def complete40():  # 40 blocks per node: more than the 32 staged at once
    return graphs.complete_graph(40)


def ring6():
    return graphs.ring_lattice(6, 2)


def gnp7():
    return graphs.gnp_random_graph(7, 0.4, 3)


def ws_flex16():
    return graphs.ws_flex(16, 4.5, 0.3, 1)


def ring9():
    return graphs.ring_lattice(9, 4)


def ring20():
    return graphs.ring_lattice(20, 4)


def path4():
    return relsparse.Graph(4, [(0, 1), (1, 2), (2, 3)])


CASES = {
    # linear: in, out, batch rows
    "linear-one_node-batch1": Case(one_node, 50, 37, 1, multiprocessors=2, bias=False),
    "linear-one_node-split": Case(one_node, 20, 9, 600, split=True),
    "linear-self_loops_only": Case(self_loops_only, 14, 11, 5),
    "linear-complete5": Case(complete5, 17, 13, 70, multiprocessors=3),
    "linear-complete40": Case(complete40, 83, 45, 70, multiprocessors=2),
    "linear-ring6": Case(ring6, 20, 15, 3),
    "linear-gnp7": Case(gnp7, 23, 17, 9, bias=False),
    "linear-ws_flex16": Case(ws_flex16, 37, 49, 33, strided=True),
    "linear-ws_flex16-split": Case(ws_flex16, 35, 20, 700, split=True),
    "linear-uneven_sizes": Case(path4, 38, 61, 20, sizes=([1, 30, 2, 5], [40, 1, 17, 3])),
    "linear-empty_batch": Case(ring6, 20, 15, 0),
    "linear-ring9-rows1000": Case(ring9, 100, 83, 1000, multiprocessors=2, split=True, strided=True),
    # conv: in, out channels, batch; kernel, image, stride, padding, dilation
    "conv-one_node": Case(one_node, 3, 20, 1, multiprocessors=2, kernel=(3, 3), hw=(5, 6), padding=(1, 1)),
    "conv-self_loops_only": Case(self_loops_only, 6, 5, 2, kernel=(2, 3), hw=(7, 9), stride=(2, 1),
                                 padding=(0, 2), dilation=(1, 2), bias=False),
    "conv-self_loops_only-split": Case(self_loops_only, 4, 4, 3, kernel=(3, 3), hw=(12, 11), padding=(1, 1),
                                       split=True),
    "conv-complete5-1x1": Case(complete5, 6, 7, 2, kernel=(1, 1), hw=(4, 4)),
    "conv-complete40": Case(complete40, 41, 40, 1, multiprocessors=2, kernel=(1, 2), hw=(3, 4), padding=(0, 1)),
    "conv-ring6": Case(ring6, 13, 7, 3, multiprocessors=4, kernel=(3, 3), hw=(9, 8), stride=(2, 3),
                       padding=(1, 0), dilation=(2, 1)),
    "conv-gnp7": Case(gnp7, 9, 8, 1, kernel=(3, 1), hw=(6, 10), stride=(1, 3), padding=(2, 0), dilation=(2, 1),
                      bias=False),
    "conv-ws_flex16": Case(ws_flex16, 20, 17, 2, kernel=(3, 3), hw=(5, 5), stride=(2, 2), padding=(1, 1),
                           strided=True),
    "conv-uneven_sizes": Case(path4, 21, 19, 2, kernel=(2, 2), hw=(5, 4), sizes=([17, 1, 2, 1], [1, 1, 16, 1])),
    "conv-ring20-batch16": Case(ring20, 24, 20, 16, kernel=(3, 3), hw=(17, 15), stride=(2, 2), padding=(1, 1),
                                split=True, strided=True),
}


# ------------------------------------------------------------ correctness


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", list(CASES))
def test_matches_cpu_ops(emulator, name, dtype):
    case = CASES[name]
    problem = case.problem(dtype, seed=zlib.crc32(name.encode()))
    expected = problem.expected()
    results, grids = {}, {}
    for schedule in (ASCENDING, DESCENDING):
        results[schedule], grids[schedule] = problem.emulated(emulator, multiprocessors=case.multiprocessors,
                                                              schedule=schedule)
    for pass_name, want in expected.items():
        got = results[ASCENDING][pass_name]
        assert_close(got, want, dtype, f"{name} {pass_name}")
        again = results[DESCENDING][pass_name]
        if pass_name == "grad_weight" and case.split:
            assert_close(again, want, dtype, f"{name} {pass_name} (descending schedule)")
        else:
            assert torch.equal(got, again), f"{name} {pass_name}: the schedules disagree (a missing barrier?)"

    if case.batch == 0:
        assert grids[ASCENDING]["forward"] == [] and grids[ASCENDING]["grad_input"] == []
        return
    wgrad_grid = grids[ASCENDING]["grad_weight"][0]
    assert (wgrad_grid[1] > 1) == case.split, f"grad-weight grid {wgrad_grid[:3]}"
    if dtype in (torch.float16, torch.bfloat16):  # float workspace converted by a second kernel
        assert len(grids[ASCENDING]["grad_weight"]) == 2
    if case.strided:
        L = problem.layout
        tile_numbers = L.out_features // 16 + L.num_nodes  # block_tiles.cuh: bound on row tile numbers
        assert grids[ASCENDING]["forward"][0][0] < tile_numbers


# -------------------------------------------------------- corrupted layouts


def corrupt_problem(conv: bool, graph: Callable[[], relsparse.Graph] = ws_flex16) -> Problem:
    # ws_flex16 with one multiprocessor: blocks loop over two row tiles
    # (block 0 over nodes 0 and 14), and every W_i fits one 64-column tile.
    if conv:
        layout = make_layout(graph(), 20, 49, (2, 2))
        return conv_problem(layout, 2, (4, 5), (1, 1), (1, 1), (1, 1), torch.float32, seed=7)
    return linear_problem(make_layout(graph(), 37, 49), 6, torch.float32, seed=7)


def fields(layout: BlockLayout) -> dict:
    """Offset of each array in the layout tensor (layout.py's order)."""
    n, blocks = layout.num_nodes, layout.num_blocks
    sizes = [("in_ptr", n + 1), ("out_ptr", n + 1), ("nbr_ptr", n + 1), ("nbr_idx", blocks), ("col_off", blocks),
             ("row_k", n), ("w_ptr", n + 1), ("t_ptr", n + 1), ("t_block", blocks)]
    offsets, at = {}, 4
    for name, size in sizes:
        offsets[name] = at
        at += size
    return offsets


def with_header_mismatch(problem: Problem, what: str):
    """(layout tensor, launcher shape, layout length, weight) where the layout no longer describes the call."""
    lt, shape, numel, weight = problem.layout.tensor.clone(), problem.shape(), None, problem.weight
    if what == "magic":
        lt[0] += 1
    elif what == "node_count":
        lt[1] += 1
    elif what == "kernel_elems":
        lt[2] += 1
    elif what == "block_count":
        lt[3] -= 1
    elif what == "truncated":
        numel = lt.numel() - 1
    elif what == "empty":
        numel = 0
    elif what == "num_weights":  # a weight one longer than the layout's
        shape[-1] += 1
        weight = torch.randn(shape[-1])
    elif what in ("in_features", "out_features"):  # the layout of another width
        L = problem.layout
        widths = (L.in_features + 1, L.out_features) if what == "in_features" else (L.in_features,
                                                                                    L.out_features + 1)
        lt = make_layout(L.graph, *widths, L.kernel_size).tensor
    return lt, shape, numel, weight


HEADER_MISMATCHES = ["magic", "node_count", "kernel_elems", "block_count", "truncated", "empty", "num_weights",
                     "in_features", "out_features"]


@pytest.mark.parametrize("conv", [False, True], ids=["linear", "conv"])
@pytest.mark.parametrize("what", HEADER_MISMATCHES)
def test_header_mismatch_fills_nan(emulator, what, conv):
    problem = corrupt_problem(conv)
    lt, shape, numel, weight = with_header_mismatch(problem, what)
    problem = dataclasses.replace(problem, weight=weight)
    for schedule in (ASCENDING, DESCENDING):
        results, _ = problem.emulated(emulator, layout=lt, shape=shape, layout_numel=numel, fill=0.0,
                                      schedule=schedule)
        for pass_name, result in results.items():
            assert result.numel() > 0 and bool(torch.isnan(result).all()), f"{what}: {pass_name} is not all NaN"


def interior_corruptions(layout: BlockLayout) -> dict:
    """name: (index, value, nodes whose forward rows are NaN, nodes whose input
    gradient is NaN, node whose weight gradient is affected, how: "nan" (at
    least the columns of the corrupted block) or "zero" (left unwritten))."""
    s, f = layout._structure, fields(layout)
    i = 0
    b = next(b for b in range(s["nbr_ptr"][i], s["nbr_ptr"][i + 1]) if s["nbr_idx"][b] != i)  # block (i, j)
    j = int(s["nbr_idx"][b])
    t = int(np.nonzero(s["t_block"] == b)[0][0])  # b among the blocks reading j
    nbrs = {k: {int(v) for v in s["nbr_idx"][s["nbr_ptr"][k]:s["nbr_ptr"][k + 1]]} for k in (0, 1)}
    return {
        "nbr_idx": (f["nbr_idx"] + b, layout.num_nodes, {i}, {j}, (i, b), "nan"),
        "col_off": (f["col_off"] + b, int(s["row_k"][i]), {i}, {j}, (i, b), "nan"),
        "t_block": (f["t_block"] + t, layout.num_blocks, set(), {j}, None, None),
        "row_k": (f["row_k"] + i, 0, {i}, nbrs[i], (i, None), "zero"),
        "w_ptr": (f["w_ptr"] + 1, layout.num_weights, {1}, nbrs[1], (1, None), "zero"),  # w_ptr[0] is in the header
    }


@pytest.mark.parametrize("conv", [False, True], ids=["linear", "conv"])
@pytest.mark.parametrize("what", ["nbr_idx", "col_off", "t_block", "row_k", "w_ptr"])
def test_interior_corruption_is_contained(emulator, what, conv):
    # The entries a corrupted layout entry governs become NaN (or, for a row
    # block the weight gradient cannot locate, stay zero); all others are exact.
    problem = corrupt_problem(conv)
    L, s = problem.layout, problem.layout._structure
    index, value, forward_nodes, grad_input_nodes, weight_target, weight_effect = interior_corruptions(L)[what]
    lt = L.tensor.clone()
    lt[index] = value
    expected = problem.expected()
    kk = L.kernel_elems
    for schedule in (ASCENDING, DESCENDING):
        results, grids = problem.emulated(emulator, layout=lt, schedule=schedule)
        assert grids["forward"][0][0] < L.out_features // 16 + L.num_nodes  # blocks loop over row tiles
        for pass_name, ptr, bad in [("forward", s["out_ptr"], forward_nodes),
                                    ("grad_input", s["in_ptr"], grad_input_nodes)]:
            for node in range(L.num_nodes):  # the node's channels: dimension 1 (linear and conv)
                got = results[pass_name][:, s_(ptr, node)]
                if node in bad:
                    assert bool(torch.isnan(got).all()), f"{what}: {pass_name} of node {node} is not NaN"
                else:
                    assert_close(got, expected[pass_name][:, s_(ptr, node)], torch.float32,
                                 f"{what}: {pass_name} of node {node}")
        for node in range(L.num_nodes):
            got, want = results["grad_weight"][s_(s["w_ptr"], node)], expected["grad_weight"][s_(s["w_ptr"], node)]
            if weight_target is None or node != weight_target[0]:
                assert_close(got, want, torch.float32, f"{what}: grad weight of node {node}")
            elif weight_effect == "zero":
                assert bool((got == 0).all()), f"{what}: grad weight of node {node} was written"
            else:  # W_i as (rows, K_i kk): block b's columns NaN, the others NaN or exact
                block = weight_target[1]
                got, want = got.view(-1, int(s["row_k"][node]) * kk), want.view(-1, int(s["row_k"][node]) * kk)
                j = int(s["nbr_idx"][block])
                width = int(s["in_ptr"][j + 1] - s["in_ptr"][j])
                cols = slice(int(s["col_off"][block]) * kk, (int(s["col_off"][block]) + width) * kk)
                assert bool(torch.isnan(got[:, cols]).all()), f"{what}: grad weight of block {block} is not NaN"
                finite = ~torch.isnan(got)
                assert_close(got[finite], want[finite], torch.float32, f"{what}: grad weight of node {node}")


def s_(ptr, node) -> slice:
    return slice(int(ptr[node]), int(ptr[node + 1]))


@pytest.mark.parametrize("conv", [False, True], ids=["linear", "conv"])
def test_random_corruptions_stay_in_bounds(emulator, conv):
    # Any entries, any values: the kernels must neither fail nor write outside
    # their outputs (Emulator.run checks the canaries; a sanitizer build also
    # checks every read).
    rng = random.Random(11 + conv)
    problem = corrupt_problem(conv)
    base = problem.layout.tensor
    for trial in range(40):
        lt = base.clone()
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(lt.numel())
            lt[k] = rng.choice([-1, 0, 1, 2, 7, 15, 16, 100, 2**40, -2**40, int(lt[k]) + 1, int(lt[k]) - 1,
                                int(lt[rng.randrange(lt.numel())])])
        problem.emulated(emulator, layout=lt, multiprocessors=1 + trial % 3, schedule=trial % 2)


def test_random_corruptions_of_many_blocks_per_node(emulator):
    # complete40: 40 blocks per node, staged in two groups.
    rng = random.Random(5)
    problem = linear_problem(make_layout(complete40(), 45, 40), 3, torch.float32, seed=5)
    base = problem.layout.tensor
    for trial in range(16):
        lt = base.clone()
        k = rng.randrange(4, lt.numel())
        lt[k] = rng.choice([-1, 0, 2**40, int(lt[k]) + 1, int(lt[k]) - 1])
        problem.emulated(emulator, layout=lt, schedule=trial % 2)
