"""Theme discovery at scale: N synthetic but varied support texts embedded and clustered in one
process, with the time of each stage and the peak memory.

    .venv/bin/python bench/themes_scale.py [--items 100000] [--model minilm-int8|minilm|wordllama]
                                           [--seed 0] [--no-sub-themes]

The texts are made deterministically from the seed: half are the demo's support tickets
(16 topics, each said many ways, in four tones, with typos), half are asks about one of 40
product areas with one of 16 kinds of problem, each kind said several ways (640 latent
themes), filled from the demo's vocabulary and roughened the same way. Clustering is what
``grounded themes build`` runs on the matrix (``clustering.discover``, then the sub-theme
split of each theme of 24 items or more), with no database. The texts are made and embedded
10,000 at a time (as grounded embeds evidence a chunk at a time), into one float32 matrix.
Peak RSS is the process's high-water mark (``ru_maxrss``): embedding and clustering.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from grounded.demo import tickets
from grounded.demo.noise import roughen
from grounded.demo.vocab import COLLEAGUES, FIRST_NAMES, LAST_NAMES, slot_values
from grounded.synthesis import build, clustering
from grounded.synthesis.embeddings import DEFAULT, MODELS, embedder
from grounded.synthesis.vectors import text_of
from machine import describe

AREAS = (
    "the {report}",
    "the {dashboard} dashboard",
    "scheduled email reports",
    "the CSV export",
    "the Excel export",
    "the PDF export",
    "the {connector} connector",
    "SSO with {idp}",
    "the mobile app",
    "the public API",
    "webhooks",
    "usage alerts",
    "the billing page",
    "our invoices",
    "user permissions",
    "shared report links",
    "the chart builder",
    "pivot tables",
    "saved filters",
    "the search bar",
    "custom fields",
    "the data dictionary",
    "calculated metrics",
    "the audit log",
    "team workspaces",
    "the onboarding checklist",
    "the {browser} extension",
    "embedded dashboards",
    "the Slack integration",
    "two-factor login",
    "data retention settings",
    "the forecasting module",
    "goal tracking",
    "chart annotations",
    "the comments panel",
    "dark mode",
    "the SQL editor",
    "row-level security",
    "the sandbox workspace",
    "currency conversion",
)
PROBLEMS = (
    (
        "{area} takes {seconds} seconds to load.",
        "{area} has been painfully slow since the last release.",
        "Opening {area} times out for our bigger accounts.",
        "Why is {area} so slow today? It spins for ages.",
    ),
    (
        "{area} shows an error saying something went wrong.",
        "I get a 500 error whenever I open {area}.",
        "{area} crashes with an error code every time I try it.",
        "Getting an unexpected error from {area}, screenshot attached.",
    ),
    (
        "The numbers in {area} don't match what we see in {tool}.",
        "{area} shows different totals than last week for the same period.",
        "Totals in {area} are off by a few percent, finance noticed.",
        "I think {area} double counts some rows, the sums are too high.",
    ),
    (
        "Is there a way to schedule {area} so it runs on its own?",
        "Could {area} run automatically every {day} morning?",
        "We'd love to automate {area} instead of doing it by hand.",
    ),
    (
        "I can't find where to change the settings for {area}.",
        "The settings page for {area} is really confusing.",
        "Where do I configure {area}? The docs don't say.",
        "How do I set up {area}? I looked everywhere in the menus.",
    ),
    (
        "{colleague} can't open {area} even though they're an admin.",
        "Viewers get access denied on {area}.",
        "Who is allowed to see {area}? Permissions seem wrong.",
        "New team members don't get access to {area}.",
    ),
    (
        "Since the update {area} stopped working completely.",
        "{area} broke after yesterday's release.",
        "After the latest update {area} doesn't work any more.",
    ),
    (
        "{area} shows dates in US format but we're in Europe.",
        "Decimal commas are wrong in {area}.",
        "The time zone in {area} is wrong, everything is shifted by hours.",
    ),
    (
        "{area} shows every row twice.",
        "We see duplicate entries in {area}.",
        "Some items appear two or three times in {area}.",
    ),
    (
        "I accidentally deleted {area}, can you restore it?",
        "Can you recover {area}? Someone removed it by mistake.",
        "Is there an undo for {area}? We lost it this morning.",
    ),
    (
        "Do you have a tutorial or video for {area}?",
        "Is there training material on {area} for new hires?",
        "Can someone walk our team through {area} on a call?",
    ),
    (
        "Why does {area} cost extra on our plan?",
        "Is {area} included in the Growth plan or do we need to upgrade?",
        "What would it cost to add {area} for {n} more users?",
    ),
    (
        "{area} doesn't render properly on my phone.",
        "On the tablet {area} is cut off and I can't scroll.",
        "{area} is unusable on a small screen.",
    ),
    (
        "We get far too many emails from {area}.",
        "Can I turn off the notifications from {area}?",
        "{area} sends a notification for every little change, it's noise.",
    ),
    (
        "Please let us customise {area}, the defaults don't fit us.",
        "Could {area} support our own colours and labels?",
        "We need more options in {area}, it's too rigid for our setup.",
    ),
    (
        "Love {area}, it saves us {duration} every week.",
        "Just wanted to say {area} works great for our team.",
        "{area} is the reason we renewed, thank you.",
    ),
)
DETAILS = (
    "This affects {n} people on our side.",
    "It worked fine last month.",
    "We're on {browser}.",
    "{colleague} asked me to raise it.",
    "Not urgent but it comes up every {day}.",
    "It's blocking our month-end close.",
    "Happy to jump on a call.",
    "We have about {n}0 accounts in there.",
)
#: Texts made and embedded at a time.
CHUNK = 10_000
GREETINGS = ("", "", "Hi,", "Hello team,", "Hey,", "Good morning,")
CLOSINGS = ("", "", "Thanks.", "Thanks in advance!", "Cheers,", "Regards,")


def items(n: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """``n`` (topic, text) pairs, the text as grounded embeds it: half demo tickets (their
    topic), half area-and-problem asks (topic "area/problem")."""
    rng = random.Random(seed)
    names = [[f"{area}/{problem}" for problem in range(len(PROBLEMS))] for area in range(len(AREAS))]
    slots = slot_values()
    signers = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    for _ in range(n):
        signer = rng.choice(signers)
        if rng.random() < 0.5:
            ticket = (
                tickets.off_topic(rng, signer)
                if rng.random() < tickets.OFF_TOPIC_SHARE
                else tickets.compose(rng, rng.choice(tickets.TOPICS), signer)
            )
            yield ticket.topic, text_of(ticket.subject, ticket.body)
            continue
        values = {name: rng.choice(options) for name, options in slots.items()}
        values["colleague"] = rng.choice(COLLEAGUES)
        area, problem = rng.randrange(len(AREAS)), rng.randrange(len(PROBLEMS))
        values["area"] = AREAS[area].format_map(values)
        sentences = [rng.choice(PROBLEMS[problem])]
        sentences += rng.sample(DETAILS, k=rng.choice((0, 1, 1, 2)))
        body = " ".join(sentence.format_map(values) for sentence in sentences)
        body = body[:1].upper() + body[1:]
        parts = [rng.choice(GREETINGS), body, rng.choice(CLOSINGS)]
        if rng.random() < 0.4:
            parts.append(signer)
        yield names[area][problem], roughen(rng, "\n".join(part for part in parts if part))


def peak_rss_mb() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def sub_themes(matrix: np.ndarray, labels: np.ndarray, seed: int) -> int:
    """The sub-theme splits ``themes build`` makes: how many sub-themes they give."""
    found = 0
    for value in range(int(labels.max()) + 1 if len(labels) else 0):
        rows = np.flatnonzero(labels == value)
        if len(rows) < build.SPLIT_FROM:
            continue
        sub = clustering.discover(matrix[rows], seed=seed, nested=True)
        smallest = max(clustering.MIN_SIZE, build.SUB_SHARE * len(rows))
        sizes = np.bincount(sub.labels[sub.labels >= 0]) if (sub.labels >= 0).any() else np.zeros(0, dtype=np.int64)
        kept = int((sizes >= smallest).sum())
        found += kept if kept > 1 else 0
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000, help="texts to make, embed and cluster")
    parser.add_argument("--model", default=DEFAULT, choices=list(MODELS), help="embedding model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the texts and of Leiden")
    parser.add_argument("--no-sub-themes", action="store_true", help="skip the sub-theme splits")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as models:
        model = embedder(args.model, Path(models))
        print(f"model: {args.model} ({model.version})")
        started = time.perf_counter()
        model.embed(["warm up", "load (and build, for MiniLM) outside the timing"])
        loaded = time.perf_counter() - started
        # Made and embedded a chunk at a time, as grounded embeds evidence: the texts are not
        # all held at once (their memory is not the clustering's).
        matrix = np.empty((args.items, model.dimension), dtype=np.float32)
        topics: list[str] = []
        distinct: set[int] = set()
        characters = 0
        made = embed_seconds = 0.0
        source = items(args.items, args.seed)
        for start in range(0, args.items, CHUNK):
            started = time.perf_counter()
            chunk = [next(source) for _ in range(min(CHUNK, args.items - start))]
            made += time.perf_counter() - started
            texts = [text for _, text in chunk]
            topics += [topic for topic, _ in chunk]
            distinct.update(hash(text) for text in texts)
            characters += sum(map(len, texts))
            started = time.perf_counter()
            matrix[start : start + len(texts)] = model.embed(texts)
            embed_seconds += time.perf_counter() - started
    print(
        f"items: {args.items:,} texts ({len(distinct):,} distinct, {characters / max(args.items, 1):.0f} "
        f"characters on average), made in {made:.1f} s"
    )
    print(
        f"embed: {embed_seconds:.1f} s, {args.items / embed_seconds:,.0f} texts/s "
        f"(loading the model before: {loaded:.1f} s; {model.truncated:,} texts cut)"
    )
    print(f"peak RSS after embedding: {peak_rss_mb():,.0f} MB")
    del distinct
    started = time.perf_counter()
    found = clustering.discover(matrix, seed=args.seed)
    cluster_seconds = time.perf_counter() - started
    unclustered = int((found.labels < 0).sum())
    print(
        f"cluster: {cluster_seconds:.1f} s, {found.count:,} themes, {unclustered:,} unclustered "
        f"({100 * unclustered / max(len(matrix), 1):.1f}%), method {found.method}"
    )
    truth = np.unique(topics, return_inverse=True)[1]
    print(
        f"against the generator's {truth.max() + 1 if len(truth) else 0:,} topics: "
        f"NMI {100 * normalized_mutual_info_score(truth, found.labels):.1f} (unclustered as one more group)"
    )
    total = embed_seconds + cluster_seconds
    if not args.no_sub_themes:
        started = time.perf_counter()
        count = sub_themes(matrix, found.labels, args.seed)
        sub_seconds = time.perf_counter() - started
        total += sub_seconds
        print(f"sub-themes: {sub_seconds:.1f} s, {count:,} sub-themes")
    print(f"total: {total:.1f} s embedding and clustering ({total / 60:.1f} min)")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
