// Plain data types shared by the graph engine: node ids, single graphs and
// batches of graphs in one flat buffer, and the engine's exception types.
//
// A graph is simple and undirected: `num_nodes` nodes labelled 0..n-1 and a
// list of edges (u, v) with u < v, sorted, no duplicates. A batch stores many
// such graphs back to back (like a CSR matrix whose rows are graphs):
//   edges of graph i = edges[2*edge_ptr[i] .. 2*edge_ptr[i+1]).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace relsparse::graph {

using node_t = int32_t;

struct GraphView {
  int64_t num_nodes = 0;
  int64_t num_edges = 0;
  const node_t* edges = nullptr;  // 2 * num_edges entries: u0, v0, u1, v1, ...
};

struct GraphBatchView {
  int64_t size = 0;
  const int64_t* num_nodes = nullptr;  // [size]
  const int64_t* edge_ptr = nullptr;   // [size + 1]
  const node_t* edges = nullptr;       // [2 * edge_ptr[size]]

  GraphView graph(int64_t i) const {
    return GraphView{num_nodes[i], edge_ptr[i + 1] - edge_ptr[i], edges + 2 * edge_ptr[i]};
  }
};

// std::allocator that leaves new elements uninitialised (resize() without
// a zero pass): generators overwrite every edge slot they allocate.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using EdgeVector = std::vector<node_t, UninitializedAllocator<node_t>>;

// Owning batch, as produced by the generators.
struct GraphBatch {
  std::vector<int64_t> num_nodes;
  std::vector<int64_t> edge_ptr{0};
  EdgeVector edges;

  GraphBatchView view() const {
    return GraphBatchView{static_cast<int64_t>(num_nodes.size()), num_nodes.data(),
                          edge_ptr.data(), edges.data()};
  }
};

// A parameter combination that cannot produce a graph (for example the
// connected WS-flex variant running out of tries). Maps to a Python ValueError.
class GenerationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A path-based measure asked of a disconnected graph under the "raise" policy.
class DisconnectedGraphError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A directed graph that is not acyclic, or whose source/target are invalid.
class NotADagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace relsparse::graph
