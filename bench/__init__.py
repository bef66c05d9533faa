"""Benchmarks of the pipeline against the database's own SQL: `cockpit bench` (see runner.py, README.md)."""
