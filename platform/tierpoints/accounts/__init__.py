"""Accounts: password hashes, bearer tokens, role grants."""
