"""charging capability."""
