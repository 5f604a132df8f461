"""How a grounded process starts: the command's modules are loaded with the cyclic garbage
collector paused, and what they made is then moved out of its sight.

A command imports some 2,000 modules (SQLAlchemy, Typer, Ibis, DuckDB, Arrow) before it does
any work. Those objects live until the process ends, but CPython's collector walks all of
them at every full collection, and the imports themselves trigger several: about 0.27 s of a
3 s ``grounded metric compute`` went to it, 75 ms of which in the middle of the computation
(docs/performance.md, issue 5). Loading with the collector paused and then freezing the
result (``gc.freeze``: the permanent generation, as CPython's documentation suggests for
long-lived start-up state) leaves collections to what the command itself makes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def started(load: Callable[[], T]) -> T:
    """What ``load`` returns, with the objects it made frozen. ``load`` is a process's
    start-up (its imports, its set-up); call this once per process, before the work."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return load()
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _application() -> Callable[[], None]:
    from grounded.cli.main import main as run

    return run


def main() -> None:
    """The ``grounded`` command."""
    started(_application)()
