// Host emulation of the part of the CUDA execution model that relsparse's
// kernels (csrc/ops/cuda/block_tiles.cuh) use, so that their device code
// compiles with a host C++ compiler and runs on the CPU: the test
// python_tests/test_cuda_emulated.py checks them against the CPU ops in CI,
// which has the CUDA headers but no GPU. Include this header before any of
// the kernel sources (emulated_kernels.cpp does).
//
// What is emulated
// * A launch runs its blocks one after another, in the order of their
//   linear index (descending under Schedule::kDescending).
// * The threads of a block are fibers (ucontext) on the calling OS thread,
//   switched cooperatively: a thread runs alone until it reaches a barrier,
//   then the scheduler picks the ready thread with the lowest index
//   (highest under kDescending). So between two barriers each thread's code
//   runs as a whole, and the two schedules order those runs oppositely: a
//   kernel that reads what another thread writes without a barrier in
//   between sees the write under one schedule and misses it under the
//   other. Results are deterministic for a given schedule.
// * __syncthreads(): a barrier of the whole block. __shfl_up_sync(): the
//   warp's 32 threads exchange values through a warp barrier (full mask
//   only). A barrier that some threads never reach (divergent
//   __syncthreads, a thread that returned early) fails the launch with a
//   message instead of hanging.
// * __shared__ variables are function-local statics: one instance, shared
//   by the threads of a block and kept from one block to the next (not
//   reset: a block reading shared memory it did not write sees a previous
//   block's values, which differ between the two schedules).
// * threadIdx, blockIdx, blockDim, gridDim; atomicAdd (a plain
//   read-modify-write: there is one OS thread); __int_as_float.
//
// Limits
// * SIMT only: __CUDA_ARCH__ is not defined, so code under
//   `#if __CUDA_ARCH__ >= 800` (block_tiles.cuh's WMMA tensor-core tiles for
//   __half / __nv_bfloat16) is not compiled; 16-bit types take the SIMT
//   fallback (16-bit shared tiles, float FMAs) that the device builds use
//   below sm_80 only.
// * One block at a time, one launch at a time (not thread-safe: callers
//   serialize). No streams, no device memory (kernels get host pointers),
//   no cudart: the host launchers of block_tiles.cuh, compiled only by nvcc,
//   are replaced by the ones in emulated_kernels.cpp.
// * Nothing about performance (occupancy, coalescing, bank conflicts) or
//   the GPU memory model; warps do not run in lockstep (every lane is
//   scheduled independently, the strictest reading of independent thread
//   scheduling). Out-of-bounds accesses are caught only by a sanitizer
//   build (see test_cuda_emulated.py).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace relsparse_emu {

enum class Schedule : int { kAscending = 0, kDescending = 1 };

struct LaunchRecord {
  dim3 grid, block;
};

class Simt {
 public:
  static constexpr int kWarpSize = 32;
  static constexpr int kMaxThreads = 1024;
  static constexpr size_t kStackBytes = size_t(256) << 10;

  Simt() = default;
  Simt(const Simt&) = delete;
  Simt& operator=(const Simt&) = delete;
  ~Simt() {
    for (Fiber& f : fibers_) munmap(f.mapping, f.mapping_bytes);
  }

  Schedule schedule = Schedule::kAscending;
  std::vector<LaunchRecord> launches;  // every launch, in order (cleared by the caller)
  std::string error;                   // why the last failed launch failed

  // Runs body() as every thread of every block of a grid x block launch.
  // False (and `error` set) if the launch is invalid or a block failed (a
  // deadlock, an unsupported operation); the remaining blocks do not run.
  template <class Body>
  bool launch(dim3 grid, dim3 block, Body&& body) {
    const int64_t threads = int64_t(block.x) * block.y * block.z;
    const int64_t blocks = int64_t(grid.x) * grid.y * grid.z;
    launches.push_back({grid, block});
    if (threads < 1 || threads > kMaxThreads || blocks < 1) {
      error = "invalid launch configuration";
      return false;
    }
    grid_ = grid;
    block_ = block;
    body_ = [](void* p) { (*static_cast<std::remove_reference_t<Body>*>(p))(); };
    body_arg_ = &body;
    bool ok = true;
    for (int64_t i = 0; i < blocks && ok; ++i) {
      const int64_t b = schedule == Schedule::kDescending ? blocks - 1 - i : i;
      block_idx_ = uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                         static_cast<unsigned>(b / (int64_t(grid.x) * grid.y))};
      ok = run_block(static_cast<int>(threads));
    }
    body_ = nullptr;
    body_arg_ = nullptr;
    return ok;
  }

  // Device-side view of the running thread.
  uint3 thread_idx() const { return fibers_[current_].idx; }
  uint3 block_idx() const { return block_idx_; }
  dim3 block_dim() const { return block_; }
  dim3 grid_dim() const { return grid_; }

  void sync_block() { arrive(block_barrier_); }

  template <typename V>
  V shfl_up(unsigned mask, V value, unsigned delta, int width = kWarpSize) {
    static_assert(std::is_trivially_copyable_v<V> && sizeof(V) <= sizeof(uint64_t), "unsupported shuffle type");
    const int t = current_, lane = t % kWarpSize, warp = t / kWarpSize;
    Barrier& bar = warp_barriers_[warp];
    const unsigned full = bar.parties == kWarpSize ? 0xffffffffu : (1u << bar.parties) - 1u;
    if (mask != full) abandon_block("__shfl_up_sync with a partial mask (not emulated)");
    if (width < 1 || width > kWarpSize || (width & (width - 1)) != 0) abandon_block("__shfl_up_sync: invalid width");
    std::memcpy(&exchange_[t], &value, sizeof(V));
    arrive(bar);  // everyone's value is published
    V out = value;
    if (static_cast<unsigned>(lane % width) >= delta)
      std::memcpy(&out, &exchange_[t - static_cast<int>(delta)], sizeof(V));
    arrive(bar);  // everyone has read before the slots are reused
    return out;
  }

 private:
  enum class State { kReady, kWaiting, kDone };

  struct Fiber {
    ucontext_t context;
    void* mapping = nullptr;
    size_t mapping_bytes = 0;
    uint3 idx{0, 0, 0};
    State state = State::kDone;
  };

  struct Barrier {
    const char* name = "";
    int parties = 0;
    std::vector<int> waiting;
  };

  static void fiber_main();

  // Called by a thread: records the error and returns to the scheduler for
  // good (the block's fibers are abandoned; their stacks hold nothing that
  // needs destroying).
  [[noreturn]] void abandon_block(const char* what) {
    error = what;
    swapcontext(&fibers_[current_].context, &scheduler_);
    std::abort();  // never resumed
  }

  // Stacks (with a guard page below each) for `threads` fibers.
  bool reserve(int threads) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    while (static_cast<int>(fibers_.size()) < threads) {
      Fiber f;
      f.mapping_bytes = kStackBytes + page;
      f.mapping = mmap(nullptr, f.mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (f.mapping == MAP_FAILED) return false;
      if (mprotect(f.mapping, page, PROT_NONE) != 0) {
        munmap(f.mapping, f.mapping_bytes);
        return false;
      }
      fibers_.push_back(f);
    }
    return true;
  }

  void set_ready(int t) {
    fibers_[t].state = State::kReady;
    ready_[t / 64] |= uint64_t(1) << (t % 64);
  }

  // The next thread to run (lowest or highest ready index), or -1.
  int take_ready() {
    const int words = static_cast<int>(sizeof(ready_) / sizeof(ready_[0]));
    for (int i = 0; i < words; ++i) {
      const int w = schedule == Schedule::kDescending ? words - 1 - i : i;
      if (ready_[w] == 0) continue;
      const int bit = schedule == Schedule::kDescending ? 63 - __builtin_clzll(ready_[w]) : __builtin_ctzll(ready_[w]);
      ready_[w] &= ~(uint64_t(1) << bit);
      return w * 64 + bit;
    }
    return -1;
  }

  // The running thread waits at `bar` until all its parties have arrived,
  // then every one of them is ready again (the scheduler picks who runs).
  void arrive(Barrier& bar) {
    const int t = current_;
    fibers_[t].state = State::kWaiting;
    bar.waiting.push_back(t);
    if (static_cast<int>(bar.waiting.size()) == bar.parties) {
      for (int w : bar.waiting) set_ready(w);
      bar.waiting.clear();
    }
    swapcontext(&fibers_[t].context, &scheduler_);
  }

  bool run_block(int threads) {
    if (!reserve(threads)) {
      error = "cannot allocate the fiber stacks";
      return false;
    }
    block_barrier_.name = "__syncthreads";
    block_barrier_.parties = threads;
    block_barrier_.waiting.clear();
    const int warps = (threads + kWarpSize - 1) / kWarpSize;
    warp_barriers_.assign(warps, Barrier{});
    for (int w = 0; w < warps; ++w) {
      warp_barriers_[w].name = "warp shuffle";
      warp_barriers_[w].parties = threads - w * kWarpSize < kWarpSize ? threads - w * kWarpSize : kWarpSize;
    }
    std::memset(ready_, 0, sizeof(ready_));
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    for (int t = 0; t < threads; ++t) {
      Fiber& f = fibers_[t];
      f.idx = uint3{static_cast<unsigned>(t % block_.x), static_cast<unsigned>(t / block_.x % block_.y),
                    static_cast<unsigned>(t / (block_.x * block_.y))};
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = static_cast<char*>(f.mapping) + page;
      f.context.uc_stack.ss_size = kStackBytes;
      f.context.uc_link = &scheduler_;
      makecontext(&f.context, &Simt::fiber_main, 0);
      set_ready(t);
    }
    int done = 0;
    for (int t = take_ready(); t >= 0; t = take_ready()) {
      current_ = t;
      swapcontext(&scheduler_, &fibers_[t].context);
      if (!error.empty()) return false;  // abandon_block
      if (fibers_[t].state == State::kDone) ++done;
    }
    if (done == threads) return true;
    // Nobody is ready but not everyone finished: a barrier that some
    // threads never reach.
    char what[256];
    std::snprintf(what, sizeof(what), "deadlock in block (%u, %u, %u): %d of %d threads returned, %zu wait at %s",
                  block_idx_.x, block_idx_.y, block_idx_.z, done, threads, block_barrier_.waiting.size(),
                  block_barrier_.name);
    error = what;
    for (const Barrier& w : warp_barriers_)
      if (!w.waiting.empty()) error += ", " + std::to_string(w.waiting.size()) + " at a " + w.name;
    error += " (a barrier not reached by every thread of the block)";
    return false;
  }

  std::vector<Fiber> fibers_;
  ucontext_t scheduler_;
  uint64_t ready_[kMaxThreads / 64] = {};
  int current_ = 0;
  Barrier block_barrier_;
  std::vector<Barrier> warp_barriers_;
  uint64_t exchange_[kMaxThreads] = {};
  dim3 grid_, block_;
  uint3 block_idx_{0, 0, 0};
  void (*body_)(void*) = nullptr;
  void* body_arg_ = nullptr;
};

inline Simt simt;

inline void Simt::fiber_main() {
  simt.body_(simt.body_arg_);
  simt.fibers_[simt.current_].state = State::kDone;
  // returning resumes uc_link, the scheduler
}

template <typename V>
V atomic_add(V* address, V value) {
  const V old = *address;
  *address = old + value;
  return old;
}

inline float int_as_float(int bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace relsparse_emu

// The CUDA names the kernels use, bound to the emulation. (Host compilers
// see empty __shared__ / __device__ / __global__ / __grid_constant__
// annotations from cuda_runtime.h; __forceinline__ is a plain
// always_inline.)
#undef __shared__
#define __shared__ static
#undef __launch_bounds__
#define __launch_bounds__(...)
#define threadIdx (::relsparse_emu::simt.thread_idx())
#define blockIdx (::relsparse_emu::simt.block_idx())
#define blockDim (::relsparse_emu::simt.block_dim())
#define gridDim (::relsparse_emu::simt.grid_dim())
#define __syncthreads() (::relsparse_emu::simt.sync_block())
#define __shfl_up_sync(...) (::relsparse_emu::simt.shfl_up(__VA_ARGS__))
#define atomicAdd(address, value) (::relsparse_emu::atomic_add((address), (value)))
#define __int_as_float(bits) (::relsparse_emu::int_as_float(bits))
