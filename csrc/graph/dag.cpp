#include "dag.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "parallel.hpp"

namespace relsparse::graph {
namespace {

struct DagWorkspace {
  std::vector<int64_t> out_offsets;
  std::vector<node_t> out_targets;
  std::vector<int64_t> in_offsets;
  std::vector<node_t> in_sources;
  std::vector<int64_t> indegree;
  std::vector<node_t> order;
  std::vector<uint8_t> forward, backward;
  std::vector<std::pair<node_t, node_t>> edge_pairs;
};

[[noreturn]] void not_a_dag(int64_t index, const std::string& what) {
  std::ostringstream msg;
  if (index >= 0) msg << "graph " << index << ": ";
  msg << what;
  throw NotADagError(msg.str());
}

// Out- and in-adjacency (CSR) and a topological order by Kahn's algorithm.
void index_dag(const GraphView& g, DagWorkspace& ws, int64_t index) {
  const int64_t n = g.num_nodes;
  ws.out_offsets.assign(static_cast<size_t>(n + 1), 0);
  ws.indegree.assign(static_cast<size_t>(n), 0);
  for (int64_t e = 0; e < g.num_edges; ++e) {
    const node_t u = g.edges[2 * e], v = g.edges[2 * e + 1];
    if (u < 0 || v < 0 || u >= n || v >= n) not_a_dag(index, "edge with a node id outside 0..n-1");
    if (u == v) not_a_dag(index, "self-loop at node " + std::to_string(u) + " (a DAG has no cycles)");
    ++ws.out_offsets[u + 1];
    ++ws.indegree[v];
  }
  for (int64_t v = 0; v < n; ++v) ws.out_offsets[v + 1] += ws.out_offsets[v];
  ws.out_targets.resize(static_cast<size_t>(g.num_edges));
  std::vector<int64_t> fill(ws.out_offsets.begin(), ws.out_offsets.end() - 1);
  for (int64_t e = 0; e < g.num_edges; ++e) ws.out_targets[fill[g.edges[2 * e]]++] = g.edges[2 * e + 1];
  ws.in_offsets.assign(static_cast<size_t>(n + 1), 0);
  for (int64_t e = 0; e < g.num_edges; ++e) ++ws.in_offsets[g.edges[2 * e + 1] + 1];
  for (int64_t v = 0; v < n; ++v) ws.in_offsets[v + 1] += ws.in_offsets[v];
  ws.in_sources.resize(static_cast<size_t>(g.num_edges));
  fill.assign(ws.in_offsets.begin(), ws.in_offsets.end() - 1);
  for (int64_t e = 0; e < g.num_edges; ++e) ws.in_sources[fill[g.edges[2 * e + 1]]++] = g.edges[2 * e];

  ws.order.clear();
  for (int64_t v = 0; v < n; ++v)
    if (ws.indegree[v] == 0) ws.order.push_back(static_cast<node_t>(v));
  for (size_t head = 0; head < ws.order.size(); ++head) {
    const node_t v = ws.order[head];
    for (int64_t i = ws.out_offsets[v]; i < ws.out_offsets[v + 1]; ++i)
      if (--ws.indegree[ws.out_targets[i]] == 0) ws.order.push_back(ws.out_targets[i]);
  }
  if (static_cast<int64_t>(ws.order.size()) != n) not_a_dag(index, "the directed graph has a cycle");
}

void check_endpoints(int64_t index, int64_t n, int64_t s, int64_t t) {
  if (s < 0 || s >= n || t < 0 || t >= n) {
    std::ostringstream msg;
    msg << "source and target must be node ids in 0.." << n - 1 << ", got source=" << s
        << ", target=" << t;
    not_a_dag(index, msg.str());
  }
}

// Marks nodes reachable from s (forward) and nodes that reach t (backward).
void mark_st(const GraphView& g, DagWorkspace& ws, node_t s, node_t t) {
  const int64_t n = g.num_nodes;
  ws.forward.assign(static_cast<size_t>(n), 0);
  ws.backward.assign(static_cast<size_t>(n), 0);
  ws.forward[s] = 1;
  for (node_t v : ws.order)
    if (ws.forward[v])
      for (int64_t i = ws.out_offsets[v]; i < ws.out_offsets[v + 1]; ++i) ws.forward[ws.out_targets[i]] = 1;
  ws.backward[t] = 1;
  for (auto it = ws.order.rbegin(); it != ws.order.rend(); ++it) {
    const node_t v = *it;
    for (int64_t i = ws.out_offsets[v]; i < ws.out_offsets[v + 1] && !ws.backward[v]; ++i)
      if (ws.backward[ws.out_targets[i]]) ws.backward[v] = 1;
  }
}

}  // namespace

GraphBatch orient_batch(const GraphBatchView& undirected, int threads) {
  const ChunkPlan plan = plan_chunks(undirected.size, threads, 64);
  struct Chunk {
    std::vector<int64_t> counts;
    std::vector<node_t> edges;
  };
  std::vector<Chunk> chunks(static_cast<size_t>(plan.num_chunks()));
  parallel_chunks(plan, threads, [&](int64_t chunk, int64_t begin, int64_t end, int) {
    thread_local std::vector<uint8_t> has_in, has_out;
    thread_local std::vector<std::pair<node_t, node_t>> pairs;
    Chunk& out = chunks[static_cast<size_t>(chunk)];
    for (int64_t i = begin; i < end; ++i) {
      const GraphView g = undirected.graph(i);
      const int64_t n = g.num_nodes;
      if (n + 2 > std::numeric_limits<node_t>::max())
        throw std::invalid_argument("to_dag: too many nodes for 32-bit node ids");
      has_in.assign(static_cast<size_t>(n), 0);
      has_out.assign(static_cast<size_t>(n), 0);
      pairs.clear();
      for (int64_t e = 0; e < g.num_edges; ++e) {
        node_t u = g.edges[2 * e], v = g.edges[2 * e + 1];
        if (u < 0 || v < 0 || u >= n || v >= n || u == v)
          throw std::invalid_argument("to_dag: graph " + std::to_string(i) + " has an invalid edge");
        if (u > v) std::swap(u, v);
        has_out[u] = 1;
        has_in[v] = 1;
        pairs.emplace_back(u, v);
      }
      const auto input = static_cast<node_t>(n), output = static_cast<node_t>(n + 1);
      for (int64_t v = 0; v < n; ++v) {
        if (!has_in[v]) pairs.emplace_back(input, static_cast<node_t>(v));
        if (!has_out[v]) pairs.emplace_back(static_cast<node_t>(v), output);
      }
      std::sort(pairs.begin(), pairs.end());
      for (const auto& [u, v] : pairs) {
        out.edges.push_back(u);
        out.edges.push_back(v);
      }
      out.counts.push_back(static_cast<int64_t>(pairs.size()));
    }
  });
  GraphBatch result;
  result.num_nodes.resize(static_cast<size_t>(undirected.size));
  for (int64_t i = 0; i < undirected.size; ++i) result.num_nodes[i] = undirected.num_nodes[i] + 2;
  for (const auto& c : chunks) {
    for (int64_t count : c.counts) result.edge_ptr.push_back(result.edge_ptr.back() + count);
    result.edges.insert(result.edges.end(), c.edges.begin(), c.edges.end());
  }
  return result;
}

void path_stats_batch(const GraphBatchView& dags, const int64_t* source, const int64_t* target,
                      const PathStatsColumns& out, int threads) {
  const ChunkPlan plan = plan_chunks(dags.size, threads, 32);
  parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
    thread_local DagWorkspace ws;
    thread_local std::vector<uint64_t> count;
    thread_local std::vector<uint8_t> overflow;
    thread_local std::vector<double> log_count, mean_length;
    thread_local std::vector<int64_t> longest;
    for (int64_t i = begin; i < end; ++i) {
      const GraphView g = dags.graph(i);
      const int64_t index = dags.size > 1 ? i : -1;
      check_endpoints(index, g.num_nodes, source[i], target[i]);
      index_dag(g, ws, index);
      const int64_t n = g.num_nodes;
      count.assign(static_cast<size_t>(n), 0);
      overflow.assign(static_cast<size_t>(n), 0);
      log_count.assign(static_cast<size_t>(n), -std::numeric_limits<double>::infinity());
      mean_length.assign(static_cast<size_t>(n), 0.0);
      longest.assign(static_cast<size_t>(n), -1);
      const auto s = static_cast<node_t>(source[i]), t = static_cast<node_t>(target[i]);
      count[s] = 1;
      log_count[s] = 0.0;
      longest[s] = 0;
      // Pull formulation in topological order: each node combines its
      // predecessors' (count, log count, mean length, longest) from s. The
      // mean is a count-weighted average of (mean + 1), with weights
      // exp(log_count - max) so that huge counts never overflow.
      for (node_t v : ws.order) {
        if (v == s) continue;
        double max_log = -std::numeric_limits<double>::infinity();
        const node_t* pred_begin = ws.in_sources.data() + ws.in_offsets[v];
        const node_t* pred_end = ws.in_sources.data() + ws.in_offsets[v + 1];
        for (const node_t* p = pred_begin; p != pred_end; ++p) max_log = std::max(max_log, log_count[*p]);
        if (max_log == -std::numeric_limits<double>::infinity()) continue;  // unreachable from s
        double weight_sum = 0.0, weighted_mean = 0.0;
        uint64_t c = 0;
        bool of = false;
        int64_t best = -1;
        for (const node_t* pp = pred_begin; pp != pred_end; ++pp) {
          const node_t p = *pp;
          if (longest[p] < 0) continue;
          const double w = std::exp(log_count[p] - max_log);
          weight_sum += w;
          weighted_mean += w * (mean_length[p] + 1.0);
          of = of || overflow[p] || __builtin_add_overflow(c, count[p], &c);
          best = std::max(best, longest[p] + 1);
        }
        log_count[v] = max_log + std::log(weight_sum);
        mean_length[v] = weighted_mean / weight_sum;
        count[v] = of ? 0 : c;
        overflow[v] = of ? 1 : 0;
        longest[v] = best;
      }
      const bool reachable = longest[t] >= 0;
      if (out.num_paths) out.num_paths[i] = reachable ? count[t] : 0;
      if (out.exact) out.exact[i] = reachable ? !overflow[t] : 1;
      if (out.log_paths)
        out.log_paths[i] = !reachable ? -std::numeric_limits<double>::infinity()
                           : overflow[t] ? log_count[t]
                                         : std::log(static_cast<double>(count[t]));
      if (out.mean_path) out.mean_path[i] = reachable ? mean_length[t] : std::numeric_limits<double>::quiet_NaN();
      if (out.max_path) out.max_path[i] = longest[t];
    }
  });
}

GraphBatch prune_batch(const GraphBatchView& dags, const int64_t* source, const int64_t* target,
                       uint8_t* kept, int threads) {
  std::vector<int64_t> node_offset(static_cast<size_t>(dags.size + 1), 0);
  for (int64_t i = 0; i < dags.size; ++i) node_offset[i + 1] = node_offset[i] + dags.num_nodes[i];
  const ChunkPlan plan = plan_chunks(dags.size, threads, 32);
  struct Chunk {
    std::vector<int64_t> nodes, counts;
    std::vector<node_t> edges;
  };
  std::vector<Chunk> chunks(static_cast<size_t>(plan.num_chunks()));
  parallel_chunks(plan, threads, [&](int64_t chunk, int64_t begin, int64_t end, int) {
    thread_local DagWorkspace ws;
    thread_local std::vector<node_t> relabel;
    Chunk& out = chunks[static_cast<size_t>(chunk)];
    for (int64_t i = begin; i < end; ++i) {
      const GraphView g = dags.graph(i);
      const int64_t index = dags.size > 1 ? i : -1;
      check_endpoints(index, g.num_nodes, source[i], target[i]);
      index_dag(g, ws, index);
      mark_st(g, ws, static_cast<node_t>(source[i]), static_cast<node_t>(target[i]));
      const int64_t n = g.num_nodes;
      relabel.assign(static_cast<size_t>(n), -1);
      node_t next = 0;
      for (int64_t v = 0; v < n; ++v) {
        const bool keep = ws.forward[v] && ws.backward[v];
        kept[node_offset[i] + v] = keep ? 1 : 0;
        if (keep) relabel[v] = next++;
      }
      int64_t m = 0;
      for (int64_t e = 0; e < g.num_edges; ++e) {
        const node_t a = relabel[g.edges[2 * e]], b = relabel[g.edges[2 * e + 1]];
        if (a < 0 || b < 0) continue;
        out.edges.push_back(a);
        out.edges.push_back(b);
        ++m;
      }
      out.nodes.push_back(next);
      out.counts.push_back(m);
    }
  });
  GraphBatch result;
  for (const auto& c : chunks) {
    result.num_nodes.insert(result.num_nodes.end(), c.nodes.begin(), c.nodes.end());
    for (int64_t count : c.counts) result.edge_ptr.push_back(result.edge_ptr.back() + count);
    result.edges.insert(result.edges.end(), c.edges.begin(), c.edges.end());
  }
  return result;
}

}  // namespace relsparse::graph
