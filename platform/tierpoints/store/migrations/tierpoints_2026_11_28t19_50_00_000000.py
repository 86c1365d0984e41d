"""Composite indexes for the province-scale reads: a tenant's permits in id order (streaming
the applicants a policy reaches, chunk by chunk) and an applicant's newest facts revision."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T19:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes: residence_permit (tenant, id), applicant_facts (applicant, revision)"

INDEXES = {
    "residence_permit_tenant_id": "residence_permit (tenant, id)",
    "applicant_facts_applicant_revision": "applicant_facts (applicant, revision)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def create():
        from tierpoints.store import piccolo_conf

        for name, target in INDEXES.items():
            await piccolo_conf.DB.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop():
        from tierpoints.store import piccolo_conf

        for name in INDEXES:
            await piccolo_conf.DB.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
