"""The running example as records: metrics, the outcome, problems with their evidence,
the hack-versus-pipeline bets, assumptions, an experiment, and the decision that watches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

from sqlalchemy.orm import Session

from grounded.bet import assumptions, experiments
from grounded.bet import service as bets
from grounded.bet.schemas import AssumptionCreate, BetCreate, ExperimentCreate, OptionSetCreate
from grounded.core.actor import Actor
from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.decision.schemas import DecisionCreate, OptionIn, SignalCreate
from grounded.metrics import catalogue
from grounded.metrics.spec import Spec
from grounded.metrics.specfiles import load as load_specs
from grounded.models import Bet, Evidence, Problem, Workspace
from grounded.models.enums import LinkRole, ProblemStatus
from grounded.planning import outcomes, plans
from grounded.planning.schemas import OutcomeCreate, ScoringModelCreate
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemCreate, ProblemLinkCreate

#: The running example's metric specs (YAML, as a team would keep them in git).
METRICS = resources.files("grounded.demo") / "metrics"


def metric_specs() -> list[Spec]:
    specs: list[Spec] = []
    for name in ("reporting.yaml", "engagement.yaml"):
        with resources.as_file(METRICS / name) as path:
            specs.extend(spec for spec, _ in load_specs(path))
    return specs


@dataclass
class StoryInputs:
    as_of: date
    rebuild_tickets: Sequence[Evidence]
    fine_quotes: Sequence[Evidence]
    workaround_quotes: Sequence[Evidence]
    northwind_deal: int


@dataclass
class Story:
    problems: dict[str, Problem] = field(default_factory=dict)
    bets: dict[str, Bet] = field(default_factory=dict)
    decision_key: str = ""


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def build(session: Session, workspace: Workspace, actor: Actor, inputs: StoryInputs) -> Story:
    for spec in metric_specs():
        catalogue.define(session, workspace, spec, actor=actor)
    outcome = outcomes.create(
        session,
        workspace,
        actor=actor,
        data=OutcomeCreate(
            title="Halve the weekly spreadsheet-rebuild workaround",
            period=quarter(inputs.as_of),
            metric="spreadsheet_rebuild_rate",
            baseline=19.0,
            target=9.5,
            description="Fewer accounts export every week and rebuild the same spreadsheet by hand.",
        ),
    )
    story = Story()
    _problems(session, workspace, actor, inputs, story)
    _bets(session, workspace, actor, inputs, story, outcome_key=outcome.key)
    _decision(session, workspace, actor, inputs, story)
    plans.save_scoring_model(
        session,
        workspace,
        actor=actor,
        data=ScoringModelCreate(
            name="RICE", kind="rice", weights={"reach": 1, "impact": 1, "confidence": 1, "effort": 1}
        ),
    )
    return story


def _problems(session: Session, workspace: Workspace, actor: Actor, inputs: StoryInputs, story: Story) -> None:
    root = problems.create(
        session,
        workspace,
        actor=actor,
        data=ProblemCreate(
            title="Reports can't be trusted or reused, so people rebuild them by hand",
            who="finance and operations analysts at mid-market and enterprise accounts",
            struggle="reuse last week's report with confidence: layouts don't carry over and totals don't tie out",
            why_it_matters="hours are lost every week, board numbers carry hand-made errors, and the reports page stops "
            "being where decisions are made",
            current_workaround="export the report to CSV every Monday and rebuild the same spreadsheet by hand",
        ),
    )
    problems.transition(session, root, target=ProblemStatus.VALIDATED, actor=actor)
    for ticket in inputs.rebuild_tickets:
        links.link(session, workspace, root, actor=actor, data=ProblemLinkCreate(target=ticket.key))
    for quote in inputs.workaround_quotes:
        links.link(
            session, workspace, root, actor=actor, data=ProblemLinkCreate(target=quote.key, note="said in passing")
        )
    for quote in inputs.fine_quotes:
        links.link(
            session,
            workspace,
            root,
            actor=actor,
            data=ProblemLinkCreate(
                target=quote.key, role=LinkRole.CONTRADICTS, note="stated satisfaction with reporting"
            ),
        )
    story.problems["root"] = root
    story.problems["mismatch"] = problems.create(
        session,
        workspace,
        actor=actor,
        data=ProblemCreate(
            title="Report totals disagree with the CRM",
            parent=root.key,
            who="revenue operations teams",
            struggle="reconcile report totals with Salesforce or HubSpot",
            why_it_matters="one wrong number and nobody trusts the report again",
            current_workaround="re-add the numbers in a spreadsheet before each meeting",
        ),
    )
    story.problems["slow"] = problems.create(
        session,
        workspace,
        actor=actor,
        data=ProblemCreate(
            title="Large dashboards are too slow for live meetings",
            who="executives at enterprise accounts",
            struggle="open the exec dashboard during a meeting",
            why_it_matters="they fall back to screenshots",
            current_workaround="screenshot dashboards before meetings",
        ),
    )
    story.problems["sso"] = problems.create(
        session,
        workspace,
        actor=actor,
        data=ProblemCreate(
            title="New admins can't set up SSO without help",
            who="IT admins at new accounts",
            struggle="connect their identity provider",
            why_it_matters="every setup costs support hours",
            current_workaround="open a ticket and wait for support",
        ),
    )


def _bets(
    session: Session, workspace: Workspace, actor: Actor, inputs: StoryInputs, story: Story, *, outcome_key: str
) -> None:
    options = bets.create_option_set(
        session,
        workspace,
        actor=actor,
        data=OptionSetCreate(
            title="Make reporting trustworthy: hack, pipeline, or templates first",
            question="How do we stop the weekly rebuild, and what do we tell Northwind?",
        ),
    )
    root = story.problems["root"].key
    common = {"problems": [root], "option_set": options.key, "outcome": outcome_key, "team": "Reporting"}
    story.bets["hack"] = bets.create(
        session,
        workspace,
        actor=actor,
        data=BetCreate.model_validate(
            {
                **common,
                "title": "Custom ledger export for Northwind (the hack)",
                "kind": "solution",
                "hypothesis": "If we ship Northwind's fixed-width ledger export, they sign this quarter.",
                "metric": "weekly_csv_exports",
                "effort_low_weeks": 2,
                "effort_high_weeks": 3,
                "user_value": {
                    "reach": 1,
                    "impact": 1,
                    "confidence": 0.8,
                    "notes": "one prospect; other customers unaffected",
                },
                "viability": {
                    "revenue_at_stake": inputs.northwind_deal,
                    "strategic_fit": 2,
                    "compliance_risk": "medium",
                    "sales_motion": "closes one enterprise deal",
                    "opportunity_cost": "delays templates by a month",
                    "support_cost": "a bespoke format to support forever",
                },
                "feasibility": {
                    "risk": "high",
                    "operability": "runs on the report server as a cron job; crumbles under load",
                    "debt_created": "a one-off export path outside the pipeline",
                },
            }
        ),
    )
    story.bets["pipeline"] = bets.create(
        session,
        workspace,
        actor=actor,
        data=BetCreate.model_validate(
            {
                **common,
                "title": "New reporting data pipeline",
                "kind": "solution",
                "hypothesis": "If report numbers come from one tested pipeline, analysts trust and reuse reports instead of "
                "rebuilding them.",
                "metric": "spreadsheet_rebuild_rate",
                "effort_low_weeks": 22,
                "effort_high_weeks": 28,
                "user_value": {"reach": 140, "impact": 2, "confidence": 0.5},
                "viability": {
                    "strategic_fit": 5,
                    "support_cost": "removes most export and mismatch tickets",
                    "opportunity_cost": "two quarters of the reporting team",
                },
                "feasibility": {
                    "risk": "medium",
                    "operability": "replaces the nightly rebuild job with incremental loads",
                    "debt_paid": "retires the nightly CSV rebuild job",
                },
            }
        ),
    )
    story.bets["templates"] = bets.create(
        session,
        workspace,
        actor=actor,
        data=BetCreate.model_validate(
            {
                **common,
                "title": "Saved, reusable report templates on today's pipeline",
                "kind": "solution",
                "hypothesis": "If analysts can save a report's layout and reuse it next week, they stop exporting to rebuild it.",
                "metric": "report_builder_adoption",
                "effort_low_weeks": 4,
                "effort_high_weeks": 6,
                "user_value": {"reach": 120, "impact": 1.5, "confidence": 0.6},
                "viability": {"strategic_fit": 4, "support_cost": "fewer rebuild tickets"},
                "feasibility": {"risk": "low", "operability": "uses the existing report store"},
            }
        ),
    )
    # Another team, another angle on the same problem, outside the option set: the overlap
    # ``grounded duplicates bets`` is there to catch.
    story.bets["platform_export"] = bets.create(
        session,
        workspace,
        actor=actor,
        data=BetCreate.model_validate(
            {
                "problems": [root],
                "team": "Data Platform",
                "title": "Scheduled warehouse exports of report data",
                "kind": "solution",
                "hypothesis": "If report data lands in the customer's warehouse every week, analysts stop exporting CSVs by "
                "hand.",
                "effort_low_weeks": 6,
                "effort_high_weeks": 8,
            }
        ),
    )
    _assumptions(session, workspace, actor, story)


def _assumptions(session: Session, workspace: Workspace, actor: Actor, story: Story) -> None:
    table = (
        ("hack", "Northwind signs if the export ships before their deadline", "viability", 4, 1),
        ("hack", "A cron-job export holds up at enterprise data volumes", "feasibility", 5, 0),
        ("pipeline", "The pipeline ships in two quarters with the current team", "feasibility", 5, 1),
        ("pipeline", "Trusted numbers bring analysts back to the reports page", "desirability", 5, 2),
        ("templates", "Analysts replace their Monday spreadsheet with a saved template", "desirability", 4, 1),
        ("templates", "Analysts find the save-as-template action without help", "usability", 3, 1),
    )
    for bet, statement, kind, importance, evidence_level in table:
        row = assumptions.create(
            session,
            workspace,
            actor=actor,
            data=AssumptionCreate(
                statement=statement,
                type=kind,
                bet=story.bets[bet].key,
                importance=importance,
                evidence_level=evidence_level,
            ),
        )
        if bet == "templates" and kind == "desirability":
            experiment = experiments.create(
                session,
                workspace,
                actor=actor,
                data=ExperimentCreate(
                    assumption=row.key,
                    title="Concierge templates with five rebuilder accounts",
                    we_believe="analysts will use a saved template instead of their Monday spreadsheet",
                    we_will="hand-build templates for five accounts that export every week",
                    we_measure="weekly CSV exports and report views of those accounts for four weeks",
                    right_if="at least three of five stop the Monday export by week three",
                    cost=6,
                    duration_days=28,
                    value_of_information=40000,
                ),
            )
            experiments.start(session, workspace, experiment, actor=actor)


def _decision(session: Session, workspace: Workspace, actor: Actor, inputs: StoryInputs, story: Story) -> None:
    hack, pipeline, templates = (story.bets[k] for k in ("hack", "pipeline", "templates"))
    decision = decisions.create(
        session,
        workspace,
        actor=actor,
        data=DecisionCreate(
            title="How we make reporting trustworthy",
            context="Sales asks for a custom ledger export because Northwind demands it. Customers tell us reporting is "
            "fine, yet support tickets show analysts rebuilding the same spreadsheet every week, and usage shows weekly "
            "CSV exports with no return to the reports page. The clean fix is a new pipeline (two quarters); a hack "
            "ships in three weeks but will crumble under load.",
            situation="analysts rebuilding the same report by hand every week while a prospect asks for a custom export",
            facing="a deal that wants a one-off format and a pipeline that takes two quarters",
            to_achieve="reports people reuse instead of rebuilding, and a platform that can carry custom formats later",
            accepting="Northwind may not sign this quarter and the pipeline starts a quarter later",
            rationale="Templates address the observed behaviour for 120+ accounts within weeks and test whether trust, "
            "not format, is the problem, before we commit two quarters to the pipeline.",
            non_goals=[
                "Closing the Northwind deal this quarter",
                "Per-customer export formats",
                "Rewriting the pipeline before templates prove the demand",
            ],
            reversibility="two_way",
            review_by=inputs.as_of + timedelta(days=60),
            deciders=["Priya (PM)", "Jun (Eng lead)", "Hannah (Design)"],
            consulted=["Sales", "Support", "Finance"],
            informed=["Leadership", "Customer success"],
            options=[
                OptionIn(
                    title="Ship the custom export for Northwind",
                    bet=hack.key,
                    user_value="one prospect",
                    viability="closes a large deal now",
                    feasibility="three weeks; crumbles under load",
                ),
                OptionIn(
                    title="Build the new reporting pipeline now",
                    bet=pipeline.key,
                    user_value="all analysts, later",
                    viability="strategic; no revenue this quarter",
                    feasibility="two quarters; pays down debt",
                ),
                OptionIn(
                    title="Templates now, pipeline next quarter",
                    bet=templates.key,
                    chosen=True,
                    user_value="rebuilders within six weeks",
                    viability="keeps Northwind warm with a date",
                    feasibility="low risk on today's pipeline",
                ),
            ],
        ),
    )
    signals.create(
        session,
        workspace,
        actor=actor,
        data=SignalCreate(
            decision=decision.key,
            name="Weekly spreadsheet-rebuild tickets",
            comparator=">",
            threshold=40,
            evidence_query={"search": 'spreadsheet OR rebuild* OR "by hand"', "kind": "ticket"},
            window_days=7,
            periods=3,
            action="review",
        ),
    )
    signals.create(
        session,
        workspace,
        actor=actor,
        data=SignalCreate(
            decision=decision.key,
            name="Report-builder adoption after eight weeks",
            metric="report_builder_adoption",
            comparator="<",
            threshold=15,
            window_days=56,
            periods=1,
            min_sample=30,
            action="reopen",
        ),
    )
    decisions.propose(session, decision, actor=actor)
    decisions.accept(session, decision, actor=actor, note="agreed in the reporting review")
    story.decision_key = decision.key
