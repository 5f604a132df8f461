"""Behaviour metrics: the catalogue (defined once, versioned), event sources, cached values."""
