"""Files are owned (issue 14): another user's images, exports and deleted images are not served by URL."""
import dataclasses

import httpx
import pytest
from PIL import Image

from neurocanvas.ui.app import build_app, launch


@pytest.fixture
def two_users(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, auth=(("alice", "pw-a"), ("bob", "pw-b")))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    sessions = {}
    for name, password in (("alice", "pw-a"), ("bob", "pw-b")):
        session = httpx.Client(base_url=demo.local_url.rstrip("/"), timeout=30)
        assert session.post("/login", data={"username": name, "password": password}).status_code == 200
        sessions[name] = session
    sessions["nobody"] = httpx.Client(base_url=demo.local_url.rstrip("/"), timeout=30)
    yield ctx, sessions
    for session in sessions.values():
        session.close()
    demo.close()


def file_url(ctx, path) -> str:
    return f"/gradio_api/file={path.resolve()}"


def test_images_and_exports_are_served_to_their_owner_only(two_users):
    ctx, users = two_users
    image = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "red"), {"prompt": "alice's own words"})
    path = ctx.repo.image_path(image)
    export = path.parents[1] / "exports" / "compare-20261201.json"
    export.parent.mkdir(parents=True, exist_ok=True)
    export.write_text('{"prompt": "alice\'s own words"}')
    for target in (path, export):
        assert users["alice"].get(file_url(ctx, target)).status_code == 200
        assert users["bob"].get(file_url(ctx, target)).status_code == 404
        assert users["nobody"].get(file_url(ctx, target)).status_code in (401, 403, 404)
    ctx.repo.delete_image("alice", image.id)
    assert users["alice"].get(file_url(ctx, path)).status_code == 404  # deleted: not served, even to her


def test_a_png_without_a_row_is_never_served(two_users):
    ctx, users = two_users
    image = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    orphan = ctx.repo.image_path(image).with_name("0" * 32 + ".png")
    orphan.write_bytes(ctx.repo.image_path(image).read_bytes())
    assert users["alice"].get(file_url(ctx, orphan)).status_code == 404


def test_share_links_open_for_the_studio_s_users_and_end_with_the_image(two_users):
    ctx, users = two_users
    image = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    link = ctx.shares.link(image.id, image.sha256, ctx.files.start_sharing("alice", image.id).share_key)
    assert str(image.id) in link and ctx.repo.image_path(image).name not in link  # not the file's own name
    answer = users["bob"].get(link)
    assert answer.status_code == 200 and answer.content[:4] == b"\x89PNG"
    assert users["nobody"].get(link).status_code == 401
    assert users["bob"].get(link.replace(link[-8:-4], "0000")).status_code == 404  # a forged signature
    other = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "blue"), {"prompt": "y"})
    assert users["bob"].get(link.replace(f"/{image.id}/", f"/{other.id}/")).status_code == 404  # not transferable
    ctx.repo.delete_image("alice", image.id)
    assert users["bob"].get(link).status_code == 404


def test_share_then_stop_sharing_through_the_client(two_users):
    """Issue 14: a share link lived as long as the image; "stop sharing" ends it, and a new share is a new link."""
    import re

    from gradio_client import Client

    ctx, users = two_users
    image = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    alice = Client(str(users["alice"].base_url), auth=("alice", "pw-a"), verbose=False)

    def share() -> str:
        return re.search(r"Link \(copied\): (\S+)", alice.predict(image.id, "share", 0, api_name="/feedback")).group(1)

    first = share()
    assert share() == first  # sharing twice is one link
    assert users["bob"].get(first).status_code == 200
    assert "no longer shared" in alice.predict(image.id, api_name="/stop_sharing")
    assert users["bob"].get(first).status_code == 404 and users["alice"].get(first).status_code == 404
    assert "was not shared" in alice.predict(image.id, api_name="/stop_sharing")
    with pytest.raises(Exception, match="No image"):
        Client(str(users["bob"].base_url), auth=("bob", "pw-b"), verbose=False).predict(image.id,
                                                                                        api_name="/stop_sharing")
    second = share()
    assert second != first and users["bob"].get(second).status_code == 200 and users["bob"].get(first).status_code == 404


def test_a_visitor_who_has_not_logged_in_learns_nothing_of_the_studio(two_users):
    """Issue 14: the login page embedded the whole API (with the installed model ids), and /openapi.json answered."""
    ctx, users = two_users
    page = users["nobody"].get("/")
    assert page.status_code == 200 and "window.gradio_api_info" in page.text  # the login page itself still loads
    assert "analyze_prompt" not in page.text and "tiny-sd" not in page.text
    assert users["nobody"].get("/openapi.json").status_code == 401
    assert "analyze_prompt" in users["alice"].get("/").text and users["alice"].get("/openapi.json").status_code == 200


def test_gallery_images_are_served_from_the_guarded_folder_not_copied(two_users):
    """Gradio copied every gallery image into its shared cache on each page; they are served in place now, where
    the guard checks owner and row, so deleting an image ends every way to it."""
    from gradio_client import Client

    ctx, users = two_users
    image = ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    alice = Client(str(users["alice"].base_url), auth=("alice", "pw-a"), verbose=False, download_files=False)
    shown = alice.predict(1, "", "", False, "", "", "newest", api_name="/gallery")
    served = shown[0]["image"]["path"]
    assert served == str(ctx.repo.image_path(image).resolve())
    assert not [p for p in ctx.settings.tmp_dir.rglob("*.png")]  # no copy in the cache
    url = shown[0]["image"]["url"]
    assert users["alice"].get(url).status_code == 200 and users["bob"].get(url).status_code == 404
    ctx.repo.delete_image("alice", image.id)
    assert users["alice"].get(url).status_code == 404


def _png(color: str) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(session, data: bytes) -> str:
    answer = session.post("/gradio_api/upload", files={"files": ("photo.png", data, "image/png")})
    assert answer.status_code == 200
    return answer.json()[0]


def _event(session, path: str) -> int:
    return session.post("/gradio_api/call/read_png_settings",
                        json={"data": [{"path": path, "meta": {"_type": "gradio.FileData"}}]}).status_code


def test_an_upload_stays_its_uploader_s(two_users):
    """Issue 14: Gradio keeps everyone's uploads in one folder; bob can neither fetch alice's upload by its path
    nor hand that path to an event, while she can; a file both uploaded (same content, same name) is both's."""
    ctx, users = two_users
    hers = _upload(users["alice"], _png("red"))
    assert users["alice"].get(f"/gradio_api/file={hers}").status_code == 200
    assert users["bob"].get(f"/gradio_api/file={hers}").status_code == 404
    assert users["nobody"].get(f"/gradio_api/file={hers}").status_code in (401, 403, 404)
    assert _event(users["bob"], hers) == 403
    assert _event(users["bob"], hers.replace("/", "//")) == 403  # another spelling of the same path
    assert _event(users["alice"], hers) == 200
    shared = _upload(users["bob"], _png("red"))
    assert shared == hers and _event(users["bob"], shared) == 200
    his = _upload(users["bob"], _png("blue"))
    assert users["alice"].get(f"/gradio_api/file={his}").status_code == 404 and _event(users["alice"], his) == 403
