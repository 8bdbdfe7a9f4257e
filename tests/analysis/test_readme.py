"""`python -m distral readme`: the README's results block and image come from the regenerated
claims and figure, never from a hand edit (issue 18). Hand-made claims with known numbers."""

from pathlib import Path

import pandas as pd
import pytest

from distral.cli import main
from distral.commands.readme import markers
from pipeline_helpers import ROOT

PROFILE = "reference"
PROTOCOL = ("**Protocol** of `reference`: registered at commit `48f3dc4abc` on 2026-12-05 (protocols.yaml). "
            "Its settings are the ones used here (digest `59951ff25ad2`).")


def claim(name, kind="claim", verdict="inconclusive", suite="mazes", **values):
    row = dict(claim=name, kind=kind, verdict=verdict, reason="", panel="Fig. 4 A1", suite=suite, effect=1.5,
               ci_low=0.25, ci_high=2.75, p_adjusted=0.0123, family_size=12, mde=3.5, mde_gap_fraction=1.25,
               sentence=f"the paper's sentence of {name}")
    return {**row, **values}


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    tables, figures = tmp_path / "paper_tables" / PROFILE, tmp_path / "figures" / PROFILE
    tables.mkdir(parents=True)
    figures.mkdir(parents=True)
    pd.DataFrame([
        claim("gw-faster", suite="gridworld", reason="the grid world is not part of profile reference"),
        claim("mazes-learns", kind="sanity check", verdict="reproduced", panel="sanity check"),
        claim("mazes-distral-final", verdict="contradicted", effect=-2.0, ci_low=-3.0, ci_high=-1.0, p_adjusted=0.001),
        claim("mazes-distral-faster"),
        claim("nav-distral-final", suite="navigation", effect=None, ci_low=None, ci_high=None, mde=None,
              mde_gap_fraction=None, reason="A3C normaliser of task(s) x not clearly above the random policy"),
    ]).to_csv(tables / "claims.csv", index=False)
    (tables / "claims.md").write_text(f"# Claims\n\n{PROTOCOL}\n\n| table |\n")
    (figures / "fig4.png").write_bytes(b"\x89PNG figure four")
    begin, end = markers(PROFILE)
    (tmp_path / "README.md").write_text(f"# project\n\nbefore\n\n{begin}\nold text\n{end}\n\nafter\n")
    return tmp_path


def readme(root: Path, *extra: str) -> int:
    return main(["readme", "--profile", PROFILE, "--params", str(ROOT / "params.yaml"), "--root", str(root), *extra])


def test_the_block_holds_the_budget_the_protocol_and_every_3d_claim(outputs):
    assert readme(outputs) == 0
    text = (outputs / "README.md").read_text()
    assert text.startswith("# project\n\nbefore\n\n") and text.endswith("\n\nafter\n") and "old text" not in text
    assert "8 runs per algorithm (seeds 0-7)" in text and "mazes 448,000, navigation 57,600, laser-tag 14,400" in text
    assert PROTOCOL in text
    assert "3D claims: **0** ✅ reproduced · **1** ❌ contradicted · **2** ❔ inconclusive" in text
    assert "| `mazes-distral-final` | Fig. 4 A1 | ❌ contradicted | -2 [-3, -1] | 0.001 (12) | – |" in text
    assert "| `mazes-distral-faster` | Fig. 4 A1 | ❔ inconclusive | 1.5 [0.25, 2.75] | 0.0123 (12) | could not " \
           "have seen less than 3.5 (1.2 of the random-to-best gap) |" in text
    assert "| **`mazes-learns`** | sanity check | ✅ reproduced |" in text
    assert "| `nav-distral-final` | Fig. 4 A1 | ❔ inconclusive | – |" in text
    assert "gw-faster" not in text  # the grid world's claims are not this profile's
    assert f"![fig4 of profile `{PROFILE}`](docs/img/{PROFILE}_fig4.png)" in text
    assert (outputs / "docs" / "img" / f"{PROFILE}_fig4.png").read_bytes() == b"\x89PNG figure four"
    assert readme(outputs, "--check") == 0
    assert readme(outputs) == 0 and (outputs / "README.md").read_text() == text  # same outputs, same bytes


def test_check_names_a_readme_edited_by_hand_and_an_image_not_regenerated(outputs, capsys):
    assert readme(outputs) == 0
    edited = (outputs / "README.md").read_text().replace("❌ contradicted | -2", "✅ reproduced | -2")
    (outputs / "README.md").write_text(edited)
    assert readme(outputs, "--check") == 2
    assert f"{outputs / 'README.md'}: differ from" in capsys.readouterr().err
    assert (outputs / "README.md").read_text() == edited  # --check writes nothing
    assert readme(outputs) == 0
    (outputs / "figures" / PROFILE / "fig4.png").write_bytes(b"\x89PNG another figure")
    assert readme(outputs, "--check") == 2
    assert f"docs/img/{PROFILE}_fig4.png: differ from" in capsys.readouterr().err


def test_a_readme_without_its_markers_is_named_and_left_as_it_was(outputs, capsys):
    (outputs / "README.md").write_text("# project\n")
    assert readme(outputs) == 2
    err = capsys.readouterr().err
    assert f"{outputs / 'README.md'}: needs the two marker lines of profile 'reference'" in err
    assert (outputs / "README.md").read_text() == "# project\n"
    assert not (outputs / "docs").exists()


def test_missing_outputs_are_named(outputs, capsys):
    (outputs / "paper_tables" / PROFILE / "claims.csv").unlink()
    assert readme(outputs) == 2
    assert f"{outputs / 'paper_tables' / PROFILE / 'claims.csv'}: missing" in capsys.readouterr().err
