"""A Spotlight measuring server over Ray."""
