"""`make bench`: the hot paths measured against the emulator's own ceiling (docs/benchmarks.md)."""
