"""Adversarial strips: an image changed step by step toward a class or a channel."""
