"""Pure billing engine: tariffs, rounding and pricing over Decimal (no I/O, stdlib only)."""
