"""authorization capability."""
