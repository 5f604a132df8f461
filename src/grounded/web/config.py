"""How the web app runs: where it listens, who may use it, what it accepts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from grounded.errors import InvalidInput

#: Uploads larger than this are refused before they are read whole.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: Request bodies other than uploads (forms, JSON) are small.
MAX_BODY_BYTES = 2 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebConfig:
    """``local_user`` set means single-user local mode: every request acts as that user, as
    an admin, without signing in. It is refused unless the server listens on loopback."""

    host: str = "127.0.0.1"
    port: int = 8000
    local_user: str | None = None
    secure_cookies: bool = False
    max_upload_bytes: int = MAX_UPLOAD_BYTES

    def __post_init__(self) -> None:
        if self.local_user is not None and not is_loopback(self.host):
            raise InvalidInput(
                f"single-user local mode only listens on loopback (127.0.0.1, ::1, localhost), not {self.host}; "
                "create accounts with `grounded user create EMAIL NAME --role admin` and serve with --accounts",
                field="host",
            )
        if not 0 < self.port < 65536:
            raise InvalidInput(f"must be between 1 and 65535, got {self.port}", field="port")

    @property
    def local(self) -> bool:
        return self.local_user is not None

    @property
    def trusted_hosts(self) -> list[str]:
        """Host headers accepted. In local mode only loopback names: a page elsewhere cannot
        reach the app through a DNS name that resolves to 127.0.0.1 (DNS rebinding)."""
        if self.local:
            return ["127.0.0.1", "localhost", "[::1]"]
        return ["*"]
