"""The `tierpoints` command (issue #2 §4), run through click's runner against the real packs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tierpoints.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "applicant-xiangshan.json"
WORKED_EXAMPLE_1 = {
    "birth_date": "1996-03-01", "education": "bachelor", "qualifications": ["skill_level_3"],
    "social_insurance": [{"start": "2022-01-01", "end": "2025-12-31", "province": "zhejiang",
                          "city": "ningbo", "pension": True}],
    "residence": [{"start": "2023-06-01", "end": None, "tenant": "xiangshan"}],
}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_validate_real_packs_lists_the_chains():
    result = run("packs", "validate")
    assert result.exit_code == 0, result.output
    assert "ok: 4 packs, 4 indicator sets" in result.output
    assert "zhejiang > ningbo > xiangshan" in result.output


def test_validate_broken_pack_prints_file_pointer_message_and_fails(make_pack_tree):
    tree = make_pack_tree()
    tree.edit("xiangshan/indicators/2022-06-17.yaml", "fact: special_post", "fact: special_posts")
    result = CliRunner().invoke(main, ["packs", "validate", str(tree.root / "xiangshan")])
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "special_posts" in x)
    assert "xiangshan/indicators/2022-06-17.yaml:" in line
    assert "/indicators/4/rule/fact: reads fact 'special_posts'" in line


def test_simulate_worked_example_as_json(tmp_path):
    """Worked example 1 (shared/examples): 72.5 provincial points, seen from xiangshan."""
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(WORKED_EXAMPLE_1))
    result = run("simulate", "--at", "xiangshan", "--as-of", "2026-11-28", str(facts))
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [t["tenant"] for t in body["tiers"]] == ["zhejiang", "ningbo", "xiangshan"]
    assert body["tiers"][0]["points"] == 72.5
    assert body["total"] == 72.5


def test_simulate_table_shows_reasons():
    result = run("simulate", "--at", "xiangshan", "--as-of", "2026-11-28", "--table", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "xiangshan as of 2026-11-28: total" in result.output
    assert "age 30: 40 and under" in result.output
    assert "spring_festival_stay" in result.output


def test_simulate_reads_stdin():
    result = run("simulate", "--at", "zhejiang", "--as-of", "2026-11-28", "-",
                 input=json.dumps(WORKED_EXAMPLE_1))
    assert json.loads(result.output)["total"] == 72.5


def test_simulate_json_lines_uses_batch_path_in_order(tmp_path, engine, as_of):
    people = [WORKED_EXAMPLE_1, {"birth_date": "1970-08-15"}, {}]
    lines = tmp_path / "people.jsonl"
    lines.write_text("\n".join(json.dumps(p) for p in people) + "\n")
    result = run("simulate", "--at", "hangzhou", "--as-of", as_of.isoformat(), str(lines))
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.output.splitlines()]
    assert len(rows) == 3
    for person, row in zip(people, rows):
        single = engine.score(person, at="hangzhou", as_of=as_of)
        assert row["total"] == single.total
        assert [t["points"] for t in row["tiers"]] == [t.points for t in single.tiers]


def test_simulate_json_lines_bad_line_names_line_and_field(tmp_path):
    lines = tmp_path / "people.jsonl"
    lines.write_text('{"education": "bachelor"}\n{"education": "phd"}\n')
    result = CliRunner().invoke(main, ["simulate", "--at", "ningbo", str(lines)])
    assert result.exit_code == 1
    assert f"{lines}:2: /education: Invalid enum value 'phd'" in result.output


def test_simulate_unknown_tenant_and_bad_date_are_clear_errors(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text("{}")
    result = CliRunner().invoke(main, ["simulate", "--at", "wenzhou", str(facts)])
    assert result.exit_code == 1 and "unknown tenant 'wenzhou'" in result.output
    result = CliRunner().invoke(main, ["simulate", "--at", "ningbo", "--as-of", "2026-02-30", str(facts)])
    assert result.exit_code == 2 and "not a date" in result.output
    result = CliRunner().invoke(main, ["simulate", "--at", "ningbo", "--as-of", "2021-12-31", str(facts)])
    assert result.exit_code == 1 and "no indicator set of 'zhejiang' is in force on 2021-12-31" in result.output


def test_indicators_shows_the_inherited_chain():
    result = run("indicators", "--at", "xiangshan", "--as-of", "2026-11-28")
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if "indicator set of" in line]
    assert [h.split()[0] for h in headers] == ["zhejiang", "ningbo", "xiangshan"]
    assert "spring_festival_stay" in result.output
