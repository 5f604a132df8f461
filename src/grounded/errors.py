"""Errors that carry meaning, not transport codes.

The CLI maps each class to one line and an exit code; the web layer will map them to
HTTP statuses in one place. Nothing below knows about either.

    GroundedError                 base; ``exit_code`` 1
    ├── NotFound                  a key, id or slug that does not exist        (3)
    ├── InvalidInput              a malformed value; ``field`` says which      (4)
    │   └── MalformedKey          a key or id of the wrong form                (4)
    ├── Conflict                  the change collides with what exists         (5)
    │   ├── InvalidTransition     a state machine refuses the move             (5)
    │   └── ImmutableRecord       an accepted decision or a plan is frozen     (5)
    ├── ImportRejected            a file that cannot be imported at all        (4)
    ├── NotAuthenticated          no valid credentials (sign-in, token)        (9)
    │   └── Throttled             too many failed sign-ins; wait and retry     (9)
    ├── Forbidden                 signed in, but the role does not allow it    (10)
    ├── NoWorkspace               no workspace selected or none exists         (6)
    ├── DatabaseNotReady          unreachable, missing or outdated database    (7)
    └── ModelUnavailable          an embedding model not installed or damaged  (8)
"""

from __future__ import annotations

from collections.abc import Iterable


class GroundedError(Exception):
    """Base class. ``str(error)`` is the one line a user sees."""

    exit_code = 1


class NotFound(GroundedError):
    exit_code = 3

    def __init__(self, what: str, ref: object) -> None:
        super().__init__(f"{what} {ref!s} not found")
        self.what = what
        self.ref = ref


class InvalidInput(GroundedError):
    exit_code = 4

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.detail = message


class MalformedKey(InvalidInput):
    """A key or id of the wrong form (``X-1`` where a problem key belongs); ``text`` is what
    was given, so that a caller can say where it came from (the web: ``path.key``)."""

    def __init__(self, message: str, *, text: str) -> None:
        super().__init__(message)
        self.text = text


class Conflict(GroundedError):
    exit_code = 5


class InvalidTransition(Conflict):
    def __init__(self, entity: str, current: str, target: str, allowed: Iterable[str]) -> None:
        options = sorted(allowed)
        allowed_text = ", ".join(options) if options else "none (it is final)"
        super().__init__(
            f"{entity} cannot move from '{current}' to '{target}'; from '{current}' it can move to: {allowed_text}"
        )
        self.current = current
        self.target = target
        self.allowed = options


class ImmutableRecord(Conflict):
    pass


class ImportRejected(GroundedError):
    exit_code = 4


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a command that keeps what it finished (an import's whole batches): the
    message says what was kept and how to go on."""


class NotAuthenticated(GroundedError):
    """Missing, wrong, expired or revoked credentials. The message never says which part
    of a sign-in was wrong (that would tell an attacker which e-mail addresses exist)."""

    exit_code = 9


class Throttled(NotAuthenticated):
    """Too many failed sign-ins for one e-mail address or client; ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(GroundedError):
    """The caller is known but their role in the workspace does not allow the action."""

    exit_code = 10


class NoWorkspace(GroundedError):
    exit_code = 6


class DatabaseNotReady(GroundedError):
    exit_code = 7


class ModelUnavailable(GroundedError):
    """An embedding model that is not installed, or whose files are damaged; the message
    says how to install or repair it."""

    exit_code = 8
