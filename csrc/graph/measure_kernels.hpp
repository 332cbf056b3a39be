// Internal kernels behind measures.hpp: per-graph triangle counts and
// breadth-first distance statistics, for two representations.
//
//   SmallGraph (n <= 64): one 64-bit adjacency row per node. Distances come
//     from growing every node's ball at once, B_{d+1}(v) = N[B_d(v)]: the
//     union over the ball of closed neighbourhoods, evaluated with 16-entry
//     lookup tables per 4-node chunk (16 table reads per node and level).
//     A ball that stops growing has reached its component and is retired.
//   CsrGraph (any n): sorted neighbour lists. Distances come from
//     multi-source BFS, 64 sources per pass, one bit per source per node.
//
// Both produce the same DistanceStats, from which measure_row derives every
// path measure, so the two paths agree by construction of the definitions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "graph_types.hpp"
#include "measures.hpp"

namespace relsparse::graph {

struct DistanceStats {
  int64_t distance_sum = 0;      // sum of d(s, t) over reachable ordered pairs s != t
  int64_t reachable_pairs = 0;   // number of such pairs
  int64_t max_distance = 0;      // largest finite distance
  long double inverse_sum = 0;   // sum of 1 / d(s, t) over the same pairs
};

struct SmallGraph {
  int n = 0;
  int64_t m = 0;
  uint64_t rows[64];

  // Rows from an edge list; returns false if an id is out of range or an edge
  // is a self-loop.
  bool assign(const GraphView& g);
  void assign_rows(int n_nodes, const uint64_t* bit_rows, int64_t num_edges);
  int64_t degree(int v) const { return __builtin_popcountll(rows[v]); }
};

struct CsrGraph {
  int64_t n = 0;
  int64_t m = 0;
  std::vector<int64_t> offsets;
  std::vector<node_t> neighbours;

  bool assign(const GraphView& g);
  int64_t degree(int64_t v) const { return offsets[v + 1] - offsets[v]; }
};

struct MeasureWorkspace {
  std::vector<int64_t> triangles2;  // 2 x triangles through each node
  std::vector<int64_t> eccentricity;
  std::vector<double> node_clustering;
  std::vector<uint64_t> words_a, words_b, words_c;
  std::vector<uint8_t> marks;
  std::vector<int64_t> counts;
  CsrGraph csr;
  SmallGraph small;
};

void triangles(const SmallGraph& g, int64_t* triangles2);
void triangles(const CsrGraph& g, int64_t* triangles2, MeasureWorkspace& ws);
DistanceStats distances(const SmallGraph& g, int64_t* eccentricity);
DistanceStats distances(const CsrGraph& g, int64_t* eccentricity, MeasureWorkspace& ws);
int64_t components(const SmallGraph& g);
int64_t components(const CsrGraph& g, MeasureWorkspace& ws);

// All requested measures of one graph. `index` (or -1) names the graph in
// errors.
MeasureRow measure_row(const SmallGraph& g, const MeasureOptions& options, MeasureWorkspace& ws,
                       int64_t index);
MeasureRow measure_row(const CsrGraph& g, const MeasureOptions& options, MeasureWorkspace& ws,
                       int64_t index);

// Writes the requested columns of row i.
void store_row(const MeasureRow& row, const MeasureColumns& out, int64_t i);

}  // namespace relsparse::graph
