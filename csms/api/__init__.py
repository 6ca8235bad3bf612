"""Operator HTTP API (Starlette) and /metrics."""
