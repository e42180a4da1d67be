"""`python -m bench._traced`: `opslag serve` under tracemalloc, for `bench.bench_soak --trace`.

The server as `opslag.server.main` builds it, plus two routes for the bench: POST
/bench/snapshot?name=N takes a tracemalloc snapshot under that name, and GET /bench/trace
answers, as text, what grew most between the first and the last snapshot and between the last
two, by the line that allocated it (OPSLAG_TRACE_TOP lines each). Never part of the server.
"""

from __future__ import annotations

import gc
import os
import tracemalloc

from aiohttp import web

from bot.config import load_settings
from opslag import server

# Frames kept per allocation. Tracing starts once the server is built: imports under
# tracemalloc take longer than the bench waits for a server to start, and the question is what
# grows while proposals come in, not what start-up allocates.
FRAMES = 8

_snapshots: dict[str, tracemalloc.Snapshot] = {}
_IGNORED = (tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"))


async def snapshot(request: web.Request) -> web.Response:
    gc.collect()
    taken = tracemalloc.take_snapshot().filter_traces(_IGNORED)
    _snapshots[request.query.get("name", str(len(_snapshots)))] = taken
    size, peak = tracemalloc.get_traced_memory()
    return web.Response(text=f"traced {size / 2**20:.1f} MB (peak {peak / 2**20:.1f} MB)\n")


async def trace(request: web.Request) -> web.Response:
    top = int(os.environ.get("OPSLAG_TRACE_TOP", "25"))
    names = list(_snapshots)
    lines: list[str] = []
    pairs = {(names[0], names[-1]), (names[-2], names[-1])} if len(names) >= 2 else set()
    for before, after in sorted(pairs, key=lambda pair: names.index(pair[0])):
        lines.append(f"== growth {before} -> {after}, by line ==")
        stats = _snapshots[after].compare_to(_snapshots[before], "lineno")
        total = sum(stat.size_diff for stat in stats)
        lines.append(f"total {total / 2**20:+.2f} MB")
        lines += [str(stat) for stat in stats[:top]]
        lines.append(f"== growth {before} -> {after}, by traceback (top 5) ==")
        for stat in _snapshots[after].compare_to(_snapshots[before], "traceback")[:5]:
            lines.append(f"{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks")
            lines += [f"    {frame}" for frame in stat.traceback.format()]
    return web.Response(text="\n".join(lines) + "\n")


def main() -> None:
    settings = load_settings()
    app = server.build_app(settings)
    app.router.add_post("/bench/snapshot", snapshot)
    app.router.add_get("/bench/trace", trace)
    tracemalloc.start(FRAMES)
    web.run_app(app, host="127.0.0.1", port=settings.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
