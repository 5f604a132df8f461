"""Metric specs on disk: one YAML file, or a folder of them (``metrics/``), each holding one
spec or a list under ``metrics:``; every spec with where it came from (``file:line``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grounded.errors import InvalidInput
from grounded.ingest import yamlfile
from grounded.metrics.spec import Spec, parse


def load(path: Path) -> list[tuple[Spec, str]]:
    """Every spec in a YAML file, or in the ``*.yaml``/``*.yml`` files of a folder, with
    where it came from (``file:line``)."""
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise InvalidInput(f"{path}: the folder holds no .yaml or .yml files")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInput(f"{path}: no such file or folder")
    specs = [item for file in files for item in _read(file)]
    seen: dict[str, str] = {}
    for spec, where in specs:
        if spec.key in seen:
            raise InvalidInput(f"{where}: metric '{spec.key}' is also defined at {seen[spec.key]}")
        seen[spec.key] = where
    return specs


def _read(file: Path) -> list[tuple[Spec, str]]:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{file}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    data, lines = yamlfile.load(text, name=str(file))
    if data is None:
        raise InvalidInput(f"{file}: the file is empty; write a metric spec (see docs/metrics.md)")
    if isinstance(data, dict) and set(data) == {"metrics"}:
        if not isinstance(data["metrics"], list) or not data["metrics"]:
            raise InvalidInput(f"{file} line {lines.get(('metrics',), 1)}: 'metrics' must be a list of specs")
        items: list[tuple[Any, tuple[str, ...]]] = [
            (item, ("metrics", str(i))) for i, item in enumerate(data["metrics"])
        ]
    else:
        items = [(data, ())]
    return [(parse(item, name=str(file), lines=lines, at=at), f"{file}:{lines.get(at, 1)}") for item, at in items]
