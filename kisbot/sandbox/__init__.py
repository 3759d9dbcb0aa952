"""A local KIS-compatible server for the demo, the tests and the benchmarks."""
