"""The running example in a real browser: Debian's Chromium driven by Playwright, against
the app served by uvicorn on loopback. Screenshots of each main page are saved under
test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from grounded.models.enums import Role
from tests.conftest import fresh_database
from tests.web.conftest import PASSWORD, World, build_world, make_app, seed_theme
from tests.web.serving import serving
from tests.web.test_import_page import TICKETS

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("browser")) as engine:
        yield engine


@pytest.fixture
def served(browser_engine: Engine, tmp_path: Path) -> Iterator[tuple[str, World]]:
    world = build_world(browser_engine)
    world.extra["theme"] = seed_theme(world)
    with serving(make_app(browser_engine, tmp_path / "data")) as url:
        yield url, world


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def _page(chromium: object, base: str) -> object:
    context = chromium.new_context(base_url=base, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: object, world: World, role: Role) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.get_by_label("E-mail").fill(world.emails[role])  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/w/{world.slug}/")  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_running_example_from_evidence_to_decision(
    chromium: object, served: tuple[str, World], tmp_path: Path
) -> None:
    base, world = served
    page = _page(chromium, base)
    _sign_in(page, world, Role.EDITOR)
    assert "This week in" in page.inner_text("h1")
    _shot(page, "home")

    # Import a CSV: the run page shows the counts and the quarantined row.
    export = tmp_path / "tickets.csv"
    export.write_text(TICKETS, encoding="utf-8")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_label("Preset").select_option("zendesk")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/import/SRC-*")
    assert "Quarantined rows (1 waiting)" in page.inner_text("main")
    _shot(page, "import-run")

    # Find the theme and its quote.
    page.get_by_role("link", name="Themes").click()
    page.get_by_role("link", name=world.extra["theme"]).click()
    assert "rebuild / spreadsheet / monday" in page.inner_text("h1")
    assert "We rebuild the revenue spreadsheet every Monday" in page.inner_text("main")
    _shot(page, "theme")

    # Link evidence to the problem from the library (bulk, with the checkboxes).
    page.goto(f"/w/{world.slug}/evidence")
    page.get_by_label(f"Select {world.evidence[0]}").check()
    page.get_by_label("Link to problem").select_option(world.problem)
    page.get_by_role("button", name="Link selected").click()
    assert f"1 item linked: {world.evidence[0]}" in page.inner_text("main")
    _shot(page, "evidence-linked")

    # Accept the suggestion on the problem page, with its receipts.
    page.get_by_role("link", name=f"Open {world.problem}").click()
    page.locator("summary", has_text="why").click()
    assert "minilm-int8" in page.inner_text("#suggestions ~ table")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"**/problems/{world.problem}*")
    main = page.inner_text("main")
    assert "Suggestions waiting for a person (0)" in main
    assert "Symptoms (1)" in main
    _shot(page, "problem")

    # Propose the decision, then accept it choosing the second option.
    page.goto(f"/w/{world.slug}/decisions/{world.decision}")
    page.get_by_role("button", name="Propose for decision").click()
    page.get_by_label("Choose").select_option("2")
    page.get_by_role("button", name="Accept decision").click()
    page.wait_for_load_state()
    assert "accepted" in page.inner_text("h1")
    assert "chosen" in page.inner_text("table")
    _shot(page, "decision")
    for name, path in (
        ("decisions", "decisions"),
        ("bets", "bets"),
        ("requests", "requests"),
        ("metrics", "metrics"),
        ("settings", "settings"),
    ):
        page.goto(f"/w/{world.slug}/{path}")
        _shot(page, name)


def test_a_viewer_sees_no_way_to_edit_and_is_refused_if_they_try(chromium: object, served: tuple[str, World]) -> None:
    base, world = served
    page = _page(chromium, base)
    _sign_in(page, world, Role.VIEWER)
    page.goto(f"/w/{world.slug}/problems/{world.problem}")
    assert page.get_by_role("button", name="Accept").count() == 0
    page.goto(f"/w/{world.slug}/decisions/{world.decision}")
    assert page.get_by_role("button", name="Propose for decision").count() == 0
    page.goto(f"/w/{world.slug}/evidence")
    assert page.get_by_role("button", name="Link selected").count() == 0
    # A hand-made form post is refused by the server, not just hidden.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"/w/{world.slug}/decisions/{world.decision}/propose", form={"csrf_token": token or ""})
    assert answer.status == 403
    page.goto(f"/w/{world.slug}/settings")
    assert "this needs the admin role" in page.inner_text("main")


def test_pages_work_with_the_keyboard_alone(chromium: object, served: tuple[str, World]) -> None:
    base, world = served
    page = _page(chromium, base)
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_label("E-mail").focus()
    page.keyboard.type(world.emails[Role.VIEWER])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/w/{world.slug}/")
    outline = page.evaluate(
        "(() => { const a = document.querySelector('nav a'); a.focus(); return getComputedStyle(a).outlineStyle; })()"
    )
    assert outline != "none"
