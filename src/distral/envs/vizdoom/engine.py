"""ViZDoom engine settings shared by every 3D task: actions, screen, game variables.

All tasks of all suites use the same 9 discrete actions (DeepMind Lab's usual set),
the same observation format and the same game variables, so one network and one
distilled policy fit every task. Rendering options that cost time without
carrying information for the agent (decals, particles, messages, HUD) are off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import vizdoom as vzd

from distral.envs.vizdoom.wad import cache_dir

ACTION_NAMES: tuple[str, ...] = (
    "forward",
    "backward",
    "strafe_left",
    "strafe_right",
    "look_left",
    "look_right",
    "forward_look_left",
    "forward_look_right",
    "fire",
)

BUTTONS = (
    vzd.Button.MOVE_FORWARD,
    vzd.Button.MOVE_BACKWARD,
    vzd.Button.MOVE_LEFT,
    vzd.Button.MOVE_RIGHT,
    vzd.Button.TURN_LEFT_RIGHT_DELTA,
    vzd.Button.ATTACK,
)

# Order of `state.game_variables`; tasks index it with these names.
VARIABLES = ("POSITION_X", "POSITION_Y", "ANGLE", "ITEMCOUNT", "FRAGCOUNT", "DEATHCOUNT")
VAR = {name: i for i, name in enumerate(VARIABLES)}
ENGINE_DIR = "_vizdoom"  # the engine's own files, in the working directory (its path is fixed)

# Native render sizes (4:3); the smallest one at least as large as the request is used.
_NATIVE = (
    (120, 160, vzd.ScreenResolution.RES_160X120),
    (240, 320, vzd.ScreenResolution.RES_320X240),
    (480, 640, vzd.ScreenResolution.RES_640X480),
)


@dataclass(frozen=True)
class EngineConfig:
    """How every task of a suite is rendered and stepped."""

    resolution: tuple[int, int] = (84, 84)  # (height, width) of observations
    action_repeat: int = 4  # engine frames (tics) per agent step
    episode_frames: int = 3600  # engine frames per episode (fixed length)
    turn_degrees: float = 20.0  # per agent step for the look actions
    render_weapon: bool = False
    labels: bool = False  # ViZDoom's labels buffer: only the scripted laser-tag agent needs it

    def __post_init__(self):
        h, w = self.resolution
        if h < 8 or w < 8 or h > 480 or w > 640:
            raise ValueError(f"option 'resolution': (height, width) must lie in [8, 480] x [8, 640], got {self.resolution}")
        if self.action_repeat < 1:
            raise ValueError(f"option 'action_repeat': must be >= 1, got {self.action_repeat}")
        if self.episode_frames < self.action_repeat:
            raise ValueError(
                f"option 'episode_frames': must be >= action_repeat ({self.action_repeat}), got {self.episode_frames}"
            )
        if not 0 < self.turn_degrees <= 90:
            raise ValueError(f"option 'turn_degrees': must lie in (0, 90], got {self.turn_degrees}")

    @property
    def steps_per_episode(self) -> int:
        return -(-self.episode_frames // self.action_repeat)


def action_table(config: EngineConfig) -> list[list[float]]:
    """Button values of each action; turning is spread evenly over the repeated frames."""
    turn = config.turn_degrees / config.action_repeat  # TURN_LEFT_RIGHT_DELTA: degrees per tic, + is right
    rows = {
        "forward": [1, 0, 0, 0, 0, 0],
        "backward": [0, 1, 0, 0, 0, 0],
        "strafe_left": [0, 0, 1, 0, 0, 0],
        "strafe_right": [0, 0, 0, 1, 0, 0],
        "look_left": [0, 0, 0, 0, -turn, 0],
        "look_right": [0, 0, 0, 0, turn, 0],
        "forward_look_left": [1, 0, 0, 0, -turn, 0],
        "forward_look_right": [1, 0, 0, 0, turn, 0],
        "fire": [0, 0, 0, 0, 0, 1],
    }
    return [list(map(float, rows[name])) for name in ACTION_NAMES]


def new_game(config: EngineConfig, wad: str, doom_map: str, game_args: str, seed: int, timeout: int) -> vzd.DoomGame:
    """A configured, headless, initialised DoomGame playing `doom_map` of `wad`."""
    cv2.setNumThreads(1)  # OpenCV's thread pool costs more than it saves on 84x84 frames
    game = vzd.DoomGame()
    game.set_doom_game_path(_iwad())
    # ViZDoom writes its settings file to the working directory unless told otherwise.
    game.set_doom_config_path(str(_config_path()))
    game.set_doom_scenario_path(str(wad))
    game.set_doom_map(doom_map)
    game.set_screen_resolution(_native(config.resolution))
    game.set_screen_format(vzd.ScreenFormat.RGB24)
    game.set_window_visible(False)
    game.set_sound_enabled(False)
    game.set_mode(vzd.Mode.PLAYER)
    for setter in ("hud", "crosshair", "decals", "particles", "effects_sprites", "messages", "corpses", "screen_flashes"):
        getattr(game, f"set_render_{setter}")(setter == "crosshair" and config.render_weapon)
    game.set_render_weapon(config.render_weapon)
    game.set_labels_buffer_enabled(config.labels)
    game.set_objects_info_enabled(config.labels)
    game.set_available_buttons(list(BUTTONS))
    for name in VARIABLES:
        game.add_available_game_variable(getattr(vzd.GameVariable, name))
    game.set_episode_timeout(timeout)
    game.set_seed(int(seed) % (2**31))
    # Always run; allow `warp` (used to respawn the agent after a goal).
    game.add_game_args(f"+cl_run 1 +sv_cheats 1 {game_args}")
    _make_engine_dir()
    game.init()
    return game


def _make_engine_dir() -> None:
    """The engine's ./_vizdoom/, made before it starts. An engine that finds no settings file
    (a fresh cache) makes it itself, checking and creating in two steps: two engines starting
    at once (two jobs on a new machine) race, and the loser exits with "Failed to create
    ./_vizdoom/ directory: File exists". With the directory there, it makes nothing."""
    Path(ENGINE_DIR).mkdir(mode=0o700, exist_ok=True)


def _config_path() -> Path:
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "_vizdoom.ini"


def _iwad() -> str:
    return os.path.join(os.path.dirname(vzd.__file__), "freedoom2.wad")


def _native(resolution: tuple[int, int]):
    h, w = resolution
    for nh, nw, res in _NATIVE:
        if h <= nh and w <= nw:
            return res
    raise ValueError(f"option 'resolution': {resolution} is larger than 480x640")


def to_observation(buffer: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """Resize an RGB frame to (height, width, 3) uint8 (INTER_LINEAR: ~20 us, INTER_AREA costs 6x)."""
    h, w = resolution
    if buffer.shape[0] == h and buffer.shape[1] == w:
        return buffer
    return cv2.resize(buffer, (w, h), interpolation=cv2.INTER_LINEAR)
