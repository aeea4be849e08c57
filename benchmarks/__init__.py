"""Benchmarks: scripts that print numbers about the runtime (not tests; nothing asserts)."""
