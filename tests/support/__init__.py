"""Test helpers: local stand-ins that speak real protocols (no fakes of our own code)."""
