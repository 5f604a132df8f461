"""Under CI, a PostgreSQL test that cannot run is a failure, not a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_postgres_test(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update(GROUNDED_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:1/test", **env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "tests/db/test_types.py::test_json_settings_round_trip",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_a_server_postgres_tests_skip_locally_and_fail_under_ci() -> None:
    local = _run_postgres_test()
    assert local.returncode == 0, local.stdout[-2000:]
    assert "1 passed, 1 skipped" in local.stdout
    ci = _run_postgres_test(CI="true")
    assert ci.returncode != 0
    assert "PostgreSQL not reachable" in ci.stdout
