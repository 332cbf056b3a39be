// Host-side launchers of relsparse's CUDA kernels. Torch-free: raw device
// pointers, sizes, the device copy of the layout tensor and a stream, so
// nvcc compiles the kernels without torch and the ATen glue
// (relational_cuda.cpp, a plain C++ file) calls them. The kernel design
// (grid, tiling, how each pass reduces) is described at the top of
// block_tiles.cuh, the engine that linear_kernels.cu and conv_kernels.cu
// instantiate.
//
// Conventions shared by every launcher
// ------------------------------------
// * Element types: float, double, __half, __nv_bfloat16 (explicitly
//   instantiated in linear_kernels.cu / conv_kernels.cu). Products are
//   accumulated in acc_t<T>: double for double, float for the others;
//   results are rounded once to T when written. The bias is added to the
//   float/double sum before that rounding.
// * All tensors are dense and contiguous (row-major, C order), on the
//   current device, and must not overlap the outputs.
// * `layout` is the int64 tensor of relsparse/nn/layout.py (BlockLayout.
//   tensor) in DEVICE memory; the host never reads it (that would force a
//   synchronisation). Every thread block checks its header on the device:
//   the magic, kernel_elems == the op's kernel size, 1 <= n <= min(in, out),
//   the tensor length, in_ptr[n] == in_features, out_ptr[n] ==
//   out_features, w_ptr[n] == num_weights. A layout failing that check makes
//   the kernel fill its whole output with NaN (a visible failure without a
//   host sync). Per-node and per-block indices are range-checked before use
//   as well: a malformed layout never causes an out-of-bounds access; the
//   entries it governs become NaN or are left unwritten.
// * Packed weight (layout.py): the row block of output node i is W_i, a
//   row-major b_i x (K_i * kk) matrix at weight[w_ptr[i]], kk = kernel
//   elements (1 for a linear layer), K_i = row_k[i]. Neighbour block b =
//   (i, j) owns channels col_off[b] .. col_off[b] + a_j of W_i's columns
//   (times kk), where a_j = in_ptr[j+1] - in_ptr[j]; b_i = out_ptr[i+1] -
//   out_ptr[i].
// * Each launcher returns cudaGetLastError() after its launches (or the
//   first error of a runtime call it made). Empty problems launch nothing.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace relsparse::ops::cuda {

// Accumulation type of element type T (and of the grad-weight workspace).
template <typename T>
struct AccumulateType {
  using type = float;
};
template <>
struct AccumulateType<double> {
  using type = double;
};
template <typename T>
using acc_t = typename AccumulateType<T>::type;

// The layout tensor: device pointer and number of int64 entries.
struct LayoutView {
  const int64_t* data = nullptr;
  int64_t numel = 0;
};

// A relational linear layer applied to `rows` vectors (all leading
// dimensions of the input flattened).
struct LinearShape {
  int64_t rows = 0;          // M
  int64_t in_features = 0;   // sum of a_j
  int64_t out_features = 0;  // sum of b_i
  int64_t num_weights = 0;   // numel of the packed weight (w_ptr[n])
};

// A relational 2-d convolution, NCHW. out_height/out_width must be
// (size + 2 pad - dilation (kernel - 1) - 1) / stride + 1 (>= 1).
struct Conv2dShape {
  int64_t batch = 0;
  int64_t in_channels = 0, height = 0, width = 0;
  int64_t out_channels = 0, out_height = 0, out_width = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t num_weights = 0;
};

// ------------------------------------------------------------------ linear

// y[m][out_ptr[i] + o] = bias[out_ptr[i] + o]
//     + sum over blocks b = (i, j) of node i, c < a_j:
//         x[m][in_ptr[j] + c] * weight[w_ptr[i] + o * K_i + col_off[b] + c]
// x: rows x in_features; y: rows x out_features; bias: out_features or null.
template <typename T>
cudaError_t launch_linear_forward(const T* x, const T* weight, const T* bias, T* y, LayoutView layout,
                                  const LinearShape& shape, cudaStream_t stream);

// grad_in[m][in_ptr[j] + c] = sum over blocks b = (i, j) reading node j
// (t_ptr / t_block), o < b_i:
//     grad_out[m][out_ptr[i] + o] * weight[w_ptr[i] + o * K_i + col_off[b] + c]
// grad_out: rows x out_features; grad_in: rows x in_features (every entry
// written).
template <typename T>
cudaError_t launch_linear_grad_input(const T* grad_out, const T* weight, T* grad_in, LayoutView layout,
                                     const LinearShape& shape, cudaStream_t stream);

// grad_weight[w_ptr[i] + o * K_i + col_off[b] + c] = sum over m:
//     grad_out[m][out_ptr[i] + o] * x[m][in_ptr[j] + c]
// `workspace` holds num_weights elements of acc_t<T> (any contents: the
// launcher zeroes it); for float and double it may be grad_weight itself,
// otherwise the launcher converts it into grad_weight at the end. The sum
// over m may be split over thread blocks that add into the workspace with
// atomicAdd (then the low bits of the result vary between runs).
template <typename T>
cudaError_t launch_linear_grad_weight(const T* grad_out, const T* x, T* grad_weight, acc_t<T>* workspace,
                                      LayoutView layout, const LinearShape& shape, cudaStream_t stream);

// ------------------------------------------------------------- convolution
//
// Input panel row (channel, ki, kj) of output pixel (oy, ox) of image n is
//   x[n][channel][oy * stride_h - pad_h + ki * dilation_h]
//                [ox * stride_w - pad_w + kj * dilation_w]   (0 outside),
// kernel element r = ki * kernel_w + kj, and the weight of (output channel
// o of node i, channel c of block b = (i, j), r) is
//   weight[w_ptr[i] + (o * K_i + col_off[b] + c) * kk + r],  kk = kh * kw.

// y[n][out_ptr[i] + o][oy][ox] = bias[...] + sum over b = (i, j), c < a_j,
//     r < kk: weight[...] * x panel row (in_ptr[j] + c, r) at (n, oy, ox).
// x: batch x in_channels x height x width; y: batch x out_channels x
// out_height x out_width.
template <typename T>
cudaError_t launch_conv2d_forward(const T* x, const T* weight, const T* bias, T* y, LayoutView layout,
                                  const Conv2dShape& shape, cudaStream_t stream);

// grad_in = the adjoint of the forward in x: for every input pixel, the sum
// over the (output channel, kernel element, output pixel) triples that read
// it, found by gathering (iy + pad - ki * dilation must be a multiple of the
// stride), so every grad_in entry is written exactly once, without atomics.
// grad_out: batch x out_channels x out_height x out_width; grad_in: batch x
// in_channels x height x width.
template <typename T>
cudaError_t launch_conv2d_grad_input(const T* grad_out, const T* weight, T* grad_in, LayoutView layout,
                                     const Conv2dShape& shape, cudaStream_t stream);

// grad_weight[w_ptr[i] + (o * K_i + col_off[b] + c) * kk + r] = sum over
// images and output pixels of grad_out[n][out_ptr[i] + o][oy][ox] * x panel
// row (in_ptr[j] + c, r). Workspace as for launch_linear_grad_weight (the
// reduction over batch x pixels is split over blocks with atomicAdd).
template <typename T>
cudaError_t launch_conv2d_grad_weight(const T* grad_out, const T* x, T* grad_weight, acc_t<T>* workspace,
                                      LayoutView layout, const Conv2dShape& shape, cudaStream_t stream);

// Explicit instantiations live in the .cu files.
#define RELSPARSE_CUDA_DECLARE_LAUNCHERS(T)                                                                    \
  extern template cudaError_t launch_linear_forward<T>(const T*, const T*, const T*, T*, LayoutView,            \
                                                       const LinearShape&, cudaStream_t);                       \
  extern template cudaError_t launch_linear_grad_input<T>(const T*, const T*, T*, LayoutView, const LinearShape&, \
                                                          cudaStream_t);                                        \
  extern template cudaError_t launch_linear_grad_weight<T>(const T*, const T*, T*, acc_t<T>*, LayoutView,       \
                                                           const LinearShape&, cudaStream_t);                   \
  extern template cudaError_t launch_conv2d_forward<T>(const T*, const T*, const T*, T*, LayoutView,            \
                                                       const Conv2dShape&, cudaStream_t);                       \
  extern template cudaError_t launch_conv2d_grad_input<T>(const T*, const T*, T*, LayoutView, const Conv2dShape&, \
                                                          cudaStream_t);                                        \
  extern template cudaError_t launch_conv2d_grad_weight<T>(const T*, const T*, T*, acc_t<T>*, LayoutView,       \
                                                           const Conv2dShape&, cudaStream_t);

RELSPARSE_CUDA_DECLARE_LAUNCHERS(float)
RELSPARSE_CUDA_DECLARE_LAUNCHERS(double)
RELSPARSE_CUDA_DECLARE_LAUNCHERS(__half)
RELSPARSE_CUDA_DECLARE_LAUNCHERS(__nv_bfloat16)
#undef RELSPARSE_CUDA_DECLARE_LAUNCHERS

}  // namespace relsparse::ops::cuda
