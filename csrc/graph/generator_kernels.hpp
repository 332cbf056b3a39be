// The generator algorithms, written once over an adjacency policy
// (BitsetAdjacency or HashAdjacency, see adjacency.hpp). Used by
// generate_batch (which emits edge lists) and by the streaming scan (which
// measures the adjacency in place).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "adjacency.hpp"
#include "cpython_int_set.hpp"
#include "generators.hpp"
#include "python_random.hpp"

namespace relsparse::graph {

struct GeneratorScratch {
  std::vector<uint64_t> bfs;
  std::vector<int64_t> repeated_nodes;  // Barabási–Albert
  CPythonIntSet targets;                // Barabási–Albert
};

namespace kernels {

// Python's `round(x)` on a float: round half to even. std::nearbyint does
// exactly this under the default rounding mode (FE_TONEAREST).
inline int64_t python_round(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

template <class Adj>
void add_if_absent(Adj& adj, int64_t u, int64_t v) {
  if (!adj.has_edge(static_cast<node_t>(u), static_cast<node_t>(v)))
    adj.add_edge(static_cast<node_t>(u), static_cast<node_t>(v));
}

template <class Adj>
void complete(Adj& adj, int64_t n) {
  adj.reset(n);
  for (int64_t u = 0; u < n; ++u)
    for (int64_t v = u + 1; v < n; ++v) adj.add_edge(static_cast<node_t>(u), static_cast<node_t>(v));
}

// Edges {i, (i + j) mod n} for j = 1..offsets, as networkx's ring lattice
// and circulant_graph build them (duplicates collapse, as in nx.Graph).
template <class Adj>
void circulant(Adj& adj, int64_t n, int64_t offsets) {
  if constexpr (std::is_same_v<Adj, SmallAdjacency>) {
    if (adj.num_edges() == 0) {
      adj.add_circulant(offsets);
      return;
    }
  }
  if constexpr (std::is_same_v<Adj, BitsetAdjacency>) {
    if (adj.add_ring(offsets, 0)) return;
  }
  for (int64_t j = 1; j <= offsets; ++j) {
    // (i + j) mod n without a division per edge: the shift is below n, so
    // i + shift wraps at most once.
    const int64_t shift = j % n;
    for (int64_t i = 0, v = shift; i < n; ++i, v = v + 1 == n ? 0 : v + 1) add_if_absent(adj, i, v);
  }
}

// Moves edge {u, v} to {u, w} for a uniformly drawn w that is neither u nor
// a neighbour of u, giving up if u is adjacent to every node. The draws are
// the reference's: choice() until accepted, the degree test after each
// redraw, so the random streams stay in step.
// `draws`: the pass's mask-based draws, for n > 64 (see rewire_pass).
template <class Adj>
void rewire_edge(Adj& adj, PythonRandom& rng, RewireDraws* draws, int64_t n, int64_t u, int64_t v) {
  const auto uu = static_cast<node_t>(u);
  const auto un = static_cast<uint64_t>(n);
  if (adj.degree(uu) >= n - 1) {
    // The reference draws once, finds it taken, draws again, sees the full
    // degree and gives up: two draws, no change.
    rng.randbelow(un);
    rng.randbelow(un);
    return;
  }
  node_t w = -1;
  if constexpr (std::is_same_v<Adj, BitsetAdjacency> || std::is_same_v<Adj, SmallAdjacency>) {
    if (n <= 64) {  // the free targets of u fit in one mask: not u, not a neighbour
      const uint64_t all = n == 64 ? ~0ULL : ((1ULL << n) - 1);
      w = static_cast<node_t>(rng.randbelow_in(un, all & ~adj.row(uu)[0] & ~(1ULL << u)));
    }
  }
  if (w < 0 && draws) {
    do w = static_cast<node_t>(draws->randbelow_except(static_cast<uint32_t>(u)));
    while (adj.has_edge(uu, w));
  } else if (w < 0) {
    do w = static_cast<node_t>(rng.randbelow(un));
    while (w == uu || adj.has_edge(uu, w));
  }
  if (!adj.has_edge(uu, static_cast<node_t>(v)))
    throw std::logic_error("rewiring an absent edge: generator invariant broken");
  adj.remove_edge(uu, static_cast<node_t>(v));
  adj.add_edge(uu, w);
}

// q / d and q % d for 0 <= q < 2**52 without a division instruction: the
// quotient through a floating-point reciprocal is off by at most one, which
// one predictable correction fixes. Rewiring maps every rewired edge's index
// to its nodes; this keeps a 64-bit division off each of those steps.
class Divider {
 public:
  explicit Divider(int64_t d) : d_(d), inverse_(1.0 / static_cast<double>(d)) {}
  std::pair<int64_t, int64_t> divmod(int64_t q) const {
    int64_t quotient = static_cast<int64_t>(static_cast<double>(q) * inverse_);
    int64_t rest = q - quotient * d_;
    if (rest < 0) {
      rest += d_;
      --quotient;
    } else if (rest >= d_) {
      rest -= d_;
      ++quotient;
    }
    return {quotient, rest};
  }

 private:
  int64_t d_;
  double inverse_;
};

// The rewiring pass shared by WS-flex and networkx's Watts–Strogatz: for
// each of `num_edges` original edges in the reference's order, draw random()
// and rewire the edge (edge_at(q) -> {u, v}) if the draw is below p. Runs of
// edges that stay put are skipped in one call (PythonRandom::skip_not_below).
// Over more than 64 nodes the draws come from RewireDraws' masks; up to 64,
// where a graph uses a block or two of words, testing the words directly is
// cheaper than building masks.
template <class Adj, class EdgeAt>
void rewire_pass(Adj& adj, PythonRandom& rng, double p, int64_t n, int64_t num_edges, EdgeAt&& edge_at) {
  const uint64_t threshold = PythonRandom::random_threshold(p);
  if (n > 64) {
    RewireDraws draws(rng, threshold, static_cast<uint64_t>(n));
    for (int64_t q = 0; q < num_edges; ++q) {
      q += draws.skip_not_below(num_edges - q);
      if (q >= num_edges) return;
      const auto [u, v] = edge_at(q);
      rewire_edge(adj, rng, &draws, n, u, v);
    }
    return;
  }
  for (int64_t q = 0; q < num_edges; ++q) {
    q += rng.skip_not_below(threshold, num_edges - q);
    if (q >= num_edges) return;
    const auto [u, v] = edge_at(q);
    rewire_edge(adj, rng, nullptr, n, u, v);
  }
}

// One WS-flex draw (graph2nn ws_graph): e = round(k n / 2) edges; node i gets
// e // n forward edges {i, i+t mod n}, t = 1..count_i, plus one if i < e % n;
// then every original forward edge, in order of i then t, is rewired with
// probability p.
template <class Adj>
void ws_flex_once(Adj& adj, PythonRandom& rng, int64_t n, double k, double p) {
  const int64_t e = python_round(k * static_cast<double>(n) / 2.0);
  const int64_t base = e / n;
  const int64_t extra = e % n;
  adj.reset(n);
  bool built = false;
  if constexpr (std::is_same_v<Adj, BitsetAdjacency>) built = adj.add_ring(base, extra);
  // Targets i + t wrap at most once (count < n), so no modulo is needed.
  for (int64_t i = 0; i < n && !built; ++i) {
    const int64_t count = base + (i < extra ? 1 : 0);
    for (int64_t t = 1, v = i + 1; t <= count; ++t, ++v) add_if_absent(adj, i, v >= n ? v - n : v);
  }
  // Forward edge q: the first `extra` nodes own base + 1 edges each.
  const int64_t long_span = extra * (base + 1);
  const Divider by_long(base + 1), by_base(std::max<int64_t>(base, 1));
  rewire_pass(adj, rng, p, n, e, [&](int64_t q) {
    int64_t u, t;
    if (q < long_span) {
      std::tie(u, t) = by_long.divmod(q);
    } else {
      std::tie(u, t) = by_base.divmod(q - long_span);
      u += extra;
    }
    const int64_t v = u + t + 1;
    return std::pair<int64_t, int64_t>(u, v >= n ? v - n : v);
  });
}

// networkx.watts_strogatz_graph: ring of k // 2 neighbours per side, then
// edges rewired in order of offset j, then node u.
template <class Adj>
void watts_strogatz_once(Adj& adj, PythonRandom& rng, int64_t n, int64_t k, double p) {
  if (k == n) {
    complete(adj, n);
    return;
  }
  adj.reset(n);
  circulant(adj, n, k / 2);
  // Edge q is {u, u + j mod n} with j = q / n + 1, u = q % n.
  const Divider by_n(n);
  rewire_pass(adj, rng, p, n, n * (k / 2), [&](int64_t q) {
    const auto [offset, u] = by_n.divmod(q);
    const int64_t v = u + offset + 1;
    return std::pair<int64_t, int64_t>(u, v >= n ? v - n : v);
  });
}

std::string describe(Generator g, const GeneratorParams& params);

template <class Adj, class Once>
void retry_until_connected(Adj& adj, GeneratorScratch& scratch, Generator g,
                           const GeneratorParams& params, Once&& once) {
  for (int64_t attempt = 0; attempt < params.tries; ++attempt) {
    once();
    if (adj.is_connected(scratch.bfs)) return;
  }
  std::ostringstream msg;
  msg << generator_name(g) << ": no connected graph in " << params.tries << " tries for "
      << describe(g, params)
      << "; the graph is too sparse to be connected (raise k or lower p) or pass more tries";
  throw GenerationError(msg.str());
}

// G(n, p) takes each hit's pair straight from its draw index (PairOfIndex)
// for p below this (about two hits per 64 draws) and n up to kDirectPairNodes
// (pair indices below 2**39, exact in floating point). Denser draws walk the
// rows, which then rarely mispredicts and costs less per hit than a root.
constexpr double kDirectPairMaxP = 1.0 / 32;
constexpr int64_t kDirectPairNodes = int64_t{1} << 20;

// The pair (u, v), u < v, of index q in lexicographic order over n nodes:
// row u starts at offset(u) = u (2n - u - 1) / 2, so u is the root of a
// quadratic, computed in floating point and corrected by one step.
class PairOfIndex {
 public:
  explicit PairOfIndex(int64_t n) : n_(n), b_(static_cast<double>(2 * n - 1)) {}
  std::pair<int64_t, int64_t> operator()(int64_t q) const {
    auto u = static_cast<int64_t>((b_ - std::sqrt(b_ * b_ - 8.0 * static_cast<double>(q))) * 0.5);
    if (offset(u + 1) <= q) ++u;
    if (offset(u) > q) --u;
    return {u, u + 1 + q - offset(u)};
  }

 private:
  int64_t offset(int64_t u) const { return u * (2 * n_ - u - 1) / 2; }
  int64_t n_;
  double b_;
};

// Writes the indices of the set bits of bits[0..words), ascending, to out;
// returns how many. Two bits per word are taken without a branch on the
// data (a sparse bit set rarely holds more), a loop takes any others.
inline int64_t sparse_bit_positions(const uint64_t* bits, int64_t words, uint32_t* out) {
  int64_t count = 0;
  for (int64_t w = 0; w < words; ++w) {
    uint64_t word = bits[w];
    const auto base = static_cast<uint32_t>(64 * w);
    for (int taken = 0; taken < 2; ++taken) {
      out[count] = base + static_cast<uint32_t>(__builtin_ctzll(word | (1ULL << 63)));
      count += word != 0;
      word &= word - 1;
    }
    for (; word; word &= word - 1) out[count++] = base + static_cast<uint32_t>(__builtin_ctzll(word));
  }
  return count;
}

// networkx.gnp_random_graph: one random() per pair (u, v), u < v, in
// lexicographic order; the pair is an edge if the draw is below p.
template <class Adj>
void gnp(Adj& adj, PythonRandom& rng, int64_t n, double p) {
  if (p >= 1.0) {
    complete(adj, n);
    return;
  }
  adj.reset(n);
  if (p <= 0.0 || n < 2) return;
  const uint64_t threshold = PythonRandom::random_threshold(p);
  const int64_t pairs = n * (n - 1) / 2;
  // Draws are tested a block at a time into a bit set (bit q: draw q < p):
  // kBlockDraws, 13 of the generator's blocks of 312 draws, so that a stream
  // starting at a block boundary (a seeded one) is drawn block by block
  // straight from its state (PythonRandom::below_bits).
  constexpr int64_t kBlockWords = 64;
  constexpr int64_t kBlockDraws = 13 * (PythonRandom::kStateWords / 2);
  static_assert(kBlockDraws <= 64 * kBlockWords);
  uint64_t below[kBlockWords + 1];
  if constexpr (std::is_same_v<Adj, SmallAdjacency>) {
    // At most 2016 pairs, one block: row u's pairs (u, u+1..n-1) are the
    // n-1-u bits from offset u(2n-u-1)/2, cut out a word at a time.
    static_assert(64 * 63 / 2 <= 64 * kBlockWords);
    rng.below_bits(threshold, pairs, below);
    below[(pairs + 63) / 64] = 0;  // the word past the last, read by the last rows
    uint64_t upper[64];
    for (int64_t u = 0; u < n; ++u) {
      const int64_t offset = u * (2 * n - u - 1) / 2, shift = offset & 63;
      uint64_t field = below[offset >> 6] >> shift;
      if (shift) field |= below[(offset >> 6) + 1] << (64 - shift);
      const int64_t len = n - 1 - u;  // <= 63
      upper[u] = len ? (field & ((1ULL << len) - 1)) << (u + 1) : 0;
    }
    adj.assign_upper(static_cast<int>(n), upper);
    return;
  }
  if (n > kDirectPairNodes || p >= kDirectPairMaxP) {
    // Walk the set bits in order, moving (u, v) along.
    int64_t u = 0, v = 1, at = 0;  // (u, v) is the pair of draw `at`
    for (int64_t start = 0; start < pairs; start += kBlockDraws) {
      const int64_t draws = std::min<int64_t>(kBlockDraws, pairs - start);
      rng.below_bits(threshold, draws, below);
      for (int64_t w = 0; w * 64 < draws; ++w) {
        for (uint64_t bits = below[w]; bits; bits &= bits - 1) {
          const int64_t q = start + 64 * w + __builtin_ctzll(bits);
          for (v += q - at, at = q; v >= n && u < n - 1;) v += 2 + u++ - n;  // next row: v = u + 1 + overflow
          adj.add_edge(static_cast<node_t>(u), static_cast<node_t>(v));
        }
      }
    }
    return;
  }
  // Sparse draws: each hit's pair comes straight from its draw index, so no
  // branch depends on where the hits fall (walking the rows mispredicted
  // about once per edge: most of the time G(n, p) spent outside the draws).
  const PairOfIndex pair_of(n);
  uint32_t hits[64 * kBlockWords];
  for (int64_t start = 0; start < pairs; start += kBlockDraws) {
    const int64_t draws = std::min<int64_t>(kBlockDraws, pairs - start);
    rng.below_bits(threshold, draws, below);
    const int64_t count = sparse_bit_positions(below, (draws + 63) / 64, hits);
    for (int64_t h = 0; h < count; ++h) {
      const auto [u, v] = pair_of(start + hits[h]);
      adj.add_edge(static_cast<node_t>(u), static_cast<node_t>(v));
    }
  }
}

template <class Adj>
void gnm(Adj& adj, PythonRandom& rng, int64_t n, int64_t m) {
  if (n == 1) {
    adj.reset(n);
    return;
  }
  if (static_cast<double>(m) >= static_cast<double>(n) * static_cast<double>(n - 1) / 2.0) {
    complete(adj, n);
    return;
  }
  adj.reset(n);
  int64_t count = 0;
  while (count < m) {
    const auto u = static_cast<node_t>(rng.randbelow(static_cast<uint64_t>(n)));
    const auto v = static_cast<node_t>(rng.randbelow(static_cast<uint64_t>(n)));
    if (u == v || adj.has_edge(u, v)) continue;
    adj.add_edge(u, v);
    ++count;
  }
}

// networkx.dense_gnm_random_graph (Knuth's Algorithm S over the pairs).
template <class Adj>
void dense_gnm(Adj& adj, PythonRandom& rng, int64_t n, int64_t m) {
  const int64_t mmax = n * (n - 1) / 2;
  if (m >= mmax) {
    complete(adj, n);
    return;
  }
  adj.reset(n);
  // networkx raises ValueError (randrange of an empty range) for m == 0;
  // the only graph with zero edges is the empty one.
  if (n == 1 || m == 0) return;
  int64_t u = 0, v = 1, t = 0, k = 0;
  while (true) {
    if (static_cast<int64_t>(rng.randbelow(static_cast<uint64_t>(mmax - t))) < m - k) {
      adj.add_edge(static_cast<node_t>(u), static_cast<node_t>(v));
      if (++k == m) return;
    }
    ++t;
    if (++v == n) {
      ++u;
      v = u + 1;
    }
  }
}

template <class Adj>
void barabasi_albert(Adj& adj, PythonRandom& rng, GeneratorScratch& scratch, int64_t n, int64_t m) {
  adj.reset(n);
  // Start from star_graph(m): hub 0 joined to 1..m.
  for (int64_t i = 1; i <= m; ++i) adj.add_edge(0, static_cast<node_t>(i));
  auto& repeated = scratch.repeated_nodes;
  repeated.clear();
  repeated.reserve(static_cast<size_t>(2 * m * n));
  repeated.insert(repeated.end(), static_cast<size_t>(m), 0);  // hub, degree m
  for (int64_t i = 1; i <= m; ++i) repeated.push_back(i);       // leaves, degree 1
  auto& targets = scratch.targets;
  for (int64_t source = m + 1; source < n; ++source) {
    targets.clear();
    while (targets.size() < m)
      targets.add(repeated[rng.randbelow(static_cast<uint64_t>(repeated.size()))]);
    targets.for_each([&](int64_t t) {
      adj.add_edge(static_cast<node_t>(source), static_cast<node_t>(t));
      repeated.push_back(t);
    });
    repeated.insert(repeated.end(), static_cast<size_t>(m), source);
  }
}

template <class Adj>
void hkn_harary(Adj& adj, int64_t k, int64_t n) {
  adj.reset(n);
  if (k == 1) {  // path graph
    for (int64_t i = 0; i + 1 < n; ++i) adj.add_edge(static_cast<node_t>(i), static_cast<node_t>(i + 1));
    return;
  }
  circulant(adj, n, k / 2);
  const int64_t half = n / 2;
  if (k % 2 == 0 || n % 2 == 0) {
    if (k % 2 == 1)
      for (int64_t i = 0; i < half; ++i) add_if_absent(adj, i, i + half);
  } else {
    for (int64_t i = 0; i <= half; ++i) add_if_absent(adj, i, (i + half) % n);
  }
}

template <class Adj>
void hnm_harary(Adj& adj, int64_t n, int64_t m) {
  adj.reset(n);
  const int64_t d = 2 * m / n;
  const int64_t offset = d / 2;
  circulant(adj, n, offset);
  const int64_t half = n / 2;
  if (n % 2 == 0 || d % 2 == 0) {
    if (d % 2 == 1)
      for (int64_t i = 0; i < half; ++i) add_if_absent(adj, i, i + half);
    const int64_t r = 2 * m % n;
    for (int64_t i = 0; i < r / 2; ++i) {
      if (i + offset + 1 >= n) throw std::logic_error("hnm_harary: chord leaves the node range");
      add_if_absent(adj, i, i + offset + 1);
    }
  } else {
    for (int64_t i = 0; i < m - n * offset; ++i) add_if_absent(adj, i, (i + half) % n);
  }
}

}  // namespace kernels

// Builds graph `params` of generator `g` into `adj`, drawing from `rng`,
// which must be seeded with params.seed (see SeededGroup; deterministic
// generators ignore it).
template <class Adj>
void build_graph(Generator g, const GeneratorParams& params, PythonRandom& rng, Adj& adj,
                 GeneratorScratch& scratch) {
  const int64_t n = params.n;
  switch (g) {
    case Generator::kWsFlex:
      kernels::ws_flex_once(adj, rng, n, params.a, params.b);
      return;
    case Generator::kConnectedWsFlex:
      kernels::retry_until_connected(adj, scratch, g, params, [&] {
        kernels::ws_flex_once(adj, rng, n, params.a, params.b);
      });
      return;
    case Generator::kWattsStrogatz:
      kernels::watts_strogatz_once(adj, rng, n, static_cast<int64_t>(params.a), params.b);
      return;
    case Generator::kConnectedWattsStrogatz:
      kernels::retry_until_connected(adj, scratch, g, params, [&] {
        kernels::watts_strogatz_once(adj, rng, n, static_cast<int64_t>(params.a), params.b);
      });
      return;
    case Generator::kGnp:
      kernels::gnp(adj, rng, n, params.a);
      return;
    case Generator::kGnm:
      kernels::gnm(adj, rng, n, static_cast<int64_t>(params.a));
      return;
    case Generator::kDenseGnm:
      kernels::dense_gnm(adj, rng, n, static_cast<int64_t>(params.a));
      return;
    case Generator::kBarabasiAlbert:
      kernels::barabasi_albert(adj, rng, scratch, n, static_cast<int64_t>(params.a));
      return;
    case Generator::kHknHarary:
      kernels::hkn_harary(adj, static_cast<int64_t>(params.a), n);
      return;
    case Generator::kHnmHarary:
      kernels::hnm_harary(adj, n, static_cast<int64_t>(params.a));
      return;
    case Generator::kRingLattice: {
      const auto k = static_cast<int64_t>(params.a);
      if (k == n) {
        kernels::complete(adj, n);
      } else {
        adj.reset(n);
        kernels::circulant(adj, n, k / 2);
      }
      return;
    }
    case Generator::kComplete:
      kernels::complete(adj, n);
      return;
  }
  throw std::invalid_argument("unknown generator");
}

// Generators that add their edges in ascending order and never ask the
// adjacency anything: their edge lists are built as lists (EdgeListAdjacency).
inline bool adds_edges_in_order(Generator g) { return g == Generator::kGnp || g == Generator::kDenseGnm; }

// build_graph for a generator of adds_edges_in_order.
inline void build_edge_list(Generator g, const GeneratorParams& params, PythonRandom& rng, EdgeListAdjacency& list) {
  if (g == Generator::kGnp) {
    kernels::gnp(list, rng, params.n, params.a);
  } else if (g == Generator::kDenseGnm) {
    kernels::dense_gnm(list, rng, params.n, static_cast<int64_t>(params.a));
  } else {
    throw std::logic_error("build_edge_list: the generator does not add its edges in order");
  }
}

inline bool uses_seed(Generator g) {
  return g != Generator::kHknHarary && g != Generator::kHnmHarary && g != Generator::kRingLattice &&
         g != Generator::kComplete;
}

// The seeded random streams of a group of consecutive graphs of a batch,
// seeded together (PythonRandom::seed_many): workers walk their chunk in
// groups of kSize graphs.
struct SeededGroup {
  static constexpr int64_t kSize = 32;  // PythonRandom::seed_many seeds 32 at once
  PythonRandom streams[kSize];

  // Seeds the streams of graphs [begin, end) (end - begin <= kSize).
  void seed(Generator g, const GeneratorBatchParams& params, int64_t begin, int64_t end) {
    if (!uses_seed(g)) return;
    uint64_t seeds[kSize];
    for (int64_t i = begin; i < end; ++i) seeds[i - begin] = params.seed ? params.seed[i] : 0;
    PythonRandom::seed_many(seeds, end - begin, streams);
  }
};

// What a thread needs to build graphs, kept between batches. Reached through
// generator_worker() (defined out of line in generators.cpp): GCC re-derives
// the address of a thread_local at each use in a loop, which in a shared
// library is a __tls_get_addr call; a returned reference is computed once.
struct GeneratorWorker {
  SmallAdjacency small;
  BitsetAdjacency bits;
  HashAdjacency hashed;
  EdgeListAdjacency listed;
  GeneratorScratch scratch;
  SeededGroup group;
};

GeneratorWorker& generator_worker();

}  // namespace relsparse::graph
