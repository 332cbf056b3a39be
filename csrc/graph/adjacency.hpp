// Mutable adjacency structures used while a generator builds a graph.
//
// Generators need O(1) `has_edge`, `add_edge`, `remove_edge` and `degree`
// (WS rewiring asks them in its inner loop). Interchangeable policies:
//   * BitsetAdjacency: one bit row of ceil(n/64) words per node. Row u of a
//     64-node graph is a single word, which the n <= 64 measure kernels read
//     directly, so the design-space scan never materialises an edge list.
//   * HashAdjacency: a hash set of edges, for graphs too large for n^2 bits.
//   * SmallAdjacency: BitsetAdjacency's layout fixed at 64 nodes, on the stack
//     of the worker, for the design-space hot path.
//   * EdgeListAdjacency: only add_edge, in ascending order (G(n, p) and
//     dense G(n, m) when their edge list is all that is wanted).
// All enumerate edges as (u, v), u < v, in ascending order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <unordered_set>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "graph_types.hpp"

namespace relsparse::graph {

// Largest node count built with bit rows: 8192^2 bits = 8 MiB per thread.
constexpr int64_t kBitsetMaxNodes = 8192;

// The pair (u, v) as one 64-bit lane, u | v << 32: the layout of two node_t
// values (little endian), so eight pairs fill one vector.
inline uint64_t pair_lane(node_t u, int64_t v) {
  return static_cast<uint32_t>(u) | (static_cast<uint64_t>(v) << 32);
}

// Writes the node pairs (u, v0 + j), for every set bit j of `bits` in
// increasing order, to out[0], out[1], ..., where start = pair_lane(u, v0);
// returns how many. Pairs are stored under a mask, so nothing is written
// past the last one.
//   * AVX-512 VBMI2: the positions of the set bits, as bytes, are compressed
//     to the bottom of one vector (vpcompressb), eight at a time widened to
//     pairs. No branch depends on the data for words of up to 8 bits (nearly
//     every word of a sparse graph): a word costs the same whether it holds
//     0, 1 or 8 edges.
//   * AVX-512F: a byte of `bits` at a time, its pairs compressed into
//     consecutive lanes (a loop over the non-zero bytes).
inline int64_t write_pairs(uint64_t start, uint64_t bits, node_t* out) {
#if defined(__AVX512VBMI2__) && defined(__AVX512VBMI__) && defined(__BMI2__)
  const __m512i byte_index = _mm512_set_epi8(
      63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37,
      36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const int count = __builtin_popcountll(bits);
  const __m512i positions = _mm512_maskz_compress_epi8(bits, byte_index);
  const __m512i first = _mm512_set1_epi64(static_cast<long long>(start));
  // Pairs done..done+7: byte done + j of `positions` moved to the bottom of
  // 64-bit lane j (vpermb, other bytes zeroed), shifted up to the v half
  // (GCC vector operators: _mm512_slli_epi64 trips GCC 12's
  // -Wmaybe-uninitialized inside its own header).
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  int done = 0;
  do {
    const __m512i v = _mm512_maskz_permutexvar_epi8(0x0101010101010101ULL, _mm512_add_epi64(lane, _mm512_set1_epi64(done)),
                                                    positions);
    _mm512_mask_storeu_epi64(out + 2 * done, static_cast<__mmask8>(_bzhi_u32(0xFFU, count - done)),
                             first + (v << 32));
    done += 8;
  } while (done < count);
  return count;
#elif defined(__AVX512F__)
  if (!bits) return 0;
  int64_t count = 0;
  const int skip = __builtin_ctzll(bits) & ~7;  // whole zero bytes below the first bit
  bits >>= skip;
  __m512i pairs = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(start + (static_cast<uint64_t>(skip) << 32))),
                                   _mm512_slli_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), 32));
  const __m512i step = _mm512_set1_epi64(8LL << 32);
  do {
    const auto byte = static_cast<__mmask8>(bits);
    const int k = __builtin_popcount(byte);
    _mm512_mask_storeu_epi64(out + 2 * count, static_cast<__mmask8>((1U << k) - 1),
                             _mm512_maskz_compress_epi64(byte, pairs));
    count += k;
    bits >>= 8;
    pairs = _mm512_add_epi64(pairs, step);
  } while (bits);
  return count;
#else
  const auto u = static_cast<node_t>(static_cast<uint32_t>(start));
  const auto v0 = static_cast<int64_t>(start >> 32);
  int64_t count = 0;
  for (; bits; bits &= bits - 1, ++count) {
    out[2 * count] = u;
    out[2 * count + 1] = static_cast<node_t>(v0 + __builtin_ctzll(bits));
  }
  return count;
#endif
}

// write_pairs for the pairs (u, first_column + j).
inline int64_t write_row_pairs(node_t u, int64_t first_column, uint64_t bits, node_t* out) {
  return write_pairs(pair_lane(u, first_column), bits, out);
}

class BitsetAdjacency {
 public:
  // Rows of up to 32 words (n <= 2048) are wiped with one memset and their
  // non-zero words found by reading the row. Longer rows keep a mask of the
  // words that edges touched, so that reset, edge listing and the
  // connectivity test cost O(edges), not O(n^2 / 64): a sparse 8192-node
  // graph sets a few thousand of its million words.
  void reset(int64_t n) {
    if (n != n_ || bits_.size() != static_cast<size_t>(n * ((n + 63) / 64))) {
      n_ = n;
      words_ = (n + 63) / 64;
      marked_ = words_ > kShortRowWords;
      summary_words_ = marked_ ? (words_ + 63) / 64 : 0;
      bits_.assign(static_cast<size_t>(n * words_), 0);
      touched_.assign(static_cast<size_t>(n * summary_words_), 0);
    } else if (!marked_) {
      std::fill(bits_.begin(), bits_.end(), 0);
    } else {
      for (int64_t u = 0; u < n_; ++u)
        for_each_touched_word(static_cast<node_t>(u), 0, [&](int64_t w) { bits_[u * words_ + w] = 0; });
      std::fill(touched_.begin(), touched_.end(), 0);
    }
    degree_.assign(static_cast<size_t>(n), 0);
    num_edges_ = 0;
  }

  int64_t num_nodes() const { return n_; }
  int64_t num_edges() const { return num_edges_; }
  int64_t words_per_row() const { return words_; }
  int64_t degree(node_t u) const { return degree_[u]; }
  const uint64_t* row(node_t u) const { return bits_.data() + u * words_; }

  bool has_edge(node_t u, node_t v) const {
    return (row(u)[v >> 6] >> (v & 63)) & 1U;
  }

  // Precondition: u != v and {u, v} absent.
  void add_edge(node_t u, node_t v) {
    flip(u, v);
    flip(v, u);
    ++degree_[u];
    ++degree_[v];
    ++num_edges_;
  }

  // Precondition: {u, v} present.
  void remove_edge(node_t u, node_t v) {
    flip(u, v);
    flip(v, u);
    --degree_[u];
    --degree_[v];
    --num_edges_;
  }

  // On an empty graph: the ring edges {i, (i + t) mod n}, t = 1..count(i),
  // count(i) = base + (i < extra) (a circulant graph when extra = 0), set a
  // row at a time. Row u holds the backward run u-base..u-1, u-base-1 when
  // that node has base + 1 edges, and the forward run u+1..u+count(u). Returns
  // false, adding nothing, when some edge would come twice (2 * max count >= n):
  // callers then add the edges one by one.
  bool add_ring(int64_t base, int64_t extra) {
    const int64_t longest = base + (extra > 0 ? 1 : 0);
    if (num_edges_ != 0 || 2 * longest >= n_ || extra >= n_) return false;
    // Row u's neighbours lie in the window of 2 * base + 3 columns from
    // u-base-1. Where it fits in a word and does not wrap around column 0,
    // the row is one shifted 64-bit pattern; elsewhere it is set run by run.
    const int64_t width = 2 * base + 3;
    const bool windowed = width <= 64;
    for (int64_t u = 0; u < n_; ++u) {
      const int64_t forward = base + (u < extra ? 1 : 0);
      int64_t w = u - base - 1;
      if (w < 0) w += n_;
      const bool longer = w < extra;
      degree_[u] = forward + base + (longer ? 1 : 0);
      const int64_t start = u - base - 1;
      if (windowed && start >= 0 && start + width <= n_) {
        const uint64_t pattern = (longer ? 1ULL : 0ULL) | (((1ULL << base) - 1) << 1) |
                                 (((1ULL << forward) - 1) << (base + 2));
        set_pattern(u, start, pattern, width);
        continue;
      }
      set_run(u, u + 1, forward);
      set_run(u, u - base, base);
      if (longer) set_run(u, w, 1);
    }
    num_edges_ = n_ * base + extra;
    return true;
  }

  template <class F>
  void for_each_edge(F&& f) const {
    for (int64_t u = 0; u < n_; ++u) {
      const uint64_t* r = row(static_cast<node_t>(u));
      // Only columns v > u: start at the word holding u + 1.
      const int64_t first = (u + 1) >> 6;
      for_each_touched_word(static_cast<node_t>(u), first, [&](int64_t w) {
        uint64_t bits = r[w];
        if (w == first) bits &= ~0ULL << ((u + 1) & 63);
        while (bits) {
          const int64_t v = (w << 6) + __builtin_ctzll(bits);
          bits &= bits - 1;
          f(static_cast<node_t>(u), static_cast<node_t>(v));
        }
      });
    }
  }

  // The edges as node pairs (u, v), u < v, ascending, written to out (2 *
  // num_edges() values); returns how many were written.
  int64_t write_edges(node_t* out) const {
#if defined(__AVX512F__)
    if (!marked_) return write_short_row_edges(out);
#endif
    int64_t count = 0;
    for (int64_t u = 0; u < n_; ++u) {
      const auto uu = static_cast<node_t>(u);
      const uint64_t* r = row(uu);
      const int64_t first = (u + 1) >> 6;
      if (first >= words_) break;  // the last row has no column above u
      count += write_row_pairs(uu, first << 6, r[first] & (~0ULL << ((u + 1) & 63)), out + 2 * count);
      for_each_touched_word(uu, first + 1, [&](int64_t w) {
        count += write_row_pairs(uu, w << 6, r[w], out + 2 * count);
      });
    }
    return count;
  }

  // Breadth-first reachability from node 0 over bit rows.
  bool is_connected(std::vector<uint64_t>& scratch) const {
    if (n_ <= 1) return true;
    scratch.assign(static_cast<size_t>(2 * words_), 0);
    uint64_t* seen = scratch.data();
    if (!marked_) {
      // Short rows: a level at a time, ORing whole rows (a few vector
      // operations each) instead of visiting their non-zero words.
      uint64_t* frontier = seen + words_;
      seen[0] = frontier[0] = 1;
      int64_t reached = 1;
      for (int64_t found = 1; found;) {
        uint64_t next[kShortRowWords] = {};
        for (int64_t w = 0; w < words_; ++w)
          for (uint64_t bits = frontier[w]; bits; bits &= bits - 1) {
            const uint64_t* r = row(static_cast<node_t>((w << 6) + __builtin_ctzll(bits)));
            for (int64_t x = 0; x < words_; ++x) next[x] |= r[x];
          }
        found = 0;
        for (int64_t x = 0; x < words_; ++x) {
          frontier[x] = next[x] & ~seen[x];
          seen[x] |= next[x];
          found += __builtin_popcountll(frontier[x]);
        }
        reached += found;
      }
      return reached == n_;
    }
    std::vector<node_t> queue;
    queue.reserve(static_cast<size_t>(n_));
    seen[0] = 1;
    queue.push_back(0);
    for (size_t head = 0; head < queue.size(); ++head) {
      const node_t u = queue[head];
      const uint64_t* r = row(u);
      for_each_touched_word(u, 0, [&](int64_t w) {
        uint64_t fresh = r[w] & ~seen[w];
        seen[w] |= fresh;
        while (fresh) {
          queue.push_back(static_cast<node_t>((w << 6) + __builtin_ctzll(fresh)));
          fresh &= fresh - 1;
        }
      });
    }
    return static_cast<int64_t>(queue.size()) == n_;
  }

 private:
  static constexpr int64_t kShortRowWords = 32;

  void flip(node_t a, node_t b) {
    const int64_t w = b >> 6;
    bits_[a * words_ + w] ^= 1ULL << (b & 63);
    mark(a, w);
  }

  void mark(int64_t u, int64_t w) {
    if (marked_) touched_[u * summary_words_ + (w >> 6)] |= 1ULL << (w & 63);
  }

  // Sets columns start..start+len-1 (mod n) of row u; -n < start < 2n, len <= n.
  void set_run(int64_t u, int64_t start, int64_t len) {
    if (len <= 0) return;
    if (start < 0) start += n_;
    if (start >= n_) start -= n_;
    const int64_t first = std::min(len, n_ - start);
    set_columns(u, start, start + first);
    if (len > first) set_columns(u, 0, len - first);
  }

  // ORs `pattern` (at most 64 bits wide, nothing above bit width - 1) into
  // row u from column `start`; start + width <= n.
  void set_pattern(int64_t u, int64_t start, uint64_t pattern, int64_t width) {
    uint64_t* r = bits_.data() + u * words_;
    const int64_t w = start >> 6, shift = start & 63;
    r[w] |= pattern << shift;
    mark(u, w);
    if (shift + width > 64) {
      r[w + 1] |= pattern >> (64 - shift);
      mark(u, w + 1);
    }
  }

  // Sets columns [lo, hi) of row u, a word at a time.
  void set_columns(int64_t u, int64_t lo, int64_t hi) {
    uint64_t* r = bits_.data() + u * words_;
    const int first = static_cast<int>(lo >> 6), last = static_cast<int>((hi - 1) >> 6);  // < 128 words
    for (int w = first; w <= last; ++w) {
      uint64_t m = ~0ULL;
      if (w == first) m &= ~0ULL << (lo & 63);
      if (w == last) m &= ~0ULL >> (63 - ((hi - 1) & 63));
      r[w] |= m;
      mark(u, w);
    }
  }

  // Calls f(w), in increasing order, for the words w >= first of row u that
  // may be non-zero: short rows' non-zero words, long rows' words that an edge
  // touched since the last reset (a superset of the non-zero ones: removing an
  // edge leaves its word marked).
  template <class F>
  void for_each_touched_word(node_t u, int64_t first, F&& f) const {
    if (!marked_) {
      for (uint64_t m = nonzero_words(row(u)) & (~0ULL << first); m; m &= m - 1) f(__builtin_ctzll(m));
      return;
    }
    const uint64_t* marks = touched_.data() + u * summary_words_;
    for (int64_t s = first >> 6; s < summary_words_; ++s) {
      uint64_t m = marks[s];
      if (s == (first >> 6)) m &= ~0ULL << (first & 63);
      for (; m; m &= m - 1) f((s << 6) + __builtin_ctzll(m));
    }
  }

#if defined(__AVX512F__)
  // write_edges for short rows, in two passes with no branch on the data:
  //   1. the non-zero words of the upper triangle (row u from column u + 1),
  //      eight words at a time, compressed into a list of (bits, first pair);
  //   2. every listed word's pairs written (write_pairs).
  // Visiting only the non-zero words of each row directly (a loop over a
  // mask) mispredicts about once per row and per eight words when the edges
  // are random, as in rewired WS or G(n, p): at n = 1024 that took 14 us of a
  // 51 us graph, the two passes 7 us. (Ring lattices, whose rows repeat one
  // pattern, lose about 1.5 us.)
  int64_t write_short_row_edges(node_t* out) const {
    const size_t capacity = static_cast<size_t>(n_ * words_ + 8);  // + 8: whole-vector stores past the end
    if (listed_bits_.size() < capacity) {
      listed_bits_.resize(capacity);
      listed_starts_.resize(capacity);
    }
    uint64_t* bits = listed_bits_.data();
    uint64_t* starts = listed_starts_.data();
    int64_t listed = 0;
    const __m512i word = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    for (int64_t u = 0; u < n_; ++u) {
      const uint64_t* r = row(static_cast<node_t>(u));
      // The word holding column u + 1 keeps only its columns > u.
      __m512i keep = _mm512_mask_set1_epi64(_mm512_set1_epi64(-1), 1, static_cast<long long>(~0ULL << ((u + 1) & 63)));
      for (int64_t w = (u + 1) >> 6; w < words_; w += 8) {
        const auto valid = static_cast<__mmask8>(words_ - w >= 8 ? 0xFF : (1U << (words_ - w)) - 1);
        const __m512i v = _mm512_and_si512(_mm512_maskz_loadu_epi64(valid, r + w), keep);
        keep = _mm512_set1_epi64(-1);
        const __mmask8 nonzero = _mm512_test_epi64_mask(v, v);
        // pair_lane(u, 64 * (w + j)) for lane j.
        const __m512i first = _mm512_set1_epi64(u) + ((word + _mm512_set1_epi64(w)) << 38);
        _mm512_storeu_si512(bits + listed, _mm512_maskz_compress_epi64(nonzero, v));
        _mm512_storeu_si512(starts + listed, _mm512_maskz_compress_epi64(nonzero, first));
        listed += __builtin_popcount(nonzero);
      }
    }
    int64_t count = 0;
    for (int64_t i = 0; i < listed; ++i) count += write_pairs(starts[i], bits[i], out + 2 * count);
    return count;
  }
#endif

  // Bit w set when word w of a short row is non-zero.
  uint64_t nonzero_words(const uint64_t* r) const {
    uint64_t m = 0;
#if defined(__AVX512F__)
    for (int64_t w = 0; w < words_; w += 8) {
      const __mmask8 valid = static_cast<__mmask8>(words_ - w >= 8 ? 0xFF : (1U << (words_ - w)) - 1);
      const __m512i v = _mm512_maskz_loadu_epi64(valid, r + w);
      m |= static_cast<uint64_t>(_mm512_test_epi64_mask(v, v)) << w;
    }
#else
    for (int64_t w = 0; w < words_; ++w) m |= static_cast<uint64_t>(r[w] != 0) << w;
#endif
    return m;
  }

  int64_t n_ = 0;
  int64_t words_ = 0;
  int64_t summary_words_ = 0;
  int64_t num_edges_ = 0;
  std::vector<uint64_t> bits_;
  bool marked_ = false;             // rows longer than kShortRowWords words
  std::vector<uint64_t> touched_;  // long rows: per row, bit w: word w of the row was touched
  std::vector<int64_t> degree_;
  // write_short_row_edges' list of non-zero words (scratch, kept between graphs).
  mutable std::vector<uint64_t> listed_bits_, listed_starts_;
};

class SmallAdjacency {
 public:
  static constexpr int64_t kMaxNodes = 64;

  void reset(int64_t n) {
    n_ = static_cast<int>(n);
    num_edges_ = 0;
    for (int v = 0; v < 64; ++v) rows_[v] = 0;
    for (int v = 0; v < 64; ++v) degree_[v] = 0;
  }

  int64_t num_nodes() const { return n_; }
  int64_t num_edges() const { return num_edges_; }
  int64_t degree(node_t u) const { return degree_[u]; }
  const uint64_t* row(node_t u) const { return rows_ + u; }
  bool has_edge(node_t u, node_t v) const { return (rows_[u] >> v) & 1U; }

  void add_edge(node_t u, node_t v) {
    rows_[u] ^= 1ULL << v;
    rows_[v] ^= 1ULL << u;
    ++degree_[u];
    ++degree_[v];
    ++num_edges_;
  }

  void remove_edge(node_t u, node_t v) {
    rows_[u] ^= 1ULL << v;
    rows_[v] ^= 1ULL << u;
    --degree_[u];
    --degree_[v];
    --num_edges_;
  }

  // Replaces the graph by the n-node graph whose edges {u, v}, u < v, are the
  // bits v of upper[u] (no bits at or below u).
  void assign_upper(int n, const uint64_t* upper) {
    n_ = n;
    for (int u = 0; u < 64; ++u) rows_[u] = u < n ? upper[u] : 0;
    for (int u = 0; u < n; ++u)  // mirror: bit u of every later neighbour's row
      for (uint64_t bits = upper[u]; bits; bits &= bits - 1) rows_[__builtin_ctzll(bits)] |= 1ULL << u;
    num_edges_ = 0;
    for (int u = 0; u < 64; ++u) {
      degree_[u] = __builtin_popcountll(rows_[u]);
      num_edges_ += u < n ? __builtin_popcountll(upper[u]) : 0;
    }
  }

  // On an empty graph: edges {i, (i + j) mod n} for j = 1..offsets, a whole
  // row at a time (duplicates collapse, as in kernels::circulant).
  void add_circulant(int64_t offsets) {
    if (n_ < 2 || offsets <= 0) return;
    const uint64_t all = n_ == 64 ? ~0ULL : ((1ULL << n_) - 1);
    // Neighbours of node 0: 1..offsets and n - offsets..n - 1 (mod n).
    uint64_t ring = 0;
    for (int64_t j = 1; j <= offsets; ++j) ring |= (1ULL << (j % n_)) | (1ULL << ((n_ - j % n_) % n_));
    ring &= all & ~1ULL;
    int64_t degree_sum = 0;
    for (int u = 0; u < n_; ++u) {  // row u is row 0 rotated by u within n bits
      rows_[u] = u == 0 ? ring : ((ring << u) | (ring >> (n_ - u))) & all;
      degree_[u] = __builtin_popcountll(rows_[u]);
      degree_sum += degree_[u];
    }
    num_edges_ = degree_sum / 2;
  }

  template <class F>
  void for_each_edge(F&& f) const {
    for (int u = 0; u < n_; ++u)
      for (uint64_t bits = u == 63 ? 0 : rows_[u] & (~0ULL << (u + 1)); bits; bits &= bits - 1)
        f(static_cast<node_t>(u), static_cast<node_t>(__builtin_ctzll(bits)));
  }

  // As BitsetAdjacency::write_edges.
  int64_t write_edges(node_t* out) const {
    int64_t count = 0;
    for (int u = 0; u + 1 < n_; ++u)
      count += write_row_pairs(static_cast<node_t>(u), 0, rows_[u] & (~0ULL << (u + 1)), out + 2 * count);
    return count;
  }

  bool is_connected(std::vector<uint64_t>&) const {
    if (n_ <= 1) return true;
    uint64_t seen = 1, frontier = 1;
    while (frontier) {
      uint64_t next = 0;
      for (uint64_t f = frontier; f; f &= f - 1) next |= rows_[__builtin_ctzll(f)];
      frontier = next & ~seen;
      seen |= next;
    }
    return seen == (n_ == 64 ? ~0ULL : ((1ULL << n_) - 1));
  }

 private:
  int n_ = 0;
  int64_t num_edges_ = 0;
  uint64_t rows_[64];
  int32_t degree_[64];
};

// The edges of a generator that adds them in ascending order, (u, v) with
// u < v, as G(n, p) and dense G(n, m) do (they visit the pairs in that
// order): kept as a list, so building a graph needs no adjacency to clear
// (n^2 bits at n = 1024: 128 KB per graph) and listing it no scan of one.
// Only for generators that never ask has_edge or remove an edge.
class EdgeListAdjacency {
 public:
  void reset(int64_t n) {
    n_ = n;
    pairs_.clear();
  }

  int64_t num_nodes() const { return n_; }
  int64_t num_edges() const { return static_cast<int64_t>(pairs_.size()); }

  // Precondition: (u, v) comes after every edge added since reset, u < v.
  void add_edge(node_t u, node_t v) { pairs_.push_back(pair_lane(u, v)); }

  template <class F>
  void for_each_edge(F&& f) const {
    for (uint64_t e : pairs_) f(static_cast<node_t>(static_cast<uint32_t>(e)), static_cast<node_t>(e >> 32));
  }

  // As BitsetAdjacency::write_edges: the list is already in that layout.
  int64_t write_edges(node_t* out) const {
    if (!pairs_.empty()) std::memcpy(out, pairs_.data(), pairs_.size() * sizeof(uint64_t));
    return num_edges();
  }

 private:
  int64_t n_ = 0;
  std::vector<uint64_t> pairs_;  // pair_lane(u, v)
};


class HashAdjacency {
 public:
  void reset(int64_t n) {
    n_ = n;
    edges_.clear();
    degree_.assign(static_cast<size_t>(n), 0);
  }

  int64_t num_nodes() const { return n_; }
  int64_t num_edges() const { return static_cast<int64_t>(edges_.size()); }
  int64_t degree(node_t u) const { return degree_[u]; }
  bool has_edge(node_t u, node_t v) const { return edges_.count(key(u, v)) != 0; }

  void add_edge(node_t u, node_t v) {
    edges_.insert(key(u, v));
    ++degree_[u];
    ++degree_[v];
  }

  void remove_edge(node_t u, node_t v) {
    edges_.erase(key(u, v));
    --degree_[u];
    --degree_[v];
  }

  template <class F>
  void for_each_edge(F&& f) const {
    std::vector<uint64_t> sorted(edges_.begin(), edges_.end());
    std::sort(sorted.begin(), sorted.end());
    for (uint64_t e : sorted) f(static_cast<node_t>(e >> 32), static_cast<node_t>(e & 0xffffffffU));
  }

  bool is_connected(std::vector<uint64_t>&) const {
    if (n_ <= 1) return true;
    std::vector<node_t> parent(static_cast<size_t>(n_));
    for (int64_t i = 0; i < n_; ++i) parent[i] = static_cast<node_t>(i);
    auto find = [&](node_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    int64_t components = n_;
    for (uint64_t e : edges_) {
      const node_t a = find(static_cast<node_t>(e >> 32));
      const node_t b = find(static_cast<node_t>(e & 0xffffffffU));
      if (a != b) {
        parent[a] = b;
        --components;
      }
    }
    return components == 1;
  }

 private:
  static uint64_t key(node_t u, node_t v) {
    if (u > v) std::swap(u, v);
    return (static_cast<uint64_t>(u) << 32) | static_cast<uint32_t>(v);
  }

  int64_t n_ = 0;
  std::unordered_set<uint64_t> edges_;
  std::vector<int64_t> degree_;
};

}  // namespace relsparse::graph
