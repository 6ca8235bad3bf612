"""settlement capability."""
