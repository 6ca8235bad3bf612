"""Charge-point simulator: OCPP 1.6J and 2.0.1 over real websockets.

It imports ``ocpp`` (message dataclasses, enums) and ``websockets`` and never ``csms``:
it tests the wire contract the way a real charger would.
"""
