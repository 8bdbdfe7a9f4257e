"""Environments: the two-room grid world, the 3D task suites and their registry."""
