"""The results store: one SQLite file per sweep, safe under crashes and many writers.

The schema is in :mod:`relsparse.sweep.schema`: a ``meta`` table (format
name, schema version, the sweep spec), ``runs`` (one row per (graph, seed)
run: graph parameters, status, attempts, final metrics, wall time, error)
and ``epochs`` (per-epoch metrics, primary key (run_id, epoch)).

Life of a run
-------------
::

    pending --claim--> running --finish--> done
       ^                  |  \\--fail / worker died--> pending (failures < max_attempts)
       |                  |                      \\--> failed  (failures = max_attempts)
       +--requeue_running-+   (the sweep was stopped: not the run's fault)

``attempts`` counts claims, ``failures`` failed attempts; a run stays
``failed`` (with the last traceback in ``error``) after ``max_attempts``
failures; :meth:`ResultsStore.retry_failed` queues such runs again.

Crash-safety argument
---------------------
1. **Atomic changes.** Every change of state is one SQLite transaction
   (``BEGIN IMMEDIATE`` ... ``COMMIT``) in WAL mode with
   ``synchronous=FULL``. SQLite applies a transaction wholly or not at all
   across a process kill at any instruction (and across power loss): a
   reader after recovery sees each row either before or after each change,
   never in between. A killed writer's lock dies with its process.
2. **No run lost, none duplicated.** All run rows are inserted when the store
   is created, in one transaction on a temporary file that is then
   hard-linked into place: the store path either does not exist or holds
   the complete list. Rows are never deleted, ``key`` is ``UNIQUE`` and run
   keys are stable, so creating the store again adds nothing. A worker
   killed mid-run leaves its run ``running``; the run is put back by
   :meth:`~ResultsStore.requeue_orphans` (its process on this host is gone),
   :meth:`~ResultsStore.fail_worker` (the executor saw its worker die) or
   the heartbeat timeout (``claim(stale_after=...)``, :meth:`~ResultsStore.reset_stale`).
   Only the killed attempt's work is lost.
3. **Exclusive claims.** ``BEGIN IMMEDIATE`` takes the database's write lock
   *before* the pending row is read, so concurrent claimers serialise and
   each run is handed to one worker at a time (others wait up to the busy
   timeout).
4. **Fencing of stale workers.** Every write a worker makes for a run
   (heartbeat, epoch, finish, fail) checks, in the same transaction, that
   the run is still ``running`` under that worker's name; otherwise it
   raises :class:`LostClaimError` and changes nothing. A worker presumed
   dead that comes back cannot overwrite the run's new attempt.
5. **Idempotent epochs.** Epoch rows are keyed by (run_id, epoch) and written
   with ``INSERT OR REPLACE``: a retried attempt rewrites the same rows, it
   never adds a second copy. (Rows of a failed attempt beyond the epochs a
   later attempt reaches stay; with a fixed config every attempt reaches
   the same number of epochs.)

Foreign files are never modified: :meth:`ResultsStore.open` checks the
SQLite header bytes first and then reads the ``meta`` table over a
read-only connection, and raises :class:`ResultsStoreError` naming the
path for a missing, empty, non-SQLite, non-relsparse or newer-schema file.

WAL needs a local file system (not NFS); for workers on several machines,
let one driver process own the store (see :mod:`relsparse.sweep.task`).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import json
import math
import os
import secrets
import sqlite3
import time
import urllib.parse
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np

from . import schema
from .identity import is_dead_local_worker
from .spec import SweepSpec, _is_int, _is_real

_SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 3
_MAX_ERROR_CHARS = 20000


class ResultsStoreError(ValueError):
    """A file is not a usable results store (missing, foreign, corrupt, newer
    schema) or holds a different sweep. The message names the path."""


class LostClaimError(RuntimeError):
    """The run is no longer held by this worker (requeued, reclaimed after a
    stale heartbeat, or already finished); the write was not made."""


@dataclasses.dataclass(frozen=True)
class Run:
    """A claimed run, as handed to a task.

    graph:   the graph entry (``generator``, ``n``, ``k``, ``p``, ``seed``, ``C``, ``L``, ...).
    seed:    the training seed.
    attempt: 1 for the first claim, 2 for the next, ...
    worker:  name of the worker holding the run.
    config:  :meth:`SweepSpec.config` (name, model, dataset, train, budget, data_dir).
    """

    run_id: int
    key: str
    graph_index: int
    graph: dict
    seed: int
    attempt: int
    worker: str
    config: dict


def _connect(path: str, mode: str, timeout: float) -> sqlite3.Connection:
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + f"?mode={mode}"
    con = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return con


def _now() -> float:
    return time.time()


def _check_worker(worker: Any) -> str:
    if not isinstance(worker, str) or not worker:
        raise TypeError(f"worker must be a non-empty string (a worker name), got {worker!r}")
    return worker


def _json(value: Any, name: str) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"{type(o).__name__} is not JSON-serialisable")
    try:
        return json.dumps(value, sort_keys=True, default=default)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be JSON-serialisable: {exc}") from None


def _real_or_none(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number or None, got {value!r}")
    return float(value)


def _int_or_none(value: Any, name: str) -> Optional[int]:
    if value is None:
        return None
    if _is_int(value):
        return int(value)
    if _is_real(value) and math.isfinite(float(value)) and float(value) == int(value):
        return int(value)
    raise TypeError(f"{name} must be an integer or None, got {value!r}")


class ResultsStore:
    """A sweep's results in one SQLite file (module doc: schema, crash safety).

    Get one with :meth:`create` or :meth:`open`; close it with :meth:`close`
    or a ``with`` block. One object is one connection: use it from one
    thread (call :meth:`reopen` for another thread or process).
    """

    def __init__(self, path: str, con: sqlite3.Connection, spec: SweepSpec, meta: dict, timeout: float,
                 readonly: bool = False) -> None:
        self._path, self._con, self._spec, self._meta, self._timeout = path, con, spec, meta, timeout
        self._readonly = readonly
        self._config = spec.config()
        self._max_attempts = int(meta["max_attempts"])

    # ------------------------------------------------------------ opening
    @classmethod
    def create(cls, path: Any, spec: SweepSpec, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
               timeout: float = DEFAULT_TIMEOUT) -> "ResultsStore":
        """Creates the store of ``spec`` at ``path``, with one pending row per run.

        If ``path`` already holds the same sweep, opens it (idempotent: no
        row is added or changed; its own ``max_attempts`` is kept). If it
        holds a different sweep or is not a results store, raises
        :class:`ResultsStoreError` and leaves the file as it was.
        """
        if not isinstance(spec, SweepSpec):
            raise TypeError(f"spec must be a SweepSpec, got {type(spec).__name__}")
        if not _is_int(max_attempts) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
        path = cls._check_path(path)
        if os.path.lexists(path):
            return cls._open_same(path, spec, timeout)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ResultsStoreError(f"cannot create results store {path!r}: folder {folder!r} does not exist")
        tmp = os.path.join(folder, f".{os.path.basename(path)}.creating-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            cls._write_new(tmp, spec, int(max_attempts), timeout)
            try:
                os.link(tmp, path)  # atomic, never replaces an existing file
            except FileExistsError:
                return cls._open_same(path, spec, timeout)  # another process created it first
            except OSError:  # no hard links here: rename (replaces a file created in between)
                if os.path.lexists(path):
                    return cls._open_same(path, spec, timeout)
                os.replace(tmp, path)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(tmp + suffix)
        return cls.open(path, timeout=timeout)

    @staticmethod
    def _write_new(tmp: str, spec: SweepSpec, max_attempts: int, timeout: float) -> None:
        from .. import __version__

        con = _connect(tmp, "rwc", timeout)
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")
            for statement in schema.DDL.split(";"):
                if statement.strip():
                    con.execute(statement)
            meta = {
                "format": schema.FORMAT,
                "schema_version": str(schema.SCHEMA_VERSION),
                "spec": spec.to_json(),
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "max_attempts": str(max_attempts),
                "relsparse_version": __version__,
            }
            con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            con.executemany(
                "INSERT INTO runs (key, graph_index, generator, n, k, p, graph_seed, C, L, seed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((r.key, r.graph_index, r.graph["generator"], r.graph["n"], r.graph["k"], r.graph["p"],
                  r.graph["seed"], r.graph["C"], r.graph["L"], r.seed) for r in spec.runs()),
            )
            con.execute("COMMIT")
        finally:
            con.close()

    @classmethod
    def _open_same(cls, path: str, spec: SweepSpec, timeout: float) -> "ResultsStore":
        store = cls.open(path, timeout=timeout)
        diff = store.spec.differences(spec)
        if diff:
            store.close()
            raise ResultsStoreError(
                f"results store {path!r} already holds sweep {store.spec.name!r}, which differs from the "
                f"given spec in {diff}; use another path, or the spec stored there (ResultsStore.open(path).spec)"
            )
        return store

    @staticmethod
    def _check_path(path: Any) -> str:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path, got {type(path).__name__}")
        return os.fspath(path)

    @classmethod
    def open(cls, path: Any, *, readonly: bool = False, timeout: float = DEFAULT_TIMEOUT) -> "ResultsStore":
        """Opens an existing results store; never modifies a file that is not one.

        Raises :class:`ResultsStoreError` (naming the path) if the file is
        missing, unreadable, empty, not SQLite, an SQLite database of
        something else, or written with another schema version. With
        ``readonly=True`` the store can be read (also from a read-only
        folder or while a sweep writes it) but not changed.
        """
        path = cls._check_path(path)
        meta = cls._validate(path, timeout)
        try:
            spec = SweepSpec.from_json(meta["spec"])
        except (TypeError, ValueError) as exc:
            raise ResultsStoreError(f"results store {path!r} has a corrupt sweep spec in its meta table: {exc}") from None
        con = None
        try:
            con = _connect(path, "ro" if readonly else "rw", timeout)
            if not readonly:
                con.execute("PRAGMA journal_mode = WAL")
                con.execute("PRAGMA synchronous = FULL")
                con.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            if con is not None:
                con.close()
            raise ResultsStoreError(
                f"cannot open results store {path!r} for {'reading' if readonly else 'writing'}: {exc}"
                + ("" if readonly else " (ResultsStore.open(path, readonly=True) reads it without writing)")
            ) from None
        return cls(path, con, spec, meta, timeout, readonly)

    @staticmethod
    def _validate(path: str, timeout: float) -> dict:
        if not os.path.exists(path):
            raise ResultsStoreError(f"results store {path!r} does not exist (create it with ResultsStore.create)")
        if not os.path.isfile(path):
            raise ResultsStoreError(f"results store {path!r} is not a file")
        try:
            with open(path, "rb") as f:
                head = f.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise ResultsStoreError(f"cannot read results store {path!r}: {exc}") from None
        if not head:
            raise ResultsStoreError(f"{path!r} is an empty file, not a relsparse results store")
        if head != _SQLITE_HEADER:
            raise ResultsStoreError(f"{path!r} is not an SQLite database, so not a relsparse results store")
        try:
            con = _connect(path, "ro", timeout)
        except sqlite3.Error as exc:
            raise ResultsStoreError(f"cannot open results store {path!r}: {exc}") from None
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                raise ResultsStoreError(
                    f"{path!r} is an SQLite database but not a relsparse results store "
                    f"(no meta table; its tables: {sorted(tables)})"
                )
            try:
                meta = dict(con.execute("SELECT key, value FROM meta"))
            except sqlite3.Error as exc:
                raise ResultsStoreError(f"{path!r} is an SQLite database but not a relsparse results store "
                                        f"(unreadable meta table: {exc})") from None
            if meta.get("format") != schema.FORMAT:
                raise ResultsStoreError(
                    f"{path!r} is an SQLite database but not a relsparse results store "
                    f"(meta format {meta.get('format')!r}, expected {schema.FORMAT!r})"
                )
            version = meta.get("schema_version")
            if version != str(schema.SCHEMA_VERSION):
                newer = version is not None and version.isdigit() and int(version) > schema.SCHEMA_VERSION
                raise ResultsStoreError(
                    f"results store {path!r} has schema version {version!r}; this relsparse reads version "
                    f"{schema.SCHEMA_VERSION}" + (" (it was written by a newer relsparse: upgrade)" if newer else "")
                )
            missing = [t for t in schema.REQUIRED_TABLES if t not in tables]
            for table, columns in (("runs", schema.RUN_COLUMNS), ("epochs", schema.EPOCH_COLUMNS)):
                if table in tables:
                    have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
                    missing += [f"{table}.{c}" for c, _ in columns if c not in have]
            if missing or "spec" not in meta or not str(meta.get("max_attempts", "")).isdigit():
                raise ResultsStoreError(f"results store {path!r} is damaged: missing {missing or 'meta entries'}")
            return meta
        except sqlite3.DatabaseError as exc:
            raise ResultsStoreError(f"{path!r} is not a readable SQLite database ({exc}), "
                                    "so not a relsparse results store") from None
        finally:
            con.close()

    def reopen(self) -> "ResultsStore":
        """A second connection to the same store (for another thread)."""
        return type(self).open(self._path, readonly=self._readonly, timeout=self._timeout)

    def close(self) -> None:
        """Closes the connection (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultsStore({self._path!r}, sweep={self._spec.name!r}, runs={len(self._spec)})"

    # ------------------------------------------------------------ properties
    @property
    def path(self) -> str:
        return self._path

    @property
    def spec(self) -> SweepSpec:
        """The sweep this store holds."""
        return self._spec

    @property
    def meta(self) -> dict:
        """The ``meta`` table (format, schema_version, spec, created, max_attempts, relsparse_version)."""
        return dict(self._meta)

    @property
    def max_attempts(self) -> int:
        """Failures after which a run stays ``failed``."""
        return self._max_attempts

    def __len__(self) -> int:
        return len(self._spec)

    # ------------------------------------------------------------ transactions
    @property
    def _c(self) -> sqlite3.Connection:
        if self._con is None:
            raise ValueError(f"results store {self._path!r} is closed")
        return self._con

    @property
    def readonly(self) -> bool:
        return self._readonly

    @contextlib.contextmanager
    def _tx(self):
        con = self._c
        if self._readonly:
            raise ValueError(f"results store {self._path!r} was opened with readonly=True; it cannot be changed")
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise

    def _lost(self, con: sqlite3.Connection, run_id: int, worker: str) -> Exception:
        row = con.execute("SELECT status, worker FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return ValueError(f"run_id {run_id} is not a run of results store {self._path!r}")
        return LostClaimError(
            f"run {run_id} is no longer held by worker {worker!r} (now {row[0]}, worker {row[1]!r}); "
            "it was requeued, reclaimed after a stale heartbeat, or already finished"
        )

    def _owned(self, con: sqlite3.Connection, run_id: int, worker: str, now: float) -> None:
        cur = con.execute(
            "UPDATE runs SET heartbeat = ? WHERE run_id = ? AND worker = ? AND status = 'running'",
            (now, run_id, worker),
        )
        if cur.rowcount != 1:
            raise self._lost(con, run_id, worker)

    def _failure_update(self, where: str) -> str:
        return (
            "UPDATE runs SET failures = failures + 1, error = ?, finished = ?, "
            f"status = CASE WHEN failures + 1 >= {self._max_attempts} THEN 'failed' ELSE 'pending' END "
            f"WHERE {where}"
        )

    # ------------------------------------------------------------ worker API
    def claim(self, worker: str, *, stale_after: Optional[float] = None) -> Optional[Run]:
        """Atomically takes the first pending run for ``worker`` (None if none is left).

        With ``stale_after`` (seconds), running runs whose heartbeat is older
        first count a failure and go back to pending (their worker is
        presumed dead), as :meth:`reset_stale` does. The run becomes
        ``running`` under ``worker``, its ``attempts`` grows by one.
        """
        _check_worker(worker)
        now = _now()
        with self._tx() as con:
            if stale_after is not None:
                self._reset_stale(con, stale_after, now)
            row = con.execute("SELECT run_id FROM runs WHERE status = 'pending' ORDER BY run_id LIMIT 1").fetchone()
            if row is None:
                return None
            con.execute(
                "UPDATE runs SET status = 'running', worker = ?, attempts = attempts + 1, started = ?, "
                "heartbeat = ?, finished = NULL WHERE run_id = ?",
                (worker, now, now, row[0]),
            )
            run_id, key, gi, seed, attempts = con.execute(
                "SELECT run_id, key, graph_index, seed, attempts FROM runs WHERE run_id = ?", (row[0],)
            ).fetchone()
        return Run(run_id, key, gi, dict(self._spec.graphs[gi]), seed, attempts, worker, self._config)

    def heartbeat(self, run_id: int, worker: str) -> None:
        """Marks ``run_id`` alive; raises :class:`LostClaimError` if ``worker`` no longer holds it."""
        _check_worker(worker)
        with self._tx() as con:
            self._owned(con, int(run_id), worker, _now())

    def record_epoch(self, run_id: int, worker: str, epoch: int, metrics: Mapping[str, Any]) -> None:
        """Stores (or replaces) the metrics of one epoch of a run ``worker`` holds.

        Keys of :data:`schema.EPOCH_METRICS` (train_loss, train_error,
        val_loss, val_error, lr, seconds) go to their columns, any other key
        to the ``extra`` JSON; an ``epoch`` key must equal ``epoch``. Also
        counts as a heartbeat.
        """
        _check_worker(worker)
        if not _is_int(epoch) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0, got {epoch!r}")
        if not isinstance(metrics, Mapping):
            raise TypeError(f"metrics must be a dict of epoch metrics, got {type(metrics).__name__}")
        metrics = dict(metrics)
        if "epoch" in metrics:
            if metrics.pop("epoch") != epoch:
                raise ValueError(f"metrics['epoch'] must equal epoch={epoch}")
        values = [_real_or_none(metrics.pop(m, None), f"metrics[{m!r}]") for m in schema.EPOCH_METRICS]
        extra = _json(metrics, "metrics") if metrics else None
        with self._tx() as con:
            self._owned(con, int(run_id), worker, _now())
            con.execute(
                f"INSERT OR REPLACE INTO epochs (run_id, epoch, {', '.join(schema.EPOCH_METRICS)}, extra) "
                f"VALUES (?, ?, {', '.join('?' * len(schema.EPOCH_METRICS))}, ?)",
                (int(run_id), int(epoch), *values, extra),
            )

    def finish(self, run_id: int, worker: str, result: Optional[Mapping[str, Any]] = None) -> None:
        """Marks a run ``worker`` holds as done, with the task's result dict.

        Keys epochs, flops, params, width (integers) and final_val_error,
        best_val_error, final_train_loss, wall_time (reals) fill their
        columns; the whole dict is kept as JSON in ``result``. Without
        ``wall_time``, the attempt's time since its claim is stored.
        """
        _check_worker(worker)
        result = {} if result is None else result
        if not isinstance(result, Mapping):
            raise TypeError(f"result must be a dict, got {type(result).__name__}")
        ints = [_int_or_none(result.get(k), f"result[{k!r}]") for k in schema.RESULT_INT]
        reals = [_real_or_none(result.get(k), f"result[{k!r}]") for k in schema.RESULT_REAL]
        text = _json(dict(result), "result")
        now = _now()
        sets = ", ".join(f"{k} = ?" for k in (*schema.RESULT_INT, *schema.RESULT_REAL[:-1]))
        with self._tx() as con:
            cur = con.execute(
                f"UPDATE runs SET status = 'done', finished = ?, heartbeat = ?, {sets}, "
                "wall_time = COALESCE(?, ? - started), result = ? "
                "WHERE run_id = ? AND worker = ? AND status = 'running'",
                (now, now, *ints, *reals[:-1], reals[-1], now, text, int(run_id), worker),
            )
            if cur.rowcount != 1:
                raise self._lost(con, int(run_id), worker)

    def fail(self, run_id: int, worker: str, message: str) -> str:
        """Records a failed attempt of a run ``worker`` holds; returns its new status.

        The run goes back to ``pending`` while its failures are below
        :attr:`max_attempts`, else stays ``failed``; ``message`` (e.g. the
        traceback) is kept in ``error``.
        """
        _check_worker(worker)
        message = str(message)[-_MAX_ERROR_CHARS:]
        with self._tx() as con:
            cur = con.execute(self._failure_update("run_id = ? AND worker = ? AND status = 'running'"),
                              (message, _now(), int(run_id), worker))
            if cur.rowcount != 1:
                raise self._lost(con, int(run_id), worker)
            return con.execute("SELECT status FROM runs WHERE run_id = ?", (int(run_id),)).fetchone()[0]

    # ------------------------------------------------------------ recovery
    def fail_worker(self, worker: str, message: str) -> list:
        """Records a failed attempt for every run ``worker`` holds (it died); returns their run ids."""
        _check_worker(worker)
        with self._tx() as con:
            ids = [r[0] for r in con.execute(
                "SELECT run_id FROM runs WHERE worker = ? AND status = 'running' ORDER BY run_id", (worker,))]
            con.execute(self._failure_update("worker = ? AND status = 'running'"),
                        (str(message)[-_MAX_ERROR_CHARS:], _now(), worker))
        return ids

    def _reset_stale(self, con: sqlite3.Connection, timeout: float, now: float) -> int:
        if not _is_real(timeout) or not float(timeout) >= 0:
            raise ValueError(f"stale timeout must be a number of seconds >= 0, got {timeout!r}")
        message = f"worker stopped sending heartbeats for more than {float(timeout):g} s (presumed dead)"
        return con.execute(self._failure_update("status = 'running' AND heartbeat < ?"),
                           (message, now, now - float(timeout))).rowcount

    def reset_stale(self, timeout: float) -> int:
        """Running runs with no heartbeat for ``timeout`` seconds count a failure and are requeued."""
        with self._tx() as con:
            return self._reset_stale(con, timeout, _now())

    def requeue_running(self, workers: Optional[Iterable[str]] = None) -> int:
        """Puts running runs (all, or those of ``workers``) back to pending, without counting a failure.

        For a sweep that was stopped (Ctrl-C, kill): call it only when those
        workers are known to be gone. Returns the number of runs requeued.
        """
        with self._tx() as con:
            if workers is None:
                return con.execute("UPDATE runs SET status = 'pending' WHERE status = 'running'").rowcount
            return sum(
                con.execute("UPDATE runs SET status = 'pending' WHERE status = 'running' AND worker = ?",
                            (_check_worker(w),)).rowcount
                for w in workers
            )

    def requeue_orphans(self) -> int:
        """Requeues the running runs whose worker process, on this host, no longer exists."""
        held = [r[0] for r in self._c.execute("SELECT DISTINCT worker FROM runs WHERE status = 'running'")]
        dead = [w for w in held if is_dead_local_worker(w)]
        return self.requeue_running(dead) if dead else 0

    def retry_failed(self) -> int:
        """Puts every failed run back to pending with its failure count reset; returns how many."""
        with self._tx() as con:
            return con.execute("UPDATE runs SET status = 'pending', failures = 0 WHERE status = 'failed'").rowcount

    # ------------------------------------------------------------ reading
    def progress(self) -> dict:
        """Run counts by status, plus ``total``: {'pending': .., 'running': .., 'done': .., 'failed': .., 'total': ..}."""
        counts = dict.fromkeys(schema.STATUSES, 0)
        counts.update(self._c.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
        counts["total"] = sum(counts[s] for s in schema.STATUSES)
        return counts

    def runs(self, status: Optional[str] = None) -> np.ndarray:
        """The ``runs`` table (optionally one status) as a structured array, by run_id."""
        where, args = "", ()
        if status is not None:
            if status not in schema.STATUSES:
                raise ValueError(f"status must be one of {schema.STATUSES} or None, got {status!r}")
            where, args = " WHERE status = ?", (status,)
        cols = ", ".join(c for c, _ in schema.RUN_COLUMNS)
        rows = self._c.execute(f"SELECT {cols} FROM runs{where} ORDER BY run_id", args).fetchall()
        return _to_array(rows, schema.RUN_COLUMNS)

    def epochs(self, run_id: Optional[int] = None) -> np.ndarray:
        """The ``epochs`` table (optionally one run) as a structured array, by (run_id, epoch)."""
        where, args = "", ()
        if run_id is not None:
            where, args = " WHERE run_id = ?", (int(run_id),)
        cols = ", ".join(c for c, _ in schema.EPOCH_COLUMNS)
        rows = self._c.execute(f"SELECT {cols} FROM epochs{where} ORDER BY run_id, epoch", args).fetchall()
        return _to_array(rows, schema.EPOCH_COLUMNS)

    def to_csv(self, path: Any, table: str = "runs") -> None:
        """Writes the ``runs`` or ``epochs`` table as CSV (full float precision; NULL as empty)."""
        if table not in ("runs", "epochs"):
            raise ValueError(f"table must be 'runs' or 'epochs', got {table!r}")
        columns = schema.RUN_COLUMNS if table == "runs" else schema.EPOCH_COLUMNS
        order = "run_id" if table == "runs" else "run_id, epoch"
        names = [c for c, _ in columns]
        cur = self._c.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}")
        with open(os.fspath(path), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(names)
            for row in cur:
                w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])

    def check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok" for a sound file)."""
        return "\n".join(r[0] for r in self._c.execute("PRAGMA integrity_check"))


def _to_array(rows: Sequence[tuple], columns: Sequence[tuple]) -> np.ndarray:
    cols = list(zip(*rows)) if rows else [()] * len(columns)
    dtype, data = [], []
    for (name, kind), values in zip(columns, cols):
        if kind == "i":
            dtype.append((name, np.int64))
            data.append([-1 if v is None else v for v in values])
        elif kind == "f":
            dtype.append((name, np.float64))
            data.append([math.nan if v is None else v for v in values])
        else:
            strings = ["" if v is None else str(v) for v in values]
            width = max([1, *map(len, strings)])
            dtype.append((name, object if kind == "O" else f"U{width}"))
            data.append(strings)
    out = np.empty(len(rows), dtype=dtype)
    for (name, _), values in zip(columns, data):
        out[name] = values
    return out


__all__ = ["ResultsStore", "ResultsStoreError", "LostClaimError", "Run", "DEFAULT_MAX_ATTEMPTS"]
