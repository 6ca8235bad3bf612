"""administration capability."""
