#!/usr/bin/env bash
# The main job: prepares .venv (see scripts/env.sh), then scans the paper's
# design space and writes its graph samples and Figure 3 under relsparse-out/.
# Extra arguments go to `relsparse design-space`, e.g. `scripts/main.sh --seeds 3`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
relsparse design-space --n 64 --out relsparse-out/design-space "$@"
