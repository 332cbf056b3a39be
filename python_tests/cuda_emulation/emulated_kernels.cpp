// relsparse's CUDA kernels compiled for the host: the device code of
// csrc/ops/cuda/block_tiles.cuh and the launchers of linear_kernels.cu and
// conv_kernels.cu, unchanged, run on the CPU by simt_emulator.hpp (see its
// header for what is emulated and what is not: SIMT path only, no WMMA, one
// block at a time). Built into a shared library by
// python_tests/test_cuda_emulated.py and called through the C ABI at the
// end of this file with ctypes.
//
// Only launch_rows / launch_wgrad are replaced: block_tiles.cuh defines them
// for nvcc only (they use <<<>>>). The versions below do what those do --
// same grid functions (rows_grid, wgrad_grid), same kernels, the workspace
// zeroed, then converted by convert_kernel -- with emulated launches, for a
// chosen multiprocessor count. Keep them in step with block_tiles.cuh.
#include "simt_emulator.hpp"

#include "ops/cuda/block_tiles.cuh"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>
#include <type_traits>
#include <vector>

namespace relsparse::ops::cuda {
namespace {

int64_t emulated_multiprocessors = 1;  // what the grid is sized for (the SM count on a GPU)

template <typename T, bool kConv, bool kGradInput>
cudaError_t launch_rows(const RowsArgs<T>& args, cudaStream_t) {
  if (args.dst_numel <= 0 || args.g.cols <= 0) return cudaSuccess;
  int64_t gx = 1, gy = 1;
  rows_grid(args.g, kGradInput, emulated_multiprocessors, gx, gy);
  const bool ok = relsparse_emu::simt.launch(dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy)),
                                             dim3(kThreads), [&args] { rows_kernel<T, kConv, kGradInput>(args); });
  return ok ? cudaSuccess : cudaErrorLaunchFailure;
}

template <typename T, bool kConv>
cudaError_t launch_wgrad(WgradArgs<T> args, T* grad_weight, cudaStream_t) {
  using Acc = acc_t<T>;
  const Geometry& g = args.g;
  if (g.num_w <= 0) return cudaSuccess;
  const int64_t sms = emulated_multiprocessors;
  std::fill(args.ws, args.ws + g.num_w, Acc(0));
  if (g.cols > 0) {
    int64_t gx = 1, splits = 1, split_len = 1;
    wgrad_grid(g, sms, gx, splits, split_len);
    args.split_len = split_len;
    args.atomic = splits > 1 ? 1 : 0;
    if (!relsparse_emu::simt.launch(dim3(static_cast<unsigned>(gx), static_cast<unsigned>(splits)), dim3(kThreads),
                                    [&args] { wgrad_kernel<T, kConv>(args); }))
      return cudaErrorLaunchFailure;
  }
  if (static_cast<const void*>(args.ws) != static_cast<const void*>(grad_weight)) {
    const int64_t blocks = min_of(ceil_div(g.num_w, 256), sms * 32);
    const Acc* ws = args.ws;
    const int64_t numel = g.num_w;
    if (!relsparse_emu::simt.launch(dim3(static_cast<unsigned>(blocks)), dim3(256),
                                    [ws, grad_weight, numel] { convert_kernel<Acc, T>(ws, grad_weight, numel); }))
      return cudaErrorLaunchFailure;
  }
  return cudaSuccess;
}

}  // namespace
}  // namespace relsparse::ops::cuda

#include "ops/cuda/conv_kernels.cu"
#include "ops/cuda/linear_kernels.cu"

// ------------------------------------------------------------------ C ABI

namespace {

namespace rc = relsparse::ops::cuda;

std::mutex emulator_mutex;  // the emulator runs one launch at a time

enum Op : int {
  kLinearForward = 0,
  kLinearGradInput = 1,
  kLinearGradWeight = 2,
  kConv2dForward = 3,
  kConv2dGradInput = 4,
  kConv2dGradWeight = 5,
};

rc::LinearShape linear_shape(const int64_t* v) {
  rc::LinearShape s;
  s.rows = v[0];
  s.in_features = v[1];
  s.out_features = v[2];
  s.num_weights = v[3];
  return s;
}

rc::Conv2dShape conv2d_shape(const int64_t* v) {
  rc::Conv2dShape s;
  s.batch = v[0];
  s.in_channels = v[1];
  s.height = v[2];
  s.width = v[3];
  s.out_channels = v[4];
  s.out_height = v[5];
  s.out_width = v[6];
  s.kernel_h = v[7];
  s.kernel_w = v[8];
  s.stride_h = v[9];
  s.stride_w = v[10];
  s.pad_h = v[11];
  s.pad_w = v[12];
  s.dilation_h = v[13];
  s.dilation_w = v[14];
  s.num_weights = v[15];
  return s;
}

// The weight-gradient workspace as relational_cuda.cpp passes it: the
// result itself for float/double, else a float buffer (filled with NaN
// here: the launcher must zero it).
template <typename T>
struct Workspace {
  std::vector<rc::acc_t<T>> buffer;
  rc::acc_t<T>* get(T* grad_weight, int64_t numel) {
    if constexpr (std::is_same_v<rc::acc_t<T>, T>) {
      return grad_weight;
    } else {
      buffer.assign(static_cast<size_t>(std::max<int64_t>(numel, 0)),
                    std::numeric_limits<rc::acc_t<T>>::quiet_NaN());
      return buffer.data();
    }
  }
};

template <typename T>
int run_typed(int op, rc::LayoutView layout, const int64_t* shape, const void* a_ptr, const void* b_ptr,
              const void* bias_ptr, void* out_ptr) {
  const T* a = static_cast<const T*>(a_ptr);
  const T* b = static_cast<const T*>(b_ptr);
  const T* bias = static_cast<const T*>(bias_ptr);
  T* out = static_cast<T*>(out_ptr);
  Workspace<T> ws;
  switch (op) {
    case kLinearForward:
      return rc::launch_linear_forward<T>(a, b, bias, out, layout, linear_shape(shape), nullptr);
    case kLinearGradInput:
      return rc::launch_linear_grad_input<T>(a, b, out, layout, linear_shape(shape), nullptr);
    case kLinearGradWeight: {
      const rc::LinearShape s = linear_shape(shape);
      return rc::launch_linear_grad_weight<T>(a, b, out, ws.get(out, s.num_weights), layout, s, nullptr);
    }
    case kConv2dForward:
      return rc::launch_conv2d_forward<T>(a, b, bias, out, layout, conv2d_shape(shape), nullptr);
    case kConv2dGradInput:
      return rc::launch_conv2d_grad_input<T>(a, b, out, layout, conv2d_shape(shape), nullptr);
    case kConv2dGradWeight: {
      const rc::Conv2dShape s = conv2d_shape(shape);
      return rc::launch_conv2d_grad_weight<T>(a, b, out, ws.get(out, s.num_weights), layout, s, nullptr);
    }
    default:
      return -1;
  }
}

}  // namespace

#define RELSPARSE_EMU_EXPORT __attribute__((visibility("default")))

extern "C" {

// Runs one launcher of kernels.cuh on host memory.
//   op      0 linear forward (a = x, b = weight), 1 linear grad input
//           (a = grad_out, b = weight), 2 linear grad weight (a = grad_out,
//           b = x); 3, 4, 5: the same for conv2d
//   dtype   0 float32, 1 float64, 2 float16, 3 bfloat16 (all arrays)
//   shape   LinearShape (4 values: rows, in_features, out_features,
//           num_weights) or Conv2dShape (16 values, in declaration order)
//   bias    forward only, may be null; out: y, grad_in or grad_weight
//   multiprocessors  the SM count the launcher sizes its grid for
//   schedule         0: blocks and threads in ascending order, 1: descending
// Returns the launcher's cudaError_t (0: success; cudaErrorLaunchFailure
// when a block failed in the emulator, see relsparse_emu_error), or -1 for
// an invalid op, dtype or shape length.
RELSPARSE_EMU_EXPORT int relsparse_emu_run(int op, int dtype, const int64_t* layout, int64_t layout_numel,
                                           const int64_t* shape, int64_t shape_len, const void* a, const void* b,
                                           const void* bias, void* out, int64_t multiprocessors, int schedule) {
  const bool conv = op >= kConv2dForward;
  if (op < kLinearForward || op > kConv2dGradWeight || shape_len != (conv ? 16 : 4) || multiprocessors < 1 ||
      (schedule != 0 && schedule != 1))
    return -1;
  const std::lock_guard<std::mutex> lock(emulator_mutex);
  relsparse_emu::simt.schedule = static_cast<relsparse_emu::Schedule>(schedule);
  relsparse_emu::simt.launches.clear();
  relsparse_emu::simt.error.clear();
  rc::emulated_multiprocessors = multiprocessors;
  rc::LayoutView view;
  view.data = layout;
  view.numel = layout_numel;
  switch (dtype) {
    case 0: return run_typed<float>(op, view, shape, a, b, bias, out);
    case 1: return run_typed<double>(op, view, shape, a, b, bias, out);
    case 2: return run_typed<__half>(op, view, shape, a, b, bias, out);
    case 3: return run_typed<__nv_bfloat16>(op, view, shape, a, b, bias, out);
    default: return -1;
  }
}

// The launches of the last relsparse_emu_run call: writes (grid.x, grid.y,
// grid.z, block.x) of the first `capacity` of them to `out` and returns
// their number.
RELSPARSE_EMU_EXPORT int64_t relsparse_emu_launches(int64_t* out, int64_t capacity) {
  const std::lock_guard<std::mutex> lock(emulator_mutex);
  const auto& launches = relsparse_emu::simt.launches;
  for (int64_t i = 0; i < capacity && i < static_cast<int64_t>(launches.size()); ++i) {
    out[4 * i + 0] = launches[i].grid.x;
    out[4 * i + 1] = launches[i].grid.y;
    out[4 * i + 2] = launches[i].grid.z;
    out[4 * i + 3] = launches[i].block.x;
  }
  return static_cast<int64_t>(launches.size());
}

// Why the last relsparse_emu_run call failed in the emulator ("" if it did
// not); valid until the next call.
RELSPARSE_EMU_EXPORT const char* relsparse_emu_error() { return relsparse_emu::simt.error.c_str(); }

}  // extern "C"
