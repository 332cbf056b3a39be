// Argument checks shared by the CPU and CUDA op implementations. Each
// failure is a c10::Error (a Python RuntimeError/ValueError) naming the
// argument, what it is and what was expected.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <c10/util/Optional.h>

#include "block_layout.hpp"

namespace relsparse::ops {

inline int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}

inline bool supported_dtype(at::ScalarType t) {
  return t == at::kFloat || t == at::kDouble || t == at::kBFloat16 || t == at::kHalf;
}

// Parses a layout tensor held in host memory and checks it matches `weight`.
inline BlockLayout checked_layout(const at::Tensor& layout, const at::Tensor& weight, int64_t kernel_elems) {
  TORCH_CHECK_VALUE(layout.scalar_type() == at::kLong && layout.dim() == 1 && layout.is_contiguous(),
                    "layout must be a contiguous 1-d int64 tensor (BlockLayout.tensor), got ", layout.scalar_type(),
                    " with shape ", layout.sizes());
  TORCH_CHECK_VALUE(layout.device().is_cpu(), "this implementation reads the layout on the CPU, got ", layout.device());
  BlockLayout L;
  const char* problem = L.parse(layout.data_ptr<int64_t>(), layout.numel());
  TORCH_CHECK_VALUE(problem == nullptr, "malformed relational layout: ", problem);
  TORCH_CHECK_VALUE(L.kernel_elems == kernel_elems, "layout was built for ", L.kernel_elems,
                    " kernel elements, the op uses ", kernel_elems);
  TORCH_CHECK_VALUE(weight.dim() == 1 && weight.numel() == L.num_weights(), "weight must be the packed 1-d tensor of ",
                    L.num_weights(), " trainable weights, got shape ", weight.sizes());
  return L;
}

inline void check_common(const char* op, const at::Tensor& x, const at::Tensor& weight,
                         const c10::optional<at::Tensor>& bias, int64_t out_features) {
  TORCH_CHECK_TYPE(supported_dtype(x.scalar_type()), op, ": input dtype ", x.scalar_type(),
                   " is not supported (float32, float64, bfloat16, float16)");
  TORCH_CHECK_TYPE(weight.scalar_type() == x.scalar_type(), op, ": weight dtype ", weight.scalar_type(),
                   " differs from input dtype ", x.scalar_type());
  TORCH_CHECK_VALUE(weight.device() == x.device(), op, ": weight is on ", weight.device(), " but input is on ",
                    x.device());
  if (bias) {
    TORCH_CHECK_TYPE(bias->scalar_type() == x.scalar_type(), op, ": bias dtype ", bias->scalar_type(),
                     " differs from input dtype ", x.scalar_type());
    TORCH_CHECK_VALUE(bias->device() == x.device(), op, ": bias is on ", bias->device(), " but input is on ",
                      x.device());
    TORCH_CHECK_VALUE(bias->dim() == 1 && bias->size(0) == out_features, op, ": bias must have shape [",
                      out_features, "], got ", bias->sizes());
  }
}

inline void check_linear_inputs(const char* op, const at::Tensor& x, const at::Tensor& weight,
                                const c10::optional<at::Tensor>& bias, const BlockLayout& L, int64_t out_features) {
  check_common(op, x, weight, bias, out_features);
  TORCH_CHECK_VALUE(out_features == L.out_features(), op, ": out_features=", out_features, " but the layout has ",
                    L.out_features());
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) == L.in_features(), op, ": input has ",
                    x.dim() ? x.size(-1) : 0, " features in its last dimension, expected in_features=",
                    L.in_features());
}

inline void check_conv_geometry(const char* op, const at::Tensor& x, int64_t in_channels, at::IntArrayRef kernel,
                                at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  TORCH_CHECK_VALUE(kernel.size() == 2 && stride.size() == 2 && padding.size() == 2 && dilation.size() == 2, op,
                    ": kernel_size, stride, padding and dilation must have two entries each");
  TORCH_CHECK_VALUE(kernel[0] >= 1 && kernel[1] >= 1, op, ": kernel_size must be >= 1, got ", kernel);
  TORCH_CHECK_VALUE(stride[0] >= 1 && stride[1] >= 1, op, ": stride must be >= 1, got ", stride);
  TORCH_CHECK_VALUE(padding[0] >= 0 && padding[1] >= 0, op, ": padding must be >= 0, got ", padding);
  TORCH_CHECK_VALUE(dilation[0] >= 1 && dilation[1] >= 1, op, ": dilation must be >= 1, got ", dilation);
  TORCH_CHECK_VALUE(x.dim() == 4, op, ": input must be 4-d (N, C, H, W), got shape ", x.sizes());
  TORCH_CHECK_VALUE(x.size(1) == in_channels, op, ": input has ", x.size(1), " channels, expected in_channels=",
                    in_channels);
  const int64_t oh = conv_output_size(x.size(2), kernel[0], stride[0], padding[0], dilation[0]);
  const int64_t ow = conv_output_size(x.size(3), kernel[1], stride[1], padding[1], dilation[1]);
  TORCH_CHECK_VALUE(oh >= 1 && ow >= 1, op, ": input of size ", x.size(2), "x", x.size(3),
                    " is too small for the kernel (output would be ", oh, "x", ow, ")");
}

inline void check_conv_inputs(const char* op, const at::Tensor& x, const at::Tensor& weight,
                              const c10::optional<at::Tensor>& bias, const BlockLayout& L, int64_t out_channels,
                              at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding,
                              at::IntArrayRef dilation) {
  check_common(op, x, weight, bias, out_channels);
  TORCH_CHECK_VALUE(out_channels == L.out_features(), op, ": out_channels=", out_channels, " but the layout has ",
                    L.out_features());
  check_conv_geometry(op, x, L.in_features(), kernel, stride, padding, dilation);
}

}  // namespace relsparse::ops
