"""Write generated `Layout`s as Doom maps (WAD files) with omgifol, and cache them.

Geometry: the whole map is one sector; every edge between a walkable cell and a
wall (or closed door) cell becomes a one-sided linedef facing the walkable cell,
and collinear edges of the same texture are merged. ZDoom (inside ViZDoom) builds
its BSP nodes itself when a map has none, so no node builder is needed.

Caching: one WAD holds a pool of maps (MAP01, MAP02, ...) so an environment can
switch maps with a cheap `new_episode` instead of a 0.15 s engine restart. A WAD's
file name is the SHA-1 of its layouts, so identical requests (other vector copies,
test reruns, other processes) reuse the file; writes are atomic, and the cache keeps
the $DISTRAL_WAD_CACHE_MAX most recently used files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import omg
from omg.mapedit import Linedef, MapEditor, Sector, Sidedef, Thing, Vertex

from distral.envs.vizdoom.layout import DOOR_CLOSED, Cell, Layout
from distral.io import atomic_path

CELL = 96  # map units per grid cell; the player is 32 units wide and runs ~17 units a tic
MAX_MAPS = 99  # MAP01..MAP99

# Doom editor numbers of the things we place.
PLAYER1_START = 1
DEATHMATCH_START = 11
APPLE = 2014  # health bonus: a small pickup that counts as an item (ITEMCOUNT)
RETURN_OBJECT = 2015  # armour bonus: the objects to bring back to the start
GOAL = 45  # tall green torch: a solid, clearly visible goal that is not picked up
DOOR_TEXTURE = "BIGDOOR2"
FLOOR, CEILING = "FLOOR4_8", "CEIL3_5"


def map_name(index: int) -> str:
    if not 0 <= index < MAX_MAPS:
        raise ValueError(f"a WAD holds at most {MAX_MAPS} maps, asked for map index {index}")
    return f"MAP{index + 1:02d}"


def cell_centre(layout: Layout, cell: Cell) -> tuple[float, float]:
    """Doom (x, y) of a cell's centre; y grows northwards, rows grow southwards."""
    h, _ = layout.shape
    r, c = cell
    return c * CELL + CELL / 2, (h - 1 - r) * CELL + CELL / 2


def world_to_cell(layout: Layout, x: float, y: float) -> Cell:
    """The grid cell containing Doom position (x, y)."""
    h, _ = layout.shape
    return h - 1 - int(y // CELL), int(x // CELL)


def _wall_edges(layout: Layout) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """Directed wall edges (a, b, texture), front side facing the walkable cell.

    Doom draws a linedef's front sidedef on its right: so a wall west of a cell runs
    south->north, east runs north->south, north runs west->east, south east->west.
    """
    h, w = layout.shape
    edges = []
    for r in range(h):
        for c in range(w):
            if not layout.is_open((r, c)):
                continue
            x0, x1 = c * CELL, (c + 1) * CELL
            y0, y1 = (h - 1 - r) * CELL, (h - r) * CELL
            sides = (((r, c - 1), (x0, y0), (x0, y1)), ((r, c + 1), (x1, y1), (x1, y0)),
                     ((r - 1, c), (x0, y1), (x1, y1)), ((r + 1, c), (x1, y0), (x0, y0)))
            for neighbour, a, b in sides:
                if not layout.is_open(neighbour):
                    nr, nc = neighbour
                    closed = 0 <= nr < h and 0 <= nc < w and layout.rows[nr][nc] == DOOR_CLOSED
                    edges.append((a, b, DOOR_TEXTURE if closed else layout.texture))
    return _merge_collinear(edges)


def _merge_collinear(edges):
    """Join edges that continue each other in the same direction with the same texture.

    Fewer linedefs make ZDoom's node building and rendering cheaper.
    """
    by_start = {(a, (b[0] - a[0], b[1] - a[1]), tex): (a, b, tex) for a, b, tex in edges}
    starts = {(a, tex, (b[0] - a[0], b[1] - a[1])) for a, b, tex in edges}
    merged = []
    for a, b, tex in edges:
        d = (b[0] - a[0], b[1] - a[1])
        if ((a[0] - d[0], a[1] - d[1]), tex, d) in starts:
            continue  # not the first edge of its run
        end = b
        while (end, d, tex) in by_start:
            end = by_start[(end, d, tex)][1]
        merged.append((a, end, tex))
    return merged


def layout_map(layout: Layout) -> MapEditor:
    """The omgifol map of one layout: one sector, merged walls, things."""
    editor = MapEditor()
    editor.sectors.append(Sector(z_floor=0, z_ceil=128, tx_floor=FLOOR, tx_ceil=CEILING, light=192))
    vertex_ids: dict[tuple[int, int], int] = {}

    def vertex(point: tuple[int, int]) -> int:
        if point not in vertex_ids:
            vertex_ids[point] = len(editor.vertexes)
            editor.vertexes.append(Vertex(x=point[0], y=point[1]))
        return vertex_ids[point]

    for a, b, texture in _wall_edges(layout):
        editor.sidedefs.append(Sidedef(tx_mid=texture, sector=0))
        editor.linedefs.append(Linedef(vx_a=vertex(a), vx_b=vertex(b), front=len(editor.sidedefs) - 1, flags=1))
    for thing_type, cell, angle in _things(layout):
        x, y = cell_centre(layout, cell)
        editor.things.append(Thing(x=int(x), y=int(y), angle=angle, type=thing_type, flags=7))
    return editor


def _things(layout: Layout) -> list[tuple[int, Cell, int]]:
    spawn_angle = int(dict(layout.meta).get("spawn_angle", "0"))
    things = [(PLAYER1_START, layout.spawn, spawn_angle)]
    things += [(DEATHMATCH_START, cell, 90 * (i % 4)) for i, cell in enumerate(layout.dm_starts)]
    things += [(APPLE, cell, 0) for cell in layout.apples]
    things += [(RETURN_OBJECT, cell, 0) for cell in layout.objects]
    if layout.goal is not None:
        things.append((GOAL, layout.goal, 0))
    return things


def layouts_key(layouts: tuple[Layout, ...]) -> str:
    """Content hash of a pool of layouts (the dataclasses' repr is deterministic)."""
    text = "\n".join(repr(layout) for layout in layouts) + f"\ncell={CELL}"
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def cache_dir() -> Path:
    """Where generated WADs live: $DISTRAL_WAD_CACHE, else ~/.cache/distral/wads."""
    env = os.environ.get("DISTRAL_WAD_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "distral" / "wads"


def write_pool(layouts: tuple[Layout, ...], directory: Path | None = None) -> Path:
    """The WAD holding `layouts` as MAP01, MAP02, ...; written once, then reused."""
    if not layouts:
        raise ValueError("a WAD pool needs at least one layout")
    directory = Path(directory) if directory is not None else cache_dir()
    path = directory / f"{layouts_key(layouts)}.wad"
    try:
        # a hit becomes the newest file, so prune() deletes the least recently used: an old WAD
        # that this env is about to load must not be pruned by the next env's new one (threads
        # and processes share the cache; the engine opens the file only after the start lock)
        os.utime(path)
        return path
    except FileNotFoundError:
        pass  # not written yet, or just pruned: write it
    except OSError:  # a cache this user may read but not write: the hit, untouched
        if path.is_file():
            return path
    wad = omg.WAD()
    for index, layout in enumerate(layouts):
        wad.maps[map_name(index)] = layout_map(layout).to_lumps()
    with atomic_path(path) as tmp:
        wad.to_file(str(tmp))
    prune(directory)
    return path


def prune(directory: Path, keep: int | None = None) -> None:
    """Delete all but the `keep` most recently used WADs ($DISTRAL_WAD_CACHE_MAX, default 1000 =
    ~100 MB; write_pool touches a file it reuses).

    Training on maps generated every episode writes a new pool every 32 episodes,
    so the cache must be bounded. Deleting a WAD an engine has already loaded is
    safe: the engine keeps the file open and reads it through its descriptor.
    """
    keep = int(os.environ.get("DISTRAL_WAD_CACHE_MAX", "1000")) if keep is None else keep
    files = list(Path(directory).glob("*.wad"))
    if len(files) <= keep:
        return
    files.sort(key=lambda p: p.stat().st_mtime_ns if p.exists() else 0)
    for old in files[: len(files) - keep]:
        old.unlink(missing_ok=True)  # another process may have pruned it already
