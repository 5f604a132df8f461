"""What a password sign-in costs (workspace/passwords.py), and whether an unknown e-mail
address takes as long as a wrong password for a known one.

    .venv/bin/python bench/sign_in.py [--rounds 30]

Times argon2id hashing and verifying with grounded's parameters against the peer most
password stores use, PBKDF2-HMAC-SHA256 at OWASP's 600,000 iterations (hashlib), then full
``authenticate`` calls on a migrated SQLite file: a right password, a wrong one, and an
unknown address. Each figure is the median of ``--rounds``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from grounded.db import migrate
from grounded.db.engine import make_engine, session_scope
from grounded.errors import NotAuthenticated
from grounded.workspace import passwords, users
from machine import describe

PASSWORD = "correct horse battery"
PBKDF2_ITERATIONS = 600_000


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pbkdf2() -> bytes:
    return hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), os.urandom(16), PBKDF2_ITERATIONS)


def sign_in_times(directory: Path, rounds: int) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{directory / 'grounded.db'}")
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        sam = users.ensure(session, "sam@example.com")
        passwords.set_password(session, sam, PASSWORD, actor=users.actor_for(sam))

    def attempt(email: str, password: str, client: str) -> None:
        with session_scope(engine) as session, contextlib.suppress(NotAuthenticated):
            # caught inside the unit of work, so the failed attempt is committed (and counted)
            passwords.authenticate(session, email=email, password=password, client=client)

    counter = iter(range(10**9))  # a client each, so throttling never stops the run
    cases: dict[str, Callable[[], object]] = {
        "right password": lambda: attempt("sam@example.com", PASSWORD, f"c{next(counter)}"),
        "wrong password": lambda: attempt("sam@example.com", "wrong password!", "w"),
        "unknown address": lambda: attempt(f"nobody{next(counter)}@example.com", PASSWORD, f"u{next(counter)}"),
    }
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(rounds):  # interleaved, so a busy moment weighs on every case alike
        for label, action in cases.items():
            times[label].append(median_ms(action, 1))
        attempt("sam@example.com", PASSWORD, "w")  # a success clears the wrong passwords' count
    figures = {label: statistics.median(values) for label, values in times.items()}
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30, help="Timings per figure (the median is shown).")
    args = parser.parse_args()
    print(describe())
    stored = passwords.hash_password(PASSWORD)
    argon_hash = median_ms(lambda: passwords.hash_password(PASSWORD), args.rounds)
    argon_verify = median_ms(lambda: passwords.verify_password(stored, PASSWORD), args.rounds)
    peer = median_ms(pbkdf2, args.rounds)
    print(f"argon2id hash ({stored.split('$')[3]}): {argon_hash:.1f} ms")
    print(f"argon2id verify: {argon_verify:.1f} ms")
    print(f"peer: PBKDF2-HMAC-SHA256 x {PBKDF2_ITERATIONS:,}: {peer:.1f} ms")
    print(f"argon2id verify / peer: {argon_verify / peer:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        figures = sign_in_times(Path(scratch), args.rounds)
    for label, ms in figures.items():
        print(f"authenticate, {label}: {ms:.1f} ms")
    ratio = figures["unknown address"] / figures["wrong password"]
    print(f"unknown address / wrong password for a known one: {ratio:.2f}")


if __name__ == "__main__":
    main()
