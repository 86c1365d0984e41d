"""Reading the audit log of a tenant and the tenants below it."""

from tierpoints.features.audit.controller import AuditController

__all__ = ["AuditController"]
