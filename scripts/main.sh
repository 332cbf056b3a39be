#!/usr/bin/env bash
# The main job: a small end-to-end relational-graph experiment, offline, a few minutes on 2 cores.
#
#  1. prepares .venv (see scripts/env.sh);
#  2. scans the paper's WS-flex design space at n = 64 (2.7 million graphs), writes
#     its 3942- and 52-graph samples and Figure 3;
#  3. sweeps the FLOPs-matched relational 5-layer MLP over 24 of the 52 graphs
#     (spread over the C-L plane) plus the complete graph, 3 seeds each, on
#     scikit-learn's 8x8 digits, into a SQLite results store;
#  4. analyses the store (sweet spot, bins, slices: JSON/CSV) and draws the heat map.
#
# Everything goes to relsparse-out/. Rerunning resumes the sweep where it stopped.
# Settings can be changed with environment variables, e.g. `GRAPHS=52 SEEDS="0 1 2 3 4" scripts/main.sh`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
OUT="${OUT:-relsparse-out}"
GRAPHS="${GRAPHS:-24}"
SEEDS="${SEEDS:-0 1 2}"
EPOCHS="${EPOCHS:-5}"
WORKERS="${WORKERS:-2}"
STORE="$OUT/experiment/mlp-digits.sqlite"

echo "== 1/4 design space (relsparse design-space)"
relsparse design-space --n 64 --out "$OUT/design-space"
mkdir -p "$OUT/experiment"
echo "== 2/4 sweep (relsparse sweep): $GRAPHS graphs + complete graph x seeds $SEEDS, $EPOCHS epochs"
# shellcheck disable=SC2086
relsparse sweep "$STORE" --sample "$OUT/design-space/graphs_n64_52.csv" --graphs "$GRAPHS" --seeds $SEEDS \
  --model mlp --dataset digits --epochs "$EPOCHS" --batch-size 128 --lr 0.1 --workers "$WORKERS"
echo "== 3/4 analysis (relsparse analyze)"
relsparse analyze "$STORE" --out "$OUT/experiment/analysis"
echo "== 4/4 figures (relsparse plot)"
relsparse plot "$STORE" --out "$OUT/experiment/analysis"
echo "done: heat map $OUT/experiment/analysis/heatmap.png, sweet spot $OUT/experiment/analysis/sweet_spot.json"
