"""Write failures are named: a full disk or a read-only directory gives one line naming the file and
the cause, exits non-zero, leaves no half-written file, and a resumed run still ends byte-identical."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from deep_helpers import short_params_file
from distral import cli, io, paths

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params.yaml"
HP = "ent3e-3_lr8e-4"
TORCH_FULL_DISK = ("[enforce fail at inline_container.cc:672] . unexpected pos 5120 vs 5018\n"
                   "frame #0: c10::ThrowEnforceNotMet(...)")


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def _half_then_raise(exc: BaseException):
    """A writer that writes part of its file, then fails as a full disk does."""
    def write(self, path, *args, **kwargs):
        Path(path).write_text("suite,algo\nmazes,")
        raise exc
    return write


@pytest.mark.parametrize("exc, cause", [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "No space left on device"),
    (RuntimeError(TORCH_FULL_DISK), "inline_container.cc:672"),
])
def test_full_disk_names_file_and_keeps_old_content(tmp_path, monkeypatch, exc, cause):
    target = tmp_path / "runs.csv"
    io.write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    monkeypatch.setattr(pd.DataFrame, "to_csv", _half_then_raise(exc))
    with pytest.raises(io.WriteError) as info:
        io.write_csv(pd.DataFrame({"a": [2]}), target)
    message = str(info.value)
    assert message.startswith(f"{target}: cannot write: ") and cause in message
    assert "\n" not in message  # one line, not torch's C++ stack
    assert target.read_bytes() == before and _leftovers(tmp_path) == []


def test_other_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(KeyError):
        with io.atomic_path(tmp_path / "x.csv"):
            raise KeyError("a bug, not a write error")
    assert _leftovers(tmp_path) == [] and not (tmp_path / "x.csv").exists()


def test_no_room_is_named_up_front(tmp_path):
    with pytest.raises(io.WriteError, match=rf"{tmp_path}: No space left on device: .* bytes free"):
        io.check_writable(tmp_path, need_bytes=1 << 62)
    io.check_writable(tmp_path / "new" / "run", need_bytes=1)  # checked through its parent, nothing made
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_simulated(tmp_path, monkeypatch):
    """A read-only directory as the OS reports it (works as root too, where chmod does not bite)."""
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    monkeypatch.setattr(io.tempfile, "mkstemp", refuse)
    with pytest.raises(io.WriteError, match=rf"^{tmp_path}: cannot write: Permission denied$"):
        io.check_writable(tmp_path)
    with pytest.raises(io.WriteError, match=rf"^{tmp_path / 'a.json'}: cannot write: Permission denied$"):
        io.write_json({}, tmp_path / "a.json")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores a read-only directory")
def test_read_only_directory(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(io.WriteError, match="Permission denied"):
            io.check_writable(tmp_path)
        with pytest.raises(io.WriteError, match=rf"{tmp_path / 'a.json'}: cannot write: Permission denied"):
            io.write_json({}, tmp_path / "a.json")
    finally:
        tmp_path.chmod(0o755)


# ---------------------------------------------------------------- the commands


def _train(params: Path, root: Path) -> int:
    return cli.main(["train", "--suite", "toy", "--algo", "KL_1col", "--hp", HP, "--seed", "1", "--profile",
                     "smoke", "--params", str(params), "--root", str(root), "--threads", "1", "--progress", "off"])


def test_train_full_disk_at_a_checkpoint_is_one_line_and_resume_is_identical(tmp_path, monkeypatch, capsys):
    import torch

    from distral.deep.trainer import CHECKPOINT_FILE

    params = short_params_file(tmp_path)
    assert _train(params, tmp_path / "straight") == 0
    rel = Path(paths.run_dir("smoke", "toy", "KL_1col", HP, 1))
    save, calls = torch.save, []

    def save_until_full(obj, f, *args, **kwargs):  # the second checkpoint finds the disk full
        calls.append(f)
        if len(calls) == 2:
            Path(f).write_bytes(b"PK\x03\x04 half a zip")
            raise RuntimeError(TORCH_FULL_DISK)
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_until_full)
    capsys.readouterr()
    assert _train(params, tmp_path / "full") == 1
    err = capsys.readouterr().err
    run = tmp_path / "full" / rel
    assert err == f"distral train: error: {run / CHECKPOINT_FILE}: cannot write: write failed (torch: " \
                  f"{TORCH_FULL_DISK.splitlines()[0]})\n"
    assert _leftovers(run) == [] and not (run / "episodes.csv").exists()
    monkeypatch.setattr(torch, "save", save)  # room again: the run resumes from the first checkpoint
    assert _train(params, tmp_path / "full") == 0
    assert "resumed at update 2" in capsys.readouterr().out
    for name in ("episodes.csv", "diagnostics.csv"):
        assert (run / name).read_bytes() == (tmp_path / "straight" / rel / name).read_bytes(), name


def test_train_without_room_for_a_checkpoint_stops_before_training(tmp_path, monkeypatch, capsys):
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(io.shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    assert _train(short_params_file(tmp_path), tmp_path) == 1
    err = capsys.readouterr().err
    run = tmp_path / paths.run_dir("smoke", "toy", "KL_1col", HP, 1)
    assert err.startswith(f"distral train: error: {run}: No space left on device: 1,000 bytes free")
    assert err.count("\n") == 1 and not run.exists()


@pytest.mark.parametrize("command", [
    ["gridworld", "--algo", "distral", "--seed", "0", "--profile", "smoke"],
    ["random-policy", "--suite", "toy", "--profile", "smoke"],
])
def test_commands_check_their_directory_up_front(tmp_path, monkeypatch, capsys, command):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))
    monkeypatch.setattr(io.tempfile, "mkstemp", refuse)
    assert cli.main([*command, "--params", str(PARAMS), "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"distral {command[0]}: error: {tmp_path}/results/smoke/") and err.count("\n") == 1
    assert "Read-only file system" in err


def test_as_written_gives_the_numbers_its_csv_reads_back(tmp_path):
    """A report made from as_written shows what the CSV's reader gets: -4.2749996 is -4.275 in
    the CSV, so both say -4.28 at 3 digits (the unrounded value says -4.27)."""
    frame = pd.DataFrame({"claim": ["a", "b", "c"], "effect": [-4.2749996, float("nan"), 1 / 3],
                          "runs": [4, 5, 8]})
    io.write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    shown = io.as_written(frame)
    pd.testing.assert_frame_equal(shown, back)
    assert f"{frame['effect'][0]:.3g}" == "-4.27" and f"{shown['effect'][0]:.3g}" == "-4.28"
    assert frame["effect"][0] == -4.2749996  # the caller's frame is left as it was
