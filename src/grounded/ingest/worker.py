"""Where the file is read: a thread for small files, a process of its own for big ones.

Reading, identifying and converting rows is Python work; writing them is mostly the
database's. In one process the two contend for the interpreter lock and take turns, so a
big file is read by a separate process (spawned, so it starts clean on every platform),
which also looks rows up and converts them, and sends sorted batches through a pipe. The
pipe's buffer is the back-pressure: the reader is at most one batch ahead of the writer.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.errors import GroundedError, ImportRejected
from grounded.ingest.protocols import Batch, Context, Converter, Index, pack, unpack
from grounded.ingest.readers import Reader
from grounded.ingest.sorting import Identified, classify, identified

#: Files at least this big are read by a separate process (it takes ~0.5 s to start).
SEPARATE_FROM_BYTES = 24 * 1024 * 1024

#: What the writer gets: a function of its connection that returns the sorted batch.
Unit = Callable[[sa.Connection | None], Batch]


class ThreadFeed:
    """Reads and identifies in a thread; lookups and conversion run in the writer's
    transaction (no other process, no other connection: simple and exact)."""

    def __init__(self, context: Context, reader: Reader, converter: Converter, index: Index) -> None:
        self.context, self.reader, self.converter, self.index = context, reader, converter, index
        self.stop = threading.Event()
        self._stats: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Unit]:
        batches: queue.Queue[Identified | BaseException | None] = queue.Queue(maxsize=2)
        thread = threading.Thread(target=self._produce, args=(batches,), name="grounded-import-reader", daemon=True)
        thread.start()
        try:
            while (item := batches.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield self._unit(item)
        finally:
            self.stop.set()
            while thread.is_alive():  # unblock a reader waiting on a full queue
                try:
                    batches.get_nowait()
                except queue.Empty:
                    thread.join(0.05)
        self._stats = self.converter.stats()

    def _unit(self, item: Identified) -> Unit:
        return lambda connection: classify(item, self.converter, self.index, connection)

    def _produce(self, batches: queue.Queue[Identified | BaseException | None]) -> None:
        try:
            options = self.context.options
            for batch in identified(
                self.reader, self.converter, checkpoint=self.context.checkpoint, batch_rows=options.batch_rows
            ):
                if self.stop.is_set():
                    return
                batches.put(batch)
            batches.put(None)
        except BaseException as failure:  # handed to the writing thread, which reports it
            batches.put(failure)

    def stats(self) -> dict[str, Any]:
        return self._stats

    def close(self) -> None:
        self.stop.set()


class ProcessFeed:
    """Reads, identifies, looks up and converts in a separate process."""

    def __init__(self, context: Context, database_url: str) -> None:
        from grounded.ingest.targets import kind

        self.context, self.database_url = context, database_url
        self.row_type = kind(context.mapping.target).row
        self._stats: dict[str, Any] = {}
        self.process: Any = None

    def __iter__(self) -> Iterator[Unit]:
        spawn = multiprocessing.get_context("spawn")
        receive, send = spawn.Pipe(duplex=False)
        self.process = spawn.Process(
            target=_work, args=(self.context, self.database_url, send), name="grounded-import-reader", daemon=True
        )
        self.process.start()
        send.close()
        try:
            while True:
                try:
                    kind, payload = receive.recv()
                except EOFError:
                    raise ImportRejected(
                        f"the process reading {self.context.path.name} stopped unexpectedly "
                        f"(exit code {self.process.exitcode}); nothing after the last batch was written"
                    ) from None
                if kind == "batch":
                    yield _ready(unpack(payload, self.row_type))
                elif kind == "done":
                    self._stats = payload
                    return
                else:
                    raise payload
        finally:
            receive.close()
            self.close()

    def stats(self) -> dict[str, Any]:
        return self._stats

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(5)
            self.process = None


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Fewer, cheaper garbage collections for a bulk run: what is loaded so far (modules,
    the mapping) is set aside, and young objects are collected less often. Rows hold no
    reference cycles: the collections would only scan them, over and over."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _ready(batch: Batch) -> Unit:
    return lambda _connection: batch


def _work(context: Context, database_url: str, pipe: Connection) -> None:
    """The reading process: batches down the pipe, then ("done", stats) or ("error", …)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    engine: Engine | None = None
    try:
        from sqlalchemy.pool import NullPool

        from grounded.db.engine import make_engine
        from grounded.ingest.targets import open_side

        reader, converter, index = open_side(context)
        engine = make_engine(database_url, poolclass=NullPool)
        with quiet_collector():
            for item in identified(
                reader, converter, checkpoint=context.checkpoint, batch_rows=context.options.batch_rows
            ):
                with engine.connect() as connection:  # a short read per batch: sees every commit so far
                    batch = classify(item, converter, index, connection)
                pipe.send(("batch", pack(batch)))
        pipe.send(("done", converter.stats()))
    except BaseException as failure:
        pipe.send(("error", _portable(failure)))
    finally:
        if engine is not None:
            engine.dispose()
        pipe.close()


def _portable(failure: BaseException) -> BaseException:
    """The failure itself if it survives pickling, else one that says what it was."""
    if isinstance(failure, GroundedError):
        try:
            pickle.loads(pickle.dumps(failure))  # noqa: S301  (our own bytes, just made)
        except Exception:  # noqa: S110
            pass
        else:
            return failure
    detail = "".join(traceback.format_exception_only(type(failure), failure)).strip()
    return ImportRejected(f"reading the file failed: {detail}")
