// Bit-exact reimplementation of CPython's `random.Random` stream.
//
// Why: networkx generators and the graph2nn WS-flex code draw from
// `random.Random(seed)`. Reproducing that stream bit for bit means a published
// (n, k, p, seed) gives the published graph, and our generators return the
// same edge sets as networkx for the same seed.
//
// What is reproduced (CPython 3.x, Modules/_randommodule.c and Lib/random.py):
//   * seeding from a non-negative integer: MT19937 `init_by_array` over the
//     integer's 32-bit words, least significant first (at least one word);
//   * genrand_uint32 (MT19937 tempering);
//   * random():        (a >> 5, b >> 6) from two 32-bit draws, 53-bit float;
//   * getrandbits(k):  k <= 64, words least significant first, the last word
//                      shifted right by (32 - remaining bits);
//   * _randbelow(n):   getrandbits(n.bit_length()) with rejection, which is
//                      what `choice`, `randrange(n)` and `sample` build on.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace relsparse::graph {

class PythonRandom {
 public:
  static constexpr int kStateWords = 624;

  // Equivalent to `random.Random(seed)` for 0 <= seed < 2**64.
  explicit PythonRandom(uint64_t seed);

  // out[s] = random.Random(seeds[s]) for s < count (any count). Seeding is
  // two dependent 624-step loops; seeds missing from the per-thread cache are
  // seeded 32 at a time in the lanes of two vectors, for about the cost of one.
  static void seed_many(const uint64_t* seeds, int64_t count, PythonRandom* out);

  PythonRandom() = default;

  uint32_t genrand_uint32() {
    if (index_ >= kStateWords) refill();
    return output_[index_++];
  }

  // random.random(): a float in [0, 1) with 53 random bits.
  double random() {
    const uint32_t a = genrand_uint32() >> 5;
    const uint32_t b = genrand_uint32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  // random.getrandbits(k) for 0 <= k <= 64.
  uint64_t getrandbits(int k) {
    if (k <= 0) return 0;
    if (k <= 32) return genrand_uint32() >> (32 - k);
    const uint64_t low = genrand_uint32();
    const uint64_t high = genrand_uint32() >> (64 - k);
    return low | (high << 32);
  }

  // random._randbelow(n) for n >= 1: uniform integer in [0, n).
  uint64_t randbelow(uint64_t n) {
    const int k = bit_length(n);
    uint64_t r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
  }

  // Repeats randbelow(n) until the result r has bit r set in `accept`, and
  // returns it. Requires 1 <= n <= 64 and accept != 0 with no bit >= n.
  // Consumes exactly the words of that loop: `randbelow` rejects draws >= n,
  // the caller's loop rejects draws outside `accept`, so together they take
  // the first getrandbits(bit_length(n)) draw inside `accept`. That search
  // runs over whole blocks of tempered words (vectorised where possible):
  // rewiring a nearly complete 64-node graph rejects ~100 draws per edge.
  uint32_t randbelow_in(uint64_t n, uint64_t accept) {
    // Most calls accept the first draw: test it inline, search blocks after.
    if (index_ < kStateWords) {
      const uint32_t r = output_[index_] >> (32 - bit_length(n));
      if (r < 64 && ((accept >> r) & 1U)) {
        ++index_;
        return r;
      }
    }
    return search_in(n, accept);
  }

  // random() < p  <=>  x < random_threshold(p), where random() = x / 2**53
  // for the 53-bit integer x built from two words (p * 2**53 is exact).
  static uint64_t random_threshold(double p) {
    return static_cast<uint64_t>(std::ceil(p * 9007199254740992.0));
  }

  // Draws random() up to `max_draws` times and stops at the first draw below
  // p (given as random_threshold(p)). Returns how many draws were not below;
  // if that is < max_draws, the draw after them was below p and is consumed
  // too. Equivalent to `for ...: if random() < p: break`, but tests eight
  // draws at a time: with p = 0.1 an edge is rewired only every ten draws.
  int64_t skip_not_below(uint64_t threshold, int64_t max_draws);

  // Draws random() `draws` times and sets bit q of bits[q / 64] (from bit
  // 0 of bits[0]) if draw q was below p (given as random_threshold(p)).
  // Writes ceil(draws / 64) words; bits past the last draw are 0. Tests
  // eight draws per vector: G(n, p) draws once for each of n(n-1)/2 pairs.
  void below_bits(uint64_t threshold, int64_t draws, uint64_t* bits);

  static int bit_length(uint64_t n) { return n ? 64 - __builtin_clzll(n) : 0; }

 private:
  static constexpr int kSeedBatch = 32;  // two vectors of 16 lanes (see init_by_array_lanes)
  // Seeds *out[s] with seeds[s], s < count <= kSeedBatch, bypassing the cache.
  static void seed_batch(const uint64_t* seeds, int count, PythonRandom* const* out);
  bool from_cache(uint64_t seed);
  void store_in_cache(uint64_t seed) const;
  uint32_t search_in(uint64_t n, uint64_t accept);
  // Twists the state and tempers the next kStateWords outputs into output_.
  void refill();
  // MT19937's twist: the state of the next block of kStateWords outputs.
  void twist();
  // below_bits for the kStateWords / 2 draws of the next block (index_ ==
  // kStateWords on entry), into bits q, q + 1, ...; the block is consumed.
  void below_bits_block(uint64_t threshold, uint64_t* bits, int64_t q);

  friend class RewireDraws;

  std::array<uint32_t, kStateWords> state_;
  // Tempered outputs; the padding lets vector loads run past the last one.
  std::array<uint32_t, kStateWords + 16> output_{};
  int index_ = kStateWords;
  uint64_t refills_ = 0;  // blocks tempered so far (tells RewireDraws its masks are stale)
};

// The draws of a Watts–Strogatz rewiring pass over more than 64 nodes, read
// from bit masks over the current block of 624 tempered words:
//   * pair_below bit i: the draw random() made of words i and i + 1 is below p;
//   * word_fits bit i: getrandbits(bit_length(n)) from word i is below n.
// Both consume exactly the words of the scalar loops they replace. What the masks save is latency: each
// rewired edge starts where the draws of the previous one ended, so the pass
// is a chain of "find the next accepted draw" steps, and a mask word answers
// one with a load and a bit scan, where testing the words takes a vector
// load, shifts, compares and a mask move (2x faster per rewired edge).
class RewireDraws {
 public:
  // threshold: PythonRandom::random_threshold(p); 2 <= n < 2**32.
  RewireDraws(PythonRandom& rng, uint64_t threshold, uint64_t n);

  // As PythonRandom::skip_not_below.
  int64_t skip_not_below(int64_t max_draws);

  // Repeats randbelow(n) until the result differs from `except` and returns
  // it, consuming exactly the words of that loop (one per draw, as
  // bit_length(n) <= 32). With n = 1024, getrandbits(11) rejects half its
  // draws: a loop would mispredict on every other one, the mask does not.
  uint32_t randbelow_except(uint32_t except);

 private:
  static constexpr int kN = PythonRandom::kStateWords;
  static constexpr int kMaskWords = (kN + 63) / 64;

  // Recomputes the masks if the generator has tempered a new block since.
  void update_masks();

  PythonRandom& rng_;
  uint64_t threshold_;
  uint32_t n_;
  int shift_;  // getrandbits(k) = word >> shift_
  uint64_t masks_for_ = 0;
  bool masks_valid_ = false;
  uint64_t pair_below_[kMaskWords];
  uint64_t word_fits_[kMaskWords];
};

}  // namespace relsparse::graph
