"""Benchmarks of gridcollect: ``python -m bench`` (see README.md)."""
