#!/usr/bin/env bash
# The GPU check in one command: build with CUDA, run the GPU tests, print the
# GPU benchmarks. For a machine with a CUDA GPU and a CUDA build of torch in
# its python3, no network needed (e.g. a lent device machine, where each
# minute counts: the steps are ordered by value and each has a time limit).
#
#   scripts/gpu_check.sh                    # all steps
#   scripts/gpu_check.sh tests bench        # some: info build tests bench dispatch
#
# Results go to $OUT if set (the device tool's folder), else ./gpu-check/:
# one log per step, bench_layers.json and bench_dispatch.json. The extension
# is built in place (relsparse/_ops*.so) for this GPU's architecture only,
# in build/gpu-check; nothing is installed, the tree is put on PYTHONPATH.
#
# Steps and limits (seconds; GPU_CHECK_SCALE=2 doubles them). The limits
# add up to 570 s, inside the device tool's 600 s per command:
#   info      nvidia-smi, torch's view of the GPU                     30
#   build     setup.py build_ext --inplace, sm_XY of this GPU         180
#   tests     test_cuda_build.py, test_layers_cuda.py                 150
#   bench     bench/bench_layers.py --device cuda --min-time 0.3     120
#   dispatch  bench/bench_dispatch.py --device cuda --min-time 0.15   90
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RESULTS="${OUT:-$ROOT/gpu-check}"
mkdir -p "$RESULTS"
PY="${PYTHON:-python3}"
SCALE="${GPU_CHECK_SCALE:-1}"
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(info build tests bench dispatch)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
FAILED=()

# run_step NAME LIMIT COMMAND...: runs COMMAND under a time limit, its output
# both printed and kept in $RESULTS/NAME.log; a failure is noted, not fatal.
run_step() {
  local name="$1" limit="$2"; shift 2
  echo "=== $name (limit $((limit * SCALE)) s): $*"
  local start=$SECONDS
  timeout "$((limit * SCALE))" "$@" 2>&1 | tee "$RESULTS/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: rc $rc in $((SECONDS - start)) s"
  [ "$rc" -eq 0 ] || FAILED+=("$name (rc $rc)")
  return "$rc"
}

arch() {
  "$PY" -c "import torch; major, minor = torch.cuda.get_device_capability(); print(f'{major}{minor}')"
}

for step in "${STEPS[@]}"; do
  case "$step" in
    info)
      run_step info 30 sh -c "nvidia-smi; $PY -c 'import torch; print(torch.__version__, torch.version.cuda, \
torch.cuda.is_available(), torch.cuda.get_device_name(0), torch.cuda.get_device_capability())'" ;;
    build)
      run_step build 180 env RELSPARSE_BUILD_DIR="$ROOT/build/gpu-check" \
        RELSPARSE_CMAKE_ARGS="-DRELSPARSE_CUDA_ARCHITECTURES=$(arch)" \
        "$PY" setup.py --quiet build_ext --inplace || break ;;
    tests)
      run_step tests 150 "$PY" -m pytest -q -p no:cacheprovider --no-header -rfE \
        python_tests/test_cuda_build.py python_tests/test_layers_cuda.py ;;
    bench)
      run_step bench 120 "$PY" bench/bench_layers.py --device cuda --min-time 0.3 \
        --json "$RESULTS/bench_layers.json" ;;
    dispatch)
      run_step dispatch 90 "$PY" bench/bench_dispatch.py --device cuda --min-time 0.15 \
        --json "$RESULTS/bench_dispatch.json" ;;
    *)
      echo "unknown step '$step': choose from info build tests bench dispatch" >&2; exit 2 ;;
  esac
done

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "GPU check: failed steps: ${FAILED[*]} (logs in $RESULTS)"
  exit 1
fi
echo "GPU check: all steps passed (logs in $RESULTS)"
