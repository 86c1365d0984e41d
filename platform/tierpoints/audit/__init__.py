"""The append-only audit log: who changed what, where and when, hash-chained."""

from tierpoints.audit.log import AuditBreak, record, verify

__all__ = ["AuditBreak", "record", "verify"]
