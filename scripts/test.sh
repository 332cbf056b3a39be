#!/usr/bin/env bash
# The test command: prepares .venv (see scripts/env.sh), builds, runs pytest.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k measures -x`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
python -m pytest "$@"
