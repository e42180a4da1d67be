"""Local fakes of the platforms the bot talks to (loopback HTTP servers)."""
