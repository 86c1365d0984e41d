"""Who may do what where: casbin with domains = tenants, matched through the tenant tree."""

from tierpoints.authz.authorizer import Authorizer, Grant, PermissionDenied

__all__ = ["Authorizer", "Grant", "PermissionDenied"]
