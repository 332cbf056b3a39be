// The (N, C, H, W) tensors the convolution kernels read, through their
// strides.
//
// The kernels copy x and dy into zero-bordered, im2col or lane-interleaved
// buffers before any product, so they can read any layout in place:
// channels_last tensors, slices, the expanded (all-zero-stride) gradient of
// y.sum(). Calling .contiguous() first wrote a whole copy to memory and read
// it back: at 64 x 56^2, batch 32, 25 MB per tensor, whose fresh pages also
// cost a fault each (~2.4 us per 4 KB page on the development VM) whenever
// glibc had trimmed its heap. The bench's `.sum().backward()` step of that
// layer took 18,784 faults and ~52 ms that way, against 0 faults and ~32 ms
// with a contiguous upstream gradient.
#pragma once

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdint>

namespace relsparse::ops::cpu {

template <typename S>
struct Planes {
  const S* data = nullptr;
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t batch_stride = 0, channel_stride = 0, row_stride = 0, col_stride = 0;

  static Planes of(const at::Tensor& t) {
    Planes p;
    p.data = t.data_ptr<S>();
    p.batch = t.size(0);
    p.channels = t.size(1);
    p.height = t.size(2);
    p.width = t.size(3);
    p.batch_stride = t.stride(0);
    p.channel_stride = t.stride(1);
    p.row_stride = t.stride(2);
    p.col_stride = t.stride(3);
    return p;
  }

  const S* row(int64_t image, int64_t c, int64_t y) const {
    return data + image * batch_stride + c * channel_stride + y * row_stride;
  }
  S at(int64_t image, int64_t c, int64_t y, int64_t x) const { return row(image, c, y)[x * col_stride]; }
};

// out[k] = T(row[(first + k) * stride]) for k < count (a contiguous row is
// the common case and gets the loop the compiler vectorises).
template <typename T, typename S>
inline void copy_row(const S* row, int64_t stride, int64_t first, int64_t count, T* out) {
  if (stride == 1) {
    for (int64_t k = 0; k < count; ++k) out[k] = static_cast<T>(row[first + k]);
  } else {
    for (int64_t k = 0; k < count; ++k) out[k] = static_cast<T>(row[(first + k) * stride]);
  }
}

// out[k] = plane pixel p0 + k (pixels numbered y * width + x), k < count.
template <typename T, typename S>
inline void copy_pixels(const Planes<S>& src, int64_t image, int64_t c, int64_t p0, int64_t count, T* out) {
  for (int64_t k = 0; k < count;) {
    const int64_t y = (p0 + k) / src.width, x = (p0 + k) % src.width, n = std::min(count - k, src.width - x);
    copy_row(src.row(image, c, y), src.col_stride, x, n, out + k);
    k += n;
  }
}

}  // namespace relsparse::ops::cpu
