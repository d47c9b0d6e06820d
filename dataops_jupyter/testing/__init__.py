"""Helpers for tests and benchmarks of projects using dataops-jupyter (not used at run time)."""
