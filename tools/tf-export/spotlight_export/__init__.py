"""Exports one TensorFlow/Keras training step as a Spotlight operation graph (spotlight.graph/1)."""
