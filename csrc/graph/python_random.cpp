#include "python_random.hpp"

#include <algorithm>
#include <cstddef>

#if defined(__AVX2__) || defined(__AVX512F__)
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own
// _mm512_undefined_*() placeholders; the warning is not about this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif


namespace relsparse::graph {
namespace {

constexpr int kN = PythonRandom::kStateWords;
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;

inline uint32_t mix(uint32_t upper_from, uint32_t lower_from, uint32_t far) {
  const uint32_t y = (upper_from & kUpperMask) | (lower_from & kLowerMask);
  return far ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
}

// MT19937's tempering of a state word into an output (for any unsigned
// integer type or GCC vector of them).
template <class T>
inline T temper(T y) {
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

// Seeded states are memoised per thread: sweeps reuse a few seeds millions
// of times (the design space uses seeds 0..29). Direct-mapped on seed % slots.
constexpr size_t kCacheSlots = 1024;

struct CacheSlot {
  bool valid = false;
  uint64_t seed = 0;
  std::array<uint32_t, kN> state;
};

std::array<CacheSlot, kCacheSlots>& seed_cache() {
  thread_local std::array<CacheSlot, kCacheSlots> cache;
  return cache;
}

// MT19937 init_genrand(19650218): the same for every seed.
const std::array<uint32_t, kN>& genrand_19650218() {
  static const std::array<uint32_t, kN> table = [] {
    std::array<uint32_t, kN> mt{};
    mt[0] = 19650218U;
    for (int i = 1; i < kN; ++i) mt[i] = 1812433253U * (mt[i - 1] ^ (mt[i - 1] >> 30)) + static_cast<uint32_t>(i);
    return mt;
  }();
  return table;
}

}  // namespace

bool PythonRandom::from_cache(uint64_t seed) {
  const CacheSlot& slot = seed_cache()[seed % kCacheSlots];
  if (!slot.valid || slot.seed != seed) return false;
  state_ = slot.state;
  index_ = kN;
  return true;
}

void PythonRandom::store_in_cache(uint64_t seed) const {
  CacheSlot& slot = seed_cache()[seed % kCacheSlots];
  slot.valid = true;
  slot.seed = seed;
  slot.state = state_;
}

PythonRandom::PythonRandom(uint64_t seed) {
  PythonRandom* self = this;
  if (!from_cache(seed)) seed_batch(&seed, 1, &self);
}

void PythonRandom::seed_many(const uint64_t* seeds, int64_t count, PythonRandom* out) {
  uint64_t pending[kSeedBatch];
  PythonRandom* targets[kSeedBatch];
  int waiting = 0;
  for (int64_t s = 0; s < count; ++s) {
    if (out[s].from_cache(seeds[s])) continue;
    pending[waiting] = seeds[s];
    targets[waiting++] = out + s;
    if (waiting == kSeedBatch) {
      seed_batch(pending, waiting, targets);
      waiting = 0;
    }
  }
  if (waiting) seed_batch(pending, waiting, targets);
}

namespace {

// Sixteen 32-bit lanes: sixteen seeds being seeded, or sixteen draws' words.
typedef uint32_t Lanes __attribute__((vector_size(64)));

// dest[s][j] = rows[j][s] for s, j < 16: sixteen words of sixteen states.
inline void transpose_store(const Lanes* rows, uint32_t* const* dest) {
#if defined(__AVX512F__)
  // Interleave 32-bit, then 64-bit elements within 128-bit lanes, then move
  // 128-bit lanes: 64 shuffles for 256 words instead of 256 scalar moves.
  __m512i a[16], b[16];
  for (int k = 0; k < 8; ++k) {
    const auto x = reinterpret_cast<__m512i>(rows[2 * k]), y = reinterpret_cast<__m512i>(rows[2 * k + 1]);
    a[2 * k] = _mm512_unpacklo_epi32(x, y);
    a[2 * k + 1] = _mm512_unpackhi_epi32(x, y);
  }
  for (int k = 0; k < 4; ++k) {
    b[4 * k + 0] = _mm512_unpacklo_epi64(a[4 * k + 0], a[4 * k + 2]);
    b[4 * k + 1] = _mm512_unpackhi_epi64(a[4 * k + 0], a[4 * k + 2]);
    b[4 * k + 2] = _mm512_unpacklo_epi64(a[4 * k + 1], a[4 * k + 3]);
    b[4 * k + 3] = _mm512_unpackhi_epi64(a[4 * k + 1], a[4 * k + 3]);
  }
  // 128-bit lane L of b[4k + m] holds rows 4k..4k+3 of column 4L + m.
  for (int m = 0; m < 4; ++m) {
    const __m512i c0 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0x88), c1 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0xDD);
    const __m512i d0 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0x88);
    const __m512i d1 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0xDD);
    _mm512_storeu_si512(dest[m], _mm512_shuffle_i32x4(c0, d0, 0x88));
    _mm512_storeu_si512(dest[4 + m], _mm512_shuffle_i32x4(c1, d1, 0x88));
    _mm512_storeu_si512(dest[8 + m], _mm512_shuffle_i32x4(c0, d0, 0xDD));
    _mm512_storeu_si512(dest[12 + m], _mm512_shuffle_i32x4(c1, d1, 0xDD));
  }
#else
  for (int s = 0; s < 16; ++s)
    for (int j = 0; j < 16; ++j) dest[s][j] = rows[j][s];
#endif
}

// CPython's init_by_array over the seed's 32-bit words (least significant
// first, at least one word) for 16 * C seeds: state[16c + s] receives the
// seed in lane s of chain c (even[c], odd[c] hold what steps 0, 2, 4, ...
// and 1, 3, 5, ... add). With at most two key words the loop structure is
// the same for every seed: the first loop runs 624 steps from i = 1 and
// step t adds key[t % len] + t % len; the second runs 623 steps.
//
// Each loop is one dependency chain through the previous word (~7 cycles a
// step), so C chains advance side by side for about the cost of one. The
// first loop's steps 0..622 read the untouched init_genrand words (a
// broadcast, no table to fill); the second loop's words are the final state
// and go, sixteen steps at a time, straight into the states (transposed in
// registers) instead of a lane-major table transposed afterwards.
template <int C>
void init_by_array_lanes(const Lanes* even, const Lanes* odd, uint32_t* const* state) {
  // 40 KB per chain on the stack, not thread_local: in a shared library GCC
  // re-derives a thread_local's address (a __tls_get_addr call) per step.
  Lanes first[PythonRandom::kStateWords][C];  // the first loop's words
  const auto& base = genrand_19650218();
  Lanes prev[C];
  for (int c = 0; c < C; ++c) prev[c] = Lanes{} + base[0];
  for (int i = 1; i < kN; ++i)  // step t = i - 1
    for (int c = 0; c < C; ++c) {
      prev[c] = ((Lanes{} + base[i]) ^ ((prev[c] ^ (prev[c] >> 30)) * 1664525U)) + (((i - 1) & 1) ? odd[c] : even[c]);
      first[i][c] = prev[c];
    }
  // Step 623 wraps around to i = 1 (word 0 takes the previous step's value,
  // overwritten at the end, so it is not kept).
  for (int c = 0; c < C; ++c) {
    prev[c] = (first[1][c] ^ ((prev[c] ^ (prev[c] >> 30)) * 1664525U)) + odd[c];
    first[1][c] = prev[c];
  }
  // The second loop: words 2..623 in order, then (wrapping) word 1.
  Lanes block[C][16];
  for (int i = 2; i < kN; ++i) {
    for (int c = 0; c < C; ++c) {
      prev[c] = (first[i][c] ^ ((prev[c] ^ (prev[c] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
      block[c][(i - 2) & 15] = prev[c];
    }
    if (((i - 2) & 15) == 15) {
      for (int c = 0; c < C; ++c) {
        uint32_t* dest[16];
        for (int s = 0; s < 16; ++s) dest[s] = state[16 * c + s] + (i - 15);
        transpose_store(block[c], dest);
      }
    }
  }
  constexpr int kTail = 2 + (kN - 2) / 16 * 16;  // words kTail..623 are still in block
  for (int c = 0; c < C; ++c) {
    for (int s = 0; s < 16; ++s)
      for (int w = kTail; w < kN; ++w) state[16 * c + s][w] = block[c][w - kTail][s];
    prev[c] = (first[1][c] ^ ((prev[c] ^ (prev[c] >> 30)) * 1566083941U)) - 1U;
    for (int s = 0; s < 16; ++s) {
      state[16 * c + s][1] = prev[c][s];
      state[16 * c + s][0] = 0x80000000U;
    }
  }
}

}  // namespace

void PythonRandom::seed_batch(const uint64_t* seeds, int count, PythonRandom* const* out) {
  constexpr int kChains = kSeedBatch / 16;
  Lanes even[kChains]{}, odd[kChains]{};
  for (int s = 0; s < count; ++s) {
    const uint32_t low = static_cast<uint32_t>(seeds[s]), high = static_cast<uint32_t>(seeds[s] >> 32);
    even[s / 16][s % 16] = low;
    odd[s / 16][s % 16] = high ? high + 1U : low;  // two words: key[1] + 1; one word: key[0] + 0
  }
  // Lanes without a seed are computed anyway and written to a scratch state.
  std::array<uint32_t, kN> unused;
  uint32_t* state[kSeedBatch];
  for (int s = 0; s < kSeedBatch; ++s) state[s] = s < count ? out[s]->state_.data() : unused.data();
  if (count <= 16) {
    init_by_array_lanes<1>(even, odd, state);
  } else {
    init_by_array_lanes<kChains>(even, odd, state);
  }
  for (int s = 0; s < count; ++s) {
    out[s]->index_ = kN;
    out[s]->store_in_cache(seeds[s]);
  }
}

void PythonRandom::twist() {
  uint32_t* mt = state_.data();
  int kk = 0;
  for (; kk < kN - kM; ++kk) mt[kk] = mix(mt[kk], mt[kk + 1], mt[kk + kM]);
  for (; kk < kN - 1; ++kk) mt[kk] = mix(mt[kk], mt[kk + 1], mt[kk + (kM - kN)]);
  mt[kN - 1] = mix(mt[kN - 1], mt[0], mt[kM - 1]);
}

void PythonRandom::refill() {
  twist();
  const uint32_t* mt = state_.data();
  for (int i = 0; i < kN; ++i) output_[i] = temper(mt[i]);
  index_ = 0;
  ++refills_;
}

uint32_t PythonRandom::search_in(uint64_t n, uint64_t accept) {
  const int shift = 32 - bit_length(n);  // getrandbits(k) = word >> (32 - k)
  [[maybe_unused]] const uint32_t accept_lo = static_cast<uint32_t>(accept);
  [[maybe_unused]] const uint32_t accept_hi = static_cast<uint32_t>(accept >> 32);
  while (true) {
    if (index_ >= kN) refill();
    int i = index_;
#if defined(__AVX512F__)
    // Sixteen words at a time: r = w >> shift; bit r of accept is
    // (lo >> r) | (hi >> (r - 32)), where out-of-range shifts give 0.
    const __m512i lo = _mm512_set1_epi32(static_cast<int>(accept_lo));
    const __m512i hi = _mm512_set1_epi32(static_cast<int>(accept_hi));
    const __m512i thirty_two = _mm512_set1_epi32(32);
    const __m512i one = _mm512_set1_epi32(1);
    const __m128i count = _mm_cvtsi32_si128(shift);
    for (; i + 16 <= kN; i += 16) {
      const __m512i w = _mm512_loadu_si512(output_.data() + i);
      const __m512i r = _mm512_srl_epi32(w, count);
      const __m512i bits = _mm512_or_si512(_mm512_srlv_epi32(lo, r), _mm512_srlv_epi32(hi, _mm512_sub_epi32(r, thirty_two)));
      const __mmask16 hits = _mm512_test_epi32_mask(bits, one);
      if (hits) {
        const int j = i + __builtin_ctz(static_cast<unsigned>(hits));
        index_ = j + 1;
        return output_[j] >> shift;
      }
    }
#elif defined(__AVX2__)
    // Eight words at a time: r = w >> shift; bit r of accept is
    // (lo >> r) | (hi >> (r - 32)), where out-of-range shifts give 0.
    const __m256i lo = _mm256_set1_epi32(static_cast<int>(accept_lo));
    const __m256i hi = _mm256_set1_epi32(static_cast<int>(accept_hi));
    const __m256i thirty_two = _mm256_set1_epi32(32);
    const __m256i one = _mm256_set1_epi32(1);
    const __m128i count = _mm_cvtsi32_si128(shift);
    for (; i + 8 <= kN; i += 8) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(output_.data() + i));
      const __m256i r = _mm256_srl_epi32(w, count);
      const __m256i bit = _mm256_and_si256(
          _mm256_or_si256(_mm256_srlv_epi32(lo, r), _mm256_srlv_epi32(hi, _mm256_sub_epi32(r, thirty_two))),
          one);
      const int hits = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(bit, one)));
      if (hits) {
        const int j = i + __builtin_ctz(static_cast<unsigned>(hits));
        index_ = j + 1;
        return output_[j] >> shift;
      }
    }
#endif
    for (; i < kN; ++i) {
      const uint32_t r = output_[i] >> shift;
      if (r < 64 && ((accept >> r) & 1U)) {
        index_ = i + 1;
        return r;
      }
    }
    index_ = kN;
  }
}

namespace {
#if defined(__AVX512F__)
// Bit j set when draw j of the eight word pairs at `pairs_at` is below the
// threshold: pair (a, b) loads as the 64-bit lane a | b << 32 (little
// endian), and random() = x / 2**53 with x = (a >> 5) << 26 | b >> 6.
inline unsigned below_8(const uint32_t* pairs_at, __m512i limit) {
  const __m512i pairs = _mm512_loadu_si512(pairs_at);
  const __m512i a = _mm512_and_si512(_mm512_srli_epi64(pairs, 5), _mm512_set1_epi64((1LL << 27) - 1));
  const __m512i b = _mm512_srli_epi64(pairs, 32 + 6);
  const __m512i x = _mm512_or_si512(_mm512_slli_epi64(a, 26), b);
  return _mm512_cmplt_epu64_mask(x, limit);
}
#endif
}  // namespace

int64_t PythonRandom::skip_not_below(uint64_t threshold, int64_t max_draws) {
  int64_t skipped = 0;
#if defined(__AVX512F__)
  const __m512i limit = _mm512_set1_epi64(static_cast<long long>(threshold));
  // Sixteen draws per step: with p = 0.1, eight draws hold no hit 43% of the
  // time, an unpredictable loop exit; sixteen, 19%.
  while (skipped + 16 <= max_draws && index_ + 32 <= kN) {
    const unsigned below = below_8(output_.data() + index_, limit) |
                           below_8(output_.data() + index_ + 16, limit) << 8;
    if (below) {
      const int j = __builtin_ctz(below);
      index_ += 2 * j + 2;
      return skipped + j;
    }
    index_ += 32;
    skipped += 16;
  }
  while (skipped + 8 <= max_draws && index_ + 16 <= kN) {
    const unsigned below = below_8(output_.data() + index_, limit);
    if (below) {
      const int j = __builtin_ctz(static_cast<unsigned>(below));
      index_ += 2 * j + 2;
      return skipped + j;
    }
    index_ += 16;
    skipped += 8;
  }
#endif
  for (; skipped < max_draws; ++skipped) {
    const uint64_t a = genrand_uint32() >> 5;
    const uint64_t b = genrand_uint32() >> 6;
    if (((a << 26) | b) < threshold) return skipped;
  }
  return skipped;
}

void PythonRandom::below_bits(uint64_t threshold, int64_t draws, uint64_t* bits) {
  const int64_t words = (draws + 63) / 64;
  for (int64_t w = 0; w < words; ++w) bits[w] = 0;
  // Draw q as random() does: x = (a >> 5) << 26 | b >> 6 for words a, b.
  auto scalar = [&](int64_t q) {
    const uint64_t a = genrand_uint32() >> 5;
    const uint64_t b = genrand_uint32() >> 6;
    if (((a << 26) | b) < threshold) bits[q >> 6] |= 1ULL << (q & 63);
  };
  int64_t q = 0;
#if defined(__AVX512F__)
  const __m512i limit = _mm512_set1_epi64(static_cast<long long>(threshold));
  while (q + 8 <= draws) {
    if (index_ >= kN) {
      if (draws - q >= kN / 2) {  // a whole block of draws: straight from the state
        below_bits_block(threshold, bits, q);
        q += kN / 2;
        continue;
      }
      refill();
    }
    if (index_ & 1) break;  // pairs off by one word: the scalar loop below
    if ((q & 63) == 0 && q + 64 <= draws && index_ + 128 <= kN) {
      // A whole word of 64 draws, assembled in a register.
      uint64_t word = 0;
      for (int g = 0; g < 8; ++g) word |= static_cast<uint64_t>(below_8(output_.data() + index_ + 16 * g, limit)) << (8 * g);
      bits[q >> 6] = word;
      index_ += 128;
      q += 64;
    } else if (index_ + 16 <= kN) {
      // Eight draws into bits q..q+7, which may straddle two words.
      const uint64_t below = below_8(output_.data() + index_, limit);
      bits[q >> 6] |= below << (q & 63);
      if ((q & 63) > 56) bits[(q >> 6) + 1] |= below >> (64 - (q & 63));
      index_ += 16;
      q += 8;
    } else {
      scalar(q++);  // fewer than 16 words before the next refill
    }
  }
#endif
  for (; q < draws; ++q) scalar(q);
}

#if defined(__AVX512F__)
// Sixteen draws per step from the twisted state, untempered: the first
// words (a) of the draws are gathered into one vector, tempered and compared
// as 32-bit lanes. random() = x / 2**53, x = (a >> 5) * 2**26 + (b >> 6), is
// below t / 2**53 exactly when a >> 5 < t >> 26, or a >> 5 == t >> 26 and
// b >> 6 < t mod 2**26; only that tie (a 1 in 2**27 chance per draw) needs
// the second words. Against refill() and below_8, this tempers half the
// words, in registers, and never stores them: G(n, p) spends most of its
// time drawing, one draw per pair.
void PythonRandom::below_bits_block(uint64_t threshold, uint64_t* bits, int64_t q) {
  twist();
  ++refills_;
  index_ = kN;  // the whole block is consumed; output_ is stale, as index_ says
  const __m512i high = _mm512_set1_epi32(static_cast<int>(threshold >> 26));
  const __m512i low = _mm512_set1_epi32(static_cast<int>(threshold & ((1U << 26) - 1)));
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const uint32_t* words = state_.data();
  for (int i = 0; i < kN; i += 32, q += 16) {
    // The last step has 16 words (8 draws): the lanes past them read zeros.
    const auto tail = static_cast<__mmask16>(i + 32 <= kN ? 0xFFFF : 0);
    const __m512i lo = _mm512_loadu_si512(words + i), hi = _mm512_maskz_loadu_epi32(tail, words + i + 16);
    const auto a = reinterpret_cast<__m512i>(temper(reinterpret_cast<Lanes>(_mm512_permutex2var_epi32(lo, even, hi))) >> 5);
    uint64_t below = _mm512_cmplt_epu32_mask(a, high);
    const __mmask16 tie = _mm512_cmpeq_epi32_mask(a, high);
    if (__builtin_expect(tie != 0, 0)) {
      const auto b = reinterpret_cast<__m512i>(temper(reinterpret_cast<Lanes>(_mm512_permutex2var_epi32(lo, odd, hi))) >> 6);
      below |= _mm512_mask_cmplt_epu32_mask(tie, b, low);
    }
    const int width = i + 32 <= kN ? 16 : 8;
    below &= (1U << width) - 1;
    const int shift = static_cast<int>(q & 63);
    bits[q >> 6] |= below << shift;
    if (shift + width > 64) bits[(q >> 6) + 1] |= below >> (64 - shift);
  }
}
#endif

RewireDraws::RewireDraws(PythonRandom& rng, uint64_t threshold, uint64_t n)
    : rng_(rng), threshold_(threshold), n_(static_cast<uint32_t>(n)), shift_(32 - PythonRandom::bit_length(n)) {}

void RewireDraws::update_masks() {
  if (masks_valid_ && masks_for_ == rng_.refills_) return;
  masks_valid_ = true;
  masks_for_ = rng_.refills_;
  const uint32_t* out = rng_.output_.data();
  for (int w = 0; w < kMaskWords; ++w) pair_below_[w] = word_fits_[w] = 0;
  // Bits i..i+15 of both masks.
  auto put = [&](int i, unsigned pairs, unsigned fits) {
    pair_below_[i / 64] |= static_cast<uint64_t>(pairs) << (i % 64);
    word_fits_[i / 64] |= static_cast<uint64_t>(fits) << (i % 64);
  };
  int i = 0;
#if defined(__AVX512F__) && defined(__BMI2__)
  const __m512i limit = _mm512_set1_epi64(static_cast<long long>(threshold_));
  const __m512i below_n = _mm512_set1_epi32(static_cast<int>(n_));
  const __m128i count = _mm_cvtsi32_si128(shift_);
  // Sixteen words per step: pairs starting at even offsets, then at odd
  // ones, interleaved bit by bit (the padding covers the loads past kN).
  for (; i + 16 <= kN; i += 16) {
    const unsigned even = below_8(out + i, limit), odd = below_8(out + i + 1, limit);
    const __m512i r = _mm512_srl_epi32(_mm512_loadu_si512(out + i), count);
    put(i, _pdep_u32(even, 0x5555U) | _pdep_u32(odd, 0xAAAAU), _mm512_cmplt_epu32_mask(r, below_n));
  }
#endif
  for (; i < kN; i += 16) {
    unsigned pairs = 0, fits = 0;
    for (int b = 0; b < 16 && i + b < kN; ++b) {
      const uint64_t x = (static_cast<uint64_t>(out[i + b] >> 5) << 26) | (out[i + b + 1] >> 6);
      pairs |= static_cast<unsigned>(x < threshold_) << b;
      fits |= static_cast<unsigned>((out[i + b] >> shift_) < n_) << b;
    }
    put(i, pairs, fits);
  }
  // The pair starting at the last word ends in the next block: never from the mask.
  pair_below_[(kN - 1) / 64] &= ~(1ULL << ((kN - 1) % 64));
}

int64_t RewireDraws::skip_not_below(int64_t max_draws) {
  int64_t skipped = 0;
  while (skipped < max_draws) {
    if (rng_.index_ >= kN) rng_.refill();
    const int i = rng_.index_;
    if (i == kN - 1) {  // a draw across two blocks: word by word
      const uint64_t a = rng_.genrand_uint32() >> 5;
      const uint64_t b = rng_.genrand_uint32() >> 6;
      if (((a << 26) | b) < threshold_) return skipped;
      ++skipped;
      continue;
    }
    update_masks();
    // Draws start at i, i + 2, ... up to kN - 2 inside this block.
    const int64_t want = std::min<int64_t>((kN - 2 - i) / 2 + 1, max_draws - skipped);
    const int64_t last = i + 2 * (want - 1);
    const uint64_t same_parity = (i & 1) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL;
    for (int64_t w = i >> 6; w <= last >> 6; ++w) {
      uint64_t m = pair_below_[w] & same_parity;
      if (w == i >> 6) m &= ~0ULL << (i & 63);
      if (!m) continue;
      const int64_t j = (w << 6) + __builtin_ctzll(m);
      if (j > last) break;
      rng_.index_ = static_cast<int>(j + 2);
      return skipped + (j - i) / 2;
    }
    rng_.index_ = static_cast<int>(i + 2 * want);
    skipped += want;
  }
  return skipped;
}

uint32_t RewireDraws::randbelow_except(uint32_t except) {
  while (true) {
    if (rng_.index_ >= kN) rng_.refill();
    update_masks();
    const int i = rng_.index_;
    for (int w = i >> 6; w < kMaskWords; ++w) {
      uint64_t m = word_fits_[w];
      if (w == i >> 6) m &= ~0ULL << (i & 63);
      for (; m; m &= m - 1) {
        const int j = (w << 6) + __builtin_ctzll(m);
        const uint32_t r = rng_.output_[j] >> shift_;
        if (r != except) {
          rng_.index_ = j + 1;
          return r;
        }
      }
    }
    rng_.index_ = kN;
  }
}

}  // namespace relsparse::graph
