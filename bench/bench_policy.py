"""How fast `policy.recommend` is, next to a baseline measured in the same run.

The baseline is `Intake.model_validate` on the same answers: the pydantic validation every
request pays anyway, so the ratio says what the policy adds on top, independent of the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from policy import Intake, recommend

LONG_TEXT = (
    "Såfremt du ønsker at deltage i borgermødet om den nye cykelsti mellem Grenaa og "
    "Ebeltoft, bedes du tilmelde dig. Mødet afholdes i forbindelse med byrådets temadag, "
    "og projektet iværksættes til foråret. Vi glæder os til at se dig. "
)

ANSWERS: list[dict[str, Any]] = [
    {"audience": ["borgere"], "theme": "klima_miljoe", "content_type": "nyhed",
     "has_media": True, "alt_text": "Vindmøller", "text": "Vi planter 5.000 træer ved Grenaa."},
    {"audience": ["borgere", "tilflyttere"], "theme": "bosaetning", "content_type": "god_historie",
     "has_media": True, "captions": False, "text": LONG_TEXT * 3,
     "link": "https://www.norddjurs.dk/bosaetning"},
    {"audience": ["arbejdsmarked"], "theme": "rekruttering", "content_type": "jobopslag",
     "job_level": "chef", "text": LONG_TEXT * 8},
    {"audience": ["medarbejdere"], "theme": "andet", "content_type": "navnenyt",
     "text": "Tillykke til Hanne i Borgerservice med 25 år i kommunen!"},
    {"audience": ["borgere"], "theme": "infrastruktur", "content_type": "serviceinfo",
     "crisis": True, "text": "Vandet er afbrudt i Auning. Kog vandet, før du drikker det."},
    {"audience": ["unge_voksne", "turister"], "theme": "natur_kultur",
     "content_type": "hverdagsglimt", "has_media": True, "alt_text": "Solnedgang", "captions": True,
     "text": "Solnedgang over Kattegat ved Grenaa Strand. " * 60},
    {"audience": ["erhverv"], "theme": "partnerskaber", "content_type": "deling",
     "text": LONG_TEXT},
    {"audience": ["borgere"], "theme": "andet", "content_type": "politisk",
     "text": "Byrådet har vedtaget budgettet for 2027. " * 20},
]


def _measure(fn: Callable[[int], object], calls: int) -> dict[str, float]:
    for i in range(min(calls, 500)):  # warm caches and regexes
        fn(i)
    timings = [0] * calls
    clock = time.perf_counter_ns
    started = clock()
    for i in range(calls):
        t0 = clock()
        fn(i)
        timings[i] = clock() - t0
    wall = clock() - started
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "calls_per_sec": calls / (wall / 1e9),
        "p50_us": statistics.median(timings) / 1000,
        "p99_us": cuts[98] / 1000,
    }


def run(n: int = 20000) -> dict[str, Any]:
    """Time `recommend` and the validation baseline over the same varied intakes.

    Returns the figures (`calls_per_sec`, `p50_us`, `p99_us`, the same under `baseline`, and
    `ratio_p50`) and, under `rows`, the same as table rows for `python -m bench`.
    """
    intakes = [Intake.model_validate(a) for a in ANSWERS]
    k = len(ANSWERS)
    base = _measure(lambda i: Intake.model_validate(ANSWERS[i % k]), n)
    policy = _measure(lambda i: recommend(intakes[i % k]), n)
    short, longest = _extremes()
    short_p = _measure(lambda i: recommend(short), max(n // 4, 1))
    long_p = _measure(lambda i: recommend(longest), max(n // 4, 1))
    extra = {"n": n, "intakes": k, "baseline_is": "Intake.model_validate, same answers"}
    return {
        **policy,
        "n": n,
        "baseline": base,
        "ratio_p50": policy["p50_us"] / base["p50_us"],
        "rows": [
            _row("policy.recommend p50 (µs)", policy["p50_us"], base["p50_us"], **extra),
            _row("policy.recommend p99 (µs)", policy["p99_us"], base["p99_us"], **extra),
            _row("policy.recommend calls/s", policy["calls_per_sec"], base["calls_per_sec"],
                 **extra),
            _row("recommend p50, 58-char text (µs)", short_p["p50_us"], base["p50_us"],
                 n=max(n // 4, 1), baseline_is=extra["baseline_is"]),
            _row("recommend p50, 3.000-char text (µs)", long_p["p50_us"], base["p50_us"],
                 n=max(n // 4, 1), baseline_is=extra["baseline_is"]),
            _row("recommend p99, 3.000-char text (µs)", long_p["p99_us"], base["p99_us"],
                 n=max(n // 4, 1), baseline_is=extra["baseline_is"]),
        ],
        "short_text": short_p,
        "longest_text": long_p,
    }


def _extremes() -> tuple[Intake, Intake]:
    """A one-line post, and one at the 3.000-character limit full of things to flag."""
    short = Intake.model_validate({
        "audience": ["borgere"], "theme": "bosaetning", "content_type": "nyhed",
        "text": "Vi åbner en ny legeplads i Grenaa på lørdag. Kom og leg.",
    })
    text = (LONG_TEXT * 20)[:3000].strip()
    longest = Intake.model_validate({
        "audience": ["borgere", "erhverv", "unge_voksne"], "theme": "erhverv_job",
        "content_type": "god_historie", "has_media": True, "text": text,
    })
    return short, longest


def _row(what: str, value: float, baseline: float, **extra: Any) -> dict[str, Any]:
    return {
        "what": what, "value": round(value, 1), "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 2) if baseline else None, **extra,
    }


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "policy"]))
