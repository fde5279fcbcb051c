"""Which stored file a user may read: their own folder's files, and a saved image only while its row lives."""
from __future__ import annotations

import secrets

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
    def shared(self, image_id: int) -> tuple[str, str, str] | None:
        """(path under the images folder, sha256, share key) of a live, shared image; None once deleted or unshared."""
        row = Image.get_or_none((Image.id == image_id) & Image.deleted_at.is_null() & Image.share_key.is_null(False))
        return (row.path, row.sha256, row.share_key) if row is not None else None

    @_guard
    def start_sharing(self, user: str | None, image_id: int) -> Image:
        """The user's image with its share key, made on its first share (and again after a stop)."""
        row = self.repo.image(user, image_id)
        if row.share_key is None:
            row.share_key = secrets.token_hex(16)
            Image.update(share_key=row.share_key).where((Image.id == row.id) & Image.share_key.is_null()).execute()
            row = self.repo.image(user, image_id)  # two shares at once: both get the key that was stored
        return row

    @_guard
    def stop_sharing(self, user: str | None, image_id: int) -> bool:
        """Ends every link to the image; False when it was not shared."""
        row = self.repo.image(user, image_id)
        return bool(Image.update(share_key=None).where((Image.id == row.id) & Image.share_key.is_null(False)).execute())
