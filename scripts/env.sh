# Sourced by scripts/test.sh and scripts/main.sh: makes ./.venv ready to use.
#
#  * creates .venv (with access to system site-packages, so a torch that is
#    already installed on the machine, e.g. a CUDA build, is kept and used);
#  * installs torch==2.13.0 only if no torch can be imported;
#  * builds relsparse against that torch and installs it in editable mode,
#    with its test dependencies (pinned networkx for the reference checks).
#
# Re-running it is cheap: existing packages are kept and the C++ build is
# incremental (build/ is reused).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${RELSPARSE_VENV:-$ROOT/.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[relsparse] creating $VENV"
  "$PYTHON" -m venv --system-site-packages "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if python -c "import torch" >/dev/null 2>&1; then
  echo "[relsparse] using installed torch $(python -c 'import torch; print(torch.__version__)')"
else
  echo "[relsparse] installing torch==2.13.0"
  python -m pip install --quiet "torch==2.13.0"
fi
python -m pip install --quiet "setuptools>=64" wheel "pybind11>=2.12" "numpy>=1.23"
echo "[relsparse] building relsparse (C++ engine; incremental after the first build)"
python -m pip install --quiet --no-build-isolation -e "$ROOT[test]"
