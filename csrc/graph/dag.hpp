// Directed acyclic graphs: orientation of undirected graphs (RandWire §3.2)
// and input->output path statistics (log_paths, mean_path, max_path of
// "Connectivity under a resource trade-off").
//
// A directed batch uses the GraphBatch layout with edges read as u -> v.
#pragma once

#include <cstdint>
#include <vector>

#include "graph_types.hpp"

namespace relsparse::graph {

// Orients every edge {u, v} (u < v) as u -> v, then adds a unique input node
// (id n) with an edge to every source (in-degree 0) and a unique output node
// (id n + 1) with an edge from every sink (out-degree 0). An isolated node is
// both. Edges of each result are sorted by (u, v).
GraphBatch orient_batch(const GraphBatchView& undirected, int threads);

struct PathStatsColumns {
  uint64_t* num_paths = nullptr;   // exact count, 0 if it overflows 64 bits
  uint8_t* exact = nullptr;        // 1 if num_paths is exact
  double* log_paths = nullptr;     // natural log of the count (-inf if no path)
  double* mean_path = nullptr;     // mean length in edges over all paths (NaN if none)
  int64_t* max_path = nullptr;     // longest path length in edges (-1 if none)
};

// Statistics of the source[i] -> target[i] paths of DAG i. Throws
// NotADagError on a cycle or an invalid source/target.
void path_stats_batch(const GraphBatchView& dags, const int64_t* source, const int64_t* target,
                      const PathStatsColumns& out, int threads);

// Keeps the nodes that lie on at least one source -> target path, relabelled
// 0.. in increasing order of their old ids; `kept` (sum of num_nodes
// entries) marks them.
GraphBatch prune_batch(const GraphBatchView& dags, const int64_t* source, const int64_t* target,
                       uint8_t* kept, int threads);

}  // namespace relsparse::graph
