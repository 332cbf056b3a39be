// CPU block-sparse matrix products over the packed layout (block_layout.hpp).
//
// Every pass of a relational layer computes, node by node, a small dense
// product whose reduction runs over the node's neighbour blocks:
//
//   C[r][col] = sum_e  A[r * rs + a_off[e]] * B_e[col]
//
// r: the result rows of the node (its output channels, or its input
// channels for the input gradient); e: the reduction entries (input
// channel x kernel element of every neighbour block, or output channel x
// kernel element for the input gradient); A: the packed weight read with a
// row stride and one offset per entry, so W_ij and W_ij^T are both read in
// place; B_e: one row of a dense panel per entry, addressed by pointer. The
// pointers let convolutions read shifted views of a padded image instead of
// an im2col copy (see relational_cpu.cpp), and let the same kernel serve
// linear layers, whose panel rows are the transposed batch.
//
// The micro-kernel keeps an MR x NV-vector tile of C in registers for the
// whole reduction: per entry it loads NV panel vectors and broadcasts MR
// weights (MR x NV FMAs). Panels have a whole number of SIMD vectors per
// row (callers zero the padding), so nothing handles remainders.
//
// Long reductions along the panel (the weight gradient of a convolution,
// summed over pixels) use wgrad_tile: an MO x MK tile of dW in vector
// accumulators, reduced across lanes once at the end.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#ifdef __AVX512F__
#include <immintrin.h>
#endif
#include <type_traits>
#include <vector>

#include "../block_layout.hpp"

namespace relsparse::ops::cpu {

template <typename T>
struct SimdVec;
template <>
struct SimdVec<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct SimdVec<double> {
  typedef double type __attribute__((vector_size(64)));
};

// Lanes of one SIMD vector; panel rows hold whole vectors.
template <typename T>
constexpr int64_t kLanes = 64 / sizeof(T);

template <typename T>
inline int64_t padded_columns(int64_t columns) {
  return (columns + kLanes<T> - 1) / kLanes<T> * kLanes<T>;
}

// Asks for the cache lines of [p, p + count) ahead of their use: a hint,
// which neither faults nor changes a result.
template <typename T>
inline void prefetch_span(const T* p, int64_t count) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(p + count);
  for (uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~uintptr_t(63); a < end; a += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(a), 0, 3);
}

// The reduction entries of one node: weight offset and panel row of each.
template <typename T>
struct GatherTable {
  std::vector<int64_t> a_off;
  std::vector<const T*> b_rows;

  // Room for exactly `entries` entries, written in place through a() and
  // b(): building a table with push_back (a capacity check per entry) was
  // up to ~10% of a linear op (relational_cpu.cpp, forward_entries).
  void resize(int64_t entries) {
    a_off.resize(static_cast<size_t>(entries));
    b_rows.resize(static_cast<size_t>(entries));
  }
  int64_t* a() { return a_off.data(); }
  const T** b() { return b_rows.data(); }
  int64_t size() const { return static_cast<int64_t>(a_off.size()); }
};

namespace detail {

template <typename T>
using Vec = typename SimdVec<T>::type;

template <typename T>
inline Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <typename T>
inline void store(T* p, const Vec<T>& v) {
  std::memcpy(p, &v, sizeof(v));
}

// Every lane = x. Written as x - 0, an exact identity the compiler folds
// into a plain broadcast (0 + x is not: it turns -0.0 into +0.0).
template <typename T>
inline Vec<T> splat(T x) {
  return x - Vec<T>{};
}

// c[r][col .. col + NV vectors) = sum_e a[r * rs + a_off[e]] * b_rows[e][b_shift + col ..].
template <typename T, int MR, int NV>
void gather_kernel(const T* a, int64_t rs, const int64_t* a_off, const T* const* b_rows, int64_t entries,
                   int64_t col, T* c, int64_t ldc, int64_t b_shift) {
  const int64_t b_col = b_shift + col;
  Vec<T> acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = Vec<T>{};
  for (int64_t e = 0; e < entries; ++e) {
    const T* b = b_rows[e] + b_col;
    const T* w = a + a_off[e];
    Vec<T> bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(b + v * kLanes<T>);
    for (int r = 0; r < MR; ++r) {
      const Vec<T> av = splat<T>(w[r * rs]);
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) store(c + r * ldc + col + v * kLanes<T>, acc[r][v]);
}

// Vectors per tile for MR rows: MR * NV accumulators plus NV panel vectors
// fit the 32 vector registers of AVX-512.
constexpr int max_vectors(int mr) { return mr >= 9 ? 2 : (mr >= 7 ? 3 : (mr >= 4 ? 4 : (mr == 3 ? 6 : 8))); }

template <typename T, int MR, int NV>
void columns_tail(const T* a, int64_t rs, const GatherTable<T>& t, int64_t col, T* c, int64_t ldc, int64_t vectors,
                  int64_t b_shift) {
  if constexpr (NV > 1) {
    if (vectors == NV - 1)
      return gather_kernel<T, MR, NV - 1>(a, rs, t.a_off.data(), t.b_rows.data(), t.size(), col, c, ldc, b_shift);
    return columns_tail<T, MR, NV - 1>(a, rs, t, col, c, ldc, vectors, b_shift);
  }
}

template <typename T, int MR>
void row_tile(const T* a, int64_t rs, const GatherTable<T>& t, int64_t col, T* c, int64_t ldc, int64_t vectors,
              int64_t b_shift) {
  constexpr int kMax = max_vectors(MR);
  for (; vectors >= kMax; vectors -= kMax, col += kMax * kLanes<T>)
    gather_kernel<T, MR, kMax>(a, rs, t.a_off.data(), t.b_rows.data(), t.size(), col, c, ldc, b_shift);
  if (vectors > 0) columns_tail<T, MR, kMax>(a, rs, t, col, c, ldc, vectors, b_shift);
}

}  // namespace detail

// ------------------------------------------------------ batch-lane layout

namespace detail {

// Transposes the kLanes x kLanes matrix held in v (row r = v[r]) in place:
// log2(lanes) stages, each swapping the off-diagonal b x b blocks of every
// 2b x 2b block with one two-source shuffle per row.
template <typename T>
inline void transpose_square(Vec<T>* v);

#ifdef __AVX512F__
// AVX-512: the same transpose with in-lane unpacks for the 1- and 2-element
// stages and 128-bit lane shuffles for the rest. The generic version's
// two-source permutes (vpermt2ps) issue one per cycle on the development
// machine and bounded the linear ops' panel transposes (~65 cycles per
// 16 x 16 block); unpacks issue two per cycle.
template <int imm>
inline __m512 shuffle_lanes(__m512 a, __m512 b) {
  return _mm512_shuffle_f32x4(a, b, imm);
}
template <int imm>
inline __m512d shuffle_lanes(__m512d a, __m512d b) {
  return _mm512_shuffle_f64x2(a, b, imm);
}

// The 4 x 4 transpose of 128-bit lanes: lane g of out[l] = lane l of in[g].
template <typename V>
inline void transpose_lanes(V in0, V in1, V in2, V in3, V* out0, V* out1, V* out2, V* out3) {
  const V b0 = shuffle_lanes<0x44>(in0, in1), b1 = shuffle_lanes<0xEE>(in0, in1);  // lanes 0 1 | 2 3 of in0, in1
  const V b2 = shuffle_lanes<0x44>(in2, in3), b3 = shuffle_lanes<0xEE>(in2, in3);
  *out0 = shuffle_lanes<0x88>(b0, b2);  // lanes 0 of in0..in3
  *out1 = shuffle_lanes<0xDD>(b0, b2);
  *out2 = shuffle_lanes<0x88>(b1, b3);
  *out3 = shuffle_lanes<0xDD>(b1, b3);
}

template <>
inline void transpose_square<float>(Vec<float>* v) {
  __m512 t[16], r[16];
  for (int i = 0; i < 16; i += 2) {  // per 128-bit lane: (a0 b0 a1 b1), (a2 b2 a3 b3)
    t[i] = _mm512_unpacklo_ps(reinterpret_cast<__m512>(v[i]), reinterpret_cast<__m512>(v[i + 1]));
    t[i + 1] = _mm512_unpackhi_ps(reinterpret_cast<__m512>(v[i]), reinterpret_cast<__m512>(v[i + 1]));
  }
  // r[4g + c], lane l: rows 4g..4g+3 at column 4l + c.
  for (int g = 0; g < 16; g += 4) {
    const __m512d t0 = _mm512_castps_pd(t[g]), t1 = _mm512_castps_pd(t[g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[g + 2]), t3 = _mm512_castps_pd(t[g + 3]);
    r[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  // Row 4l + c of the result: lane l of r[c], r[4 + c], r[8 + c], r[12 + c].
  __m512 o[16];
  for (int c = 0; c < 4; ++c)
    transpose_lanes(r[c], r[4 + c], r[8 + c], r[12 + c], &o[c], &o[4 + c], &o[8 + c], &o[12 + c]);
  for (int i = 0; i < 16; ++i) v[i] = reinterpret_cast<Vec<float>>(o[i]);
}

template <>
inline void transpose_square<double>(Vec<double>* v) {
  __m512d t[8], o[8];
  for (int i = 0; i < 8; i += 2) {  // t[i + c], lane l: rows i, i+1 at column 2l + c
    t[i] = _mm512_unpacklo_pd(reinterpret_cast<__m512d>(v[i]), reinterpret_cast<__m512d>(v[i + 1]));
    t[i + 1] = _mm512_unpackhi_pd(reinterpret_cast<__m512d>(v[i]), reinterpret_cast<__m512d>(v[i + 1]));
  }
  // Row 2l + c of the result: lane l of t[c], t[2 + c], t[4 + c], t[6 + c].
  for (int c = 0; c < 2; ++c)
    transpose_lanes(t[c], t[2 + c], t[4 + c], t[6 + c], &o[c], &o[2 + c], &o[4 + c], &o[6 + c]);
  for (int i = 0; i < 8; ++i) v[i] = reinterpret_cast<Vec<double>>(o[i]);
}
#endif

template <typename T>
inline void transpose_square(Vec<T>* v) {
  constexpr int L = static_cast<int>(kLanes<T>);
  using Index = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;
  typedef Index IndexVec __attribute__((vector_size(64)));
  for (int b = L / 2; b >= 1; b /= 2) {
    IndexVec low{}, high{};
    for (int col = 0; col < L; ++col) {
      low[col] = (col & b) ? L + col - b : col;   // row i keeps its even blocks, takes row i+b's
      high[col] = (col & b) ? L + col : col + b;  // row i+b takes row i's odd blocks, keeps its own
    }
    for (int i = 0; i < L; ++i) {
      if (i & b) continue;
      const Vec<T> a = v[i], c = v[i + b];
      v[i] = __builtin_shuffle(a, c, low);
      v[i + b] = __builtin_shuffle(a, c, high);
    }
  }
}

#ifdef __AVX512F__
// The first n (< lanes) elements at p, zeros after them; masked, so it never
// reads past p + n (which may be the end of the tensor).
inline Vec<float> load_first(const float* p, int64_t n) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p);
}
inline Vec<double> load_first(const double* p, int64_t n) {
  return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), p);
}
#endif

}  // namespace detail

// out[t * out_stride + lane] = in[lane][offset + t] for t < count: `valid`
// source rows (the rest of the lanes are zero) interleaved lane by lane, a
// square block at a time through registers. out_stride = lanes writes the
// vectors end to end.
template <typename T, typename S>
void interleave_run(const S* const* in, int64_t valid, int64_t offset, int64_t count, T* out,
                    int64_t out_stride = kLanes<T>) {
  constexpr int64_t L = kLanes<T>;
  using detail::Vec;
  int64_t t = 0;
  if constexpr (std::is_same<T, S>::value) {
    if (valid == L) {
      for (; t + L <= count; t += L) {
        Vec<T> v[L];
        for (int64_t lane = 0; lane < L; ++lane) v[lane] = detail::load(in[lane] + offset + t);
        detail::transpose_square<T>(v);
        for (int64_t k = 0; k < L; ++k) detail::store(out + (t + k) * out_stride, v[k]);
      }
#ifdef __AVX512F__
      if (t < count) {
        const int64_t n = count - t;
        Vec<T> v[L];
        for (int64_t lane = 0; lane < L; ++lane) v[lane] = detail::load_first(in[lane] + offset + t, n);
        detail::transpose_square<T>(v);
        for (int64_t k = 0; k < n; ++k) detail::store(out + (t + k) * out_stride, v[k]);
        return;
      }
#endif
    }
  }
  // Partial lane sets and converted types: through a zeroed block.
  for (; t < count; t += L) {
    const int64_t n = std::min(L, count - t);
    alignas(64) T block[L][L] = {};
    for (int64_t lane = 0; lane < valid; ++lane)
      for (int64_t k = 0; k < n; ++k) block[lane][k] = static_cast<T>(in[lane][offset + t + k]);
    Vec<T> v[L];
    for (int64_t lane = 0; lane < L; ++lane) v[lane] = detail::load(block[lane]);
    detail::transpose_square<T>(v);
    for (int64_t k = 0; k < n; ++k) detail::store(out + (t + k) * out_stride, v[k]);
  }
}

namespace detail {

// row_tile<T, mr> for a tile height known only at run time (1 <= mr <= MR).
template <typename T, int MR>
void row_tile_of_height(int64_t mr, const T* a, int64_t rs, const GatherTable<T>& t, int64_t col, T* c,
                        int64_t ldc, int64_t vectors, int64_t b_shift) {
  if (mr == MR) return row_tile<T, MR>(a, rs, t, col, c, ldc, vectors, b_shift);
  if constexpr (MR > 1) row_tile_of_height<T, MR - 1>(mr, a, rs, t, col, c, ldc, vectors, b_shift);
}

}  // namespace detail

// Rows [0, rows) of C (row r reads a + r * rs) over `vectors` vectors of
// columns from `col`, in tiles of at most kMaxRows rows of balanced sizes
// (8 rows as 4 + 4, not 6 + 2: a 2-row tile loads one panel vector per 2
// FMAs). The panel rows are read from b_shift columns on, so that one
// table serves every column tile of a panel.
//
// kMaxRows = 6 (6 x 4 vectors per tile) suits reductions over a node's
// neighbourhood; the linear weight gradient, which reduces over the whole
// batch, takes kMaxRows = 12 (12 x 2 vectors): half the panel lines per
// multiply-add, which made it 6-9% faster on a 2-core Xeon, while the
// forward and input gradient ran 2-7% slower that way (its 12 weights per
// entry are 12 strided lines there, one line of dy in the weight gradient).
template <typename T, int kMaxRows = 6>
void gather_rows(const T* a, int64_t rs, const GatherTable<T>& t, int64_t rows, int64_t col, int64_t vectors, T* c,
                 int64_t ldc, int64_t b_shift = 0) {
  static_assert(kMaxRows >= 1 && kMaxRows <= 12, "tiles of 1 to 12 rows");
  const int64_t tiles = (rows + kMaxRows - 1) / kMaxRows;
  for (int64_t k = 0, r = 0; k < tiles; ++k) {
    const int64_t mr = rows / tiles + (k < rows % tiles ? 1 : 0);
    detail::row_tile_of_height<T, kMaxRows>(mr, a + r * rs, rs, t, col, c + r * ldc, ldc, vectors, b_shift);
    r += mr;
  }
}

// dst[c * ldd + r] = src[r * lds + c] for r < rows (at most the lanes),
// c < cols: one strip of a matrix transpose, square blocks through
// registers (ATen's strided copy of a transposed matrix is ~7x slower).
template <typename T>
void transpose_strip(const T* src, int64_t lds, int64_t rows, int64_t cols, T* dst, int64_t ldd) {
  constexpr int64_t L = kLanes<T>;
  int64_t c = 0;
  if (rows == L)
    for (; c + L <= cols; c += L) {
      detail::Vec<T> v[L];
      for (int64_t r = 0; r < L; ++r) v[r] = detail::load(src + r * lds + c);
      detail::transpose_square<T>(v);
      for (int64_t k = 0; k < L; ++k) detail::store(dst + (c + k) * ldd, v[k]);
    }
  for (; c < cols; ++c)
    for (int64_t r = 0; r < rows; ++r) dst[c * ldd + r] = src[r * lds + c];
}

namespace detail {

// Lane sums of kLanes<T> vectors at once: r[j] = sum of the lanes of
// v[bit_reverse(j)]. Each stage adds the two halves of every block of lanes
// of a pair of vectors into one vector (two shuffles and an add), halving
// the vector count; log2(lanes) stages leave one vector.
template <typename T>
inline Vec<T> reduce_lanes(Vec<T>* v) {
  constexpr int L = static_cast<int>(kLanes<T>);
  using Index = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;
  typedef Index IndexVec __attribute__((vector_size(64)));
  int count = L;
  for (int half = L / 2; half >= 1; half /= 2) {
    IndexVec low{}, high{};
    for (int lane = 0; lane < L; ++lane) {
      const int block = lane / (2 * half) * (2 * half), offset = lane % (2 * half);
      // Lanes [0, half) of each block fold vector a, lanes [half, 2 half) fold b.
      const int source = offset < half ? block + offset : L + block + offset - half;
      low[lane] = source;
      high[lane] = source + half;
    }
    for (int p = 0; p < count / 2; ++p)
      v[p] = __builtin_shuffle(v[2 * p], v[2 * p + 1], low) + __builtin_shuffle(v[2 * p], v[2 * p + 1], high);
    count /= 2;
  }
  return v[0];
}

inline int bit_reverse(int x, int bits) {
  int r = 0;
  for (int b = 0; b < bits; ++b) r |= ((x >> b) & 1) << (bits - 1 - b);
  return r;
}

// The columns a weight gradient sums over: `outer` x `inner` runs of
// `length` vectors. Run (a, b) starts at a * d_outer + b * d_inner in D and
// at b_offset + a * b_outer + b * b_inner in every B row; along a run D
// advances one vector and B `b_step` elements (b_step > lanes reads every
// other position, as a strided convolution does).
template <typename T>
struct Reduction {
  int64_t length = 0;
  int64_t outer = 1, d_outer = 0, b_outer = 0;
  int64_t inner = 1, d_inner = 0, b_inner = 0;
  int64_t b_step = kLanes<T>;
  int64_t b_offset = 0;
};

// dW[o][k] (+)= sum over the reduction of d[o][.] * brows[k][.] for an
// MO x MK tile (MO * MK <= lanes), all lane sums done by one reduce_lanes.
template <typename T, int MO, int MK>
void wgrad_tile(const T* d, int64_t ldd, const T* const* brows, const Reduction<T>& red, T* dw, int64_t ldw,
                bool accumulate) {
  constexpr int L = static_cast<int>(kLanes<T>);
  static_assert(MO * MK <= L, "tile larger than one reduction");
  Vec<T> acc[L];
  for (int a = 0; a < L; ++a) acc[a] = Vec<T>{};
  for (int64_t a = 0; a < red.outer; ++a)
    for (int64_t b = 0; b < red.inner; ++b) {
      const T* dr = d + a * red.d_outer + b * red.d_inner;
      const int64_t br = red.b_offset + a * red.b_outer + b * red.b_inner;
      for (int64_t x = 0; x < red.length; ++x) {
        Vec<T> dv[MO], bv[MK];
        for (int o = 0; o < MO; ++o) dv[o] = load(dr + o * ldd + x * L);
        for (int k = 0; k < MK; ++k) bv[k] = load(brows[k] + br + x * red.b_step);
        for (int o = 0; o < MO; ++o)
          for (int k = 0; k < MK; ++k) acc[o * MK + k] += dv[o] * bv[k];
      }
    }
  const Vec<T> sums = reduce_lanes<T>(acc);
  constexpr int bits = L == 16 ? 4 : 3;
  for (int lane = 0; lane < L; ++lane) {
    const int a = bit_reverse(lane, bits);
    if (a >= MO * MK) continue;
    T& out = dw[(a / MK) * ldw + a % MK];
    out = accumulate ? out + sums[lane] : sums[lane];
  }
}

// MO rows of dW: tiles of MO x (lanes / MO), so that one lane reduction
// serves every tile and each panel vector feeds MO FMAs, each dy vector
// lanes / MO (4 x 4 for float, or 2 x 8 / 1 x 16 for the last rows).
// The last num_k % MK columns go through tiles of MK/2, MK/4, ... columns:
// one column per tile would load a dy vector per multiply-add.
template <typename T, int MO, int MK = static_cast<int>(kLanes<T>) / MO>
void wgrad_rows(const T* d, int64_t ldd, const T* const* brows, int64_t num_k, const Reduction<T>& red, T* dw,
                int64_t ldw, bool accumulate) {
  int64_t k = 0;
  for (; k + MK <= num_k; k += MK) wgrad_tile<T, MO, MK>(d, ldd, brows + k, red, dw + k, ldw, accumulate);
  if constexpr (MK > 1) {
    if (k < num_k) wgrad_rows<T, MO, MK / 2>(d, ldd, brows + k, num_k - k, red, dw + k, ldw, accumulate);
  }
}

}  // namespace detail

using detail::Reduction;

// dW_i (b_i x width, row-major at dw) (+)= D[rows] . B[k]^T summed over the
// reduction's columns, with D row o at d + o * ldd and B row k at brows[k].
template <typename T>
void reduce_weight_rows(const T* d, int64_t ldd, int64_t rows, const T* const* brows, int64_t width,
                        const Reduction<T>& red, T* dw, bool accumulate) {
  int64_t o = 0;
  for (; o + 4 <= rows; o += 4)
    detail::wgrad_rows<T, 4>(d + o * ldd, ldd, brows, width, red, dw + o * width, width, accumulate);
  if (o + 2 <= rows) {
    detail::wgrad_rows<T, 2>(d + o * ldd, ldd, brows, width, red, dw + o * width, width, accumulate);
    o += 2;
  }
  if (o < rows) detail::wgrad_rows<T, 1>(d + o * ldd, ldd, brows, width, red, dw + o * width, width, accumulate);
}

}  // namespace relsparse::ops::cpu
