"""Reports on shared images: a user raises one, the studio's owner settles it (dismiss, or stop the sharing)."""
from __future__ import annotations

from neurocanvas.store.repo import NotFound, Repo, _guard
from neurocanvas.store.tables import FLAG_REASONS, Flag, Image, User, now

MAX_NOTE_CHARS = 500


class FlagsRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    @_guard
    def raise_flag(self, reporter: str | None, image_id: int, reason: str, note: str = "") -> tuple[Flag, bool]:
        """(the report, whether it is new): a second report by the same user on the same image changes nothing."""
        if reason not in FLAG_REASONS:
            raise ValueError(f"Choose a reason: {', '.join(FLAG_REASONS)}.")
        if len(note) > MAX_NOTE_CHARS:
            raise ValueError(f"Keep the note under {MAX_NOTE_CHARS} characters; it has {len(note):,}.")
        image = Image.get_or_none((Image.id == image_id) & Image.deleted_at.is_null() & Image.share_key.is_null(False))
        if image is None:
            raise NotFound("That image is no longer shared: there is nothing to report.")
        user = self.repo.user(reporter)
        if image.user_id == user.id:
            raise ValueError("That is your own image: stop sharing it from your gallery instead.")
        with self.repo.db.atomic():
            return Flag.get_or_create(image=image, reporter=user, defaults={"reason": reason, "note": note.strip()})

    @_guard
    def open_flags(self, limit: int = 200) -> list[dict]:
        """Open reports, oldest first, with how many users reported the same image."""
        rows = list(Flag.select(Flag, Image).join(Image).where(Flag.status == "open").order_by(Flag.id).limit(limit))
        names = dict(User.select(User.id, User.name).tuples())
        counts: dict[int, int] = {}
        for row in rows:
            counts[row.image_id] = counts.get(row.image_id, 0) + 1
        return [{"id": r.id, "image_id": r.image_id, "owner": names[r.image.user_id], "reporter": names[r.reporter_id],
                 "reason": r.reason,
                 "note": r.note, "reports": counts[r.image_id], "at": r.created_at.strftime("%Y-%m-%d %H:%M"),
                 "sha256": r.image.sha256,
                 "share_key": r.image.share_key if r.image.deleted_at is None else None} for r in rows]

    @_guard
    def open_count(self) -> int:
        return Flag.select().where(Flag.status == "open").count()

    @_guard
    def settle(self, flag_id: int, unshare: bool, by: str) -> int:
        """Settle a report and every other open report on the same image; returns how many were settled."""
        flag = Flag.get_or_none((Flag.id == flag_id) & (Flag.status == "open"))
        if flag is None:
            raise NotFound(f"No open report #{flag_id}: it may have been settled already.")
        with self.repo.db.atomic():
            if unshare:
                Image.update(share_key=None).where(Image.id == flag.image_id).execute()
            return (Flag.update(status="unshared" if unshare else "dismissed", settled_at=now(), settled_by=by[:128])
                    .where((Flag.image == flag.image_id) & (Flag.status == "open")).execute())
