"""Accounts, people and stakeholder groups named by imported rows: found, or created.

Loaded once per import into memory (by external id and by name), created in bulk as new
ones appear, so a million rows naming three hundred accounts cost three hundred inserts.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.base import table_of
from grounded.ids import uuid7_many
from grounded.ingest.privacy import person_hash
from grounded.ingest.rows import Prepared
from grounded.ingest.store import insert_plain
from grounded.models import Account, Person, StakeholderGroup, Workspace


@dataclass
class References:
    workspace: Workspace
    hash_people: bool = False
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    account_names: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    groups: dict[str, uuid.UUID] = field(default_factory=dict)
    created_accounts: int = 0
    created_people: int = 0
    salt: str = ""
    dry_run: bool = False
    _account_hex: dict[str, str] = field(default_factory=dict)
    _person_hex: dict[str, str] = field(default_factory=dict)
    _group_hex: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, workspace: Workspace, *, hash_people: bool) -> References:
        refs = cls(workspace, hash_people)
        if hash_people and not (workspace.settings or {}).get("person_salt"):
            workspace.settings = {**(workspace.settings or {}), "person_salt": secrets.token_hex(16)}
            session.flush()
        refs.salt = str((workspace.settings or {}).get("person_salt", ""))
        for ident, external, name in session.execute(
            sa.select(Account.id, Account.external_id, Account.name).where(Account.workspace_id == workspace.id)
        ):
            refs.accounts[external] = ident
            refs.account_names.setdefault(name.lower(), ident)
        people = sa.select(Person.external_id, Person.id).where(Person.workspace_id == workspace.id)
        refs.people = {external: ident for external, ident in session.execute(people)}  # noqa: C416
        groups = sa.select(StakeholderGroup.slug, StakeholderGroup.id).where(
            StakeholderGroup.workspace_id == workspace.id
        )
        refs.groups = {slug: ident for slug, ident in session.execute(groups)}  # noqa: C416
        return refs

    def resolve(self, session: Session, rows: Iterable[Prepared]) -> None:
        """Create the accounts and people these rows name that do not exist yet (each
        reference is looked at once, from the first row that names it)."""
        by_account: dict[str | None, Prepared] = {}
        by_person: dict[str | None, Prepared] = {}
        for row in rows:
            by_account.setdefault(row.account, row)
            by_person.setdefault(row.person, row)
        new_accounts = {
            ref: row.account_name or ref for ref, row in by_account.items() if ref and self.account_id(ref) is None
        }
        if new_accounts:
            self._add_accounts(session, new_accounts)
        new_people: dict[str, Prepared] = {}
        for ref, row in by_person.items():
            key = self.person_key(ref)
            if key and key not in self.people and key not in new_people:
                new_people[key] = row
        if new_people:
            self._add_people(session, new_people)

    def hex_ids(self, rows: Iterable[Prepared]) -> tuple[dict[Any, str | None], ...]:
        """For the accounts, people and stakeholder groups these rows name: reference → id
        as hex (None where there is none), to look up without a call per row."""
        accounts: dict[Any, str | None] = {}
        people: dict[Any, str | None] = {}
        groups: dict[Any, str | None] = {}
        for row in rows:
            accounts[row.account] = people[row.person] = groups[row.group] = None
        for found, lookup in ((accounts, self.account_hex), (people, self.person_hex), (groups, self.group_hex)):
            for ref in found:
                found[ref] = lookup(ref)
        return accounts, people, groups

    def account_id(self, ref: str | None) -> uuid.UUID | None:
        if not ref:
            return None
        return self.accounts.get(ref) or self.account_names.get(ref.lower())

    def person_key(self, ref: str | None) -> str | None:
        if not ref:
            return None
        return person_hash(ref, self._salt()) if self.hash_people else ref.strip().lower()

    def person_id(self, ref: str | None) -> uuid.UUID | None:
        key = self.person_key(ref)
        return self.people.get(key) if key else None

    def group_id(self, slug: str | None) -> uuid.UUID | None:
        return self.groups.get(slug) if slug else None

    # The same as hex text, remembered per reference (a million rows name a few thousand).
    def account_hex(self, ref: str | None) -> str | None:
        return self._hex(self._account_hex, ref, self.account_id)

    def person_hex(self, ref: str | None) -> str | None:
        return self._hex(self._person_hex, ref, self.person_id)

    def group_hex(self, slug: str | None) -> str | None:
        return self._hex(self._group_hex, slug, self.group_id)

    @staticmethod
    def _hex(memo: dict[str, str], ref: str | None, find: Any) -> str | None:
        if not ref:
            return None
        found = memo.get(ref)
        if found is None:
            ident = find(ref)
            if ident is None:
                return None
            found = memo[ref] = ident.hex
        return found

    def _salt(self) -> str:
        return self.salt

    def _add_accounts(self, session: Session, names: dict[str, str]) -> None:
        rows: list[dict[str, Any]] = [
            {
                "id": ident,
                "workspace_id": self.workspace.id,
                "external_id": external,
                "name": name[:300],
                "attributes": {},
            }
            for (external, name), ident in zip(names.items(), uuid7_many(len(names)), strict=True)
        ]
        if not self.dry_run:
            insert_plain(session, table_of(Account), rows)
        for row in rows:
            self.accounts[row["external_id"]] = row["id"]
            self.account_names.setdefault(row["name"].lower(), row["id"])
        self.created_accounts += len(rows)

    def _add_people(self, session: Session, people: dict[str, Prepared]) -> None:
        rows: list[dict[str, Any]] = []
        for (key, source), ident in zip(people.items(), uuid7_many(len(people)), strict=True):
            hashed = self.hash_people
            rows.append(
                {
                    "id": ident,
                    "workspace_id": self.workspace.id,
                    "external_id": key,
                    "account_id": self.account_id(source.account),
                    "attributes": {},
                    "name": None if hashed else source.person_name,
                    "email": None if hashed else (source.person_email or _email(source.person)),
                    "identity_hash": key if hashed else None,
                    "is_redacted": hashed,
                }
            )
        if not self.dry_run:
            insert_plain(session, table_of(Person), rows)
        self.people.update({row["external_id"]: row["id"] for row in rows})
        self.created_people += len(rows)


def _email(value: str | None) -> str | None:
    return value.strip().lower() if value and "@" in value else None
