"""Load tenant packs into a validated, immutable policy catalog."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import msgspec

from tierpoints import paths
from tierpoints.packs import checks
from tierpoints.packs.facts_shapes import FactShape, UnsupportedFactSchema, fact_shapes
from tierpoints.packs.models import (
    WORKFLOW_NUMBERS,
    IndicatorSet,
    Role,
    RoleSet,
    Service,
    ServiceSet,
    TenantManifest,
    TieBreakKey,
    Workflow,
    WorkflowNumber,
    simple_rules,
)
from tierpoints.packs.problems import PackError, Problem
from tierpoints.packs.schema_validation import PolicySchemas
from tierpoints.packs.sources import INDICATORS, PackSource, Read, display, folder_packs
from tierpoints.packs.tree import TenantTree
from tierpoints.packs.yaml_source import SourceDocument


class UnknownTenant(LookupError):
    def __init__(self, tenant: str, known: Iterable[str]):
        self.tenant = tenant
        super().__init__(f"unknown tenant {tenant!r} (known: {', '.join(sorted(known))})")


class NoWorkflowNumber(LookupError):
    def __init__(self, tenant: str, name: str):
        self.tenant, self.name = tenant, name
        super().__init__(f"no tenant in the chain of {tenant!r} declares the workflow number {name!r} "
                         "(tenants/<id>/workflow.yaml)")


class UnknownService(LookupError):
    def __init__(self, tenant: str, service: str, known: Iterable[str]):
        self.tenant, self.service = tenant, service
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"{tenant!r} runs no service {service!r} (its services: {listed}; "
                         "tenants/<id>/services.yaml)")


class NotInForce(LookupError):
    def __init__(self, tenant: str, as_of: dt.date, first: dt.date | None):
        self.tenant, self.as_of = tenant, as_of
        after = f"; its first takes effect {first}" if first else ""
        super().__init__(f"no indicator set of {tenant!r} is in force on {as_of}{after}")


@dataclass(frozen=True)
class PolicyCatalog:
    tenants: dict[str, TenantManifest]
    indicator_sets: dict[str, list[IndicatorSet]]  # per tenant, oldest first
    tree: TenantTree
    facts: dict[str, FactShape]
    schemas: PolicySchemas
    roles: dict[str, list[Role]] = field(default_factory=dict)  # per declaring tenant
    workflows: dict[str, Workflow] = field(default_factory=dict)  # per declaring tenant
    services: dict[str, ServiceSet] = field(default_factory=dict)  # per declaring tenant
    _dates: dict[str, list[dt.date]] = field(default_factory=dict)

    def roles_for(self, tenant_id: str) -> dict[str, Role]:
        """The roles that can be held in a tenant: declared by it or above, assignable at its tier."""
        tier = self.tenant(tenant_id).tier
        return {
            role.id: role
            for ancestor in self.tree.chain(tenant_id)
            for role in self.roles.get(ancestor, [])
            if tier in role.assignable_in
        }

    def workflow_number(self, tenant_id: str, name: str) -> WorkflowNumber:
        """A workflow number as it holds in a tenant: its own, else the nearest ancestor's."""
        self.tenant(tenant_id)
        for ancestor in reversed(self.tree.chain(tenant_id)):
            number = self.workflows.get(ancestor, Workflow(numbers={})).numbers.get(name)
            if number is not None:
                return number
        raise NoWorkflowNumber(tenant_id, name)

    def workflow_for(self, tenant_id: str) -> dict[str, WorkflowNumber]:
        """Every workflow number that holds in a tenant (those no tenant declares are absent)."""
        found = {}
        for name in WORKFLOW_NUMBERS:
            try:
                found[name] = self.workflow_number(tenant_id, name)
            except NoWorkflowNumber:
                pass
        return found

    def services_of(self, tenant_id: str) -> dict[str, Service]:
        """The services a tenant runs (its own services.yaml; services are not inherited)."""
        self.tenant(tenant_id)
        return {service.id: service for service in self.services.get(tenant_id, ServiceSet()).services}

    def service(self, tenant_id: str, service_id: str) -> Service:
        services = self.services_of(tenant_id)
        try:
            return services[service_id]
        except KeyError:
            raise UnknownService(tenant_id, service_id, services) from None

    def tie_break_keys_for(self, tenant_id: str) -> dict[str, TieBreakKey]:
        """The tie-break keys a tenant's services may use: declared by it or above."""
        self.tenant(tenant_id)
        return {key.id: key for ancestor in self.tree.chain(tenant_id)
                for key in self.services.get(ancestor, ServiceSet()).tie_break_keys}

    def tie_breaks(self, service: Service) -> list[TieBreakKey]:
        """A service's tie-break keys, most significant first (the loader checked they exist)."""
        keys = self.tie_break_keys_for(service.tenant)
        return [keys[key_id] for key_id in service.tie_breaks]

    def all_roles(self) -> dict[str, Role]:
        return {role.id: role for roles in self.roles.values() for role in roles}

    @property
    def departments(self) -> list[str]:
        return list(self.schemas.documents["indicator-set"]["$defs"]["department"]["enum"])

    def fact_departments(self) -> dict[str, set[str]]:
        """Which departments verify each fact, from every indicator that reads it."""
        return self._fact_departments

    @cached_property  # asked for every fact of every request; the catalog never changes
    def _fact_departments(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for versions in self.indicator_sets.values():
            for indicator_set in versions:
                for indicator in indicator_set.indicators:
                    rule = indicator.rule
                    options = getattr(rule, "options", None)
                    pairs = ([(o.rule, o.department or indicator.department) for o in options]
                             if options else [(leaf, indicator.department) for leaf in simple_rules(rule)])
                    for leaf, department in pairs:
                        found.setdefault(leaf.fact, set()).add(department)
        return found

    def tenant(self, tenant_id: str) -> TenantManifest:
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise UnknownTenant(tenant_id, self.tenants) from None

    def chain(self, tenant_id: str) -> list[TenantManifest]:
        """The tiers a tenant recognises, from the province down to itself."""
        self.tenant(tenant_id)
        return [self.tenants[t] for t in self.tree.chain(tenant_id)]

    def set_in_force(self, tenant_id: str, as_of: dt.date) -> IndicatorSet:
        versions = self.indicator_sets.get(self.tenant(tenant_id).id, [])
        dates = self._dates.get(tenant_id) or [v.effective_from for v in versions]
        position = bisect_right(dates, as_of)
        if position == 0:
            raise NotInForce(tenant_id, as_of, dates[0] if dates else None)
        return versions[position - 1]


def load_catalog(
    directories: Iterable[Path] | None = None, schemas_dir: Path | None = None
) -> PolicyCatalog:
    """Read, validate and check pack folders; raise PackError listing every problem found.

    A pack whose parent is not among `directories` brings in its sibling folder of that name,
    so a single county can be validated with the chain above it.
    """
    packs: list[PackSource] = []
    for directory in directories or [paths.tenants_dir()]:
        if not Path(directory).is_dir():
            raise PackError([Problem(display(Path(directory)), None, "", "not a folder")])
        packs.extend(folder_packs(Path(directory)))
    return load_sources(packs, schemas_dir)


def load_sources(packs: Iterable[PackSource], schemas_dir: Path | None = None) -> PolicyCatalog:
    """The same checks for packs held anywhere (folders, the database, a draft)."""
    schemas = PolicySchemas(schemas_dir or paths.schemas_dir())
    return _Loader(schemas).load({pack.tenant: pack for pack in packs})


class _Loader:
    def __init__(self, schemas: PolicySchemas):
        self.schemas = schemas
        self.problems: list[Problem] = []
        self.sources: dict[str, SourceDocument] = {}
        self.unread_sets: set[str] = set()  # tenants with an indicator set that could not be read
        self.unread_services: set[str] = set()  # ... with a services.yaml that could not be read

    def load(self, packs: dict[str, PackSource]) -> PolicyCatalog:
        try:
            facts = fact_shapes(self.schemas.documents["facts"])
        except UnsupportedFactSchema as error:
            raise PackError([Problem("policy_schemas/facts.schema.json", None, "", str(error))]) from None
        manifests, manifest_files = self._read_manifests(packs)
        sets: dict[str, list[tuple[str, IndicatorSet]]] = {}
        # Every pack's sets, even when its manifest failed: report all problems at once.
        role_sets: dict[str, tuple[RoleSet, str]] = {}
        workflows: dict[str, tuple[Workflow, str]] = {}
        service_sets: dict[str, tuple[ServiceSet, str]] = {}
        for tenant, pack in packs.items():
            sets[tenant] = self._read_sets(pack)
            role_set = self._read_roles(pack)
            if role_set is not None:
                role_sets[tenant] = role_set
            workflow = self._read_workflow(pack)
            if workflow is not None:
                workflows[tenant] = workflow
            service_set = self._read_services(pack)
            if service_set is not None:
                service_sets[tenant] = service_set
        self._report(checks.check_tree(manifests, manifest_files))
        self._report(checks.check_places(manifests, manifest_files))
        tree_ok = not any(p.pointer == "/parent" for p in self.problems)
        for tenant, versions in sets.items():
            for stem, indicator_set in versions:
                self._report(checks.check_set_identity(tenant, stem, indicator_set))
                if tenant in manifests:
                    self._report(checks.check_cap(indicator_set, manifests[tenant]))
                self._report(checks.check_rules(indicator_set, facts))
        tree = TenantTree(
            {t: m.parent for t, m in manifests.items()}, {t: m.places for t, m in manifests.items()}
        ) if tree_ok else None
        for tenant, versions in sets.items():
            # Without a sound tree there is no chain to compare with, but duplicates within
            # a set are still found.
            chain = tree.chain(tenant)[:-1] if tree is not None and tenant in manifests else []
            ancestor_ids = {
                indicator.id: ancestor
                for ancestor in chain
                for _, ancestor_set in sets.get(ancestor, [])
                for indicator in ancestor_set.indicators
            }
            for _, indicator_set in versions:
                self._report(checks.check_ids(indicator_set, ancestor_ids))
        for tenant, (role_set, file) in role_sets.items():
            if tenant not in manifests:
                continue
            chain = tree.chain(tenant)[:-1] if tree is not None else []
            ancestor_roles = {
                role.id: ancestor for ancestor in chain
                for role in (role_sets[ancestor][0].roles if ancestor in role_sets else [])
            }
            self._report(checks.check_roles(tenant, role_set, file, ancestor_roles, manifests[tenant].tier))
        if workflows and tree is not None:
            self._report(checks.check_workflows(
                {t: set(w.numbers) for t, (w, _) in workflows.items()},
                {t: f for t, (_, f) in workflows.items()}, manifest_files, tree, WORKFLOW_NUMBERS))
        self._check_services(service_sets, sets, manifests, tree)
        if self.problems:
            raise PackError(self.problems)
        ordered = {
            tenant: sorted((s for _, s in versions), key=lambda s: s.effective_from)
            for tenant, versions in sets.items()
        }
        roles = {
            tenant: [msgspec.structs.replace(role, tenant=tenant) for role in role_set.roles]
            for tenant, (role_set, _) in role_sets.items()
        }
        return PolicyCatalog(
            tenants=manifests, indicator_sets=ordered, tree=tree, facts=facts, schemas=self.schemas,
            roles=roles,
            workflows={
                tenant: Workflow(numbers={name: msgspec.structs.replace(number, tenant=tenant)
                                          for name, number in workflow.numbers.items()})
                for tenant, (workflow, _) in workflows.items()
            },
            services={
                tenant: ServiceSet(
                    tie_break_keys=[msgspec.structs.replace(key, tenant=tenant)
                                    for key in service_set.tie_break_keys],
                    services=[msgspec.structs.replace(service, tenant=tenant)
                              for service in service_set.services])
                for tenant, (service_set, _) in service_sets.items()
            },
            _dates={t: [s.effective_from for s in v] for t, v in ordered.items()},
        )

    def _read_manifests(self, packs: dict[str, PackSource]):
        manifests: dict[str, TenantManifest] = {}
        files: dict[str, str] = {}
        todo = list(packs.items())
        while todo:
            tenant, pack = todo.pop(0)
            source = self._read(pack.manifest(), "tenant")
            if source is None:
                continue
            manifest = msgspec.convert(source.data, TenantManifest)
            if manifest.id != tenant:
                self._add(source, "/id", f"id {manifest.id!r} differs from the pack's folder name {tenant!r}")
                continue
            manifests[tenant], files[tenant] = manifest, source.path
            parent = manifest.parent
            sibling = pack.sibling(parent) if parent and parent not in packs else None
            if sibling is not None:
                packs[parent] = sibling
                todo.append((parent, sibling))
        return manifests, files

    def _read_sets(self, pack: PackSource) -> list[tuple[str, IndicatorSet]]:
        documents = pack.indicator_sets()
        if not documents:
            self.problems.append(Problem(pack.location, None, "", f"no indicator set in {INDICATORS}/"))
        found = []
        for stem, document in documents:
            source = self._read(document, "indicator-set")
            if source is None:
                self.unread_sets.add(pack.tenant)
            else:
                indicator_set = msgspec.convert({**source.data, "file": source.path}, IndicatorSet)
                found.append((stem, indicator_set))
        return found

    def _read_roles(self, pack: PackSource) -> tuple[RoleSet, str] | None:
        document = pack.roles()
        if document is None:
            return None  # a pack need not declare roles: it inherits its parents'
        source = self._read(document, "roles")
        if source is None:
            return None
        return msgspec.convert(source.data, RoleSet), source.path

    def _read_workflow(self, pack: PackSource) -> tuple[Workflow, str] | None:
        document = pack.workflow()
        if document is None:
            return None  # a pack need not declare workflow numbers: it inherits its parents'
        source = self._read(document, "workflow")
        if source is None:
            return None
        return msgspec.convert(source.data, Workflow), source.path

    def _read_services(self, pack: PackSource) -> tuple[ServiceSet, str] | None:
        document = pack.services()
        if document is None:
            return None  # a pack need not run services
        source = self._read(document, "services")
        if source is None:
            self.unread_services.add(pack.tenant)
            return None
        return msgspec.convert(source.data, ServiceSet), source.path

    def _check_services(self, service_sets: dict[str, tuple[ServiceSet, str]],
                        sets: dict[str, list[tuple[str, IndicatorSet]]],
                        manifests: dict[str, TenantManifest], tree: TenantTree | None) -> None:
        for tenant, (service_set, file) in sorted(service_sets.items()):
            self._report(checks.check_service_file(service_set, file))
            if tree is None or tenant not in manifests:
                continue  # without a sound chain there is nothing above to compare with
            chain = tree.chain(tenant)
            # An ancestor's services.yaml that could not be read is already reported; the keys
            # it declares are not unknown, so the checks against the keys above wait.
            ancestor_keys = None if self.unread_services & set(chain[:-1]) else {
                key.id: msgspec.structs.replace(key, tenant=ancestor)
                for ancestor in chain[:-1]
                for key in (service_sets[ancestor][0].tie_break_keys if ancestor in service_sets else [])
            }
            # A set that could not be read is already reported; its indicators are not missing.
            chain_indicators = None if self.unread_sets & set(chain) else {
                indicator.id for member in chain for _, indicator_set in sets.get(member, [])
                for indicator in indicator_set.indicators}
            has_city = any(manifests[member].tier == "city" for member in chain if member in manifests)
            self._report(checks.check_service_chain(
                tenant, service_set, file, ancestor_keys, chain_indicators, has_city))

    def _read(self, document: Read, schema: str) -> SourceDocument | None:
        if isinstance(document, Problem):
            self.problems.append(document)
            return None
        problems = self.schemas.problems(schema, document)
        self.problems.extend(problems)
        self.sources[document.path] = document
        return None if problems else document

    def _add(self, source: SourceDocument, pointer: str, message: str) -> None:
        self.problems.append(Problem(source.path, source.line_of(pointer), pointer, message))

    def _report(self, findings: Iterable[checks.Finding]) -> None:
        for file, pointer, message in findings:
            source = self.sources.get(file)
            line = source.line_of(pointer) if source else None
            self.problems.append(Problem(file, line, pointer, message))
