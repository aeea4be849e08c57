"""The Postgres adapter: the spec store, the change feed (LISTEN) and the lease."""
