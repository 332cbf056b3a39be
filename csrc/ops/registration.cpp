// The relsparse operator library: schemas (TORCH_LIBRARY) and the CPU
// implementations. CUDA implementations register from cuda/relational_cuda.cpp
// when the extension is built against a CUDA torch, autograd from
// autograd.cpp. Fake (meta) kernels for torch.compile and autocast rules are
// registered in Python (relsparse/nn/_ops.py) around these schemas.
//
// The weight is the packed 1-d tensor of trainable weights and `layout` the
// int64 block description (relsparse/nn/layout.py), on the input's device.
// The *_grad_weight ops take the weight only for its shape and dtype (their
// result has both).
#include <torch/library.h>

#include "cpu/relational_cpu.hpp"

TORCH_LIBRARY(relsparse, m) {
  m.def("linear(Tensor x, Tensor weight, Tensor? bias, Tensor layout, int out_features) -> Tensor");
  m.def("linear_grad_input(Tensor grad_out, Tensor weight, Tensor layout, int in_features) -> Tensor");
  m.def("linear_grad_weight(Tensor grad_out, Tensor x, Tensor weight, Tensor layout) -> Tensor");
  m.def(
      "conv2d(Tensor x, Tensor weight, Tensor? bias, Tensor layout, int out_channels, int[2] kernel_size, "
      "int[2] stride, int[2] padding, int[2] dilation) -> Tensor");
  m.def(
      "conv2d_grad_input(Tensor grad_out, Tensor weight, Tensor layout, int[4] input_size, int[2] kernel_size, "
      "int[2] stride, int[2] padding, int[2] dilation) -> Tensor");
  m.def(
      "conv2d_grad_weight(Tensor grad_out, Tensor x, Tensor weight, Tensor layout, int[2] kernel_size, "
      "int[2] stride, "
      "int[2] padding, int[2] dilation) -> Tensor");
}

TORCH_LIBRARY_IMPL(relsparse, CPU, m) {
  using namespace relsparse::ops::cpu;
  m.impl("linear", &linear_forward);
  m.impl("linear_grad_input", &linear_grad_input);
  m.impl("linear_grad_weight", &linear_grad_weight);
  m.impl("conv2d", &conv2d_forward);
  m.impl("conv2d_grad_input", &conv2d_grad_input);
  m.impl("conv2d_grad_weight", &conv2d_grad_weight);
}
