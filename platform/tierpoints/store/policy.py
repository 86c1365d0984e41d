"""Policy in the database: seeding it from the pack folders, and loading the catalog from it.

In a running service the database is the source of truth: packs on disk seed it
(`tierpoints packs sync`) and published versions are exported back as pack files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import msgspec

from tierpoints import audit
from tierpoints.packs.catalog import PolicyCatalog, load_sources
from tierpoints.packs.sources import DocumentPack, FolderPack
from tierpoints.store import notify
from tierpoints.store.tables import IndicatorSetVersion, TenantRecord
from tierpoints.store.transactions import write_transaction

PUBLISHED_STATES = ("published", "superseded")


def to_json(data) -> str:
    return msgspec.json.encode(data).decode()


@dataclass
class SyncReport:
    tenants_added: list[str] = field(default_factory=list)
    tenants_updated: list[str] = field(default_factory=list)
    versions_added: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)


async def sync_packs(catalog: PolicyCatalog, packs: list[FolderPack], actor: str) -> SyncReport:
    """Seed tenants and published indicator sets from validated pack folders.

    A published version is immutable: a pack file that differs from the version already
    published for the same tenant and date is reported as a conflict and left alone.
    """
    report = SyncReport()
    now = dt.datetime.now(dt.UTC)
    documents = {pack.tenant: pack for pack in packs}
    async with write_transaction():
        for tenant_id, manifest in catalog.tenants.items():
            pack = documents[tenant_id]
            manifest_json = to_json(pack.manifest().data)
            roles = pack.roles()
            roles_json = None if roles is None else to_json(roles.data)
            workflow = pack.workflow()
            workflow_json = None if workflow is None else to_json(workflow.data)
            services = pack.services()
            services_json = None if services is None else to_json(services.data)
            row = await TenantRecord.objects().where(TenantRecord.code == tenant_id).first().run()
            values = {
                "name_zh": manifest.name.zh, "name_en": manifest.name.en, "tier": manifest.tier,
                "parent": manifest.parent, "cap": manifest.cap, "manifest": manifest_json,
                "roles": roles_json, "workflow": workflow_json, "services": services_json, "synced_at": now,
            }
            if row is None:
                await TenantRecord(code=tenant_id, **values).save().run()
                report.tenants_added.append(tenant_id)
                await audit.record(actor, tenant_id, "tenant.synced", f"tenant/{tenant_id}", {"new": True})
            elif (row.manifest, row.roles, row.workflow, row.services) != (
                    manifest_json, roles_json, workflow_json, services_json):
                await TenantRecord.update(values).where(TenantRecord.id == row.id).run()
                report.tenants_updated.append(tenant_id)
                await audit.record(actor, tenant_id, "tenant.synced", f"tenant/{tenant_id}", {"new": False})
            for stem, document in pack.indicator_sets():
                content = to_json(document.data)
                effective = dt.date.fromisoformat(document.data["effective_from"])
                existing = await IndicatorSetVersion.objects().where(
                    (IndicatorSetVersion.tenant == tenant_id)
                    & (IndicatorSetVersion.effective_from == effective)
                    & (IndicatorSetVersion.status.is_in(list(PUBLISHED_STATES)))
                ).first().run()
                if existing is None:
                    await IndicatorSetVersion(
                        tenant=tenant_id, effective_from=effective, status="published", content=content,
                        revision=1, author=actor, created_at=now, updated_at=now, published_at=now,
                        published_by=actor,
                    ).save().run()
                    report.versions_added.append(f"{tenant_id}/{stem}")
                    await audit.record(actor, tenant_id, "indicator_set.synced",
                                       f"indicator_set/{tenant_id}/{stem}", {"effective_from": stem})
                elif msgspec.json.decode(existing.content) == document.data:
                    report.unchanged += 1
                else:
                    report.conflicts.append(
                        f"{document.path}: differs from the version of {stem} already published; "
                        "a published version never changes — publish a new version with a later date"
                    )
        if report.tenants_added or report.tenants_updated or report.versions_added:
            await notify.announce(notify.POLICY)
    return report


async def database_packs() -> list[DocumentPack]:
    tenants = await TenantRecord.select().run()
    versions = await IndicatorSetVersion.select(
        IndicatorSetVersion.tenant, IndicatorSetVersion.effective_from, IndicatorSetVersion.content,
    ).where(IndicatorSetVersion.status.is_in(list(PUBLISHED_STATES))).run()
    sets: dict[str, dict[str, object]] = {}
    for version in versions:
        sets.setdefault(version["tenant"], {})[version["effective_from"].isoformat()] = (
            msgspec.json.decode(version["content"])
        )
    return [
        DocumentPack(
            tenant=row["code"], manifest_data=msgspec.json.decode(row["manifest"]),
            sets=sets.get(row["code"], {}),
            roles_data=None if row["roles"] is None else msgspec.json.decode(row["roles"]),
            workflow_data=None if row["workflow"] is None else msgspec.json.decode(row["workflow"]),
            services_data=None if row["services"] is None else msgspec.json.decode(row["services"]),
        )
        for row in tenants
    ]


async def load_policy_catalog() -> PolicyCatalog:
    """The catalog as published in the database (raises PackError if it is inconsistent)."""
    return load_sources(await database_packs())


async def has_tenants() -> bool:
    return await TenantRecord.count().run() > 0
