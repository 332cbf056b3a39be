// The packed block layout of a relational layer, read from the int64 tensor
// that relsparse/nn/layout.py builds (its docstring defines every field).
// Header-only and torch-free: the CPU kernels, the CUDA kernels (device
// copies of the same arrays) and their glue all use it.
#pragma once

#include <cstdint>

namespace relsparse::ops {

constexpr int64_t kLayoutMagic = 0x52534C31;  // "RSL1"

struct BlockLayout {
  int64_t n = 0;             // graph nodes
  int64_t kernel_elems = 1;  // kh * kw for a conv, 1 for a linear layer
  int64_t num_blocks = 0;    // trainable (out node, in node) blocks
  const int64_t* in_ptr = nullptr;   // [n+1] input channel offsets per node
  const int64_t* out_ptr = nullptr;  // [n+1] output channel offsets per node
  const int64_t* nbr_ptr = nullptr;  // [n+1] CSR of closed neighbourhoods
  const int64_t* nbr_idx = nullptr;  // [B]   input node of each block
  const int64_t* col_off = nullptr;  // [B]   first input channel of the block in its row block
  const int64_t* row_k = nullptr;    // [n]   K_i: input channels feeding node i
  const int64_t* w_ptr = nullptr;    // [n+1] packed weight offset of row block i
  const int64_t* t_ptr = nullptr;    // [n+1] per input node j: its blocks ...
  const int64_t* t_block = nullptr;  // [B]   ... as block ids (sorted by output node)

  int64_t in_features() const { return in_ptr[n]; }
  int64_t out_features() const { return out_ptr[n]; }
  int64_t num_weights() const { return w_ptr[n]; }
  // Output node owning block b (nbr_ptr is sorted, so a binary search).
  int64_t block_row(int64_t b) const {
    int64_t lo = 0, hi = n;
    while (hi - lo > 1) {
      const int64_t mid = (lo + hi) / 2;
      if (nbr_ptr[mid] <= b) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  // Views `data` (of `length` entries). Returns nullptr on success, else a
  // description of what is malformed.
  const char* parse(const int64_t* data, int64_t length) {
    if (length < 4 || data[0] != kLayoutMagic) return "not a relsparse layout tensor (bad header)";
    n = data[1];
    kernel_elems = data[2];
    num_blocks = data[3];
    if (n < 1 || kernel_elems < 1 || num_blocks < n) return "layout header has impossible sizes";
    if (length != 4 + 5 * (n + 1) + n + 3 * num_blocks) return "layout tensor has the wrong length";
    const int64_t* p = data + 4;
    in_ptr = p; p += n + 1;
    out_ptr = p; p += n + 1;
    nbr_ptr = p; p += n + 1;
    nbr_idx = p; p += num_blocks;
    col_off = p; p += num_blocks;
    row_k = p; p += n;
    w_ptr = p; p += n + 1;
    t_ptr = p; p += n + 1;
    t_block = p;
    if (nbr_ptr[0] != 0 || nbr_ptr[n] != num_blocks || t_ptr[0] != 0 || t_ptr[n] != num_blocks)
      return "layout neighbour lists do not cover the blocks";
    for (int64_t i = 0; i < n; ++i)
      if (in_ptr[i + 1] <= in_ptr[i] || out_ptr[i + 1] <= out_ptr[i] || nbr_ptr[i + 1] < nbr_ptr[i] ||
          t_ptr[i + 1] < t_ptr[i])
        return "layout offsets are not increasing";
    for (int64_t b = 0; b < num_blocks; ++b)
      if (nbr_idx[b] < 0 || nbr_idx[b] >= n || t_block[b] < 0 || t_block[b] >= num_blocks)
        return "layout block index out of range";
    return nullptr;
  }
};

}  // namespace relsparse::ops
