"""OCPP adapters: the websocket server, our RPC layer and one thin adapter per version."""
