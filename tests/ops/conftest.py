"""The operations tests drive the real server as the resilience tests do: their fixtures
(an in-process server with Slack and Teams against the fakes, clients that talk to it as the
platforms do, `python -m opslag serve` processes) are used here as they are."""

from tests.resilience.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    both_settings,
    make_client,
    serve,
    start_server,
)
