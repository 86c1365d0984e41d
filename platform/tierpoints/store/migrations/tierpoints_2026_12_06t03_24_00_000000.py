"""Write the ranking_basis of the determinations stored before it was kept (the previous
migration adds the table; piccolo runs a migration's raw steps before its new tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T03:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill ranking_basis"
CHUNK = 1_000


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tierpoints", description=DESCRIPTION)

    async def backfill():
        import msgspec
        from piccolo.querystring import QueryString

        from tierpoints.engine.results import ScoreResult
        from tierpoints.rounds.candidates import basis_of, residence_facts
        from tierpoints.store import piccolo_conf

        run = piccolo_conf.DB.run_querystring
        after = 0
        while True:
            rows = await run(QueryString(
                "SELECT d.id, a.applicant, d.tenant, d.as_of, d.vetoed, d.facts_revision, d.used_on, d.used_for, "
                "d.result, f.content FROM determination d JOIN application a ON a.id = d.application "
                "LEFT JOIN applicant_facts f ON f.applicant = a.applicant AND f.revision = d.facts_revision "
                "WHERE d.id > {} AND NOT EXISTS (SELECT 1 FROM ranking_basis b WHERE b.determination = d.id) "
                "ORDER BY d.id LIMIT {}", after, CHUNK))
            if not rows:
                return
            for row in rows:
                basis = basis_of(msgspec.json.decode(row["result"], type=ScoreResult),
                                 residence_facts.decode(row["content"] or "{}"))
                await run(QueryString(
                    "INSERT INTO ranking_basis (determination, applicant, tenant, as_of, vetoed, facts_revision, "
                    "used_on, used_for, basis) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})",
                    row["id"], row["applicant"], row["tenant"], row["as_of"], row["vetoed"], row["facts_revision"],
                    row["used_on"], row["used_for"], msgspec.json.encode(basis).decode()))
            after = rows[-1]["id"]

    manager.add_raw(backfill)
    return manager
