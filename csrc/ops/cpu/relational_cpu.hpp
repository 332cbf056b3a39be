// CPU implementations of the relsparse ops (registered in registration.cpp).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <array>
#include <tuple>

namespace relsparse::ops::cpu {

at::Tensor linear_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout, int64_t out_features);

at::Tensor linear_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout,
                             int64_t in_features);

at::Tensor linear_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout);

at::Tensor conv2d_forward(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                          const at::Tensor& layout, int64_t out_channels, at::IntArrayRef kernel_size,
                          at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation);

at::Tensor conv2d_grad_input(const at::Tensor& grad_out, const at::Tensor& weight, const at::Tensor& layout,
                             at::IntArrayRef input_size, at::IntArrayRef kernel_size, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation);

at::Tensor conv2d_grad_weight(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& weight,
                              const at::Tensor& layout,
                              at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
                              at::IntArrayRef dilation);

}  // namespace relsparse::ops::cpu
