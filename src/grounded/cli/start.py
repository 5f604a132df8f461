"""How a grounded process starts: the modules a command needs are loaded with the cyclic
garbage collector paused, and what they made is then moved out of its sight.

A command imports a thousand modules and more (SQLAlchemy, Typer, Ibis, DuckDB, Arrow)
before it does any work. Those objects live until the process ends, but CPython's collector
walks all of them at every full collection, and the imports themselves trigger several:
about 0.27 s of a 3 s ``grounded metric compute`` went to it, 75 ms of which in the middle
of the computation (docs/performance.md, issue 5, run 11). The ``grounded`` command pauses
the collector as it starts (``pause``); once the command's own module is loaded, as the
command is set up (``cli.context.configure``), ``settle`` freezes what was made
(``gc.freeze``: the permanent generation, as CPython's documentation suggests for long-lived
start-up state) and lets the collector run again, for what the command itself makes.

In a process that did not start through ``main`` (the tests, an application embedding the
CLI) both do nothing: freezing at every command would keep each one's garbage forever.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Pause the collector for the process's start-up (once, at the start of ``main``)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def settle() -> None:
    """Start-up is over: freeze what it made and let the collector run again. Only after
    ``pause``, and only once."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False


def main() -> None:
    """The ``grounded`` command."""
    pause()  # a command that never sets itself up (--help, a usage error) ends paused: it is short
    from grounded.cli.main import main as run

    run()
