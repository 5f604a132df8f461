"""Where the file is read: a thread for small files, a process of its own for big ones.

Reading, identifying and converting rows is Python work; writing them is mostly the
database's. In one process the two contend for the interpreter lock and take turns, so a
big file is read by a separate process, which also looks rows up and converts them, and
sends sorted batches through a pipe. The pipe's buffer is the back-pressure: the reader is
at most one batch ahead of the writer.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.errors import GroundedError, ImportRejected
from grounded.ingest.protocols import Batch, Context, Converter, Index, pack, unpack
from grounded.ingest.readers import Reader
from grounded.ingest.sorting import Identified, classify, identified

#: Files at least this big are read by a separate process (it takes ~0.5 s to start).
SEPARATE_FROM_BYTES = 24 * 1024 * 1024

#: glibc's malloc serves a block it has once freed from its heap from then on, however
#: big (its mmap threshold follows the largest freed block): the reading process
#: allocates and frees a few megabytes a piece (pyarrow's parse, numpy's checks), and its
#: heap grew by 50 MB of holes. A fixed threshold maps bigger blocks and gives them back.
#: At 256 KB every 2 MB piece of a CSV file (its bytes, their copies, pyarrow's columns)
#: is mapped afresh, page by page: 2.7 s of system time in reading a million rows, a fifth
#: of a re-import's wall time. At 4 MB the pieces come from the heap again and the process
#: peaks about 60 MB higher. So a re-import (the reading process is the one working: the
#: writer looks a batch up and skips it) takes 4 MB, and a first import, where the writer
#: is the one working and the two processes' memory adds up, keeps 256 KB
#: (docs/performance.md, issue 3, fourth run).
READER_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": str(256 * 1024)}
REIMPORT_READER_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": str(4 * 1024 * 1024)}

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
        options = self.context.options
        read = identified(
            self.reader, self.converter, checkpoint=self.context.checkpoint, batch_rows=options.batch_rows
        )
        for item in read_ahead(read, self.stop):
            yield self._unit(item)
        self._stats = self.converter.stats()

    def _unit(self, item: Identified) -> Unit:
        return lambda connection: classify(item, self.converter, self.index, connection)

    def stats(self) -> dict[str, Any]:
        return self._stats

    def close(self) -> None:
        self.stop.set()


class ProcessFeed:
    """Reads, identifies, looks up and converts in a separate process.

    The process is ``python -m grounded.ingest.worker``, not a multiprocessing child: that
    would re-run the importing program's main module (any script calling ``run`` without a
    ``__main__`` guard would import twice). It reads its orders (pickled) from stdin and
    writes framed messages to stdout; the pipe's buffer is the back-pressure."""

    def __init__(self, context: Context, database_url: str, *, reimport: bool = False) -> None:
        from grounded.ingest.targets import kind

        self.context, self.database_url = context, database_url
        #: Whether the channel holds rows already (the reading process's malloc setting).
        self.environment = REIMPORT_READER_ENVIRONMENT if reimport else READER_ENVIRONMENT
        self.row_type = kind(context.mapping.target).row
        self._stats: dict[str, Any] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self._errors: Any = None

    def start(self) -> None:
        """Start the process now; it loads its modules (most of its ~0.7 s start) while this
        one prepares the run, and waits for its orders. ``__iter__`` starts it if need be."""
        if self.process is None:
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed in close())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grounded.ingest.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                env={**os.environ, **self.environment},
            )

    def __iter__(self) -> Iterator[Unit]:
        self.start()
        assert self.process is not None
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        try:
            self.process.stdin.write(pickle.dumps((self.context, self.database_url)))
            self.process.stdin.close()
            while True:
                kind, payload = _receive(self.process.stdout)
                if kind == b"b":
                    yield _ready(unpack(payload, self.row_type))
                elif kind == b"d":
                    self._stats = pickle.loads(payload)  # noqa: S301  (our own process's bytes)
                    return
                elif kind == b"e":
                    raise pickle.loads(payload)  # noqa: S301
                else:
                    raise ImportRejected(self._died())
        except BrokenPipeError:
            raise ImportRejected(self._died()) from None
        finally:
            self.close()

    def _died(self) -> str:
        assert self.process is not None
        code = self.process.wait(10)
        said = ""
        if self._errors is not None:
            self._errors.seek(0)
            lines = self._errors.read().decode(errors="replace").strip().splitlines()
            said = f": {lines[-1]}" if lines else ""
        return (
            f"the process reading {self.context.path.name} stopped unexpectedly (exit code {code}){said}; "
            "nothing after the last batch was written"
        )

    def stats(self) -> dict[str, Any]:
        return self._stats

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(10)
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    with contextlib.suppress(BrokenPipeError):  # orders never read: it is gone anyway
                        stream.close()
            self.process = None
        if self._errors is not None:
            self._errors.close()
            self._errors = None


_FRAME = struct.Struct(">cQ")


def _send(stream: IO[bytes], kind: bytes, payload: bytes) -> None:
    stream.write(_FRAME.pack(kind, len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> tuple[bytes, bytes]:
    """One frame; (b"", b"") when the stream ends before one is whole."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return b"", b""
    kind, size = _FRAME.unpack(head)
    payload = stream.read(size)
    return (kind, payload) if len(payload) == size else (b"", b"")


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


T = TypeVar("T")


def read_ahead(items: Iterator[T], stop: threading.Event | None = None, depth: int = 1) -> Iterator[T]:
    """``items``, produced by a thread of their own up to ``depth`` ahead of the consumer.
    The producer's failure is raised here; leaving early (or ``stop``) ends the producer."""
    stop = stop or threading.Event()
    queue_: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue_.put((True, item))
            queue_.put((False, None))
        except BaseException as failure:  # handed to the consumer, which raises it
            queue_.put((False, failure))

    thread = threading.Thread(target=produce, name="grounded-import-reader", daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue_.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue_.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _ready(batch: Batch) -> Unit:
    return lambda _connection: batch


def main() -> None:
    """The reading process: orders from stdin, frames to stdout (batches, then done or error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    out = sys.stdout.buffer
    engine: Engine | None = None
    try:
        context, database_url = pickle.loads(sys.stdin.buffer.read())  # noqa: S301  (from our parent)
        from grounded.db.engine import make_engine
        from grounded.ingest.targets import open_side

        reader, converter, index = open_side(context)
        engine = _lookup_engine(make_engine(database_url, pool_size=1))
        read = identified(reader, converter, checkpoint=context.checkpoint, batch_rows=context.options.batch_rows)
        with quiet_collector():
            # The next batch is read and identified while this one is looked up (SQLite and
            # PostgreSQL let go of the interpreter lock as they search) and sent.
            for item in read_ahead(read):
                with engine.connect() as connection:  # a short read per batch: sees every commit so far
                    batch = classify(item, converter, index, connection)
                _send(out, b"b", pack(batch))
        _send(out, b"d", pickle.dumps(converter.stats()))
    except BrokenPipeError:  # noqa: S110
        pass  # the writer has gone (it stopped on an error or Ctrl-C): nothing to say
    except BaseException as failure:
        _send(out, b"e", pickle.dumps(_portable(failure)))
    finally:
        if engine is not None:
            engine.dispose()


def _lookup_engine(engine: Engine) -> Engine:
    """This process only reads, a batch of ids at a time: a small page cache will do (the
    memory is the writer's to use)."""
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _small_cache(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA cache_size=-16384")

    return engine


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


if __name__ == "__main__":
    main()
