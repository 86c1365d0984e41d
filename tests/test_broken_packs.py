"""The broken-pack corpus (issue #2 §2: "Ship a corpus of broken packs in the tests, each
expecting its own message").

Each folder of tests/broken_packs/ holds small packs (minimal copies of the real ones) with
one thing broken — `several_problems` breaks many at once. Every case lists the problems
it must produce: file (relative to the case folder), line, JSON pointer and a fragment of
the message. The whole list must match — every problem is reported, and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest

from tierpoints import paths
from tierpoints.packs import PackError, load_catalog
from tierpoints.packs.sources import folder_packs

CORPUS = Path(__file__).parent / "broken_packs"

ZJ = "zhejiang/indicators/2022-01-01.yaml"
NB = "ningbo/indicators/2022-01-01.yaml"
XS = "xiangshan/indicators/2022-06-17.yaml"
HZ = "hangzhou/indicators/2022-01-01.yaml"


class Expect(NamedTuple):
    file: str
    line: int | None
    pointer: str
    message: str  # a fragment of the message


CASES: dict[str, tuple[str, list[Expect]]] = {
    # --- the tenant tree (issue #2 §2: "an unknown or cyclic parent") -----------------
    "unknown_parent": ("issue #2 §2: an unknown parent", [
        Expect("ningbo/tenant.yaml", 5, "/parent", "unknown parent tenant 'jiangsu' (known: ningbo, zhejiang)"),
    ]),
    "cyclic_parent": ("issue #2 §2: a cyclic parent", [
        Expect("hangzhou/tenant.yaml", 5, "/parent", "cyclic parent chain through hangzhou → ningbo"),
        Expect("ningbo/tenant.yaml", 5, "/parent", "cyclic parent chain through hangzhou → ningbo"),
    ]),
    "county_under_province": ("DOMAIN.md tiers: province → city → county", [
        Expect("xiangshan/tenant.yaml", 5, "/parent",
               "a county cannot sit under the province 'zhejiang': the tiers are province → city → county"),
    ]),
    "id_differs_from_folder": ("tenant.schema.json: id must equal the pack's folder name", [
        Expect("ningbo/tenant.yaml", 2, "/id", "id 'nongbo' differs from the pack's folder name 'ningbo'"),
    ]),
    "province_with_a_parent": ("issue #2 §1: zhejiang has no parent (schema)", [
        Expect("zhejiang/tenant.yaml", 5, "/parent", "'ningbo' is not of type 'null'"),
    ]),
    # --- indicator ids (issue #2 §2: "a duplicate indicator id in one chain; a child redefining
    #     a parent's indicator") --------------------------------------------------------
    "duplicate_indicator_id": ("issue #2 §2: a duplicate indicator id in one set", [
        Expect(ZJ, 36, "/indicators/2/id", "duplicate indicator id 'age' (also /indicators/0)"),
    ]),
    "child_redefines_parent_indicator": ("issue #2 §2: a child redefining a parent's indicator", [
        Expect(NB, 21, "/indicators/1/id", "redefines 'education', an indicator of the parent tier 'zhejiang'"),
    ]),
    "county_redefines_city_indicator": ("issue #2 §2: a duplicate indicator id in one chain (county vs city)", [
        Expect(XS, 19, "/indicators/1/id", "redefines 'blood_donation', an indicator of the parent tier 'ningbo'"),
    ]),
    # --- caps (issue #2 §2: "indicator maxima that can exceed the tier cap without the cap
    #     being enforced") --------------------------------------------------------------
    "maxima_over_cap": ("issue #2 §2: maxima over the tier cap without cap_enforced", [
        Expect(ZJ, 6, "/indicators", "indicator maxima add up to 110, more than the province cap 100; "
               "lower them or set cap_enforced: true"),
    ]),
    # --- rules against the facts (issue #2 §2: "a rule that reads a fact no schema defines") ---
    "unknown_fact": ("issue #2 §2: a rule reads a fact the facts schema does not define", [
        Expect(ZJ, 34, "/indicators/1/rule/fact",
               "reads fact 'diploma', which policy_schemas/facts.schema.json does not define"),
    ]),
    "where_field_missing": ("indicator-set schema: where names fields of the fact", [
        Expect(NB, 18, "/indicators/0/rule/where/full_time",
               "fact 'employment' has no field 'full_time' (fields: kind, tenant, insured)"),
    ]),
    "where_value_not_in_enum": ("indicator-set schema: where values must be values of the field", [
        Expect(NB, 18, "/indicators/0/rule/where/kind", "employment.kind: 'permanent' is not one of labor_contract"),
    ]),
    "in_area_without_place": ("indicator-set schema: in_area filters a list of records by a place field", [
        Expect(NB, 32, "/indicators/1/rule/in_area", "fact 'blood_donations' is not a list of records to filter"),
    ]),
    "lookup_key_not_in_enum": ("issue #2 §1: lookup tables over categories (the facts' enum)", [
        Expect(ZJ, 35, "/indicators/1/rule/table/phd", "'phd' is not a value of education (values: none, primary"),
    ]),
    # --- categories and rule kinds ------------------------------------------------------
    "deduction_with_flag_rule": ("issue #2 §1: deductions per occurrence (category deduction needs its rule kind)", [
        Expect(NB, 30, "/indicators/1/rule/kind", "a deduction indicator needs rule kind 'deduction'"),
    ]),
    "veto_with_max_points": ("indicator-set schema: a veto indicator has no max_points", [
        Expect(NB, 21, "/indicators/1", "'max_points' is not allowed here"),
    ]),
    "unknown_rule_kind": ("indicator-set schema: rule kinds are declarative, a closed list", [
        Expect(ZJ, 33, "/indicators/1/rule/kind",
               "'formula' is not one of ['lookup', 'bands', 'duration', 'count', 'flag', 'best_of', 'deduction', 'veto']"),
    ]),
    "missing_required_field": ("issue #2 §1: every indicator names the department that verifies it", [
        Expect(ZJ, 24, "/indicators/1", "'department' is a required property"),
    ]),
    # --- files and dates -------------------------------------------------------------------
    "yaml_syntax_error": ("a YAML syntax error, with its line", [
        Expect(ZJ, 35, "", "not valid YAML: expected ',' or '}', but got ':'"),
    ]),
    "effective_from_not_the_file_name": ("issue #2 §1: indicator sets versioned by effective date (file name)", [
        Expect(ZJ, 3, "/effective_from", "effective_from 2022-02-01 differs from the file name '2022-01-01'"),
    ]),
    "invalid_date": ("issue #2 §1: effective dates are real dates", [
        Expect("zhejiang/indicators/2022-02-30.yaml", 3, "/effective_from", "'2022-02-30' is not a 'date'"),
    ]),
    "set_names_another_tenant": ("an indicator set belongs to the pack it lies in", [
        Expect(ZJ, 2, "/tenant", "names tenant 'ningbo' but lies in the pack of 'zhejiang'"),
    ]),
    "no_indicator_set": ("issue #2 §1: each pack declares its indicator set", [
        Expect("zhejiang", None, "", "no indicator set in indicators/"),
    ]),
    # --- services (issue #5: services in packs, their tie-breaks and publicity) ----------------
    "unknown_tie_break_key": ("issue #5: a service breaks ties only on declared keys", [
        Expect("ningbo/services.yaml", 29, "/services/0/tie_breaks/1",
               "unknown tie-break key 'residence_time' (known to 'ningbo': basic_points, registered_residence)"),
    ]),
    "duplicate_service_id": ("issue #5: a tenant's service ids are unique", [
        Expect("ningbo/services.yaml", 35, "/services/1/id", "duplicate service id 'settlement' (also /services/0)"),
    ]),
    "publicity_under_seven_days": ("Hangzhou rules §19: publicity no less than 7 working days (schema)", [
        Expect("ningbo/services.yaml", 30, "/services/0/publicity_working_days", "5 is less than the minimum of 7"),
    ]),
    "tie_break_key_reads_unknown_indicator": ("issue #5: tie-break keys derive from the chain's indicators", [
        Expect("ningbo/services.yaml", 5, "/tie_break_keys/0/derive/indicators/1",
               "no indicator 'social_insurance' in the chain of 'ningbo'"),
    ]),
    "county_redefines_tie_break_key": ("issue #5: a tier adds tie-break keys, never redefines a parent's", [
        Expect("xiangshan/services.yaml", 3, "/tie_break_keys/0/id",
               "redefines 'basic_points', a tie-break key of the parent tier 'ningbo'"),
    ]),
    # --- everything at once: all problems are listed, not only the first ------------------
    "several_problems": ("PackError: every problem found, not just the first", [
        Expect(HZ, 18, "/indicators/0/rule/where/full_time", "fact 'employment' has no field 'full_time'"),
        Expect("hangzhou/tenant.yaml", 2, "/id", "id 'hangzou' differs from the pack's folder name 'hangzhou'"),
        Expect(NB, 22, "", "not valid YAML"),
        Expect("ningbo/tenant.yaml", 5, "/parent", "unknown parent tenant 'jiangsu'"),
        Expect(XS, 17, "/indicators/0/rule/fact", "reads fact 'stayed_home'"),
        Expect("xiangshan/tenant.yaml", 2, "", "'cap' is a required property"),
        Expect(ZJ, 17, "/indicators/0/rule/fact", "reads fact 'birthday'"),
        Expect(ZJ, 35, "/indicators/1/rule/table/phd", "'phd' is not a value of education"),
        Expect(ZJ, 36, "/indicators/2/id", "duplicate indicator id 'age' (also /indicators/0)"),
    ]),
}


def relative(problem_file: str, case: Path) -> str:
    return Path(os.path.relpath(Path(problem_file).resolve(), case.resolve())).as_posix()


def problems_of(directory: Path) -> list:
    with pytest.raises(PackError) as caught:
        load_catalog([directory])
    return caught.value.problems


def test_every_corpus_folder_has_a_case():
    """Every folder of the corpus is paired with its expected problems (none forgotten)."""
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_pack(case):
    """Each broken pack is rejected with its own message, at its file, line and pointer."""
    clause, expected = CASES[case]
    folder = CORPUS / case
    problems = problems_of(folder)
    found = [(relative(p.file, folder), p.line, p.pointer) for p in problems]
    assert found == [(e.file, e.line, e.pointer) for e in expected], clause
    for problem, expect in zip(problems, expected):
        assert expect.message in problem.message, clause
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        assert str(problem) == f"{where}: {problem.pointer or '/'}: {problem.message}"
    # the error's text lists every problem, one a line
    assert len(str(PackError(problems)).splitlines()) == len(expected)


def test_problems_print_as_file_line_pointer_message():
    """Issue #2 §2: each problem prints as `file: JSON-pointer: message` (with the line when known)."""
    [problem] = problems_of(CORPUS / "unknown_fact")
    assert str(problem) == (
        f"{problem.file}:34: /indicators/1/rule/fact: reads fact 'diploma', "
        "which policy_schemas/facts.schema.json does not define"
    )
    assert problem.file.endswith("unknown_fact/zhejiang/indicators/2022-01-01.yaml")


def test_fixed_copies_of_the_corpus_load(tmp_path):
    """The corpus breaks exactly one thing: `unknown_parent` with its parent put back loads."""
    import shutil
    shutil.copytree(CORPUS / "unknown_parent", tmp_path / "packs")
    manifest = tmp_path / "packs" / "ningbo" / "tenant.yaml"
    manifest.write_text(manifest.read_text().replace("parent: jiangsu", "parent: zhejiang"))
    catalog = load_catalog([tmp_path / "packs"])
    assert catalog.chain("ningbo")[0].id == "zhejiang"


# --- the real packs, each copied and broken by one edit -----------------------------------

REAL_EDITS = [
    ("hangzhou cap not enforced", "hangzhou/indicators/2016-01-01.yaml", "cap_enforced: true\n", "",
     "hangzhou/indicators/2016-01-01.yaml", 8, "/indicators", "indicator maxima add up to 350, more than the city cap 150"),
    ("xiangshan under the province", "xiangshan/tenant.yaml", "parent: ningbo", "parent: zhejiang",
     "xiangshan/tenant.yaml", 5, "/parent", "a county cannot sit under the province 'zhejiang'"),
    ("ningbo redefines age", "ningbo/indicators/2022-01-01.yaml", "  - id: shortage_occupation", "  - id: age",
     "ningbo/indicators/2022-01-01.yaml", 43, "/indicators/2/id", "redefines 'age', an indicator of the parent tier 'zhejiang'"),
    ("xiangshan redefines a ningbo id", "xiangshan/indicators/2022-06-17.yaml", "  - id: party_member", "  - id: invention",
     "xiangshan/indicators/2022-06-17.yaml", 61, "/indicators/3/id", "redefines 'invention'"),
    ("zhejiang reads a missing fact", "zhejiang/indicators/2022-01-01.yaml", "fact: residence", "fact: hukou",
     "zhejiang/indicators/2022-01-01.yaml", 103, "/indicators/4/rule/fact", "reads fact 'hukou'"),
    ("hangzhou veto with a cap", "hangzhou/indicators/2016-01-01.yaml",
     "    values: illustrative\n    rule:\n      kind: veto\n      fact: application_fraud",
     "    values: illustrative\n    max_points: 5\n    rule:\n      kind: veto\n      fact: application_fraud",
     "hangzhou/indicators/2016-01-01.yaml", 195, "/indicators/11", "'max_points' is not allowed here"),
    ("ningbo best_of with a deduction option", "ningbo/indicators/2022-01-01.yaml",
     "rule: {kind: duration, fact: housing, where: {kind: rented}, in_area: tenant, unit: year, points_per_unit: 3}",
     "rule: {kind: deduction, fact: housing, points_per_occurrence: 3}",
     "ningbo/indicators/2022-01-01.yaml", 41, "/indicators/1/rule/options/1/rule/kind", "is not one of"),
]


@pytest.mark.parametrize(("name", "file", "old", "new", "where", "line", "pointer", "message"),
                         REAL_EDITS, ids=[e[0] for e in REAL_EDITS])
def test_real_packs_with_one_edit(make_pack_tree, name, file, old, new, where, line, pointer, message):
    """Issue #2 §2: the real packs, copied and broken by one edit, report the problem at the real file's line."""
    tree = make_pack_tree()
    tree.edit(file, old, new)
    problems = problems_of(tree.root)
    assert [(relative(p.file, tree.root), p.line, p.pointer) for p in problems] == [(where, line, pointer)]
    assert message in problems[0].message


# --- what loads -----------------------------------------------------------------------------

def test_the_real_packs_load(catalog):
    """Issue #2 §1: the four real packs load; caps 100 / 150 / 150 / 50; xiangshan under ningbo under zhejiang."""
    assert sorted(catalog.tenants) == ["hangzhou", "ningbo", "xiangshan", "zhejiang"]
    assert [m.id for m in catalog.chain("xiangshan")] == ["zhejiang", "ningbo", "xiangshan"]
    assert {t: m.cap for t, m in catalog.tenants.items()} == {
        "zhejiang": 100, "ningbo": 150, "hangzhou": 150, "xiangshan": 50}


def test_a_county_pack_alone_brings_the_chain_above_it():
    """catalog.load_catalog: a pack whose parent is not given brings in its sibling folder of that name."""
    catalog = load_catalog([paths.tenants_dir() / "xiangshan"])
    assert sorted(catalog.tenants) == ["ningbo", "xiangshan", "zhejiang"]
    assert [p.path for p in folder_packs(paths.tenants_dir() / "xiangshan")] == [paths.tenants_dir() / "xiangshan"]


def test_a_missing_folder_is_a_problem(tmp_path):
    """`tierpoints packs validate DIR`: a folder that does not exist is a problem, not a crash."""
    [problem] = problems_of(tmp_path / "nowhere")
    assert problem.message == "not a folder"
