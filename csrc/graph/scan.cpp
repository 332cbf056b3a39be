#include "scan.hpp"

#include <limits>

#include "adjacency.hpp"
#include "generator_kernels.hpp"
#include "measure_kernels.hpp"
#include "parallel.hpp"

namespace relsparse::graph {
namespace {


MeasureRow failed_row() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return MeasureRow{nan, nan, nan, nan, nan, nan, nan, nan, -1, -1, -1};
}

}  // namespace

void scan(Generator g, const GeneratorBatchParams& params, const MeasureOptions& options,
          const MeasureColumns& out, uint8_t* ok, int threads) {
  for (int64_t i = 0; i < params.size; ++i) validate_params(g, params.at(i), params.size > 1 ? i : -1);
  const ChunkPlan plan = plan_chunks(params.size, threads, /*min_chunk=*/64, SeededGroup::kSize);
  parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
    auto& [small, bits, hashed, listed, scratch, group] = generator_worker();
    thread_local MeasureWorkspace ws;
    thread_local std::vector<node_t> edges;
    for (int64_t i = begin; i < end; ++i) {
      const GeneratorParams p = params.at(i);
      const int64_t index = params.size > 1 ? i : -1;
      if ((i - begin) % SeededGroup::kSize == 0) group.seed(g, params, i, std::min(end, i + SeededGroup::kSize));
      PythonRandom& rng = group.streams[(i - begin) % SeededGroup::kSize];
      try {
        MeasureRow row;
        if (p.n <= 64) {
          build_graph(g, p, rng, small, scratch);
          ws.small.assign_rows(static_cast<int>(p.n), small.row(0), small.num_edges());
          row = measure_row(ws.small, options, ws, index);
        } else {
          edges.clear();
          auto collect = [&](node_t u, node_t v) {
            edges.push_back(u);
            edges.push_back(v);
          };
          if (adds_edges_in_order(g)) {
            build_edge_list(g, p, rng, listed);
            listed.for_each_edge(collect);
          } else if (p.n <= kBitsetMaxNodes) {
            build_graph(g, p, rng, bits, scratch);
            bits.for_each_edge(collect);
          } else {
            build_graph(g, p, rng, hashed, scratch);
            hashed.for_each_edge(collect);
          }
          ws.csr.assign(GraphView{p.n, static_cast<int64_t>(edges.size() / 2), edges.data()});
          row = measure_row(ws.csr, options, ws, index);
        }
        store_row(row, out, i);
        if (ok) ok[i] = 1;
      } catch (const GenerationError&) {
        if (!ok) throw;
        store_row(failed_row(), out, i);
        ok[i] = 0;
      } catch (const DisconnectedGraphError&) {
        if (!ok) throw;
        store_row(failed_row(), out, i);
        ok[i] = 0;
      }
    }
  });
}

}  // namespace relsparse::graph
