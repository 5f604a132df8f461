"""Fernhill's customers: accounts with segments, plans and ARR, and the people in them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from grounded.demo import vocab

SEATS = {"SMB": (3, 12), "Mid-Market": (10, 45), "Enterprise": (35, 140)}
ARR_MEDIAN = {"SMB": 6_000, "Mid-Market": 38_000, "Enterprise": 170_000}
#: Share of accounts whose analysts rebuild their reports by hand every week.
REBUILDER_SHARE = {"SMB": 0.08, "Mid-Market": 0.42, "Enterprise": 0.5}


@dataclass(frozen=True)
class DemoAccount:
    external_id: str
    name: str
    segment: str
    plan: str | None
    arr: int
    region: str
    domain: str
    seats: int
    rebuilder: bool
    prospect: bool = False


@dataclass(frozen=True)
class DemoPerson:
    external_id: str
    account: int
    name: str
    email: str
    title: str


def accounts(rng: random.Random, count: int) -> list[DemoAccount]:
    """``count`` customers plus the prospects the sales asks are about."""
    names = _company_names(rng, count)
    result = []
    for number, name in enumerate(names, start=1):
        segment = _pick(rng, vocab.SEGMENTS)
        arr = int(round(ARR_MEDIAN[segment] * rng.lognormvariate(0, 0.45), -2))
        result.append(
            DemoAccount(
                external_id=f"ACC-{number:04d}",
                name=name,
                segment=segment,
                plan=rng.choice(vocab.PLANS[segment]),
                arr=arr,
                region=_pick(rng, vocab.REGIONS),
                domain=_domain(name),
                seats=rng.randint(*SEATS[segment]),
                rebuilder=rng.random() < REBUILDER_SHARE[segment],
            )
        )
    for number, name in enumerate(vocab.PROSPECTS, start=1):
        result.append(
            DemoAccount(
                external_id=f"PRO-{number:04d}",
                name=name,
                segment="Enterprise",
                plan=None,
                arr=0,
                region=rng.choice(("NA", "EMEA")),
                domain=_domain(name),
                seats=0,
                rebuilder=False,
                prospect=True,
            )
        )
    return result


def _company_names(rng: random.Random, count: int) -> list[str]:
    taken = set(vocab.PROSPECTS)
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(vocab.COMPANY_HEADS)}{rng.choice(vocab.COMPANY_TAILS)} {rng.choice(vocab.INDUSTRIES)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[w for _, w in weighted])[0]


def _domain(name: str) -> str:
    return name.split()[0].lower() + ".example"


def user_id(account_number: int, seat: int) -> str:
    return f"u{account_number:04d}-{seat:03d}"


def people(rng: random.Random, customers: list[DemoAccount]) -> list[DemoPerson]:
    """The contacts of each customer: a few of its users, with names, titles and e-mails."""
    result: list[DemoPerson] = []
    for index, account in enumerate(customers):
        if account.prospect:
            continue
        for seat in rng.sample(range(account.seats), k=min(account.seats, rng.randint(2, 8))):
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            result.append(
                DemoPerson(
                    external_id=user_id(index + 1, seat),
                    account=index,
                    name=f"{first} {last}",
                    email=f"{first.lower()}.{last.lower()}@{account.domain}",
                    title=rng.choice(vocab.TITLES),
                )
            )
    return result
