// The copies the convolution kernels make of their inputs before any
// product (relational_cpu.cpp): zero-padded planes of x or dy (stride 1),
// im2col tiles (other strides), batch-lane bands for the weight gradient,
// and channels-innermost writes of results. They read x and dy through
// their strides (planes.hpp), and channels_last sources and results go
// through 16 x 16 in-register transposes.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../checks.hpp"
#include "balanced_for.hpp"
#include "block_gemm.hpp"
#include "planes.hpp"
#include "scratch.hpp"

namespace relsparse::ops::cpu {

// A convolution's shapes: input channels and size, kernel, stride, padding,
// dilation, output size.
struct ConvGeometry {
  int64_t channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w;
  int64_t kk() const { return kh * kw; }
  // shifts[r]: where kernel element r = ki * kw + kj reads, relative to
  // the output pixel, in a plane of rows `wide` apart: ki * dh rows and
  // kj * dw columns on (or, flipped, (kh - 1 - ki) * dh and (kw - 1 - kj)
  // * dw, as the input gradient reads dy), times `scale` (lanes in a
  // batch-lane band). A table, computed once per call: working out r / kw
  // for every gather-table entry cost an integer division each, the
  // hottest instructions of the 512 x 7^2 forward outside its products
  // (perf).
  std::vector<int64_t> kernel_shifts(int64_t wide, bool flipped = false, int64_t scale = 1) const {
    std::vector<int64_t> shifts(static_cast<size_t>(kk()));
    for (int64_t ki = 0; ki < kh; ++ki)
      for (int64_t kj = 0; kj < kw; ++kj) {
        const int64_t i = flipped ? kh - 1 - ki : ki, j = flipped ? kw - 1 - kj : kj;
        shifts[static_cast<size_t>(ki * kw + kj)] = (i * dh * wide + j * dw) * scale;
      }
    return shifts;
  }
  int64_t pixels() const { return out_h * out_w; }
  int64_t image() const { return channels * height * width; }
  bool implicit() const { return sh == 1 && sw == 1; }
};

// The geometry of a convolution of an input of sizes x_sizes (N, C, H, W).
inline ConvGeometry geometry(at::IntArrayRef x_sizes, at::IntArrayRef kernel, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation) {
  ConvGeometry g{};
  g.channels = x_sizes[1];
  g.height = x_sizes[2];
  g.width = x_sizes[3];
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.sh = stride[0];
  g.sw = stride[1];
  g.ph = padding[0];
  g.pw = padding[1];
  g.dh = dilation[0];
  g.dw = dilation[1];
  g.out_h = conv_output_size(g.height, g.kh, g.sh, g.ph, g.dh);
  g.out_w = conv_output_size(g.width, g.kw, g.sw, g.pw, g.dw);
  return g;
}

// Zero-bordered copies of the channels of images first .. first + count - 1
// of src: channel c of image first + b at data + (b * channels + c) * plane,
// pixel (y, x) of a copy at y * wide + x, the source placed at (top, left)
// (negative offsets crop). `slack` zeros after each plane let
// vector-padded columns read past it.
template <typename T>
struct PaddedImages {
  int64_t channels = 0, tall = 0, wide = 0, plane = 0;
  AlignedBuffer<T> data;  // uninitialised: fill() writes every element once

  template <typename S>
  void fill(const Planes<S>& src, int64_t first, int64_t count, int64_t tall_, int64_t wide_, int64_t top,
            int64_t left, int64_t slack) {
    channels = src.channels;
    tall = tall_;
    wide = wide_;
    plane = padded_columns<T>(tall * wide + slack);  // whole vectors: aligned channels
    data.reset(static_cast<size_t>(count * channels * plane));
    const int64_t y0 = std::max<int64_t>(0, top), y1 = std::min(tall, top + src.height);
    const int64_t x0 = std::max<int64_t>(0, left), x1 = std::min(wide, left + src.width);
    if (src.col_stride != 1 && src.channel_stride == 1) {
      fill_channels_innermost(src, first, count, top, left, y0, y1, x0, x1);
      return;
    }
    at::parallel_for(0, count * channels, grain(count * channels, 0.25 * plane), [&](int64_t begin, int64_t end) {
      for (int64_t bc = begin; bc < end; ++bc) {
        T* p = data.get() + bc * plane;
        std::fill(p, p + y0 * wide, T(0));
        for (int64_t y = y0; y < y1; ++y) {
          T* out = p + y * wide;
          std::fill(out, out + x0, T(0));
          copy_row(src.row(first + bc / channels, bc % channels, y - top), src.col_stride, x0 - left,
                   std::max<int64_t>(0, x1 - x0), out + x0);
          std::fill(out + std::max(x0, x1), out + wide, T(0));
        }
        std::fill(p + std::max(y0, y1) * wide, p + plane, T(0));
      }
    });
  }
  const T* channel(int64_t image, int64_t c) const { return data.get() + (image * channels + c) * plane; }
  int64_t image_stride() const { return channels * plane; }

  // fill() from a source whose channels are innermost (channels_last), a
  // padded row at a time: the channels of 16 pixels (8 in fp64) are a
  // block that interleave_run's square transposes turn into one vector per
  // channel (its lanes being pixels here); a row's last pixels go one by
  // one. Copying channel by channel read every cache line of the source
  // once per channel in it. Source rows [y0, y1), columns [x0, x1) of the
  // padded planes, as in fill().
  template <typename S>
  void fill_channels_innermost(const Planes<S>& src, int64_t first, int64_t count, int64_t top, int64_t left,
                               int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
    constexpr int64_t V = kLanes<T>;
    at::parallel_for(0, count * tall, grain(count * tall, 0.25 * channels * wide), [&](int64_t begin, int64_t end) {
      const S* in[V];
      for (int64_t by = begin; by < end; ++by) {
        const int64_t b = by / tall, y = by % tall;
        T* row = data.get() + b * image_stride() + y * wide;  // channel 0's row y
        const bool on_source = y >= y0 && y < y1 && x0 < x1;
        for (int64_t c = 0; c < channels; ++c) {  // borders, and the slack after the last row
          T* r = row + c * plane;
          std::fill(r, r + (on_source ? x0 : wide), T(0));
          if (on_source) std::fill(r + x1, r + wide, T(0));
          if (y == tall - 1) std::fill(r + wide, r + plane - y * wide, T(0));
        }
        if (!on_source) continue;
        const S* pixels = src.row(first + b, 0, y - top);
        int64_t x = x0;
        for (; x + V <= x1; x += V) {
          for (int64_t lane = 0; lane < V; ++lane) in[lane] = pixels + (x + lane - left) * src.col_stride;
          interleave_run<T, S>(in, V, 0, channels, row + x, plane);
        }
        for (; x < x1; ++x)
          for (int64_t c = 0; c < channels; ++c)
            row[c * plane + x] = static_cast<T>(pixels[(x - left) * src.col_stride + c]);
      }
    });
  }
};

// dst[t * channels + c] = S(src[c * lds + t]) for t < count, c < channels:
// `count` pixels of a channel-major tile written channels-innermost (a
// channels_last output), 16 channels (8 in fp64) at a time through
// interleave_run's square transposes, the last channels (and 16-bit
// outputs) one by one.
template <typename T, typename S>
void write_channels_innermost(const T* src, int64_t lds, int64_t channels, int64_t count, S* dst) {
  int64_t c = 0;
  if constexpr (std::is_same<T, S>::value) {
    constexpr int64_t V = kLanes<T>;
    const T* in[V];
    for (; c + V <= channels; c += V) {
      for (int64_t lane = 0; lane < V; ++lane) in[lane] = src + (c + lane) * lds;
      interleave_run<T, T>(in, V, 0, count, dst + c, channels);
    }
  }
  for (; c < channels; ++c)
    for (int64_t t = 0; t < count; ++t) dst[t * channels + c] = static_cast<S>(src[c * lds + t]);
}

// Images first .. first + count - 1 of x, zero-padded by the convolution.
template <typename T, typename S>
void pad_inputs(const ConvGeometry& g, const Planes<S>& x, int64_t first, int64_t count, PaddedImages<T>& images) {
  images.fill(x, first, count, g.height + 2 * g.ph, g.width + 2 * g.pw, g.ph, g.pw, (g.kw - 1) * g.dw + kLanes<T>);
}

// cols[(c * kk + r)][t] for output pixels p0 + t of image `image` (im2col,
// strided convs).
template <typename T, typename S>
void im2col_tile(const ConvGeometry& g, const Planes<S>& x, int64_t image, int64_t p0, int64_t count, int64_t ld,
                 T* cols) {
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        T* row = cols + ((c * g.kh + ki) * g.kw + kj) * ld;
        int64_t oy = p0 / g.out_w, ox = p0 % g.out_w;
        for (int64_t t = 0; t < count; ++t) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
          const bool inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
          row[t] = inside ? static_cast<T>(x.at(image, c, iy, ix)) : T(0);
          if (++ox == g.out_w) {
            ox = 0;
            ++oy;
          }
        }
        std::fill(row + count, row + ld, T(0));
      }
}

// dx[c][iy][ix] += cols[(c * kk + r)][t], the adjoint of im2col_tile.
template <typename T>
void col2im_tile(const ConvGeometry& g, const T* cols, int64_t p0, int64_t count, int64_t ld, T* dx) {
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const T* row = cols + ((c * g.kh + ki) * g.kw + kj) * ld;
        T* dxc = dx + c * g.height * g.width;
        int64_t oy = p0 / g.out_w, ox = p0 % g.out_w;
        for (int64_t t = 0; t < count; ++t) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
          if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width) dxc[iy * g.width + ix] += row[t];
          if (++ox == g.out_w) {
            ox = 0;
            ++oy;
          }
        }
      }
}

// A band of rows of images interleaved by lanes ("batch-lane" layout):
// vector (group, c, row, col) holds pixel (row0 + row - top, col - left) of
// channel c of images (group0 + group) * lanes + 0 .. lanes - 1 (zero past
// the batch and off the source image), at data + (((group * channels + c)
// * rows + row) * wide + col) * lanes. A convolution then reads whole
// aligned vectors at every kernel shift and stride, with no padded-width
// columns to drop.
template <typename T>
struct LaneBand {
  static constexpr int64_t kVec = kLanes<T>;
  int64_t groups = 0, channels = 0, rows = 0, wide = 0;
  AlignedBuffer<T> data;

  template <typename S>
  void fill(const Planes<S>& src, int64_t group0, int64_t groups_, int64_t row0, int64_t rows_, int64_t wide_,
            int64_t top, int64_t left) {
    const int64_t batch = src.batch, h = src.height, w = src.width, rs = src.row_stride;
    groups = groups_;
    channels = src.channels;
    rows = rows_;
    wide = wide_;
    data.reset(static_cast<size_t>(groups * group_stride()));  // the bands of a call share one block
    // Source rows [y0, y1) and columns [x0, x1) land in the band.
    const int64_t y0 = std::max<int64_t>(0, row0 - top), y1 = std::min(h, row0 + rows - top);
    const int64_t x0 = std::max<int64_t>(0, -left), x1 = std::min(w, wide - left);
    // Without a left/right border, rows stored end to end are one run per channel.
    const bool whole = x0 == 0 && x1 == w && w == wide && rs == w;
    const bool unit_columns = src.col_stride == 1;
    if (!unit_columns && src.channel_stride == 1) {
      fill_channels_innermost(src, group0, row0, top, left);
      return;
    }
    const int64_t first = (y0 + top - row0) * wide, last = (y1 + top - row0) * wide;  // band vectors of the source
    at::parallel_for(0, groups * channels, grain(groups * channels, 2.0 * channel_stride()), [&](int64_t begin,
                                                                                               int64_t end) {
      const S* in[kVec];
      for (int64_t gc = begin; gc < end; ++gc) {
        const int64_t group = group0 + gc / channels, c = gc % channels;
        T* p = data.get() + gc * channel_stride();
        if (y1 <= y0 || x1 <= x0) {  // the band lies off the source
          std::fill(p, p + channel_stride(), T(0));
          continue;
        }
        const int64_t valid = std::min(kVec, batch - group * kVec);
        for (int64_t lane = 0; lane < valid; ++lane) in[lane] = src.row(group * kVec + lane, c, 0);
        std::fill(p, p + first * kVec, T(0));
        std::fill(p + last * kVec, p + channel_stride(), T(0));
        if (whole && unit_columns) {
          interleave_run<T, S>(in, valid, y0 * w, (y1 - y0) * w, p + first * kVec);
          continue;
        }
        for (int64_t y = y0; y < y1; ++y) {
          T* row = p + (y + top - row0) * wide * kVec;
          std::fill(row, row + (x0 + left) * kVec, T(0));
          std::fill(row + (x1 + left) * kVec, row + wide * kVec, T(0));
          if (unit_columns) {
            interleave_run<T, S>(in, valid, y * rs + x0, x1 - x0, row + (x0 + left) * kVec);
            continue;
          }
          // Other layouts (channels_last, an expanded gradient): element by element.
          for (int64_t x = x0; x < x1; ++x) {
            T* v = row + (x + left) * kVec;
            for (int64_t lane = 0; lane < kVec; ++lane)
              v[lane] = lane < valid ? static_cast<T>(in[lane][y * rs + x * src.col_stride]) : T(0);
          }
        }
      }
    });
  }
  const T* channel(int64_t c) const { return data.get() + c * channel_stride(); }
  int64_t channel_stride() const { return rows * wide * kVec; }

  // fill() from a source whose channels are innermost (channels_last): a
  // pixel's channels of the lanes' images are a lanes x channels block,
  // turned into one vector per channel by interleave_run's square
  // transposes. Going channel by channel instead read every cache line of
  // the source once per channel in it (the weight gradient ran ~2x slower
  // than on a contiguous input).
  template <typename S>
  void fill_channels_innermost(const Planes<S>& src, int64_t group0, int64_t row0, int64_t top, int64_t left) {
    const int64_t x0 = std::max<int64_t>(0, -left), x1 = std::min(src.width, wide - left);
    at::parallel_for(0, groups * rows, grain(groups * rows, 2.0 * channels * wide * kVec), [&](int64_t begin,
                                                                                                 int64_t end) {
      const S* in[kVec];
      for (int64_t gr = begin; gr < end; ++gr) {
        const int64_t group = group0 + gr / rows, row = gr % rows, y = row0 + row - top;
        T* band_row = data.get() + (gr / rows) * group_stride() + row * wide * kVec;  // of channel 0
        const bool off_source = y < 0 || y >= src.height || x1 <= x0;
        for (int64_t c = 0; c < channels; ++c) {  // zero borders (the whole row off the source)
          T* r = band_row + c * channel_stride();
          if (off_source) {
            std::fill(r, r + wide * kVec, T(0));
            continue;
          }
          std::fill(r, r + (x0 + left) * kVec, T(0));
          std::fill(r + (x1 + left) * kVec, r + wide * kVec, T(0));
        }
        if (off_source) continue;
        const int64_t valid = std::min(kVec, src.batch - group * kVec);
        for (int64_t x = x0; x < x1; ++x) {
          for (int64_t lane = 0; lane < valid; ++lane)
            in[lane] = src.row(group * kVec + lane, 0, y) + x * src.col_stride;
          interleave_run<T, S>(in, valid, 0, channels, band_row + (x + left) * kVec, channel_stride());
        }
      }
    });
  }
  int64_t group_stride() const { return channels * channel_stride(); }
};

}  // namespace relsparse::ops::cpu
