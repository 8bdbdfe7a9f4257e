"""TensorBoard event files of a training run, to watch a long run live (`tensorboard --logdir results`).

Asked for with `python -m distral train --tensorboard` or `profiles.<p>.deep.tensorboard: true`
(default off). The events go to `<run dir>/tensorboard/`, beside the CSV logs, and hold only
what the trainer records anyway, so the CSV and JSON logs are byte-identical with or without
them; they stay the source of truth, and the analysis never reads events.

Scalars, each at step = env frames per task (the CSV logs' `frames`):
- `return/<task>`: every training episode's return (episodes.csv, policy "task");
- `pi0_return/<task>`: pi_0's (or A3C_multitask's common policy's) mean return over the
  episodes of one evaluation (episodes.csv, policy "distilled");
- `diagnostics/<metric>/<task>`: diagnostics.csv (KL(pi_i || pi_0), the entropies, the task's
  gradient norm), every `diagnostics_interval_updates` updates;
- `train/loss`, `train/grad_norm`, `train/lr`: each update's summed loss, global gradient norm
  and learning rate, at the frames where the update starts (where its learning rate is computed).

A resumed run. The writer opens with `purge_step` = the frames the run (re)starts at: a
SessionLog START event there tells TensorBoard to drop every earlier-written point at or after
that step, i.e. what the killed process logged after its last checkpoint; the new process then
writes those frames again (the checkpoint's rows at that frame, then its own). So a run killed
and resumed any number of times reads back with exactly one point per logged value, as an
uninterrupted run (tests/deep/test_tensorboard.py). A fresh run purges from 0, so the events of
an older run in the same directory are dropped too. The old event files stay on disk (TensorBoard
hides their purged points; a reader that ignores SessionLog events would see them twice).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

DIRECTORY = "tensorboard"
TRAIN_STATS = ("loss", "grad_norm", "lr")


class TensorBoard:
    """Writes a trainer's new log rows and update statistics as TensorBoard scalars."""

    def __init__(self, trainer, directory: Path | None = None):
        from torch.utils.tensorboard import SummaryWriter  # imported only when asked for

        self.trainer = trainer
        start = trainer.frames()
        self.writer = SummaryWriter(log_dir=str(directory or trainer.run_dir / DIRECTORY), purge_step=start)
        # the checkpoint's rows at or after the restart frame were purged with the killed process's points
        self._write_rows([r for r in trainer.rows if r["frames"] >= start])
        self._write_diagnostics([r for r in trainer.diagnostics if r["frames"] >= start])
        self._rows, self._diagnostics = len(trainer.rows), len(trainer.diagnostics)

    def record(self, stats: dict[str, float] | None = None) -> None:
        """After an update (`stats`: what `train_update` returned) or at the end: the update's
        statistics and every row logged since the last call."""
        t = self.trainer
        if stats is not None:
            start = t.frames() - t.frames_per_update
            for key in TRAIN_STATS:
                self.writer.add_scalar(f"train/{key}", float(stats[key]), start)
        self._write_rows(t.rows[self._rows:])
        self._write_diagnostics(t.diagnostics[self._diagnostics:])
        self._rows, self._diagnostics = len(t.rows), len(t.diagnostics)

    def close(self) -> None:
        self.record()
        self.writer.close()

    def _write_rows(self, rows: list[dict]) -> None:
        evaluations = defaultdict(list)  # (task, frames) -> returns of one evaluation's episodes
        for r in rows:
            if r["policy"] == "task":
                self.writer.add_scalar(f"return/{r['task']}", float(r["episode_return"]), int(r["frames"]))
            else:
                evaluations[(r["task"], int(r["frames"]))].append(float(r["episode_return"]))
        for (task, frames), returns in evaluations.items():
            self.writer.add_scalar(f"pi0_return/{task}", sum(returns) / len(returns), frames)

    def _write_diagnostics(self, rows: list[dict]) -> None:
        for r in rows:
            self.writer.add_scalar(f"diagnostics/{r['metric']}/{r['task']}", float(r["value"]), int(r["frames"]))
