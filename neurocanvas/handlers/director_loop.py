"""The director's loop in the tab: generate the versions, look at them with CLIP, refine from the result, merge."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import gradio as gr

from neurocanvas.engines.director import word_diff
from neurocanvas.engines.director_loop import phrases
from neurocanvas.handlers.common import ended_text, form_seed, row_id, user_errors, user_of, watch
from neurocanvas.services.director_loop import DirectorLoop, NoClip

LOOK_HEADERS = ["Version", "Image", "Whole prompt", "Shows", "Misses"]


class DirectorLoopHandler:
    def __init__(self, ctx: Any, analyse: Callable[[str], Any]) -> None:
        self.loop = DirectorLoop(ctx, analyse)
        self.jobs = ctx.jobs

    def model_choices(self) -> list[tuple[str, str]]:
        return [(s.name, s.id) for s in self.loop.registry.specs("text-to-image") if self.loop.registry.is_installed(s.id)]

    # generate ------------------------------------------------------------------------------------
    def generate(self, prompts: str, conversation_id: float | None, model_id: str | None, seed: float,
                 request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (gallery, conversation id, line, version choices) while the versions render, one seed for all."""
        user = user_of(request)
        with user_errors():
            seed = form_seed(seed)
            conversation, pairs = self.loop.submit(user, row_id(conversation_id, "a conversation") if conversation_id
                                                   else None, prompts, model_id or None, seed)
        try:
            yield [], conversation, f"Rendering {len(pairs)} version(s)…", gr.skip()
            for number, (_, generation_id) in enumerate(pairs, start=1):
                update = yield from watch(self.jobs, generation_id, progress, lambda line, _p, n=number: (
                    gr.skip(), conversation, f"Version {n} of {len(pairs)}: {line}", gr.skip()))
                if update.status != "done":
                    with user_errors():
                        line = ended_text(update)
                    yield gr.skip(), conversation, f"{line} (after {number - 1} of {len(pairs)} versions)", gr.skip()
                    return
            gallery, choices, _, _ = self.show(conversation, request)
            yield gallery, conversation, f"Rendered {len(pairs)} version(s) at seed {seed}.", choices
        finally:  # a Stop, a failure or a closed page ends the whole set: the versions still queued go too
            for _, generation_id in pairs:
                self.jobs.cancel(generation_id)

    # look ----------------------------------------------------------------------------------------
    def score(self, conversation_id: float | None, request: gr.Request) -> tuple[list[list], str]:
        """(the look table, what the best image shows and misses); without CLIP the line names the pull."""
        user = user_of(request)
        with user_errors():
            if not conversation_id:
                raise ValueError("Generate the versions first: there is nothing to score yet.")
            try:
                looks = self.loop.score(user, row_id(conversation_id, "a conversation"))
            except NoClip as exc:
                return [], str(exc)
            return _table(looks), _summary(looks)

    def show(self, conversation_id: float | None, request: gr.Request) -> tuple:
        """A conversation's versions: (gallery, version choices, look table, summary), for reopening it."""
        with user_errors():
            if not conversation_id:
                return [], gr.Dropdown(choices=[], value=None), [], ""
            versions = self.loop.versions(user_of(request), row_id(conversation_id, "a conversation"))
            gallery = [(v["path"], f"v{v['id']} · #{v['image_id']} · seed {v['seed']} · {v['prompt'][:80]}")
                       for v in versions if v["path"]]
            looks = [v for v in versions if v["look"]]
            return gallery, _choices(versions), _table(looks), _summary(looks)

    def version_choices(self, conversation_id: float | None, request: gr.Request) -> dict:
        """The versions to refine from, the best-scored one picked: after a look, the best is the default."""
        with user_errors():
            if not conversation_id:
                return gr.Dropdown(choices=[], value=None)
            return _choices(self.loop.versions(user_of(request), row_id(conversation_id, "a conversation")))

    def api_versions(self, conversation_id: float, request: gr.Request) -> list[dict]:
        """The conversation's versions as plain data: prompt, origin, seed, image id and look."""
        with user_errors():
            rows = self.loop.versions(user_of(request), row_id(conversation_id, "a conversation"))
            return [{k: v for k, v in row.items() if k != "path"} for row in rows]

    def compare_ids(self, conversation_id: float | None, request: gr.Request) -> tuple[str, dict]:
        """The latest rendered images as Compare's picks, and the switch to that tab."""
        with user_errors():
            if not conversation_id:
                raise ValueError("Generate the versions first: there is nothing to compare yet.")
            versions = self.loop.versions(user_of(request), row_id(conversation_id, "a conversation"))
            ids = [v["image_id"] for v in versions if v["image_id"]][-4:]
            if len(ids) < 2:
                raise ValueError("Compare needs at least two rendered versions.")
            return ", ".join(map(str, ids)), gr.Tabs(selected="compare")

    # refine again --------------------------------------------------------------------------------
    def from_result(self, conversation_id: float | None, version_id: float | None, model_id: str,
                    request: gr.Request) -> dict:
        """A refinement that starts from what the image missed (the best-scored version unless one is picked)."""
        with user_errors():
            if not conversation_id:
                raise ValueError("Generate and score the versions first: there is no result to refine from.")
            return self.loop.from_result(user_of(request), row_id(conversation_id, "a conversation"),
                                         row_id(version_id, "a version") if version_id else None, model_id)

    def from_result_step(self, conversation_id: float | None, version_id: float | None, model_id: str,
                         request: gr.Request) -> tuple:
        """The tab's shape: (candidate, diff, explanation, versions to render)."""
        result = self.from_result(conversation_id, version_id, model_id, request)
        note = (f"From version {result['from_version']} (image #{result['from_image']}): {result['look']} "
                f"{result['explanation']}")
        if not result["parsed"]:
            note += "  \n(The model's answer was not in the expected format: shown as it wrote it, not kept.)"
        return (result["refined_prompt"], word_diff(result["original"], result["refined_prompt"]), note,
                "\n".join([result["refined_prompt"], *result["alternatives"]][:4]))

    # merge ---------------------------------------------------------------------------------------
    @staticmethod
    def phrases(first: str | None, second: str | None) -> dict:
        """The phrases to pick from: the first version's, ticked, then the second's new ones."""
        a, b = phrases(first or ""), phrases(second or "")
        return gr.CheckboxGroup(choices=a + [p for p in b if p not in a], value=a)

    def merge(self, first: str, second: str, picks: list[str], conversation_id: float | None,
              request: gr.Request) -> tuple[str, list]:
        """(the merged prompt, its word diff against the first version)."""
        with user_errors():
            merged = self.loop.merge(user_of(request), row_id(conversation_id, "a conversation") if conversation_id
                                     else None, first, second, picks)
            return merged, word_diff(first or "", merged)

    def api_merge(self, first: str, second: str, picks: list[str], conversation_id: float | None,
                  request: gr.Request) -> dict:
        """The merge as plain data: {"merged": prompt, "diff": [[words, "+" | "-" | None], ...]}."""
        merged, diff = self.merge(first, second, picks, conversation_id, request)
        return {"merged": merged, "diff": [list(piece) for piece in diff]}

    def version_prompts(self, conversation_id: float | None, request: gr.Request) -> dict:
        """The conversation's version prompts, for the two merge pickers."""
        with user_errors():
            if not conversation_id:
                return gr.Dropdown(choices=[])
            prompts = [v["prompt"] for v in self.loop.versions(user_of(request), row_id(conversation_id, "a conversation"))]
            return gr.Dropdown(choices=list(dict.fromkeys(prompts)))


def _choices(versions: list[dict]) -> dict:
    looks = [v for v in versions if v["look"]]
    return gr.Dropdown(choices=[(f"v{v['id']} ({v['origin']}): {v['prompt'][:60]}", v["id"]) for v in versions],
                       value=max(looks, key=_best)["id"] if looks else None)


def _best(version: dict) -> float:
    return version["look"]["prompt_score"]


def _table(looks: list[dict]) -> list[list]:
    rows = []
    for v in looks:
        terms = [(t, s) for _, t, s in v["look"]["terms"] if s is not None]
        missing = set(v["look"].get("missing", []))
        rows.append([f"v{v['id']}: {v['prompt'][:60]}", f"#{v['image_id']}", round(v["look"]["prompt_score"], 3),
                     ", ".join(f"{t} {s:.2f}" for t, s in terms if t not in missing),
                     ", ".join(f"{t} {s:.2f}" for t, s in terms if t in missing)])
    return rows


def _summary(looks: list[dict]) -> str:
    if not looks:
        return ""
    best = max(looks, key=_best)
    return f"Best match: version {best['id']} (image #{best['image_id']}, {best['look']['prompt_score']:.3f}). " + \
        best["look"]["text"]
