"""The entry points: the `opslag` command and the server. They wire the layers together
(policy ← bot ← handlers ← opslag) and are the only code that names every edge."""
