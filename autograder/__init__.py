"""Instructor automation around nbgrader: demo class, synthetic submissions, reports, benchmarks."""
