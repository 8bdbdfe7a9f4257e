"""The schedule of a deep run: frames per update, number of updates, evaluation points of pi_0.

One definition for the trainer (distral.deep.trainer), which follows it, and the run-log
checks (distral.analysis.runlogs), which check a finished run against it: so the two
cannot drift apart. Pure integer arithmetic; no torch (the analysis must not import it).

Frames are counted per task, action repeat included (App. B.2 counts env frames). An
update consumes `rollout_length` agent steps of each of a task's `envs_per_task`
environments. The budget is rounded up to whole updates, so a run may overshoot its
`frames_per_task` by less than one update.
"""

from __future__ import annotations

import math


def frames_per_update(rollout_length: int, envs_per_task: int, action_repeat: int) -> int:
    """Env frames per task that one update consumes: T steps x B envs x action repeat."""
    return int(rollout_length) * int(envs_per_task) * int(action_repeat)


def n_updates(frames_per_task: int, per_update: int) -> int:
    """Updates of a run: the budget in whole updates, rounded up."""
    return math.ceil(int(frames_per_task) / int(per_update))


def eval_due(update: int, n_total: int, per_update: int, interval: int, last_eval_frames: int | None) -> bool:
    """Whether pi_0 is evaluated before update `update` (at frame update x per_update).

    At frame 0; then at the first update boundary at least `interval` frames after the
    previous evaluation; and at the end of the budget. Never twice at the same frame
    (a run resumed right after an evaluation must not repeat it).
    """
    frames = update * per_update
    if last_eval_frames is None:
        return True
    if frames == last_eval_frames:
        return False
    return frames - last_eval_frames >= interval or update >= n_total


def eval_frames(n_total: int, updates_done: int, per_update: int, interval: int) -> list[int]:
    """Frames per task of every evaluation of pi_0 in a run that made `updates_done` of its
    `n_total` updates (fewer when it diverged: no final evaluation beyond its last good update)."""
    points: list[int] = []
    last = None
    for update in range(updates_done + 1):
        if eval_due(update, n_total, per_update, interval, last):
            last = update * per_update
            points.append(last)
    return points
