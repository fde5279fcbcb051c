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
    def versions(self, user: str | None, conversation_id: int) -> list[DirectorVersion]:
        """Oldest first; a rendered version whose job finished since gets its image here (the job's collector
        saves images without knowing the conversation, and the studio may have restarted in between)."""
        conversation = self.repo._conversation(user, conversation_id)
        rows = list(DirectorVersion.select().where(DirectorVersion.conversation == conversation)
                    .order_by(DirectorVersion.id))
        for row in rows:
            if row.image_id is None and row.generation_id is not None:
                image = (Image.select().join(Generation).where((Generation.id == row.generation_id)
                                                               & (Generation.status == "done")).order_by(Image.id).first())
                if image is not None:
                    row.image = image
                    row.save()
        return rows

    @_guard
    def version(self, user: str | None, version_id: int) -> DirectorVersion:
        row = (DirectorVersion.select().join(Conversation)
               .where((DirectorVersion.id == version_id) & (Conversation.user == self.repo.user(user))).first())
        if row is None:
            raise NotFound(f"No version {version_id} of yours.")
        return row

    @_guard
    def set_look(self, user: str | None, version_id: int, look: dict) -> None:
        row = self.version(user, version_id)
        row.look = json.dumps(look)
        row.save()

    @staticmethod
    def live_image(row: DirectorVersion) -> Image | None:
        """The version's image while it is in the user's gallery (a deleted image is not shown or scored)."""
        image = Image.get_or_none((Image.id == row.image_id) & Image.deleted_at.is_null()) if row.image_id else None
        return image
