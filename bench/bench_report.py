"""How long `opslag rapport` takes for a store of 10,000 proposals (limit: 2 s).

    python -m bench --only report      (or: python -m bench.bench_report)

The store holds 10,000 proposals over two years with their history as the workflow records it
(a submission with its snapshot, decisions, some sent back and resubmitted, publications with
links, reminders, crises), across a dozen departments. The report covers the last of the two
years, so it reads both (the year and the year before).

Figures, each the median of several runs, in milliseconds:
- the whole report as `opslag rapport` makes it (`opslag.cli_report.page`): read the facts,
  count, draw the charts and write the page (the limit),
  and its CPU time (a note), which a busy machine inflates less than the clock;
- its parts: reading (`Store.report_facts`), counting (`bot.report.build`), the page;
- the first report of the process, which also imports matplotlib and Jinja2;
- the monthly summary of December (bot/monthly.py): its counting, done on the store thread
  once a month per server, and its PNG chart, drawn by each sender off the event loop.
The baseline, measured once in the same run, is reading the same proposals whole
(`Store.proposals_active_between`), which the report avoids.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import monthly, report
from bot.config import load_settings
from bot.core import Core, build_core
from bot.proposal import Actor, Decision, Proposal, Status
from opslag import cli_report
from policy import Recommendation, parse_intake, recommend
from policy.models import Intake

PROPOSALS = 10_000
RUNS = 5
LIMIT_MS = 2000.0
TZ = ZoneInfo("Europe/Copenhagen")
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
START = dt.datetime(2025, 1, 1, 7, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
DEPARTMENTS = [
    "Teknik og Miljø", "Børn og Unge", "Skoler", "Dagtilbud", "Ældre og Sundhed", "HR og Løn",
    "Kultur og Fritid", "Jobcenter", "Erhverv og Turisme", "Borgerservice", "Handicap",
    "Økonomi",
]
TEXTS = [
    "Vi planter 5.000 træer ved Grenaa. Kom og hjælp os på lørdag.",
    "Ansøgningen behandles hurtigst muligt, såfremt den er udfyldt korrekt.",
    "Vi igangsætter arbejdet på havnen i næste uge, og vejen lukkes i tre dage.",
    "Mød vores nye kollega i Dagplejen, der glæder sig til at møde børnene.",
]
VARIANTS: list[dict[str, Any]] = [
    {"theme": "klima_miljoe"}, {"theme": "rekruttering"}, {"theme": "erhverv_job",
                                                           "audience": ["erhverv"]},
    {"theme": "bosaetning", "audience": ["tilflyttere"]}, {"theme": "destinationer",
                                                           "audience": ["turister"]},
    {"theme": "infrastruktur"}, {"theme": "natur_kultur", "audience": ["unge_voksne"]},
    {"theme": "andet", "content_type": "navnenyt", "audience": ["medarbejdere"]},
    {"theme": "service", "content_type": "serviceinfo", "crisis": True},
]
CHEF = Actor(platform="slack", user_id="UCHEF", name="Chef")
BOT = Actor(platform="opslag", user_id="opslag", name="Opslag")


def _advice() -> list[tuple[Intake, Recommendation]]:
    """A few dozen drafts and their advice, reused: the engine is not what is measured."""
    pairs = []
    for variant in VARIANTS:
        for text in TEXTS:
            intake = parse_intake({
                "audience": ["borgere"], "content_type": "nyhed", "has_media": True,
                "alt_text": "Billede", "text": text, "title": "Opslag", **variant,
            })
            pairs.append((intake, recommend(intake)))
    return pairs


def _snapshot(intake: Intake, advice: Recommendation) -> dict[str, Any]:
    return {"intake": intake.model_dump(mode="json"),
            "recommendation": advice.model_dump(mode="json"),
            "policy_version": advice.policy_version}


def fill(core: Core, count: int = PROPOSALS, seed: int = 13) -> None:
    rng = random.Random(seed)
    advice = _advice()
    store = core.store
    span = int((NOW - START).total_seconds() // 60) - 10 * 24 * 60
    with store.transaction():
        for index in range(count):
            intake, rec = rng.choice(advice)
            intake = intake.model_copy(update={
                "department": rng.choice(DEPARTMENTS), "title": f"Opslag {index}"})
            crisis = intake.crisis and rng.random() < 0.1  # one crisis in a hundred
            intake = intake.model_copy(update={"crisis": crisis})
            created = START + dt.timedelta(minutes=rng.randrange(span))
            person = Actor(platform="slack", user_id=f"U{index % 300}", name=f"Person {index}")
            draft = Proposal(
                id=0, created_at=created, updated_at=created, source="slack", proposer=person,
                intake=intake, recommendation=rec, policy_version=rec.policy_version,
                status=Status.PENDING,
            )
            pid = store.insert_proposal(draft)
            store.append_history(pid, created, "submitted", person, None, revision=1,
                                 snapshot=_snapshot(intake, rec))
            _afterwards(core, rng, pid, created, person, intake, rec)


def _afterwards(core: Core, rng: random.Random, pid: int, created: dt.datetime, person: Actor,
                intake: Intake, rec: Recommendation) -> None:
    """What happened to one proposal: a decision after minutes to days, perhaps a request for
    changes first, reminders while it waited, a publication with links."""
    store = core.store
    at = created + dt.timedelta(minutes=rng.randrange(10, 4 * 24 * 60))
    for day in range(1, int((at - created).total_seconds() // 86400) + 1):
        if day >= 2:
            store.append_history(pid, created + dt.timedelta(days=day), "reminded", BOT, None)
    roll = rng.random()
    if roll < 0.08:
        return  # still pending
    if roll < 0.18:
        store.append_history(pid, at, str(Status.CHANGES_REQUESTED), CHEF, "Kortere, tak",
                             revision=1)
        at += dt.timedelta(hours=rng.randrange(1, 48))
        store.append_history(pid, at, "resubmitted", person, None, revision=2,
                             snapshot=_snapshot(intake, rec))
        at += dt.timedelta(hours=rng.randrange(1, 48))
    decision = Decision.REJECT if roll > 0.92 else Decision.APPROVE
    store.append_history(pid, at, str(decision.status), CHEF, None)
    if decision is Decision.APPROVE and rng.random() < 0.6:
        links = {fit.platform: f"https://example.org/{fit.platform}/{pid}"
                 for fit in rec.platforms if fit.fit == "recommended"}
        store.append_history(pid, at + dt.timedelta(days=rng.randrange(1, 10)), "published",
                             CHEF, None, details={"links": links})


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def median_ms(work: Callable[[], object]) -> float:
    return round(statistics.median(_timed(work) for _ in range(RUNS)), 1)


def median_cpu_ms(work: Callable[[], object]) -> float:
    """CPU time of this process: on a shared, busy machine it moves less than the clock."""
    timings = []
    for _ in range(RUNS):
        start = time.process_time()
        work()
        timings.append((time.process_time() - start) * 1000)
    return round(statistics.median(timings), 1)


def _row(what: str, value: float, baseline: float, **extra: Any) -> dict[str, Any]:
    return {"what": what, "value": value, "baseline": baseline,
            "ratio": round(value / baseline, 3) if baseline else None, **extra}


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(opslag_db=Path(folder) / "bench.db")
        with build_core(settings, clock=lambda: NOW) as core:
            fill(core)
        # Opened again, as a server or `opslag rapport` finds the file: the fill's one large
        # transaction is no longer in the write-ahead log, where every read looked it up.
        with build_core(settings, clock=lambda: NOW) as core:
            return measure(core)


def measure(core: Core) -> list[dict[str, Any]]:
    before, _ = report.previous_period(FIRST, LAST)
    start, _ = report.bounds(before, LAST, TZ)
    _, end = report.bounds(FIRST, LAST, TZ)
    options: dict[str, Any] = {"sla_hours": 48, "escalate_minutes": 15, "made_at": NOW}

    def read() -> report.ReportFacts:
        return core.store.report_facts(start, end, finding_codes=report.FINDING_CODES,
                                       link_event=report.PUBLISHED)

    def whole() -> str:  # as `opslag rapport` makes it; the first call imports matplotlib
        return cli_report.page(core.store, FIRST, LAST, TZ, **options)

    first = round(_timed(whole), 1)
    from handlers import report_html

    facts = read()
    built = report.build(facts, FIRST, LAST, TZ, **options)
    total = median_ms(whole)
    baseline = round(_timed(lambda: core.store.proposals_active_between(start, end)), 1)
    is_baseline = f"read the same {len(facts.proposals)} proposals whole, once"
    notes = {"cpu_ms": median_cpu_ms(whole),
             "proposals": built.current.proposals + built.previous.proposals,
             "events": len(facts.events), "page_kb": len(whole()) // 1024}
    return [
        _row("whole report: read + count + page (ms)", total, baseline, baseline_is=is_baseline,
             limit=LIMIT_MS, within_limit=total < LIMIT_MS, **notes),
        _row("read the facts (ms)", median_ms(read), baseline, baseline_is=is_baseline),
        _row("count (ms)", median_ms(lambda: report.build(facts, FIRST, LAST, TZ, **options)),
             baseline, baseline_is=is_baseline),
        _row("draw and write the page (ms)", median_ms(lambda: report_html.render(built)),
             baseline, baseline_is=is_baseline),
        _row("first report in the process, with imports (ms)", first, baseline,
             baseline_is=is_baseline),
        *_monthly(core, baseline, is_baseline),
    ]


def _monthly(core: Core, baseline: float, is_baseline: str) -> list[dict[str, Any]]:
    from handlers import monthly_chart

    december = (LAST.year, LAST.month)
    summary = monthly.load_summary(core, december)
    return [
        _row("monthly summary: count six months (ms, store thread)",
             median_ms(lambda: monthly.load_summary(core, december)), baseline,
             baseline_is=is_baseline),
        _row("monthly summary: draw its PNG chart (ms)",
             median_ms(lambda: monthly_chart.png(summary)), baseline, baseline_is=is_baseline,
             png_kb=round(len(monthly_chart.png(summary)) / 1024, 1)),
    ]


def main() -> None:
    for one in run():
        print(one)


if __name__ == "__main__":
    main()
