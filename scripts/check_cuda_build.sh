#!/usr/bin/env bash
# Builds relsparse against a CUDA build of torch and checks the result, on a
# machine with no GPU (CI runs it after the tests).
#
# The build must make a CUDA-enabled extension wherever torch has CUDA; a
# CPU torch never exercises that path (CMake's CUDA lookup through torch's
# config, the CUDA glue linked into _ops, the C++ standard torch's headers
# need). This script:
#
#  1. makes .venv-cuda with a CUDA build of torch (RELSPARSE_CUDA_TORCH,
#     default torch==2.14.1, CUDA 13.0, several GB) unless one is there;
#  2. copies the working tree (tracked and untracked, not ignored files) to
#     a temporary folder and builds the extension in place there, so the
#     tree's own CPU build in relsparse/ and build/ is left alone;
#  3. runs python_tests/test_cuda_build.py there (every op has a CUDA
#     kernel) and the layer tests on the CPU with that library loaded.
#
# Needs nvcc (CUDA 13, matching that torch). Without nvcc it says so and
# exits 0: the CUDA kernels themselves are compiled by scripts/test.sh's
# build wherever nvcc exists.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RELSPARSE_CUDA_VENV:-$ROOT/.venv-cuda}"
TORCH_SPEC="${RELSPARSE_CUDA_TORCH:-torch==2.14.1}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v nvcc >/dev/null 2>&1 && [ -z "${CUDACXX:-}" ]; then
  echo "[cuda-build] no nvcc on PATH: skipping the CUDA-torch build check"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[cuda-build] creating $VENV"
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
if ! "$PY" -c "import torch, sys; sys.exit(torch.version.cuda is None)" >/dev/null 2>&1; then
  echo "[cuda-build] installing $TORCH_SPEC (a CUDA build) into $VENV"
  "$PY" -m pip install --quiet "$TORCH_SPEC"
fi
"$PY" -m pip install --quiet "setuptools>=64" wheel "pybind11>=2.12" "numpy>=1.23" \
  "networkx==3.6.1" "pytest>=7" "hypothesis>=6.80" "scipy>=1.10" tqdm
"$PY" -c "import torch; print(f'[cuda-build] torch {torch.__version__}, CUDA {torch.version.cuda}')"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$WORK")
echo "[cuda-build] building in $WORK"
(cd "$WORK" && "$PY" setup.py --quiet build_ext --inplace)

cd "$WORK"
PYTHONPATH="$WORK" "$PY" -m pytest -q -p no:cacheprovider \
  python_tests/test_cuda_build.py python_tests/test_layers_reference.py \
  python_tests/test_layers_autograd.py python_tests/test_layers_module.py
