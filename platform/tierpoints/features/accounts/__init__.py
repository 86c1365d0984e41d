"""Log in, see yourself, manage a tenant's accounts."""

from tierpoints.features.accounts.controller import AccountsController, AuthController

__all__ = ["AccountsController", "AuthController"]
