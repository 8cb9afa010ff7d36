"""Benchmarks for scrubber (pytest-benchmark). See benchmarks/README.md."""
