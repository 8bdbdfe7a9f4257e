"""The pre-registered protocol (distral.analysis.protocol): what its digest fixes, registering it,
and the check claims.md prints above the verdicts, on small git repositories built here."""

import copy
import datetime
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from distral.analysis import claims as C
from distral.analysis import protocol as PR
from distral.config import ParamsError, load_params

REPO = Path(__file__).resolve().parents[2]
DAY = datetime.date(2026, 12, 5)


@pytest.fixture(scope="module")
def fixed_inputs():
    return load_params(REPO / "params.yaml"), C.load_registry()


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def commit(root: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    return tmp_path


def test_the_digest_fixes_budget_algorithms_analysis_and_claims_not_resources(fixed_inputs):
    params, registry = fixed_inputs
    base = PR.digest(PR.settings(params, "default", registry))
    assert base == PR.digest(PR.settings(copy.deepcopy(params), "default", copy.deepcopy(registry)))

    def changed(edit, of_registry=False):
        p, r = copy.deepcopy(params), copy.deepcopy(registry)
        edit(r if of_registry else p)
        return PR.digest(PR.settings(p, "default", r)) != base

    # what decides a verdict: the budget, the seeds, an algorithm, a suite's task, the test, a claim
    assert changed(lambda p: p["profiles"]["default"]["deep"].update(seeds=7))
    assert changed(lambda p: p["profiles"]["default"]["deep"].update(first_seed=3))
    assert changed(lambda p: p["profiles"]["default"]["deep"].update(eval_episodes=9))
    assert changed(lambda p: p["deep"]["algorithms"]["KL+ent_2col"].update(alpha=0.4))
    assert changed(lambda p: p["suites"]["mazes"]["tasks"][0].update(apples=7))
    assert changed(lambda p: p["analysis"]["verdict"].update(alpha=0.1))
    assert changed(lambda r: r["claims"][0].update(id="renamed"), of_registry=True)
    # the speed, not the numbers; and the other profiles
    for key, value in (("threads", 2), ("runtime", 999), ("device", "cuda"), ("mem_mb", 1), ("tensorboard", True)):
        assert not changed(lambda p: p["profiles"]["default"]["deep"].update({key: value})), key
    assert not changed(lambda p: p["profiles"]["paper"]["deep"].update(seeds=9))
    assert not changed(lambda p: p["profiles"]["default"].update(shipped_logs=True))


def test_register_at_head_once_and_only_from_a_clean_checkout(repo, fixed_inputs):
    params, registry = fixed_inputs
    fixed = PR.settings(params, "default", registry)
    head = commit(repo, {"src/a.py": "x = 1\n", "params.yaml": "p: 1\n"}, "protocol")
    (repo / "results" / "r").mkdir(parents=True)
    (repo / "results" / "r" / "episodes.csv").write_text("a run's log: not a change of the protocol\n")
    entries = PR.register(repo / PR.PROTOCOLS_FILE, "default", fixed, repo, DAY)
    assert entries["default"] == {"commit": head, "registered": DAY, "digest": PR.digest(fixed)}
    path = repo / PR.PROTOCOLS_FILE
    path.write_text(PR.dump(entries))
    assert PR.load(path) == entries
    with pytest.raises(ValueError, match="already has a protocol"):
        PR.register(path, "default", fixed, repo, DAY)
    git(repo, "add", PR.PROTOCOLS_FILE)
    git(repo, "commit", "-qm", "register")
    (repo / "src" / "a.py").write_text("x = 2\n")
    with pytest.raises(ValueError, match=r"uncommitted changes \(M src/a.py"):
        PR.register(path, "other", fixed, repo, DAY)
    with pytest.raises(ValueError, match="not a git checkout"):
        PR.register(repo / "none.yaml", "default", fixed, repo.parent / "elsewhere", DAY)


@pytest.mark.parametrize("entry, key", [
    ({"commit": "abc", "registered": DAY, "digest": "0" * 64}, "protocols.p.commit"),
    ({"commit": "a" * 40, "registered": "soon", "digest": "0" * 64}, "protocols.p.registered"),
    ({"commit": "a" * 40, "registered": DAY, "digest": "x"}, "protocols.p.digest"),
    ({"commit": "a" * 40, "registered": DAY}, "protocols.p"),
])
def test_a_bad_entry_is_named(tmp_path, entry, key):
    path = tmp_path / PR.PROTOCOLS_FILE
    path.write_text(yaml.safe_dump({"protocols": {"p": entry}}))
    with pytest.raises(ParamsError, match=rf"{path}: key '{key}'"):
        PR.load(path)


def test_the_check_names_runs_before_the_protocol_with_other_code_or_unknown(repo, fixed_inputs):
    params, registry = fixed_inputs
    fixed = PR.settings(params, "default", registry)
    before = commit(repo, {"src/a.py": "x = 0\n"}, "before the protocol")
    proto = commit(repo, {"src/a.py": "x = 1\n", "params.yaml": "p: 1\n"}, "protocol")
    entries = {"default": {"commit": proto, "registered": DAY, "digest": PR.digest(fixed)}}
    logs = commit(repo, {"results/default/run/meta.json": "{}\n", "docs.md": "notes\n"}, "logs and docs")
    other = commit(repo, {"src/a.py": "x = 2\n"}, "the trainer changed")
    runs = Counter({(logs, False): 5, (proto, False): 2})

    state = PR.check("default", fixed, entries, runs, repo)
    assert state["settings_match"] and state["before"] == state["other_code"] == state["unchecked"] == []
    text = " ".join(PR.markdown(state, "default"))
    assert f"registered at commit `{proto[:10]}` on 2026-12-05" in text
    assert "Every one after the protocol's commit, with its code (src/)." in text and "not the protocol's" not in text

    runs.update({(before, False): 1, (other, False): 1, ("unknown", None): 1, (logs, True): 1})
    state = PR.check("default", fixed, entries, runs, repo)
    assert state["before"] == [before] and state["other_code"] == [other] and state["unchecked"] == ["unknown"]
    text = " ".join(PR.markdown(state, "default"))
    assert f"not made after the protocol's commit: `{before[:10]}`" in text
    assert f"code (src/) other than the protocol's: `{other[:10]}`" in text
    assert "1 made with uncommitted changes" in text

    changed = copy.deepcopy(params)
    changed["profiles"]["default"]["deep"]["seeds"]["mazes"] += 1
    state = PR.check("default", PR.settings(changed, "default", registry), entries, Counter({(logs, False): 1}), repo)
    assert not state["settings_match"]
    assert "**these verdicts are not the protocol's**" in " ".join(PR.markdown(state, "default"))


def test_without_a_protocol_the_verdicts_say_exploratory(tmp_path, fixed_inputs):
    params, registry = fixed_inputs
    fixed = PR.settings(params, "pilot", registry)
    state = PR.check("pilot", fixed, PR.load(tmp_path / "absent.yaml"), Counter({("c" * 40, False): 3}), tmp_path)
    text = " ".join(PR.markdown(state, "pilot"))
    assert "**Protocol: none registered** for `pilot`" in text and "exploratory" in text and "(3)" in text


def test_a_withdrawn_protocol_stays_on_record_and_the_profile_registers_anew(repo, fixed_inputs):
    """A protocol found wrong before its verdict runs (the reference's first: its grid-world logs
    could not be shipped) is withdrawn with its reason, never deleted; the profile registers its new
    protocol, and claims.md names the withdrawn one above the verdicts."""
    params, registry = fixed_inputs
    fixed = PR.settings(params, "default", registry)
    path = repo / PR.PROTOCOLS_FILE
    first = commit(repo, {"params.yaml": "p: 1\n"}, "first protocol")
    path.write_text(PR.dump(PR.register(path, "default", fixed, repo, DAY)))
    commit(repo, {}, "register")
    with pytest.raises(ValueError, match="needs the reason"):
        PR.withdraw(path, "default", "  ", DAY)
    with pytest.raises(ValueError, match="profile 'other' has no protocol to withdraw"):
        PR.withdraw(path, "other", "why", DAY)
    entries, withdrawn = PR.withdraw(path, "default", "its logs could not be shipped", DAY)
    assert entries == {} and withdrawn == [{"profile": "default", "commit": first, "registered": DAY,
                                            "digest": PR.digest(fixed), "withdrawn": DAY,
                                            "why": "its logs could not be shipped"}]
    path.write_text(PR.dump(entries, withdrawn))
    second = commit(repo, {"params.yaml": "p: 2\n"}, "second protocol")
    path.write_text(PR.dump(PR.register(path, "default", fixed, repo, DAY), PR.load_withdrawn(path)))
    assert PR.load(path)["default"]["commit"] == second
    assert PR.load_withdrawn(path) == withdrawn  # registering again keeps the record
    state = PR.check("default", fixed, PR.load(path), Counter({(second, False): 1}), repo, PR.load_withdrawn(path))
    text = " ".join(PR.markdown(state, "default"))
    assert f"An earlier protocol (commit `{first[:10]}`, registered {DAY}) was withdrawn on {DAY}: its logs could not be shipped." in text
    many = Counter({(f"{i:040x}", False): 1 for i in range(5)})  # a commit per run (a shipped profile)
    text = " ".join(PR.markdown(PR.check("default", fixed, PR.load(path), many, repo), "default"))
    assert "Runs: 5, made at commit" in text and "and 2 more commits" in text
    path.write_text(yaml.safe_dump({"protocols": {}, "withdrawn": [{**withdrawn[0], "why": ""}]}))
    with pytest.raises(ParamsError, match=r"key 'withdrawn\[0\]': needs the date it was withdrawn and why"):
        PR.load(path)
