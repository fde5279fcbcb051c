"""Benchmarks: scripts, not timed tests. `make bench` prints medians and same-run ratios, and writes JSON."""
