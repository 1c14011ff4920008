"""Exports a PyTorch training step as a Spotlight graph (`spotlight.graph/1`)."""
