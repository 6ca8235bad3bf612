"""Signed meter data (OCMF): parse, verify, and read a session's energy. Pure: stdlib and
the ``cryptography`` package only, no I/O."""
