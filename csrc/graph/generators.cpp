#include "generators.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "generator_kernels.hpp"
#include "parallel.hpp"

namespace relsparse::graph {

const char* generator_name(Generator g) {
  switch (g) {
    case Generator::kWsFlex: return "ws_flex";
    case Generator::kConnectedWsFlex: return "connected_ws_flex";
    case Generator::kWattsStrogatz: return "watts_strogatz_graph";
    case Generator::kConnectedWattsStrogatz: return "connected_watts_strogatz_graph";
    case Generator::kGnp: return "gnp_random_graph";
    case Generator::kGnm: return "gnm_random_graph";
    case Generator::kDenseGnm: return "dense_gnm_random_graph";
    case Generator::kBarabasiAlbert: return "barabasi_albert_graph";
    case Generator::kHknHarary: return "hkn_harary_graph";
    case Generator::kHnmHarary: return "hnm_harary_graph";
    case Generator::kRingLattice: return "ring_lattice";
    case Generator::kComplete: return "complete_graph";
  }
  return "unknown generator";
}

namespace kernels {

std::string describe(Generator g, const GeneratorParams& params) {
  std::ostringstream s;
  s.precision(17);
  s << "n=" << params.n;
  switch (g) {
    case Generator::kWsFlex:
    case Generator::kConnectedWsFlex:
    case Generator::kWattsStrogatz:
    case Generator::kConnectedWattsStrogatz:
      s << ", k=" << params.a << ", p=" << params.b << ", seed=" << params.seed;
      break;
    case Generator::kGnp: s << ", p=" << params.a << ", seed=" << params.seed; break;
    case Generator::kGnm:
    case Generator::kDenseGnm:
    case Generator::kBarabasiAlbert:
      s << ", m=" << static_cast<int64_t>(params.a) << ", seed=" << params.seed;
      break;
    case Generator::kHknHarary:
    case Generator::kRingLattice: s << ", k=" << static_cast<int64_t>(params.a); break;
    case Generator::kHnmHarary: s << ", m=" << static_cast<int64_t>(params.a); break;
    case Generator::kComplete: break;
  }
  return s.str();
}

}  // namespace kernels

namespace {

// Node ids are int32 and edges are stored as pairs of them.
constexpr int64_t kMaxNodes = std::numeric_limits<node_t>::max();

[[noreturn]] void bad(Generator g, int64_t index, const std::string& what) {
  std::ostringstream msg;
  msg << generator_name(g) << ": " << what;
  if (index >= 0) msg << " (at batch index " << index << ")";
  throw std::invalid_argument(msg.str());
}

bool is_integral(double x) { return std::isfinite(x) && std::floor(x) == x; }

void check_n(Generator g, int64_t index, int64_t n, int64_t lowest) {
  if (n < lowest || n > kMaxNodes) {
    std::ostringstream s;
    s << "n must satisfy " << lowest << " <= n <= " << kMaxNodes << ", got n=" << n;
    bad(g, index, s.str());
  }
}

void check_probability(Generator g, int64_t index, const char* name, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {  // also rejects NaN
    std::ostringstream s;
    s.precision(17);
    s << name << " must be a probability in [0, 1], got " << name << "=" << p;
    bad(g, index, s.str());
  }
}

void check_integer_range(Generator g, int64_t index, const char* name, double x, double lo,
                         double hi, const char* range_text) {
  if (!is_integral(x) || x < lo || x > hi) {
    std::ostringstream s;
    s.precision(17);
    s << name << " must be an integer with " << range_text << ", got " << name << "=" << x;
    bad(g, index, s.str());
  }
}

double pairs(int64_t n) { return static_cast<double>(n) * static_cast<double>(n - 1) / 2.0; }

}  // namespace

void validate_params(Generator g, const GeneratorParams& p, int64_t index) {
  const auto nd = static_cast<double>(p.n);
  switch (g) {
    case Generator::kWsFlex:
    case Generator::kConnectedWsFlex: {
      check_n(g, index, p.n, 2);
      if (!(p.a >= 2.0 && p.a <= nd)) {
        std::ostringstream s;
        s.precision(17);
        s << "k must satisfy 2 <= k <= n (n=" << p.n << "), got k=" << p.a;
        bad(g, index, s.str());
      }
      check_probability(g, index, "p", p.b);
      break;
    }
    case Generator::kWattsStrogatz:
    case Generator::kConnectedWattsStrogatz:
      check_n(g, index, p.n, 1);
      check_integer_range(g, index, "k", p.a, 0, nd, "0 <= k <= n");
      check_probability(g, index, "p", p.b);
      break;
    case Generator::kGnp:
      check_n(g, index, p.n, 0);
      check_probability(g, index, "p", p.a);
      break;
    case Generator::kGnm:
    case Generator::kDenseGnm:
      check_n(g, index, p.n, 0);
      check_integer_range(g, index, "m", p.a, 0, pairs(p.n), "0 <= m <= n*(n-1)/2");
      break;
    case Generator::kBarabasiAlbert:
      check_n(g, index, p.n, 2);
      check_integer_range(g, index, "m", p.a, 1, nd - 1, "1 <= m < n");
      break;
    case Generator::kHknHarary:
      check_n(g, index, p.n, 2);
      check_integer_range(g, index, "k", p.a, 1, nd - 1, "1 <= k <= n - 1");
      break;
    case Generator::kHnmHarary:
      check_n(g, index, p.n, 1);
      check_integer_range(g, index, "m", p.a, nd - 1, pairs(p.n), "n - 1 <= m <= n*(n-1)/2");
      break;
    case Generator::kRingLattice:
      check_n(g, index, p.n, 1);
      check_integer_range(g, index, "k", p.a, 0, nd, "0 <= k <= n");
      break;
    case Generator::kComplete:
      check_n(g, index, p.n, 0);
      break;
  }
  if ((g == Generator::kConnectedWsFlex || g == Generator::kConnectedWattsStrogatz) && p.tries < 1) {
    std::ostringstream s;
    s << "tries must be >= 1, got tries=" << p.tries;
    bad(g, index, s.str());
  }
}

int64_t max_edges(Generator g, const GeneratorParams& p) {
  const double all = pairs(p.n);
  double bound = all;
  switch (g) {
    case Generator::kWsFlex:
    case Generator::kConnectedWsFlex:
      bound = std::nearbyint(p.a * static_cast<double>(p.n) / 2.0);
      break;
    case Generator::kWattsStrogatz:
    case Generator::kConnectedWattsStrogatz:
    case Generator::kRingLattice:
      bound = static_cast<double>(p.n) * std::floor(p.a / 2.0);
      break;
    case Generator::kGnp: {
      // Binomial(all, p): the mean plus 10 standard deviations is never
      // exceeded in practice; this is only a memory estimate.
      const double mean = all * p.a;
      bound = mean + 10.0 * std::sqrt(mean * (1.0 - p.a)) + 64.0;
      break;
    }
    case Generator::kGnm:
    case Generator::kDenseGnm:
    case Generator::kHnmHarary:
      bound = p.a;
      break;
    case Generator::kBarabasiAlbert:
      bound = p.a * static_cast<double>(p.n);
      break;
    case Generator::kHknHarary:
      bound = static_cast<double>(p.n) * (p.a / 2.0 + 1.0);
      break;
    case Generator::kComplete:
      break;
  }
  return static_cast<int64_t>(std::min(all, bound));
}

__attribute__((noinline)) GeneratorWorker& generator_worker() {
  thread_local GeneratorWorker worker;
  return worker;
}

namespace {

// Edge count of graph `p`, when the generator fixes it (-1 otherwise).
// WS-flex keeps round(k n / 2) edges through rewiring (all pairs when that
// exceeds them); Watts-Strogatz and ring lattices n * (k // 2), complete for
// k = n; G(n, m) m; Barabási-Albert the star's m plus m per later node.
int64_t exact_edges(Generator g, const GeneratorParams& p) {
  const int64_t n = p.n, all = n * (n - 1) / 2;
  switch (g) {
    case Generator::kWsFlex:
    case Generator::kConnectedWsFlex:
      return std::min(all, kernels::python_round(p.a * static_cast<double>(n) / 2.0));
    case Generator::kWattsStrogatz:
    case Generator::kConnectedWattsStrogatz:
    case Generator::kRingLattice: {
      const auto k = static_cast<int64_t>(p.a);
      return k == n ? all : n * (k / 2);
    }
    case Generator::kGnm:
    case Generator::kDenseGnm:
      return static_cast<int64_t>(p.a);
    case Generator::kBarabasiAlbert: {
      const auto m = static_cast<int64_t>(p.a);
      return m + (n - m - 1) * m;
    }
    case Generator::kComplete:
      return all;
    default:
      return -1;
  }
}

// Runs `emit(i, adj)` on every graph i of [begin, end) after building it.
// Graphs of up to 64 nodes are built in SmallAdjacency even by the
// generators that could use a list: G(n, p) fills its rows a word at a time.
template <class Emit>
void build_range(Generator g, const GeneratorBatchParams& params, int64_t begin, int64_t end, Emit&& emit) {
  GeneratorWorker& worker = generator_worker();
  auto& [small, bits, hashed, listed, scratch, group] = worker;
  const bool as_list = adds_edges_in_order(g);
  for (int64_t first = begin; first < end; first += SeededGroup::kSize) {
    const int64_t last = std::min(end, first + SeededGroup::kSize);
    group.seed(g, params, first, last);
    for (int64_t i = first; i < last; ++i) {
      const GeneratorParams p = params.at(i);
      PythonRandom& rng = group.streams[i - first];
      if (p.n <= SmallAdjacency::kMaxNodes) {
        build_graph(g, p, rng, small, scratch);
        emit(i, small);
      } else if (as_list) {
        build_edge_list(g, p, rng, listed);
        emit(i, listed);
      } else if (p.n <= kBitsetMaxNodes) {
        build_graph(g, p, rng, bits, scratch);
        emit(i, bits);
      } else {
        build_graph(g, p, rng, hashed, scratch);
        emit(i, hashed);
      }
    }
  }
}

// Writes adj's edges, (u, v) with u < v ascending, as node pairs to out,
// which holds 2 * adj.num_edges() values.
template <class Adj>
void write_edge_pairs(const Adj& adj, node_t* out) {
  int64_t written = 0;
  if constexpr (std::is_same_v<Adj, HashAdjacency>) {
    adj.for_each_edge([&](node_t u, node_t v) {
      out[2 * written] = u;
      out[2 * written + 1] = v;
      ++written;
    });
  } else {
    written = adj.write_edges(out);
  }
  if (written != adj.num_edges()) throw std::logic_error("generator's edge count and adjacency disagree");
}

struct ChunkEdges {
  std::vector<int64_t> counts;
  std::vector<node_t> edges;
};

}  // namespace

GraphBatch generate_batch(Generator g, const GeneratorBatchParams& params, int threads,
                          int64_t max_bytes) {
  double bytes = 0.0;
  int64_t largest_n = 0;
  bool counts_known = true;
  for (int64_t i = 0; i < params.size; ++i) {
    const GeneratorParams p = params.at(i);
    validate_params(g, p, params.size > 1 ? i : -1);
    bytes += 8.0 * static_cast<double>(max_edges(g, p)) + 16.0;
    largest_n = std::max(largest_n, p.n);
    counts_known = counts_known && exact_edges(g, p) >= 0;
  }
  // Per worker: a bit matrix for n <= kBitsetMaxNodes, else hash/degree tables.
  const double per_worker = largest_n <= kBitsetMaxNodes
                                ? static_cast<double>(largest_n) * static_cast<double>((largest_n + 63) / 64) * 8.0
                                : 16.0 * static_cast<double>(largest_n);
  bytes += per_worker * std::max(threads, 1);
  if (bytes > static_cast<double>(max_bytes)) {
    std::ostringstream msg;
    msg << generator_name(g) << ": a batch of " << params.size << " graphs needs about "
        << static_cast<int64_t>(bytes / (1 << 20)) << " MiB, more than the allowed "
        << (max_bytes >> 20) << " MiB; generate it in smaller batches (or use the streaming scan)";
    throw std::length_error(msg.str());
  }

  GraphBatch batch;
  batch.num_nodes.assign(params.n, params.n + params.size);
  const ChunkPlan plan = plan_chunks(params.size, threads, SeededGroup::kSize, SeededGroup::kSize);

  if (counts_known) {
    // Edge counts are known: size the result once and let every worker write
    // its graphs in place (no per-chunk buffers, no final copy).
    batch.edge_ptr.resize(static_cast<size_t>(params.size + 1));
    for (int64_t i = 0; i < params.size; ++i) batch.edge_ptr[i + 1] = batch.edge_ptr[i] + exact_edges(g, params.at(i));
    batch.edges.resize(static_cast<size_t>(2 * batch.edge_ptr.back()));
    parallel_chunks(plan, threads, [&](int64_t, int64_t begin, int64_t end, int) {
      build_range(g, params, begin, end, [&](int64_t i, const auto& adj) {
        // Checked before writing: the graph's slot holds exactly this many.
        if (adj.num_edges() != batch.edge_ptr[i + 1] - batch.edge_ptr[i])
          throw std::logic_error("generator produced an unexpected number of edges");
        write_edge_pairs(adj, batch.edges.data() + 2 * batch.edge_ptr[i]);
      });
    });
    return batch;
  }

  std::vector<ChunkEdges> chunks(static_cast<size_t>(plan.num_chunks()));
  parallel_chunks(plan, threads, [&](int64_t chunk, int64_t begin, int64_t end, int) {
    ChunkEdges& out = chunks[static_cast<size_t>(chunk)];
    out.counts.reserve(static_cast<size_t>(end - begin));
    build_range(g, params, begin, end, [&](int64_t, const auto& adj) {
      const size_t before = out.edges.size();
      out.edges.resize(before + 2 * static_cast<size_t>(adj.num_edges()));
      write_edge_pairs(adj, out.edges.data() + before);
      out.counts.push_back(adj.num_edges());
    });
  });
  batch.edge_ptr.reserve(static_cast<size_t>(params.size + 1));
  size_t total = 0;
  for (const auto& c : chunks) total += c.edges.size();
  batch.edges.reserve(total);
  for (const auto& c : chunks) {
    for (int64_t count : c.counts) batch.edge_ptr.push_back(batch.edge_ptr.back() + count);
    batch.edges.insert(batch.edges.end(), c.edges.begin(), c.edges.end());
  }
  return batch;
}

}  // namespace relsparse::graph
