"""Utilities students and tests import: data, seeding, training, plotting, checks."""
