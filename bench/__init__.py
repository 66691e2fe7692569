"""Benchmark scripts: run them directly; they print figures and assert nothing."""
