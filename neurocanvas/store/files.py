"""Which stored file a user may read: their own folder's files, and a saved image only while its row lives."""
from __future__ import annotations

from neurocanvas.store.repo import LOCAL_USER, Repo, _guard
from neurocanvas.store.sweep import SAVED
from neurocanvas.store.tables import Image, User


class FileAccess:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    @_guard
    def readable(self, user: str | None, relpath: str) -> bool:
        """`relpath` under the images folder: u<id>/... of this user; a saved PNG needs its live row too."""
        owner = User.get_or_none(User.name == (user or LOCAL_USER))
        if owner is None or relpath.split("/")[0] != f"u{owner.id}":
            return False
        if SAVED.fullmatch(relpath):
            return (Image.select().where((Image.path == relpath) & (Image.user == owner) & Image.deleted_at.is_null())
                    .exists())
        return True  # the user's exports (downloads as JPEG/WebP, comparison grids)

    @_guard
    def shared(self, image_id: int) -> tuple[str, str] | None:
        """(path under the images folder, sha256) of a live image, for a share link; None once it is deleted."""
        row = Image.get_or_none((Image.id == image_id) & Image.deleted_at.is_null())
        return (row.path, row.sha256) if row is not None else None
