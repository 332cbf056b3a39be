// A minimal parallel-for over index ranges with deterministic error reporting.
//
// Work is cut into chunks taken dynamically by `threads` std::threads (graph
// costs vary a lot across a parameter grid, so static splits idle). Results
// must not depend on the thread count: callers write per-index outputs or
// per-chunk buffers that are concatenated in chunk order. If any chunk
// throws, the exception of the lowest-numbered failing chunk is rethrown, so
// the reported error is the same whatever the scheduling.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace relsparse::graph {

struct ChunkPlan {
  int64_t count = 0;
  int64_t chunk_size = 1;
  int64_t num_chunks() const { return count == 0 ? 0 : (count + chunk_size - 1) / chunk_size; }
  int64_t begin(int64_t chunk) const { return chunk * chunk_size; }
  int64_t end(int64_t chunk) const { return std::min(count, (chunk + 1) * chunk_size); }
};

// About 16 chunks per thread balances load without much bookkeeping;
// `min_chunk` keeps tiny items from being scheduled one by one, but a batch
// too small for min_chunk per thread is split evenly over the threads (20
// large graphs on 2 threads: two chunks of 10, not 16 + 4). Chunks of at
// least `multiple` items are rounded up to a multiple of it: generators seed
// their random streams in groups of that many, and a chunk of 56 would seed
// 32 + 24 for the cost of 32 + 32.
inline ChunkPlan plan_chunks(int64_t count, int threads, int64_t min_chunk = 64, int64_t multiple = 1) {
  ChunkPlan plan;
  plan.count = count;
  const int64_t workers = std::max(threads, 1);
  const int64_t target = std::max<int64_t>(1, count / (workers * 16));
  const int64_t even_split = std::max<int64_t>(1, (count + workers - 1) / workers);
  int64_t size = std::max(target, std::min(min_chunk, even_split));
  if (size >= multiple) size = (size + multiple - 1) / multiple * multiple;
  plan.chunk_size = size;
  return plan;
}

// Calls body(chunk, begin, end, worker) for every chunk of `plan`.
template <class Body>
void parallel_chunks(const ChunkPlan& plan, int threads, Body&& body) {
  const int64_t num_chunks = plan.num_chunks();
  if (num_chunks == 0) return;
  const int workers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, num_chunks)));
  std::atomic<int64_t> next{0};
  // Chunks are handed out in increasing order, so once chunk c has failed
  // every chunk below c is already taken and will finish: skipping chunks
  // above the lowest failure keeps the reported error deterministic.
  std::atomic<int64_t> first_failed{num_chunks};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(num_chunks));
  auto run = [&](int worker) {
    while (true) {
      const int64_t chunk = next.fetch_add(1);
      if (chunk >= num_chunks || chunk > first_failed.load()) return;
      try {
        body(chunk, plan.begin(chunk), plan.end(chunk), worker);
      } catch (...) {
        errors[chunk] = std::current_exception();
        int64_t seen = first_failed.load();
        while (chunk < seen && !first_failed.compare_exchange_weak(seen, chunk)) {
        }
      }
    }
  };
  if (workers == 1) {
    run(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(workers - 1));
    for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
    run(0);
    for (auto& t : pool) t.join();
  }
  const int64_t failed = first_failed.load();
  if (failed < num_chunks) std::rethrow_exception(errors[failed]);
}

}  // namespace relsparse::graph
