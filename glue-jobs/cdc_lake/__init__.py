"""Shared library of the cdcctl Spark jobs: pure DataFrame functions plus the few modules that write."""
