// CUDA kernels of the relational linear layer: y = x W^T + b with W
// block-sparse along the relational graph (packed layout, layout.py).
// The engine (tiling, reduction map, tensor cores) is in block_tiles.cuh;
// here a linear layer is the case kk = 1, columns = the M input rows.
#include "block_tiles.cuh"
#include "kernels.cuh"

namespace relsparse::ops::cuda {

template <typename T>
cudaError_t launch_linear_forward(const T* x, const T* weight, const T* bias, T* y, LayoutView layout,
                                  const LinearShape& shape, cudaStream_t stream) {
  RowsArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.weight = weight;
  a.src = x;
  a.bias = bias;
  a.dst = y;
  a.dst_numel = shape.rows * shape.out_features;
  a.g = linear_geometry(shape);
  return launch_rows<T, false, false>(a, stream);
}

template <typename T>
cudaError_t launch_linear_grad_input(const T* grad_out, const T* weight, T* grad_in, LayoutView layout,
                                     const LinearShape& shape, cudaStream_t stream) {
  RowsArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.weight = weight;
  a.src = grad_out;
  a.bias = nullptr;
  a.dst = grad_in;
  a.dst_numel = shape.rows * shape.in_features;
  a.g = linear_geometry(shape);
  return launch_rows<T, false, true>(a, stream);
}

template <typename T>
cudaError_t launch_linear_grad_weight(const T* grad_out, const T* x, T* grad_weight, acc_t<T>* workspace,
                                      LayoutView layout, const LinearShape& shape, cudaStream_t stream) {
  WgradArgs<T> a{};
  a.layout = layout.data;
  a.layout_len = layout.numel;
  a.dy = grad_out;
  a.x = x;
  a.ws = workspace;
  a.split_len = 0;
  a.atomic = 0;
  a.g = linear_geometry(shape);
  return launch_wgrad<T, false>(a, grad_weight, stream);
}

#define RELSPARSE_INSTANTIATE_LINEAR(T)                                                                          \
  template cudaError_t launch_linear_forward<T>(const T*, const T*, const T*, T*, LayoutView, const LinearShape&, \
                                                cudaStream_t);                                                   \
  template cudaError_t launch_linear_grad_input<T>(const T*, const T*, T*, LayoutView, const LinearShape&,        \
                                                   cudaStream_t);                                                \
  template cudaError_t launch_linear_grad_weight<T>(const T*, const T*, T*, acc_t<T>*, LayoutView,                \
                                                    const LinearShape&, cudaStream_t);

RELSPARSE_INSTANTIATE_LINEAR(float)
RELSPARSE_INSTANTIATE_LINEAR(double)
RELSPARSE_INSTANTIATE_LINEAR(__half)
RELSPARSE_INSTANTIATE_LINEAR(__nv_bfloat16)
#undef RELSPARSE_INSTANTIATE_LINEAR

}  // namespace relsparse::ops::cuda
