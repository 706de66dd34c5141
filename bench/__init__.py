"""Benchmarks: each prints its figures (with a baseline side by side where one exists)."""
