// Scratch memory for the CPU kernels: 64-byte aligned, and recycled.
//
// Aligned, because a vector load at a multiple of the lanes then never
// straddles two cache lines (a straddling load costs two, which halved the
// speed of the weight-gradient kernel). Recycled, because the convolution
// passes need tens of megabytes of scratch per call (padded and
// batch-interleaved copies of the input and of dy): fresh pages from the
// system cost a fault and a zeroing each, which on the development VM made
// one training step vary between 30 and 75 ms. Freed blocks go to a small
// process-wide cache (at most kCachedBlocks blocks and kCachedBytes bytes,
// like a caching allocator) and the next request of at most their size
// takes the smallest that fits.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace relsparse::ops::cpu {

namespace detail {

class ScratchCache {
 public:
  static constexpr size_t kCachedBlocks = 16;
  static constexpr size_t kCachedBytes = size_t(1) << 30;

  static ScratchCache& instance() {
    static ScratchCache* cache = new ScratchCache();  // never destroyed: threads may free at exit
    return *cache;
  }

  // A block of at least `bytes` (a multiple of 64); its true size in *size.
  void* take(size_t bytes, size_t* size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto best = blocks_.end();
      for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
        if (it->size >= bytes && (best == blocks_.end() || it->size < best->size)) best = it;
      // Reuse only blocks at most twice the request, so that a small
      // request does not pin a huge block.
      if (best != blocks_.end() && best->size <= 2 * bytes) {
        void* p = best->ptr;
        *size = best->size;
        cached_ -= best->size;
        blocks_.erase(best);
        return p;
      }
    }
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    *size = bytes;
    return p;
  }

  void give(void* p, size_t size) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (size > kCachedBytes) return std::free(p);
    // Make room: drop the smallest cached blocks first.
    while (!blocks_.empty() && (blocks_.size() >= kCachedBlocks || cached_ + size > kCachedBytes)) {
      auto smallest = std::min_element(blocks_.begin(), blocks_.end(),
                                       [](const Block& a, const Block& b) { return a.size < b.size; });
      std::free(smallest->ptr);
      cached_ -= smallest->size;
      blocks_.erase(smallest);
    }
    blocks_.push_back(Block{p, size});
    cached_ += size;
  }

 private:
  struct Block {
    void* ptr;
    size_t size;
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  size_t cached_ = 0;
};

}  // namespace detail

// An uninitialised array of T from the scratch cache, returned on
// destruction or reset.
template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { release(); }

  // Room for `count` values. A block already held that is large enough is
  // kept (buffers refilled per image or per band stay put).
  void reset(size_t count) {
    const size_t bytes = (std::max<size_t>(count, 1) * sizeof(T) + 63) / 64 * 64;
    if (ptr_ && bytes <= size_) return;
    release();
    ptr_ = static_cast<T*>(detail::ScratchCache::instance().take(bytes, &size_));
  }
  T* get() const { return ptr_; }

 private:
  void release() {
    detail::ScratchCache::instance().give(ptr_, size_);
    ptr_ = nullptr;
    size_ = 0;
  }
  T* ptr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace relsparse::ops::cpu
