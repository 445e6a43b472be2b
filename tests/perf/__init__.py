"""Benchmarks of DESIGN §10: each prints its figures and its ratio to a baseline measured
in the same run. Run with ``python3 -m pytest tests/perf -m perf -s`` or run a
``bench_*.py`` file as a script."""
