"""Compare & vote: 2-4 of the user's images side by side; a vote updates Elo ratings and teaches the bandits."""
from __future__ import annotations

import io
import json
import re
import time

import gradio as gr
from PIL import Image as PILImage

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, seed_text, user_errors, user_of
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.personalize import elo
from neurocanvas.services.ranking import RANKING_MODEL, Ranking  # noqa: F401  (the tab's Pull CLIP pulls it)
from neurocanvas.store.images import write_atomic

PICKABLE = 24  # latest images offered as ticks
LEADERBOARD = ["family", "item", "your rating", "your games", "overall rating", "overall games"]


def parse_ids(text: str | list | None) -> list[int]:
    """'12, 15 18' -> [12, 15, 18]; 2-4 different images."""
    values = text if isinstance(text, list) else re.findall(r"-?\d+", str(text or ""))
    ids = [row_id(v, "an image") for v in values]
    if len(ids) != len(set(ids)):
        raise ValueError("The same image appears twice: compare different images.")
    if not 2 <= len(ids) <= 4:
        raise ValueError(f"Compare 2 to 4 images, not {len(ids)}.")
    return ids


def _known_ids(text: str | list | None) -> list[int]:
    """The ids in the picks so far, in order, each once (no count check: picking is under way)."""
    values = text if isinstance(text, list) else re.findall(r"\d+", str(text or ""))
    return list(dict.fromkeys(int(v) for v in values if str(v).isdigit() and len(str(v)) < 19))


class CompareHandler:
    def __init__(self, ctx: AppContext, prefs: PreferencesHandler) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.jobs = ctx.jobs
        self.prefs = prefs
        self.ranking = Ranking(ctx)

    def _images(self, user: str, ids: list[int]) -> list:
        rows = [self.repo.image(user, i) for i in ids]  # NotFound for a missing or foreign image
        for row in rows:
            generation = self.repo.image_generation(row)
            if generation is not None and generation.status != "done":
                raise ValueError(f"Image #{row.id} belongs to a job that did not finish ({generation.status}).")
        return rows

    def describe(self, row) -> dict:
        return self.ranking.describe(row)

    def needs_clip(self) -> bool:
        """No ranking model is installed: the tab offers its Pull button."""
        return self.ranking.model() is None

    def clip_status(self) -> str:
        return self.ranking.status()

    def rank(self, user: str, rows: list, details: list[dict]) -> tuple[list, list[dict], str]:
        return self.ranking.rank(user, rows, details)

    def compare(self, ids: str, request: gr.Request) -> tuple[list, list[dict]]:
        """The images side by side with their model, settings, time and CLIP score, best match first."""
        user = user_of(request)
        with user_errors():
            rows = self._images(user, parse_ids(ids))
            rows, details, note = self.rank(user, rows, [self.describe(r) for r in rows])
            for d in details:
                d["ranking"] = note
            gallery = [(str(self.repo.image_path(r)), f"#{d['id']} · {d['model'] or 'image'}{seed_text(d['seed'])}"
                        + (f" · {d['seconds']:.1f} s" if d["seconds"] else "")
                        + (f" · CLIP {d['clip_score']:.3f}" if d["clip_score"] is not None else ""))
                       for r, d in zip(rows, details)]
            return gallery, details

    def pickable(self, ids: str, request: gr.Request) -> dict:
        """The ticks of the Compare tab: the user's latest images (and any already picked), the picked ones ticked."""
        user = user_of(request)
        with user_errors():
            picked = _known_ids(ids)
            rows = self.repo.images(user, per_page=PICKABLE)
            shown = {r.id for r in rows}
            rows += [r for r in (self._live(user, i) for i in picked if i not in shown) if r is not None]
            return gr.update(choices=[(f"#{r.id} · {r.model_id or 'image'}", r.id) for r in rows],
                             value=[i for i in picked if i in {r.id for r in rows}])

    def add(self, ids: str, image_id: float | None, request: gr.Request) -> tuple[str, str]:
        """'Add to compare' from a result or the lightbox: (the new picks, a line saying so)."""
        with user_errors():
            if not image_id:
                raise ValueError("Pick an image first (click it).")
            row = self.repo.image(user_of(request), row_id(image_id, "an image"))
            picked = [i for i in _known_ids(ids) if i != row.id][-3:] + [row.id]  # the newest four
            return ", ".join(map(str, picked)), f"Image #{row.id} is in Compare & vote ({len(picked)} picked)."

    def _live(self, user: str, image_id: int):
        try:
            return self.repo.image(user, image_id)
        except LookupError:
            return None

    def vote(self, ids: str, winner: float, request: gr.Request) -> tuple[str, list[list]]:
        """The winner beats every other image shown: Elo for models (and styles), per user and overall."""
        user = user_of(request)
        with user_errors():
            id_list = parse_ids(ids)
            if int(winner or 0) not in id_list:
                raise ValueError(f"Vote for one of the images compared ({', '.join(map(str, id_list))}).")
            rows = {r.id: r for r in self._images(user, id_list)}
            best = rows[int(winner)]
            others = [rows[i] for i in id_list if i != best.id]
            families = {"model": (best.model_id, [o.model_id for o in others])}
            for family, (win, losers) in families.items():
                losers = [l for l in losers if l]
                if not win or not losers:
                    continue
                mine = {k: v for k, (v, _) in self.repo.ratings(user, family).items()}
                everyone = {k: v for k, (v, _) in self.repo.ratings(user, family, overall=True).items()}
                mine, everyone = elo.vote(mine, win, losers), elo.vote(everyone, win, losers)
                played = [win, *losers]
                self.repo.save_ratings(user, family, {k: mine[k] for k in played}, {k: everyone[k] for k in played}, played)
            self.repo.record_event(user, "vote", {"winner": best.id, "others": [o.id for o in others]})
            self.prefs.record(user, best.id, "vote", 1)
            for other in others:
                self.prefs.record(user, other.id, "vote", -1)
            return f"Voted for image #{best.id}.", self.leaderboard(request)

    def leaderboard(self, request: gr.Request) -> list[list]:
        user = user_of(request)
        with user_errors():
            table = []
            for family in ("model", "style"):
                mine = self.repo.ratings(user, family)
                everyone = self.repo.ratings(user, family, overall=True)
                for item in sorted(set(mine) | set(everyone), key=lambda i: -(mine.get(i) or everyone[i])[0]):
                    your, overall = mine.get(item, (None, 0)), everyone.get(item, (None, 0))
                    table.append([family, item, your[0] and round(your[0], 1), your[1],
                                  overall[0] and round(overall[0], 1), overall[1]])
            return table

    def export(self, ids: str, request: gr.Request) -> list[str]:
        """One grid PNG of the compared images and a JSON of their details, saved with the user's images."""
        user = user_of(request)
        with user_errors():
            rows = self._images(user, parse_ids(ids))
            details = [self.describe(r) for r in rows]
            tiles = [PILImage.open(self.repo.image_path(r)).convert("RGB") for r in rows]
            height = max(t.height for t in tiles)
            grid = PILImage.new("RGB", (sum(t.width for t in tiles), height), "white")
            x = 0
            for tile in tiles:
                grid.paste(tile, (x, 0))
                x += tile.width
            buffer = io.BytesIO()
            grid.save(buffer, format="PNG")
            stamp = time.strftime("%Y%m%d-%H%M%S")
            folder = f"u{self.repo.user(user).id}/exports"
            png = write_atomic(self.repo.images_dir, f"{folder}/compare-{stamp}.png", buffer.getvalue())
            data = json.dumps({"images": details, "exported_at": stamp}, indent=1).encode()
            meta = write_atomic(self.repo.images_dir, f"{folder}/compare-{stamp}.json", data)
            return [str(png), str(meta)]


DETAIL_HEADERS = ["Image", "Rank", "Model", "CLIP score", "Size", "Steps", "Seed", "Time", "Style", "Why"]


def details_table(details: list[dict] | None) -> list[list]:
    """The comparison's details as a labelled table (the API keeps the plain records)."""
    return [[f"#{d['id']}", d.get("rank", ""), d.get("model") or "image",
             "" if d.get("clip_score") is None else f"{d['clip_score']:.3f}", d.get("size", ""), d.get("steps") or "",
             "" if d.get("seed") is None else d["seed"], f"{d['seconds']:.1f} s" if d.get("seconds") else "",
             ", ".join(d.get("styles") or []), d.get("why") or ""] for d in details or []]


def pick_line(image_id: float | None) -> str:
    return (f"Your pick: **image #{int(image_id)}**." if image_id else
            "Click an image above to pick it, then vote.")
