// Row groups: narrow nodes multiplied together.
//
// The gather products of block_gemm.hpp keep up to six rows of a product in
// registers, and each panel vector they load serves all of those rows. A
// node with one or two rows makes a product where that does not happen. For
// example, a 64-channel convolution over a 64-node graph has one output
// channel per node. Its kernel then loads a vector for every one or two
// multiply-adds and waits on memory: 64x56^2 convolutions ran at ~110
// GFLOP/s, against ~275 for 256x14^2 (four rows per node).
//
// Neighbouring nodes of the graphs studied here read mostly the same
// channels: WS-flex graphs are rewired ring lattices. So a run of
// consecutive narrow nodes is multiplied as one product: their rows against
// the union of the channels they read, with a dense local weight matrix
// that is zero where a node has no block. A run takes in the next node
// while it has fewer than kGroupRows rows and the estimated time of the
// merged product (tile_speed below, zeros included) is below that of the
// two products apart; the extra multiply-adds by zero must cost less than
// the loads they save.
//
// "Rows" and "channels" are the two sides of one product:
//   forward        rows = output channels of node i, channels = the input
//                  channels of its neighbour blocks;
//   input grad     rows = input channels of node j, channels = the output
//                  channels of every node that reads j.
// visit(node, emit) describes a side: it calls emit(row, channel, offset)
// for every (row, channel) pair of the node's blocks, where offset indexes
// the packed weight of (row, channel, kernel element 0); the kernel
// elements follow it contiguously.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace relsparse::ops::cpu {

constexpr int64_t kGroupRows = 6;  // the gather kernels' tallest register tile

// Relative multiply-add rate of a register tile of `rows` rows (1 to 6).
// Measured on the development machine (Zen 5, AVX-512) with the forward
// kernel of 3x3 convolutions at density 0.27: one, two and four rows per
// node ran at 112, 203 and 275 GFLOP/s; 3, 5 and 6 are interpolated from
// the loads per multiply-add of their tiles.
inline double tile_speed(int64_t rows) {
  static constexpr double kSpeed[] = {0.0, 0.41, 0.74, 0.9, 1.0, 1.04, 1.08};
  return kSpeed[std::clamp<int64_t>(rows, 1, kGroupRows)];
}

// Estimated time of a product of `rows` rows over `width` entries, with
// the rows split into register tiles as gather_rows splits them.
inline double product_time(int64_t rows, int64_t width) {
  const int64_t tiles = (rows + kGroupRows - 1) / kGroupRows;
  double time = 0.0;
  for (int64_t k = 0; k < tiles; ++k) {
    const int64_t mr = rows / tiles + (k < rows % tiles ? 1 : 0);
    time += static_cast<double>(mr * width) / tile_speed(mr);
  }
  return time;
}

template <typename T>
struct RowGroup {
  int64_t first_node = 0, nodes = 1;  // nodes [first_node, first_node + nodes)
  int64_t first_row = 0, rows = 0;    // their rows, which are consecutive
  // Dense groups (nodes > 1) only: the channels the rows read, ascending,
  // and weights[row][c * kk + r] for channel channels[c], kernel element r.
  std::vector<int64_t> channels;
  std::vector<T> weights;

  bool dense() const { return nodes > 1; }
};

// Splits nodes 0..n-1 into runs (see the top of the file). row_begin(node)
// is the node's first row (rows are numbered consecutively over the nodes,
// row_begin(n) = their count); channels range over [0, num_channels).
template <typename T, class RowBegin, class Visit>
std::vector<RowGroup<T>> plan_row_groups(int64_t n, int64_t num_channels, int64_t kk, const T* w,
                                         RowBegin&& row_begin, Visit&& visit) {
  std::vector<int64_t> owner(static_cast<size_t>(num_channels), -1);  // group holding the channel
  std::vector<RowGroup<T>> groups;
  // Distinct channels of `node`, and how many of them are not yet in group g.
  auto count_channels = [&](int64_t node, int64_t g, int64_t& all, int64_t& fresh) {
    all = fresh = 0;
    const int64_t first = row_begin(node);
    visit(node, [&](int64_t row, int64_t channel, int64_t) {
      if (row != first) return;
      ++all;
      fresh += owner[channel] != g;
    });
  };
  auto take_channels = [&](int64_t node, int64_t g) {
    visit(node, [&](int64_t, int64_t channel, int64_t) { owner[channel] = g; });
  };
  for (int64_t a = 0; a < n;) {
    const int64_t g = static_cast<int64_t>(groups.size());
    RowGroup<T> group;
    group.first_node = a;
    group.first_row = row_begin(a);
    group.rows = row_begin(a + 1) - group.first_row;
    if (group.rows >= kGroupRows) {  // tall enough alone: no need to list its channels
      ++a;
      groups.push_back(std::move(group));
      continue;
    }
    int64_t all = 0, fresh = 0;
    count_channels(a, g, all, fresh);
    take_channels(a, g);
    int64_t union_size = all;
    for (int64_t b = a + 1; b < n && group.rows < kGroupRows; ++b) {
      const int64_t rows_b = row_begin(b + 1) - row_begin(b);
      count_channels(b, g, all, fresh);
      const double apart = product_time(group.rows, union_size) + product_time(rows_b, all);
      if (product_time(group.rows + rows_b, union_size + fresh) >= apart) break;
      take_channels(b, g);
      union_size += fresh;
      group.rows += rows_b;
      ++group.nodes;
    }
    a += group.nodes;
    groups.push_back(std::move(group));
  }
  // Dense local weights of the multi-node groups.
  std::vector<int64_t> slot(static_cast<size_t>(num_channels), -1);
  for (RowGroup<T>& group : groups) {
    if (!group.dense()) continue;
    for (int64_t node = group.first_node; node < group.first_node + group.nodes; ++node)
      visit(node, [&](int64_t, int64_t channel, int64_t) { slot[channel] = 0; });
    for (int64_t c = 0; c < num_channels; ++c)
      if (slot[c] == 0) group.channels.push_back(c);
    for (size_t s = 0; s < group.channels.size(); ++s) slot[group.channels[s]] = static_cast<int64_t>(s);
    const int64_t width = static_cast<int64_t>(group.channels.size()) * kk;
    group.weights.assign(static_cast<size_t>(group.rows * width), T(0));
    for (int64_t node = group.first_node; node < group.first_node + group.nodes; ++node)
      visit(node, [&](int64_t row, int64_t channel, int64_t offset) {
        std::copy(w + offset, w + offset + kk, group.weights.data() + (row - group.first_row) * width + slot[channel] * kk);
      });
    for (int64_t c : group.channels) slot[c] = -1;
  }
  return groups;
}

}  // namespace relsparse::ops::cpu
