#include "measure_kernels.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#if defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>
#endif

namespace relsparse::graph {
namespace {

inline int popcount(uint64_t x) { return __builtin_popcountll(x); }
inline uint64_t low_bits(int n) { return n >= 64 ? ~0ULL : ((1ULL << n) - 1); }

}  // namespace

// ---------------------------------------------------------------- SmallGraph

bool SmallGraph::assign(const GraphView& g) {
  if (g.num_nodes > 64) return false;
  n = static_cast<int>(g.num_nodes);
  m = g.num_edges;
  std::fill(rows, rows + 64, 0ULL);
  for (int64_t e = 0; e < g.num_edges; ++e) {
    const node_t u = g.edges[2 * e], v = g.edges[2 * e + 1];
    if (u < 0 || v < 0 || u >= n || v >= n || u == v) return false;
    rows[u] |= 1ULL << v;
    rows[v] |= 1ULL << u;
  }
  return true;
}

void SmallGraph::assign_rows(int n_nodes, const uint64_t* bit_rows, int64_t num_edges) {
  n = n_nodes;
  m = num_edges;
  std::copy(bit_rows, bit_rows + n, rows);
  std::fill(rows + n, rows + 64, 0ULL);
}

void triangles(const SmallGraph& g, int64_t* triangles2) {
#if defined(__AVX512VPOPCNTDQ__)
  // t_v = sum over u of A[v][u] * |N(v) & N(u)|, for all 64 rows v at once:
  // per u, 8 registers of 8 rows each, 64 x 8 vector steps whatever the
  // density (the bit loop below costs 2m steps: ~4000 for dense graphs).
  __m512i rows[8], sums[8];
  for (int r = 0; r < 8; ++r) {
    rows[r] = _mm512_loadu_si512(g.rows + 8 * r);
    sums[r] = _mm512_setzero_si512();
  }
  for (int u = 0; u < g.n; ++u) {
    const __m512i ru = _mm512_set1_epi64(static_cast<long long>(g.rows[u]));
    const __m512i bit = _mm512_set1_epi64(static_cast<long long>(1ULL << u));
    for (int r = 0; r < 8; ++r) {
      const __mmask8 adjacent = _mm512_test_epi64_mask(rows[r], bit);
      const __m512i common = _mm512_popcnt_epi64(_mm512_and_si512(rows[r], ru));
      sums[r] = _mm512_mask_add_epi64(sums[r], adjacent, sums[r], common);
    }
  }
  alignas(64) int64_t all[64];
  for (int r = 0; r < 8; ++r) _mm512_store_si512(all + 8 * r, sums[r]);
  std::copy(all, all + g.n, triangles2);
#else
  for (int v = 0; v < g.n; ++v) {
    const uint64_t row = g.rows[v];
    int64_t t = 0;
    for (uint64_t rest = row; rest; rest &= rest - 1) t += popcount(row & g.rows[__builtin_ctzll(rest)]);
    triangles2[v] = t;
  }
#endif
}

DistanceStats distances(const SmallGraph& g, int64_t* eccentricity) {
  DistanceStats stats;
  const int n = g.n;
  if (n == 0) return stats;
  const uint64_t full = low_bits(n);

  // Closed neighbourhoods and the per-chunk union tables:
  // table[c][x] = union of closed[4c + b] over the set bits b of x.
  uint64_t closed[64];
  for (int v = 0; v < 64; ++v) closed[v] = v < n ? (g.rows[v] | (1ULL << v)) : 0ULL;
  const int chunks = (n + 3) / 4;
  uint64_t table[16][16];
  for (int c = 0; c < chunks; ++c) {
    table[c][0] = 0;
    for (int x = 1; x < 16; ++x) table[c][x] = table[c][x & (x - 1)] | closed[4 * c + __builtin_ctz(x)];
  }

  // Radius 1: the closed neighbourhoods themselves.
  uint64_t ball[64];
  int active[64];
  int num_active = 0;
  for (int v = 0; v < n; ++v) {
    ball[v] = closed[v];
    if (eccentricity) eccentricity[v] = g.rows[v] ? 1 : 0;
    // A ball that did not grow (isolated node) or is complete stops here.
    if (g.rows[v] && ball[v] != full) active[num_active++] = v;
  }
  stats.distance_sum = 2 * g.m;
  stats.reachable_pairs = 2 * g.m;
  stats.inverse_sum = static_cast<long double>(2 * g.m);
  stats.max_distance = g.m > 0 ? 1 : 0;

  for (int d = 2; num_active > 0; ++d) {
    int64_t grown = 0;
    int still_active = 0;
    for (int i = 0; i < num_active; ++i) {
      const int v = active[i];
      const uint64_t x = ball[v];
      uint64_t y = 0;
      for (int c = 0; c < chunks; ++c) y |= table[c][(x >> (4 * c)) & 15];
      const uint64_t fresh = y & ~x;
      if (!fresh) continue;  // the ball is v's whole component
      ball[v] = y;
      grown += popcount(fresh);
      if (eccentricity) eccentricity[v] = d;
      if (y != full) active[still_active++] = v;
    }
    num_active = still_active;
    if (grown == 0) break;
    stats.distance_sum += d * grown;
    stats.reachable_pairs += grown;
    stats.inverse_sum += static_cast<long double>(grown) / d;
    stats.max_distance = d;
  }
  return stats;
}

int64_t components(const SmallGraph& g) {
  uint64_t unseen = low_bits(g.n);
  int64_t count = 0;
  while (unseen) {
    uint64_t comp = unseen & -unseen;
    uint64_t frontier = comp;
    while (frontier) {
      uint64_t next = 0;
      for (uint64_t f = frontier; f; f &= f - 1) next |= g.rows[__builtin_ctzll(f)];
      frontier = next & ~comp;
      comp |= next;
    }
    unseen &= ~comp;
    ++count;
  }
  return count;
}

// ------------------------------------------------------------------ CsrGraph

bool CsrGraph::assign(const GraphView& g) {
  n = g.num_nodes;
  m = g.num_edges;
  offsets.assign(static_cast<size_t>(n + 1), 0);
  for (int64_t e = 0; e < m; ++e) {
    const node_t u = g.edges[2 * e], v = g.edges[2 * e + 1];
    if (u < 0 || v < 0 || u >= n || v >= n || u == v) return false;
    ++offsets[u + 1];
    ++offsets[v + 1];
  }
  for (int64_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  neighbours.resize(static_cast<size_t>(2 * m));
  std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
  // Edges arrive sorted by (u, v), u < v, so each list comes out sorted:
  // for node x, neighbours below x are written (in the pass over their own
  // lists) before those above x.
  for (int64_t e = 0; e < m; ++e) {
    const node_t u = g.edges[2 * e], v = g.edges[2 * e + 1];
    neighbours[fill[u]++] = v;
    neighbours[fill[v]++] = u;
  }
  return true;
}

void triangles(const CsrGraph& g, int64_t* triangles2, MeasureWorkspace& ws) {
  const int64_t n = g.n;
  const int64_t words = (n + 63) / 64;
  const double mean_degree = n ? 2.0 * static_cast<double>(g.m) / static_cast<double>(n) : 0.0;
  if (n <= 8192 && static_cast<double>(words) < mean_degree) {
    // Dense enough: intersect bit rows, 2m * words word operations.
    auto& bits = ws.words_a;
    bits.assign(static_cast<size_t>(n * words), 0);
    for (int64_t v = 0; v < n; ++v)
      for (int64_t i = g.offsets[v]; i < g.offsets[v + 1]; ++i) {
        const node_t u = g.neighbours[i];
        bits[v * words + (u >> 6)] |= 1ULL << (u & 63);
      }
    for (int64_t v = 0; v < n; ++v) {
      const uint64_t* rv = bits.data() + v * words;
      int64_t t = 0;
      for (int64_t i = g.offsets[v]; i < g.offsets[v + 1]; ++i) {
        const uint64_t* ru = bits.data() + g.neighbours[i] * words;
        for (int64_t w = 0; w < words; ++w) t += popcount(rv[w] & ru[w]);
      }
      triangles2[v] = t;
    }
    return;
  }
  // Sparse: mark v's neighbours, count marked neighbours of each neighbour.
  auto& mark = ws.marks;
  mark.assign(static_cast<size_t>(n), 0);
  for (int64_t v = 0; v < n; ++v) {
    const int64_t b = g.offsets[v], e = g.offsets[v + 1];
    for (int64_t i = b; i < e; ++i) mark[g.neighbours[i]] = 1;
    int64_t t = 0;
    for (int64_t i = b; i < e; ++i) {
      const node_t u = g.neighbours[i];
      for (int64_t j = g.offsets[u]; j < g.offsets[u + 1]; ++j) t += mark[g.neighbours[j]];
    }
    for (int64_t i = b; i < e; ++i) mark[g.neighbours[i]] = 0;
    triangles2[v] = t;
  }
}

DistanceStats distances(const CsrGraph& g, int64_t* eccentricity, MeasureWorkspace& ws) {
  DistanceStats stats;
  const int64_t n = g.n;
  auto& seen = ws.words_a;
  auto& frontier = ws.words_b;
  auto& next = ws.words_c;
  auto& counts = ws.counts;  // pairs at distance d, summed over all sources
  counts.assign(1, 0);
  for (int64_t s0 = 0; s0 < n; s0 += 64) {
    const int width = static_cast<int>(std::min<int64_t>(64, n - s0));
    const uint64_t block = low_bits(width);
    seen.assign(static_cast<size_t>(n), 0);
    frontier.assign(static_cast<size_t>(n), 0);
    next.assign(static_cast<size_t>(n), 0);
    for (int i = 0; i < width; ++i) seen[s0 + i] = frontier[s0 + i] = 1ULL << i;
    if (eccentricity)
      for (int i = 0; i < width; ++i) eccentricity[s0 + i] = 0;
    for (int64_t d = 1;; ++d) {
      uint64_t level = 0;  // sources that reached some node at distance d
      int64_t grown = 0;
      for (int64_t v = 0; v < n; ++v) {
        if (seen[v] == block) {
          next[v] = 0;
          continue;
        }
        uint64_t x = 0;
        for (int64_t i = g.offsets[v]; i < g.offsets[v + 1]; ++i) x |= frontier[g.neighbours[i]];
        x &= ~seen[v];
        next[v] = x;
        if (x) {
          seen[v] |= x;
          grown += popcount(x);
          level |= x;
        }
      }
      if (!level) break;
      if (static_cast<int64_t>(counts.size()) <= d) counts.resize(static_cast<size_t>(d + 1), 0);
      counts[d] += grown;
      if (eccentricity)
        for (uint64_t l = level; l; l &= l - 1) eccentricity[s0 + __builtin_ctzll(l)] = d;
      frontier.swap(next);
    }
  }
  for (size_t d = 1; d < counts.size(); ++d) {
    if (!counts[d]) continue;
    stats.distance_sum += static_cast<int64_t>(d) * counts[d];
    stats.reachable_pairs += counts[d];
    stats.inverse_sum += static_cast<long double>(counts[d]) / static_cast<long double>(d);
    stats.max_distance = static_cast<int64_t>(d);
  }
  return stats;
}

int64_t components(const CsrGraph& g, MeasureWorkspace& ws) {
  auto& mark = ws.marks;
  mark.assign(static_cast<size_t>(g.n), 0);
  std::vector<node_t> stack;
  int64_t count = 0;
  for (int64_t s = 0; s < g.n; ++s) {
    if (mark[s]) continue;
    ++count;
    mark[s] = 1;
    stack.assign(1, static_cast<node_t>(s));
    while (!stack.empty()) {
      const node_t v = stack.back();
      stack.pop_back();
      for (int64_t i = g.offsets[v]; i < g.offsets[v + 1]; ++i) {
        const node_t u = g.neighbours[i];
        if (!mark[u]) {
          mark[u] = 1;
          stack.push_back(u);
        }
      }
    }
  }
  return count;
}

// ------------------------------------------------------------ measure_row

namespace {

// Ascending sort. For up to 64 values, placing each value at its rank (the
// number of smaller values, ties broken by position) is branch-free and
// vectorises: n^2 / 8 compare steps against ~n log n mispredicted branches.
void sort_small(std::vector<double>& c) {
  const size_t n = c.size();
  if (n > 64) {
    std::sort(c.begin(), c.end());
    return;
  }
  double in[64], out[64];
  std::copy(c.begin(), c.end(), in);
  for (size_t i = 0; i < n; ++i) {
    const double x = in[i];
    int rank = 0;
    for (size_t j = 0; j < n; ++j) rank += (in[j] < x) | ((in[j] == x) & (j < i));
    out[rank] = x;
  }
  std::copy(out, out + n, c.begin());
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void raise_disconnected(const char* measure, int64_t index, int64_t n,
                                     int64_t num_components) {
  std::ostringstream msg;
  msg << measure << ": ";
  if (index >= 0) msg << "graph " << index << " ";
  else msg << "the graph ";
  if (n == 0) msg << "has no nodes, so it has no paths";
  else msg << "is not connected (" << num_components << " components)";
  msg << "; pass disconnected='nan' to get NaN or disconnected='reachable' to use reachable pairs only";
  throw DisconnectedGraphError(msg.str());
}

template <class G>
int64_t degree_of(const G& g, int64_t v) {
  return g.degree(static_cast<decltype(g.n)>(v));
}

template <class G, class Triangles, class Distances, class Components>
MeasureRow measure_row_impl(const G& g, const MeasureOptions& options, MeasureWorkspace& ws,
                            int64_t index, Triangles&& tri, Distances&& dist, Components&& comps) {
  MeasureRow row{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 0, 0, 0};
  const int64_t n = g.n;
  const uint32_t f = options.flags;
  const double pairs = static_cast<double>(n) * static_cast<double>(n - 1);

  if (f & (kAverageClustering | kTransitivity)) {
    ws.triangles2.resize(static_cast<size_t>(n));
    tri(ws.triangles2.data());
    if (f & kAverageClustering) {
      auto& c = ws.node_clustering;
      c.resize(static_cast<size_t>(n));
      for (int64_t v = 0; v < n; ++v) {
        const int64_t d = degree_of(g, v), t = ws.triangles2[v];
        c[v] = t == 0 ? 0.0 : static_cast<double>(t) / static_cast<double>(d * (d - 1));
      }
      if (options.clustering_order == ClusteringOrder::kAscending) sort_small(c);
      double sum = 0.0;  // sequential, as Python's sum() does
      for (double x : c) sum += x;
      row.average_clustering = n ? sum / static_cast<double>(n) : kNaN;
    }
    if (f & kTransitivity) {
      int64_t tri_total = 0, triples = 0;
      for (int64_t v = 0; v < n; ++v) {
        const int64_t d = degree_of(g, v);
        tri_total += ws.triangles2[v];
        triples += d * (d - 1);
      }
      row.transitivity = tri_total == 0 ? 0.0 : static_cast<double>(tri_total) / static_cast<double>(triples);
    }
  }

  const bool want_paths = (f & kDistanceMeasures) != 0;
  DistanceStats stats;
  bool connected = true;
  if (want_paths) {
    stats = dist();
    connected = n > 0 && stats.reachable_pairs == n * (n - 1);
  }
  int64_t num_components = -1;
  const bool raising = (f & (kAverageShortestPathLength | kDiameter)) && !connected &&
                       options.disconnected == Disconnected::kRaise;
  if ((f & kNumberConnectedComponents) || raising) {
    num_components = comps();
    row.number_connected_components = num_components;
  }

  if (f & (kAverageShortestPathLength | kDiameter)) {
    if (!connected) {
      if (options.disconnected == Disconnected::kRaise)
        raise_disconnected(f & kAverageShortestPathLength ? "average_shortest_path_length" : "diameter",
                           index, n, num_components);
    }
    const bool use_reachable = connected || options.disconnected == Disconnected::kReachable;
    if (f & kAverageShortestPathLength) {
      if (!use_reachable || n == 0) row.average_shortest_path_length = kNaN;
      else if (n == 1) row.average_shortest_path_length = 0.0;
      else if (stats.reachable_pairs == 0) row.average_shortest_path_length = kNaN;
      else
        row.average_shortest_path_length = connected
            ? static_cast<double>(stats.distance_sum) / pairs
            : static_cast<double>(stats.distance_sum) / static_cast<double>(stats.reachable_pairs);
    }
    if (f & kDiameter)
      row.diameter = (!use_reachable || n == 0) ? kNaN : static_cast<double>(stats.max_distance);
  }
  if (f & kGlobalEfficiency)
    row.global_efficiency = n <= 1 ? 0.0 : static_cast<double>(stats.inverse_sum / static_cast<long double>(pairs));

  if (f & kDensity) {
    if (n <= 1) {
      row.density = 0.0;
    } else {
      // networkx: m / (n (n - 1)), then doubled for undirected graphs.
      row.density = static_cast<double>(g.m) / pairs * 2.0;
    }
  }
  if (f & kDegreeStats) {
    if (n == 0) {
      row.degree_min = row.degree_max = 0;
    } else {
      __int128 sum = 0, sum_sq = 0;
      int64_t lo = std::numeric_limits<int64_t>::max(), hi = 0;
      for (int64_t v = 0; v < n; ++v) {
        const int64_t d = degree_of(g, v);
        sum += d;
        sum_sq += static_cast<__int128>(d) * d;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
      }
      row.degree_min = lo;
      row.degree_max = hi;
      row.degree_mean = static_cast<double>(2 * g.m) / static_cast<double>(n);
      // Population variance from exact integer moments: (n S2 - S1^2) / n^2.
      const __int128 numerator = static_cast<__int128>(n) * sum_sq - sum * sum;
      const long double var = static_cast<long double>(numerator) /
                              (static_cast<long double>(n) * static_cast<long double>(n));
      row.degree_std = static_cast<double>(std::sqrt(var));
    }
  }
  return row;
}

}  // namespace

MeasureRow measure_row(const SmallGraph& g, const MeasureOptions& options, MeasureWorkspace& ws,
                       int64_t index) {
  return measure_row_impl(
      g, options, ws, index, [&](int64_t* t) { triangles(g, t); },
      [&] { return distances(g, nullptr); }, [&] { return components(g); });
}

MeasureRow measure_row(const CsrGraph& g, const MeasureOptions& options, MeasureWorkspace& ws,
                       int64_t index) {
  return measure_row_impl(
      g, options, ws, index, [&](int64_t* t) { triangles(g, t, ws); },
      [&] { return distances(g, nullptr, ws); }, [&] { return components(g, ws); });
}

void store_row(const MeasureRow& r, const MeasureColumns& out, int64_t i) {
  if (out.average_clustering) out.average_clustering[i] = r.average_clustering;
  if (out.transitivity) out.transitivity[i] = r.transitivity;
  if (out.average_shortest_path_length) out.average_shortest_path_length[i] = r.average_shortest_path_length;
  if (out.global_efficiency) out.global_efficiency[i] = r.global_efficiency;
  if (out.diameter) out.diameter[i] = r.diameter;
  if (out.number_connected_components) out.number_connected_components[i] = r.number_connected_components;
  if (out.density) out.density[i] = r.density;
  if (out.degree_mean) out.degree_mean[i] = r.degree_mean;
  if (out.degree_std) out.degree_std[i] = r.degree_std;
  if (out.degree_min) out.degree_min[i] = r.degree_min;
  if (out.degree_max) out.degree_max[i] = r.degree_max;
}

}  // namespace relsparse::graph
