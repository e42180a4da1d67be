"""Platform edges: translate events into workflow calls and results into views and cards."""
