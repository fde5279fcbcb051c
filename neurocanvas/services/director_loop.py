"""The director closes the loop: render versions of a prompt at one seed, let CLIP look at each image, and
refine again from what the image missed. Renders and scoring are jobs; the versions live with the conversation."""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable

from neurocanvas.engines import director_loop as loop
from neurocanvas.services.director import DirectorModels
from neurocanvas.services.estimates import estimate_seconds, render_history, work_units
from neurocanvas.services.generate import prepare_request, render_inputs
from neurocanvas.services.jobs import DRAFT, priority_of
from neurocanvas.services.rank import RANKING_MODEL
from neurocanvas.store.director import DirectorRepo


class NoClip(ValueError):
    """Scoring needs a CLIP model and none is installed; the message names the pull."""


class DirectorLoop:
    def __init__(self, ctx: Any, analyse: Callable[[str], Any]) -> None:
        self.registry, self.repo, self.jobs = ctx.registry, ctx.repo, ctx.jobs
        self.versions_repo = DirectorRepo(ctx.repo)
        self.models = DirectorModels(ctx.registry, ctx.settings.director_url)
        self.analyse = analyse  # the prompt lab's analyzer (it finds the category terms)

    def text_model(self, model_id: str | None) -> str:
        """The model to render with: the one asked for, else the first installed; none installed is a clear refusal."""
        if model_id:
            return model_id
        installed = [s.id for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)]
        if not installed:
            raise ValueError("No text-to-image model is installed, so the director cannot render its versions. Run "
                             f"`{self.registry.install_command('sd-turbo')}` or pull one in Profile > Models.")
        return installed[0]

    # render --------------------------------------------------------------------------------------
    def submit(self, user: str, conversation_id: int | None, prompts: list[str] | str, model_id: str | None,
               seed: int) -> tuple[int, list[tuple[int, int]]]:
        """One job per version, all at the same seed so only the prompt differs: (conversation, [(version, job)]).
        Everything is checked before the first write; a conversation is opened for the first render."""
        prompts = loop.clean_prompts(prompts)
        model_id = self.text_model(model_id)
        d = self.registry.spec(model_id).defaults
        prepared = [prepare_request(self.registry, model_id, p, "", d.get("num_inference_steps", 1),
                                    d.get("guidance_scale", 0.0), d.get("width", 512), d.get("height", 512), seed)
                    for p in prompts]
        if conversation_id:
            self.repo.messages(user, conversation_id)  # NotFound for another user's conversation, before any job
        self.registry.preload(model_id)  # a corrupt model fails here, before any row is written
        jobs: list[int] = []
        history = render_history(self.repo, model_id)
        try:
            for index, (job, params, vae_id) in enumerate(prepared):
                params["label"] = f"Director version {index + 1} of {len(prepared)}"
                jobs.append(self.jobs.submit(
                    user, "text_to_image", params, inputs=render_inputs(job, model_id, vae_id), prompt=job.prompt,
                    model_ids=[model_id] + ([vae_id] if vae_id else []), fresh=index == 0,
                    priority=priority_of(job.width, job.height, 1),
                    estimate_s=estimate_seconds(work_units(job.num_inference_steps, 1, job.width, job.height), history)))
            if not conversation_id:
                conversation_id = self.repo.create_conversation(user, prompts[0], self.models.default_model()).id
            versions = [self.versions_repo.add_version(user, conversation_id, job.prompt, "rendered", seed, model_id,
                                                       gid).id for (job, _, _), gid in zip(prepared, jobs)]
        except BaseException:
            for gid in jobs:  # a refusal half way (the queue filled up): the versions already queued go too
                self.jobs.cancel(gid)
            raise
        return conversation_id, list(zip(versions, jobs))

    def versions(self, user: str, conversation_id: int) -> list[dict]:
        """The conversation's versions, oldest first, each with its image (while in the gallery) and its look."""
        rows = []
        for row, image in self.versions_repo.versions(user, conversation_id):
            rows.append({"id": row.id, "prompt": row.prompt, "origin": row.origin, "seed": row.seed,
                         "model_id": row.model_id, "job": row.generation_id, "image_id": image.id if image else None,
                         "path": str(self.repo.image_path(image)) if image else None, "look": json.loads(row.look or "{}")})
        return rows

    # look ----------------------------------------------------------------------------------------
    def score(self, user: str, conversation_id: int) -> list[dict]:
        """CLIP scores each rendered image against its whole prompt and each of its parts (a ranking job); the
        looks are kept with the versions. Versions already scored keep their look."""
        model_id = self.registry.first_installed("ranking")
        if model_id is None:
            raise NoClip("Scoring the images needs a CLIP model, and none is installed. Press Pull CLIP in Compare & "
                         f"vote, or run `{self.registry.install_command(RANKING_MODEL)}`.")
        versions = self.versions(user, conversation_id)
        todo = [v for v in versions if v["image_id"] and not v["look"]]
        if not todo and not any(v["image_id"] for v in versions):
            raise ValueError("There is no rendered image to score yet: press 'Generate the versions' first.")
        if todo:
            terms = [loop.prompt_terms(v["prompt"], self._keywords(v["prompt"])) for v in todo]
            inputs = {"model_id": model_id, "prompts": [v["prompt"] for v in todo],
                      "images": [(v["image_id"], open(v["path"], "rb").read()) for v in todo],
                      "terms": [[term for _, term in ts] for ts in terms]}
            update = self.jobs.wait(self.jobs.submit(
                user, "rank", {"label": f"CLIP look at {len(todo)} director versions", "images": [v["image_id"] for v in todo]},
                inputs=inputs, model_ids=[model_id], priority=DRAFT, estimate_s=0.5, fresh=False))
            if update.status != "done":
                raise ValueError(update.error or f"The scoring job ended {update.status}.")
            results = json.loads(update.generation.timings or "{}")
            for version, pairs in zip(todo, terms):
                by_term = results.get("term_scores", {}).get(str(version["image_id"]), {})
                whole = self.repo.image(user, version["image_id"]).clip_score or 0.0  # the collector stored it
                seen = loop.look(whole, [(t, by_term[t]) for _, t in pairs if t in by_term])
                version["look"] = {"prompt_score": round(whole, 4), "terms": [[c, t, by_term.get(t)] for c, t in pairs],
                                   "text": seen.text, "missing": [t for t, _ in seen.misses]}
                self.versions_repo.set_look(user, version["id"], version["image_id"], version["look"])
        return [v for v in versions if v["look"]]

    def _keywords(self, prompt: str) -> dict[str, list[str]]:
        analysis = self.analyse(prompt)
        return {category: [k.term for k in found] for category, found in analysis.keywords.items()}

    # refine again --------------------------------------------------------------------------------
    def from_result(self, user: str, conversation_id: int, version_id: int | None, model_id: str) -> dict:
        """Refine the version (the best-scored one unless named) starting from what its image did not show."""
        scored = [v for v in self.versions(user, conversation_id) if v["look"]]
        if version_id:
            scored = [v for v in scored if v["id"] == version_id]
            if not scored:
                self.versions_repo.version(user, version_id)  # NotFound for a version that is not the user's
                raise ValueError(f"Version {version_id} has no scored image yet: generate and score it first.")
        if not scored:
            raise ValueError("No image of this conversation has been scored yet: generate the versions and score "
                             "them (with CLIP) first.")
        version = max(scored, key=lambda v: v["look"]["prompt_score"])
        terms = [(t, s) for _, t, s in version["look"]["terms"] if s is not None]
        # nothing missed: strengthen the weakest part
        missing = version["look"].get("missing") or ([min(terms, key=lambda ts: ts[1])[0]] if terms else [])
        shown = [t for t, _ in terms if t not in missing]
        details = {"missing": ", ".join(missing) or "nothing", "shown": ", ".join(shown) or "nothing"}
        with self.models.director(model_id) as director:
            result = director.refine(version["prompt"], "from_result", details=details)
        if result.parsed:
            self.versions_repo.add_version(user, conversation_id, result.refined_prompt, "from result")
        self.repo.record_event(user, "refine_prompt", {"action": "from_result", "parsed": result.parsed})
        return {**dataclasses.asdict(result), "from_version": version["id"], "from_image": version["image_id"],
                "missing": missing, "look": version["look"]["text"]}

    def merge(self, user: str, conversation_id: int | None, first: str, second: str, picks: list[str]) -> str:
        """The picked phrases of two versions as one prompt, kept as a version of the conversation (if one is open)."""
        merged = loop.merge(first or "", second or "", picks or [])
        if conversation_id:
            self.versions_repo.add_version(user, conversation_id, merged, "merged")
        return merged
