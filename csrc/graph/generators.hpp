// Random and deterministic graph generators, single graphs and batches.
//
// Every generator reproduces a reference bit for bit, for the same seed:
//   ws_flex / connected_ws_flex      graph2nn's ws_graph / connected_ws_graph
//   watts_strogatz(_connected)       networkx.(connected_)watts_strogatz_graph
//   gnp                              networkx.gnp_random_graph (= erdos_renyi_graph)
//   gnm / dense_gnm                  networkx.gnm_random_graph / dense_gnm_random_graph
//   barabasi_albert                  networkx.barabasi_albert_graph
//   hkn_harary / hnm_harary          networkx.hkn_harary_graph / hnm_harary_graph
//   ring_lattice                     networkx.watts_strogatz_graph(n, k, 0)
//   complete                         networkx.complete_graph
// Randomness comes from PythonRandom(seed), i.e. `random.Random(seed)`.
// Parameters are validated here; errors name the generator, the argument, its
// value, the allowed range and (in batches) the index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph_types.hpp"

namespace relsparse::graph {

enum class Generator : int {
  kWsFlex = 0,
  kConnectedWsFlex,
  kWattsStrogatz,
  kConnectedWattsStrogatz,
  kGnp,
  kGnm,
  kDenseGnm,
  kBarabasiAlbert,
  kHknHarary,
  kHnmHarary,
  kRingLattice,
  kComplete,
};

const char* generator_name(Generator g);

// Parameters of one graph. The meaning of `a` and `b` depends on the generator:
//   ws_flex, watts_strogatz (+connected): a = k (average degree), b = p
//   gnp: a = p;  gnm, dense_gnm, hnm_harary: a = m (edges)
//   barabasi_albert: a = m (edges per new node);  hkn_harary: a = k
//   ring_lattice: a = k;  complete: none
struct GeneratorParams {
  int64_t n = 0;
  double a = 0.0;
  double b = 0.0;
  uint64_t seed = 0;
  int64_t tries = 100;  // connected variants only
};

// Batch parameters: arrays of equal length `size` (broadcast by the caller).
struct GeneratorBatchParams {
  int64_t size = 0;
  const int64_t* n = nullptr;
  const double* a = nullptr;
  const double* b = nullptr;
  const uint64_t* seed = nullptr;
  int64_t tries = 100;

  GeneratorParams at(int64_t i) const {
    return GeneratorParams{n[i], a ? a[i] : 0.0, b ? b[i] : 0.0, seed ? seed[i] : 0, tries};
  }
};

// Throws std::invalid_argument naming the bad argument. `index` < 0 means a
// single graph (no index in the message).
void validate_params(Generator g, const GeneratorParams& params, int64_t index);

// Upper bound on the edges a generator can produce, for memory checks.
int64_t max_edges(Generator g, const GeneratorParams& params);

// Generates every graph of the batch with `threads` threads. The result does
// not depend on `threads`. Raises std::length_error if the output would not
// fit in `max_bytes`.
GraphBatch generate_batch(Generator g, const GeneratorBatchParams& params, int threads,
                          int64_t max_bytes);

}  // namespace relsparse::graph
