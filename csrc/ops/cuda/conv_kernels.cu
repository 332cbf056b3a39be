// CUDA kernels of the relational 2-d convolution (NCHW, zero padding) as
// implicit GEMMs over the packed block layout (layout.py); the engine is in
// block_tiles.cuh. Panel rows are (channel, ki, kj) in that order, kernel
// element r = ki * kw + kj, weight (o, c, r) of node i's row block at
// w_ptr[i] + (o * K_i + col_off[b] + c) * kk + r.
//
//   forward      columns = (image, output pixel); the B tile loader does
//                im2col on the fly (zero for padding)
//   grad input   columns = (image, INPUT pixel); the loader gathers the
//                dy entries that read the pixel (oy * stride = iy + pad -
//                ki * dilation, exactly divisible, in range): every dx entry
//                written once, no atomics, no zero fill. With stride s the
//                gather visits s_h * s_w times the nonzero entries (the
//                others are zeros in the tile).
//   grad weight  reduction over (image, output pixel), split over
//                blockIdx.y, summed with atomicAdd in float/double.
#include "block_tiles.cuh"
#include "kernels.cuh"

namespace relsparse::ops::cuda {

template <typename T>
cudaError_t launch_conv2d_forward(const T* x, const T* weight, const T* bias, T* y, LayoutView layout,
                                  const Conv2dShape& shape, cudaStream_t stream) {
  if (!conv_shape_ok(shape)) return cudaErrorInvalidValue;
  RowsArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.weight = weight;
  a.src = x;
  a.bias = bias;
  a.dst = y;
  a.dst_numel = shape.batch * shape.out_channels * shape.out_height * shape.out_width;
  a.g = conv_geometry(shape, false);
  return launch_rows<T, true, false>(a, stream);
}

template <typename T>
cudaError_t launch_conv2d_grad_input(const T* grad_out, const T* weight, T* grad_in, LayoutView layout,
                                     const Conv2dShape& shape, cudaStream_t stream) {
  if (!conv_shape_ok(shape)) return cudaErrorInvalidValue;
  RowsArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.weight = weight;
  a.src = grad_out;
  a.bias = nullptr;
  a.dst = grad_in;
  a.dst_numel = shape.batch * shape.in_channels * shape.height * shape.width;
  a.g = conv_geometry(shape, true);
  return launch_rows<T, true, true>(a, stream);
}

template <typename T>
cudaError_t launch_conv2d_grad_weight(const T* grad_out, const T* x, T* grad_weight, acc_t<T>* workspace,
                                      LayoutView layout, const Conv2dShape& shape, cudaStream_t stream) {
  if (!conv_shape_ok(shape)) return cudaErrorInvalidValue;
  WgradArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.dy = grad_out;
  a.x = x;
  a.ws = workspace;
  a.split_len = 0;
  a.atomic = 0;
  a.g = conv_geometry(shape, false);
  return launch_wgrad<T, true>(a, grad_weight, stream);
}

#define RELSPARSE_INSTANTIATE_CONV(T)                                                                            \
  template cudaError_t launch_conv2d_forward<T>(const T*, const T*, const T*, T*, LayoutView, const Conv2dShape&, \
                                                cudaStream_t);                                                   \
  template cudaError_t launch_conv2d_grad_input<T>(const T*, const T*, T*, LayoutView, const Conv2dShape&,        \
                                                   cudaStream_t);                                                \
  template cudaError_t launch_conv2d_grad_weight<T>(const T*, const T*, T*, acc_t<T>*, LayoutView,                \
                                                    const Conv2dShape&, cudaStream_t);

RELSPARSE_INSTANTIATE_CONV(float)
RELSPARSE_INSTANTIATE_CONV(double)
RELSPARSE_INSTANTIATE_CONV(__half)
RELSPARSE_INSTANTIATE_CONV(__nv_bfloat16)
#undef RELSPARSE_INSTANTIATE_CONV

}  // namespace relsparse::ops::cuda
