"""The tenant hierarchy: province → city → county, one tree for the whole platform."""

from __future__ import annotations

from collections.abc import Iterator


class TenantTree:
    def __init__(self, parents: dict[str, str | None], places: dict[str, list[str]] | None = None):
        self._parents = dict(parents)
        self._places = {tenant: tuple((places or {}).get(tenant, ())) for tenant in parents}
        self._children: dict[str, list[str]] = {tenant: [] for tenant in parents}
        for tenant, parent in sorted(parents.items()):
            if parent is not None and parent in self._children:
                self._children[parent].append(tenant)

    def __contains__(self, tenant: object) -> bool:
        return tenant in self._parents

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._parents))

    def parent(self, tenant: str) -> str | None:
        return self._parents[tenant]

    def children(self, tenant: str) -> list[str]:
        return list(self._children[tenant])

    def chain(self, tenant: str) -> list[str]:
        """The tenants whose points `tenant` recognises, from the root down to itself."""
        path = [tenant]
        while (parent := self._parents[path[-1]]) is not None:
            path.append(parent)
        return path[::-1]

    def area(self, tenant: str) -> frozenset[str]:
        """The tenant, every tenant below it, and the places each of them lists."""
        found, todo = set(), [tenant]
        while todo:
            current = todo.pop()
            found.add(current)
            found.update(self._places[current])
            todo.extend(self._children[current])
        return frozenset(found)

    def is_within(self, tenant: str, ancestor: str) -> bool:
        return ancestor in self.chain(tenant)

    def roots(self) -> list[str]:
        return sorted(t for t, p in self._parents.items() if p is None)


def cycle_members(parents: dict[str, str | None]) -> set[str]:
    """Tenants whose parent links loop back on themselves."""
    cyclic: set[str] = set()
    for start in parents:
        seen, current = [], start
        while current is not None and current in parents and current not in seen:
            seen.append(current)
            current = parents[current]
        if current is not None and current in seen:
            cyclic.update(seen[seen.index(current):])
    return cyclic
