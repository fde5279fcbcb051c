"""Every query of the studio. Each public method takes the user's name and touches only that user's rows."""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from pathlib import Path
from typing import Any, Callable, TypeVar

import peewee as pw
from PIL import Image as PILImage

from neurocanvas.store import images as image_files
from neurocanvas.store.db import StoreError
from neurocanvas.store.sweep import PURGED
from neurocanvas.store.tables import (
    GENERATION_STATUSES,
    ArmStat,
    Rating,
    Conversation,
    Message,
    Event,
    Feedback,
    Generation,
    Image,
    Prompt,
    User,
    now,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PROMPT_CHARS = 2000  # what history keeps of a prompt; longer text is cut, never stored whole
LOCAL_USER = "local"


class NotFound(LookupError):
    """The row does not exist, or belongs to another user (the two are indistinguishable on purpose)."""


def _guard(method: Callable[..., T]) -> Callable[..., T]:
    """Turn database failures into StoreError with a message for the user; the transaction is rolled back."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except pw.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise StoreError("The database is busy (locked by another process); nothing was changed. Try again.") from exc
            if "disk" in text or "full" in text:
                raise StoreError("The disk is full; nothing was changed. Free some space and try again.") from exc
            raise StoreError(f"Database error, nothing was changed: {exc}") from exc

    return wrapper


class Repo:
    def __init__(self, db: pw.Database, images_dir: Path) -> None:
        self.db = db
        self.images_dir = Path(images_dir)
        self.new_user_settings: Callable[[str], dict] = lambda name: {}  # the A/B assignment (set by the context)

    # users -------------------------------------------------------------------------------------
    @_guard
    def user(self, name: str | None) -> User:
        """The user's row; the only write is the first visit's, which records the settings a new user starts with."""
        name = (name or LOCAL_USER).strip()[:128] or LOCAL_USER
        row = User.get_or_none(User.name == name)
        if row is None:
            row, _ = User.get_or_create(name=name, defaults={
                "settings": json.dumps(self.new_user_settings(name), sort_keys=True)})
        return row

    @_guard
    def user_settings(self, user: str | None) -> dict:
        return json.loads(self.user(user).settings or "{}")

    @_guard
    def update_user_settings(self, user: str | None, changes: dict) -> dict:
        with self.db.atomic():
            row = self.user(user)
            settings = {**json.loads(row.settings or "{}"), **changes}
            row.settings = json.dumps(settings, sort_keys=True)
            row.save()
        return settings

    def _owned(self, table: type[pw.Model], user: str | None, row_id: int, missing: str, *extra: pw.Expression):
        """The row if it exists and belongs to the user; another user's row reads as missing, on purpose."""
        row = table.get_or_none((table.id == row_id) & (table.user == self.user(user)), *extra)
        if row is None:
            raise NotFound(missing)
        return row

    # prompts -----------------------------------------------------------------------------------
    @_guard
    def add_prompt(self, user: str | None, text: str, analysis: dict | None = None) -> Prompt:
        """One history row per prompt: analysing it again refreshes the analysis and moves it to the top."""
        owner, text = self.user(user), text[:MAX_PROMPT_CHARS]
        with self.db.atomic():
            row = Prompt.get_or_none((Prompt.user == owner) & (Prompt.text == text))
            if row is None:
                return Prompt.create(user=owner, text=text, analysis=json.dumps(analysis or {}))
            row.analysis, row.created_at = json.dumps(analysis or {}), now()
            row.save()
            return row

    @_guard
    def prompts(self, user: str | None, search: str = "", favourites: bool = False, limit: int = 50) -> list[Prompt]:
        q = Prompt.select().where(Prompt.user == self.user(user))
        if search:
            q = q.where(Prompt.text.contains(search))
        if favourites:
            q = q.where(Prompt.favourite == True)  # noqa: E712 (peewee expression)
        return list(q.order_by(Prompt.created_at.desc(), Prompt.id.desc()).limit(limit))

    @_guard
    def set_prompt_favourite(self, user: str | None, prompt_id: int, favourite: bool) -> Prompt:
        row = self._owned(Prompt, user, prompt_id, f"No prompt {prompt_id} in your history.")
        row.favourite = favourite
        row.save()
        return row

    # generations -------------------------------------------------------------------------------
    @_guard
    def create_generation(self, user: str | None, kind: str, prompt: str = "", negative_prompt: str = "",
                          params: dict | None = None, model_ids: list[str] | None = None,
                          request_key: str = "") -> Generation:
        return Generation.create(user=self.user(user), kind=kind, prompt=prompt[:MAX_PROMPT_CHARS],
                                 negative_prompt=negative_prompt[:MAX_PROMPT_CHARS],
                                 params=json.dumps(params or {}, sort_keys=True),
                                 model_ids=json.dumps(model_ids or []), request_key=request_key)

    def _generation(self, user: str | None, generation_id: int) -> Generation:
        return self._owned(Generation, user, generation_id, f"No job {generation_id} of yours.")

    @_guard
    def set_generation_status(self, user: str | None, generation_id: int, status: str, error: str = "",
                              timings: dict | None = None) -> Generation:
        if status not in GENERATION_STATUSES:
            raise ValueError(f"Unknown job status {status!r}.")
        row = self._generation(user, generation_id)
        row.status = status
        row.error = error[:2000]
        if timings is not None:
            row.timings = json.dumps(timings)
        if status in ("done", "failed", "cancelled", "interrupted"):
            row.finished_at = now()
        row.save()
        return row

    @_guard
    def generation(self, user: str | None, generation_id: int) -> Generation:
        return self._generation(user, generation_id)

    @_guard
    def latest_generation(self, user: str | None, kinds: tuple[str, ...]) -> Generation | None:
        """The user's newest job of these kinds: what a Stop pressed now is about."""
        return (Generation.select().where((Generation.user == self.user(user)) & Generation.kind.in_(kinds))
                .order_by(Generation.id.desc()).first())

    @_guard
    def find_done_generation(self, user: str | None, request_key: str) -> Generation | None:
        return (Generation.select()
                .where((Generation.user == self.user(user)) & (Generation.request_key == request_key)
                       & (Generation.status == "done"))
                .order_by(Generation.id.desc()).first())

    @_guard
    def recent_timings(self, kind: str, model_id: str, limit: int = 20) -> list[tuple[dict, dict]]:
        """(params, timings) of this machine's latest finished jobs of a kind and model, all users: for ETAs."""
        rows = (Generation.select(Generation.params, Generation.timings)
                .where((Generation.kind == kind) & (Generation.status == "done")
                       & Generation.model_ids.startswith(json.dumps([model_id])[:-1]))
                .order_by(Generation.id.desc()).limit(limit))
        return [(json.loads(r.params), json.loads(r.timings)) for r in rows]

    # images ------------------------------------------------------------------------------------
    @_guard
    def save_images(self, user: str | None, generation_id: int | None,
                    items: list[tuple[PILImage.Image, dict, str, int | None]], parent_id: int | None = None,
                    edits: list[dict] | None = None) -> list[Image]:
        """Write every PNG, then all rows in one transaction; on any failure no file and no row is left.

        `parent_id` is the user's image these came from (an edit, image to image), `edits` the steps of an edit."""
        owner = self.user(user)
        if generation_id is not None:
            self._generation(user, generation_id)
        if parent_id is not None:
            self.image(user, parent_id)
        subdir = f"u{owner.id}/{now():%Y-%m}"
        written: list[tuple[str, str]] = []
        try:
            for image, meta, _, _ in items:
                written.append(image_files.save_png(self.images_dir, subdir, image, meta))
            with self.db.atomic():
                return [Image.create(user=owner, generation=generation_id, path=relpath, model_id=model_id, seed=seed,
                                     width=image.width, height=image.height, sha256=digest, parent=parent_id,
                                     edits=json.dumps(edits or []))
                        for (relpath, digest), (image, _, model_id, seed) in zip(written, items)]
        except Exception:
            for relpath, _ in written:
                (self.images_dir / relpath).unlink(missing_ok=True)
            raise

    def save_image(self, user: str | None, generation_id: int | None, image: PILImage.Image, meta: dict,
                   model_id: str = "", seed: int | None = None, parent_id: int | None = None,
                   edits: list[dict] | None = None) -> Image:
        return self.save_images(user, generation_id, [(image, meta, model_id, seed)], parent_id, edits)[0]

    @_guard
    def generation_images(self, user: str | None, generation_id: int) -> list[Image]:
        generation = self._generation(user, generation_id)
        return list(Image.select().where((Image.generation == generation) & Image.deleted_at.is_null())
                    .order_by(Image.id))

    @_guard
    def images(self, user: str | None, page: int = 1, per_page: int = 24, favourites: bool = False,
               model_id: str = "", kind: str = "", since: dt.datetime | None = None, until: dt.datetime | None = None,
               sort: str = "newest") -> list[Image]:
        """A page of the user's gallery: filters by model, tab (job kind), date range and favourites; sorted by
        date, by the user's rating or by CLIP score."""
        q = Image.select().where((Image.user == self.user(user)) & Image.deleted_at.is_null())
        if favourites:
            q = q.where(Image.favourite == True)  # noqa: E712
        if model_id:
            q = q.where(Image.model_id == model_id)
        if kind:
            q = q.join(Generation, on=(Image.generation == Generation.id)).where(Generation.kind == kind)
        if since:
            q = q.where(Image.created_at >= since)
        if until:
            q = q.where(Image.created_at < until)
        if sort == "rating":
            rating = (Feedback.select(pw.fn.AVG(Feedback.value)).where((Feedback.image == Image.id)
                                                                         & (Feedback.kind == "rating")))
            order = [pw.fn.COALESCE(rating, 0).desc(), Image.id.desc()]
        elif sort == "clip":
            order = [pw.fn.COALESCE(Image.clip_score, -2).desc(), Image.id.desc()]
        elif sort == "oldest":
            order = [Image.created_at.asc(), Image.id.asc()]
        elif sort == "newest":
            order = [Image.created_at.desc(), Image.id.desc()]
        else:
            raise ValueError(f"Unknown sort {sort!r}: newest, oldest, rating or clip.")
        return list(q.order_by(*order).paginate(max(page, 1), per_page))

    @_guard
    def delete_image(self, user: str | None, image_id: int) -> Image:
        """Hidden at once, kept on disk and in the table so that Undo can bring it back."""
        row = self.image(user, image_id)
        row.deleted_at = now()
        row.save()
        return row

    @_guard
    def restore_image(self, user: str | None, image_id: int) -> Image:
        row = self._owned(Image, user, image_id, f"No deleted image {image_id} to restore (after the undo window it is "
                          "gone for good).", Image.deleted_at.is_null(False) & (Image.path != PURGED))
        row.deleted_at = None
        row.save()
        return row

    @_guard
    def image(self, user: str | None, image_id: int) -> Image:
        return self._owned(Image, user, image_id, f"No image {image_id} in your gallery.", Image.deleted_at.is_null())

    @_guard
    def image_generation(self, row: Image) -> Generation | None:
        """The job that made an image (None for an image saved outside a job)."""
        return Generation.get_or_none(Generation.id == row.generation_id) if row.generation_id else None

    @_guard
    def set_clip_score(self, user: str | None, image_id: int, score: float) -> None:
        Image.update(clip_score=score).where((Image.id == image_id) & (Image.user == self.user(user))).execute()

    def write_export(self, user: str | None, name: str, data: bytes) -> Path:
        """A file made for the user to fetch (a converted download, an edit preview), in their exports folder;
        the next file of that name replaces it."""
        return image_files.write_atomic(self.images_dir, f"u{self.user(user).id}/exports/{name}", data)

    def image_path(self, row: Image) -> Path:
        return self.images_dir / row.path

    # conversations (art director) --------------------------------------------------------------
    @_guard
    def create_conversation(self, user: str | None, title: str, model_id: str = "") -> Conversation:
        title = " ".join(title.split())[:80] or "New conversation"
        return Conversation.create(user=self.user(user), title=title, model_id=model_id)

    def _conversation(self, user: str | None, conversation_id: int) -> Conversation:
        return self._owned(Conversation, user, conversation_id, f"No conversation {conversation_id} of yours.")

    @_guard
    def add_message(self, user: str | None, conversation_id: int, role: str, content: str, meta: dict | None = None) -> Message:
        with self.db.atomic():
            conversation = self._conversation(user, conversation_id)
            conversation.updated_at = now()
            conversation.save()
            return Message.create(conversation=conversation, role=role, content=content, meta=json.dumps(meta or {}))

    @_guard
    def conversations(self, user: str | None, limit: int = 100) -> list[Conversation]:
        return list(Conversation.select().where(Conversation.user == self.user(user))
                    .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit))

    @_guard
    def messages(self, user: str | None, conversation_id: int) -> list[Message]:
        conversation = self._conversation(user, conversation_id)
        return list(Message.select().where(Message.conversation == conversation).order_by(Message.id))

    @_guard
    def delete_last_answer(self, user: str | None, conversation_id: int) -> Message | None:
        """For 'regenerate': the last assistant message goes; the question before it stays."""
        conversation = self._conversation(user, conversation_id)
        last = (Message.select().where(Message.conversation == conversation).order_by(Message.id.desc()).first())
        if last is not None and last.role == "assistant":
            last.delete_instance()
            return last
        return None

    @_guard
    def set_final_prompt(self, user: str | None, conversation_id: int, prompt: str) -> None:
        conversation = self._conversation(user, conversation_id)
        conversation.final_prompt = prompt[:MAX_PROMPT_CHARS]
        conversation.save()

    @_guard
    def delete_conversation(self, user: str | None, conversation_id: int) -> None:
        self._conversation(user, conversation_id).delete_instance(recursive=True)

    # feedback and preferences ------------------------------------------------------------------
    ONCE_PER_IMAGE = ("like", "favourite", "share", "download", "rating", "skip")

    @_guard
    def record_feedback(self, user: str | None, image_id: int, kind: str, value: float,
                        reward: float) -> tuple[Feedback, bool]:
        """One like/favourite/share/download per image and user (a rating is replaced); returns (row, new?)."""
        with self.db.atomic():
            image = self.image(user, image_id)
            owner = self.user(user)
            if kind in self.ONCE_PER_IMAGE:
                existing = Feedback.get_or_none((Feedback.user == owner) & (Feedback.image == image) & (Feedback.kind == kind))
                if existing is not None:
                    if kind == "rating" and existing.value != value:
                        existing.value, existing.reward = value, reward
                        existing.save()
                        return existing, True
                    return existing, False
            if kind == "favourite":
                image.favourite = True
                image.save()
            return Feedback.create(user=owner, image=image, kind=kind, value=value, reward=reward), True

    @_guard
    def arm_states(self, user: str | None, algorithm: str, family: str) -> dict[str, dict]:
        rows = ArmStat.select().where((ArmStat.user == self.user(user)) & (ArmStat.algorithm == algorithm)
                                      & (ArmStat.family == family))
        return {r.arm: {"pulls": r.pulls, "reward_sum": r.reward_sum, "alpha": r.alpha, "beta": r.beta} for r in rows}

    @_guard
    def save_arm(self, user: str | None, algorithm: str, family: str, arm: str, state: dict) -> None:
        with self.db.atomic():
            row, _ = ArmStat.get_or_create(user=self.user(user), algorithm=algorithm, family=family, arm=arm[:128])
            row.pulls, row.reward_sum, row.alpha, row.beta = (state["pulls"], state["reward_sum"], state["alpha"],
                                                              state["beta"])
            row.updated_at = now()
            row.save()

    @_guard
    def unanswered_images(self, user: str | None) -> list[Image]:
        """The images of the user's last finished job that got no reaction at all."""
        owner = self.user(user)
        last = (Generation.select().where((Generation.user == owner) & (Generation.status == "done"))
                .order_by(Generation.id.desc()).first())
        if last is None:
            return []
        answered = Feedback.select(Feedback.image).where(Feedback.user == owner)
        return list(Image.select().where((Image.generation == last) & Image.deleted_at.is_null()
                                         & Image.id.not_in(answered)))

    @_guard
    def feedback_history(self, user: str | None) -> list[tuple[Image, str, float]]:
        """Every reaction of the user's, oldest first: the source of truth the arm statistics are rebuilt from."""
        rows = (Feedback.select(Feedback, Image).join(Image)
                .where(Feedback.user == self.user(user)).order_by(Feedback.id))
        return [(r.image, r.kind, r.reward) for r in rows]

    @_guard
    def replace_arms(self, user: str | None, algorithm: str, states: dict[tuple[str, str], dict]) -> None:
        """Swap all of a user's arm statistics for one algorithm in one transaction (a rebuild)."""
        owner = self.user(user)
        with self.db.atomic():
            ArmStat.delete().where((ArmStat.user == owner) & (ArmStat.algorithm == algorithm)).execute()
            for (family, arm), state in states.items():
                ArmStat.create(user=owner, algorithm=algorithm, family=family, arm=arm[:128], pulls=state["pulls"],
                               reward_sum=state["reward_sum"], alpha=state["alpha"], beta=state["beta"])

    @_guard
    def arm_table(self, user: str | None, algorithm: str) -> list[tuple[str, str, int, float]]:
        """(family, arm, pulls, mean reward in [0, 1]) for the preference charts."""
        rows = ArmStat.select().where((ArmStat.user == self.user(user)) & (ArmStat.algorithm == algorithm)
                                      & (ArmStat.pulls > 0)).order_by(ArmStat.family, ArmStat.arm)
        return [(r.family, r.arm, r.pulls, r.reward_sum / r.pulls) for r in rows]

    @_guard
    def preference_vectors(self) -> dict[str, dict[str, tuple[int, float]]]:
        """user -> 'family:arm' -> (pulls, reward sum), over every algorithm: for similar-taste recommendations."""
        rows = (ArmStat.select(User.name, ArmStat.family, ArmStat.arm, pw.fn.SUM(ArmStat.pulls), pw.fn.SUM(ArmStat.reward_sum))
                .join(User).group_by(User.name, ArmStat.family, ArmStat.arm).tuples())
        vectors: dict[str, dict[str, tuple[int, float]]] = {}
        for name, family, arm, pulls, total in rows:
            vectors.setdefault(name, {})[f"{family}:{arm}"] = (int(pulls or 0), float(total or 0.0))
        return vectors

    @_guard
    def liked_prompts(self, user: str | None = None, limit: int = 50, shared: bool = False) -> dict[str, list[str]]:
        """user -> text-to-image prompts whose images got a positive reaction, newest first (everyone when user is None).

        `shared`: only the images their owner shares now (not deleted, not unshared), the one thing of theirs
        another user may see."""
        query = (Feedback.select(User.name, Generation.prompt).join(Image).join(Generation)
                 .switch(Feedback).join(User)
                 .where((Feedback.reward > 0) & (Generation.kind == "text_to_image") & (Generation.prompt != ""))
                 .order_by(Feedback.id.desc()))
        if shared:
            query = query.where((Feedback.kind == "share") & Image.share_key.is_null(False) & Image.deleted_at.is_null())
        if user is not None:
            query = query.where(Feedback.user == self.user(user))
        liked: dict[str, list[str]] = {}
        for name, prompt in query.limit(limit * 20).tuples():
            if prompt not in liked.setdefault(name, []) and len(liked[name]) < limit:
                liked[name].append(prompt)
        return liked

    @_guard
    def recent_style_feedback(self, days: int = 7) -> list[tuple[dict, float]]:
        """(style job params, reward) of every user's reactions to restyled images in the last days: for trends."""
        since = now() - dt.timedelta(days=days)
        rows = (Feedback.select(Generation.params, Feedback.reward).join(Image).join(Generation)
                .where((Feedback.created_at >= since) & (Generation.kind == "style_transfer")).tuples())
        return [(json.loads(params), reward) for params, reward in rows]

    @_guard
    def feedback_by_model(self, user: str | None) -> list[tuple[str, int, float]]:
        """(model, feedback count, mean reward) of the user's images, for the preferences chart."""
        return list(Feedback.select(Image.model_id, pw.fn.COUNT(Feedback.id), pw.fn.AVG(Feedback.reward))
                    .join(Image).where((Feedback.user == self.user(user)) & (Image.model_id != ""))
                    .group_by(Image.model_id).order_by(pw.fn.AVG(Feedback.reward).desc()).tuples())

    @_guard
    def reward_by_algorithm(self) -> list[tuple[str, int, float]]:
        """Across users: (algorithm, users, total reward) from the arm statistics, for the A/B report."""
        return list(ArmStat.select(ArmStat.algorithm, pw.fn.COUNT(pw.fn.DISTINCT(ArmStat.user)), pw.fn.SUM(ArmStat.reward_sum))
                    .group_by(ArmStat.algorithm).tuples())

    # ratings from votes (Elo) ------------------------------------------------------------------
    @_guard
    def ratings(self, user: str | None, family: str, overall: bool = False) -> dict[str, tuple[float, int]]:
        """item -> (rating, games), the user's own or (overall=True) everyone's."""
        owner = Rating.user.is_null() if overall else (Rating.user == self.user(user))
        return {r.item: (r.rating, r.games) for r in Rating.select().where(owner & (Rating.family == family))}

    @_guard
    def save_ratings(self, user: str | None, family: str, mine: dict[str, float], everyone: dict[str, float],
                     played: list[str]) -> None:
        """Both tables of ratings in one transaction; `played` items each count one more game."""
        owner = self.user(user)
        with self.db.atomic():
            for who, values in ((owner, mine), (None, everyone)):
                for item, rating in values.items():
                    where = (Rating.user.is_null() if who is None else (Rating.user == who)) & \
                            (Rating.family == family) & (Rating.item == item)
                    row = Rating.get_or_none(where) or Rating(user=who, family=family, item=item[:128])
                    row.rating = rating
                    row.games += 1 if item in played else 0
                    row.save()

    # events and statistics ---------------------------------------------------------------------
    @_guard
    def record_event(self, user: str | None, name: str, data: dict | None = None) -> None:
        Event.create(user=self.user(user), name=name[:64], data=json.dumps(data or {}))

    @_guard
    def image_feedback(self, user: str | None, image_id: int) -> list[str]:
        image = self.image(user, image_id)
        return [f"{r.kind} {r.value:g}" if r.kind in ("rating", "vote") else r.kind
                for r in Feedback.select().where((Feedback.image == image) & (Feedback.user == self.user(user)))]
