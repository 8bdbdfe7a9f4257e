"""Grid layouts of the generated 3D maps: labmaze mazes plus where things go.

A `Layout` is the engine-independent description of one map: which grid cells are
walls, closed or open doors, where the agent starts, where apples, goal and
return-objects lie. It is a frozen value, so equal layouts hash equally and the
WAD cache (`distral.envs.vizdoom.wad`) can key files by content. Every random choice here
takes an explicit NumPy generator derived with `distral.seeding`, so a seed
determines the map.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

import labmaze
import numpy as np

Cell = tuple[int, int]

WALL = "*"
OPEN = " "
DOOR_CLOSED = "D"
DOOR_OPEN = "d"
_LABMAZE_DOORS = ("H", "I")


@dataclass(frozen=True)
class Layout:
    """One generated map on a grid (row 0 is the north edge)."""

    rows: tuple[str, ...]
    spawn: Cell
    apples: tuple[Cell, ...] = ()
    goal: Cell | None = None
    objects: tuple[Cell, ...] = ()
    dm_starts: tuple[Cell, ...] = ()
    texture: str = "STARTAN2"
    meta: tuple[tuple[str, str], ...] = field(default=())

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0])

    def is_open(self, cell: Cell) -> bool:
        r, c = cell
        h, w = self.shape
        return 0 <= r < h and 0 <= c < w and self.rows[r][c] in (OPEN, DOOR_OPEN)


def maze_rows(seed: int, size: int, max_rooms: int, doors: bool = False, extra_connections: float = 0.0) -> tuple[str, ...]:
    """A labmaze maze of `size` x `size` cells (walls '*', open ' ', labmaze doors 'H'/'I' kept).

    labmaze is DeepMind Lab's own generator, so the mazes have the same structure
    (rooms joined by one-cell corridors) as the paper's nav_maze levels.
    """
    if size < 5 or size % 2 == 0:
        raise ValueError(f"maze size must be an odd integer >= 5, got {size}")
    maze = labmaze.RandomMaze(
        height=size,
        width=size,
        max_rooms=max_rooms,
        room_min_size=3,
        room_max_size=5,
        has_doors=doors,
        extra_connection_probability=extra_connections,
        random_seed=int(seed) % (2**31),
        simplify=False,
    )
    keep = {WALL, *(_LABMAZE_DOORS if doors else ())}
    return tuple("".join(ch if ch in keep else OPEN for ch in row) for row in maze.entity_layer)


def open_cells(rows: tuple[str, ...]) -> list[Cell]:
    """Cells the agent can stand in (open floor, not doors), in row-major order."""
    return [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == OPEN]


def sample_cells(cells: list[Cell], n: int, rng: np.random.Generator, exclude: set[Cell] = frozenset()) -> tuple[Cell, ...]:
    """`n` distinct cells drawn from `cells` minus `exclude` (fewer if there are not enough)."""
    pool = [c for c in cells if c not in exclude]
    n = min(n, len(pool))
    picks = rng.choice(len(pool), size=n, replace=False) if n else []
    return tuple(pool[int(i)] for i in picks)


def distances(rows: tuple[str, ...], source: Cell) -> np.ndarray:
    """Breadth-first grid distance from `source` to every cell (-1 = unreachable)."""
    h, w = len(rows), len(rows[0])
    dist = np.full((h, w), -1, dtype=np.int32)
    dist[source] = 0
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < h and 0 <= nc < w and dist[nr, nc] < 0 and rows[nr][nc] in (OPEN, DOOR_OPEN):
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


def set_doors(rows: tuple[str, ...], closed_probability: float, rng: np.random.Generator) -> tuple[str, ...]:
    """Close each labmaze door with `closed_probability`, open the rest."""
    out = []
    for row in rows:
        chars = []
        for ch in row:
            if ch in _LABMAZE_DOORS or ch in (DOOR_OPEN, DOOR_CLOSED):
                ch = DOOR_CLOSED if rng.random() < closed_probability else DOOR_OPEN
            chars.append(ch)
        out.append("".join(chars))
    return tuple(out)


def reachable_doors(rows: tuple[str, ...], start: Cell, goal: Cell, closed_probability: float, rng: np.random.Generator) -> tuple[str, ...]:
    """Random door states under which `goal` is still reachable from `start`.

    Redraws up to 20 times, then opens every door: a closed door must force a
    detour, never make the goal unreachable.
    """
    for _ in range(20):
        candidate = set_doors(rows, closed_probability, rng)
        if distances(candidate, start)[goal] >= 0:
            return candidate
    return set_doors(rows, 0.0, rng)


def with_meta(layout: Layout, **meta: str) -> Layout:
    """`layout` with extra descriptive key/values (kept sorted so the hash is stable)."""
    items = dict(layout.meta)
    items.update({k: str(v) for k, v in meta.items()})
    return replace(layout, meta=tuple(sorted(items.items())))
