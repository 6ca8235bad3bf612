"""Reservations the central system owns (seed 002 第10-12条): windows, their OCPP side on both
versions, the server's own clock, and the fees of no-shows and unauthorised extensions."""
