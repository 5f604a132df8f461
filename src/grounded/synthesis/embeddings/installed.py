"""Model files that come inside an installed registry package: where the package is, which
version it is, and whether the files a model needs are all there."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Iterable
from pathlib import Path

from grounded.errors import ModelUnavailable


def package(name: str, distribution: str, *, not_installed: str) -> tuple[Path, str]:
    """The folder of the installed package ``name`` and the version of its distribution
    ("unknown" when the metadata is missing), or ModelUnavailable(``not_installed``)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModelUnavailable(not_installed)
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Path(spec.origin).parent, version


def require(files: Iterable[Path], *, where: str, repair: str) -> None:
    """ModelUnavailable naming the missing files and the command that restores them."""
    missing = [path.name for path in files if not path.is_file()]
    if missing:
        raise ModelUnavailable(f"{where} is incomplete (missing {', '.join(missing)}); repair it with: {repair}")
