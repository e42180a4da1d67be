"""The strategy report as one self-contained Danish HTML page (`opslag rapport`).

Every Danish word of the page is here: the headings in `TEXT`, the one-sentence reading beside
each chart in the `_..._reading` functions. The numbers come from bot/report.py; the charts
from handlers/report_charts.py, as `data:` images, so the page loads nothing from anywhere and
can be mailed or opened offline. Jinja2 escapes every value (autoescape); the page holds no
script and no link out.

Each chart has its reading beside it and a table of its numbers under it, which is what a
screen reader reads (the image's alt text says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

from bot.digest import MONTHS
from bot.report import (
    AdviceMonth,
    DepartmentCount,
    MonthReview,
    PeriodNumbers,
    Report,
    ThemeCount,
    WordCount,
)
from handlers import report_charts as charts
from policy.textchecks import danish_number

# How many departments the chart shows (the table lists them all).
CHART_DEPARTMENTS = 10

TEXT = {
    "title": "Sociale medier og strategien",
    "subtitle": "Rapport til direktionen fra Opslag",
    "span": "{first} – {last}",
    "period": "{first} – {last}, sammenlignet med {before_first} – {before_last}.",
    "made": "Lavet {made} ud fra beslutningsjournalen i Opslag. Strategiens version: {version}.",
    "empty": "Der er ingen forslag eller andre hændelser i Opslag i perioden, så der er "
             "intet at vise. Vælg en anden periode med --fra og --til.",
    "contents": "Indhold",
    "figures": "Nøgletal",
    "focus": "Fokusområderne",
    "focus_lead": "Strategien vil fremover kommunikere mere om {areas}. De står derfor først.",
    "themes": "Styrkepositioner og fokusområder",
    "themes_lead": "Forslag efter tema, og de opslag, der er markeret som udgivet.",
    "platforms": "Platforme",
    "platforms_lead": "Hvor rådene anbefalede at poste, og hvor opslagene blev udgivet.",
    "routes": "Ruter og afdelinger",
    "review": "Godkendelse",
    "crises": "Kriser",
    "advice": "Rådene om sprog",
    "advice_lead": "Opslag tjekker hvert forslags tekst: læsbarhed (LIX), tunge ord og "
                   "passiv form. Færre fund over tid tyder på, at rådene hjælper.",
    "method": "Sådan er tallene talt",
    "numbers_below": "Tallene står i tabellen under diagrammet.",
    # Key figures
    "proposals": "Forslag",
    "published": "Udgivne opslag",
    "approved_share": "Godkendt ved afgørelse",
    "median_time": "Median tid til første afgørelse",
    "crisis_count": "Kriseforslag",
    "reminders": "Påmindelser sendt",
    "before": "perioden før: {value}",
    "sla": "fristen er {hours}",
    # Table words
    "month": "Måned",
    "theme": "Tema",
    "kind": "Slags",
    "styrkeposition": "Styrkeposition",
    "fokusomraade": "Fokusområde",
    "andet": "Andet",
    "other_themes": "Øvrige temaer",
    "proposals_col": "Forslag",
    "proposals_before": "Forslag, perioden før",
    "published_col": "Udgivet",
    "published_before": "Udgivet, perioden før",
    "total": "I alt",
    "period_before": "Perioden før",
    "platform": "Platform",
    "recommended": "Anbefalet",
    "recommended_before": "Anbefalet, perioden før",
    "department": "Afdeling",
    "no_department": "Ikke oplyst",
    "route": "Rute",
    "no_route": "Uden rute",
    "central": "Central",
    "own": "Fagområdet selv",
    "decided": "Afgjort første gang",
    "median_hours": "Median (timer)",
    "p90_hours": "90 % (timer)",
    "decision": "Afgørelse",
    "count": "Antal",
    "share": "Andel",
    "approved": "Godkendt",
    "changes": "Bedt om ændringer",
    "rejected": "Afvist",
    "waiting": "Påmindelser og ventetid",
    "reminders_row": "Påmindelser sendt om forslag, der ventede",
    "undecided_row": "Forslag fra perioden uden afgørelse ved periodens slutning",
    "proposal": "Forslag",
    "submitted": "Sendt",
    "minutes_to_action": "Minutter til første handling",
    "median_minutes": "Median (minutter til første handling)",
    "caption_crises": "Hvert kriseforslag",
    "escalated": "Eskaleret",
    "yes": "ja",
    "no": "nej",
    "not_yet": "endnu ingen",
    "median_lix": "Median-LIX",
    "officialese": "Tunge ord",
    "passive": "Passiver",
    "per_proposal": "{what} pr. forslag",
    "word": "Ord",
    "top_officialese": "Hyppigste tunge ord",
    "top_passive": "Hyppigste passiver",
    "no_words": "Ingen fund i perioden.",
    "numbers_of": "Tallene bag diagrammet: {what}",
    # Chart axes and series
    "axis_proposals": "Antal forslag",
    "axis_posts": "Antal",
    "axis_hours": "Timer",
    "axis_minutes": "Minutter",
    "axis_lix": "LIX",
    "axis_per_proposal": "Fund pr. forslag",
    "sla_line": "Fristen: {hours}",
    "escalation_line": "Eskaleres efter {minutes}",
    "median": "Median",
    "p90": "90 %",
    "crisis_label": "nr. {id}",
    # Alt texts
    "alt_focus": "Linjediagram: forslag pr. måned i fokusområderne.",
    "alt_themes": "Søjlediagram: forslag og udgivne opslag pr. styrkeposition og "
                  "fokusområde, og forslag i perioden før.",
    "alt_platforms": "Søjlediagram: anbefalede og udgivne opslag pr. platform.",
    "alt_departments": "Søjlediagram: forslag pr. afdeling, delt på central gennemgang og "
                       "fagområdet selv.",
    "alt_review": "Linjediagram: median og 90 % af tiden til første afgørelse pr. måned, "
                  "med fristen som vandret linje.",
    "alt_crises": "Søjlediagram: median af minutter til første handling på kriseforslag pr. "
                  "måned, med grænsen for eskalering som vandret linje.",
    "alt_lix": "Linjediagram: median-LIX pr. måned.",
    "alt_findings": "Linjediagram: tunge ord og passiver pr. forslag pr. måned.",
    # Table captions
    "caption_by_month_proposals": "Forslag pr. måned efter tema",
    "caption_by_month_published": "Udgivne opslag pr. måned efter tema",
    "caption_routes": "Forslag efter rute",
    "departments": "forslag pr. afdeling",
    "caption_decisions": "Afgørelser i perioden",
}

# How the numbers are counted, said at the foot of the page (bot/report.py says the same).
METHOD = [
    "Et forslag tæller i den periode, det første gang blev sendt i, med tema, rute, "
    "afdeling, anbefalede platforme og tekst, som det så ud til sidst.",
    "Et opslag tæller som udgivet i den periode, det blev markeret udgivet i, på de "
    "platforme, der er givet et link til.",
    "Tid til afgørelse er tiden fra forslaget blev sendt, til nogen første gang "
    "godkendte, bad om ændringer eller afviste det. Median: halvdelen fik svar hurtigere. "
    "90 %: 9 ud af 10 fik svar hurtigere.",
    "For et kriseforslag er tiden til første handling tiden, til en anden end "
    "forslagsstilleren første gang gjorde noget ved det.",
    "Perioden før har samme antal dage og slutter dagen før perioden.",
    "Måneder og tidspunkter er i tidszonen {timezone}.",
]

# The reading beside each chart: one sentence, from the numbers.
READING = {
    "focus_item": "{label}: {count}, {versus}",
    "up": "op fra {before} i perioden før",
    "down": "ned fra {before} i perioden før",
    "same": "som i perioden før",
    "themes": "Flest forslag handlede om »{top}« ({count} af {total}); {zero}.",
    "themes_unnamed": "Ingen af forslagene handlede om styrkepositionerne eller fokusområderne.",
    "themes_all": "alle {count} styrkepositioner fik forslag",
    "themes_none": "ingen af de {count} styrkepositioner fik forslag",
    "themes_some": "{zero} af de {count} styrkepositioner fik ingen",
    "no_proposals": "Der kom ingen forslag i perioden.",
    "platforms": "{top} blev anbefalet oftest ({count} forslag), og {published}.",
    "platforms_published": "flest opslag blev udgivet på {top} ({count})",
    "platforms_none": "ingen opslag er markeret som udgivet i perioden",
    "routes": "{central} skulle gennemgås centralt og {own} af fagområdet selv; flest "
              "forslag kom fra {top} ({count}).",
    "review": "Halvdelen af forslagene fik første afgørelse inden for {median} og 9 ud af 10 "
              "inden for {p90}; {within} af {count} ({share}) blev afgjort inden for "
              "fristen på {sla}.",
    "review_none": "Ingen forslag fik deres første afgørelse i perioden.",
    "crises": "{count} ({before} i perioden før); halvdelen fik en første handling inden for "
              "{median}, den langsomste efter {slowest}{waiting}.",
    "crises_waiting": ", og {count} venter stadig",
    "crises_none": "Ingen af de {count} kriseforslag er handlet på endnu.",
    "crises_zero": "Der var ingen kriseforslag i perioden ({before} i perioden før).",
    "lix": "Median-LIX var {lix} i perioden ({before} i perioden før){span}.",
    "lix_span": "; {first} i {first_month} og {last} i {last_month}",
    "lix_none": "Der er ingen tekster at måle i perioden.",
    "findings": "Rådene fandt {officialese} tunge ord og {passive} passiver pr. forslag, mod "
                "{officialese_before} og {passive_before} i perioden før.",
}


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]
    foot: list[list[str]] = field(default_factory=list)


@dataclass
class Chart:
    image: str  # a data: address
    alt: str
    reading: str
    table: Table


@dataclass
class Section:
    key: str  # the anchor
    heading: str
    lead: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    reading: str = ""  # a finding said without a chart (no crises)


@dataclass
class Figure:
    """A key figure at the top of the page."""

    name: str
    value: str
    note: str


def render(report: Report) -> str:
    """The whole page."""
    current, previous = report.current, report.previous
    page = {
        "title": TEXT["title"],
        "span": TEXT["span"].format(first=_date(current.first), last=_date(current.last)),
        "subtitle": TEXT["subtitle"],
        "period": TEXT["period"].format(
            first=_date(current.first), last=_date(current.last),
            before_first=_date(previous.first), before_last=_date(previous.last)),
        "made": TEXT["made"].format(made=_moment(report.made_at, report),
                                    version=report.policy_version),
        "empty": TEXT["empty"] if report.empty else "",
        "contents": TEXT["contents"],
        "figures_heading": TEXT["figures"],
        "figures": [] if report.empty else _figures(report),
        "sections": [] if report.empty else _sections(report),
        "method_heading": TEXT["method"],
        "method": [item.format(timezone=report.timezone) for item in METHOD],
    }
    return _TEMPLATE.render(**page)


# -- numbers in Danish ---------------------------------------------------------------------------


def _n(value: float, decimals: int = 0) -> str:
    return danish_number(value, decimals)


def _hours(value: float | None) -> str:
    if value is None:
        return "–"
    if round(value, 1) == 1:
        return "1 time"
    return f"{_n(value, 0 if round(value, 1).is_integer() else 1)} timer"


def _minutes(value: float) -> str:
    """Minutes, or hours once there are more than two of them."""
    if value > 120:
        return _hours(value / 60)
    return "1 minut" if round(value) == 1 else f"{_n(value)} minutter"


def _share(count: int, total: int) -> str:
    return f"{_n(100 * count / total)} %" if total else "–"


def _optional(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else _n(value, decimals)


def _date(day: dt.date) -> str:
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def _moment(moment: dt.datetime, report: Report) -> str:
    local = moment.astimezone(_zone(report))
    return f"{_date(local.date())} kl. {local:%H.%M}"


def _zone(report: Report) -> dt.tzinfo:
    return ZoneInfo(report.timezone)


def _versus(count: int, before: int) -> str:
    key = "up" if count > before else "down" if count < before else "same"
    return READING[key].format(before=_n(before))


# -- the page's parts ----------------------------------------------------------------------------


def _figures(report: Report) -> list[Figure]:
    current, previous = report.current, report.previous
    review = current.review
    return [
        Figure(TEXT["proposals"], _n(current.proposals),
               TEXT["before"].format(value=_n(previous.proposals))),
        Figure(TEXT["published"], _n(current.published),
               TEXT["before"].format(value=_n(previous.published))),
        Figure(TEXT["approved_share"], _share(review.approved, review.decisions),
               TEXT["before"].format(value=_share(previous.review.approved,
                                                  previous.review.decisions))),
        Figure(TEXT["median_time"], _hours(review.median_hours),
               TEXT["sla"].format(hours=_hours(report.sla_hours))),
        Figure(TEXT["crisis_count"], _n(current.crises.count),
               TEXT["before"].format(value=_n(previous.crises.count))),
        Figure(TEXT["reminders"], _n(review.reminders),
               TEXT["before"].format(value=_n(previous.review.reminders))),
    ]


def _sections(report: Report) -> list[Section]:
    return [
        _focus(report), _themes(report), _platforms(report), _routes(report),
        _review(report), _crises(report), _advice(report),
    ]


def _month_labels(period: PeriodNumbers) -> list[str]:
    return [month.label for month in period.months]


def _focus(report: Report) -> Section:
    pairs = report.focus()
    current = report.current
    months = _month_labels(current)
    reading = "; ".join(
        READING["focus_item"].format(label=theme.label, count=f"{_n(theme.proposals)} forslag",
                                     versus=_versus(theme.proposals, before.proposals))
        for theme, before in pairs
    ) + "."
    head = [TEXT["month"]]
    for theme, _ in pairs:
        head += [f"{theme.label}: {TEXT['proposals_col'].lower()}",
                 f"{theme.label}: {TEXT['published_col'].lower()}"]
    rows = [
        [month, *[_n(value) for theme, _ in pairs
                  for value in (theme.proposals_by_month[i], theme.published_by_month[i])]]
        for i, month in enumerate(months)
    ]
    foot = [
        [TEXT["total"], *[_n(v) for theme, _ in pairs for v in (theme.proposals, theme.published)]],
        [TEXT["period_before"],
         *[_n(v) for _, before in pairs for v in (before.proposals, before.published)]],
    ]
    chart = Chart(
        image=charts.lines(months, [charts.Series(theme.label, theme.proposals_by_month)
                                    for theme, _ in pairs],
                           axis=TEXT["axis_proposals"], integer=True),
        alt=_alt("alt_focus"), reading=reading,
        table=Table(TEXT["numbers_of"].format(what=TEXT["focus"].lower()), head, rows, foot),
    )
    areas = _join([f"»{theme.label}«" for theme, _ in pairs])
    return Section("fokus", TEXT["focus"], TEXT["focus_lead"].format(areas=areas), [chart])


def _theme_name(theme: ThemeCount) -> str:
    return theme.label or TEXT["other_themes"]


def _themes(report: Report) -> Section:
    current, previous = report.current, report.previous
    themes = current.themes
    before = {theme.key: theme for theme in previous.themes}
    names = [_theme_name(theme) for theme in themes]
    chart = Chart(
        image=charts.bars(names, [
            charts.Series(TEXT["proposals_col"], [t.proposals for t in themes]),
            charts.Series(TEXT["proposals_before"], [before[t.key].proposals for t in themes]),
            charts.Series(TEXT["published_col"], [t.published for t in themes]),
        ], axis=TEXT["axis_posts"]),
        alt=_alt("alt_themes"), reading=_themes_reading(current),
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["themes"].lower()),
            [TEXT["theme"], TEXT["kind"], TEXT["proposals_col"], TEXT["proposals_before"],
             TEXT["published_col"], TEXT["published_before"]],
            [[_theme_name(t), TEXT[t.kind], _n(t.proposals), _n(before[t.key].proposals),
              _n(t.published), _n(before[t.key].published)] for t in themes],
            [[TEXT["total"], "", _n(current.proposals), _n(previous.proposals),
              _n(current.published), _n(previous.published)]],
        ),
    )
    months = _month_labels(current)
    by_month = [
        Table(TEXT[caption], [TEXT["theme"], *months],
              [[_theme_name(t), *[_n(v) for v in getattr(t, attribute)]] for t in themes])
        for caption, attribute in (("caption_by_month_proposals", "proposals_by_month"),
                                   ("caption_by_month_published", "published_by_month"))
    ]
    return Section("temaer", TEXT["themes"], TEXT["themes_lead"], [chart], by_month)


def _themes_reading(period: PeriodNumbers) -> str:
    if period.proposals == 0:
        return READING["no_proposals"]
    named = [t for t in period.themes if t.key]
    top = max(named or period.themes, key=lambda t: t.proposals)
    if top.proposals == 0:
        return READING["themes_unnamed"]
    positions = [t for t in named if t.kind == "styrkeposition"]
    zero = sum(1 for t in positions if t.proposals == 0)
    count = _n(len(positions))
    if zero == 0:
        said = READING["themes_all"].format(count=count)
    elif zero == len(positions):
        said = READING["themes_none"].format(count=count)
    else:
        said = READING["themes_some"].format(zero=_n(zero), count=count)
    return READING["themes"].format(top=_theme_name(top), count=_n(top.proposals),
                                    total=_n(period.proposals), zero=said)


def _platforms(report: Report) -> Section:
    current = report.current
    platforms = current.platforms
    before = {p.key: p for p in report.previous.platforms}
    top = max(platforms, key=lambda p: p.recommended)
    most_published = max(platforms, key=lambda p: p.published)
    published = (READING["platforms_published"].format(top=most_published.label,
                                                       count=_n(most_published.published))
                 if most_published.published else READING["platforms_none"])
    reading = (READING["platforms"].format(top=top.label, count=_n(top.recommended),
                                           published=published)
               if top.recommended else READING["no_proposals"])
    chart = Chart(
        image=charts.bars([p.label for p in platforms], [
            charts.Series(TEXT["recommended"], [p.recommended for p in platforms]),
            charts.Series(TEXT["published_col"], [p.published for p in platforms]),
        ], axis=TEXT["axis_posts"]),
        alt=_alt("alt_platforms"), reading=reading,
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["platforms"].lower()),
            [TEXT["platform"], TEXT["recommended"], TEXT["recommended_before"],
             TEXT["published_col"], TEXT["published_before"]],
            [[p.label, _n(p.recommended), _n(_before(before, p.key, "recommended")),
              _n(p.published), _n(_before(before, p.key, "published"))] for p in platforms],
        ),
    )
    return Section("platforme", TEXT["platforms"], TEXT["platforms_lead"], [chart])


def _before(before: Mapping[str, Any], key: str, attribute: str) -> int:
    item = before.get(key)
    return int(getattr(item, attribute)) if item is not None else 0


def _department_name(department: DepartmentCount) -> str:
    return department.name or TEXT["no_department"]


def _routes(report: Report) -> Section:
    current = report.current
    routes = {route.key: route.proposals for route in current.routes}
    before = {route.key: route.proposals for route in report.previous.routes}
    departments = current.departments
    shown = departments[:CHART_DEPARTMENTS]
    series = [
        charts.Series(TEXT["central"], [d.central for d in shown]),
        charts.Series(TEXT["own"], [d.department for d in shown]),
    ]
    others = [d.proposals - d.central - d.department for d in shown]
    if any(others):
        series.append(charts.Series(TEXT["no_route"], others))
    if departments:
        top = departments[0]
        reading = READING["routes"].format(
            central=f"{_n(routes.get('central', 0))} forslag", own=_n(routes.get("department", 0)),
            top=_department_name(top), count=_n(top.proposals))
    else:
        reading = READING["no_proposals"]
    chart = Chart(
        image=charts.bars([_department_name(d) for d in shown], series,
                          axis=TEXT["axis_proposals"], stacked=True),
        alt=_alt("alt_departments"), reading=reading,
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["departments"]),
            [TEXT["department"], TEXT["proposals_col"], TEXT["central"], TEXT["own"]],
            [[_department_name(d), _n(d.proposals), _n(d.central), _n(d.department)]
             for d in departments],
        ),
    )
    route_table = Table(
        TEXT["caption_routes"], [TEXT["route"], TEXT["proposals_col"], TEXT["proposals_before"]],
        [[route.label or TEXT["no_route"], _n(route.proposals), _n(before.get(route.key, 0))]
         for route in current.routes],
    )
    return Section("ruter", TEXT["routes"], "", [chart], [route_table])


def _review(report: Report) -> Section:
    review, before = report.current.review, report.previous.review
    months = _month_labels(report.current)
    if review.first_decisions:
        reading = READING["review"].format(
            median=_hours(review.median_hours), p90=_hours(review.p90_hours),
            within=_n(review.within_sla), count=_n(review.first_decisions),
            share=_share(review.within_sla, review.first_decisions),
            sla=_hours(report.sla_hours))
    else:
        reading = READING["review_none"]
    chart = Chart(
        image=charts.lines(months, [
            charts.Series(TEXT["median"], [m.median_hours for m in review.by_month]),
            charts.Series(TEXT["p90"], [m.p90_hours for m in review.by_month]),
        ], axis=TEXT["axis_hours"],
            reference=charts.Line(report.sla_hours,
                                  TEXT["sla_line"].format(hours=_hours(report.sla_hours)))),
        alt=_alt("alt_review"), reading=reading,
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["median_time"].lower()),
            [TEXT["month"], TEXT["decided"], TEXT["median_hours"], TEXT["p90_hours"]],
            [_review_row(month, m) for month, m in zip(months, review.by_month, strict=True)],
            [[TEXT["total"], _n(review.first_decisions), _optional(review.median_hours),
              _optional(review.p90_hours)]],
        ),
    )
    decisions = Table(
        TEXT["caption_decisions"],
        [TEXT["decision"], TEXT["count"], TEXT["share"], TEXT["period_before"]],
        [[TEXT[name], _n(getattr(review, attribute)),
          _share(getattr(review, attribute), review.decisions), _n(getattr(before, attribute))]
         for name, attribute in (("approved", "approved"), ("changes", "changes_requested"),
                                 ("rejected", "rejected"))],
        [[TEXT["total"], _n(review.decisions), _share(review.decisions, review.decisions),
          _n(before.decisions)]],
    )
    waiting = Table(
        TEXT["waiting"], [TEXT["waiting"], TEXT["count"], TEXT["period_before"]],
        [[TEXT["reminders_row"], _n(review.reminders), _n(before.reminders)],
         [TEXT["undecided_row"], _n(review.undecided), _n(before.undecided)]],
    )
    return Section("godkendelse", TEXT["review"], "", [chart], [decisions, waiting])


def _review_row(month: str, numbers: MonthReview) -> list[str]:
    return [month, _n(numbers.decided), _optional(numbers.median_hours),
            _optional(numbers.p90_hours)]


def _crises(report: Report) -> Section:
    crises, before = report.current.crises, report.previous.crises
    section = Section("kriser", TEXT["crises"])
    if crises.count == 0:
        section.reading = READING["crises_zero"].format(before=_n(before.count))
        return section
    acted = [item for item in crises.items if item.minutes_to_action is not None]
    if crises.median_minutes is None or crises.slowest_minutes is None:
        reading = READING["crises_none"].format(count=_n(crises.count))
    else:
        waiting = (READING["crises_waiting"].format(count=_n(crises.without_action))
                   if crises.without_action else "")
        reading = READING["crises"].format(
            count=f"{_n(crises.count)} kriseforslag", before=_n(before.count),
            median=_minutes(crises.median_minutes), slowest=_minutes(crises.slowest_minutes),
            waiting=waiting)
    table = Table(
        TEXT["caption_crises"],
        [TEXT["proposal"], TEXT["submitted"], TEXT["minutes_to_action"], TEXT["escalated"]],
        [[TEXT["crisis_label"].format(id=item.proposal_id), _moment(item.submitted_at, report),
          TEXT["not_yet"] if item.minutes_to_action is None else _n(item.minutes_to_action),
          TEXT["yes"] if item.escalated else TEXT["no"]] for item in crises.items],
    )
    if not acted:
        section.reading = reading
        section.tables = [table]
        return section
    minutes = report.escalate_minutes
    months = _month_labels(report.current)
    section.charts = [Chart(
        image=charts.columns(
            months, [m.median_minutes for m in crises.by_month], axis=TEXT["axis_minutes"],
            reference=charts.Line(minutes,
                                  TEXT["escalation_line"].format(minutes=_minutes(minutes)))),
        alt=_alt("alt_crises"), reading=reading,
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["crises"].lower()),
            [TEXT["month"], TEXT["crisis_count"], TEXT["median_minutes"]],
            [[month, _n(m.count), _optional(m.median_minutes, 0)]
             for month, m in zip(months, crises.by_month, strict=True)],
            [[TEXT["total"], _n(crises.count), _optional(crises.median_minutes, 0)]],
        ),
    )]
    section.tables = [table]
    return section


def _advice(report: Report) -> Section:
    advice, before = report.current.advice, report.previous.advice
    months = _month_labels(report.current)
    lix_chart = Chart(
        image=charts.lines(months, [charts.Series(TEXT["median_lix"],
                                                  [m.median_lix for m in advice.by_month])],
                           axis=TEXT["axis_lix"]),
        alt=_alt("alt_lix"), reading=_lix_reading(report),
        table=Table(
            TEXT["numbers_of"].format(what=TEXT["median_lix"]),
            [TEXT["month"], TEXT["proposals_col"], TEXT["median_lix"]],
            [[month, _n(m.proposals), _optional(m.median_lix)]
             for month, m in zip(months, advice.by_month, strict=True)],
            [[TEXT["total"], _n(advice.proposals), _optional(advice.median_lix)],
             [TEXT["period_before"], _n(before.proposals), _optional(before.median_lix)]],
        ),
    )
    findings_chart = Chart(
        image=charts.lines(months, [
            charts.Series(TEXT["officialese"], [_per(m, "officialese") for m in advice.by_month]),
            charts.Series(TEXT["passive"], [_per(m, "passive") for m in advice.by_month]),
        ], axis=TEXT["axis_per_proposal"]),
        alt=_alt("alt_findings"),
        reading=READING["findings"].format(
            officialese=_rate(advice.officialese, advice.proposals),
            passive=_rate(advice.passive, advice.proposals),
            officialese_before=_rate(before.officialese, before.proposals),
            passive_before=_rate(before.passive, before.proposals)),
        table=Table(
            TEXT["numbers_of"].format(what=f"{TEXT['officialese'].lower()} og "
                                           f"{TEXT['passive'].lower()}"),
            [TEXT["month"], TEXT["proposals_col"], TEXT["officialese"], TEXT["passive"],
             TEXT["per_proposal"].format(what=TEXT["officialese"]),
             TEXT["per_proposal"].format(what=TEXT["passive"])],
            [[month, _n(m.proposals), _n(m.officialese), _n(m.passive),
              _rate(m.officialese, m.proposals), _rate(m.passive, m.proposals)]
             for month, m in zip(months, advice.by_month, strict=True)],
            [[TEXT["total"], _n(advice.proposals), _n(advice.officialese), _n(advice.passive),
              _rate(advice.officialese, advice.proposals),
              _rate(advice.passive, advice.proposals)],
             [TEXT["period_before"], _n(before.proposals), _n(before.officialese),
              _n(before.passive), _rate(before.officialese, before.proposals),
              _rate(before.passive, before.proposals)]],
        ),
    )
    words = [_words(TEXT["top_officialese"], advice.top_officialese),
             _words(TEXT["top_passive"], advice.top_passive)]
    return Section("raad", TEXT["advice"], TEXT["advice_lead"], [lix_chart, findings_chart],
                   words)


def _lix_reading(report: Report) -> str:
    advice = report.current.advice
    if advice.median_lix is None:
        return READING["lix_none"]
    measured = [(month.label, m.median_lix) for month, m in
                zip(report.current.months, advice.by_month, strict=True)
                if m.median_lix is not None]
    span = ""
    if len(measured) > 1:
        (first_month, first), (last_month, last) = measured[0], measured[-1]
        span = READING["lix_span"].format(first=_optional(first), first_month=first_month,
                                          last=_optional(last), last_month=last_month)
    return READING["lix"].format(lix=_optional(advice.median_lix),
                                 before=_optional(report.previous.advice.median_lix), span=span)


def _per(month: AdviceMonth, attribute: str) -> float | None:
    return getattr(month, attribute) / month.proposals if month.proposals else None


def _rate(count: int, proposals: int) -> str:
    return _n(count / proposals, 1) if proposals else "–"


def _words(caption: str, words: Sequence[WordCount]) -> Table:
    rows = [[word.word, _n(word.count)] for word in words]
    return Table(caption, [TEXT["word"], TEXT["count"]], rows or [[TEXT["no_words"], ""]])


def _alt(key: str) -> str:
    return f"{TEXT[key]} {TEXT['numbers_below']}"


def _join(items: Sequence[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


_PAGE = """<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}: {{ span }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
  background: #fff; line-height: 1.5; margin: 0 auto; max-width: 64rem; padding: 1.5rem; }
h1 { font-size: 1.9rem; margin-bottom: 0; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; border-bottom: 2px solid #0072B2; }
.subtitle { font-size: 1.1rem; margin-top: 0.2rem; }
.muted { color: #555; }
nav ul { padding-left: 1.2rem; columns: 2; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr));
  gap: 0.8rem; margin: 0; }
.figures div { border: 1px solid #ccc; border-radius: 6px; padding: 0.6rem 0.8rem; }
.figures dt { font-size: 0.9rem; color: #444; }
.figures dd { margin: 0; font-size: 1.6rem; font-weight: 600; }
.figures dd small { display: block; font-size: 0.85rem; font-weight: normal; color: #555; }
figure { margin: 1rem 0 0.5rem; display: grid; gap: 1rem;
  grid-template-columns: minmax(0, 3fr) minmax(12rem, 1fr); align-items: center; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 1.05rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; }
thead th { text-align: right; vertical-align: bottom; }
thead th:first-child, tbody th, tfoot th { text-align: left; font-weight: normal; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td, tfoot th { font-weight: 600; }
.empty { font-size: 1.2rem; border-left: 4px solid #E69F00; padding-left: 1rem; }
@media (max-width: 45rem) { figure { grid-template-columns: 1fr; } nav ul { columns: 1; } }
@media print { figure, table { break-inside: avoid; } nav { display: none; } }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p class="subtitle">{{ subtitle }}</p>
<p>{{ period }}</p>
<p class="muted">{{ made }}</p>
</header>
<main>
{% if empty %}
<p class="empty">{{ empty }}</p>
{% else %}
<nav aria-label="{{ contents }}">
<ul>
<li><a href="#noegletal">{{ figures_heading }}</a></li>
{% for section in sections %}<li><a href="#{{ section.key }}">{{ section.heading }}</a></li>
{% endfor %}</ul>
</nav>
<section id="noegletal" aria-labelledby="noegletal-h">
<h2 id="noegletal-h">{{ figures_heading }}</h2>
<dl class="figures">
{% for figure in figures %}<div><dt>{{ figure.name }}</dt>
<dd>{{ figure.value }}<small>{{ figure.note }}</small></dd></div>
{% endfor %}</dl>
</section>
{% for section in sections %}
<section id="{{ section.key }}" aria-labelledby="{{ section.key }}-h">
<h2 id="{{ section.key }}-h">{{ section.heading }}</h2>
{% if section.lead %}<p>{{ section.lead }}</p>{% endif %}
{% if section.reading %}<p class="reading">{{ section.reading }}</p>{% endif %}
{% for chart in section.charts %}
<figure>
<img src="{{ chart.image }}" alt="{{ chart.alt }}">
<figcaption class="reading">{{ chart.reading }}</figcaption>
</figure>
{{ table(chart.table) }}
{% endfor %}
{% for one in section.tables %}{{ table(one) }}{% endfor %}
</section>
{% endfor %}
{% endif %}
<section id="metode" aria-labelledby="metode-h">
<h2 id="metode-h">{{ method_heading }}</h2>
<ul>
{% for item in method %}<li>{{ item }}</li>
{% endfor %}</ul>
</section>
</main>
</body>
</html>
"""

_TABLE = """{% macro table(t) -%}
<div class="scroll" role="region" aria-label="{{ t.caption }}" tabindex="0">
<table>
<caption>{{ t.caption }}</caption>
<thead><tr>{% for cell in t.head %}<th scope="col">{{ cell }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}<tr><th scope="row">{{ row[0] }}</th>
{%- for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
{% if t.foot %}<tfoot>
{% for row in t.foot %}<tr><th scope="row">{{ row[0] }}</th>
{%- for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tfoot>{% endif %}
</table>
</div>
{%- endmacro %}"""

# Autoescape on: every value from the data (a department's name, a finding's word) is text.
_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                           keep_trailing_newline=True)
_TEMPLATE = _ENVIRONMENT.from_string(_TABLE + _PAGE)
