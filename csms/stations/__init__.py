"""stations capability."""
