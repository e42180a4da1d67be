"""One thread for the store: what async code asks of SQLite runs there, never on the event loop.

The Store has one sqlite3 connection. A call on it can wait: for another process's write lock
(up to the busy timeout), or through a big read (a week's digest over thousands of pending
proposals). On the event loop that wait stops every other request, GET /healthz included. So
the server's listeners, the outbox, the scheduler and the edges' stored references hand their
store and workflow calls to `StoreThread.run`, which runs them one after another on a single
thread: the event loop awaits the answer and serves other requests meanwhile, and because there
is only one thread, transactions never interleave (`Store.transaction` joins a transaction that is
already open on the connection, so two threads on it would mix their writes).

Two lanes, one thread. Under a burst the thread has a queue of submissions waiting (50 users at
once: about half a second of work). The outbox's calls (`run_first`: claim the next messages,
mark one sent) are small and go before the queue: were they to wait their turn, the outbox
could mark only a batch or two a second while proposals came in at a hundred, and its backlog
would grow for as long as the burst lasted. Marking first also narrows the window in which a
message the platform has is not yet marked (a crash then sends it again).

Anything run here may call back into other code (the workflow asks a platform's live roster
who is central, and tells the outbox that something was enqueued): such callbacks must not
touch the event loop directly, only through `loop.call_soon_threadsafe`.

The terminal commands (`opslag ...`) and tests that call the store outside a running server keep
calling it directly; `inline` is the runner for code that has no thread (an Outbox built alone).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
THREAD_NAME = "opslag-store"

# Queue order: lower first; within one priority, first come first served.
FIRST, NORMAL, STOP = 0, 1, 2


class Runner(Protocol):
    """Runs a synchronous store call and gives its result (or raises its exception)."""

    def __call__(self, fn: Callable[P, T], /, *args: P.args,
                 **kwargs: P.kwargs) -> Awaitable[T]: ...


async def inline[**P, T](fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn` right here: for an Outbox or Delivery built without a store thread (tests)."""
    return fn(*args, **kwargs)


Work = tuple["concurrent.futures.Future[Any]", Callable[[], Any]]


class StoreThread:
    """The single worker thread the store's calls from async code run on. It starts at the
    first call (a terminal command never starts it) and is a daemon: a process that exits
    without `close` does not hang on it (SQLite rolls back a transaction cut off)."""

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Work | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the store thread, after the calls handed over before it.
        A caller cancelled before its call started skips it; once started, the call runs to
        its end (a transaction commits or rolls back whole)."""
        return await self._submit(NORMAL, functools.partial(fn, *args, **kwargs))

    async def run_first(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """As `run`, ahead of every `run` call still waiting: for the outbox's short calls."""
        return await self._submit(FIRST, functools.partial(fn, *args, **kwargs))

    async def _submit(self, priority: int, call: Callable[[], T]) -> T:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the store thread is closed")
            self._start()
            self._queue.put((priority, next(self._order), (future, call)))
        return await asyncio.wrap_future(future)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=THREAD_NAME, daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            _, _, item = self._queue.get()
            if item is None:
                return
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting before it began
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller, whatever it is
                future.set_exception(exc)

    def close(self) -> None:
        """Let the calls already handed over finish, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put((STOP, next(self._order), None))
        if thread is not None:
            thread.join()
