"""`opslag rapport`: the strategy report's numbers for a known store, and the page they make.

The store is filled through the workflow with the clock moved to each moment. Publishing and
review reminders come with issue 12; until the workflow records them, their history rows are
appended as the contract with it says they will look ("published" with its `links`,
"reminded" by the bot).
"""

from __future__ import annotations

import datetime as dt
import html.parser
import os
import stat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import report
from bot.core import Core
from bot.proposal import Actor, Decision
from handlers import report_html
from opslag.cli import main
from policy import parse_intake, recommend
from tests.conftest import FakeClock, intake_data
from tests.test_cli import assert_one_danish_line
from tests.test_digest_support import ANNA, BO, decide, propose, utc

CPH = ZoneInfo("Europe/Copenhagen")
BOT = Actor(platform="opslag", user_id="opslag", name="Opslag")
EDITOR = Actor(platform="console", user_id="chef", name="Chef Hansen")
# A period that crosses a year: November 2025 to February 2026 (120 days). The period before
# runs from 4 July to 31 October 2025.
FIRST, LAST = dt.date(2025, 11, 1), dt.date(2026, 2, 28)
HEAVY_TEXT = ("Ansøgningen behandles hurtigst muligt, såfremt den er udfyldt. "
              "Vi igangsætter arbejdet, såfremt vejret tillader det.")


def published(core: Core, proposal_id: int, at: dt.datetime, **links: str) -> None:
    """Marked published as the review post's button does it (issue 12 §6)."""
    core.workflow.clock = lambda: at
    try:
        core.workflow.publish(proposal_id, EDITOR, links)
    finally:
        core.workflow.clock = core.clock


def reminded(core: Core, proposal_id: int, at: dt.datetime) -> None:
    """A review reminder as the schedule sends it (bot/reminders.py)."""
    core.workflow.clock = lambda: at
    try:
        local = at.astimezone(CPH)
        assert core.workflow.remind_reviewers(proposal_id, local.date(), dt.timedelta(hours=48))
    finally:
        core.workflow.clock = core.clock


@pytest.fixture
def known(core: Core, clock: FakeClock) -> dict[str, int]:
    """Proposals around the period, each decided, published or reminded at a known moment."""
    ids: dict[str, int] = {}
    # The period before: one on climate, approved after 2 hours and published.
    ids["before"] = propose(core, clock, utc(2025, 9, 15, 9), title="Før")
    clock.now = utc(2025, 9, 15, 11)
    decide(core, ids["before"])
    published(core, ids["before"], utc(2025, 9, 20, 9), facebook="https://facebook.com/x/1")
    # November: climate, approved after 24 hours, published on Facebook and Instagram.
    ids["climate"] = propose(core, clock, utc(2025, 11, 10, 9), title="Træer")
    clock.now = utc(2025, 11, 11, 9)
    decide(core, ids["climate"])
    published(core, ids["climate"], utc(2025, 11, 20, 9),
              facebook="https://facebook.com/x/2", instagram="https://instagram.com/p/2")
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Copenhagen: a January proposal.
    ids["new_year"] = propose(core, clock, utc(2025, 12, 31, 23, 30), BO, theme="rekruttering",
                              department="HR og Løn", title="Nytår")
    clock.now = utc(2026, 1, 2, 23, 30)  # 48 hours: the first decision
    decide(core, ids["new_year"], Decision.REQUEST_CHANGES, "Kortere, tak")
    clock.now = utc(2026, 1, 3, 9)
    core.workflow.resubmit(ids["new_year"], parse_intake(intake_data(
        theme="rekruttering", department="HR og Løn", title="Nytår")), BO)
    clock.now = utc(2026, 1, 5, 9)
    decide(core, ids["new_year"])
    # The same department written another way; rejected after 72 hours.
    ids["business"] = propose(core, clock, utc(2026, 1, 15, 10), theme="erhverv_job",
                              audience=["erhverv"], department="  teknik  og miljø ",
                              title="Erhverv")
    clock.now = utc(2026, 1, 18, 10)
    decide(core, ids["business"], Decision.REJECT, "Ikke nu")
    # A crisis, escalated by the bot after 16 minutes (no action of the central team's), then
    # acted on after 20.
    ids["crisis"] = propose(core, clock, utc(2026, 2, 3, 12), crisis=True, theme="service",
                            content_type="serviceinfo", title="Vandforsyning")
    clock.now = utc(2026, 2, 3, 12, 16)
    assert core.workflow.escalate_overdue_crises(dt.timedelta(minutes=15))
    clock.now = utc(2026, 2, 3, 12, 20)
    decide(core, ids["crisis"])
    # Waiting at the end of the period, reminded twice; heavy words and a passive.
    ids["waiting"] = propose(core, clock, utc(2026, 2, 10, 8), text=HEAVY_TEXT, title="Tungt")
    reminded(core, ids["waiting"], utc(2026, 2, 12, 8))
    reminded(core, ids["waiting"], utc(2026, 2, 13, 8))
    # Its own department reviews it (navnenyt), no department given.
    ids["names"] = propose(core, clock, utc(2026, 2, 20, 8), content_type="navnenyt",
                           audience=["medarbejdere"], theme="andet", department=None,
                           title="Jubilæum")
    # After the period: in neither.
    ids["after"] = propose(core, clock, utc(2026, 3, 5, 9), title="Efter")
    clock.now = utc(2026, 3, 6, 9)
    return ids


def build(core: Core, first: dt.date = FIRST, last: dt.date = LAST) -> report.Report:
    return report.load(core.store, first, last, CPH, sla_hours=48, escalate_minutes=15,
                       made_at=core.clock())


def test_the_period_before_has_as_many_days_and_ends_the_day_before() -> None:
    assert report.previous_period(FIRST, LAST) == (dt.date(2025, 7, 4), dt.date(2025, 10, 31))
    assert report.previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == (
        dt.date(2026, 2, 28), dt.date(2026, 2, 28))


def test_months_run_across_the_new_year_and_a_proposal_counts_in_local_time(
    core: Core, known: dict[str, int],
) -> None:
    built = build(core)
    current = built.current
    assert [m.label for m in current.months] == ["nov. 2025", "dec. 2025", "jan. 2026",
                                                 "feb. 2026"]
    # Submitted 23:30 UTC on 31 December: January in Copenhagen, not December.
    recruitment = current.theme("rekruttering")
    assert recruitment is not None and recruitment.proposals_by_month == [0, 0, 1, 0]
    climate = current.theme("klima_miljoe")
    assert climate is not None
    assert (climate.proposals_by_month, climate.published_by_month) == ([1, 0, 0, 1],
                                                                        [1, 0, 0, 0])
    assert current.proposals == 6 and current.published == 1


def test_a_period_begins_and_ends_at_midnight_in_copenhagen(core: Core, clock: FakeClock) -> None:
    # 23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen (CET): November's.
    propose(core, clock, utc(2025, 10, 31, 23, 30), title="Lige efter midnat")
    # 23:30 UTC on 30 November is 00:30 on 1 December: not November's.
    propose(core, clock, utc(2025, 11, 30, 23, 30), title="December")
    built = build(core, dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert (built.current.proposals, built.previous.proposals) == (1, 0)


def test_focus_areas_come_first_with_the_period_before(core: Core, known: dict[str, int]) -> None:
    built = build(core)
    assert [(now.key, now.proposals, before.proposals) for now, before in built.focus()] == [
        ("rekruttering", 1, 0), ("klima_miljoe", 2, 1),
    ]
    assert built.previous.proposals == 1 and built.previous.published == 1
    # Strength positions, focus areas, then every other theme (the crisis, the names news).
    keys = [theme.key for theme in built.current.themes]
    assert keys[-3:] == ["rekruttering", "klima_miljoe", ""]
    others = built.current.theme("")
    assert others is not None and others.proposals == 2


def test_platforms_recommended_against_published(core: Core, known: dict[str, int]) -> None:
    platforms = {p.key: (p.recommended, p.published) for p in build(core).current.platforms}
    assert platforms["facebook"] == (3, 1)  # climate, crisis, heavy text
    assert platforms["instagram"] == (0, 1)  # published where the advice did not point
    assert platforms["linkedin"] == (2, 0)  # recruitment, business
    assert platforms["intranet"] == (1, 0)  # the names news


def test_routes_and_departments(core: Core, known: dict[str, int]) -> None:
    current = build(core).current
    # Without a departments file no department has reviewers: the central team reviews all.
    assert {r.key: r.proposals for r in current.routes} == {"central": 6, "department": 0}
    # Spellings that differ in case and spaces are one department, named as most write it.
    assert [(d.name, d.proposals, d.central, d.department) for d in current.departments] == [
        ("Teknik og Miljø", 4, 4, 0), ("HR og Løn", 1, 1, 0), ("", 1, 1, 0),
    ]


def test_review_times_rates_and_reminders(core: Core, known: dict[str, int]) -> None:
    review = build(core).current.review
    # First decisions: 24 h (climate), 48 h (new year, changes), 72 h (business), 20 min.
    assert review.first_decisions == 4
    assert review.median_hours == pytest.approx(36.0)
    assert review.p90_hours == pytest.approx(64.8)  # inclusive: 48 + 0.7 * (72 - 48)
    assert review.within_sla == 3  # 48 hours is within 48
    # Every decision in the period: the new year one was sent back, then approved.
    assert (review.decisions, review.approved, review.changes_requested, review.rejected) == (
        5, 3, 1, 1)
    assert review.share(review.approved) == pytest.approx(0.6)
    assert review.reminders == 2
    assert review.undecided == 2  # the waiting one and the names news
    by_month = [(m.decided, m.median_hours) for m in review.by_month]
    assert by_month == [(1, 24.0), (0, None), (2, 60.0), (1, pytest.approx(1 / 3))]


def test_crises_and_the_time_to_the_first_action(core: Core, known: dict[str, int]) -> None:
    crises = build(core).current.crises
    assert crises.count == 1 and crises.without_action == 0 and crises.escalated == 1
    assert crises.median_minutes == pytest.approx(20.0)
    assert [item.proposal_id for item in crises.items] == [known["crisis"]]


def test_text_checks_over_time_name_the_heavy_words(core: Core, known: dict[str, int]) -> None:
    advice = build(core).current.advice
    assert [(w.word, w.count) for w in advice.top_officialese] == [
        ("igangsætter", 1), ("såfremt", 1)]
    assert [(w.word, w.count) for w in advice.top_passive] == [("behandles", 1)]
    assert advice.officialese == 2 and advice.passive == 1
    february = advice.by_month[3]
    assert (february.proposals, february.officialese, february.passive) == (3, 2, 1)
    assert advice.median_lix is not None and february.median_lix is not None


def test_the_words_are_read_from_the_messages_the_engine_writes() -> None:
    """bot/report.py reads the word out of policy/textchecks.py's Danish sentence: this fails
    when that sentence changes shape."""
    advice = recommend(parse_intake(intake_data(
        text="Vi igangsætter arbejdet hermed. Ansøgningen behandles, og projektet iværksættes.")))
    words = {(f.code, report.finding_word(f.code, f.message))
             for f in advice.text_checks.findings if f.code in report.FINDING_CODES}
    assert words == {("officialese", "igangsætter"), ("officialese", "hermed"),
                     ("passive", "behandles"), ("passive", "iværksættes")}


def test_an_empty_period_is_empty_not_an_error(core: Core, known: dict[str, int]) -> None:
    built = build(core, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert built.empty
    assert built.current.proposals == 0 and built.current.review.median_hours is None
    assert built.current.crises.median_minutes is None
    page = report_html.render(built)
    parsed = parse(page)
    assert report_html.TEXT["empty"] in page
    assert parsed.images == [] and parsed.tables == 0


def test_a_store_without_any_proposal_gives_the_empty_page(core: Core) -> None:
    page = report_html.render(build(core))
    assert report_html.TEXT["empty"] in page


# -- the page ---------------------------------------------------------------------------------


class Page(html.parser.HTMLParser):
    """What a test reads from the page: every address, the images, the tables and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.tables = 0
        self.captions = 0
        self.scripts = 0
        self.figures = 0
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.addresses += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action")]
        self.images += [values] if tag == "img" else []
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.scripts += tag in ("script", "iframe", "link", "object", "embed")
        self.figures += tag == "figure"
        if tag not in ("img", "meta", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open[-5:], tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.open == []  # every element that was opened was closed, in order
    return parsed


def test_the_page_loads_nothing_from_the_internet(core: Core, known: dict[str, int]) -> None:
    page = report_html.render(build(core))
    parsed = parse(page)
    assert parsed.scripts == 0
    assert parsed.addresses, "the contents links to the sections"
    for address in parsed.addresses:
        assert address.startswith(("#", "data:image/svg+xml;base64,")), address
    assert "http://" not in page.replace('xmlns="http://www.w3.org/', "")
    assert "https://" not in page  # not even the published links


def test_each_chart_has_a_reading_and_a_table_of_its_numbers(
    core: Core, known: dict[str, int],
) -> None:
    parsed = parse(report_html.render(build(core)))
    assert parsed.figures == len(parsed.images) >= 7
    for image in parsed.images:
        assert image.get("alt") and report_html.TEXT["numbers_below"] in str(image["alt"])
    assert parsed.tables >= parsed.figures and parsed.captions == parsed.tables
    text = " ".join(parsed.text)
    for heading in ("Fokusområderne", "Platforme", "Ruter og afdelinger", "Godkendelse",
                    "Kriser", "Rådene om sprog"):
        assert heading in text
    # The readings, in Danish, from the numbers.
    assert "Fastholdelse, uddannelse og rekruttering: 1 forslag, op fra 0 i perioden før" in text
    assert "Klima og miljø: 2 forslag, op fra 1 i perioden før" in text
    assert ("Halvdelen af forslagene fik første afgørelse inden for 36 timer og 9 ud af 10 "
            "inden for 64,8 timer; 3 af 4 (75 %) blev afgjort inden for fristen på 48 timer"
            in text)
    assert "1 kriseforslag (0 i perioden før); halvdelen fik en første handling inden for " \
           "20 minutter" in text


def test_the_focus_areas_come_before_the_other_sections(core: Core, known: dict[str, int]) -> None:
    page = report_html.render(build(core))
    assert page.index('id="fokus"') < page.index('id="temaer"') < page.index('id="platforme"')


def test_names_from_the_data_are_text_not_markup(core: Core, clock: FakeClock) -> None:
    propose(core, clock, utc(2026, 1, 5, 9), ANNA, department="<b>Kultur & Fritid</b>")
    page = report_html.render(build(core))
    assert "&lt;b&gt;Kultur &amp; Fritid&lt;/b&gt;" in page and "<b>" not in page
    parse(page)


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def run(core: Core, monkeypatch: Any, capsys: Any) -> Any:
    monkeypatch.setenv("OPSLAG_DB", str(core.settings.opslag_db))

    def rapport(*argv: str) -> tuple[int, str, str]:
        code = main(["rapport", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return rapport


def test_the_command_writes_the_page_for_its_owner_only(
    run: Any, known: dict[str, int], tmp_path: Path,
) -> None:
    target = tmp_path / "rapport.html"
    code, out, err = run("--fra", "2025-11-01", "--til", "2026-02-28", "--out", str(target))
    assert (code, out) == (0, ""), err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    page = target.read_text(encoding="utf-8")
    assert "1. november 2025 – 28. februar 2026" in page
    parse(page)


def test_without_out_the_page_goes_to_standard_output(run: Any, known: dict[str, int]) -> None:
    code, out, _ = run("--fra", "2024-01-01", "--til", "2024-01-31")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    assert report_html.TEXT["empty"] in out


@pytest.mark.parametrize(("argv", "names"), [
    (("--fra", "2026-13-01", "--til", "2026-12-31"), ("--fra", "2026-13-01")),
    (("--fra", "i går", "--til", "2026-12-31"), ("--fra",)),
    (("--fra", "2026-12-31", "--til", "2026-01-01"), ("--fra", "--til")),
    (("--fra", "2001-01-01", "--til", "2026-12-31"), ("10 år",)),
    (("--fra", "0001-01-02", "--til", "0001-01-05"), ("perioden før",)),
    (("--til", "2026-12-31"), ("--fra",)),
])
def test_a_bad_period_is_one_danish_line(
    run: Any, argv: tuple[str, ...], names: tuple[str, ...],
) -> None:
    code, out, err = run(*argv)
    assert_one_danish_line(code, out, err, *names)


def test_a_file_that_cannot_be_written_is_one_danish_line(run: Any, tmp_path: Path) -> None:
    code, out, err = run("--fra", "2026-01-01", "--til", "2026-01-31",
                         "--out", str(tmp_path / "mangler" / "rapport.html"))
    assert_one_danish_line(code, out, err, "mappen findes ikke")
