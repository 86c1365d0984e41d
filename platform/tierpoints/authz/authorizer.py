"""The Authorizer: casbin decisions with tenant-tree matching and a decision cache.

p lines come from the packs' roles and are tenant-free (role, object, action, scope); a
department reviewer's role is specialised per department ("department_reviewer@education")
so its `facts` lines cover that department's facts only. g/g2 lines are the grants held in
the database. Decisions are cached; any change of grants clears the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import casbin
from casbin.model.model_fast import FastModel
from casbin.model.policy import DEFAULT_SEP

from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.packs.tree import TenantTree

MODEL = Path(__file__).with_name("model.conf")
CACHE_LIMIT = 200_000


class _IndexedModel(FastModel):
    """pycasbin's FastModel.add_def returns None, which stops the model loader after the
    first assertion of a section (so g2 was never loaded); return what Model returns."""

    def add_def(self, sec, key, value):
        super().add_def(sec, key, value)
        return value != ""


class _IndexedEnforcer(casbin.FastEnforcer):
    """Evaluates only the p lines whose object and action equal the request's, and parses
    the matcher once (pycasbin re-parses it on every decision)."""

    def _get_expression(self, expr, functions=None):
        parsed_matchers = self.__dict__.setdefault("_parsed_matchers", {})
        parsed = parsed_matchers.get(expr)
        if parsed is None:
            parsed = parsed_matchers[expr] = super()._get_expression(expr, functions)
        else:
            parsed.functions = functions
        return parsed

    def new_model(self, path="", text=""):
        model = _IndexedModel(self._cache_key_order)
        if path:
            model.load_model(path)
        else:
            model.load_model_from_text(text)
        return model


class PermissionDenied(Exception):
    def __init__(self, subject: str, tenant: str, obj: str, action: str):
        self.subject, self.tenant, self.obj, self.action = subject, tenant, obj, action
        super().__init__(f"{subject} may not {action} {obj} in {tenant}")


@dataclass(frozen=True)
class Grant:
    """An account holds a role in a tenant (a reviewer also for one department)."""

    username: str
    role: str
    tenant: str
    department: str | None = None

    @property
    def casbin_role(self) -> str:
        return role_name(self.role, self.department)


def _grouping_rules(grant: Grant) -> list[list[str]]:
    """A reviewer holds the plain role (its other permissions) and the department-bound one."""
    rules = [[subject(grant.username), grant.role, grant.tenant]]
    if grant.department:
        rules.append([subject(grant.username), grant.casbin_role, grant.tenant])
    return rules


def role_name(role: str, department: str | None) -> str:
    return f"{role}@{department}" if department else role


def subject(username: str) -> str:
    return f"account:{username}"


def facts_object(department: str) -> str:
    return f"facts:{department}"


class Authorizer:
    def __init__(self, catalog: PolicyCatalog, grants: Iterable[Grant] = ()):
        self.catalog = catalog
        self.tree: TenantTree = catalog.tree
        self.enforcer = _IndexedEnforcer(str(MODEL), cache_key_order=[1, 2])
        for name in ("g", "g2"):
            # Names match exactly: without this, pycasbin scans every role for each new name.
            self.enforcer.get_named_role_manager(name).matching_func = None
        self.enforcer.add_named_domain_matching_func("g2", self._within)
        self.enforcer.add_policies(self.policy_lines())
        self._cache: dict[tuple[str, str, str, str], bool] = {}
        self.add_grants(grants)

    def _within(self, request_tenant: str, granted_tenant: str) -> bool:
        """g2: a grant held in a tenant covers the tenants below it."""
        return request_tenant in self.tree and granted_tenant in self.tree.chain(request_tenant)

    def policy_lines(self) -> list[list[str]]:
        lines: set[tuple[str, str, str, str]] = set()
        departments = self.catalog.departments
        for role in self.catalog.all_roles().values():
            for permission in role.permissions:
                if permission.resource != "facts":
                    holders = [(role.id, permission.resource)]
                elif role.needs_department:  # only its own department's facts
                    holders = [(role_name(role.id, d), facts_object(d)) for d in departments]
                else:
                    holders = [(role.id, facts_object(d)) for d in departments]
                for holder, obj in holders:
                    for action in permission.actions:
                        lines.add((holder, obj, action, permission.scope))
        return [list(line) for line in sorted(lines)]

    def add_grants(self, grants: Iterable[Grant]) -> None:
        """Add grants in bulk: written into the model, role links rebuilt once."""
        rules = [rule for grant in grants for rule in _grouping_rules(grant)]
        if rules:
            for key in ("g", "g2"):
                # pycasbin's add_policies checks membership in a list (quadratic) and adds
                # nothing if one rule exists already; append through its index instead.
                assertion = self.enforcer.get_model()["g"][key]
                for rule in rules:
                    joined = DEFAULT_SEP.join(rule)
                    if joined not in assertion.policy_map:
                        assertion.policy.append(rule)
                        assertion.policy_map[joined] = len(assertion.policy) - 1
            self.enforcer.build_role_links()
        self._cache.clear()

    def remove_grant(self, grant: Grant) -> None:
        for rule in _grouping_rules(grant):
            self.enforcer.remove_named_grouping_policy("g", *rule)
            self.enforcer.remove_named_grouping_policy("g2", *rule)
        self._cache.clear()

    def can(self, username: str, tenant: str, obj: str, action: str) -> bool:
        key = (username, tenant, obj, action)
        decision = self._cache.get(key)
        if decision is None:
            decision = bool(self.enforcer.enforce(subject(username), obj, action, tenant))
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = decision
        return decision

    def require(self, username: str | None, tenant: str, obj: str, action: str) -> None:
        if username is None or not self.can(username, tenant, obj, action):
            raise PermissionDenied(username or "the public", tenant, obj, action)

    def clear_cache(self) -> None:
        self._cache.clear()
