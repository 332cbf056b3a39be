// Graph measures over batches of simple undirected graphs.
//
// Definitions (networkx's, unless noted; see docs/measures.md):
//   average_clustering    mean over all nodes of c_v = 2 T_v / (d_v (d_v - 1)),
//                         c_v = 0 when d_v < 2 (networkx average_clustering).
//                         Summed in node order, or in ascending order of c_v
//                         (ClusteringOrder::kAscending, as graph2nn's sample did).
//   transitivity          3 x triangles / connected triples (0 if no triangles).
//   average_shortest_path_length
//                         sum of d(s, t) over ordered pairs s != t / (n (n - 1)).
//   global_efficiency     sum of 1 / d(s, t) over ordered pairs / (n (n - 1)),
//                         unreachable pairs contribute 0; 0 when n <= 1.
//   diameter              largest eccentricity.
//   number_connected_components, density = 2m / (n (n - 1)) (0 when n <= 1),
//   degree mean / std (population, ddof = 0) / min / max.
// Path measures on disconnected graphs follow `Disconnected`.
#pragma once

#include <cstdint>

#include "graph_types.hpp"

namespace relsparse::graph {

enum MeasureFlag : uint32_t {
  kAverageClustering = 1u << 0,
  kTransitivity = 1u << 1,
  kAverageShortestPathLength = 1u << 2,
  kGlobalEfficiency = 1u << 3,
  kDiameter = 1u << 4,
  kNumberConnectedComponents = 1u << 5,
  kDensity = 1u << 6,
  kDegreeStats = 1u << 7,
};

constexpr uint32_t kDistanceMeasures = kAverageShortestPathLength | kGlobalEfficiency | kDiameter;

// What path-length measures (average_shortest_path_length, diameter,
// eccentricity) do on a graph that is not connected (or has no nodes):
//   kRaise      throw DisconnectedGraphError, like networkx;
//   kNan        return NaN;
//   kReachable  average / maximise over the reachable ordered pairs only
//               (NaN when no pair is reachable).
enum class Disconnected : int { kRaise = 0, kNan = 1, kReachable = 2 };

enum class ClusteringOrder : int { kNode = 0, kAscending = 1 };

struct MeasureOptions {
  uint32_t flags = 0;
  Disconnected disconnected = Disconnected::kRaise;
  ClusteringOrder clustering_order = ClusteringOrder::kNode;
};

// One value per graph; columns not requested may be null.
struct MeasureColumns {
  double* average_clustering = nullptr;
  double* transitivity = nullptr;
  double* average_shortest_path_length = nullptr;
  double* global_efficiency = nullptr;
  double* diameter = nullptr;  // NaN where undefined under kNan
  int64_t* number_connected_components = nullptr;
  double* density = nullptr;
  double* degree_mean = nullptr;
  double* degree_std = nullptr;
  int64_t* degree_min = nullptr;  // 0 for the null graph
  int64_t* degree_max = nullptr;
};

void measure_batch(const GraphBatchView& batch, const MeasureOptions& options,
                   const MeasureColumns& out, int threads);

// Per-node values, concatenated over the batch in graph order (graph i's
// nodes start at sum of num_nodes[0..i)).
void node_clustering_batch(const GraphBatchView& batch, double* out, int threads);
void eccentricity_batch(const GraphBatchView& batch, Disconnected disconnected, double* out,
                        int threads);

// The same measures for a graph held as bit rows (n <= 64), used by the
// streaming scan without building an edge list. `index` names the graph in
// error messages.
struct SmallGraph;
struct MeasureRow {
  double average_clustering, transitivity, average_shortest_path_length, global_efficiency,
      diameter, density, degree_mean, degree_std;
  int64_t number_connected_components, degree_min, degree_max;
};

}  // namespace relsparse::graph
