"""The art director's versions: each conversation's rendered prompts, their images and what CLIP saw in them."""
from __future__ import annotations

import json

from neurocanvas.store.repo import MAX_PROMPT_CHARS, NotFound, Repo, _guard
from neurocanvas.store.tables import Conversation, DirectorVersion, Generation, Image


class DirectorRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    @_guard
    def add_version(self, user: str | None, conversation_id: int, prompt: str, origin: str, seed: int | None = None,
                    model_id: str = "", generation_id: int | None = None) -> DirectorVersion:
        conversation = self.repo._conversation(user, conversation_id)
        return DirectorVersion.create(conversation=conversation, prompt=prompt[:MAX_PROMPT_CHARS], origin=origin,
                                      seed=seed, model_id=model_id, generation=generation_id)

    @_guard
    def versions(self, user: str | None, conversation_id: int) -> list[tuple[DirectorVersion, Image | None]]:
        """Oldest first, each with its image while it is in the gallery: the scored one, else the first of its
        finished job (the collector saves a job's images without knowing the conversation). Two reads, no write."""
        conversation = self.repo._conversation(user, conversation_id)
        rows = list(DirectorVersion.select().where(DirectorVersion.conversation == conversation)
                    .order_by(DirectorVersion.id))
        jobs = [r.generation_id for r in rows if r.generation_id is not None]
        pinned = [r.image_id for r in rows if r.image_id is not None]
        if not jobs and not pinned:
            return [(row, None) for row in rows]
        found = (Image.select().join(Generation).where(
            Image.deleted_at.is_null() & (Image.id.in_(pinned or [0])
                                          | (Generation.id.in_(jobs or [0]) & (Generation.status == "done"))))
            .order_by(Image.id))
        by_id = {image.id: image for image in found}
        first_of: dict[int, Image] = {}
        for image in by_id.values():
            first_of.setdefault(image.generation_id, image)
        return [(row, by_id.get(row.image_id) if row.image_id else first_of.get(row.generation_id)) for row in rows]

    @_guard
    def version(self, user: str | None, version_id: int) -> DirectorVersion:
        row = (DirectorVersion.select().join(Conversation)
               .where((DirectorVersion.id == version_id) & (Conversation.user == self.repo.user(user))).first())
        if row is None:
            raise NotFound(f"No version {version_id} of yours.")
        return row

    @_guard
    def set_look(self, user: str | None, version_id: int, image_id: int, look: dict) -> None:
        """What CLIP saw, pinned to the image it looked at."""
        row = self.version(user, version_id)
        row.image, row.look = image_id, json.dumps(look)
        row.save()
