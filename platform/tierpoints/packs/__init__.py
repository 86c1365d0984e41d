"""Policy packs: read tenant packs, validate them against policy_schemas/, build the tenant tree."""

from tierpoints.packs.catalog import PolicyCatalog, load_catalog
from tierpoints.packs.problems import PackError, Problem

__all__ = ["PackError", "PolicyCatalog", "Problem", "load_catalog"]
