"""params.yaml is validated wherever it is loaded; errors name the key and write nothing."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from distral.cli import main
from distral.config import ParamsError, load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def params_file(tmp_path):
    """A writable copy of the project's params.yaml and an editor for it."""
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "params.yaml").read_text())

    def edit(fn):
        data = yaml.safe_load(path.read_text())
        fn(data)
        path.write_text(yaml.safe_dump(data))
        return path

    return path, edit


def test_project_params_are_valid():
    params = load_params(ROOT / "params.yaml")
    assert set(params["profiles"]) >= {"smoke", "default", "paper"}


def test_misspelt_key_is_named(params_file):
    _, edit = params_file
    path = edit(lambda d: d["gridworld"]["soft_q"].update(betta=d["gridworld"]["soft_q"].pop("beta")))
    with pytest.raises(ParamsError, match=r"gridworld.soft_q.*'betta' was unexpected"):
        load_params(path)


@pytest.mark.parametrize(
    "key_path, value, message",
    [
        (("gridworld", "soft_q", "discount"), 1.5, r"gridworld.soft_q.discount"),
        (("gridworld", "algorithms", "distral", "alpha"), -0.1, r"gridworld.algorithms.distral.alpha"),
        (("profiles", "smoke", "gridworld", "seeds"), 0, r"profiles.smoke.gridworld.seeds"),
        (("gridworld", "n_tasks"), 500, r"gridworld.n_tasks"),
        (("gridworld", "analysis", "baseline"), "nobody", r"gridworld.analysis.baseline"),
        (("profile",), "huge", r"key 'profile'"),
    ],
)
def test_out_of_range_values_are_named(params_file, key_path, value, message):
    _, edit = params_file

    def set_value(d):
        for key in key_path[:-1]:
            d = d[key]
        d[key_path[-1]] = value

    with pytest.raises(ParamsError, match=message):
        load_params(edit(set_value))


def test_missing_and_malformed_files_are_named(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: [unclosed")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)


def test_cli_exits_nonzero_and_writes_nothing_on_bad_params(params_file, tmp_path, capsys):
    _, edit = params_file
    path = edit(lambda d: d["gridworld"]["soft_q"].update(learning_rate=0))
    code = main(["gridworld", "--algo", "distral", "--seed", "0", "--params", str(path), "--root", str(tmp_path)])
    assert code == 2
    assert "gridworld.soft_q.learning_rate" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_cli_rejects_unknown_algorithm_and_profile(tmp_path, capsys):
    base = ["gridworld", "--seed", "0", "--params", str(ROOT / "params.yaml"), "--root", str(tmp_path)]
    assert main(base + ["--algo", "nope"]) == 2
    assert "unknown algorithm 'nope'" in capsys.readouterr().err
    assert main(base + ["--algo", "distral", "--profile", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_snakemake_stops_on_bad_profile_before_scheduling():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "figures", "--config", "profile=nope"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode != 0
    assert "key 'profile': unknown profile 'nope'" in out.stdout + out.stderr


def test_profile_hp_subset_must_name_a_grid_setting(params_file):
    _, edit = params_file
    path = edit(lambda d: d["profiles"]["smoke"]["deep"].update(hps=["ent1e-3_lr9e-9"]))
    with pytest.raises(ParamsError, match=r"profiles.smoke.deep.hps.*'ent1e-3_lr9e-9'"):
        load_params(path)


def test_per_suite_frame_budget_must_cover_every_suite(params_file):
    _, edit = params_file
    path = edit(lambda d: d["profiles"]["smoke"]["deep"].update(frames_per_task={"mazes": 8000}))
    with pytest.raises(ParamsError, match=r"profiles.smoke.deep.frames_per_task.*(navigation, laser-tag|laser-tag, navigation)"):
        load_params(path)


def test_sweep_sizes_follow_the_profiles():
    from distral.sweep import deep_runs, frames_per_task

    params = load_params(ROOT / "params.yaml")
    paper = deep_runs(params, "paper")
    assert len(paper) == 3 * 7 * 9 * 4  # Sec. 4.2: 3 suites x 7 algorithms x 9 settings x 4 runs
    assert len(set(paper)) == len(paper)
    budget = params["profiles"]["paper"]["deep"]
    assert frames_per_task(budget, "mazes") == 400_000_000
    assert frames_per_task(budget, "laser-tag") == 660_000_000  # App. B.2


def test_first_seed_shifts_the_deep_seeds(params_file):
    """Pilots use seeds that no verdict run uses: first_seed moves the whole block, and the default
    (absent) is 0, so the other profiles' runs keep their seeds."""
    from distral.sweep import deep_runs

    params = load_params(ROOT / "params.yaml")
    assert sorted({r.seed for r in deep_runs(params, "default", "mazes")}) == list(range(5))  # seeds 0-4
    _, edit = params_file
    path = edit(lambda d: d["profiles"]["default"]["deep"].update(first_seed=100, seeds=3))
    seeds = sorted({r.seed for r in deep_runs(load_params(path), "default")})
    assert seeds == [100, 101, 102]
    bad = edit(lambda d: d["profiles"]["default"]["deep"].update(first_seed=-1))
    with pytest.raises(ParamsError, match="profiles.default.deep.first_seed"):
        load_params(bad)


def test_negative_budget_names_the_leaf_key(params_file):
    _, edit = params_file
    path = edit(lambda d: d["profiles"]["default"]["deep"]["frames_per_task"].update(mazes=-129600))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: key 'profiles.default.deep.frames_per_task.mazes': " \
                              "-129600 is less than the minimum of 1"


def test_misspelt_key_is_named_on_the_first_line(params_file, tmp_path, capsys):
    _, edit = params_file
    path = edit(lambda d: d["gridworld"]["soft_q"].update(betta=d["gridworld"]["soft_q"].pop("beta")))
    assert main(["gridworld", "--algo", "distral", "--seed", "0", "--params", str(path), "--root", str(tmp_path)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first == f"distral gridworld: error: {path}: key 'gridworld.soft_q': " \
                    "Additional properties are not allowed ('betta' was unexpected)"


def test_aggregate_deep_rejects_a_misspelt_profile_as_the_snakefile_does(params_file, tmp_path, capsys):
    _, edit = params_file
    path = edit(lambda d: d.update(profile="defualt"))
    assert main(["aggregate-deep", "--suite", "mazes", "--params", str(path), "--root", str(tmp_path)]) == 2
    assert "key 'profile': unknown profile 'defualt'" in capsys.readouterr().err
    base = ["aggregate-deep", "--suite", "mazes", "--params", str(ROOT / "params.yaml"), "--root", str(tmp_path)]
    assert main(base + ["--profile", "defualt"]) == 2
    assert "key 'profile': unknown profile 'defualt'" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_workflow_profiles_show_the_failed_jobs_log():
    """A failed job's one-line reason (inside its log) reaches the terminal, not only CalledProcessError."""
    for name in ("default", "slurm"):
        config = yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())
        assert config.get("show-failed-logs") is True, name


def test_claims_registry_error_names_the_file_passed_and_the_claim_id(tmp_path):
    import copy

    from distral.analysis import claims

    registry = copy.deepcopy(claims.load_registry())
    registry["claims"][2].update(direction="bigger")
    path = tmp_path / "my_claims.yaml"
    path.write_text(yaml.safe_dump(registry))
    with pytest.raises(ParamsError) as info:
        claims.load_registry(path)
    assert str(info.value).startswith(f"{path}: claim {registry['claims'][2]['id']}: key 'claims.2.direction': ")
    registry["claims"][2].update(direction=claims.load_registry()["claims"][2]["direction"])
    registry["claims"][8].pop("threshold")
    path.write_text(yaml.safe_dump(registry))
    with pytest.raises(ParamsError, match=rf"^{path}: claim {registry['claims'][8]['id']}: key 'claims.8.threshold'"):
        claims.load_registry(path)


def test_seeds_per_suite_give_each_suite_its_runs(params_file):
    """`seeds` per suite (the default spends its runs on mazes): each suite its own count, captions
    say so, and a suite without a count is named."""
    from distral import sweep

    _, edit = params_file
    counts = {"mazes": 3, "navigation": 1, "laser-tag": 2}
    params = load_params(edit(lambda d: d["profiles"]["default"]["deep"].update(seeds=counts)))
    runs = sweep.deep_runs(params, "default")
    assert {s: sorted({r.seed for r in runs if r.suite == s}) for s in counts} == {
        "mazes": [0, 1, 2], "navigation": [0], "laser-tag": [0, 1]}
    budget = params["profiles"]["default"]["deep"]
    assert sweep.seeds_text(budget, ["mazes", "navigation"]) == "seeds: mazes 3, navigation 1"
    assert sweep.seeds_text(budget, ["mazes"]) == "3 seeds"
    params = load_params(edit(lambda d: d["profiles"]["default"]["deep"].update(seeds={"mazes": 3})))
    with pytest.raises(ParamsError, match=r"profiles.default.deep.seeds': no value for suite '(navigation|laser-tag)'"):
        sweep.deep_runs(params, "default")


def test_a_profile_may_leave_out_the_grid_world(params_file):
    """The reference trains the 3D suites only: its grid-world sweep is empty, and asking for its
    grid-world budget names the absent key."""
    from distral import sweep
    from distral.config import has_gridworld, profile_budget

    _, edit = params_file
    params = load_params(edit(lambda d: d["profiles"]["default"].pop("gridworld")))
    assert not has_gridworld(params, "default") and has_gridworld(params, "smoke")
    assert sweep.gridworld_runs(params, "default") == []
    assert sweep.deep_runs(params, "default")
    with pytest.raises(ParamsError, match=r"key 'profiles.default.gridworld': absent"):
        profile_budget(params, "gridworld", "default")
