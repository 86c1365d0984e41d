"""The permission rules of issue #3 ("the rules users expect"), decided by the Authorizer."""

from __future__ import annotations

import pytest

from tierpoints.authz import Authorizer, Grant


@pytest.fixture(scope="module")
def authorizer(catalog):
    return Authorizer(catalog, [
        Grant("zj", "province_admin", "zhejiang"),
        Grant("nb", "city_admin", "ningbo"),
        Grant("hz", "city_admin", "hangzhou"),
        Grant("xs", "county_admin", "xiangshan"),
        Grant("xs_edu", "department_reviewer", "xiangshan", "education"),
        Grant("nb_office", "migrant_office_city", "ningbo"),
        Grant("xs_clerk", "window_clerk", "xiangshan"),
    ])


@pytest.mark.parametrize(("user", "tenant", "allowed"), [
    ("zj", "zhejiang", True), ("zj", "ningbo", False), ("zj", "xiangshan", False),
    ("nb", "ningbo", True), ("nb", "zhejiang", False), ("nb", "xiangshan", False), ("nb", "hangzhou", False),
    ("xs", "xiangshan", True), ("xs", "ningbo", False), ("xs", "zhejiang", False),
])
def test_a_tier_edits_only_its_own_indicators(authorizer, user, tenant, allowed):
    """Issue #3: a tier edits only its own indicators, never a parent's and never a sibling's."""
    assert authorizer.can(user, tenant, "indicator_sets", "edit") is allowed
    assert authorizer.can(user, tenant, "indicator_sets", "publish") is allowed


@pytest.mark.parametrize("tenant", ["zhejiang", "ningbo", "hangzhou", "xiangshan"])
def test_the_province_reads_everything_below_but_edits_only_its_own(authorizer, tenant):
    """Issue #3: a provincial admin can read everything below Zhejiang but cannot edit a county's indicators."""
    assert authorizer.can("zj", tenant, "indicator_sets", "read_drafts")
    assert authorizer.can("zj", tenant, "applicants", "read")
    assert authorizer.can("zj", tenant, "indicator_sets", "edit") is (tenant == "zhejiang")


def test_a_county_admin_cannot_see_another_tenants_applicants(authorizer):
    """Issue #3: a county admin cannot see another county's applicants."""
    assert authorizer.can("xs", "xiangshan", "applicants", "read")
    for other in ("ningbo", "hangzhou", "zhejiang"):
        assert not authorizer.can("xs", other, "applicants", "read")


def test_a_city_reads_its_counties_not_another_city(authorizer):
    assert authorizer.can("nb", "xiangshan", "applicants", "read")
    assert not authorizer.can("nb", "hangzhou", "applicants", "read")
    assert authorizer.can("nb_office", "xiangshan", "permits", "manage")
    assert not authorizer.can("nb_office", "hangzhou", "permits", "manage")


def test_a_reviewer_verifies_only_its_department_in_its_jurisdiction(authorizer):
    """Issue #3: a department reviewer sees and verifies only the items of its own department in its own jurisdiction."""
    assert authorizer.can("xs_edu", "xiangshan", "facts:education", "record")
    assert not authorizer.can("xs_edu", "xiangshan", "facts:housing", "record")
    assert not authorizer.can("xs_edu", "ningbo", "facts:education", "record")
    assert not authorizer.can("xs_edu", "xiangshan", "indicator_sets", "edit")


def test_unknown_people_places_and_actions_are_denied(authorizer):
    assert not authorizer.can("nobody", "xiangshan", "applicants", "read")
    assert not authorizer.can("xs", "atlantis", "applicants", "read")
    assert not authorizer.can("xs", "xiangshan", "applicants", "delete")
    assert not authorizer.can("xs_clerk", "xiangshan", "permits", "manage")


def test_new_grants_take_effect_and_clear_cached_decisions(catalog):
    authorizer = Authorizer(catalog, [])
    assert not authorizer.can("late", "ningbo", "applicants", "read")
    authorizer.add_grants([Grant("late", "city_admin", "ningbo")])
    assert authorizer.can("late", "ningbo", "applicants", "read")
    authorizer.remove_grant(Grant("late", "city_admin", "ningbo"))
    assert not authorizer.can("late", "ningbo", "applicants", "read")


def test_adding_a_grant_that_exists_still_adds_the_others(catalog):
    """pycasbin's add_policies adds nothing when one rule exists; ours adds the rest."""
    authorizer = Authorizer(catalog, [Grant("a", "city_admin", "ningbo")])
    authorizer.add_grants([Grant("a", "city_admin", "ningbo"), Grant("b", "county_admin", "xiangshan")])
    assert authorizer.can("b", "xiangshan", "applicants", "read")
