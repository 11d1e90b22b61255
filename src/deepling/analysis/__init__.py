"""Analyses over models and datasets, one topic a file."""
