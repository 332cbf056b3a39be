// Iteration order of a CPython `set` of small non-negative ints.
//
// networkx's barabasi_albert_graph collects each new node's targets in a
// `set` and appends them to its list of "repeated nodes" in the set's
// iteration order; later draws index into that list. Reproducing its graphs
// therefore needs the order in which CPython's hash table yields the ints.
// For an int x in [0, 2**61 - 1) the hash is x itself, so the order follows
// from Objects/setobject.c: an 8-slot table, slot = hash & mask, probes of
// LINEAR_PROBES + 1 consecutive slots then perturbed jumps, and a resize to
// the smallest power of two > 4 * used once fill * 5 >= mask * 3, re-inserting
// in old-table order. Only insertion is needed (no deletions, no dummies).
#pragma once

#include <cstdint>
#include <vector>

namespace relsparse::graph {

class CPythonIntSet {
 public:
  CPythonIntSet() { clear(); }

  void clear() {
    table_.assign(kMinSize, kEmpty);
    used_ = 0;
  }

  int64_t size() const { return used_; }

  // set.add(x); returns true if x was not present.
  bool add(int64_t x) {
    size_t mask = table_.size() - 1;
    size_t i = static_cast<size_t>(x) & mask;
    size_t perturb = static_cast<size_t>(x);
    while (true) {
      const size_t probes = (i + kLinearProbes <= mask) ? kLinearProbes : 0;
      for (size_t j = 0; j <= probes; ++j) {
        int64_t& entry = table_[i + j];
        if (entry == kEmpty) {
          entry = x;
          ++used_;
          // fill == used: nothing is ever deleted.
          if (static_cast<size_t>(used_) * 5 >= mask * 3) resize(used_ > 50000 ? used_ * 2 : used_ * 4);
          return true;
        }
        if (entry == x) return false;
      }
      perturb >>= kPerturbShift;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }

  // Elements in iteration order.
  template <class F>
  void for_each(F&& f) const {
    for (int64_t v : table_)
      if (v != kEmpty) f(v);
  }

 private:
  static constexpr size_t kMinSize = 8;
  static constexpr size_t kLinearProbes = 9;
  static constexpr int kPerturbShift = 5;
  static constexpr int64_t kEmpty = -1;

  void resize(int64_t min_used) {
    size_t new_size = kMinSize;
    while (new_size <= static_cast<size_t>(min_used)) new_size <<= 1;
    std::vector<int64_t> old;
    old.swap(table_);
    table_.assign(new_size, kEmpty);
    const size_t mask = new_size - 1;
    for (int64_t x : old) {
      if (x == kEmpty) continue;
      size_t i = static_cast<size_t>(x) & mask;
      size_t perturb = static_cast<size_t>(x);
      while (true) {
        if (table_[i] == kEmpty) break;
        bool placed = false;
        if (i + kLinearProbes <= mask) {
          for (size_t j = 1; j <= kLinearProbes; ++j) {
            if (table_[i + j] == kEmpty) {
              i += j;
              placed = true;
              break;
            }
          }
        }
        if (placed) break;
        perturb >>= kPerturbShift;
        i = (i * 5 + 1 + perturb) & mask;
      }
      table_[i] = x;
    }
  }

  std::vector<int64_t> table_;
  int64_t used_ = 0;
};

}  // namespace relsparse::graph
