"""Why well-formed JSON could not be read: the words every reader of JSON files uses."""

from __future__ import annotations


def unreadable(error: BaseException) -> str:
    """For a RecursionError or ValueError from ``json``: what is wrong, to follow a name."""
    if isinstance(error, RecursionError):
        return "is nested too deeply to read (arrays or objects inside each other, hundreds of levels down)"
    if "digits" in str(error):
        return f"holds a number too long to read ({error})"
    return f"could not be read ({error})"
