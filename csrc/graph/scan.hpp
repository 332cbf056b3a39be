// Streaming scan: generate and measure many graphs without materialising
// them. Each worker builds one graph at a time in a reusable adjacency and
// measures it in place (64-node graphs never leave their bit rows), so memory
// stays constant and the cost per graph is generation + measurement only.
#pragma once

#include <cstdint>

#include "generators.hpp"
#include "measures.hpp"

namespace relsparse::graph {

// Measures graph i of `params` into row i of `out`. If `ok` is non-null,
// a generator failure (a connected variant out of tries) or a
// DisconnectedGraphError is recorded as ok[i] = 0 with NaN measures instead
// of aborting the scan; otherwise it propagates.
void scan(Generator g, const GeneratorBatchParams& params, const MeasureOptions& options,
          const MeasureColumns& out, uint8_t* ok, int threads);

}  // namespace relsparse::graph
