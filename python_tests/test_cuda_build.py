"""With a CUDA build of torch, the relsparse ops library is built with its CUDA kernels.

The build makes a CUDA-enabled extension automatically wherever torch has
CUDA (CMakeLists.txt, setup.py). These checks need no GPU, only a CUDA torch:
they run in CI's CUDA-build check (scripts/check_cuda_build.sh) and on GPU
machines (scripts/gpu_check.sh), and are skipped with a CPU torch.
"""

from __future__ import annotations

import pytest
import torch

from relsparse.nn import _ops  # noqa: F401  (importing it loads the library)

pytestmark = pytest.mark.skipif(torch.version.cuda is None, reason="torch was built without CUDA")

OPS = ("linear", "linear_grad_input", "linear_grad_weight", "conv2d", "conv2d_grad_input", "conv2d_grad_weight")


@pytest.mark.parametrize("op", OPS)
def test_every_op_has_a_cuda_kernel(op):
    name = f"relsparse::{op}"
    assert torch._C._dispatch_has_kernel_for_dispatch_key(name, "CUDA"), (
        f"{name} has no CUDA kernel: the extension was built without its CUDA kernels although "
        f"torch {torch.__version__} has CUDA {torch.version.cuda}"
    )
    assert torch._C._dispatch_has_kernel_for_dispatch_key(name, "CPU"), f"{name} has no CPU kernel"


@pytest.mark.parametrize("op", ("linear", "conv2d"))
def test_forward_ops_autocast_on_cuda(op):
    assert torch._C._dispatch_has_kernel_for_dispatch_key(f"relsparse::{op}", "AutocastCUDA")
