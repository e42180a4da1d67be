"""The one check of a secret in a request (the calendar feed's and the report page's token in
the query, the metrics' bearer token) against its setting."""

from __future__ import annotations

import hmac

from pydantic import SecretStr


def token_matches(configured: SecretStr | None, given: str | None) -> bool:
    """`given` is the configured secret, compared in constant time; never when no secret is
    configured (an empty one counts as none) or none was given."""
    secret = configured.get_secret_value() if configured else ""
    if not secret or given is None:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())
