"""Requests from inside the company: each group's asks, in its own words.

Sales' custom export format for one prospect is the running example's symptom; several
reps ask for it, and other prospects ask for variants of it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: group → (share of requests, people who ask, ask templates (title, description))
GROUPS: dict[str, tuple[float, tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "sales": (
        0.38,
        ("Jordan Blake", "Alex Moreno", "Sam Whitaker", "Riya Shah", "Tom Becker"),
        (
            (
                "Custom export in {prospect}'s {format}",
                "{prospect} will only sign if we can deliver their weekly numbers as a {format}. Their finance team loads it straight into their ERP. Blocker for the deal.",
            ),
            (
                "{prospect} needs a {format} export",
                "Security and finance at {prospect} reviewed us; the last open item is an export in their {format}. Procurement wants a date.",
            ),
            (
                "Export format for {prospect} (deal blocker)",
                "Can we build the {format} export {prospect} asked for? Without it they go with a competitor.",
            ),
            (
                "SSO with {idp} for {prospect}",
                "Their security review requires SAML SSO through {idp} with SCIM provisioning.",
            ),
            (
                "EU data residency for {prospect}",
                "Legal at {prospect} requires all data to stay in the EU. Do we have a date?",
            ),
            (
                "White-labelled dashboards for {prospect}",
                "They want to show dashboards to their own clients under their brand.",
            ),
            ("Two-way {connector} sync", "Prospect wants report results written back to {connector} automatically."),
            ("Bulk user import for {prospect}", "{n}00 users to onboard in week one; they need CSV user import."),
        ),
    ),
    "support": (
        0.2,
        ("Nadia Karim", "Leo Park", "Ana Costa"),
        (
            (
                "Saved report templates",
                "We get weekly tickets from people rebuilding the same spreadsheet from exports. Reusable saved reports would cut them.",
            ),
            (
                "Better errors when {connector} sync fails",
                "Customers can't tell why a sync failed; we spend hours reading logs for them.",
            ),
            ("Self-serve SSO setup", "SSO setup tickets take {n} back-and-forths on average."),
            ("Bulk reassign report ownership", "When someone leaves, admins open a ticket to move their reports."),
            ("Export to xlsx", "CSV delimiter and encoding tickets would disappear with a native Excel export."),
        ),
    ),
    "marketing": (
        0.12,
        ("Chloe Martin", "Raj Patel"),
        (
            (
                "Public dashboard embeds for the webinar series",
                "We want live embedded dashboards on the website for the Q1 campaign.",
            ),
            (
                "Benchmark report from anonymised data",
                "An industry benchmark report would be a strong top-of-funnel asset.",
            ),
            ("Customer logo permission flag", "Track which customers agreed to logo use so we stop asking CSMs."),
            (
                "AI summaries for the launch",
                "Competitors launched AI-written report summaries; we need a story for the launch.",
            ),
        ),
    ),
    "finance": (
        0.13,
        ("Helen Ward", "Omar Aziz"),
        (
            ("PO numbers on invoices", "Enterprise AP departments reject invoices without their PO number."),
            (
                "Usage report per account for pricing review",
                "We need seats and query volume per account to model the new pricing.",
            ),
            ("Revenue recognition export for NetSuite", "Monthly close needs a clean rev-rec export."),
            (
                "Cut support cost of export questions",
                "Export-related tickets cost us roughly {n} hours a week of support time.",
            ),
        ),
    ),
    "legal": (
        0.1,
        ("Grace Liu", "Martin Roth"),
        (
            ("Access audit log for SOC 2", "Auditors want a log of who viewed customer data, kept for a year."),
            ("Data retention settings", "Customers need to set how long raw data is kept."),
            ("Right-to-erasure tooling", "Deleting one person's data across workspaces is manual today."),
            (
                "Review custom export for {prospect}",
                "A custom export carrying their GL data needs a contract addendum.",
            ),
        ),
    ),
    "customer-success": (
        0.07,
        ("Ivy Nguyen", "Paul Mercer"),
        (
            ("Health score dashboard for CSMs", "We want adoption and usage trends per account in one place."),
            ("Template library for onboarding", "New customers would get to a first dashboard faster with templates."),
            (
                "Reusable weekly reports",
                "Several accounts told me they rebuild the same weekly spreadsheet; can reports be saved and reused?",
            ),
        ),
    ),
}
#: Asks that express the reporting problem (so a human could link them as symptoms).
REPORTING_SYMPTOMS = (
    "export in",
    "export for",
    "format export",
    "saved report templates",
    "reusable weekly",
    "export to xlsx",
    "export questions",
)


@dataclass(frozen=True)
class Ask:
    group: str
    requester: str
    title: str
    description: str

    @property
    def is_reporting_symptom(self) -> bool:
        lowered = self.title.lower()
        return any(marker in lowered for marker in REPORTING_SYMPTOMS)
