"""Tapping activations at named graph nodes."""
