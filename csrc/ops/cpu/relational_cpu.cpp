// CPU implementations of the relational linear and conv2d ops: build, node
// by node, the gather tables of block_gemm.hpp over dense panels, and
// schedule the node products on ATen's thread pool.
//
// Panels
//   linear       x^T (in x batch) and dy^T (out x batch), batch padded to
//                whole vectors, rows an odd number of cache lines apart
//                (panel_stride); the weight gradient reads x's columns in
//                place instead (or packs a node's scattered columns).
//   conv, stride 1 (implicit GEMM, no im2col): each input channel is
//                zero-padded to Hp x Wp and output pixels are numbered
//                q = oy * Wp + ox ("padded width"). The panel row of input
//                channel c and kernel element (ki, kj) is then the padded
//                plane itself, shifted by ki*dh*Wp + kj*dw: a pointer, not a
//                copy. Columns with ox >= Wo are computed and dropped. The
//                input gradient is the same with the kernel flipped, over
//                dy padded by the kernel's reach.
//   conv, other strides: im2col of pixel tiles (channel x kernel rows).
//
// Compute types: float64 tensors compute in double; float32, bfloat16 and
// float16 compute in float (16-bit values widened when panels are built,
// results rounded when written back).
#include "relational_cpu.hpp"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <memory>
#include <vector>

#include "../block_layout.hpp"
#include "../checks.hpp"
#include "balanced_for.hpp"
#include "block_gemm.hpp"
#include "conv_copies.hpp"
#include "planes.hpp"
#include "row_groups.hpp"
#include "scratch.hpp"

namespace relsparse::ops::cpu {
namespace {

at::ScalarType compute_type(at::ScalarType t) { return t == at::kDouble ? at::kDouble : at::kFloat; }

// Columns of one linear task: 8 vectors keep a node's rows in registers.
template <typename T>
constexpr int64_t kTileColumns = 8 * kLanes<T>;

int64_t rows_of(const int64_t* ptr, int64_t v) { return ptr[v + 1] - ptr[v]; }

// Entries of node i's forward product: every input channel c of every
// neighbour block, times every kernel element r; weight W_i[o][(col_off + c)
// * kk + r], panel row row_of(input channel, r).
//
// The tables are written in place into exactly the room they need. With
// push_back (a capacity check and a size update per entry) the linear
// ops at batch 128 were slower: 512 -> 1539 forward 108-110 against
// 101-102 us, input gradient 165-172 against 147-149; 1539 -> 1539
// forward 264-266 against 236-245, input gradient 288-291 against 267-279.
template <typename T, class RowOf>
void forward_entries(const BlockLayout& L, int64_t i, RowOf&& row_of, GatherTable<T>& t) {
  const int64_t kk = L.kernel_elems;
  t.resize(L.row_k[i] * kk);
  int64_t* a = t.a();
  const T** b = t.b();
  for (int64_t blk = L.nbr_ptr[i]; blk < L.nbr_ptr[i + 1]; ++blk) {
    const int64_t j = L.nbr_idx[blk], channels = rows_of(L.in_ptr, j);
    const int64_t a0 = L.w_ptr[i] + L.col_off[blk] * kk, c0 = L.in_ptr[j];
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t r = 0; r < kk; ++r) {
        *a++ = a0 + c * kk + r;
        *b++ = row_of(c0 + c, r);
      }
  }
}

// Entries of node j's input gradient: every output channel o of every node
// i reading j (and, with `per_kernel`, every kernel element r); weight
// W_i[o][col_off * kk (+ r)], panel row row_of(output channel, r).
template <typename T, class RowOf>
void grad_input_entries(const BlockLayout& L, int64_t j, bool per_kernel, RowOf&& row_of, GatherTable<T>& t) {
  const int64_t kk = L.kernel_elems, per_row = per_kernel ? kk : 1;
  int64_t entries = 0;
  for (int64_t s = L.t_ptr[j]; s < L.t_ptr[j + 1]; ++s) entries += rows_of(L.out_ptr, L.block_row(L.t_block[s]));
  t.resize(entries * per_row);
  int64_t* a = t.a();
  const T** b = t.b();
  for (int64_t s = L.t_ptr[j]; s < L.t_ptr[j + 1]; ++s) {
    const int64_t blk = L.t_block[s];
    const int64_t i = L.block_row(blk);
    const int64_t width = L.row_k[i] * kk, a0 = L.w_ptr[i] + L.col_off[blk] * kk, o0 = L.out_ptr[i];
    for (int64_t o = 0; o < rows_of(L.out_ptr, i); ++o)
      for (int64_t r = 0; r < per_row; ++r) {
        *a++ = a0 + o * width + r;
        *b++ = row_of(o0 + o, r);
      }
  }
}

// Calls f(o, c, offset) for every output channel o of node i and input
// channel c of block blk (of node i, reading node j), where offset indexes
// the packed weight W_i[o][c][kernel element 0].
template <class F>
void for_each_block_weight(const BlockLayout& L, int64_t i, int64_t blk, int64_t j, F&& f) {
  const int64_t kk = L.kernel_elems, width = L.row_k[i] * kk;
  for (int64_t o = 0; o < rows_of(L.out_ptr, i); ++o)
    for (int64_t c = 0; c < rows_of(L.in_ptr, j); ++c)
      f(L.out_ptr[i] + o, L.in_ptr[j] + c, L.w_ptr[i] + o * width + (L.col_off[blk] + c) * kk);
}

// Row groups (row_groups.hpp) of the forward product: rows are output
// channels, channels the input channels of each node's neighbour blocks.
template <typename T>
std::vector<RowGroup<T>> forward_groups(const BlockLayout& L, const T* w) {
  auto visit = [&](int64_t i, auto&& emit) {
    for (int64_t blk = L.nbr_ptr[i]; blk < L.nbr_ptr[i + 1]; ++blk) for_each_block_weight(L, i, blk, L.nbr_idx[blk], emit);
  };
  return plan_row_groups<T>(L.n, L.in_features(), L.kernel_elems, w, [&](int64_t i) { return L.out_ptr[i]; }, visit);
}

// Row groups of the input-gradient product: rows are input channels,
// channels the output channels of every node reading the rows' node.
template <typename T>
std::vector<RowGroup<T>> grad_input_groups(const BlockLayout& L, const T* w) {
  auto visit = [&](int64_t j, auto&& emit) {
    for (int64_t s = L.t_ptr[j]; s < L.t_ptr[j + 1]; ++s) {
      const int64_t blk = L.t_block[s];
      for_each_block_weight(L, L.block_row(blk), blk, j, [&](int64_t o, int64_t c, int64_t offset) { emit(c, o, offset); });
    }
  };
  return plan_row_groups<T>(L.n, L.out_features(), L.kernel_elems, w, [&](int64_t j) { return L.in_ptr[j]; }, visit);
}

// Entries of a row group's product (row_groups.hpp). A dense group: every
// (channel, kernel element r) of its small dense weight, panel row
// row_of(channel, r); a single node: `node_entries(node, row_of, t)`.
template <typename T, class NodeEntries, class RowOf>
void group_entries(const RowGroup<T>& group, int64_t kk, NodeEntries&& node_entries, RowOf&& row_of,
                   GatherTable<T>& t) {
  if (!group.dense()) return node_entries(group.first_node, row_of, t);
  const int64_t channels = static_cast<int64_t>(group.channels.size());
  t.resize(channels * kk);
  for (int64_t s = 0; s < channels; ++s)
    for (int64_t r = 0; r < kk; ++r) {
      t.a()[s * kk + r] = s * kk + r;
      t.b()[s * kk + r] = row_of(group.channels[s], r);
    }
}

// A row group's product into rows first_row... of c (ldc), over `vectors`
// vectors of panel columns from b_shift on. Weights: the group's dense
// block, or the packed weight of its node (row stride node_stride).
template <typename T>
void group_product(const RowGroup<T>& group, int64_t kk, const T* w, int64_t node_stride, const GatherTable<T>& t,
                   int64_t vectors, T* c, int64_t ldc, int64_t b_shift = 0) {
  T* rows = c + group.first_row * ldc;
  if (group.dense())
    gather_rows(group.weights.data(), static_cast<int64_t>(group.channels.size()) * kk, t, group.rows, 0, vectors,
                rows, ldc, b_shift);
  else
    gather_rows(w, node_stride, t, group.rows, 0, vectors, rows, ldc, b_shift);
}

// The gather tables of every row group over one panel buffer, built again
// only when the buffer moves. A conv worker's padded image (or dy) stays
// put from image to image within a call, so its tables are built once per
// call and every pixel tile reads them from its own first column on.
template <typename T>
struct GroupTables {
  std::vector<GatherTable<T>> tables;
  const T* over = nullptr;  // the buffer the tables point into

  template <class NodeEntries, class RowOf>
  void build_over(const T* buffer, const std::vector<RowGroup<T>>& groups, int64_t kk, NodeEntries&& node_entries,
                  RowOf&& row_of) {
    if (buffer == over) return;
    tables.resize(groups.size());
    for (size_t k = 0; k < groups.size(); ++k) group_entries(groups[k], kk, node_entries, row_of, tables[k]);
    over = buffer;
  }
};

// ------------------------------------------------------------------ linear

// Time to transpose one element, in multiply-adds of the node products
// (AVX-512 development machine: ~0.1 ns against ~0.01 ns per multiply-add).
// It sets when a transpose is split over the workers; at the old guess of
// a quarter of a multiply-add, every panel transpose of the 5-layer MLP
// (batch 128, width 1539: ~20 us) ran on one thread.
constexpr double kTransposeCost = 10.0;

// dst (cols x rows, row stride ldd) = src^T (src: rows x cols, row stride
// lds), in square blocks of lanes x lanes. The workers split the batch-major
// side of the linear ops' transposes, src rows (x, dy into panels) or dst
// rows (panels into y, dx): PyTorch's elementwise and channels-last batch
// norm kernels, which write the ops' inputs and read their outputs in a
// network, split those tensors by rows too, so each worker's share stays
// in its own core's cache. Splitting the output side by panel rows instead
// (each worker writing part of every batch row) made the relational ops of
// the 5-layer MLP's training step 1-5% slower in total.
enum class SplitRows { kSource, kDestination };

template <typename T>
void transpose(const T* src, int64_t rows, int64_t cols, int64_t lds, T* dst, int64_t ldd, SplitRows split) {
  constexpr int64_t L = kLanes<T>;
  const bool by_src = split == SplitRows::kSource;
  const int64_t strips = ((by_src ? rows : cols) + L - 1) / L;
  const double per_strip = kTransposeCost * L * (by_src ? cols : rows);
  at::parallel_for(0, strips, grain(strips, per_strip), [&](int64_t begin, int64_t end) {
    if (by_src) {
      for (int64_t s = begin; s < end; ++s)
        transpose_strip(src + s * L * lds, lds, std::min(L, rows - s * L), cols, dst + s * L, ldd);
      return;
    }
    for (int64_t r0 = 0; r0 < rows; r0 += L)
      for (int64_t s = begin; s < end; ++s)
        transpose_strip(src + r0 * lds + s * L, lds, std::min(L, rows - r0), std::min(L, cols - s * L),
                        dst + s * L * ldd + r0, ldd);
  });
}

// Row stride of a linear panel of `padded` columns (whole vectors, so whole
// cache lines): an odd number of lines. Rows a power-of-two number of
// lines apart (batch 1024: 4 KB) fall into a few cache sets, so a task's
// slice of the panel (128 columns of every row) did not stay in L2: on a
// 2 MB, 16-way L2 only 1/8 of it could, and the 1539-wide forward and
// input gradient ran ~10% slower per row at batch 1024 than at batch 128
// (2-core Xeon, docs/layers.md). An odd stride spreads the rows over
// every set; the extra line of each row is never computed.
template <typename T>
int64_t panel_stride(int64_t padded) {
  const int64_t lines = padded / kLanes<T>;
  return (lines % 2 == 0 ? lines + 1 : lines) * kLanes<T>;
}

// The panel of m2^T (m2: m x features), rows `ld` apart, in the compute
// type T and zero in the padding columns [m, padded). m2's rows are read
// through their stride (any, e.g. 0 for the expanded gradient of a sum);
// only a column stride other than 1 is made contiguous first. Panels live in
// scratch memory, not tensors: as tensors, the allocator grew and trimmed
// its heap on every step of the 5-layer MLP, paying fresh page faults each
// time (see scratch.hpp).
template <typename T>
void transposed_panel(const at::Tensor& m2, int64_t padded, int64_t ld, AlignedBuffer<T>& panel) {
  at::Tensor src = m2.to(c10::CppTypeToScalarType<T>::value);  // no copy in the compute type
  if (src.size(1) > 1 && src.stride(1) != 1) src = src.contiguous();
  const int64_t m = src.size(0), features = src.size(1);
  panel.reset(static_cast<size_t>(features * ld));
  T* p = panel.get();
  transpose(src.data_ptr<T>(), m, features, src.stride(0), p, ld, SplitRows::kSource);
  if (padded > m)
    for (int64_t f = 0; f < features; ++f) std::fill(p + f * ld + m, p + f * ld + padded, T(0));
}

// The first m columns of a (features x padded) panel, rows `ld` apart,
// transposed into a new (m x features) tensor of the compute type T on
// `options`' device.
template <typename T>
at::Tensor untransposed(const T* panel, int64_t features, int64_t ld, int64_t m, const at::TensorOptions& options) {
  at::Tensor out = at::empty({m, features}, options.dtype(c10::CppTypeToScalarType<T>::value));
  transpose(panel, features, m, ld, out.data_ptr<T>(), features, SplitRows::kDestination);
  return out;
}

// Runs body(node, col, vectors) over every (node, column tile) of a panel,
// tile by tile: all nodes of a tile read the same panel columns (their
// neighbourhoods overlap), which then stay in the worker's cache. Workers
// that finish early take the last tasks of the others (balanced_for.hpp).
template <typename T, class Body>
void over_node_tiles(const BlockLayout& L, int64_t padded, Body&& body) {
  const int64_t nodes = L.n, tiles = (padded + kTileColumns<T> - 1) / kTileColumns<T>;
  const double work = static_cast<double>(L.num_weights()) * static_cast<double>(padded);
  auto run = [&](int64_t task) {
    const int64_t col = (task / nodes) * kTileColumns<T>;
    body(task % nodes, col, std::min(kTileColumns<T>, padded - col) / kLanes<T>);
  };
  balanced_for(nodes * tiles, grain(nodes * tiles, work), run);
}

// The input-gradient and weight-gradient tasks first prefetch what the
// next node's task will read in strided segments: its weights (a short
// segment of every output channel of every row block reading it) or its dy
// columns (a short segment of every batch row). In a training step these
// arrive cold, after the optimizer and the other layers have passed through
// the caches, and the prefetchers did not run ahead of such segments. Same
// process, switched every round, after a 128 x 3072 x 512 matrix product:
// the input gradient of a 1539-wide WS-flex(64, 8, 0.1) layer 11-12% faster,
// its weight gradient 8%; the 5-layer MLP's step 0.8-1.7% faster in 5 of 5
// paired runs. Prefetching the forward's weights (one contiguous block per
// node, which the prefetchers follow) changed nothing.
//
// Node j's input-gradient weights: its columns in every row block W_i
// reading it, one short segment per output channel.
template <typename T>
void prefetch_grad_input_weights(const BlockLayout& L, const T* w, int64_t j) {
  for (int64_t s = L.t_ptr[j]; s < L.t_ptr[j + 1]; ++s) {
    const int64_t blk = L.t_block[s], i = L.block_row(blk);
    for (int64_t o = 0; o < rows_of(L.out_ptr, i); ++o)
      prefetch_span(w + L.w_ptr[i] + o * L.row_k[i] + L.col_off[blk], rows_of(L.in_ptr, j));
  }
}

// Node i's weight-gradient dy columns (dy: m rows ldy apart, read in
// place): one short segment per batch row.
template <typename T>
void prefetch_grad_weight_dy(const BlockLayout& L, const T* dy, int64_t ldy, int64_t b0, int64_t b1, int64_t i) {
  for (int64_t b = b0; b < b1; ++b) prefetch_span(dy + b * ldy + L.out_ptr[i], rows_of(L.out_ptr, i));
}

// Panels xt, yt (dyt, gt): `padded` columns computed, rows `ld` apart.
template <typename T>
void linear_forward_kernel(const BlockLayout& L, const T* w, const T* xt, T* yt, int64_t padded, int64_t ld) {
  over_node_tiles<T>(L, padded, [&](int64_t i, int64_t col, int64_t vectors) {
    thread_local GatherTable<T> t;
    forward_entries<T>(L, i, [&](int64_t ch, int64_t) { return xt + ch * ld; }, t);
    gather_rows(w, L.row_k[i], t, rows_of(L.out_ptr, i), col, vectors, yt + L.out_ptr[i] * ld, ld);
  });
}

template <typename T>
void linear_grad_input_kernel(const BlockLayout& L, const T* w, const T* dyt, T* gt, int64_t padded, int64_t ld) {
  over_node_tiles<T>(L, padded, [&](int64_t j, int64_t col, int64_t vectors) {
    thread_local GatherTable<T> t;
    prefetch_grad_input_weights(L, w, (j + 1) % L.n);
    grad_input_entries<T>(L, j, false, [&](int64_t o, int64_t) { return dyt + o * ld; }, t);
    gather_rows(w, 1, t, rows_of(L.in_ptr, j), col, vectors, gt + L.in_ptr[j] * ld, ld);
  });
}

// Runs of consecutive neighbour nodes of node i: their input channels are
// contiguous both in x (from x_col) and in the row block W_i (from w_col).
struct ColumnRun {
  int64_t x_col, w_col, width;
};

void column_runs(const BlockLayout& L, int64_t i, std::vector<ColumnRun>& runs) {
  runs.clear();
  for (int64_t blk = L.nbr_ptr[i], end; blk < L.nbr_ptr[i + 1]; blk = end) {
    for (end = blk + 1; end < L.nbr_ptr[i + 1] && L.nbr_idx[end] == L.nbr_idx[end - 1] + 1;) ++end;
    const int64_t x_col = L.in_ptr[L.nbr_idx[blk]];
    runs.push_back({x_col, L.col_off[blk], L.in_ptr[L.nbr_idx[end - 1] + 1] - x_col});
  }
}

// dW_i = dY[:, out of i]^T . X[:, inputs of i]: per node, gather products
// over the batch rows (no lane reductions, whatever the batch), with dy
// read in place. The input columns are read one of two ways:
//  * in place from x, one product per run of consecutive neighbours (a
//    ring-lattice neighbourhood is one run), when rounding each run up to
//    whole vectors costs at most one vector more than the node's K_i
//    columns. A run's last vector may read up to lanes - 1 values past it
//    (those columns of the result are dropped); the last rows of x are
//    read from a copy with a vector of zeros after it, so nothing is read
//    past the end of x;
//  * else (scattered neighbours, e.g. a fully rewired graph: runs of one
//    block, each a part-empty vector) copied run by run into an aligned
//    (batch x K_i) panel, then one product.
// Packing every node, as the first version did, took ~40% of the pass in
// the 5-layer MLP. Reading every node in place was up to 2x slower on fully
// rewired graphs, hence the choice per node, which made WS-flex(64, k, 0.1)
// passes 13-41% faster than packing and fully rewired ones 3-34%.
//
// Long batches are reduced in blocks of kGradWeightBlock rows, block by
// block for a group of kGradWeightGroup consecutive nodes (whose input
// columns overlap), each block added into dW: a block of x stays in L2
// while the group's nodes read it. Node by node over the whole batch, each
// node had streamed its columns of x from L3 or memory (x: 6 MB at batch
// 1024 and width 1539), and neighbouring nodes streamed the same columns
// again. Blocks of 64-256 rows and groups of 4-16 nodes made that weight
// gradient 0.69-0.77x as long (2-core Xeon, same process, switched every
// round); batches up to one block run as before, node by node. Groups (or
// nodes) are shared out by balanced_for, as in over_node_tiles; the sum of
// each weight runs over the blocks in order, whoever runs the group.
constexpr int64_t kGradWeightBlock = 128, kGradWeightGroup = 8;

template <typename T>
void linear_grad_weight_kernel(const BlockLayout& L, const T* dy, int64_t ldy, const T* x, int64_t m, T* dw) {
  constexpr int64_t lanes = kLanes<T>;
  const int64_t in_f = L.in_features();
  const int64_t tail_rows = std::min<int64_t>(m, 1 + (lanes - 1 + in_f - 1) / in_f);
  std::vector<T> tail(static_cast<size_t>(tail_rows * in_f + lanes), T(0));
  std::copy(x + (m - tail_rows) * in_f, x + m * in_f, tail.begin());
  auto x_row = [&](int64_t b) { return b < m - tail_rows ? x + b * in_f : tail.data() + (b - m + tail_rows) * in_f; };
  // Batches longer than kGradWeightBlock rows: see the comment above.
  const int64_t group =
      m > kGradWeightBlock ? std::clamp<int64_t>(L.n / (4 * at::get_num_threads()), 1, kGradWeightGroup) : 1;
  // dW_i (+)= the batch rows [b0, b1) of node i's product.
  auto node_rows = [&](int64_t i, int64_t b0, int64_t b1) {
    thread_local std::vector<ColumnRun> runs;
    thread_local std::vector<T> packed, result;  // kept: no allocation per call
    thread_local GatherTable<T> t;
    const int64_t k = L.row_k[i], kp = padded_columns<T>(k), rows = rows_of(L.out_ptr, i), count = b1 - b0;
    if (i + 1 < L.n) prefetch_grad_weight_dy(L, dy, ldy, b0, b1, i + 1);
    // dW_i[:, run] (+)= the products over batch rows b_row(b) + col of the input columns.
    auto product = [&](const ColumnRun& run, auto&& b_row) {
      const int64_t ld = padded_columns<T>(run.width);
      t.resize(count);
      for (int64_t b = b0; b < b1; ++b) {
        t.a()[b - b0] = b * ldy + L.out_ptr[i];
        t.b()[b - b0] = b_row(b);
      }
      result.resize(static_cast<size_t>(rows * ld));
      gather_rows<T, 12>(dy, 1, t, rows, 0, ld / lanes, result.data(), ld);
      for (int64_t o = 0; o < rows; ++o) {
        const T* src = result.data() + o * ld;
        T* dst = dw + L.w_ptr[i] + o * k + run.w_col;
        if (b0 == 0) std::copy(src, src + run.width, dst);
        else for (int64_t c = 0; c < run.width; ++c) dst[c] += src[c];
      }
    };
    column_runs(L, i, runs);
    int64_t in_place = 0;
    for (const ColumnRun& run : runs) in_place += padded_columns<T>(run.width);
    if (in_place <= kp + lanes) {
      for (const ColumnRun& run : runs) product(run, [&](int64_t b) { return x_row(b) + run.x_col; });
      return;
    }
    packed.resize(static_cast<size_t>(count * kp));
    for (int64_t b = b0; b < b1; ++b) {
      T* row = packed.data() + (b - b0) * kp;
      for (const ColumnRun& run : runs) {
        // A plain loop, not std::copy: scattered runs are ~one block of
        // ~24 values, where a memmove call per run cost as much as the copy.
        const T* src = x + b * in_f + run.x_col;
        for (int64_t c = 0; c < run.width; ++c) row[run.w_col + c] = src[c];
      }
      std::fill(row + k, row + kp, T(0));  // vector padding
    }
    product({0, 0, k}, [&](int64_t b) { return packed.data() + (b - b0) * kp; });
  };
  const int64_t tasks = (L.n + group - 1) / group;
  const double work = static_cast<double>(L.num_weights()) * static_cast<double>(m);
  balanced_for(tasks, grain(tasks, work), [&](int64_t task) {
    const int64_t first = task * group, last = std::min(L.n, first + group);
    for (int64_t b0 = 0; b0 == 0 || b0 < m; b0 += kGradWeightBlock)  // an empty batch writes zeros
      for (int64_t i = first; i < last; ++i) node_rows(i, b0, std::min(m, b0 + kGradWeightBlock));
  });
}

// --------------------------------------------------------------- convolution
//
// The copies of x and dy the products read (padded planes, im2col tiles,
// batch-lane bands) are made by conv_copies.hpp.

// Columns of one convolution task: a multiple of the lanes.
template <typename T>
constexpr int64_t kConvTile = 32 * kLanes<T>;

// ---- forward

template <typename T, typename S>
void conv_forward_kernel(const BlockLayout& L, const ConvGeometry& g, const T* w, const Planes<S>& x, const S* bias,
                         S* y, bool y_channels_last, int64_t batch) {
  const int64_t out_c = L.out_features(), kk = g.kk();
  // Output columns: padded-width pixels (implicit) or plain pixels (im2col).
  const int64_t wide = g.implicit() ? g.width + 2 * g.pw : g.out_w;
  const int64_t columns = g.out_h * wide;
  const int64_t tiles = (columns + kConvTile<T> - 1) / kConvTile<T>;
  const double work = static_cast<double>(L.num_weights()) * static_cast<double>(columns * batch);
  const std::vector<RowGroup<T>> groups = forward_groups(L, w);
  const std::vector<int64_t> shifts = g.kernel_shifts(wide);  // implicit: padded rows are `wide` apart
  // A worker pads each image it meets (its tasks of an image are
  // consecutive, and so are those it takes from another's share, backwards)
  // into its own buffer, which its tiles then read from cache: padding the
  // whole batch up front went out to memory and back. That buffer stays
  // put from image to image, so the gather tables of every row group over
  // it are built once per call, each tile reading them from its first
  // column on (b_shift). Rebuilding them per tile had been a third of the
  // 512 x 7^2 forward (one 64-column tile per image). The strided path's
  // im2col tiles build theirs per tile.
  struct Worker {
    GroupTables<T> tables;  // stride 1, over `padded`
    GatherTable<T> t;       // strided: the table of one group of one tile
    std::vector<T> cols, out;
    PaddedImages<T> padded;
    int64_t padded_image = -1;
  };
  PerWorker<Worker> workers;
  auto node_entries = [&](int64_t i, auto&& row_of, GatherTable<T>& t) { forward_entries<T>(L, i, row_of, t); };
  balanced_for(batch * tiles, grain(batch * tiles, work), [&](int64_t task) {
    Worker& me = workers.mine();
    me.out.resize(static_cast<size_t>(out_c * kConvTile<T>));
    const int64_t img = task / tiles, q0 = (task % tiles) * kConvTile<T>;
    const int64_t count = std::min(kConvTile<T>, columns - q0), ld = padded_columns<T>(count);
    auto product = [&](size_t k, const GatherTable<T>& table, int64_t b_shift) {
      group_product(groups[k], kk, w, L.row_k[groups[k].first_node] * kk, table, ld / kLanes<T>, me.out.data(), ld,
                    b_shift);
    };
    if (g.implicit()) {
      if (img != me.padded_image) {
        pad_inputs(g, x, img, 1, me.padded);
        me.padded_image = img;
      }
      auto row_of = [&](int64_t ch, int64_t r) { return me.padded.channel(0, ch) + shifts[r]; };
      me.tables.build_over(me.padded.data.get(), groups, kk, node_entries, row_of);
      for (size_t k = 0; k < groups.size(); ++k) product(k, me.tables.tables[k], q0);
    } else {  // the tile's own im2col copy: one table at a time, each used right after it is built
      me.cols.resize(static_cast<size_t>(g.channels * kk * ld));
      im2col_tile(g, x, img, q0, count, ld, me.cols.data());
      auto row_of = [&](int64_t ch, int64_t r) { return me.cols.data() + (ch * kk + r) * ld; };
      for (size_t k = 0; k < groups.size(); ++k) {
        group_entries(groups[k], kk, node_entries, row_of, me.t);
        product(k, me.t, 0);
      }
    }
    // The tile's output pixels, a row segment at a time (columns ox >=
    // out_w of the padded width are dropped).
    S* yi = y + img * out_c * g.pixels();
    for (int64_t oy = q0 / wide; oy * wide < q0 + count; ++oy) {
      const int64_t a = std::max(q0, oy * wide), b = std::min(q0 + count, oy * wide + g.out_w);
      if (a >= b) continue;
      const int64_t dst = oy * g.out_w + (a - oy * wide);
      if (y_channels_last) {
        T* src = me.out.data() + (a - q0);
        for (int64_t o = 0; bias && o < out_c; ++o)
          for (int64_t q = 0; q < b - a; ++q) src[o * ld + q] += static_cast<T>(bias[o]);
        write_channels_innermost(src, ld, out_c, b - a, yi + dst * out_c);
        continue;
      }
      for (int64_t o = 0; o < out_c; ++o) {
        const T bo = bias ? static_cast<T>(bias[o]) : T(0);
        const T* src = me.out.data() + o * ld + (a - q0);
        S* yo = yi + o * g.pixels() + dst;
        for (int64_t q = 0; q < b - a; ++q) yo[q] = static_cast<S>(src[q] + bo);
      }
    }
  });
}

// ---- backward

// A worker's buffers for the input gradient, kept from image to image.
// The padded dy stays put, so the stride-1 gather tables over it are built
// once per call (as in the forward).
template <typename T>
struct GradInputWorker {
  PaddedImages<T> dypad;
  GroupTables<T> tables;  // stride 1, over dypad
  GatherTable<T> t;
  std::vector<T> work, panel, image;  // image: a channels_last dx's channel-major copy (strided convs)
};

// Input gradient of image `image` of dy, into dxi (channel-major, or
// channels innermost with dx_channels_last).
template <typename T, typename S>
void conv_grad_input_image(const BlockLayout& L, const ConvGeometry& g, const T* w, const Planes<S>& dy, int64_t image,
                           T* dxi, bool dx_channels_last, const std::vector<RowGroup<T>>& groups,
                           const std::vector<int64_t>& flipped_shifts, GradInputWorker<T>& me) {
  const int64_t kk = g.kk(), out_c = L.out_features();
  std::vector<T>& work = me.work;
  std::vector<T>& panel = me.panel;
  GatherTable<T>& t = me.t;
  if (g.implicit()) {
    // dx[c][iy][ix] = sum W[o][c][ki][kj] dy[o][iy + ph - ki dh][ix + pw - kj dw]: a forward
    // product over dy placed at ((kh-1) dh - ph, (kw-1) dw - pw) in a zero border,
    // with the kernel flipped, over columns iy * wide + ix.
    const int64_t tall = g.height + (g.kh - 1) * g.dh, wide = g.width + (g.kw - 1) * g.dw;
    me.dypad.fill(dy, image, 1, tall, wide, (g.kh - 1) * g.dh - g.ph, (g.kw - 1) * g.dw - g.pw,
                  (g.kw - 1) * g.dw + kLanes<T>);
    const int64_t columns = g.height * wide, ld = padded_columns<T>(columns);
    work.resize(static_cast<size_t>(g.channels * ld));
    auto row_of = [&](int64_t o, int64_t r) { return me.dypad.channel(0, o) + flipped_shifts[r]; };
    auto node_entries = [&](int64_t j, auto&& rows, GatherTable<T>& table) {
      grad_input_entries<T>(L, j, true, rows, table);
    };
    me.tables.build_over(me.dypad.data.get(), groups, kk, node_entries, row_of);
    for (size_t k = 0; k < groups.size(); ++k)
      group_product(groups[k], kk, w, kk, me.tables.tables[k], ld / kLanes<T>, work.data(), ld);
    if (dx_channels_last) {
      for (int64_t iy = 0; iy < g.height; ++iy)
        write_channels_innermost(work.data() + iy * wide, ld, g.channels, g.width, dxi + iy * g.width * g.channels);
      return;
    }
    for (int64_t c = 0; c < g.channels; ++c)
      for (int64_t iy = 0; iy < g.height; ++iy)
        for (int64_t ix = 0; ix < g.width; ++ix)
          dxi[(c * g.height + iy) * g.width + ix] = work[c * ld + iy * wide + ix];
    return;
  }
  // Strided: dcols = W^T dy over pixel tiles, then col2im (into a
  // channel-major copy first for a channels_last dx).
  T* const dx_out = dxi;
  if (dx_channels_last) {
    me.image.resize(static_cast<size_t>(g.image()));
    dxi = me.image.data();
  }
  std::fill(dxi, dxi + g.image(), T(0));
  for (int64_t p0 = 0; p0 < g.pixels(); p0 += kConvTile<T>) {
    const int64_t count = std::min(kConvTile<T>, g.pixels() - p0), ld = padded_columns<T>(count);
    panel.assign(static_cast<size_t>(out_c * ld), T(0));
    for (int64_t o = 0; o < out_c; ++o) copy_pixels(dy, image, o, p0, count, panel.data() + o * ld);
    work.resize(static_cast<size_t>(g.channels * kk * ld));
    for (int64_t j = 0; j < L.n; ++j) {
      grad_input_entries<T>(L, j, false, [&](int64_t o, int64_t) { return panel.data() + o * ld; }, t);
      gather_rows(w, 1, t, rows_of(L.in_ptr, j) * kk, 0, ld / kLanes<T>, work.data() + L.in_ptr[j] * kk * ld, ld);
    }
    col2im_tile(g, work.data(), p0, count, ld, dxi);
  }
  const int64_t plane = g.height * g.width;
  if (dx_channels_last) write_channels_innermost(dxi, plane, g.channels, plane, dx_out);
}

// Weight gradient of image `image` from im2col tiles (strided convs), added
// to dw.
template <typename T, typename S>
void conv_grad_weight_image(const BlockLayout& L, const ConvGeometry& g, const Planes<S>& x, const Planes<S>& dy,
                            int64_t image, T* dw,
                            std::vector<T>& panel, std::vector<T>& cols, std::vector<const T*>& rows) {
  const int64_t kk = g.kk(), out_c = L.out_features();
  for (int64_t p0 = 0; p0 < g.pixels(); p0 += kConvTile<T>) {
    const int64_t count = std::min(kConvTile<T>, g.pixels() - p0), ld = padded_columns<T>(count);
    panel.assign(static_cast<size_t>(out_c * ld), T(0));
    for (int64_t o = 0; o < out_c; ++o) copy_pixels(dy, image, o, p0, count, panel.data() + o * ld);
    cols.resize(static_cast<size_t>(g.channels * kk * ld));
    im2col_tile(g, x, image, p0, count, ld, cols.data());
    for (int64_t i = 0; i < L.n; ++i) {
      rows.clear();
      for (int64_t blk = L.nbr_ptr[i]; blk < L.nbr_ptr[i + 1]; ++blk) {
        const int64_t j = L.nbr_idx[blk];
        for (int64_t c = L.in_ptr[j]; c < L.in_ptr[j + 1]; ++c)
          for (int64_t r = 0; r < kk; ++r) rows.push_back(cols.data() + (c * kk + r) * ld);
      }
      Reduction<T> red;
      red.length = ld / kLanes<T>;
      reduce_weight_rows(panel.data() + L.out_ptr[i] * ld, ld, rows_of(L.out_ptr, i), rows.data(), L.row_k[i] * kk,
                         red, dw + L.w_ptr[i], true);
    }
  }
}

// Weight gradient of a stride-1 conv. The padded inputs and dy (as
// padded-width panels, zero off the real output pixels) of all images are
// laid out with constant strides, and the reduction runs block by block:
// ~kWgradBlock columns (part of an image, or several small images), all
// nodes per block. A block's input rows then stay in cache while the nodes
// that share them (a channel feeds every node of its neighbourhood) read
// them, and each dW tile reduces over the whole block before its lane sum.
template <typename T, typename S>
void conv_grad_weight_implicit(const BlockLayout& L, const ConvGeometry& g, const Planes<S>& x, const Planes<S>& dy,
                               T* dw, int64_t batch) {
  constexpr int64_t kWgradBlock = 32 * kLanes<T>;
  const int64_t kk = g.kk(), out_c = L.out_features();
  PaddedImages<T> images;
  pad_inputs(g, x, 0, batch, images);
  const int64_t wide = images.wide, ld = padded_columns<T>(g.out_h * wide);
  AlignedBuffer<T> panel;
  panel.reset(static_cast<size_t>(batch * out_c * ld));
  at::parallel_for(0, batch * out_c, grain(batch * out_c, 0.25 * ld), [&](int64_t begin, int64_t end) {
    for (int64_t bo = begin; bo < end; ++bo) {
      T* row = panel.get() + bo * ld;
      std::fill(row, row + ld, T(0));
      for (int64_t oy = 0; oy < g.out_h; ++oy)
        copy_row(dy.row(bo / out_c, bo % out_c, oy), dy.col_stride, 0, g.out_w, row + oy * wide);
    }
  });
  const std::vector<int64_t> shifts = g.kernel_shifts(wide);
  std::vector<std::vector<const T*>> rows(static_cast<size_t>(L.n));
  for (int64_t i = 0; i < L.n; ++i)
    for (int64_t blk = L.nbr_ptr[i]; blk < L.nbr_ptr[i + 1]; ++blk) {
      const int64_t j = L.nbr_idx[blk];
      for (int64_t c = L.in_ptr[j]; c < L.in_ptr[j + 1]; ++c)
        for (int64_t r = 0; r < kk; ++r) rows[i].push_back(images.channel(0, c) + shifts[r]);
    }
  std::fill(dw, dw + L.num_weights(), T(0));
  const int64_t chunk = std::min(ld, kWgradBlock);
  const int64_t per_block = std::max<int64_t>(1, kWgradBlock / ld);  // whole small images per block
  const double work = static_cast<double>(L.num_weights()) * static_cast<double>(ld * batch);
  // One parallel region (each one costs a wake-up of the workers): workers
  // own ranges of nodes and walk the blocks in the same order.
  at::parallel_for(0, L.n, grain(L.n, work), [&](int64_t begin, int64_t end) {
    for (int64_t b0 = 0; b0 < batch; b0 += per_block)
      for (int64_t c0 = 0; c0 < ld; c0 += chunk) {
        Reduction<T> red;
        red.length = std::min(chunk, ld - c0) / kLanes<T>;
        red.outer = std::min(per_block, batch - b0);
        red.d_outer = out_c * ld;
        red.b_outer = images.image_stride();
        red.b_offset = b0 * images.image_stride() + c0;
        const T* d = panel.get() + b0 * out_c * ld + c0;
        for (int64_t i = begin; i < end; ++i)
          reduce_weight_rows(d + L.out_ptr[i] * ld, ld, rows_of(L.out_ptr, i), rows[i].data(), L.row_k[i] * kk, red,
                             dw + L.w_ptr[i], true);
      }
  });
}

// Whether the batch-lane layout beats the per-image one: from 3/4 of a
// group of lanes on (12 images in fp32). A partial last group wastes lanes
// (17 images fill 2 groups: 1.9x the work), but the per-image kernel's
// unaligned shifted loads cost about as much.
template <typename T>
bool lanes_pay_off(int64_t batch) {
  return 4 * batch >= 3 * kLanes<T>;
}

// Input and dy rows of one band of output rows, interleaved by lanes, and
// the dW reduction over them (all the band's groups, rows and columns).
template <typename T>
struct WgradBand {
  LaneBand<T> xs, dys;
  Reduction<T> red;
  std::vector<int64_t> shifts;  // of the kernel elements in xs (g.kernel_shifts)

  template <typename S>
  void fill(const ConvGeometry& g, const Planes<S>& x, const Planes<S>& dy, int64_t group0, int64_t groups,
            int64_t oy0, int64_t out_rows) {
    constexpr int64_t V = kLanes<T>;
    const int64_t wide = g.width + 2 * g.pw;
    if (shifts.empty()) shifts = g.kernel_shifts(wide, false, V);  // the same for every band of a call
    // Padded input rows [oy0 * sh, the last output row's reach).
    const int64_t in_rows = (out_rows - 1) * g.sh + (g.kh - 1) * g.dh + 1;
    xs.fill(x, group0, groups, oy0 * g.sh, in_rows, wide, g.ph, g.pw);
    dys.fill(dy, group0, groups, oy0, out_rows, g.out_w, 0, 0);
    red.length = g.out_w;
    red.b_step = g.sw * V;
    red.outer = groups;
    red.d_outer = dys.group_stride();
    red.b_outer = xs.group_stride();
    red.inner = out_rows;
    red.d_inner = g.out_w * V;
    red.b_inner = g.sh * wide * V;
  }

  // Adds node i's dW over the band to dw + w_ptr[i] (or writes it).
  void reduce_node(const BlockLayout& L, const ConvGeometry& g, int64_t i, std::vector<const T*>& rows, T* dw,
                   bool accumulate) const {
    const int64_t kk = g.kk();
    rows.clear();
    for (int64_t blk = L.nbr_ptr[i]; blk < L.nbr_ptr[i + 1]; ++blk) {
      const int64_t j = L.nbr_idx[blk];
      for (int64_t c = L.in_ptr[j]; c < L.in_ptr[j + 1]; ++c)
        for (int64_t r = 0; r < kk; ++r)
          rows.push_back(xs.channel(c) + shifts[r]);
    }
    reduce_weight_rows(dys.channel(L.out_ptr[i]), dys.channel_stride(), rows_of(L.out_ptr, i), rows.data(),
                       L.row_k[i] * kk, red, dw + L.w_ptr[i], accumulate);
  }
};

// Weight gradient in the batch-lane layout, any stride:
// dW[o][c, r] = sum over images and pixels of dy[o] x[c] shifted by r.
// Each dW tile reduces over at least ~kWgradBandPixels pixels of a group
// of lanes images before its lane sum.
// * Large images: tasks are bands of about kWgradBandPixels output pixels
//   of one group. A worker interleaves a band of dy and the input rows it
//   reads (all channels), then runs every node's dW tiles over it, adding
//   to the band's slot of sums (balanced_sum). The tiles read the copies from cache right after
//   they are written, instead of from memory, as interleaving whole
//   tensors up front did (two 25 MB tensors at 64 x 56^2, batch 32: the
//   pass ran at half the speed).
// * Images smaller than a band: the whole batch is interleaved once and
//   every tile reduces over all of it, the workers splitting the nodes.
template <typename T, typename S>
void conv_grad_weight_lanes(const BlockLayout& L, const ConvGeometry& g, const Planes<S>& x, const Planes<S>& dy,
                            T* dw, int64_t batch) {
  constexpr int64_t V = kLanes<T>, kWgradBandPixels = 448;
  const int64_t weights = L.num_weights(), groups = (batch + V - 1) / V;
  if (g.pixels() < kWgradBandPixels) {
    WgradBand<T> band;
    band.fill(g, x, dy, 0, groups, 0, g.out_h);
    const double work = static_cast<double>(weights) * static_cast<double>(g.pixels() * groups * V);
    PerWorker<std::vector<const T*>> rows;
    balanced_for(L.n, grain(L.n, work), [&](int64_t i) { band.reduce_node(L, g, i, rows.mine(), dw, false); });
    return;
  }
  const int64_t band_rows = std::max<int64_t>(1, kWgradBandPixels / g.out_w);
  const int64_t bands = (g.out_h + band_rows - 1) / band_rows;
  const double work = static_cast<double>(weights) * static_cast<double>(band_rows * g.out_w * V);
  struct Worker {
    WgradBand<T> band;
    std::vector<const T*> rows;
  };
  PerWorker<Worker> workers;
  balanced_sum(groups * bands, grain(groups * bands, work), weights, dw, [&](int64_t task, T* acc) {
    Worker& me = workers.mine();
    const int64_t oy0 = (task % bands) * band_rows;
    me.band.fill(g, x, dy, task / bands, 1, oy0, std::min(band_rows, g.out_h - oy0));
    for (int64_t i = 0; i < L.n; ++i) me.band.reduce_node(L, g, i, me.rows, acc, true);
  });
}

// Backward over images (x is read only for dw, w only for dx). The input
// gradients of different images never overlap; their weight gradients are
// summed in a fixed order (balanced_sum).
template <typename T, typename S>
void conv_backward_kernel(const BlockLayout& L, const ConvGeometry& g, const T* w, const Planes<S>& x,
                          const Planes<S>& dy, T* dx, bool dx_channels_last, T* dw, int64_t batch) {
  const int64_t weights = L.num_weights();
  // Weight gradients with a whole-call kernel; the strided per-image one below otherwise.
  if (dw && lanes_pay_off<T>(batch)) {
    conv_grad_weight_lanes(L, g, x, dy, dw, batch);
    dw = nullptr;
  } else if (dw && g.implicit()) {
    conv_grad_weight_implicit(L, g, x, dy, dw, batch);
    dw = nullptr;
  }
  if (!dx && !dw) return;
  const double work = static_cast<double>(weights) * static_cast<double>(g.pixels() * batch);
  // Row groups serve the stride-1 input gradient; strided ones go node by node.
  const std::vector<RowGroup<T>> groups = dx && g.implicit() ? grad_input_groups(L, w) : std::vector<RowGroup<T>>{};
  const std::vector<int64_t> flipped_shifts = g.kernel_shifts(g.width + (g.kw - 1) * g.dw, true);
  struct Worker {
    GradInputWorker<T> gi;
    std::vector<T> panel, cols;
    std::vector<const T*> rows;
  };
  PerWorker<Worker> workers;
  if (dx)
    balanced_for(batch, grain(batch, work), [&](int64_t i) {
      conv_grad_input_image<T, S>(L, g, w, dy, i, dx + i * g.image(), dx_channels_last, groups, flipped_shifts,
                                  workers.mine().gi);
    });
  if (dw)
    balanced_sum(batch, grain(batch, work), weights, dw, [&](int64_t i, T* acc) {
      Worker& me = workers.mine();
      conv_grad_weight_image<T, S>(L, g, x, dy, i, acc, me.panel, me.cols, me.rows);
    });
}

}  // namespace

// ------------------------------------------------------------------- ops

at::Tensor linear_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout_tensor, int64_t out_features) {
  const BlockLayout L = checked_layout(layout_tensor, weight, 1);
  check_linear_inputs("relational_linear", x, weight, bias, L, out_features);
  const at::Tensor x2 = x.reshape({-1, L.in_features()});  // transposed_panel reads its rows through their stride
  const int64_t m = x2.size(0);
  const at::ScalarType type = compute_type(x.scalar_type());
  at::Tensor y;
  AT_DISPATCH_FLOATING_TYPES(type, "relational_linear_forward_cpu", [&] {
    const int64_t padded = padded_columns<scalar_t>(m), ld = panel_stride<scalar_t>(padded);
    AlignedBuffer<scalar_t> xt, yt;
    transposed_panel(x2, padded, ld, xt);
    const at::Tensor w = weight.to(type).contiguous();
    yt.reset(static_cast<size_t>(L.out_features() * ld));
    linear_forward_kernel<scalar_t>(L, w.data_ptr<scalar_t>(), xt.get(), yt.get(), padded, ld);
    y = untransposed(yt.get(), L.out_features(), ld, m, x.options());
  });
  if (bias) y.add_(bias->to(type));  // in the compute type: 16-bit outputs are rounded once
  if (x.scalar_type() != type) y = y.to(x.scalar_type());
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = L.out_features();
  return y.reshape(shape);
}

at::Tensor linear_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout_tensor,
                             int64_t in_features) {
  const BlockLayout L = checked_layout(layout_tensor, weight, 1);
  TORCH_CHECK_VALUE(in_features == L.in_features(), "relational_linear backward: in_features=", in_features,
                    " but the layout has ", L.in_features());
  TORCH_CHECK_VALUE(grad_out.dim() >= 1 && grad_out.size(-1) == L.out_features(),
                    "relational_linear backward: grad_output must end in ", L.out_features(), " features, got shape ",
                    grad_out.sizes());
  const at::Tensor g2 = grad_out.reshape({-1, L.out_features()});  // read through its row stride
  const int64_t m = g2.size(0);
  const at::ScalarType type = compute_type(grad_out.scalar_type());
  at::Tensor gx;
  AT_DISPATCH_FLOATING_TYPES(type, "relational_linear_grad_input_cpu", [&] {
    const int64_t padded = padded_columns<scalar_t>(m), ld = panel_stride<scalar_t>(padded);
    AlignedBuffer<scalar_t> dyt, gt;
    transposed_panel(g2, padded, ld, dyt);
    const at::Tensor w = weight.to(type).contiguous();
    gt.reset(static_cast<size_t>(L.in_features() * ld));
    linear_grad_input_kernel<scalar_t>(L, w.data_ptr<scalar_t>(), dyt.get(), gt.get(), padded, ld);
    gx = untransposed(gt.get(), L.in_features(), ld, m, grad_out.options());
  });
  std::vector<int64_t> shape(grad_out.sizes().begin(), grad_out.sizes().end());
  shape.back() = L.in_features();
  return gx.to(grad_out.scalar_type()).reshape(shape);
}

at::Tensor linear_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout_tensor) {
  const BlockLayout L = checked_layout(layout_tensor, weight, 1);
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) == L.in_features(), "relational_linear backward: input must end in ",
                    L.in_features(), " features, got shape ", x.sizes());
  TORCH_CHECK_VALUE(grad_out.dim() >= 1 && grad_out.size(-1) == L.out_features(),
                    "relational_linear backward: grad_output must end in ", L.out_features(), " features, got shape ",
                    grad_out.sizes());
  const at::ScalarType type = compute_type(x.scalar_type());
  const at::Tensor x2 = x.reshape({-1, L.in_features()}).to(type).contiguous();
  // dy is read in place through its row stride (e.g. 0 for the expanded
  // gradient of y.sum(), which .contiguous() used to copy: at batch 1024 and
  // width 1536, 6 MB written and page-faulted per pass).
  at::Tensor g2 = grad_out.reshape({-1, L.out_features()}).to(type);
  if (g2.size(1) > 1 && g2.stride(1) != 1) g2 = g2.contiguous();
  TORCH_CHECK_VALUE(g2.size(0) == x2.size(0), "relational_linear backward: grad_output has ", g2.size(0),
                    " rows but the input has ", x2.size(0));
  at::Tensor dw = at::empty({L.num_weights()}, x2.options());
  AT_DISPATCH_FLOATING_TYPES(type, "relational_linear_grad_weight_cpu", [&] {
    linear_grad_weight_kernel<scalar_t>(L, g2.data_ptr<scalar_t>(), g2.stride(0), x2.data_ptr<scalar_t>(),
                                        x2.size(0), dw.data_ptr<scalar_t>());
  });
  return dw.to(weight.scalar_type());
}

at::Tensor conv2d_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout_tensor, int64_t out_channels, at::IntArrayRef kernel_size,
                          at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  const BlockLayout L = checked_layout(layout_tensor, weight, kernel_size[0] * kernel_size[1]);
  check_conv_inputs("relational_conv2d", x, weight, bias, L, out_channels, kernel_size, stride, padding, dilation);
  const ConvGeometry g = geometry(x.sizes(), kernel_size, stride, padding, dilation);
  const at::ScalarType type = compute_type(x.scalar_type());
  // The output keeps a channels_last input's layout, as nn.Conv2d's does.
  const bool channels_last = x.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
  const at::MemoryFormat format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor y = at::empty({x.size(0), L.out_features(), g.out_h, g.out_w}, x.options().memory_format(format));
  const c10::optional<at::Tensor> b = bias ? c10::optional<at::Tensor>(bias->contiguous()) : c10::nullopt;
  AT_DISPATCH_FLOATING_TYPES(type, "relational_conv2d_forward_cpu", [&] {
    using T = scalar_t;
    const at::Tensor w = weight.to(type).contiguous();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "relational_conv2d_forward_io", [&] {
      using S = scalar_t;
      conv_forward_kernel<T, S>(L, g, w.data_ptr<T>(), Planes<S>::of(x), b ? b->data_ptr<S>() : nullptr,
                                y.data_ptr<S>(), channels_last, x.size(0));
    });
  });
  return y;
}

namespace {

void check_grad_output(const at::Tensor& dy, const ConvGeometry& g, int64_t batch, int64_t out_c) {
  TORCH_CHECK_VALUE(dy.dim() == 4 && dy.size(0) == batch && dy.size(1) == out_c && dy.size(2) == g.out_h &&
                        dy.size(3) == g.out_w,
                    "relational_conv2d backward: grad_output has shape ", dy.sizes(), ", expected [", batch, ", ",
                    out_c, ", ", g.out_h, ", ", g.out_w, "]");
}

}  // namespace

at::Tensor conv2d_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout_tensor,
                             at::IntArrayRef input_size, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation) {
  const BlockLayout L = checked_layout(layout_tensor, weight, kernel_size[0] * kernel_size[1]);
  TORCH_CHECK_VALUE(input_size.size() == 4, "relational_conv2d backward: input_size must have 4 entries");
  TORCH_CHECK_VALUE(input_size[1] == L.in_features(), "relational_conv2d backward: input has ", input_size[1],
                    " channels, expected in_channels=", L.in_features());
  const ConvGeometry g = geometry(input_size, kernel_size, stride, padding, dilation);
  TORCH_CHECK_VALUE(g.out_h >= 1 && g.out_w >= 1, "relational_conv2d backward: the input is smaller than the kernel");
  check_grad_output(grad_out, g, input_size[0], L.out_features());
  const at::ScalarType type = compute_type(grad_out.scalar_type());
  // dx in the gradient's layout: channels_last in a channels_last network.
  const bool channels_last = grad_out.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
  const at::MemoryFormat format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor dx = at::empty(input_size, grad_out.options().dtype(type).memory_format(format));
  AT_DISPATCH_FLOATING_TYPES(type, "relational_conv2d_grad_input_cpu", [&] {
    using T = scalar_t;
    const at::Tensor w = weight.to(type).contiguous();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, grad_out.scalar_type(), "relational_conv2d_grad_input_io",
                                    [&] {
      conv_backward_kernel<T, scalar_t>(L, g, w.data_ptr<T>(), Planes<scalar_t>{}, Planes<scalar_t>::of(grad_out),
                                        dx.data_ptr<T>(), channels_last, nullptr, input_size[0]);
    });
  });
  return dx.to(grad_out.scalar_type());
}

at::Tensor conv2d_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout_tensor, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                              at::IntArrayRef padding, at::IntArrayRef dilation) {
  const BlockLayout L = checked_layout(layout_tensor, weight, kernel_size[0] * kernel_size[1]);
  check_conv_geometry("relational_conv2d backward", x, L.in_features(), kernel_size, stride, padding, dilation);
  const ConvGeometry g = geometry(x.sizes(), kernel_size, stride, padding, dilation);
  const at::Tensor dyc = grad_out.to(x.scalar_type());
  check_grad_output(dyc, g, x.size(0), L.out_features());
  const at::ScalarType type = compute_type(x.scalar_type());
  at::Tensor dw = at::empty({L.num_weights()}, x.options().dtype(type));
  AT_DISPATCH_FLOATING_TYPES(type, "relational_conv2d_grad_weight_cpu", [&] {
    using T = scalar_t;
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "relational_conv2d_grad_weight_io", [&] {
      conv_backward_kernel<T, scalar_t>(L, g, nullptr, Planes<scalar_t>::of(x), Planes<scalar_t>::of(dyc), nullptr,
                                        false, dw.data_ptr<T>(), x.size(0));
    });
  });
  return dw.to(weight.scalar_type());
}

}  // namespace relsparse::ops::cpu
