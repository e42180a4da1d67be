"""The platform-agnostic core of Opslag: settings, store, workflow, outbox, digest."""
