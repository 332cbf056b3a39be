// pybind11 bindings of the graph engine: relsparse._graph.
//
// numpy arrays in, numpy arrays out; every call releases the GIL while C++
// works. Arrays are taken as C-contiguous with the exact dtype (the Python
// layer converts), and results are handed to numpy without copying.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../graph/dag.hpp"
#include "../graph/generators.hpp"
#include "../graph/measures.hpp"
#include "../graph/scan.hpp"

namespace py = pybind11;
using namespace relsparse::graph;

namespace {

template <class T>
using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;

// Moves a vector into a numpy array that owns it.
template <class T, class Alloc>
py::array_t<T> to_numpy(std::vector<T, Alloc>&& v, std::vector<py::ssize_t> shape = {}) {
  using Vector = std::vector<T, Alloc>;
  auto* owned = new Vector(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Vector*>(p); });
  if (shape.empty()) shape = {static_cast<py::ssize_t>(owned->size())};
  return py::array_t<T>(shape, owned->data(), free_when_done);
}

py::tuple batch_to_numpy(GraphBatch&& b) {
  const auto m = static_cast<py::ssize_t>(b.edges.size() / 2);
  return py::make_tuple(to_numpy(std::move(b.num_nodes)), to_numpy(std::move(b.edge_ptr)),
                        to_numpy(std::move(b.edges), {m, 2}));
}

struct BatchArgs {
  Array<int64_t> num_nodes;
  Array<int64_t> edge_ptr;
  Array<int32_t> edges;

  GraphBatchView view() const {
    const py::ssize_t size = num_nodes.shape(0);
    if (edge_ptr.ndim() != 1 || edge_ptr.shape(0) != size + 1)
      throw std::invalid_argument("edge_ptr must have len(num_nodes) + 1 entries");
    if (edge_ptr.at(size) * 2 != static_cast<int64_t>(edges.size()))
      throw std::invalid_argument("edge_ptr[-1] must equal the number of edges");
    return GraphBatchView{size, num_nodes.data(), edge_ptr.data(), edges.data()};
  }
};

GeneratorBatchParams generator_params(const Array<int64_t>& n, const std::optional<Array<double>>& a,
                                      const std::optional<Array<double>>& b,
                                      const std::optional<Array<uint64_t>>& seed, int64_t tries) {
  GeneratorBatchParams p;
  p.size = n.shape(0);
  auto check = [&](py::ssize_t len, const char* name) {
    if (len != p.size)
      throw std::invalid_argument(std::string(name) + " must have the same length as n");
  };
  p.n = n.data();
  if (a) {
    check(a->shape(0), "a");
    p.a = a->data();
  }
  if (b) {
    check(b->shape(0), "b");
    p.b = b->data();
  }
  if (seed) {
    check(seed->shape(0), "seed");
    p.seed = seed->data();
  }
  p.tries = tries;
  return p;
}

struct OwnedColumns {
  std::vector<double> average_clustering, transitivity, average_shortest_path_length,
      global_efficiency, diameter, density, degree_mean, degree_std;
  std::vector<int64_t> number_connected_components, degree_min, degree_max;

  MeasureColumns allocate(uint32_t flags, int64_t size) {
    MeasureColumns c;
    const auto n = static_cast<size_t>(size);
    auto take = [n](auto& v) {
      v.resize(n);
      return v.data();
    };
    if (flags & kAverageClustering) c.average_clustering = take(average_clustering);
    if (flags & kTransitivity) c.transitivity = take(transitivity);
    if (flags & kAverageShortestPathLength) c.average_shortest_path_length = take(average_shortest_path_length);
    if (flags & kGlobalEfficiency) c.global_efficiency = take(global_efficiency);
    if (flags & kDiameter) c.diameter = take(diameter);
    if (flags & kNumberConnectedComponents) c.number_connected_components = take(number_connected_components);
    if (flags & kDensity) c.density = take(density);
    if (flags & kDegreeStats) {
      c.degree_mean = take(degree_mean);
      c.degree_std = take(degree_std);
      c.degree_min = take(degree_min);
      c.degree_max = take(degree_max);
    }
    return c;
  }

  py::dict to_dict(uint32_t flags) {
    py::dict d;
    if (flags & kAverageClustering) d["average_clustering"] = to_numpy(std::move(average_clustering));
    if (flags & kTransitivity) d["transitivity"] = to_numpy(std::move(transitivity));
    if (flags & kAverageShortestPathLength)
      d["average_shortest_path_length"] = to_numpy(std::move(average_shortest_path_length));
    if (flags & kGlobalEfficiency) d["global_efficiency"] = to_numpy(std::move(global_efficiency));
    if (flags & kDiameter) d["diameter"] = to_numpy(std::move(diameter));
    if (flags & kNumberConnectedComponents)
      d["number_connected_components"] = to_numpy(std::move(number_connected_components));
    if (flags & kDensity) d["density"] = to_numpy(std::move(density));
    if (flags & kDegreeStats) {
      d["degree_mean"] = to_numpy(std::move(degree_mean));
      d["degree_std"] = to_numpy(std::move(degree_std));
      d["degree_min"] = to_numpy(std::move(degree_min));
      d["degree_max"] = to_numpy(std::move(degree_max));
    }
    return d;
  }
};

MeasureOptions measure_options(uint32_t flags, int disconnected, int clustering_order) {
  if (disconnected < 0 || disconnected > 2) throw std::invalid_argument("bad disconnected policy");
  if (clustering_order < 0 || clustering_order > 1) throw std::invalid_argument("bad clustering order");
  return MeasureOptions{flags, static_cast<Disconnected>(disconnected),
                        static_cast<ClusteringOrder>(clustering_order)};
}

int64_t total_nodes(const GraphBatchView& v) {
  int64_t total = 0;
  for (int64_t i = 0; i < v.size; ++i) total += v.num_nodes[i];
  return total;
}

Generator to_generator(int kind) {
  if (kind < 0 || kind > static_cast<int>(Generator::kComplete)) throw std::invalid_argument("unknown generator id");
  return static_cast<Generator>(kind);
}

}  // namespace

PYBIND11_MODULE(_graph, m) {
  m.doc() = "relsparse graph engine (C++): generators, measures, DAG path statistics";

  // Error types; the Python layer re-exports them from relsparse.errors.
  py::register_exception<GenerationError>(m, "GenerationError", PyExc_ValueError);
  py::register_exception<DisconnectedGraphError>(m, "DisconnectedGraphError", PyExc_ValueError);
  py::register_exception<NotADagError>(m, "NotADagError", PyExc_ValueError);

  py::enum_<Generator>(m, "Generator")
      .value("ws_flex", Generator::kWsFlex)
      .value("connected_ws_flex", Generator::kConnectedWsFlex)
      .value("watts_strogatz_graph", Generator::kWattsStrogatz)
      .value("connected_watts_strogatz_graph", Generator::kConnectedWattsStrogatz)
      .value("gnp_random_graph", Generator::kGnp)
      .value("gnm_random_graph", Generator::kGnm)
      .value("dense_gnm_random_graph", Generator::kDenseGnm)
      .value("barabasi_albert_graph", Generator::kBarabasiAlbert)
      .value("hkn_harary_graph", Generator::kHknHarary)
      .value("hnm_harary_graph", Generator::kHnmHarary)
      .value("ring_lattice", Generator::kRingLattice)
      .value("complete_graph", Generator::kComplete);

  m.attr("MEASURE_FLAGS") = py::dict(
      py::arg("average_clustering") = static_cast<uint32_t>(kAverageClustering),
      py::arg("transitivity") = static_cast<uint32_t>(kTransitivity),
      py::arg("average_shortest_path_length") = static_cast<uint32_t>(kAverageShortestPathLength),
      py::arg("global_efficiency") = static_cast<uint32_t>(kGlobalEfficiency),
      py::arg("diameter") = static_cast<uint32_t>(kDiameter),
      py::arg("number_connected_components") = static_cast<uint32_t>(kNumberConnectedComponents),
      py::arg("density") = static_cast<uint32_t>(kDensity),
      py::arg("degree_stats") = static_cast<uint32_t>(kDegreeStats));

  m.def(
      "generate",
      [](Generator kind, const Array<int64_t>& n, const std::optional<Array<double>>& a,
         const std::optional<Array<double>>& b, const std::optional<Array<uint64_t>>& seed, int64_t tries,
         int threads, int64_t max_bytes) {
        const GeneratorBatchParams p = generator_params(n, a, b, seed, tries);
        GraphBatch batch;
        {
          py::gil_scoped_release release;
          batch = generate_batch(kind, p, threads, max_bytes);
        }
        return batch_to_numpy(std::move(batch));
      },
      py::arg("kind"), py::arg("n"), py::arg("a"), py::arg("b"), py::arg("seed"), py::arg("tries"),
      py::arg("threads"), py::arg("max_bytes"),
      "Generates a batch; returns (num_nodes, edge_ptr, edges).");

  m.def(
      "measure",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         uint32_t flags, int disconnected, int clustering_order, int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        const MeasureOptions options = measure_options(flags, disconnected, clustering_order);
        OwnedColumns cols;
        const MeasureColumns out = cols.allocate(flags, view.size);
        {
          py::gil_scoped_release release;
          measure_batch(view, options, out, threads);
        }
        return cols.to_dict(flags);
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("flags"),
      py::arg("disconnected"), py::arg("clustering_order"), py::arg("threads"));

  m.def(
      "node_clustering",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        std::vector<double> out(static_cast<size_t>(total_nodes(view)));
        {
          py::gil_scoped_release release;
          node_clustering_batch(view, out.data(), threads);
        }
        return to_numpy(std::move(out));
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("threads"));

  m.def(
      "eccentricity",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         int disconnected, int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        const MeasureOptions options = measure_options(0, disconnected, 0);
        std::vector<double> out(static_cast<size_t>(total_nodes(view)));
        {
          py::gil_scoped_release release;
          eccentricity_batch(view, options.disconnected, out.data(), threads);
        }
        return to_numpy(std::move(out));
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("disconnected"),
      py::arg("threads"));

  m.def(
      "scan",
      [](Generator kind, const Array<int64_t>& n, const std::optional<Array<double>>& a,
         const std::optional<Array<double>>& b, const std::optional<Array<uint64_t>>& seed, int64_t tries,
         uint32_t flags, int disconnected, int clustering_order, bool record_failures, int threads) {
        const GeneratorBatchParams p = generator_params(n, a, b, seed, tries);
        const MeasureOptions options = measure_options(flags, disconnected, clustering_order);
        OwnedColumns cols;
        const MeasureColumns out = cols.allocate(flags, p.size);
        std::vector<uint8_t> ok(record_failures ? static_cast<size_t>(p.size) : 0);
        {
          py::gil_scoped_release release;
          scan(kind, p, options, out, record_failures ? ok.data() : nullptr, threads);
        }
        py::dict d = cols.to_dict(flags);
        if (record_failures) d["ok"] = to_numpy(std::move(ok)).attr("astype")("bool");
        return d;
      },
      py::arg("kind"), py::arg("n"), py::arg("a"), py::arg("b"), py::arg("seed"), py::arg("tries"),
      py::arg("flags"), py::arg("disconnected"), py::arg("clustering_order"), py::arg("record_failures"),
      py::arg("threads"));

  m.def(
      "orient",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        GraphBatch result;
        {
          py::gil_scoped_release release;
          result = orient_batch(view, threads);
        }
        return batch_to_numpy(std::move(result));
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("threads"));

  m.def(
      "path_stats",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         const Array<int64_t>& source, const Array<int64_t>& target, int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        if (source.shape(0) != view.size || target.shape(0) != view.size)
          throw std::invalid_argument("source and target need one entry per DAG");
        const auto size = static_cast<size_t>(view.size);
        std::vector<uint64_t> num_paths(size);
        std::vector<uint8_t> exact(size);
        std::vector<double> log_paths(size), mean_path(size);
        std::vector<int64_t> max_path(size);
        {
          py::gil_scoped_release release;
          path_stats_batch(view, source.data(), target.data(),
                           PathStatsColumns{num_paths.data(), exact.data(), log_paths.data(),
                                            mean_path.data(), max_path.data()},
                           threads);
        }
        py::dict d;
        d["num_paths"] = to_numpy(std::move(num_paths));
        d["exact"] = to_numpy(std::move(exact)).attr("astype")("bool");
        d["log_paths"] = to_numpy(std::move(log_paths));
        d["mean_path"] = to_numpy(std::move(mean_path));
        d["max_path"] = to_numpy(std::move(max_path));
        return d;
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("source"), py::arg("target"),
      py::arg("threads"));

  m.def(
      "prune",
      [](const Array<int64_t>& num_nodes, const Array<int64_t>& edge_ptr, const Array<int32_t>& edges,
         const Array<int64_t>& source, const Array<int64_t>& target, int threads) {
        const BatchArgs args{num_nodes, edge_ptr, edges};
        const GraphBatchView view = args.view();
        if (source.shape(0) != view.size || target.shape(0) != view.size)
          throw std::invalid_argument("source and target need one entry per DAG");
        std::vector<uint8_t> kept(static_cast<size_t>(total_nodes(view)));
        GraphBatch result;
        {
          py::gil_scoped_release release;
          result = prune_batch(view, source.data(), target.data(), kept.data(), threads);
        }
        py::tuple batch = batch_to_numpy(std::move(result));
        return py::make_tuple(batch[0], batch[1], batch[2], to_numpy(std::move(kept)).attr("astype")("bool"));
      },
      py::arg("num_nodes"), py::arg("edge_ptr"), py::arg("edges"), py::arg("source"), py::arg("target"),
      py::arg("threads"));
}
