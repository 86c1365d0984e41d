"""What an account may open among the pages, read from the same authorizer the services ask:
the tenants whose indicator sets it edits or reads, the review queues it works, and whether it
is an applicant. Used to build its workbench and to choose where a login lands."""

from __future__ import annotations

from dataclasses import dataclass, field

from tierpoints.accounts.service import grants_of
from tierpoints.authz import Grant
from tierpoints.authz.authorizer import facts_object
from tierpoints.features.applicants.records import ApplicantRecord, for_account
from tierpoints.features.auth import Actor
from tierpoints.runtime import Runtime

TIER_ORDER = {"province": 0, "city": 1, "county": 2}


@dataclass
class Workbench:
    applicant: ApplicantRecord | None = None
    edits: list[str] = field(default_factory=list)  # tenants whose own indicator sets it edits
    reads: list[str] = field(default_factory=list)  # tenants whose drafts it reads (not edits)
    queues: list[tuple[str, str]] = field(default_factory=list)  # (tenant, department) it reviews

    @property
    def official(self) -> bool:
        """Administers indicators or reviews items somewhere (the admin console is for it)."""
        return bool(self.edits or self.reads or self.queues)


def _tenants(runtime: Runtime) -> list[str]:
    catalog = runtime.catalog
    return sorted(catalog.tenants, key=lambda t: (TIER_ORDER[catalog.tenants[t].tier], t))


async def workbench(runtime: Runtime, actor: Actor) -> Workbench:
    username = actor.require_login()
    can = runtime.authorizer.can
    bench = Workbench(applicant=await for_account(username))
    departments = _recording_departments(runtime, await grants_of(username))
    for tenant in _tenants(runtime):
        if can(username, tenant, "indicator_sets", "edit"):
            bench.edits.append(tenant)
        elif can(username, tenant, "indicator_sets", "read_drafts"):
            bench.reads.append(tenant)
        bench.queues += [(tenant, d) for d in departments if can(username, tenant, facts_object(d), "record")]
    return bench


def _recording_departments(runtime: Runtime, grants: list[Grant]) -> list[str]:
    """The departments whose facts the account's roles may record: the grant's own department
    for a role bound to one, every department for a role that records facts unbound."""
    roles = runtime.catalog.all_roles()
    found: set[str] = set()
    for grant in grants:
        role = roles.get(grant.role)
        if role is None or not any(p.resource == "facts" and "record" in p.actions for p in role.permissions):
            continue
        found.update([grant.department] if grant.department else runtime.catalog.departments)
    return sorted(found)


def landing(bench: Workbench) -> str:
    """Where a login goes when it did not come from a page."""
    if bench.applicant is not None:
        return "/portal"
    if bench.queues and not (bench.edits or bench.reads):
        return "/review"
    if bench.official:
        return "/admin"
    return "/"
