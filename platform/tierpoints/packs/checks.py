"""Load-time checks beyond the schemas: the tree, the chain and every rule against the facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from tierpoints.packs.facts_shapes import FactShape
from tierpoints.packs.models import (
    Bands,
    BestOf,
    Count,
    Deduction,
    Duration,
    Flag,
    IndicatorSet,
    Lookup,
    TenantManifest,
    Veto,
)
from tierpoints.packs.tree import cycle_members

# Located problem: (file, JSON pointer, message); the catalog adds line numbers.
Finding = tuple[str, str, str]

TIER_ORDER = {"province": 0, "city": 1, "county": 2}


def check_tree(manifests: dict[str, TenantManifest], files: dict[str, str]) -> Iterator[Finding]:
    parents = {tenant: manifest.parent for tenant, manifest in manifests.items()}
    cyclic = cycle_members(parents)
    for tenant, manifest in sorted(manifests.items()):
        file = files[tenant]
        if manifest.parent is not None and manifest.parent not in manifests:
            yield file, "/parent", f"unknown parent tenant {manifest.parent!r} (known: {', '.join(sorted(manifests))})"
        elif tenant in cyclic:
            yield file, "/parent", f"cyclic parent chain through {' → '.join(sorted(cyclic))}"
        elif manifest.parent is not None:
            parent_tier = manifests[manifest.parent].tier
            if TIER_ORDER[parent_tier] != TIER_ORDER[manifest.tier] - 1:
                yield file, "/parent", (
                    f"a {manifest.tier} cannot sit under the {parent_tier} {manifest.parent!r}: "
                    "the tiers are province → city → county"
                )


def check_places(manifests: dict[str, TenantManifest], files: dict[str, str]) -> Iterator[Finding]:
    """A place belongs to one tenant and is not a tenant itself."""
    owners: dict[str, list[str]] = {}
    for tenant, manifest in sorted(manifests.items()):
        for place in manifest.places:
            owners.setdefault(place, []).append(tenant)
    for tenant, manifest in sorted(manifests.items()):
        for index, place in enumerate(manifest.places):
            pointer = f"/places/{index}"
            others = [o for o in owners[place] if o != tenant]
            if place in manifests:
                yield files[tenant], pointer, f"{place!r} is a tenant, not a place: it is in the area through the tree"
            elif others:
                yield files[tenant], pointer, (
                    f"{place!r} is also a place of {', '.join(map(repr, others))}; a place belongs to one tenant"
                )


def check_set_identity(tenant: str, stem: str, indicator_set: IndicatorSet) -> Iterator[Finding]:
    if indicator_set.tenant != tenant:
        yield indicator_set.file, "/tenant", f"names tenant {indicator_set.tenant!r} but lies in the pack of {tenant!r}"
    if stem != indicator_set.effective_from.isoformat():
        yield indicator_set.file, "/effective_from", (
            f"effective_from {indicator_set.effective_from} differs from the file name {stem!r}; "
            "name the file after the date"
        )


def check_ids(indicator_set: IndicatorSet, ancestor_ids: dict[str, str]) -> Iterator[Finding]:
    """ancestor_ids: indicator id → the ancestor tenant that defines it."""
    seen: dict[str, int] = {}
    for index, indicator in enumerate(indicator_set.indicators):
        pointer = f"/indicators/{index}/id"
        if indicator.id in seen:
            yield indicator_set.file, pointer, (
                f"duplicate indicator id {indicator.id!r} (also /indicators/{seen[indicator.id]})"
            )
        elif indicator.id in ancestor_ids:
            yield indicator_set.file, pointer, (
                f"redefines {indicator.id!r}, an indicator of the parent tier "
                f"{ancestor_ids[indicator.id]!r}; a tier adds its own indicators and never "
                "changes a parent's — choose another id"
            )
        seen.setdefault(indicator.id, index)


def check_cap(indicator_set: IndicatorSet, manifest: TenantManifest) -> Iterator[Finding]:
    total = sum(
        indicator.max_points or 0
        for indicator in indicator_set.indicators
        if indicator.category in ("basic", "additional")
    )
    if total > manifest.cap and not indicator_set.cap_enforced:
        yield indicator_set.file, "/indicators", (
            f"indicator maxima add up to {total:g}, more than the {manifest.tier} cap "
            f"{manifest.cap:g}; lower them or set cap_enforced: true so the cap cuts the tier's points"
        )


def check_rules(indicator_set: IndicatorSet, facts: dict[str, FactShape]) -> Iterator[Finding]:
    for index, indicator in enumerate(indicator_set.indicators):
        base = f"/indicators/{index}"
        rule = indicator.rule
        expected_kind = {"deduction": Deduction, "veto": Veto}.get(indicator.category)
        if expected_kind is not None and not isinstance(rule, expected_kind):
            yield indicator_set.file, f"{base}/rule/kind", (
                f"a {indicator.category} indicator needs rule kind {indicator.category!r}"
            )
        elif expected_kind is None and isinstance(rule, (Deduction, Veto)):
            kind = "deduction" if isinstance(rule, Deduction) else "veto"
            yield indicator_set.file, f"{base}/category", (
                f"rule kind {kind!r} needs category {kind!r}, not {indicator.category!r}"
            )
        if isinstance(rule, BestOf):
            for option_index, option in enumerate(rule.options):
                pointer = f"{base}/rule/options/{option_index}/rule"
                for message_pointer, message in rule_problems(option.rule, facts):
                    yield indicator_set.file, pointer + message_pointer, message
        else:
            for message_pointer, message in rule_problems(rule, facts):
                yield indicator_set.file, f"{base}/rule" + message_pointer, message


ALLOWED_SHAPES = {
    Lookup: ("enum", "enum_list", "records"),
    Duration: ("records",),
    Count: ("integer", "records"),
    Flag: ("boolean", "records"),
    Deduction: ("integer", "records"),
    Veto: ("boolean", "integer", "records"),
}
BAND_SHAPES = {"age_years": ("date",), "value": ("number", "integer"), "total": ("records",)}


def rule_problems(rule, facts: dict[str, FactShape]) -> Iterator[tuple[str, str]]:
    shape = facts.get(rule.fact)
    if shape is None:
        yield "/fact", (
            f"reads fact {rule.fact!r}, which policy_schemas/facts.schema.json does not define"
        )
        return
    kind = type(rule).__name__.lower()
    allowed = BAND_SHAPES[rule.measure] if isinstance(rule, Bands) else ALLOWED_SHAPES[type(rule)]
    if shape.kind not in allowed:
        what = f"bands measure {rule.measure!r}" if isinstance(rule, Bands) else f"rule kind {kind!r}"
        yield "/fact", f"{what} cannot read fact {rule.fact!r}, a {shape.kind} (needs {' or '.join(allowed)})"
        return
    if isinstance(rule, Duration) and not shape.is_period_list:
        yield "/fact", f"fact {rule.fact!r} has no start/end dates to measure a duration"
    if (rule.where or rule.in_area) and shape.kind != "records":
        yield "/where" if rule.where else "/in_area", f"fact {rule.fact!r} is not a list of records to filter"
        return
    for field, expected in (rule.where or {}).items():
        field_shape = shape.fields.get(field)
        if field_shape is None:
            yield f"/where/{field}", f"fact {rule.fact!r} has no field {field!r} (fields: {', '.join(shape.fields)})"
            continue
        values = expected if isinstance(expected, list) else [expected]
        for value in values:
            problem = _value_problem(field_shape, value)
            if problem:
                yield f"/where/{field}", f"{rule.fact}.{field}: {problem}"
    if rule.in_area is not None:
        field_shape = shape.fields.get(rule.in_area)
        if field_shape is None or field_shape.kind != "string":
            yield "/in_area", f"fact {rule.fact!r} has no place field {rule.in_area!r} naming a tenant"
    yield from _field_problems(rule, shape)
    if isinstance(rule, Lookup):
        yield from _lookup_problems(rule, shape)


def _field_problems(rule, shape: FactShape) -> Iterator[tuple[str, str]]:
    field = getattr(rule, "field", None)
    if isinstance(rule, Lookup) and shape.kind == "records" and field is None:
        yield "", f"a lookup over the records of {rule.fact!r} needs 'field' (one of {', '.join(shape.fields)})"
    if field is None:
        return
    if shape.kind != "records":
        yield "/field", f"fact {rule.fact!r} is not a list of records; remove 'field'"
        return
    field_shape = shape.fields.get(field)
    if field_shape is None:
        yield "/field", f"fact {rule.fact!r} has no field {field!r} (fields: {', '.join(shape.fields)})"
    elif isinstance(rule, Bands) and field_shape.kind not in ("number", "integer"):
        yield "/field", f"{rule.fact}.{field} is a {field_shape.kind}, not a number to total"
    elif isinstance(rule, Lookup) and field_shape.kind != "enum":
        yield "/field", f"{rule.fact}.{field} is a {field_shape.kind}, not a list of categories to look up"


def _lookup_problems(rule: Lookup, shape: FactShape) -> Iterator[tuple[str, str]]:
    if shape.kind == "records":
        field_shape = shape.fields.get(rule.field or "")
        values = field_shape.values if field_shape else ()
        what = f"{rule.fact}.{rule.field}"
    else:
        values, what = shape.values, rule.fact
    if not values:
        return
    for key in rule.table:
        if key not in values:
            yield f"/table/{key}", f"{key!r} is not a value of {what} (values: {', '.join(values)})"


def _value_problem(field_shape, value) -> str | None:
    if field_shape.kind == "enum" and value not in field_shape.values:
        return f"{value!r} is not one of {', '.join(field_shape.values)}"
    if field_shape.kind == "boolean" and not isinstance(value, bool):
        return f"{value!r} is not true or false"
    if field_shape.kind in ("number", "integer") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{value!r} is not a number"
    if field_shape.kind in ("string", "date") and not isinstance(value, str):
        return f"{value!r} is not a string"
    return None


def check_roles(tenant: str, role_set, file: str, ancestor_roles: dict[str, str],
                tier: str) -> Iterator[Finding]:
    """Role ids are unique in the chain; a child adds roles, never redefines a parent's."""
    seen: set[str] = set()
    for index, role in enumerate(role_set.roles):
        pointer = f"/roles/{index}/id"
        if role.id in seen:
            yield file, pointer, f"duplicate role id {role.id!r}"
        elif role.id in ancestor_roles:
            yield file, pointer, (
                f"redefines {role.id!r}, a role of the parent tier {ancestor_roles[role.id]!r}; "
                "choose another id"
            )
        seen.add(role.id)
        order = TIER_ORDER[tier]
        if all(TIER_ORDER[t] < order for t in role.assignable_in):
            yield file, f"/roles/{index}/assignable_in", (
                f"{tier} {tenant!r} declares {role.id!r} but it could only be held above it "
                f"({', '.join(role.assignable_in)})"
            )


def check_workflows(declared: dict[str, set[str]], files: dict[str, str], manifest_files: dict[str, str],
                    tree, names: tuple[str, ...]) -> Iterator[Finding]:
    """Once any pack declares workflow numbers, every tenant must find each number in its chain
    (the province's workflow.yaml declares them all; below, a tenant declares what it changes)."""
    for tenant in sorted(manifest_files):
        chain = tree.chain(tenant)
        missing = [name for name in names if not any(name in declared.get(t, ()) for t in chain)]
        if missing:
            root = chain[0]
            file = files.get(root) or manifest_files[root]
            yield file, "/numbers" if root in files else "", (
                f"{tenant!r} finds no {', '.join(missing)} in its chain ({' > '.join(chain)}): "
                f"declare {'it' if len(missing) == 1 else 'them'} in {root}'s workflow.yaml"
            )


def check_service_file(service_set, file: str) -> Iterator[Finding]:
    """Within one services.yaml: ids are unique, child ages make sense."""
    for what, items in (("tie-break key", service_set.tie_break_keys), ("service", service_set.services)):
        seen: dict[str, int] = {}
        section = "tie_break_keys" if what == "tie-break key" else "services"
        for index, item in enumerate(items):
            if item.id in seen:
                yield file, f"/{section}/{index}/id", (
                    f"duplicate {what} id {item.id!r} (also /{section}/{seen[item.id]})")
            seen.setdefault(item.id, index)
    for index, service in enumerate(service_set.services):
        age = service.eligibility.child_age
        if age is None:
            continue
        pointer = f"/services/{index}/eligibility/child_age"
        if age.min_years > age.max_years:
            yield file, f"{pointer}/min_years", (
                f"min_years {age.min_years} is above max_years {age.max_years}: no child could qualify")
        if age.on is not None:
            month, day = (int(part) for part in age.on.split("-"))
            try:
                dt.date(2000, month, day)  # a leap year: 02-29 is a day that exists
            except ValueError:
                yield file, f"{pointer}/on", f"{age.on!r} is not a day of the year (MM-DD)"


def check_service_chain(tenant: str, service_set, file: str, ancestor_keys: dict | None,
                        chain_indicators: set[str] | None, has_city: bool) -> Iterator[Finding]:
    """Against the chain above: keys are new, read indicators that exist, and services use known keys.

    ancestor_keys: key id → TieBreakKey declared above (its `tenant` set); chain_indicators: the
    indicator ids any version of any tenant of the chain (down to this one) defines. None for
    either: a file above could not be read (already reported), so the checks needing it wait.
    """
    own = {}
    for index, key in enumerate(service_set.tie_break_keys):
        own.setdefault(key.id, key)
        if ancestor_keys is not None and key.id in ancestor_keys:
            yield file, f"/tie_break_keys/{index}/id", (
                f"redefines {key.id!r}, a tie-break key of the parent tier {ancestor_keys[key.id].tenant!r}; "
                "a tier adds its own keys and never changes a parent's — choose another id")
        indicators = [] if chain_indicators is None else getattr(key.derive, "indicators", None) or []
        for position, indicator in enumerate(indicators):
            if indicator not in chain_indicators:
                yield file, f"/tie_break_keys/{index}/derive/indicators/{position}", (
                    f"no indicator {indicator!r} in the chain of {tenant!r}; a key reads the indicators "
                    "of the tenant that declares it and of the tiers above")
    if ancestor_keys is None:
        return
    known = {**ancestor_keys, **own}
    for index, service in enumerate(service_set.services):
        for position, key_id in enumerate(service.tie_breaks):
            pointer = f"/services/{index}/tie_breaks/{position}"
            key = known.get(key_id)
            if key is None:
                listed = ", ".join(sorted(known)) or "none"
                yield file, pointer, (
                    f"unknown tie-break key {key_id!r} (known to {tenant!r}: {listed}); declare it under "
                    "tie_break_keys in this file or in an ancestor's services.yaml")
            elif getattr(key.derive, "within", None) == "city" and not has_city:
                yield file, pointer, (
                    f"tie-break key {key_id!r} counts residence in the city, but {tenant!r} has no city "
                    "in its chain")
