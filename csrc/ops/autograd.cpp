// Autograd for the relsparse ops, in C++ (the Autograd dispatch key, for
// every device): the backward calls only the gradient ops whose inputs
// need a gradient; the bias gradient is a sum.
//
// Why C++: registered from Python (torch.library.register_autograd), every
// layer paid for a Python autograd function in the forward pass and, in
// the backward pass, a Python backward plus a call from Python into each
// gradient op: ~30 us per layer and training step more than nn.Linear.
// The forward pass runs its op below the autograd key, so torch.compile's
// tracing reaches the fake kernels registered in relsparse/nn/_ops.py.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/autograd.h>
#include <torch/library.h>

#include <vector>

namespace relsparse::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename Signature>
c10::TypedOperatorHandle<Signature> op(const char* name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "").typed<Signature>();
}

using LinearSig = at::Tensor(const at::Tensor&, const at::Tensor&, const std::optional<at::Tensor>&,
                             const at::Tensor&, int64_t);
using LinearGradInputSig = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t);
using LinearGradWeightSig = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&);
using ConvSig = at::Tensor(const at::Tensor&, const at::Tensor&, const std::optional<at::Tensor>&, const at::Tensor&,
                           int64_t, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef);
using ConvGradInputSig = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::IntArrayRef,
                                    at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef);
using ConvGradWeightSig = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                     at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef);

// Edges of the autograd node: one per tensor input that is defined, in
// order (x, weight, then bias when there is one).
constexpr size_t kInputEdge = 0, kWeightEdge = 1, kBiasEdge = 2;

class LinearFunction : public torch::autograd::Function<LinearFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const std::optional<at::Tensor>& bias, const at::Tensor& layout, int64_t out_features) {
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    static const auto linear = op<LinearSig>("relsparse::linear");
    ctx->save_for_backward({x, weight, layout});
    ctx->saved_data["has_bias"] = bias.has_value() && bias->defined();
    return linear.call(x, weight, bias, layout, out_features);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static const auto grad_input = op<LinearGradInputSig>("relsparse::linear_grad_input");
    static const auto grad_weight = op<LinearGradWeightSig>("relsparse::linear_grad_weight");
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &weight = saved[1], &layout = saved[2], &grad = grads[0];
    at::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(kInputEdge)) gx = grad_input.call(grad, weight, layout, x.size(-1));
    if (ctx->needs_input_grad(kWeightEdge)) gw = grad_weight.call(grad, x, weight, layout);
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(kBiasEdge))
      gb = grad.reshape({-1, grad.size(-1)}).sum(0);
    return {gx, gw, gb, at::Tensor(), at::Tensor()};  // x, weight, bias, layout, out_features
  }
};

class Conv2dFunction : public torch::autograd::Function<Conv2dFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const std::optional<at::Tensor>& bias, const at::Tensor& layout, int64_t out_channels,
                            at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
                            at::IntArrayRef dilation) {
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    static const auto conv2d = op<ConvSig>("relsparse::conv2d");
    ctx->save_for_backward({x, weight, layout});
    ctx->saved_data["has_bias"] = bias.has_value() && bias->defined();
    ctx->saved_data["kernel_size"] = kernel_size.vec();
    ctx->saved_data["stride"] = stride.vec();
    ctx->saved_data["padding"] = padding.vec();
    ctx->saved_data["dilation"] = dilation.vec();
    return conv2d.call(x, weight, bias, layout, out_channels, kernel_size, stride, padding, dilation);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static const auto grad_input = op<ConvGradInputSig>("relsparse::conv2d_grad_input");
    static const auto grad_weight = op<ConvGradWeightSig>("relsparse::conv2d_grad_weight");
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &weight = saved[1], &layout = saved[2];
    // The CPU kernels read any strides in place (cpu/planes.hpp); the CUDA
    // ones need a contiguous gradient, made once here for both passes (e.g.
    // from the expanded gradient of a .sum()).
    const at::Tensor grad = grads[0].is_cpu() ? grads[0] : grads[0].contiguous();
    const std::vector<int64_t> kernel_size = ctx->saved_data["kernel_size"].toIntVector();
    const std::vector<int64_t> stride = ctx->saved_data["stride"].toIntVector();
    const std::vector<int64_t> padding = ctx->saved_data["padding"].toIntVector();
    const std::vector<int64_t> dilation = ctx->saved_data["dilation"].toIntVector();
    at::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(kInputEdge))
      gx = grad_input.call(grad, weight, layout, x.sizes(), kernel_size, stride, padding, dilation);
    if (ctx->needs_input_grad(kWeightEdge))
      gw = grad_weight.call(grad, x, weight, layout, kernel_size, stride, padding, dilation);
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(kBiasEdge)) gb = grad.sum({0, 2, 3});
    // x, weight, bias, layout, out_channels, kernel_size, stride, padding, dilation
    return {gx, gw, gb, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor linear_autograd(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                           const at::Tensor& layout, int64_t out_features) {
  return LinearFunction::apply(x, weight, bias, layout, out_features);
}

at::Tensor conv2d_autograd(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                           const at::Tensor& layout, int64_t out_channels, at::IntArrayRef kernel_size,
                           at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  return Conv2dFunction::apply(x, weight, bias, layout, out_channels, kernel_size, stride, padding, dilation);
}

}  // namespace
}  // namespace relsparse::ops

TORCH_LIBRARY_IMPL(relsparse, Autograd, m) {
  m.impl("linear", &relsparse::ops::linear_autograd);
  m.impl("conv2d", &relsparse::ops::conv2d_autograd);
}
