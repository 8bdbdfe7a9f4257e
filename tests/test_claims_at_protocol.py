"""tools/claims_at_protocol.py's comparison: which cells of two claims tables differ, and which of
them are only wording (its whole run, on the reference's outputs, is in docs/notes/)."""

import importlib.util

import pandas as pd

from pipeline_helpers import ROOT

SPEC = importlib.util.spec_from_file_location("claims_at_protocol", ROOT / "tools" / "claims_at_protocol.py")
tool = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(tool)


def table(changes: dict | None = None) -> pd.DataFrame:
    rows = {"claim": ["a", "b"], "verdict": ["reproduced", "inconclusive"], "effect": ["1.5", "-0.2"],
            "reason": ["", "p = 0.3 >= 0.05"]}
    frame = pd.DataFrame(rows).set_index("claim")
    for (claim, col), value in (changes or {}).items():
        frame.at[claim, col] = value
    return frame


def test_identical_tables_have_no_difference():
    assert tool.differences(table(), table()) == []


def test_each_differing_cell_is_named_with_both_values():
    changed = table({("b", "verdict"): "contradicted", ("a", "effect"): "1.6"})
    assert sorted(tool.differences(table(), changed)) == [
        ("a", "effect", "1.5", "1.6"), ("b", "verdict", "inconclusive", "contradicted")]


def test_wording_is_told_apart_from_numbers():
    found = tool.differences(table(), table({("b", "reason"): "p = 0.30 >= 0.05"}))
    assert [d[1] for d in found] == ["reason"] and "reason" in tool.PROSE


def test_other_claims_or_columns_are_one_difference():
    fewer = table().drop(index="b")
    assert [d[:2] for d in tool.differences(table(), fewer)] == [("*", "columns or claims")]
