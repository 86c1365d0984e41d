"""Use cases for accounts and role grants; every change is audited with the change."""

from __future__ import annotations

import datetime as dt

from tierpoints import audit
from tierpoints.accounts.credentials import hash_password, password_matches
from tierpoints.authz import Grant
from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.store import notify
from tierpoints.store.tables import Account, RoleAssignment
from tierpoints.store.transactions import write_transaction


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message says why."""

    def __init__(self, message: str, field: str = "", status: int = 422):
        self.field, self.status = field, status
        super().__init__(message)


def check_grant(catalog: PolicyCatalog, role: str, tenant: str, department: str | None) -> None:
    roles = catalog.roles_for(catalog.tenant(tenant).id)
    if role not in roles:
        raise AccountError(
            f"role {role!r} cannot be held in {tenant} (roles there: {', '.join(sorted(roles))})", "role"
        )
    if roles[role].needs_department and not department:
        raise AccountError(f"a {role} is bound to one department; give --department", "department")
    if department and not roles[role].needs_department:
        raise AccountError(f"a {role} is not bound to a department", "department")
    if department and department not in catalog.departments:
        raise AccountError(
            f"unknown department {department!r} (departments: {', '.join(catalog.departments)})", "department"
        )


async def create_account(
    catalog: PolicyCatalog, username: str, password: str, role: str, tenant: str,
    department: str | None, actor: str, display_name: str = "",
) -> Grant:
    check_grant(catalog, role, tenant, department)
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a username uses letters, digits, '.', '-' and '_'", "username")
    now = dt.datetime.now(dt.UTC)
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise AccountError(str(error), "password") from None
    async with write_transaction():
        if await Account.exists().where(Account.username == username).run():
            raise AccountError(f"account {username!r} exists already", "username", status=409)
        account = Account(username=username, password_hash=password_hash,
                          display_name=display_name or username, active=True, created_at=now)
        await account.save().run()
        await RoleAssignment(account=account.id, role=role, tenant=tenant, department=department,
                             created_at=now, created_by=actor).save().run()
        await audit.record(actor, tenant, "account.created", f"account/{username}",
                           {"role": role, "department": department})
        await notify.announce(notify.GRANTS)
    return Grant(username, role, tenant, department)


async def grant_role(catalog: PolicyCatalog, username: str, role: str, tenant: str,
                     department: str | None, actor: str) -> Grant:
    check_grant(catalog, role, tenant, department)
    async with write_transaction():
        account = await Account.objects().where(Account.username == username).first().run()
        if account is None:
            raise AccountError(f"no account {username!r}", "username", status=404)
        existing = await RoleAssignment.exists().where(
            (RoleAssignment.account == account.id) & (RoleAssignment.role == role)
            & (RoleAssignment.tenant == tenant)
        ).run()
        if not existing:
            await RoleAssignment(account=account.id, role=role, tenant=tenant, department=department,
                                 created_at=dt.datetime.now(dt.UTC), created_by=actor).save().run()
            await audit.record(actor, tenant, "role.granted", f"account/{username}",
                               {"role": role, "department": department})
            await notify.announce(notify.GRANTS)
    return Grant(username, role, tenant, department)


async def revoke_role(username: str, role: str, tenant: str, actor: str) -> None:
    """Take `role` in `tenant` from the account (404 when it holds none); every instance stops
    honouring it (notify: at once on PostgreSQL; per request elsewhere)."""
    async with write_transaction():
        account = await Account.select(Account.id).where(Account.username == username).first().run()
        held = [] if account is None else await RoleAssignment.select(RoleAssignment.id).where(
            (RoleAssignment.account == account["id"]) & (RoleAssignment.role == role)
            & (RoleAssignment.tenant == tenant)).run()
        if not held:
            raise AccountError(f"{username!r} holds no {role} in {tenant}", "role", status=404)
        await RoleAssignment.delete().where(RoleAssignment.id.is_in([row["id"] for row in held])).run()
        await audit.record(actor, tenant, "role.revoked", f"account/{username}", {"role": role})
        await notify.announce(notify.GRANTS)


async def authenticate(username: str, password: str) -> bool:
    row = await Account.select(Account.password_hash, Account.active).where(
        Account.username == username).first().run()
    return bool(row and row["active"] and password_matches(row["password_hash"], password))


async def all_grants() -> list[Grant]:
    rows = await RoleAssignment.select(
        RoleAssignment.account.username, RoleAssignment.role, RoleAssignment.tenant,
        RoleAssignment.department,
    ).run()
    return [Grant(r["account.username"], r["role"], r["tenant"], r["department"]) for r in rows]


async def grants_of(username: str) -> list[Grant]:
    rows = await RoleAssignment.select(
        RoleAssignment.role, RoleAssignment.tenant, RoleAssignment.department,
    ).where(RoleAssignment.account.username == username).run()
    return [Grant(username, r["role"], r["tenant"], r["department"]) for r in rows]


async def list_accounts(tenants: set[str]) -> list[dict]:
    rows = await RoleAssignment.select(
        RoleAssignment.account.username, RoleAssignment.account.display_name, RoleAssignment.role,
        RoleAssignment.tenant, RoleAssignment.department,
    ).where(RoleAssignment.tenant.is_in(list(tenants))).order_by(RoleAssignment.id).run()
    return [{"username": r["account.username"], "display_name": r["account.display_name"],
             "role": r["role"], "tenant": r["tenant"], "department": r["department"]} for r in rows]
