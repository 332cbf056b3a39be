// CUDA implementations of the relsparse ops (TORCH_LIBRARY_IMPL(relsparse,
// CUDA)): ATen glue over the raw-pointer launchers of kernels.cuh, with the
// C++ signatures of the CPU implementations (cpu/relational_cpu.hpp).
//
// Built into _ops when torch has CUDA (CMake defines RELSPARSE_WITH_CUDA);
// with a CPU-only torch the relsparse_cuda_glue_check target still compiles
// it (without linking) so that a compile error fails the build.
//
// The layout tensor lives on the input's device and is never read here
// (that would synchronise): the host checks what it can (dtypes, devices,
// shapes, conv geometry) and the kernels check the layout's header against
// these sizes on the device. A layout that does not describe the arguments
// (other widths, kernel size or weight count) makes the result all NaN
// instead of raising (see kernels.cuh).
//
// Dtypes as the CPU twin: float64 computes in double; float32, float16 and
// bfloat16 accumulate in float and round the result once. The grad-input
// passes compute in grad_output's dtype (the weight converted to it), the
// grad-weight passes in the input's dtype and return the weight's dtype.
#ifndef RELSPARSE_WITH_CUDA
#error "relational_cuda.cpp belongs to CUDA builds: compile it with RELSPARSE_WITH_CUDA defined"
#endif

#include <ATen/Dispatch.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>
#include <c10/util/Optional.h>
#include <torch/library.h>

#include <cuda_runtime_api.h>

#include <vector>

#include "../block_layout.hpp"
#include "../checks.hpp"
#include "kernels.cuh"

namespace relsparse::ops::cuda {
namespace {

// ATen scalar type -> the CUDA type the launchers take (same bits).
template <typename S>
struct DeviceType {
  using type = S;
};
template <>
struct DeviceType<at::Half> {
  using type = __half;
};
template <>
struct DeviceType<at::BFloat16> {
  using type = __nv_bfloat16;
};
template <typename S>
using device_t = typename DeviceType<S>::type;

template <typename S>
const device_t<S>* const_ptr(const at::Tensor& t) {
  return reinterpret_cast<const device_t<S>*>(t.data_ptr<S>());
}
template <typename S>
device_t<S>* mut_ptr(const at::Tensor& t) {
  return reinterpret_cast<device_t<S>*>(t.data_ptr<S>());
}

// The smallest layout tensor (one node, one block) has 18 entries.
constexpr int64_t kMinLayoutLength = 9 + 6 * 1 + 3 * 1;

void check_layout(const char* op, const at::Tensor& layout, const at::Tensor& x) {
  TORCH_CHECK_VALUE(layout.scalar_type() == at::kLong && layout.dim() == 1 && layout.is_contiguous(), op,
                    ": layout must be a contiguous 1-d int64 tensor (BlockLayout.tensor), got ", layout.scalar_type(),
                    " with shape ", layout.sizes());
  TORCH_CHECK_VALUE(layout.device() == x.device(), op, ": layout is on ", layout.device(), " but the input is on ",
                    x.device(), " (pass BlockLayout.tensor_on(input.device))");
  TORCH_CHECK_VALUE(layout.numel() >= kMinLayoutLength, op, ": not a relsparse layout tensor (", layout.numel(),
                    " entries)");
}

void check_dtype(const char* op, const at::Tensor& t) {
  TORCH_CHECK_TYPE(supported_dtype(t.scalar_type()), op, ": dtype ", t.scalar_type(),
                   " is not supported (float32, float64, bfloat16, float16)");
}

void check_same_device(const char* op, const char* what, const at::Tensor& t, const at::Tensor& x) {
  TORCH_CHECK_VALUE(t.device() == x.device(), op, ": ", what, " is on ", t.device(), " but the input is on ",
                    x.device());
}

void check_packed_weight(const char* op, const at::Tensor& weight) {
  TORCH_CHECK_VALUE(weight.dim() == 1, op, ": weight must be the packed 1-d tensor of trainable weights, got shape ",
                    weight.sizes());
}

void check_launch(const char* op, cudaError_t err) {
  TORCH_CHECK(err == cudaSuccess, op, ": CUDA kernel launch failed: ", cudaGetErrorString(err));
}

LayoutView view(const at::Tensor& layout) {
  LayoutView v;
  v.data = layout.data_ptr<int64_t>();
  v.numel = layout.numel();
  return v;
}

std::vector<int64_t> with_last(at::IntArrayRef sizes, int64_t last) {
  std::vector<int64_t> shape(sizes.begin(), sizes.end());
  shape.back() = last;
  return shape;
}

at::ScalarType accumulate_type(at::ScalarType t) { return t == at::kDouble ? at::kDouble : at::kFloat; }

Conv2dShape conv_shape(at::IntArrayRef input, int64_t out_channels, at::IntArrayRef kernel, at::IntArrayRef stride,
                       at::IntArrayRef padding, at::IntArrayRef dilation, int64_t num_weights) {
  Conv2dShape s;
  s.batch = input[0];
  s.in_channels = input[1];
  s.height = input[2];
  s.width = input[3];
  s.out_channels = out_channels;
  s.kernel_h = kernel[0];
  s.kernel_w = kernel[1];
  s.stride_h = stride[0];
  s.stride_w = stride[1];
  s.pad_h = padding[0];
  s.pad_w = padding[1];
  s.dilation_h = dilation[0];
  s.dilation_w = dilation[1];
  s.out_height = conv_output_size(s.height, s.kernel_h, s.stride_h, s.pad_h, s.dilation_h);
  s.out_width = conv_output_size(s.width, s.kernel_w, s.stride_w, s.pad_w, s.dilation_w);
  s.num_weights = num_weights;
  return s;
}

// The weight gradient in `dtype` (the input's), via a float/double
// workspace: the result itself for float32/float64.
template <typename Launch>
at::Tensor grad_weight_pass(const char* op, const at::Tensor& like, int64_t num_weights, Launch&& launch) {
  at::Tensor result = at::empty({num_weights}, like.options());
  const at::ScalarType acc = accumulate_type(like.scalar_type());
  at::Tensor workspace = acc == like.scalar_type() ? result : at::empty({num_weights}, like.options().dtype(acc));
  cudaError_t err = cudaSuccess;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, like.scalar_type(), "relsparse_grad_weight_cuda", [&] {
    using A = acc_t<device_t<scalar_t>>;
    err = launch(mut_ptr<scalar_t>(result), reinterpret_cast<A*>(workspace.data_ptr()), scalar_t(0));
  });
  check_launch(op, err);
  return result;
}

}  // namespace

// ------------------------------------------------------------------ linear

at::Tensor linear_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout, int64_t out_features) {
  const char* op = "relational_linear";
  check_common(op, x, weight, bias, out_features);
  check_layout(op, layout, x);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) >= 1, op, ": input must end in at least one feature, got shape ",
                    x.sizes());
  TORCH_CHECK_VALUE(out_features >= 1, op, ": out_features must be positive, got ", out_features);
  const c10::cuda::CUDAGuard guard(x.device());
  const int64_t in_features = x.size(-1);
  const at::Tensor x2 = x.reshape({-1, in_features}).contiguous();
  const at::Tensor w = weight.contiguous();
  const at::Tensor b = bias ? bias->contiguous() : at::Tensor();
  at::Tensor y = at::empty({x2.size(0), out_features}, x.options());
  const LinearShape shape{x2.size(0), in_features, out_features, w.numel()};  // rows, in, out, weights
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  cudaError_t err = cudaSuccess;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "relational_linear_cuda", [&] {
    err = launch_linear_forward(const_ptr<scalar_t>(x2), const_ptr<scalar_t>(w), b.defined() ? const_ptr<scalar_t>(b) : nullptr,
                                mut_ptr<scalar_t>(y), view(layout), shape, stream);
  });
  check_launch(op, err);
  return y.reshape(with_last(x.sizes(), out_features));
}

at::Tensor linear_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout,
                             int64_t in_features) {
  const char* op = "relational_linear backward";
  check_dtype(op, grad_out);
  check_dtype(op, weight);
  check_same_device(op, "weight", weight, grad_out);
  check_layout(op, layout, grad_out);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(grad_out.dim() >= 1 && grad_out.size(-1) >= 1, op,
                    ": grad_output must end in at least one feature, got shape ", grad_out.sizes());
  TORCH_CHECK_VALUE(in_features >= 1, op, ": in_features must be positive, got ", in_features);
  const c10::cuda::CUDAGuard guard(grad_out.device());
  const int64_t out_features = grad_out.size(-1);
  const at::Tensor g2 = grad_out.reshape({-1, out_features}).contiguous();
  const at::Tensor w = weight.to(grad_out.scalar_type()).contiguous();
  at::Tensor gi = at::empty({g2.size(0), in_features}, grad_out.options());
  const LinearShape shape{g2.size(0), in_features, out_features, w.numel()};  // rows, in, out, weights
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  cudaError_t err = cudaSuccess;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_out.scalar_type(), "relational_linear_grad_input_cuda",
                                  [&] {
                                    err = launch_linear_grad_input(const_ptr<scalar_t>(g2), const_ptr<scalar_t>(w),
                                                                   mut_ptr<scalar_t>(gi), view(layout), shape, stream);
                                  });
  check_launch(op, err);
  return gi.reshape(with_last(grad_out.sizes(), in_features));
}

at::Tensor linear_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout) {
  const char* op = "relational_linear backward";
  check_dtype(op, x);
  check_dtype(op, grad_out);
  check_same_device(op, "grad_output", grad_out, x);
  check_same_device(op, "weight", weight, x);
  check_layout(op, layout, x);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) >= 1, op, ": input must end in at least one feature, got shape ",
                    x.sizes());
  TORCH_CHECK_VALUE(grad_out.dim() >= 1 && grad_out.size(-1) >= 1, op,
                    ": grad_output must end in at least one feature, got shape ", grad_out.sizes());
  const c10::cuda::CUDAGuard guard(x.device());
  const int64_t in_features = x.size(-1), out_features = grad_out.size(-1);
  const at::Tensor x2 = x.reshape({-1, in_features}).contiguous();
  const at::Tensor g2 = grad_out.to(x.scalar_type()).reshape({-1, out_features}).contiguous();
  TORCH_CHECK_VALUE(g2.size(0) == x2.size(0), op, ": grad_output has ", g2.size(0), " rows but the input has ",
                    x2.size(0));
  const LinearShape shape{x2.size(0), in_features, out_features, weight.numel()};  // rows, in, out, weights
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  const at::Tensor dw = grad_weight_pass(op, x2, weight.numel(), [&](auto* result, auto* workspace, auto tag) {
    using S = decltype(tag);
    return launch_linear_grad_weight(const_ptr<S>(g2), const_ptr<S>(x2), result, workspace, view(layout), shape, stream);
  });
  return dw.to(weight.scalar_type());
}

// ------------------------------------------------------------- convolution

at::Tensor conv2d_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout, int64_t out_channels, at::IntArrayRef kernel_size,
                          at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  const char* op = "relational_conv2d";
  check_common(op, x, weight, bias, out_channels);
  check_layout(op, layout, x);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(x.dim() == 4, op, ": input must be 4-d (N, C, H, W), got shape ", x.sizes());
  TORCH_CHECK_VALUE(x.size(1) >= 1, op, ": input has no channels");
  TORCH_CHECK_VALUE(out_channels >= 1, op, ": out_channels must be positive, got ", out_channels);
  check_conv_geometry(op, x, x.size(1), kernel_size, stride, padding, dilation);
  const c10::cuda::CUDAGuard guard(x.device());
  const at::Tensor xc = x.contiguous();
  const at::Tensor w = weight.contiguous();
  const at::Tensor b = bias ? bias->contiguous() : at::Tensor();
  const Conv2dShape shape = conv_shape(x.sizes(), out_channels, kernel_size, stride, padding, dilation, w.numel());
  at::Tensor y = at::empty({shape.batch, out_channels, shape.out_height, shape.out_width}, x.options());
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  cudaError_t err = cudaSuccess;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "relational_conv2d_cuda", [&] {
    err = launch_conv2d_forward(const_ptr<scalar_t>(xc), const_ptr<scalar_t>(w), b.defined() ? const_ptr<scalar_t>(b) : nullptr,
                                mut_ptr<scalar_t>(y), view(layout), shape, stream);
  });
  check_launch(op, err);
  return y;
}

at::Tensor conv2d_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout,
                             at::IntArrayRef input_size, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation) {
  const char* op = "relational_conv2d backward";
  check_dtype(op, grad_out);
  check_dtype(op, weight);
  check_same_device(op, "weight", weight, grad_out);
  check_layout(op, layout, grad_out);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(input_size.size() == 4, op, ": input_size must have 4 entries, got ", input_size);
  TORCH_CHECK_VALUE(input_size[0] >= 0 && input_size[1] >= 1, op, ": bad input_size ", input_size);
  // The geometry check reads only sizes: a meta tensor stands in for the input.
  const at::Tensor shape_only = at::empty(input_size, grad_out.options().device(at::kMeta));
  check_conv_geometry(op, shape_only, input_size[1], kernel_size, stride, padding, dilation);
  const c10::cuda::CUDAGuard guard(grad_out.device());
  const Conv2dShape shape =
      conv_shape(input_size, grad_out.dim() == 4 ? grad_out.size(1) : 0, kernel_size, stride, padding, dilation,
                 weight.numel());
  TORCH_CHECK_VALUE(grad_out.dim() == 4 && grad_out.size(0) == shape.batch && grad_out.size(1) >= 1 &&
                        grad_out.size(2) == shape.out_height && grad_out.size(3) == shape.out_width,
                    op, ": grad_output has shape ", grad_out.sizes(), ", expected [", shape.batch, ", out_channels, ",
                    shape.out_height, ", ", shape.out_width, "]");
  const at::Tensor dy = grad_out.contiguous();
  const at::Tensor w = weight.to(grad_out.scalar_type()).contiguous();
  at::Tensor dx = at::empty(input_size, grad_out.options());
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  cudaError_t err = cudaSuccess;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_out.scalar_type(), "relational_conv2d_grad_input_cuda",
                                  [&] {
                                    err = launch_conv2d_grad_input(const_ptr<scalar_t>(dy), const_ptr<scalar_t>(w),
                                                                   mut_ptr<scalar_t>(dx), view(layout), shape, stream);
                                  });
  check_launch(op, err);
  return dx;
}

at::Tensor conv2d_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                              at::IntArrayRef padding, at::IntArrayRef dilation) {
  const char* op = "relational_conv2d backward";
  check_dtype(op, x);
  check_dtype(op, grad_out);
  check_same_device(op, "grad_output", grad_out, x);
  check_same_device(op, "weight", weight, x);
  check_layout(op, layout, x);
  check_packed_weight(op, weight);
  TORCH_CHECK_VALUE(x.dim() == 4, op, ": input must be 4-d (N, C, H, W), got shape ", x.sizes());
  TORCH_CHECK_VALUE(x.size(1) >= 1, op, ": input has no channels");
  check_conv_geometry(op, x, x.size(1), kernel_size, stride, padding, dilation);
  const c10::cuda::CUDAGuard guard(x.device());
  const Conv2dShape shape = conv_shape(x.sizes(), grad_out.dim() == 4 ? grad_out.size(1) : 0, kernel_size, stride,
                                       padding, dilation, weight.numel());
  TORCH_CHECK_VALUE(grad_out.dim() == 4 && grad_out.size(0) == shape.batch && grad_out.size(1) >= 1 &&
                        grad_out.size(2) == shape.out_height && grad_out.size(3) == shape.out_width,
                    op, ": grad_output has shape ", grad_out.sizes(), ", expected [", shape.batch, ", out_channels, ",
                    shape.out_height, ", ", shape.out_width, "]");
  const at::Tensor xc = x.contiguous();
  const at::Tensor dy = grad_out.to(x.scalar_type()).contiguous();
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  const at::Tensor dw = grad_weight_pass(op, xc, weight.numel(), [&](auto* result, auto* workspace, auto tag) {
    using S = decltype(tag);
    return launch_conv2d_grad_weight(const_ptr<S>(dy), const_ptr<S>(xc), result, workspace, view(layout), shape, stream);
  });
  return dw.to(weight.scalar_type());
}

}  // namespace relsparse::ops::cuda

TORCH_LIBRARY_IMPL(relsparse, CUDA, m) {
  using namespace relsparse::ops::cuda;
  m.impl("linear", &linear_forward);
  m.impl("linear_grad_input", &linear_grad_input);
  m.impl("linear_grad_weight", &linear_grad_weight);
  m.impl("conv2d", &conv2d_forward);
  m.impl("conv2d_grad_input", &conv2d_grad_input);
  m.impl("conv2d_grad_weight", &conv2d_grad_weight);
}
