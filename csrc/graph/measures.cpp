#include "measures.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "measure_kernels.hpp"
#include "parallel.hpp"

namespace relsparse::graph {
namespace {

[[noreturn]] void raise_malformed(int64_t index) {
  std::ostringstream msg;
  msg << "graph " << index
      << " has an edge with a node id outside 0..n-1 or a self-loop; build graphs with "
         "relsparse.Graph / GraphBatch, which validate their edges";
  throw std::invalid_argument(msg.str());
}

// Calls f(graph) with the fastest representation of batch graph i.
template <class F>
void with_graph(const GraphBatchView& batch, int64_t i, MeasureWorkspace& ws, F&& f) {
  const GraphView g = batch.graph(i);
  if (g.num_nodes <= 64) {
    if (!ws.small.assign(g)) raise_malformed(i);
    f(ws.small);
  } else {
    if (!ws.csr.assign(g)) raise_malformed(i);
    f(ws.csr);
  }
}


std::vector<int64_t> node_offsets(const GraphBatchView& batch) {
  std::vector<int64_t> offsets(static_cast<size_t>(batch.size + 1), 0);
  for (int64_t i = 0; i < batch.size; ++i) offsets[i + 1] = offsets[i] + batch.num_nodes[i];
  return offsets;
}

}  // namespace

void measure_batch(const GraphBatchView& batch, const MeasureOptions& options,
                   const MeasureColumns& out, int threads) {
  const ChunkPlan plan = plan_chunks(batch.size, threads, /*min_chunk=*/32);
  const int64_t name_index_from = batch.size > 1 ? 0 : -1;
  parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
    thread_local MeasureWorkspace ws;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t index = name_index_from < 0 ? -1 : i;
      with_graph(batch, i, ws, [&](const auto& g) { store_row(measure_row(g, options, ws, index), out, i); });
    }
  });
}

void node_clustering_batch(const GraphBatchView& batch, double* out, int threads) {
  const std::vector<int64_t> offsets = node_offsets(batch);
  const ChunkPlan plan = plan_chunks(batch.size, threads, /*min_chunk=*/32);
  parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
    thread_local MeasureWorkspace ws;
    for (int64_t i = begin; i < end; ++i) {
      with_graph(batch, i, ws, [&](const auto& g) {
        const int64_t n = g.n;
        ws.triangles2.resize(static_cast<size_t>(n));
        if constexpr (std::is_same_v<std::decay_t<decltype(g)>, SmallGraph>) triangles(g, ws.triangles2.data());
        else triangles(g, ws.triangles2.data(), ws);
        double* o = out + offsets[i];
        for (int64_t v = 0; v < n; ++v) {
          const int64_t d = g.degree(v), t = ws.triangles2[v];
          o[v] = t == 0 ? 0.0 : static_cast<double>(t) / static_cast<double>(d * (d - 1));
        }
      });
    }
  });
}

void eccentricity_batch(const GraphBatchView& batch, Disconnected disconnected, double* out,
                        int threads) {
  const std::vector<int64_t> offsets = node_offsets(batch);
  const ChunkPlan plan = plan_chunks(batch.size, threads, /*min_chunk=*/32);
  parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
    thread_local MeasureWorkspace ws;
    for (int64_t i = begin; i < end; ++i) {
      with_graph(batch, i, ws, [&](const auto& g) {
        const int64_t n = g.n;
        ws.eccentricity.resize(static_cast<size_t>(n));
        DistanceStats stats;
        if constexpr (std::is_same_v<std::decay_t<decltype(g)>, SmallGraph>) stats = distances(g, ws.eccentricity.data());
        else stats = distances(g, ws.eccentricity.data(), ws);
        const bool connected = stats.reachable_pairs == n * (n - 1);
        double* o = out + offsets[i];
        if (!connected && disconnected == Disconnected::kRaise) {
          std::ostringstream msg;
          msg << "eccentricity: ";
          if (batch.size > 1) msg << "graph " << i << " ";
          else msg << "the graph ";
          msg << "is not connected; pass disconnected='nan' to get NaN or disconnected='reachable' "
                 "to use the farthest reachable node";
          throw DisconnectedGraphError(msg.str());
        }
        const bool nan = !connected && disconnected == Disconnected::kNan;
        for (int64_t v = 0; v < n; ++v)
          o[v] = nan ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(ws.eccentricity[v]);
      });
    }
  });
}

}  // namespace relsparse::graph
