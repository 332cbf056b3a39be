"""The experiment end to end: relsparse.experiment, the analysis report, and the train/sweep/analyze/plot CLI."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from relsparse import experiment, graphs, sweep
from relsparse.analysis import Results, report
from relsparse.cli import main

QUICK = {"epochs": 2, "batch_size": 128, "lr": 0.05, "device": "cpu"}


def _sample_csv(path):
    """A small design-space sample CSV, made as `relsparse design-space` makes its own (coarse grid)."""
    from relsparse import design_space

    table = design_space.scan_grid(design_space.paper_grid(64, k_points=6, p_points=6, seeds=1))
    design_space.write_csv(design_space.sample(table, design_space.paper_sample_spec(64)), str(path))
    return str(path)


# ---------------------------------------------------------------- experiment
def test_train_run_learns_and_reports():
    g = graphs.connected_ws_flex(64, 8, 0.5, seed=0)
    epochs = []
    r = experiment.train_run("mlp", g, "digits", train=QUICK, seed=1, on_epoch=epochs.append)
    assert [m.epoch for m in epochs] == [0, 1] and r["epochs"] == 2
    assert r["final_val_error"] < 20  # chance: 90 %
    assert r["width"] > 512 and r["flops"] >= 824_320  # widened to the complete-graph FLOPs on 8x8 inputs
    assert set(r) >= {"final_val_error", "best_val_error", "final_train_loss", "wall_time", "params", "flops",
                      "width", "device"}


def test_train_config_rejects_seed_in_options():
    with pytest.raises(ValueError, match="seed comes from the sweep"):
        experiment.train_config({"seed": 3}, 0)


def test_check_experiment_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown model|mlpx"):
        experiment.check_experiment("mlpx", "digits")
    with pytest.raises(ValueError, match="unknown training option"):
        experiment.check_experiment("mlp", "digits", train={"epoch": 3})
    with pytest.raises(FileNotFoundError, match="cifar10 needs --data-dir"):
        experiment.check_experiment("mlp", "cifar10")
    with pytest.raises(ValueError, match="graph 0 of the sweep.*20 nodes needs width >= .* but budget=None"):
        experiment.check_experiment("efficientnet_b0", "digits", graphs=[graphs.complete_graph(20)], budget=None)
    big = graphs.complete_graph(300)
    with pytest.raises(ValueError, match="graph 0 of the sweep.*600 nodes but mlp's first relational layer"):
        experiment.check_experiment("mlp", "digits", graphs=[graphs.complete_graph(600)])
    with pytest.raises(ValueError, match="graph 0 of the sweep"):
        experiment.check_experiment("mlp", "digits", graphs=[graphs.connected_ws_flex(64, 4, 0.0, 0)], budget=10**15)
    assert experiment.check_experiment("mlp", "digits", graphs=[big]).num_classes == 10  # "match" widens


class _Reporter:
    def __init__(self, stop_at=None):
        self.epochs, self.stop_at = [], stop_at

    def epoch(self, epoch, metrics):
        self.epochs.append(epoch)
        if epoch == self.stop_at:
            raise KeyboardInterrupt  # the worker dies here


def test_sweep_task_resumes_inside_a_run(tmp_path):
    spec = sweep.SweepSpec(name="t", model="mlp", dataset="digits", seeds=[0],
                           graphs=[sweep.complete_graph_entry(64)], train={**QUICK, "epochs": 3})
    run_spec = next(iter(spec.runs()))
    run = sweep.Run(1, run_spec.key, 0, spec.graphs[0], 0, 1, "w", spec.config())
    full = experiment.sweep_task(run, _Reporter())
    with pytest.raises(KeyboardInterrupt):
        experiment.sweep_task(run, _Reporter(stop_at=1), checkpoint_root=str(tmp_path))
    assert os.path.isfile(tmp_path / run.key / "checkpoint.pt")
    rep = _Reporter()
    again = experiment.sweep_task(run, rep, checkpoint_root=str(tmp_path))
    assert rep.epochs == [1, 2]  # epoch 0 came from the checkpoint
    assert again["final_val_error"] == full["final_val_error"]
    assert again["final_train_loss"] == full["final_train_loss"]
    assert not os.path.exists(tmp_path / run.key)  # removed once the run is done


def test_spread_graphs_covers_the_plane():
    entries = [{"generator": "connected_ws_flex", "C": c, "L": l}
               for c in np.linspace(0, 1, 10) for l in np.linspace(1, 4, 10)] + [sweep.complete_graph_entry(64)]
    picked = sweep.spread_graphs(entries, 4)
    corners = {(e["C"], e["L"]) for e in picked[:-1]}
    assert len(picked) == 5 and picked[-1]["generator"] == "complete"
    assert len(corners & {(0.0, 1.0), (0.0, 4.0), (1.0, 1.0), (1.0, 4.0)}) >= 3
    assert sweep.spread_graphs(entries, 1000) == entries
    with pytest.raises(ValueError, match="count must be an integer >= 1"):
        sweep.spread_graphs(entries, 0)


# ---------------------------------------------------------------- report
def _planted(seed=0, graphs_=120, seeds=4):
    rng = np.random.default_rng(seed)
    C = np.clip(rng.uniform(0.0, 1.0, graphs_), 0, 1)
    L = rng.uniform(1.05, 4.4, graphs_)
    err = 30 + 6 * ((C - 0.3) ** 2 + ((L - 2.2) / 2) ** 2)
    e = np.repeat(err, seeds) + rng.normal(0, 0.3, graphs_ * seeds)
    return Results(C=np.repeat(C, seeds), L=np.repeat(L, seeds), error=e, graph=np.arange(graphs_).repeat(seeds),
                   epoch_errors=np.stack([e + 5, e + 1, e], axis=1), epochs=np.array([0, 1, 2]))


def test_report_recovers_planted_sweet_spot_and_writes_everything(tmp_path):
    summary = report.analyze(_planted(), tmp_path, info={"nodes": [64]})
    spot = summary["sweet_spot"]
    assert spot["c_range"][0] <= 0.3 <= spot["c_range"][1] and spot["l_range"][0] <= 2.2 <= spot["l_range"][1]
    assert spot["c_range"][1] < 0.9 and spot["l_range"][1] < 4.0  # the far corner is significantly worse
    assert summary["slices"]["C"]["minimum"] == pytest.approx(2.2, abs=0.4)
    assert summary["epochs"]["pearson_r"][-1] == pytest.approx(1.0)
    for name in ("summary.json", "sweet_spot.json", "sweet_spot.csv", "bins_15.csv", "graphs.csv", "slice_C.json",
                 "slice_L.json", "epochs.json"):
        assert os.path.getsize(tmp_path / name) > 0, name
    assert json.load(open(tmp_path / "summary.json"))["runs_used"] == 480
    paths = report.plot(_planted(), tmp_path, resolution=52)
    assert [os.path.basename(p) for p in paths] == ["heatmap.png", "slice_C.png", "slice_L.png", "epochs.png"]
    assert all(open(p, "rb").read(4) == b"\x89PNG" for p in paths)
    with pytest.raises(ValueError, match="no finished runs"):
        report.analyze(Results(C=[], L=[], error=[]), tmp_path)


def test_l_max_for():
    assert report.l_max_for([64], np.array([2.0])) == 4.5
    assert report.l_max_for([16], np.array([2.0])) == 2.5
    assert report.l_max_for([32], np.array([3.2])) == 3.5


# ---------------------------------------------------------------- CLI
def test_cli_sweep_analyze_plot_end_to_end(tmp_path, capsys):
    sample = _sample_csv(tmp_path / "sample.csv")
    store = str(tmp_path / "s.sqlite")
    args = [
        "sweep", store, "--sample", sample, "--graphs", "3", "--seeds", "0", "1", "--epochs", "2", "--lr", "0.05",
        "--workers", "2", "--quiet", "--device", "cpu", "--export-csv", str(tmp_path / "table"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "8 done, 0 failed, 0 running, 0 pending of 8 runs" in out
    runs = sweep.ResultsStore.open(store, readonly=True).runs()
    assert len(runs) == 8 and set(runs["status"]) == {"done"} and (runs["final_val_error"] < 50).all()
    assert os.path.isfile(tmp_path / "table_runs.csv") and os.path.isfile(tmp_path / "table_epochs.csv")
    assert not os.path.exists(tmp_path / "s-checkpoints")  # finished runs leave no checkpoints
    # The same command again resumes: nothing left to do, nothing duplicated.
    assert main(args) == 0
    assert "8 done" in capsys.readouterr().out
    assert len(sweep.ResultsStore.open(store, readonly=True).runs()) == 8
    assert main(["sweep", store, "--status"]) == 0 and "8 done" in capsys.readouterr().out

    assert main(["analyze", store]) == 0
    out = capsys.readouterr().out
    assert "16 runs" not in out and "8 runs over 4 graphs" in out and "sweet spot" in out
    analysis = tmp_path / "s-analysis"
    summary = json.load(open(analysis / "summary.json"))
    assert summary["baseline_graphs"] == [3] and summary["baseline_error"] is not None
    assert main(["plot", store, "--out", str(analysis)]) == 0
    assert os.path.isfile(analysis / "heatmap.png")


def test_cli_train_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["train", "--graph", "complete", "--epochs", "1", "--quiet", "--device", "cpu", "--out",
                 str(out)]) == 0
    assert "final validation error" in capsys.readouterr().out
    saved = json.load(open(out))
    assert saved["C"] == 1.0 and saved["L"] == 1.0 and len(saved["history"]) == 1


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "epochs must be an integer >= 1"),
    (["train", "--dataset", "cifar10"], "cifar10 needs --data-dir"),
    (["train", "--dataset", "cifar10", "--data-dir", "/nonexistent"], "does not hold CIFAR-10"),
    (["train", "--k", "80"], "k"),
    (["sweep", "missing.sqlite"], "does not exist: give --sample"),
    (["analyze", "missing.sqlite"], "missing.sqlite"),
])
def test_cli_errors_are_clear(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"relsparse {argv[0]}: error:" in err and message in err


def test_cli_rejects_unknown_model_and_option(capsys):
    for argv in (["train", "--model", "vgg"], ["sweep", "x.sqlite", "--epoch", "3"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'vgg'" in err and "unrecognized arguments: --epoch" in err


def test_cli_foreign_store_left_intact(tmp_path, capsys):
    foreign = tmp_path / "notes.sqlite"
    foreign.write_bytes(b"these are my notes, not a results store\n" * 10)
    before = foreign.read_bytes()
    sample = _sample_csv(tmp_path / "sample.csv")
    for argv in (["sweep", str(foreign), "--sample", sample, "--epochs", "1"], ["sweep", str(foreign)],
                 ["analyze", str(foreign)], ["plot", str(foreign)]):
        assert main(argv) == 2, argv
        assert "is not an SQLite database, so not a relsparse results store" in capsys.readouterr().err
    assert foreign.read_bytes() == before


def test_cli_other_sweep_in_store_is_refused(tmp_path, capsys):
    sample = _sample_csv(tmp_path / "sample.csv")
    store = str(tmp_path / "s.sqlite")
    assert main(["sweep", store, "--sample", sample, "--epochs", "1", "--quiet", "--device", "cpu"]) == 0
    before = sweep.ResultsStore.open(store, readonly=True).runs()
    assert main(["sweep", store, "--sample", sample, "--epochs", "2", "--quiet"]) == 2
    assert "error" in capsys.readouterr().err
    after = sweep.ResultsStore.open(store, readonly=True).runs()
    assert (before["final_val_error"] == after["final_val_error"]).all()


def test_every_command_has_help(capsys):
    for command in ("train", "sweep", "analyze", "plot", "design-space"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert "usage: relsparse " + command in text
        assert "--" in text
