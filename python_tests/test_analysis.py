"""relsparse.analysis: binning, sweet spot, slices, correlations, plots, summaries, prior vs learning.

Synthetic sweeps stand in for real ones: graphs spread over the (C, L) plane,
several seeds per graph, errors planted so that the answer is known.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from scipy import stats

import relsparse
from relsparse import analysis as A
from relsparse import graphs, measures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
GRID = A.Grid.paper(15)
PLANTED_C, PLANTED_L = (6, 8), (4, 6)  # planted bins: c_index 6..8, l_index 4..6 (inclusive)


def _planted_sweep(seed: int, *, symmetric: bool, n_graphs: int = 900, seeds: int = 3, sd: float = 0.3):
    """Runs of ``n_graphs`` graphs (uniform over the plane) x ``seeds`` seeds plus the baseline.

    Error 30 inside the planted bins, 32 + distance elsewhere, 33 for the
    complete graph. ``symmetric``: each graph's seeds get offsets (-s, 0, +s),
    so every graph's mean is its planted value exactly (no selection noise
    among the equal planted bins); otherwise i.i.d. normal noise.
    """
    rng = np.random.default_rng(seed)
    gc = rng.uniform(0.01, 0.99, n_graphs)
    gl = rng.uniform(1.02, 4.48, n_graphs)
    ci, li = GRID.locate(gc, gl)
    planted = (ci >= PLANTED_C[0]) & (ci <= PLANTED_C[1]) & (li >= PLANTED_L[0]) & (li <= PLANTED_L[1])
    value = np.where(planted, 30.0, 32.0 + 3 * np.hypot(gc - 0.5, (gl - 2.3) / 3.5))
    if symmetric:
        assert seeds == 3
        noise = rng.uniform(0.1, 0.5, n_graphs)[:, None] * np.array([-1.0, 0.0, 1.0])
    else:
        noise = rng.normal(0, sd, (n_graphs, seeds))
    err = (value[:, None] + noise).ravel()
    C, L = np.repeat(gc, seeds), np.repeat(gl, seeds)
    graph = np.repeat(np.arange(n_graphs), seeds)
    base = 33.0 + np.array([-0.2, 0.0, 0.2])[:seeds]
    return (np.append(C, np.ones(seeds)), np.append(L, np.ones(seeds)), np.append(err, base),
            np.append(graph, np.full(seeds, n_graphs)))


# ----------------------------------------------------------------- binning
def test_paper_grid_edges():
    g = A.Grid.paper(15)
    assert g.shape == (15, 15)
    np.testing.assert_array_equal(g.c_edges, np.linspace(0, 1, 16))
    np.testing.assert_array_equal(g.l_edges, np.linspace(1, 4.5, 16))
    np.testing.assert_allclose(g.c_centres[[0, -1]], [1 / 30, 29 / 30])
    assert A.Grid.paper(135).shape == (135, 135)
    assert A.Grid.paper(15) == g and A.Grid.paper(16) != g


def test_binning_hand_example():
    # resolution 4: C edges 0, .25, .5, .75, 1 (right-closed); L edges 1, 1.875, 2.75, 3.625, 4.5 (left-closed)
    C = [0.25, 0.26, 1.0, 0.0, 0.10, 0.50]
    L = [1.875, 1.80, 1.0, 4.40, 1.90, 2.75]
    e = [10.0, 20.0, 30.0, 40.0, 14.0, 7.0]
    b = A.bin_results(C, L, e, resolution=4)
    assert b.c_index.tolist() == [0, 1, 3, 0, 0, 1]  # C = .25 closes bin 0; C = 1 in the last bin; C = 0 in the first
    assert b.l_index.tolist() == [1, 0, 0, 3, 1, 2]  # L = 1.875 opens bin 1; L = 2.75 opens bin 2
    expected_count = np.zeros((4, 4), int)
    for (i, j), n in {(0, 1): 2, (1, 0): 1, (3, 0): 1, (0, 3): 1, (1, 2): 1}.items():
        expected_count[i, j] = n
    np.testing.assert_array_equal(b.count, expected_count)
    assert b.mean[0, 1] == 12.0 and b.std[0, 1] == 2.0  # (10, 14): population std
    assert b.mean[1, 0] == 20.0 and b.std[1, 0] == 0.0
    assert b.mean[3, 0] == 30.0 and b.mean[0, 3] == 40.0 and b.mean[1, 2] == 7.0
    assert np.isnan(b.mean[2, 2]) and np.isnan(b.std[2, 2])
    assert b.values[(0, 1)].tolist() == [10.0, 14.0]  # input order
    assert b.bins() == [(0, 1), (0, 3), (1, 0), (1, 2), (3, 0)]
    assert b.centre((1, 2)) == (0.375, 3.1875)
    assert b.bin_of(1.0, 1.0) == (3, 0)  # the complete-graph baseline
    np.testing.assert_array_equal(b.grid.c_edges, [0, 0.25, 0.5, 0.75, 1])


def test_binning_matches_numpy_digitize():
    rng = np.random.default_rng(3)
    C, L = rng.uniform(1e-9, 1, 5000), rng.uniform(1, 4.5 - 1e-9, 5000)
    for r in (15, 135):
        g = A.Grid.paper(r)
        ci, li = g.locate(C, L)
        np.testing.assert_array_equal(ci, np.digitize(C, np.linspace(0, 1, r + 1), right=True) - 1)
        np.testing.assert_array_equal(li, np.digitize(L, np.linspace(1, 4.5, r + 1)) - 1)
    b = A.bin_results(C, L, rng.normal(size=5000), 135)
    assert b.count.sum() == 5000 and b.count.shape == (135, 135)


def test_outside_rows_raise_or_drop():
    C, L, e = [0.5, 0.5, 1.01, 0.5], [2.0, 4.5, 2.0, float("nan")], [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="3 row\\(s\\) lie outside the grid.*row 1"):
        A.bin_results(C, L, e)
    b = A.bin_results(C, L, e, outside="drop")
    assert b.n_outside == 3 and b.count.sum() == 1
    assert b.c_index.tolist()[1:] == [-1, -1, -1]


def test_restrict_to_sample_bins():
    C, L, err, graph = _planted_sweep(0, symmetric=True, n_graphs=200)
    sample = np.array([0, 5, 17, 40])  # four graphs -> the "52-graph" analogue
    mask = A.occupied_bins(C[sample * 3], L[sample * 3], 15)
    assert mask.sum() == len({A.bin_results(C, L, err).bin_of(c, l) for c, l in zip(C[sample * 3], L[sample * 3])}) + 1
    assert mask[14, 0]  # the baseline bin is included
    b = A.bin_results(C, L, err, restrict_to=mask)
    assert set(b.bins()) == {tuple(x) for x in np.argwhere(mask)}
    assert b.n_excluded == len(err) - b.count.sum()
    pairs = [tuple(x) for x in np.argwhere(mask)]
    np.testing.assert_array_equal(A.bin_results(C, L, err, restrict_to=pairs).count, b.count)


def test_binning_bad_input():
    with pytest.raises(ValueError, match="same length"):
        A.bin_results([0.5, 0.5], [2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="errors must be finite"):
        A.bin_results([0.5], [2.0], [float("nan")])
    with pytest.raises(ValueError, match="resolution must be >= 1"):
        A.bin_results([0.5], [2.0], [1.0], resolution=0)
    with pytest.raises(ValueError, match="outside must be one of"):
        A.bin_results([0.5], [2.0], [1.0], outside="keep")
    with pytest.raises(ValueError, match="restrict_to mask must have the grid's shape"):
        A.bin_results([0.5], [2.0], [1.0], restrict_to=np.ones((3, 3), bool))


# ---------------------------------------------------------------- sweet spot
def test_sweet_spot_recovers_planted_box():
    C, L, err, _ = _planted_sweep(1, symmetric=True)
    spot = A.sweet_spot(A.bin_results(C, L, err, 15))
    planted = np.zeros((15, 15), bool)
    planted[PLANTED_C[0]:PLANTED_C[1] + 1, PLANTED_L[0]:PLANTED_L[1] + 1] = True
    np.testing.assert_array_equal(spot.kept, planted)
    assert planted[spot.best_bin]
    assert spot.c_range == (GRID.c_centres[PLANTED_C[0]], GRID.c_centres[PLANTED_C[1]])
    assert spot.l_range == (GRID.l_centres[PLANTED_L[0]], GRID.l_centres[PLANTED_L[1]])
    assert spot.c_extent == (GRID.c_edges[PLANTED_C[0]], GRID.c_edges[PLANTED_C[1] + 1])
    assert not spot.kept[14, 0]  # the (worse) complete-graph baseline
    assert abs(spot.best_mean - 30.0) < 1e-9


def test_sweet_spot_with_normal_noise_keeps_only_planted_bins():
    C, L, err, _ = _planted_sweep(2, symmetric=False)
    spot = A.sweet_spot(A.bin_results(C, L, err))
    ci, li = np.nonzero(spot.kept)
    assert ci.min() >= PLANTED_C[0] and ci.max() <= PLANTED_C[1]
    assert li.min() >= PLANTED_L[0] and li.max() <= PLANTED_L[1]
    assert len(ci) >= 3
    far = spot.binned.occupied.copy()
    far[PLANTED_C[0] - 2:PLANTED_C[1] + 3, PLANTED_L[0] - 2:PLANTED_L[1] + 3] = False
    assert far.sum() > 100 and not spot.kept[far].any()
    assert np.all(spot.p_value[far] < 1e-6)


def test_t_test_decision_matches_scipy():
    C, L, err, _ = _planted_sweep(4, symmetric=False)
    spot = A.sweet_spot(A.bin_results(C, L, err))
    best = spot.binned.values[spot.best_bin]
    worse, kept = spot.worse_bins(), [b for b in spot.kept_bins() if b != spot.best_bin]
    assert worse and kept
    for b in (worse[0], kept[0], spot.best_bin):
        direct = stats.ttest_ind(best, spot.binned.values[b], equal_var=True)
        assert spot.statistic[b] == pytest.approx(direct.statistic, rel=1e-12, abs=1e-12)
        decision_worse = direct.statistic < 0 and direct.pvalue / 2 < 0.05
        assert spot.kept[b] == (not decision_worse)
        less = stats.ttest_ind(best, spot.binned.values[b], equal_var=True, alternative="less")
        assert spot.p_value[b] == pytest.approx(less.pvalue, rel=1e-9, abs=1e-15)
    assert spot.p_value[spot.best_bin] == 0.5 and spot.statistic[spot.best_bin] == 0.0


def test_single_value_bins_are_kept_untested_by_default():
    # best bin with 3 values; a clearly worse bin with a single value
    C = [0.3, 0.3, 0.3, 0.8]
    L = [2.0, 2.0, 2.0, 3.0]
    err = [30.0, 30.2, 29.8, 40.0]
    b = A.bin_results(C, L, err)
    spot = A.sweet_spot(b)
    single = b.bin_of(0.8, 3.0)
    assert spot.kept[single] and np.isnan(spot.p_value[single]) and np.isnan(spot.statistic[single])
    tested = A.sweet_spot(b, min_count=1)  # scipy's pooled test is defined with one value
    assert not tested.kept[single] and tested.p_value[single] < 0.05


def test_sweet_spot_bad_input():
    b = A.bin_results([0.3], [2.0], [1.0])
    with pytest.raises(ValueError, match="alpha"):
        A.sweet_spot(b, alpha=1.5)
    with pytest.raises(TypeError, match="BinnedResults"):
        A.sweet_spot([1.0, 2.0])
    with pytest.raises(ValueError, match="no values"):
        A.sweet_spot(A.bin_results([], [], []))


# --------------------------------------------------------- plots and summaries
def test_plots_and_summary_round_trip(tmp_path):
    C, L, err, graph = _planted_sweep(5, symmetric=False, n_graphs=400)
    binned = A.bin_results(C, L, err)
    spot = A.sweet_spot(binned)
    fit = A.slice_fit(C, L, err, fixed="C", graph=graph)
    fine = A.bin_results(C, L, err, 135)
    corr = A.bin_correlation(binned, A.bin_results(C, L, err + 1.0))
    ee = np.stack([err + 3.0 / (e + 1) * np.sin(np.arange(len(err)) * (e + 1)) for e in range(5)], axis=1)
    ec = A.early_vs_final(ee, graph)
    curve = A.subsample_curve(C, L, err, graph, [200, 300, 401], seed=0, repeats=2)
    paths = [
        A.plot_heatmap(binned, tmp_path / "heat.png", sweet_spot=spot),
        A.plot_heatmap(fine, tmp_path / "heat135.png", title="135 x 135"),
        A.plot_heatmap(fine, tmp_path / "heat135_spot.png", sweet_spot=spot),
        A.plot_slice(fit, tmp_path / "slice.png"),
        A.plot_bin_correlation(corr, tmp_path / "corr.png", xlabel="MLP", ylabel="MLP + 1"),
        A.plot_epoch_correlation(ec, tmp_path / "epochs.png"),
        A.plot_subsample_curve(curve, tmp_path / "subsample.png"),
    ]
    for p in paths:
        with open(p, "rb") as f:
            head = f.read(8)
        assert head == PNG_MAGIC and os.path.getsize(p) > 10_000
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in paths)  # no temp files left

    for result in (spot, binned, fit, corr, ec, curve):
        path = A.save_summary(result, tmp_path / "summary.json")
        loaded = A.load_summary(path)
        assert loaded == result.to_dict()
        json.loads(open(path).read())  # strict JSON (NaN written as null)
    A.save_summary(spot, tmp_path / "summary.json")
    d = A.load_summary(tmp_path / "summary.json")
    assert d["kind"] == "sweet_spot" and d["c_range"] == list(spot.c_range) and "definitions" in d
    rows = A.load_summary(A.save_summary(spot, tmp_path / "bins.csv"))
    assert len(rows) == int(binned.occupied.sum())
    assert sum(r["in_sweet_spot"] for r in rows) == int(spot.kept.sum())
    assert [r for r in rows if r["best"]][0]["mean"] == pytest.approx(spot.best_mean)
    with pytest.raises(ValueError, match="format"):
        A.save_summary(spot, tmp_path / "summary.txt")
    with pytest.raises(ValueError, match="png"):
        A.plot_heatmap(binned, tmp_path / "heat.pdf")


# -------------------------------------------------------------------- slices
def test_slice_fit_recovers_quadratic():
    rng = np.random.default_rng(7)
    n = 60
    gC = np.concatenate([rng.uniform(0.4, 0.6, n), rng.uniform(0.7, 0.9, 20)])  # 20 graphs outside the window
    gL = rng.uniform(1.5, 4.0, n + 20)
    truth = np.array([1.5, -7.5, 40.0])  # 1.5 L^2 - 7.5 L + 40, minimum at L = 2.5
    value = np.polyval(truth, gL) + np.where(gC > 0.65, 50.0, 0.0)
    off = rng.uniform(0.1, 1.0, n + 20)[:, None] * np.array([-1.0, 1.0])  # two seeds, mean exact
    err = (value[:, None] + off).ravel()
    C, L, graph = np.repeat(gC, 2), np.repeat(gL, 2), np.repeat(np.arange(n + 20), 2)
    fit = A.slice_fit(C, L, err, fixed="C", graph=graph)
    assert fit.window == (0.4, 0.6) and fit.measure == "L" and len(fit.x) == n
    np.testing.assert_allclose(fit.coefficients, truth, rtol=1e-8)
    assert fit.minimum() == pytest.approx(2.5) and fit.r2 == pytest.approx(1.0)
    # the other slice: L held in [2, 2.5], error vs C
    gC2, gL2 = rng.uniform(0.1, 0.9, 40), rng.uniform(2.0, 2.5, 40)
    fit2 = A.slice_fit(gC2, gL2, np.polyval([4.0, -3.6, 31.0], gC2), fixed="L")
    np.testing.assert_allclose(fit2.coefficients, [4.0, -3.6, 31.0], rtol=1e-8)
    with pytest.raises(ValueError, match="only 0 graph"):
        A.slice_fit(gC2, gL2, gC2, fixed="L", window=(3.0, 3.5))


# ---------------------------------------------------------------- correlation
def test_correlation_of_identical_sweeps_is_one():
    C, L, err, graph = _planted_sweep(8, symmetric=False, n_graphs=300)
    b = A.bin_results(C, L, err)
    c = A.bin_correlation(b, b)
    assert c.pearson_r == pytest.approx(1.0) and c.spearman_rho == pytest.approx(1.0)
    assert c.n == int(b.occupied.sum()) and c.pearson_p < 1e-10
    # a second sweep of the same graphs with other noise still correlates strongly
    C2, L2, err2, _ = _planted_sweep(8, symmetric=True, n_graphs=300)
    assert A.bin_correlation(b, A.bin_results(C2, L2, err2)).pearson_r > 0.9
    with pytest.raises(ValueError, match="different grids"):
        A.bin_correlation(b, A.bin_results(C, L, err, 135))


def test_subsample_correlation():
    C, L, err, graph = _planted_sweep(9, symmetric=False, n_graphs=600)
    n_graphs = 601
    state = np.random.get_state()
    full = A.subsample_correlation(C, L, err, graph, n_graphs, seed=0)
    assert full.pearson_r == pytest.approx(1.0)
    a = A.subsample_correlation(C, L, err, graph, 250, seed=1)
    b = A.subsample_correlation(C, L, err, graph, 250, seed=1)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.n == int(A.bin_results(C, L, err).occupied.sum())  # every bin keeps a graph
    assert 0.7 < a.pearson_r <= 1.0
    b_full = A.bin_results(C, L, err)
    ids = A.subsample_graphs(graph, b_full.c_index, b_full.l_index, 300, seed=np.random.default_rng(2))
    assert len(ids) == 300 and len(np.unique(ids)) == 300
    sub_bins = {b_full.bin_of(C[graph == g][0], L[graph == g][0]) for g in ids}
    assert sub_bins == set(b_full.bins())
    assert np.array_equal(np.random.get_state()[1], state[1])  # global RNG untouched
    with pytest.raises(ValueError, match="occupied bins"):
        A.subsample_correlation(C, L, err, graph, 10, seed=0)
    with pytest.raises(TypeError, match="seed must be an integer"):
        A.subsample_correlation(C, L, err, graph, 300, seed=None)


def test_early_vs_final():
    rng = np.random.default_rng(11)
    n_graphs, seeds, epochs = 52, 3, 6
    final_g = rng.uniform(30, 35, n_graphs)
    graph = np.repeat(np.arange(n_graphs), seeds)
    final = np.repeat(final_g, seeds) + rng.normal(0, 0.05, n_graphs * seeds)
    noise = np.array([4.0, 2.0, 1.0, 0.5, 0.2, 0.0])
    ee = final[:, None] + 10 + rng.normal(0, 1, (n_graphs * seeds, epochs)) * noise
    ee[:, -1] = final
    ee[0, 2] = np.nan  # a missing value: that graph's mean uses its other runs
    ec = A.early_vs_final(ee, graph, epochs=np.arange(1, epochs + 1))
    assert ec.pearson_r[-1] == pytest.approx(1.0)
    assert np.all(np.diff(ec.pearson_r) > 0) and ec.pearson_r[0] < 0.9
    assert ec.n_graphs.tolist() == [n_graphs] * epochs
    assert ec.epochs.tolist() == [1, 2, 3, 4, 5, 6]
    manual = stats.pearsonr(ee[:, 3].reshape(n_graphs, seeds).mean(1), final.reshape(n_graphs, seeds).mean(1))
    assert ec.pearson_r[3] == pytest.approx(manual[0], rel=1e-12)


# --------------------------------------------------------------- the store
def test_from_runs_structured_array():
    runs = np.zeros(7, dtype=[("run_id", "i8"), ("graph_index", "i8"), ("C", "f8"), ("L", "f8"), ("seed", "i8"),
                              ("status", "U8"), ("final_val_error", "f8")])
    runs["run_id"] = [10, 11, 12, 13, 14, 15, 16]
    runs["graph_index"] = [0, 0, 1, 1, 2, 2, 3]
    runs["C"] = [0.5, 0.5, 0.3, 0.3, 1.0, 1.0, 0.2]
    runs["L"] = [2.0, 2.0, 2.6, 2.6, 1.0, 1.0, 3.0]
    runs["seed"] = [0, 1, 0, 1, 0, 1, 0]
    runs["status"] = ["done", "done", "done", "failed", "done", "done", "running"]
    runs["final_val_error"] = [30.0, 31.0, 32.0, np.nan, 33.0, 33.5, np.nan]
    epochs = np.zeros(9, dtype=[("run_id", "i8"), ("epoch", "i8"), ("val_error", "f8")])
    epochs["run_id"] = [10, 10, 11, 11, 12, 14, 14, 15, 16]
    epochs["epoch"] = [1, 2, 1, 2, 2, 1, 2, 2, 1]
    epochs["val_error"] = [40, 30, 41, 31, 32, 43, 33, 33.5, 50]
    r = A.from_runs(runs, epochs)
    assert len(r) == 5 and r.n_left_out == 2
    assert r.graph.tolist() == [0, 0, 1, 2, 2] and r.seed.tolist() == [0, 1, 0, 0, 1]
    assert r.epochs.tolist() == [1, 2]
    np.testing.assert_array_equal(r.epoch_errors, [[40, 30], [41, 31], [np.nan, 32], [43, 33], [np.nan, 33.5]])
    g = r.graph_means()
    assert g.graph.tolist() == [0, 1, 2] and g.error.tolist() == [30.5, 32.0, 33.25] and g.count.tolist() == [2, 1, 2]
    as_mapping = A.from_runs({name: runs[name] for name in runs.dtype.names})
    np.testing.assert_array_equal(as_mapping.error, r.error)
    only_done = A.from_runs(runs, status="done")
    assert len(only_done) == 5
    assert len(A.from_runs(runs, status=["failed"])) == 0
    bytes_status = runs.astype([(n, "S8" if n == "status" else runs.dtype[n]) for n in runs.dtype.names])
    assert len(A.from_runs(bytes_status, status=b"done")) == 5
    spot = A.sweet_spot(A.bin_results(r.C, r.L, r.error))
    assert spot.best_bin == spot.binned.bin_of(0.5, 2.0)
    dup = np.concatenate([epochs, epochs[:1]])
    with pytest.raises(ValueError, match="several rows for run_id=10, epoch=1"):
        A.from_runs(runs, dup)
    with pytest.raises(ValueError, match="no field 'final_val_error'"):
        A.from_runs(runs[["run_id", "graph_index", "C", "L"]])


def test_graph_means_rejects_inconsistent_measures():
    with pytest.raises(ValueError, match="runs of graph 4 disagree"):
        A.Results(C=[0.5, 0.6], L=[2.0, 2.0], error=[1.0, 2.0], graph=[4, 4]).graph_means()


# ------------------------------------------------------------ prior vs learning
def _block_weights(G: relsparse.Graph, width: int, layers: int, rng: np.random.Generator, *, one_way: bool = False):
    """Weights whose node blocks are large on the graph's edges (and diagonal), tiny elsewhere."""
    from relsparse.nn.partition import offsets, split_channels

    off = offsets(split_channels(width, G.num_nodes))
    adj = G.to_adjacency(bool)
    if one_way:
        adj = np.triu(adj)  # only the i -> j block of each edge is large; symmetrising recovers the edge
    adj |= np.eye(G.num_nodes, dtype=bool)
    scale = np.where(adj, 1.0, 1e-3)
    big = np.repeat(np.repeat(scale, np.diff(off), axis=0), np.diff(off), axis=1)
    return [rng.normal(size=(width, width)) * big for _ in range(layers)]


def test_graph_from_weights_recovers_block_graph():
    rng = np.random.default_rng(0)
    G = graphs.connected_ws_flex(64, 8, 0.3, seed=5)
    weights = _block_weights(G, 200, 3, rng)  # 200 = 64 * 3 + 8: uneven groups
    res = A.graph_from_weights(weights, nodes=64, thresholds=[0.02, 0.999])
    assert res.graphs[0] == G
    assert res.C[0] == pytest.approx(measures.average_clustering(G))
    assert res.L[0] == pytest.approx(measures.average_shortest_path_length(G))
    assert res.density[0] == pytest.approx(measures.density(G)) and res.components[0] == 1
    assert res.graphs[1].num_edges < 5 and np.isnan(res.L[1])  # disconnected -> NaN by default
    w = res.weights
    assert np.allclose(w, w.T) and np.all(np.diag(w) == 0) and w.max() == 1.0
    by_density = A.graph_from_weights(weights, nodes=64, densities=[measures.density(G)])
    assert by_density.graphs[0] == G and by_density.by == "density"
    reach = A.graph_from_weights(weights, nodes=64, thresholds=[0.999], disconnected="reachable")
    assert np.isfinite(reach.L[0])
    one_way = A.graph_from_weights(_block_weights(G, 200, 2, rng, one_way=True), nodes=64, thresholds=[0.02])
    assert one_way.graphs[0] == G
    with pytest.raises(ValueError, match="not both"):
        A.graph_from_weights(weights, nodes=64, thresholds=[0.5], densities=[0.5])
    with pytest.raises(ValueError, match="at least nodes=64"):
        A.graph_from_weights([np.ones((32, 32))], nodes=64)


def test_graph_from_mlp_uses_square_hidden_layers(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    G = graphs.connected_ws_flex(16, 4, 0.5, seed=2)
    hidden = _block_weights(G, 48, 2, rng)
    model = torch.nn.Sequential(
        torch.nn.Linear(100, 48), torch.nn.ReLU(),
        torch.nn.Linear(48, 48), torch.nn.ReLU(),
        torch.nn.Linear(48, 48), torch.nn.ReLU(),
        torch.nn.Linear(48, 10),
    )
    with torch.no_grad():
        model[2].weight.copy_(torch.from_numpy(hidden[0]))
        model[4].weight.copy_(torch.from_numpy(hidden[1]))
    assert [tuple(w.shape) for w in A.hidden_weights(model)] == [(48, 48), (48, 48)]
    assert len(A.hidden_weights(model, layers="all")) == 4
    res = A.graph_from_mlp(model, nodes=16, thresholds=[0.02, 0.5])
    assert res.graphs[0] == G
    np.testing.assert_allclose(res.weights, A.edge_weights(hidden, 16), rtol=1e-6, atol=1e-9)
    spot = A.sweet_spot(A.bin_results(*_planted_sweep(3, symmetric=True, n_graphs=200)[:3]))
    p = A.plot_weight_graphs(res, tmp_path / "prior.png", sweet_spot=spot)
    assert open(p, "rb").read(8) == PNG_MAGIC
    assert A.load_summary(A.save_summary(res, tmp_path / "prior.json")) == res.to_dict()
