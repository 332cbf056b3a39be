"""The results store's SQLite schema (version 1).

Tables
------
``meta(key TEXT PRIMARY KEY, value TEXT)``
    ``format`` = ``"relsparse-results"`` (what makes a file a results store),
    ``schema_version`` = ``"1"``, ``spec`` = the :class:`~relsparse.sweep.SweepSpec`
    JSON, ``created`` = ISO-8601 UTC time, ``max_attempts`` = failures after
    which a run stays ``failed``, ``relsparse_version``.

``runs`` -- one row per (graph, seed) run, created with the store:

=================  ========  ==================================================
run_id             INTEGER   primary key, 1.. in :meth:`SweepSpec.runs` order
key                TEXT      stable run key (UNIQUE; see relsparse.sweep.spec)
graph_index        INTEGER   index into the spec's graphs
generator          TEXT      ``connected_ws_flex`` or ``complete``
n, k, p            -         graph parameters
graph_seed         INTEGER   the graph generator's seed
C, L               REAL      the graph's clustering and path length
seed               INTEGER   training seed
status             TEXT      ``pending`` | ``running`` | ``done`` | ``failed``
attempts           INTEGER   times the run was claimed
failures           INTEGER   attempts that failed (task raised, worker died)
worker             TEXT      worker of the current or last attempt
started            REAL      Unix time the current/last attempt was claimed
heartbeat          REAL      last sign of life of the current attempt
finished           REAL      Unix time the last attempt ended
wall_time          REAL      seconds of the successful attempt
epochs             INTEGER   number of epochs trained (from the result)
final_val_error    REAL      validation top-1 error (%) after the last epoch
best_val_error     REAL      lowest validation error (%) over the epochs
final_train_loss   REAL      training loss of the last epoch
flops              INTEGER   multiply-adds of one forward pass
params             INTEGER   trainable parameters
width              INTEGER   relational-layer width after budget matching
result             TEXT      the task's whole result dict, as JSON
error              TEXT      message (traceback) of the last failure
=================  ========  ==================================================

``epochs`` -- per-epoch metrics, ``PRIMARY KEY (run_id, epoch)``: columns
train_loss, train_error, val_loss, val_error, lr, seconds (REAL; errors in %)
and ``extra`` (JSON of any other metric).

Read back as numpy structured arrays, missing values are NaN (REAL), -1
(INTEGER) or "" (TEXT); the free-text columns result, error and extra are
Python ``str`` objects (dtype object), the other TEXT columns fixed-width
unicode.
"""

from __future__ import annotations

FORMAT = "relsparse-results"
SCHEMA_VERSION = 1

STATUSES = ("pending", "running", "done", "failed")

#: Result-dict keys stored in their own ``runs`` column (all keys go to ``result``).
RESULT_INT = ("epochs", "flops", "params", "width")
RESULT_REAL = ("final_val_error", "best_val_error", "final_train_loss", "wall_time")

#: Epoch metrics with their own ``epochs`` column (others go to ``extra``).
EPOCH_METRICS = ("train_loss", "train_error", "val_loss", "val_error", "lr", "seconds")

DDL = f"""
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE runs (
    run_id           INTEGER PRIMARY KEY,
    key              TEXT    NOT NULL UNIQUE,
    graph_index      INTEGER NOT NULL,
    generator        TEXT    NOT NULL,
    n                INTEGER NOT NULL,
    k                REAL    NOT NULL,
    p                REAL    NOT NULL,
    graph_seed       INTEGER NOT NULL,
    C                REAL    NOT NULL,
    L                REAL    NOT NULL,
    seed             INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
    attempts         INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    worker           TEXT,
    started          REAL,
    heartbeat        REAL,
    finished         REAL,
    wall_time        REAL,
    epochs           INTEGER,
    final_val_error  REAL,
    best_val_error   REAL,
    final_train_loss REAL,
    flops            INTEGER,
    params           INTEGER,
    width            INTEGER,
    result           TEXT,
    error            TEXT
);
CREATE INDEX runs_by_status ON runs (status, run_id);
CREATE TABLE epochs (
    run_id      INTEGER NOT NULL REFERENCES runs (run_id),
    epoch       INTEGER NOT NULL,
    train_loss  REAL,
    train_error REAL,
    val_loss    REAL,
    val_error   REAL,
    lr          REAL,
    seconds     REAL,
    extra       TEXT,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
"""

#: Columns of :meth:`ResultsStore.runs` / :meth:`ResultsStore.epochs` and their numpy kinds.
RUN_COLUMNS = (
    ("run_id", "i"), ("key", "U"), ("graph_index", "i"), ("generator", "U"), ("n", "i"), ("k", "f"),
    ("p", "f"), ("graph_seed", "i"), ("C", "f"), ("L", "f"), ("seed", "i"), ("status", "U"),
    ("attempts", "i"), ("failures", "i"), ("worker", "U"), ("started", "f"), ("heartbeat", "f"),
    ("finished", "f"), ("wall_time", "f"), ("epochs", "i"), ("final_val_error", "f"),
    ("best_val_error", "f"), ("final_train_loss", "f"), ("flops", "i"), ("params", "i"), ("width", "i"),
    ("result", "O"), ("error", "O"),
)
EPOCH_COLUMNS = (("run_id", "i"), ("epoch", "i"), *((m, "f") for m in EPOCH_METRICS), ("extra", "O"))

REQUIRED_TABLES = ("meta", "runs", "epochs")
