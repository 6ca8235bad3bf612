"""Who may use the operator API: API keys with roles and tenants, member app tokens, audit.

See docs/security.md for the threat model and every control.
"""
