"""A local stand-in for the Hugging Face hub: serves folders as model repos to huggingface_hub.

It answers exactly the requests that `HfApi.model_info` and `snapshot_download` make (see
../shared/STACK-NOTES.md), honours `Range` for resumed downloads, and can cut every file body short
to simulate a connection that drops mid-download.
"""
from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Path] = {}
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Range header)
        self.cut_after: int | None = None  # bytes of body sent before the connection is dropped
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_HEAD(self):
                hub._serve(self, head=True)

            def do_GET(self):
                hub._serve(self, head=False)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeHub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_repo(self, repo: str, folder: Path) -> None:
        self.repos[repo] = Path(folder)

    @staticmethod
    def commit(repo: str) -> str:
        return hashlib.sha1(repo.encode()).hexdigest()

    def _files(self, repo: str) -> list[Path]:
        root = self.repos[repo]
        return sorted(p for p in root.rglob("*") if p.is_file())

    def _json(self, handler, payload, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _serve(self, handler, head: bool) -> None:
        path = unquote(urlparse(handler.path).path)
        self.requests.append((handler.command, path, handler.headers.get("Range", "")))
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo = "/".join(parts[2:4])
            if repo not in self.repos:
                return self._json(handler, {"error": "Repository not found"}, 404)
            root, sha = self.repos[repo], self.commit(repo)
            if parts[4] == "revision":
                siblings = [{"rfilename": str(p.relative_to(root)), "size": p.stat().st_size,
                             **({"lfs": {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "size": p.stat().st_size,
                                         "pointerSize": 134}} if p.suffix in (".safetensors", ".gguf") else {})}
                            for p in self._files(repo)]
                return self._json(handler, {"id": repo, "modelId": repo, "sha": sha, "siblings": siblings})
            if parts[4] == "tree":
                return self._json(handler, [{"type": "file", "path": str(p.relative_to(root)), "size": p.stat().st_size,
                                             "oid": hashlib.sha1(p.read_bytes()).hexdigest()} for p in self._files(repo)])
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, file = "/".join(parts[:2]), "/".join(parts[4:])
            target = self.repos.get(repo, Path("/nonexistent")) / file
            if not target.is_file():
                return self._json(handler, {"error": "Entry not found"}, 404)
            data = target.read_bytes()
            etag = f'"{hashlib.sha256(data).hexdigest()}"'
            start = 0
            range_header = handler.headers.get("Range", "")
            if range_header.startswith("bytes="):
                start = int(range_header[6:].split("-")[0] or 0)
            handler.send_response(206 if start else 200)
            for key, value in {"ETag": etag, "X-Repo-Commit": self.commit(repo), "X-Linked-Etag": etag,
                               "X-Linked-Size": str(len(data)), "Content-Length": str(len(data) - start),
                               "Accept-Ranges": "bytes"}.items():
                handler.send_header(key, value)
            if start:
                handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            handler.end_headers()
            if head:
                return
            body = data[start:]
            if self.cut_after is not None and len(body) > self.cut_after:
                handler.wfile.write(body[: self.cut_after])
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.shutdown(2)
                return
            handler.wfile.write(body)
            return
        self._json(handler, {"error": "not found"}, 404)
