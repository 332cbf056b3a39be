// A parallel loop whose workers share out what is left at the end.
//
// at::parallel_for hands each worker one fixed, contiguous share of the
// range. When the workers run at different speeds, the loop lasts as long
// as the slowest share. On a shared VM they often do: one core misses in
// its cache more than the other (in a training step every layer starts
// with cold caches), or the host takes it away for a while. Profiles of a
// relational layer started from cold caches showed the waiting at the end
// of the loop growing from ~13% to ~33% of the call.
//
// balanced_for keeps the contiguous shares, so neighbouring tasks still
// run on the same core and share its cache. Each worker takes tasks from
// the front of its own share. When that is empty, it takes tasks from the
// back of the other shares, one at a time. Every task runs exactly once.
//
// Also here: PerWorker (a worker's buffers, kept from task to task) and
// balanced_sum (tasks that add into one sum, summed in an order that does
// not depend on who ran what).
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "scratch.hpp"

namespace relsparse::ops::cpu {

// Tasks per parallel chunk so that a chunk holds about 2^17 multiply-adds:
// small layers (and the tests' tiny ones) run inline instead of paying for
// a parallel region.
inline int64_t grain(int64_t tasks, double work) {
  const double per_task = work / static_cast<double>(std::max<int64_t>(tasks, 1));
  return std::max<int64_t>(1, static_cast<int64_t>(131072.0 / std::max(per_task, 1.0)));
}

namespace detail {

// One worker's share [front, back) in one atomic word (32 bits each), so
// the owner (front) and thieves (back) never both take the last task.
struct alignas(64) TaskShare {
  std::atomic<uint64_t> bounds{0};

  static uint64_t pack(int64_t front, int64_t back) {
    return static_cast<uint64_t>(front) | (static_cast<uint64_t>(back) << 32);
  }
  bool take(bool from_front, int64_t* task) {
    uint64_t old = bounds.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t front = static_cast<int64_t>(old & 0xffffffffu), back = static_cast<int64_t>(old >> 32);
      if (front >= back) return false;
      const uint64_t next = from_front ? pack(front + 1, back) : pack(front, back - 1);
      if (bounds.compare_exchange_weak(old, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
        *task = from_front ? front : back - 1;
        return true;
      }
    }
  }
};

}  // namespace detail

// Runs f(task) once for every task in [0, count) on ATen's intra-op
// threads, with at least `grain` tasks per worker (fewer tasks run inline,
// as at::parallel_for runs them).
template <class F>
void balanced_for(int64_t count, int64_t grain, F&& f) {
  if (count >= (int64_t(1) << 32)) {  // beyond the packed bounds: fixed shares
    at::parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) f(task);
    });
    return;
  }
  const int64_t chunks = (count + grain - 1) / std::max<int64_t>(grain, 1);
  const int64_t workers = at::in_parallel_region() ? 1 : std::min<int64_t>(at::get_num_threads(), chunks);
  if (workers <= 1) {
    for (int64_t task = 0; task < count; ++task) f(task);
    return;
  }
  std::unique_ptr<detail::TaskShare[]> shares(new detail::TaskShare[workers]);
  const int64_t chunk = (count + workers - 1) / workers;
  for (int64_t w = 0; w < workers; ++w)
    shares[w].bounds.store(detail::TaskShare::pack(std::min(count, w * chunk), std::min(count, (w + 1) * chunk)));
  at::parallel_for(0, workers, 1, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      int64_t task = 0;
      while (shares[w].take(true, &task)) f(task);
      for (int64_t k = 1; k < workers; ++k)
        while (shares[(w + k) % workers].take(false, &task)) f(task);
    }
  });
}

// One State per ATen worker thread, for tasks that keep buffers (or an
// input copy they may reuse) from one task to the next on the same worker.
template <class State>
class PerWorker {
 public:
  PerWorker() : states_(static_cast<size_t>(at::get_num_threads())) {}
  State& mine() { return states_[static_cast<size_t>(at::get_thread_num())]; }

 private:
  std::vector<State> states_;
};

// out[0 .. size) = the sum over tasks [0, count) of what f(task, acc) adds
// to a zeroed accumulator acc of `size` elements, with the tasks shared
// out as by balanced_for.
//
// A floating-point sum depends on its order, and which worker runs which
// task depends on timing here. So the tasks are cut into `slots` runs of
// consecutive tasks; one worker adds a whole slot into the slot's own
// accumulator, task by task, and the slots are summed in slot order. The
// result has the same bits whoever ran what. Nor does it depend on the
// thread count, unless the threads outnumber the accumulators that fit in
// kSumBudget elements: then there is one slot per thread, so that every
// worker has work.
template <class T, class F>
void balanced_sum(int64_t count, int64_t grain, int64_t size, T* out, F&& f) {
  constexpr int64_t kSumBudget = int64_t(1) << 23;  // 32 MB of float accumulators
  const int64_t threads = at::get_num_threads();
  const int64_t fit = kSumBudget / std::max<int64_t>(size, 1);  // accumulators within the budget
  const int64_t wanted = std::max<int64_t>(1, std::min(count, std::max(threads, fit)));
  const int64_t per_slot = std::max<int64_t>(1, (count + wanted - 1) / wanted);
  const int64_t slots = std::max<int64_t>(1, (count + per_slot - 1) / per_slot);
  // Scratch memory (recycled from call to call, scratch.hpp), each slot
  // zeroed by the worker that fills it. As a fresh vector, zeroed on one
  // thread, the accumulators (9 MB for a 256-channel conv at 56^2, batch
  // 32) page-faulted in some calls: 0-2,142 faults and 150-158 ms per
  // weight gradient, against 0 faults and 133-146 ms.
  AlignedBuffer<T> acc;
  acc.reset(static_cast<size_t>(slots * size));
  balanced_for(slots, std::max<int64_t>(1, grain / per_slot), [&](int64_t slot) {
    T* mine = acc.get() + slot * size;
    std::fill(mine, mine + size, T(0));
    for (int64_t task = slot * per_slot; task < std::min(count, (slot + 1) * per_slot); ++task) f(task, mine);
  });
  at::parallel_for(0, size, 1 << 14, [&](int64_t begin, int64_t end) {
    std::copy(acc.get() + begin, acc.get() + end, out + begin);
    for (int64_t slot = 1; slot < slots; ++slot) {
      const T* part = acc.get() + slot * size;
      for (int64_t k = begin; k < end; ++k) out[k] += part[k];
    }
  });
}

}  // namespace relsparse::ops::cpu
