"""Pictures of the 3D task suites: a first-person frame and a top-down map of every task.

The companion to the paper's Table 2 (command: `python -m distral suite-gallery`). Writes to
figures/<profile>/suites/: per suite a PNG + PDF panel (first-person frames on
top, maps below), tasks.csv (what each task is), and a frame strip (PNG) and GIF
of the scripted agent playing a maze. Maps are drawn from the very WAD the
engine loads (omgifol reads both our generated maps and ViZDoom's UDMF maps).
Everything is seeded, and PDFs carry no creation date, so reruns give equal bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import imageio.v2 as imageio  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import omg  # noqa: E402
import omg.udmf  # noqa: E402

from distral.envs.registry import ANALYSIS_OPTIONS, make_suite  # noqa: E402
from distral.envs.vizdoom import wad as wadlib  # noqa: E402
from distral.envs.vizdoom.scripted import scripted_agent  # noqa: E402
from distral.io import atomic_path  # noqa: E402

PICTURE_RESOLUTION = [240, 320]  # larger than the agent's 84x84 so people can see detail
SEED = 0
WARMUP_STEPS = 12  # scripted steps before the first-person snapshot (away from the spawn wall)
# Thing types -> (marker, colour, label) on the maps.
THING_STYLE = {
    wadlib.PLAYER1_START: ("^", "tab:blue", "agent start"),
    wadlib.DEATHMATCH_START: ("v", "tab:cyan", "deathmatch start"),
    wadlib.APPLE: ("o", "tab:green", "apple / object to collect"),
    wadlib.RETURN_OBJECT: ("s", "tab:orange", "object to bring back"),
    wadlib.GOAL: ("*", "tab:red", "goal"),
}


def snapshot(env) -> tuple[np.ndarray, str, str]:
    """A first-person frame after a few scripted steps, and the WAD + map being played."""
    agent = scripted_agent(env, SEED)
    obs, _ = env.reset(seed=SEED)
    for _ in range(WARMUP_STEPS):
        obs, *_ = env.step(agent.act(env, obs))
    return env.render().copy(), str(env._pool.wad), env.maps[env.variant]


def draw_map(ax, wad_path: str, map_name: str) -> None:
    """Top-down map: one-sided walls black, closed doors brown, two-sided lines grey, things."""
    wad = omg.WAD(wad_path)
    group = wad.udmfmaps[map_name] if map_name in wad.udmfmaps else wad.maps[map_name]
    editor = omg.udmf.UMapEditor(group)
    for line in editor.linedefs:
        a, b = editor.vertexes[line.v1], editor.vertexes[line.v2]
        side = editor.sidedefs[line.sidefront]
        door = getattr(side, "texturemiddle", "") == wadlib.DOOR_TEXTURE
        one_sided = line.sideback in (-1, None)
        colour = "saddlebrown" if door else ("black" if one_sided else "0.75")
        ax.plot([a.x, b.x], [a.y, b.y], color=colour, lw=2.5 if door else (1.0 if one_sided else 0.5))
    for thing_type, (marker, colour, _) in THING_STYLE.items():
        xy = np.array([(t.x, t.y) for t in editor.things if t.type == thing_type]).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], marker=marker, c=colour, s=40 if marker == "*" else 14, zorder=3)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def suite_panel(params: dict, name: str, out: Path) -> list[dict]:
    """Figure of one suite (frames above maps) and the rows of tasks.csv for it."""
    suite = _picture_suite(params, name)
    n = suite.n_tasks
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.6), squeeze=False)
    rows = []
    for i, task in enumerate(suite.task_names):
        env = suite.make_env(i, SEED)
        frame, wad_path, map_name = snapshot(env)
        env.close()
        axes[0, i].imshow(frame)
        axes[0, i].set_title(task, fontsize=8)
        axes[0, i].axis("off")
        draw_map(axes[1, i], wad_path, map_name)
        rows.append(_task_row(name, suite.options, i))
    handles = [plt.Line2D([], [], marker=m, color=c, ls="", label=lab) for m, c, lab in THING_STYLE.values()]
    handles.append(plt.Line2D([], [], color="saddlebrown", lw=2.5, label="closed door"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=7, frameon=False)
    fig.suptitle(f"{name}: first-person view (seed {SEED}) and map of each task", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    _save(fig, out / f"{name}")
    return rows


def _picture_suite(params: dict, name: str):
    """The suite as params.yaml configures it, rendered at PICTURE_RESOLUTION."""
    options = {k: v for k, v in params["suites"][name].items() if k != "backend" and k not in ANALYSIS_OPTIONS}
    options.update(resolution=PICTURE_RESOLUTION, maps_per_wad=1)
    return make_suite(name, backend="vizdoom", **options)


def _task_row(suite: str, options: dict, index: int) -> dict:
    task = options["tasks"][index]
    family = "laser-tag" if suite == "laser-tag" else task.get("family", "goal")
    fixed = task.get("map") or ("layout_seed %d" % task["layout_seed"] if "layout_seed" in task else "new every episode")
    return {"suite": suite, "task": task["name"], "family": family, "map": fixed,
            "size": task.get("size", ""), "rooms": task.get("rooms", ""), "apples": task.get("apples", ""),
            "objects": task.get("objects", ""), "bots": task.get("bots", ""), "bot_skill": task.get("bot_skill", ""),
            "episode_frames": options["episode_frames"], "action_repeat": options["action_repeat"],
            "rewards": " ".join(f"{k}={v:g}" for k, v in options["rewards"].items())}


def agent_strip(params: dict, out: Path, steps: int) -> None:
    """A frame strip (every steps/8-th frame) and a GIF of the scripted agent in maze_2."""
    options = {k: v for k, v in params["suites"]["mazes"].items() if k != "backend"}
    options.update(maps_per_wad=1)
    suite = make_suite("mazes", backend="vizdoom", **options)
    env = suite.make_env(suite.task_index("maze_2"), SEED)
    agent = scripted_agent(env, SEED)
    frames, rewards = [], []
    obs, _ = env.reset(seed=SEED)
    for _ in range(steps):
        obs, reward, *_ = env.step(agent.act(env, obs))
        frames.append(obs)
        rewards.append(reward)
    env.close()
    picks = np.linspace(0, steps - 1, 8).astype(int)
    fig, axes = plt.subplots(1, len(picks), figsize=(2 * len(picks), 2.3))
    cumulative = np.cumsum(rewards)
    for ax, k in zip(axes, picks):
        ax.imshow(frames[k])
        ax.set_title(f"step {k + 1}, return {cumulative[k]:g}", fontsize=7)
        ax.axis("off")
    fig.suptitle("scripted agent in mazes/maze_2 (84x84 observations, action repeat 4)", fontsize=9)
    fig.tight_layout()
    _save(fig, out / "agent_strip", pdf=False)
    big = [np.kron(f, np.ones((2, 2, 1), dtype=np.uint8)) for f in frames]  # 168x168 for viewing
    with atomic_path(out / "agent.gif") as tmp:
        imageio.mimsave(tmp, big, format="GIF", duration=1000 * 4 / 35, loop=0)


def _save(fig, stem: Path, pdf: bool = True) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(stem.with_suffix(".png")) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    if pdf:
        with atomic_path(stem.with_suffix(".pdf")) as tmp:
            fig.savefig(tmp, format="pdf", metadata={"CreationDate": None})
    plt.close(fig)
