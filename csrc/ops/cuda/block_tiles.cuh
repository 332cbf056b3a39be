// The tiled block-sparse GEMM engine behind relsparse's CUDA kernels
// (included by linear_kernels.cu and conv_kernels.cu only; everything here
// has internal linkage, each .cu gets its own copy).
//
// Every pass of a relational layer is, per graph node, a dense GEMM whose
// reduction dimension is the concatenation of the node's neighbour blocks:
//
//   forward      C[o][col] = sum_e W_i[o][e]            * panel[e][col]
//                rows = output channels o of node i, e = (block b=(i,j),
//                channel c of j, kernel element r), col = batch row
//                (linear) or (image, output pixel) (conv: implicit im2col)
//   grad input   C[c][col] = sum_e W_i[o][col_off[b]+c]  * dY[e][col]
//                rows = input channels c of node j, e = (block b=(i,j)
//                reading j, output channel o of i, r), col = batch row or
//                (image, INPUT pixel): the conv adjoint is a gather (the
//                output pixels reading an input pixel through kernel element
//                r are found by divisibility), so every result is written
//                once, without atomics, deterministically
//   grad weight dW_i[o][q] = sum_k dY[o][k] * panel[q][k]
//                rows = o, columns = q (the packed row of W_i), reduction
//                over k = batch rows (linear) or (image, output pixel)
//
// Thread blocks (128 threads) compute one kBR x kBC tile of C at a time,
// looping over the reduction in chunks of kBK staged in shared memory
// (zero-padded, so any block shape works), then write through a shared
// float/double tile so that global stores are coalesced.
//
// Row tiles and the grid. The host does not know the node count n (the
// layout is on the device), so row tiles are numbered from the layout
// itself: node v's kBR-row tiles get the numbers
//     s_v + t,  s_v = floor(P[v] / kBR) + v,  t < ceil(rows_v / kBR)
// (P = out_ptr or in_ptr). Since s_{v+1} - s_v = floor(P[v+1]/kBR) -
// floor(P[v]/kBR) + 1 >= ceil(rows_v / kBR), the ranges are disjoint and all
// numbers are below F / kBR + n <= F / kBR + min(in, out): a block maps its
// number to (v, t) by a binary search over s and skips the gaps (at most one
// per node). blockIdx.x strides over row tiles (whose bound is read from the
// layout on the device), blockIdx.y over column tiles (rows/forward/grad
// input) or over the split of the reduction (grad weight).
//
// Reduction map. A node's neighbour blocks ("segments") are staged 32 at a
// time by warp 0 (their validity checked, their lengths prefix-summed with
// shuffles); for each chunk, lane e finds its segment by a binary search in
// shared memory and records the weight offset and panel row of reduction
// entry e. Grad weight maps its columns q the same way (binary search over
// col_off).
//
// Arithmetic: float and double tiles use SIMT FMAs (each thread a 2 x 4
// micro-tile); __half / __nv_bfloat16 tiles use tensor cores through WMMA
// (16x16x16, float accumulators; 4 warps, each one 16x16 column slice of the
// 16x64 tile) on sm_80+, with the SIMT path as the fallback elsewhere.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <climits>
#include <cstdint>
#include <type_traits>

#include "../block_layout.hpp"
#include "kernels.cuh"

namespace relsparse::ops::cuda {
namespace {

// ------------------------------------------------------------------ sizes

constexpr int kThreads = 128;  // 4 warps
constexpr int kBR = 16;        // tile rows (output channels / input channels)
constexpr int kBC = 64;        // tile columns
constexpr int kBK = 32;        // reduction entries per chunk (= one warp of map lanes)
constexpr int kGroup = 32;     // segments staged at once (one per lane of warp 0)
constexpr int64_t kMaxGridY = 65535;
constexpr int64_t kBlocksPerSm = 16;  // grid sizing target
constexpr int64_t kMinSplit = 256;    // fewest reduction entries per grad-weight split
static_assert(kThreads == 128 && kBR == 16 && kBC == 64 && kBK == 32 && kGroup == 32,
              "the thread mappings below are written for these sizes");

__host__ __device__ inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
template <typename V>
__host__ __device__ constexpr V min_of(V a, V b) {
  return a < b ? a : b;
}
template <typename V>
__host__ __device__ constexpr V max_of(V a, V b) {
  return a > b ? a : b;
}

// ------------------------------------------------------------------ types

template <typename T>
constexpr bool kTensorCores = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

// Element type of the shared-memory operand tiles: the input type for tensor
// cores, the accumulation type for SIMT.
template <typename T>
using tile_t = std::conditional_t<kTensorCores<T>, T, acc_t<T>>;

// Shared tile geometry. A is stored transposed (As[e][row]), B as Bs[e][col],
// the result as Cs[row][col] in the accumulation type, aliasing As/Bs (it is
// written only after the last chunk's barrier). 16-bit tiles are padded to
// WMMA's alignment rules, 32/64-bit ones by one element against bank
// conflicts.
template <typename Tile>
constexpr int kLda = kBR + (sizeof(Tile) == 2 ? 8 : 1);
template <typename Tile>
constexpr int kLdb = kBC + (sizeof(Tile) == 2 ? 8 : 1);
constexpr int kLdc = kBC + 4;
template <typename Tile>
constexpr int kBOffset = (kBK * kLda<Tile> * static_cast<int>(sizeof(Tile)) + 127) / 128 * 128;
template <typename Tile, typename Acc>
constexpr int kTileBytes = max_of(kBOffset<Tile> + kBK * kLdb<Tile> * static_cast<int>(sizeof(Tile)),
                                  kBR * kLdc * static_cast<int>(sizeof(Acc)));

__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ double widen(double v) { return v; }
__device__ __forceinline__ float widen(__half v) { return __half2float(v); }
__device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }

// Value conversion (round to nearest even into 16-bit types).
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half_rn(static_cast<float>(widen(v)));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(widen(v)));
  } else {
    return static_cast<To>(widen(v));
  }
}

template <typename V>
__device__ __forceinline__ V quiet_nan() {
  return convert<V>(__int_as_float(0x7fc00000));
}

// --------------------------------------------------------------- problem

// What the host knows of a problem (everything but the layout's contents).
struct Geometry {
  int64_t in_f = 0, out_f = 0, num_w = 0, kk = 1;
  // Rows/forward/grad input: number of columns of C. Grad weight: length of
  // the reduction. Linear: the batch rows M; conv forward and grad weight:
  // batch * out_h * out_w; conv grad input: batch * h * w.
  int64_t cols = 0;
  int64_t h = 1, w = 1, oh = 1, ow = 1;  // conv image sizes (1 for linear)
  int64_t kw = 1;                        // kernel width (kernel element r = ki * kw + kj)
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

template <typename T>
struct RowsArgs {
  const int64_t* layout;
  int64_t layout_len;
  const T* weight;  // packed weight
  const T* src;     // x (forward) or grad_out (grad input)
  const T* bias;    // forward only, may be null
  T* dst;           // y (forward) or grad_in (grad input)
  int64_t dst_numel;
  Geometry g;
};

template <typename T>
struct WgradArgs {
  const int64_t* layout;
  int64_t layout_len;
  const T* dy;     // grad_out
  const T* x;      // input
  acc_t<T>* ws;    // num_w accumulators, zeroed
  int64_t split_len;  // reduction entries per blockIdx.y
  int atomic;         // 1: several splits add into ws; 0: plain stores
  Geometry g;
};

// ----------------------------------------------------------------- layout

// Device view of the layout tensor (block_layout.hpp's BlockLayout fields).
struct DevLayout {
  int64_t n, kk, blocks;
  const int64_t *in_ptr, *out_ptr, *nbr_ptr, *nbr_idx, *col_off, *row_k, *w_ptr, *t_ptr, *t_block;
};

// Header check against what the host knows (see kernels.cuh). Reads only
// inside [0, len).
__device__ bool parse_layout(const int64_t* d, int64_t len, const Geometry& g, DevLayout& L) {
  if (d == nullptr || len < 4 || d[0] != kLayoutMagic) return false;
  const int64_t n = d[1], kk = d[2], blocks = d[3];
  const int64_t n_bound = min_of(g.in_f, g.out_f);
  if (n < 1 || n > n_bound || kk != g.kk || blocks < n || blocks > len) return false;
  if (len != 9 + 6 * n + 3 * blocks) return false;
  L.n = n;
  L.kk = kk;
  L.blocks = blocks;
  const int64_t* p = d + 4;
  L.in_ptr = p;
  p += n + 1;
  L.out_ptr = p;
  p += n + 1;
  L.nbr_ptr = p;
  p += n + 1;
  L.nbr_idx = p;
  p += blocks;
  L.col_off = p;
  p += blocks;
  L.row_k = p;
  p += n;
  L.w_ptr = p;
  p += n + 1;
  L.t_ptr = p;
  p += n + 1;
  L.t_block = p;
  return L.in_ptr[0] == 0 && L.in_ptr[n] == g.in_f && L.out_ptr[0] == 0 && L.out_ptr[n] == g.out_f &&
         L.nbr_ptr[0] == 0 && L.nbr_ptr[n] == blocks && L.w_ptr[0] == 0 && L.w_ptr[n] == g.num_w &&
         L.t_ptr[0] == 0 && L.t_ptr[n] == blocks;
}

// Output node owning block b (as BlockLayout::block_row); in [0, n).
__device__ int64_t block_row(const DevLayout& L, int64_t b) {
  int64_t lo = 0, hi = L.n;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (L.nbr_ptr[mid] <= b) lo = mid;
    else hi = mid;
  }
  return lo;
}

// Row tile number k over node offsets P (n + 1 entries, P[n] = F): its
// node, first node-local row and row count; false for a gap, a number past
// the end, or a node whose row range is malformed.
__device__ bool find_row_tile(const int64_t* P, int64_t n, int64_t F, int64_t k, int64_t& node, int64_t& row0,
                              int64_t& rows) {
  int64_t lo = 0, hi = n;  // largest v with floor(P[v] / kBR) + v <= k (v = 0 always qualifies)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (P[mid] / kBR + mid <= k) lo = mid;
    else hi = mid;
  }
  const int64_t p0 = P[lo], p1 = P[lo + 1];
  if (!(0 <= p0 && p0 < p1 && p1 <= F)) return false;
  const int64_t t = k - (p0 / kBR + lo);
  if (t < 0 || t >= ceil_div(p1 - p0, kBR)) return false;
  node = lo;
  row0 = t * kBR;
  rows = min_of<int64_t>(kBR, p1 - p0 - row0);
  return true;
}

// ------------------------------------------------------------- tile math

// SIMT: thread (tx = tid % 16, ty = tid / 16) owns rows ty, ty + 8 and
// columns tx + 16 j (j < 4) of the 16 x 64 tile.
template <typename Tile, typename Acc>
struct SimtTile {
  Acc v[2][4];

  __device__ void zero() {
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) v[i][j] = Acc(0);
  }

  __device__ void mma(const Tile* As, const Tile* Bs, int tid) {
    const int tx = tid & 15, ty = tid >> 4;
#pragma unroll 8
    for (int e = 0; e < kBK; ++e) {
      const Acc a0 = widen(As[e * kLda<Tile> + ty]);
      const Acc a1 = widen(As[e * kLda<Tile> + ty + 8]);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const Acc b = widen(Bs[e * kLdb<Tile> + tx + 16 * j]);
        v[0][j] += a0 * b;
        v[1][j] += a1 * b;
      }
    }
  }

  __device__ void store(Acc* Cs, int tid) const {
    const int tx = tid & 15, ty = tid >> 4;
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) Cs[(ty + 8 * i) * kLdc + tx + 16 * j] = v[i][j];
  }
};

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// Tensor cores: warp w accumulates columns 16 w .. 16 w + 15 of the tile.
// As[e][row] is A (16 rows x kBK) in column-major order, Bs[e][col] is B in
// row-major order; all fragment pointers are 32-byte aligned (static_asserts).
template <typename T>
struct WmmaTile {
  static_assert((16 * kLda<T> * sizeof(T)) % 32 == 0 && (16 * kLdb<T> * sizeof(T)) % 32 == 0 &&
                    (16 * sizeof(T)) % 32 == 0 && kBOffset<T> % 32 == 0 && kLda<T> % 8 == 0 &&
                    kLdb<T> % 8 == 0 && kLdc % 4 == 0 && (16 * kLdc * sizeof(float)) % 32 == 0 &&
                    (16 * sizeof(float)) % 32 == 0,
                "WMMA needs 32-byte aligned fragments and ldm multiples of 16 bytes");
  nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float> c;

  __device__ void zero() { nvcuda::wmma::fill_fragment(c, 0.0f); }

  __device__ void mma(const T* As, const T* Bs, int tid) {
    const int warp = tid >> 5;
#pragma unroll
    for (int ks = 0; ks < kBK / 16; ++ks) {
      nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 16, T, nvcuda::wmma::col_major> a;
      nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 16, T, nvcuda::wmma::row_major> b;
      nvcuda::wmma::load_matrix_sync(a, As + ks * 16 * kLda<T>, kLda<T>);
      nvcuda::wmma::load_matrix_sync(b, Bs + ks * 16 * kLdb<T> + warp * 16, kLdb<T>);
      nvcuda::wmma::mma_sync(c, a, b, c);
    }
  }

  __device__ void store(float* Cs, int tid) const {
    nvcuda::wmma::store_matrix_sync(Cs + (tid >> 5) * 16, c, kLdc, nvcuda::wmma::mem_row_major);
  }
};

template <typename T>
struct TileMath {
  using type = std::conditional_t<kTensorCores<T>, WmmaTile<T>, SimtTile<tile_t<T>, acc_t<T>>>;
};
#else
template <typename T>
struct TileMath {
  using type = SimtTile<tile_t<T>, acc_t<T>>;
};
#endif

// Fills dst[0, numel) with NaN, split over the whole grid (every block of a
// launch whose layout fails the header check runs this).
template <typename V>
__device__ void poison(V* dst, int64_t numel) {
  const int64_t blocks = static_cast<int64_t>(gridDim.x) * gridDim.y;
  const int64_t block = static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  const V nan = quiet_nan<V>();
  for (int64_t i = block * kThreads + threadIdx.x; i < numel; i += blocks * kThreads) dst[i] = nan;
}

// ============================================================ rows kernel
//
// Forward (kGradInput = false: rows = output channels of node i, segments =
// its neighbour blocks nbr_ptr[i] ..) and grad input (true: rows = input
// channels of node j, segments = the blocks t_block[t_ptr[j] ..] reading j),
// linear (columns = batch rows) or conv (columns = (image, pixel)).

template <typename Tile, typename Acc>
struct alignas(128) RowsSmem {
  unsigned char tiles[kTileBytes<Tile, Acc>];
  // Staged segments of the current group; lengths prefix-summed in seg_end.
  // Reduction entry `local` of a segment has weight offset
  // seg_a + (local / kk) * seg_outer + local % kk and panel channel
  // seg_b + local / kk.
  int64_t seg_end[kGroup], seg_len[kGroup], seg_a[kGroup], seg_outer[kGroup], seg_b[kGroup];
  int64_t total;
  // Reduction entries of the current chunk. The panel element of entry e
  // and column c is src[col_base[c] + map_off[e]] (+ oy * out_w + ox for
  // the conv gather), the pixel bounds checked with col_y/x and map_dy/dx.
  int64_t map_a[kBK];    // weight offset at node-local row 0; -1 past the end
  int64_t map_off[kBK];  // linear: channel; conv forward: (ch * h + dy) * w + dx; grad input: ch * oh * ow
  int64_t map_dy[kBK], map_dx[kBK];  // conv: ki * dilation_h, kj * dilation_w
  // Columns of the current tile.
  int64_t col_n[kBC];     // batch row (linear) or image (conv); -1 past the end
  int64_t col_base[kBC];  // linear: row * row length; conv forward: offset of the window origin; grad input: image of dy
  int64_t col_y[kBC], col_x[kBC];  // conv forward: window origin (oy s - p); grad input: (iy + p, ix + p)
  int64_t col_p[kBC];     // conv: pixel index of the result within its image plane
  DevLayout L;
  // The current row tile.
  int64_t node, node_rows, rows, row0, row_base, seg0, seg1, a_rs, w_base, k_i;
  int ok, valid, bad;
};

// Thread 0: row tile k -> node, rows and segment range (checked).
template <bool kGradInput, typename S>
__device__ void rows_setup(S& s, const Geometry& g, int64_t k) {
  const DevLayout& L = s.L;
  s.valid = 0;
  s.bad = 0;
  const int64_t* P = kGradInput ? L.in_ptr : L.out_ptr;
  int64_t node = 0, row0 = 0, rows = 0;
  if (!find_row_tile(P, L.n, kGradInput ? g.in_f : g.out_f, k, node, row0, rows)) return;
  s.valid = 1;
  s.node = node;
  s.node_rows = P[node + 1] - P[node];
  s.rows = rows;
  s.row0 = row0;
  s.row_base = P[node] + row0;
  bool ok = true;
  int64_t seg0 = 0, seg1 = 0;
  if constexpr (!kGradInput) {
    // W_i (node_rows x K kk at w_ptr) must lie inside the weight.
    const int64_t K = L.row_k[node], w0 = L.w_ptr[node];
    ok = K >= 1 && K <= g.in_f && w0 >= 0 && w0 <= g.num_w && s.node_rows <= (g.num_w - w0) / (K * g.kk);
    s.k_i = K;
    s.w_base = w0;
    s.a_rs = K * g.kk;  // A row stride: one row of W_i
    seg0 = L.nbr_ptr[node];
    seg1 = L.nbr_ptr[node + 1];
  } else {
    s.k_i = 0;
    s.w_base = 0;
    s.a_rs = g.kk;  // A row stride: the next input channel of the block
    seg0 = L.t_ptr[node];
    seg1 = L.t_ptr[node + 1];
  }
  if (!(ok && 0 <= seg0 && seg0 <= seg1 && seg1 <= L.blocks)) {
    s.bad = 1;  // rows written as NaN
    seg0 = seg1 = 0;
  }
  s.seg0 = seg0;
  s.seg1 = seg1;
}

// Warp 0: stages segments [first, end) (at most 32), one per lane. A
// segment failing its checks gets length 0 and marks the tile bad.
template <bool kGradInput, typename S>
__device__ void rows_stage(S& s, const Geometry& g, int64_t first, int64_t end, int lane) {
  const DevLayout& L = s.L;
  const int64_t sid = first + lane;
  int64_t len = 0, a_base = 0, a_outer = 0, b_base = 0;
  if (sid < end) {
    bool ok = false;
    if constexpr (!kGradInput) {
      // Block sid = (i, j): channels in_ptr[j] .. of x, columns col_off of W_i.
      const int64_t j = L.nbr_idx[sid];
      if (j >= 0 && j < L.n) {
        const int64_t a0 = L.in_ptr[j], a1 = L.in_ptr[j + 1], co = L.col_off[sid];
        if (0 <= a0 && a0 < a1 && a1 <= g.in_f && co >= 0 && co <= s.k_i - (a1 - a0)) {
          ok = true;
          len = (a1 - a0) * g.kk;
          a_base = s.w_base + co * g.kk;
          a_outer = g.kk;
          b_base = a0;
        }
      }
    } else {
      // Block blk = (i, j) reading node j: output channels out_ptr[i] .. of
      // dy; element (o, c, r) of W_i at w_ptr[i] + (o K_i + col_off + c) kk + r.
      const int64_t blk = L.t_block[sid];
      if (blk >= 0 && blk < L.blocks && L.nbr_idx[blk] == s.node) {
        const int64_t i = block_row(L, blk);
        const int64_t o0 = L.out_ptr[i], o1 = L.out_ptr[i + 1];
        const int64_t K = L.row_k[i], w0 = L.w_ptr[i], co = L.col_off[blk];
        if (L.nbr_ptr[i] <= blk && blk < L.nbr_ptr[i + 1] && 0 <= o0 && o0 < o1 && o1 <= g.out_f && K >= 1 &&
            K <= g.in_f && w0 >= 0 && w0 <= g.num_w && o1 - o0 <= (g.num_w - w0) / (K * g.kk) && co >= 0 &&
            co <= K - s.node_rows) {
          ok = true;
          len = (o1 - o0) * g.kk;
          a_base = w0 + co * g.kk;
          a_outer = K * g.kk;
          b_base = o0;
        }
      }
    }
    if (!ok) s.bad = 1;
  }
  int64_t end_incl = len;  // inclusive prefix sum over the warp
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    const int64_t v = __shfl_up_sync(0xffffffffu, end_incl, d);
    if (lane >= d) end_incl += v;
  }
  s.seg_end[lane] = end_incl;
  s.seg_len[lane] = len;
  s.seg_a[lane] = a_base;
  s.seg_outer[lane] = a_outer;
  s.seg_b[lane] = b_base;
  if (lane == 31) s.total = end_incl;
}

// Warp 0: reduction entry e (of the staged group) for lane `lane`.
template <bool kConv, bool kGradInput, typename S>
__device__ void rows_map(S& s, int64_t e, int64_t total, const Geometry& g, int lane) {
  int64_t a = -1, off = 0, dy = 0, dx = 0;
  if (e < total) {
    int lo = 0, hi = kGroup - 1;  // first segment ending after e (exists: e < seg_end[31])
    while (lo < hi) {
      const int mid = (lo + hi) >> 1;
      if (s.seg_end[mid] > e) hi = mid;
      else lo = mid + 1;
    }
    const int64_t local = e - (s.seg_end[lo] - s.seg_len[lo]);
    const int64_t outer = local / g.kk, r = local - outer * g.kk;
    a = s.seg_a[lo] + outer * s.seg_outer[lo] + r;
    const int64_t ch = s.seg_b[lo] + outer;  // input (forward) / output (grad input) channel
    const int64_t ki = r / g.kw, kj = r - ki * g.kw;
    dy = ki * g.dh;
    dx = kj * g.dw;
    if constexpr (!kConv) off = ch;
    else if constexpr (!kGradInput) off = (ch * g.h + dy) * g.w + dx;
    else off = ch * (g.oh * g.ow);
  }
  s.map_a[lane] = a;
  s.map_off[lane] = off;
  s.map_dy[lane] = dy;
  s.map_dx[lane] = dx;
}

// Threads 0..63: coordinates of column `col` (tile slot t).
template <bool kConv, bool kGradInput, typename S>
__device__ void rows_column(S& s, const Geometry& g, int64_t col, int t) {
  int64_t n = -1, base = 0, y = 0, x = 0, p = 0;
  if (col < g.cols) {
    if constexpr (!kConv) {
      n = col;
      base = col * (kGradInput ? g.out_f : g.in_f);
    } else {
      const int64_t hh = kGradInput ? g.h : g.oh, ww = kGradInput ? g.w : g.ow;
      n = col / (hh * ww);
      p = col - n * (hh * ww);
      const int64_t py = p / ww, px = p - py * ww;
      if constexpr (!kGradInput) {  // output pixel: its window starts at (y, x) in x[n]
        y = py * g.sh - g.ph;
        x = px * g.sw - g.pw;
        base = (n * g.in_f * g.h + y) * g.w + x;
      } else {  // input pixel (py, px): read by output (oy, ox) iff oy * sh = py + ph - ki * dh
        y = py + g.ph;
        x = px + g.pw;
        base = n * g.out_f * (g.oh * g.ow);
      }
    }
  }
  s.col_n[t] = n;
  s.col_base[t] = base;
  s.col_y[t] = y;
  s.col_x[t] = x;
  s.col_p[t] = p;
}

// As[e][r] = W entry of reduction entry e and node-local row row0 + r.
// Forward reads along e (a row of W_i), grad input along r (channels).
template <bool kGradInput, typename T, typename Tile, typename S>
__device__ void rows_load_a(Tile* As, const S& s, const T* weight, int64_t rows, int64_t row0, int64_t a_rs,
                            int tid) {
  for (int idx = tid; idx < kBK * kBR; idx += kThreads) {
    int e, r;
    if constexpr (kGradInput) {
      r = idx % kBR;
      e = idx / kBR;
    } else {
      e = idx % kBK;
      r = idx / kBK;
    }
    const int64_t off = s.map_a[e];
    Tile v = convert<Tile>(0.0f);
    if (off >= 0 && r < rows) v = convert<Tile>(weight[off + (row0 + r) * a_rs]);
    As[e * kLda<Tile> + r] = v;
  }
}

// Bs[e][c] = panel entry: x (forward; im2col for conv) or dy (grad input;
// the transposed-conv gather for conv), zero outside the image.
template <bool kConv, bool kGradInput, typename T, typename Tile, typename S>
__device__ void rows_load_b(Tile* Bs, const S& s, const T* src, const Geometry& g, int tid) {
  for (int idx = tid; idx < kBK * kBC; idx += kThreads) {
    int e, c;
    if constexpr (kConv) {  // consecutive threads: consecutive pixels
      c = idx % kBC;
      e = idx / kBC;
    } else {  // consecutive threads: consecutive channels of one row
      e = idx % kBK;
      c = idx / kBK;
    }
    Tile v = convert<Tile>(0.0f);
    if (s.map_a[e] >= 0 && s.col_n[c] >= 0) {
      if constexpr (!kConv) {
        v = convert<Tile>(src[s.col_base[c] + s.map_off[e]]);
      } else if constexpr (!kGradInput) {
        // x[n][ch][iy][ix] = src[col_base + map_off] when (iy, ix) is inside
        const int64_t iy = s.col_y[c] + s.map_dy[e], ix = s.col_x[c] + s.map_dx[e];
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) v = convert<Tile>(src[s.col_base[c] + s.map_off[e]]);
      } else {
        // dy[n][ch][oy][ox] with oy * sh = iy + ph - ki * dh (likewise x)
        int64_t oy = s.col_y[c] - s.map_dy[e], ox = s.col_x[c] - s.map_dx[e];
        bool ok = oy >= 0 && ox >= 0;
        if (g.sh != 1) {
          ok = ok && oy % g.sh == 0;
          oy /= g.sh;
        }
        if (g.sw != 1) {
          ok = ok && ox % g.sw == 0;
          ox /= g.sw;
        }
        if (ok && oy < g.oh && ox < g.ow) v = convert<Tile>(src[s.col_base[c] + s.map_off[e] + oy * g.ow + ox]);
      }
    }
    Bs[e * kLdb<Tile> + c] = v;
  }
}

// Writes the tile (Cs) to dst, adding the bias in the forward.
template <bool kConv, bool kGradInput, typename T, typename Acc, typename S>
__device__ void rows_store(const S& s, const RowsArgs<T>& a, const Acc* Cs, int64_t rows, int64_t row_base, int tid) {
  const Geometry& g = a.g;
  const bool bad = s.bad != 0;
  for (int idx = tid; idx < kBR * kBC; idx += kThreads) {
    int r, c;
    if constexpr (kConv) {  // NCHW: pixels are contiguous
      c = idx % kBC;
      r = idx / kBC;
    } else {  // (rows, features): channels are contiguous
      r = idx % kBR;
      c = idx / kBR;
    }
    const int64_t n = s.col_n[c];
    if (r >= rows || n < 0) continue;
    const int64_t ch = row_base + r;
    Acc v = bad ? quiet_nan<Acc>() : Cs[r * kLdc + c];
    if constexpr (!kGradInput) {
      if (a.bias != nullptr) v += widen(a.bias[ch]);
    }
    int64_t off;
    if constexpr (!kConv) {
      off = n * (kGradInput ? g.in_f : g.out_f) + ch;
    } else if constexpr (!kGradInput) {
      off = (n * g.out_f + ch) * (g.oh * g.ow) + s.col_p[c];
    } else {
      off = (n * g.in_f + ch) * (g.h * g.w) + s.col_p[c];
    }
    a.dst[off] = convert<T>(v);
  }
}

template <typename T, bool kConv, bool kGradInput>
__global__ void __launch_bounds__(kThreads) rows_kernel(const __grid_constant__ RowsArgs<T> a) {
  using Acc = acc_t<T>;
  using Tile = tile_t<T>;
  __shared__ RowsSmem<Tile, Acc> s;
  const int tid = static_cast<int>(threadIdx.x), lane = tid & 31, warp = tid >> 5;
  const Geometry& g = a.g;

  if (tid == 0) s.ok = parse_layout(a.layout, a.layout_len, g, s.L) ? 1 : 0;
  __syncthreads();
  if (!s.ok) {
    poison(a.dst, a.dst_numel);
    return;
  }
  const int64_t row_tiles = (kGradInput ? g.in_f : g.out_f) / kBR + s.L.n;  // bound on tile numbers
  const int64_t col_tiles = ceil_div(g.cols, kBC);
  Tile* As = reinterpret_cast<Tile*>(s.tiles);
  Tile* Bs = reinterpret_cast<Tile*>(s.tiles + kBOffset<Tile>);
  Acc* Cs = reinterpret_cast<Acc*>(s.tiles);
  typename TileMath<T>::type math;

  for (int64_t k = blockIdx.x; k < row_tiles; k += gridDim.x) {
    __syncthreads();  // everyone is done with the previous row tile's fields
    if (tid == 0) rows_setup<kGradInput>(s, g, k);
    __syncthreads();
    if (!s.valid) continue;
    const int64_t rows = s.rows, row0 = s.row0, row_base = s.row_base, a_rs = s.a_rs;
    const int64_t seg0 = s.seg0, seg1 = s.seg1;
    const bool single = seg1 - seg0 <= kGroup;  // staged once for all column tiles
    if (single && warp == 0) rows_stage<kGradInput>(s, g, seg0, seg1, lane);

    for (int64_t ct = blockIdx.y; ct < col_tiles; ct += gridDim.y) {
      __syncthreads();  // staging visible; the previous tile is done with Cs and the columns
      if (tid < kBC) rows_column<kConv, kGradInput>(s, g, ct * kBC + tid, tid);
      math.zero();
      for (int64_t first = seg0; first < seg1; first += kGroup) {
        if (!single) {
          __syncthreads();  // the previous group's chunks are done with the segments
          if (warp == 0) rows_stage<kGradInput>(s, g, first, min_of<int64_t>(first + kGroup, seg1), lane);
          __syncthreads();
        }
        const int64_t total = s.total;
        for (int64_t k0 = 0; k0 < total; k0 += kBK) {
          if (warp == 0) rows_map<kConv, kGradInput>(s, k0 + lane, total, g, lane);
          __syncthreads();
          rows_load_a<kGradInput>(As, s, a.weight, rows, row0, a_rs, tid);
          rows_load_b<kConv, kGradInput>(Bs, s, a.src, g, tid);
          __syncthreads();
          math.mma(As, Bs, tid);
          __syncthreads();  // tiles and map free again
        }
      }
      math.store(Cs, tid);
      __syncthreads();
      rows_store<kConv, kGradInput>(s, a, Cs, rows, row_base, tid);
    }
  }
}

// ====================================================== grad weight kernel
//
// Rows = output channels o of node i (row tiles as above), columns = the
// packed row of W_i (q < K_i kk), reduction over blockIdx.y's share of the
// batch rows (linear) or (image, output pixel) pairs (conv).

template <typename Tile, typename Acc>
struct alignas(128) WgradSmem {
  unsigned char tiles[kTileBytes<Tile, Acc>];
  // Columns q of the current tile: x offset of the input channel and kernel
  // offset (-1: none): linear ch, conv (ch * h + dy) * w + dx.
  int64_t col_xoff[kBC];
  int64_t col_dy[kBC], col_dx[kBC];  // conv: ki * dilation_h, kj * dilation_w
  // Reduction entries of the current chunk (batch rows or (image, output
  // pixel)): -1 past the end, else the image; dy offset at output channel 0;
  // x offset at channel 0 (conv: of the window origin (y0, x0)).
  int64_t red_n[kBK], red_dy[kBK], red_x[kBK], red_y0[kBK], red_x0[kBK];
  DevLayout L;
  int64_t rows, row0, o_base, seg0, seg1, q_len, w_base;
  int ok, valid, bad;
};

// Thread 0: row tile k -> node i, its rows and W_i (skipped when W_i is not
// inside the weight; NaN when its blocks are malformed).
template <typename S>
__device__ void wgrad_setup(S& s, const Geometry& g, int64_t k) {
  const DevLayout& L = s.L;
  s.valid = 0;
  s.bad = 0;
  int64_t node = 0, row0 = 0, rows = 0;
  if (!find_row_tile(L.out_ptr, L.n, g.out_f, k, node, row0, rows)) return;
  const int64_t b = L.out_ptr[node + 1] - L.out_ptr[node];
  const int64_t K = L.row_k[node], w0 = L.w_ptr[node];
  if (!(K >= 1 && K <= g.in_f && w0 >= 0 && w0 <= g.num_w && b <= (g.num_w - w0) / (K * g.kk))) return;
  s.valid = 1;
  s.rows = rows;
  s.row0 = row0;
  s.o_base = L.out_ptr[node] + row0;
  s.q_len = K * g.kk;
  s.w_base = w0;
  int64_t seg0 = L.nbr_ptr[node], seg1 = L.nbr_ptr[node + 1];
  if (!(0 <= seg0 && seg0 < seg1 && seg1 <= L.blocks)) {
    s.bad = 1;
    seg0 = seg1 = 0;
  }
  s.seg0 = seg0;
  s.seg1 = seg1;
}

// Threads 0..63: column q of W_i -> (input channel, ki, kj), by a binary
// search for the block b with col_off[b] <= q / kk.
template <bool kConv, typename S>
__device__ void wgrad_column(S& s, const Geometry& g, int64_t q, int t) {
  const DevLayout& L = s.L;
  int64_t xoff = -1, dy = 0, dx = 0;
  if (q < s.q_len) {
    bool ok = false;
    const int64_t seg0 = s.seg0, seg1 = s.seg1;
    const int64_t kc = q / g.kk, r = q - kc * g.kk;
    if (seg1 > seg0) {
      int64_t lo = seg0, hi = seg1;
      while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (L.col_off[mid] <= kc) lo = mid;
        else hi = mid;
      }
      const int64_t j = L.nbr_idx[lo], co = L.col_off[lo];
      if (j >= 0 && j < L.n) {
        const int64_t a0 = L.in_ptr[j], a1 = L.in_ptr[j + 1];
        if (0 <= a0 && a0 < a1 && a1 <= g.in_f && co <= kc && kc - co < a1 - a0) {
          ok = true;
          const int64_t ch = a0 + (kc - co);
          const int64_t ki = r / g.kw, kj = r - ki * g.kw;
          dy = ki * g.dh;
          dx = kj * g.dw;
          xoff = kConv ? (ch * g.h + dy) * g.w + dx : ch;
        }
      }
    }
    if (!ok) s.bad = 1;
  }
  s.col_xoff[t] = xoff;
  s.col_dy[t] = dy;
  s.col_dx[t] = dx;
}

// Warp 0: reduction entry e (< end) for lane `lane`.
template <bool kConv, typename S>
__device__ void wgrad_reduction(S& s, const Geometry& g, int64_t e, int64_t end, int lane) {
  int64_t n = -1, dyo = 0, xo = 0, y0 = 0, x0 = 0;
  if (e < end) {
    if constexpr (!kConv) {
      n = e;
      dyo = e * g.out_f;
      xo = e * g.in_f;
    } else {
      const int64_t pixels = g.oh * g.ow;
      n = e / pixels;
      const int64_t p = e - n * pixels, oy = p / g.ow, ox = p - oy * g.ow;
      dyo = n * g.out_f * pixels + p;
      y0 = oy * g.sh - g.ph;
      x0 = ox * g.sw - g.pw;
      xo = (n * g.in_f * g.h + y0) * g.w + x0;
    }
  }
  s.red_n[lane] = n;
  s.red_dy[lane] = dyo;
  s.red_x[lane] = xo;
  s.red_y0[lane] = y0;
  s.red_x0[lane] = x0;
}

// As[e][r] = dy at output channel o_base + r and reduction entry e.
template <bool kConv, typename T, typename Tile, typename S>
__device__ void wgrad_load_a(Tile* As, const S& s, const T* dy, const Geometry& g, int64_t rows, int64_t o_base,
                             int tid) {
  for (int idx = tid; idx < kBK * kBR; idx += kThreads) {
    int e, r;
    if constexpr (kConv) {  // along pixels
      e = idx % kBK;
      r = idx / kBK;
    } else {  // along channels
      r = idx % kBR;
      e = idx / kBR;
    }
    Tile v = convert<Tile>(0.0f);
    if (s.red_n[e] >= 0 && r < rows) v = convert<Tile>(dy[s.red_dy[e] + (o_base + r) * (kConv ? g.oh * g.ow : 1)]);
    As[e * kLda<Tile> + r] = v;
  }
}

// Bs[e][c] = panel entry of column c (input channel, kernel offset) at
// reduction entry e: x, im2col'ed for conv (zero outside the image).
template <bool kConv, typename T, typename Tile, typename S>
__device__ void wgrad_load_b(Tile* Bs, const S& s, const T* x, const Geometry& g, int tid) {
  for (int idx = tid; idx < kBK * kBC; idx += kThreads) {
    int e, c;
    if constexpr (kConv) {  // along pixels
      e = idx % kBK;
      c = idx / kBK;
    } else {  // along channels
      c = idx % kBC;
      e = idx / kBC;
    }
    Tile v = convert<Tile>(0.0f);
    if (s.red_n[e] >= 0 && s.col_xoff[c] >= 0) {
      if constexpr (!kConv) {
        v = convert<Tile>(x[s.red_x[e] + s.col_xoff[c]]);
      } else {
        // x[n][ch][y0 + ki dh][x0 + kj dw] when inside the image
        const int64_t iy = s.red_y0[e] + s.col_dy[c], ix = s.red_x0[e] + s.col_dx[c];
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) v = convert<Tile>(x[s.red_x[e] + s.col_xoff[c]]);
      }
    }
    Bs[e * kLdb<Tile> + c] = v;
  }
}

template <typename T, bool kConv>
__global__ void __launch_bounds__(kThreads) wgrad_kernel(const __grid_constant__ WgradArgs<T> a) {
  using Acc = acc_t<T>;
  using Tile = tile_t<T>;
  __shared__ WgradSmem<Tile, Acc> s;
  const int tid = static_cast<int>(threadIdx.x), lane = tid & 31, warp = tid >> 5;
  const Geometry& g = a.g;

  if (tid == 0) s.ok = parse_layout(a.layout, a.layout_len, g, s.L) ? 1 : 0;
  __syncthreads();
  if (!s.ok) {
    poison(a.ws, g.num_w);
    return;
  }
  const int64_t red_begin = static_cast<int64_t>(blockIdx.y) * a.split_len;
  const int64_t red_end = min_of(g.cols, red_begin + a.split_len);
  if (red_begin >= red_end) return;
  const int64_t row_tiles = g.out_f / kBR + s.L.n;
  Tile* As = reinterpret_cast<Tile*>(s.tiles);
  Tile* Bs = reinterpret_cast<Tile*>(s.tiles + kBOffset<Tile>);
  Acc* Cs = reinterpret_cast<Acc*>(s.tiles);
  typename TileMath<T>::type math;

  for (int64_t k = blockIdx.x; k < row_tiles; k += gridDim.x) {
    __syncthreads();
    if (tid == 0) wgrad_setup(s, g, k);
    __syncthreads();
    if (!s.valid) continue;
    const int64_t rows = s.rows, row0 = s.row0, o_base = s.o_base, q_len = s.q_len, w_base = s.w_base;

    for (int64_t q0 = 0; q0 < q_len; q0 += kBC) {
      __syncthreads();  // the previous column tile is done with Cs and the columns
      if (tid < kBC) wgrad_column<kConv>(s, g, q0 + tid, tid);
      math.zero();
      for (int64_t m0 = red_begin; m0 < red_end; m0 += kBK) {
        if (warp == 0) wgrad_reduction<kConv>(s, g, m0 + lane, red_end, lane);
        __syncthreads();
        wgrad_load_a<kConv>(As, s, a.dy, g, rows, o_base, tid);
        wgrad_load_b<kConv>(Bs, s, a.x, g, tid);
        __syncthreads();
        math.mma(As, Bs, tid);
        __syncthreads();
      }
      math.store(Cs, tid);
      __syncthreads();
      const bool bad = s.bad != 0;
      for (int idx = tid; idx < kBR * kBC; idx += kThreads) {
        const int c = idx % kBC, r = idx / kBC;
        const int64_t q = q0 + c;
        if (r >= rows || q >= q_len) continue;
        const int64_t off = w_base + (row0 + r) * q_len + q;
        const Acc v = bad ? quiet_nan<Acc>() : Cs[r * kLdc + c];
        if (a.atomic) atomicAdd(a.ws + off, v);
        else a.ws[off] = v;
      }
    }
  }
}

template <typename From, typename To>
__global__ void convert_kernel(const From* in, To* out, int64_t numel) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += stride)
    out[i] = convert<To>(in[i]);
}

// ================================================================ launching

// Problem geometry from the launchers' shapes.
inline Geometry linear_geometry(const LinearShape& s) {
  Geometry g;
  g.in_f = s.in_features;
  g.out_f = s.out_features;
  g.num_w = s.num_weights;
  g.kk = 1;
  g.cols = s.rows;
  return g;
}

// Columns are (image, output pixel), or (image, input pixel) for the
// input gradient.
inline Geometry conv_geometry(const Conv2dShape& s, bool input_pixels) {
  Geometry g;
  g.in_f = s.in_channels;
  g.out_f = s.out_channels;
  g.num_w = s.num_weights;
  g.kk = s.kernel_h * s.kernel_w;
  g.h = s.height;
  g.w = s.width;
  g.oh = s.out_height;
  g.ow = s.out_width;
  g.kw = s.kernel_w;
  g.sh = s.stride_h;
  g.sw = s.stride_w;
  g.ph = s.pad_h;
  g.pw = s.pad_w;
  g.dh = s.dilation_h;
  g.dw = s.dilation_w;
  g.cols = s.batch * (input_pixels ? s.height * s.width : s.out_height * s.out_width);
  return g;
}

// The geometry the conv kernels rely on (the glue checks it too).
inline bool conv_shape_ok(const Conv2dShape& s) {
  return s.batch >= 0 && s.in_channels >= 0 && s.out_channels >= 0 && s.height >= 0 && s.width >= 0 &&
         s.kernel_h >= 1 && s.kernel_w >= 1 && s.stride_h >= 1 && s.stride_w >= 1 && s.pad_h >= 0 &&
         s.pad_w >= 0 && s.dilation_h >= 1 && s.dilation_w >= 1 && s.out_height >= 1 && s.out_width >= 1 &&
         s.out_height == (s.height + 2 * s.pad_h - s.dilation_h * (s.kernel_h - 1) - 1) / s.stride_h + 1 &&
         s.out_width == (s.width + 2 * s.pad_w - s.dilation_w * (s.kernel_w - 1) - 1) / s.stride_w + 1;
}

// Blocks along the row tiles: enough to cover about kBlocksPerSm blocks per
// SM together with `other` blocks along y, at least two per kBR rows of F
// (real tiles number at least F / kBR), at most the bound on tile numbers.
inline int64_t row_blocks(int64_t F, int64_t n_bound, int64_t other, int64_t sms) {
  const int64_t bound = max_of<int64_t>(1, F / kBR + n_bound);
  const int64_t lower = max_of<int64_t>(1, ceil_div(F, kBR));
  const int64_t want = max_of(2 * lower, ceil_div(sms * kBlocksPerSm, other));
  return min_of<int64_t>(min_of(want, bound), INT_MAX);
}

// Grid of rows_kernel (g.cols >= 1): x over row tiles, y over column tiles.
inline void rows_grid(const Geometry& g, bool grad_input, int64_t sms, int64_t& gx, int64_t& gy) {
  const int64_t F = grad_input ? g.in_f : g.out_f;
  const int64_t n_bound = max_of<int64_t>(1, min_of(g.in_f, g.out_f));
  gy = min_of(ceil_div(g.cols, kBC), kMaxGridY);
  gx = row_blocks(F, n_bound, gy, sms);
}

// Grid of wgrad_kernel (g.cols >= 1): the reduction is split so that about
// kBlocksPerSm blocks per SM run, counting at least ceil(out / kBR) row
// tiles, with >= kMinSplit entries per split (all splits non-empty). One
// split: plain stores (deterministic); more: atomicAdd.
inline void wgrad_grid(const Geometry& g, int64_t sms, int64_t& gx, int64_t& splits, int64_t& split_len) {
  const int64_t lower = max_of<int64_t>(1, ceil_div(g.out_f, kBR));
  const int64_t max_splits = max_of<int64_t>(1, min_of(kMaxGridY, ceil_div(g.cols, kMinSplit)));
  splits = min_of(max_of<int64_t>(1, ceil_div(sms * kBlocksPerSm, lower)), max_splits);
  split_len = ceil_div(ceil_div(g.cols, splits), kBK) * kBK;
  splits = ceil_div(g.cols, split_len);
  const int64_t n_bound = max_of<int64_t>(1, min_of(g.in_f, g.out_f));
  gx = row_blocks(g.out_f, n_bound, splits, sms);
}

#if defined(__CUDACC__)  // kernel launches need nvcc

inline cudaError_t multiprocessors(int64_t& count) {
  int device = 0, sms = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err != cudaSuccess) return err;
  err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  if (err != cudaSuccess) return err;
  count = max_of<int64_t>(1, sms);
  return cudaSuccess;
}

template <typename T, bool kConv, bool kGradInput>
cudaError_t launch_rows(const RowsArgs<T>& args, cudaStream_t stream) {
  if (args.dst_numel <= 0 || args.g.cols <= 0) return cudaSuccess;
  int64_t sms = 1, gx = 1, gy = 1;
  const cudaError_t err = multiprocessors(sms);
  if (err != cudaSuccess) return err;
  rows_grid(args.g, kGradInput, sms, gx, gy);
  rows_kernel<T, kConv, kGradInput>
      <<<dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy)), kThreads, 0, stream>>>(args);
  return cudaGetLastError();
}

template <typename T, bool kConv>
cudaError_t launch_wgrad(WgradArgs<T> args, T* grad_weight, cudaStream_t stream) {
  using Acc = acc_t<T>;
  const Geometry& g = args.g;
  if (g.num_w <= 0) return cudaSuccess;
  int64_t sms = 1;
  cudaError_t err = multiprocessors(sms);
  if (err != cudaSuccess) return err;
  err = cudaMemsetAsync(args.ws, 0, static_cast<size_t>(g.num_w) * sizeof(Acc), stream);
  if (err != cudaSuccess) return err;
  if (g.cols > 0) {
    int64_t gx = 1, splits = 1, split_len = 1;
    wgrad_grid(g, sms, gx, splits, split_len);
    args.split_len = split_len;
    args.atomic = splits > 1 ? 1 : 0;
    wgrad_kernel<T, kConv><<<dim3(static_cast<unsigned>(gx), static_cast<unsigned>(splits)), kThreads, 0, stream>>>(args);
    err = cudaGetLastError();
    if (err != cudaSuccess) return err;
  }
  if (static_cast<const void*>(args.ws) != static_cast<const void*>(grad_weight)) {
    const int64_t blocks = min_of(ceil_div(g.num_w, 256), sms * 32);
    convert_kernel<Acc, T><<<static_cast<unsigned>(blocks), 256, 0, stream>>>(args.ws, grad_weight, g.num_w);
    err = cudaGetLastError();
  }
  return err;
}

#endif  // __CUDACC__

}  // namespace
}  // namespace relsparse::ops::cuda
