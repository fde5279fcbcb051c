"""Share links: an image's address signed with this studio's secret, so it cannot be guessed from the id.

The link names the image and an HMAC of its id, content hash and share key; it opens while the image exists,
is not deleted and is still shared (deleting it, or "stop sharing", ends every link; sharing again makes a
new key, so the old links stay dead). The secret is made once, in the data folder, readable by its owner
alone.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Callable

PREFIX = "/nc/share/"


class ShareLinks:
    def __init__(self, data_dir: Path) -> None:
        self.key_file = Path(data_dir) / "share.key"
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        if self._key is None:
            if not self.key_file.exists():
                self.key_file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
            self._key = self.key_file.read_bytes()
        return self._key

    def signature(self, image_id: int, sha256: str, key: str) -> str:
        return hmac.new(self._secret(), f"{image_id}:{sha256}:{key}".encode(), hashlib.sha256).hexdigest()[:32]

    def link(self, image_id: int, sha256: str, key: str) -> str:
        return f"{PREFIX}{image_id}/{self.signature(image_id, sha256, key)}.png"

    def parse(self, path: str) -> tuple[int, str] | None:
        """(image id, signature) from a share path, or None when it is not one."""
        if not path.startswith(PREFIX):
            return None
        rest = path[len(PREFIX):]
        image_id, _, signature = rest.partition("/")
        if not image_id.isdigit() or not signature.endswith(".png") or len(image_id) > 18:
            return None
        return int(image_id), signature[:-4]

    def valid(self, image_id: int, sha256: str, key: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(image_id, sha256, key), signature)

    def opened(self, path: str, shared: Callable[[int], tuple[str, str, str] | None]) -> tuple[int, str] | None:
        """(image id, its file under the images folder) when `path` is a live signed link; else None.

        `shared` is FileAccess.shared: the image's (path, sha256, share key) while it is shared and not deleted."""
        parsed = self.parse(path)
        found = shared(parsed[0]) if parsed is not None else None
        if found is None or not self.valid(parsed[0], found[1], found[2], parsed[1]):
            return None
        return parsed[0], found[0]
