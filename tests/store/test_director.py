"""The director's versions: their images are found by reading (no write on a read), a deleted image is not shown,
and a look stays pinned to the image CLIP saw."""
from PIL import Image

from neurocanvas.store import open_store
from neurocanvas.store.director import DirectorRepo
from neurocanvas.store.tables import DirectorVersion


def _render(repo, colour: str):
    generation = repo.create_generation(None, "text_to_image", prompt=colour)
    images = [repo.save_image(None, generation.id, Image.new("RGB", (8, 8), colour), {}, seed=1) for _ in range(2)]
    repo.set_generation_status(None, generation.id, "done")
    return generation, images


def test_versions_find_their_images_without_writing(tmp_path):
    repo = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "images")
    versions = DirectorRepo(repo)
    conversation = repo.create_conversation(None, "a red barn").id
    red, red_images = _render(repo, "red")
    waiting = repo.create_generation(None, "text_to_image", prompt="blue")  # still queued: no image yet
    a = versions.add_version(None, conversation, "red", "rendered", 1, "tiny-sd", red.id)
    b = versions.add_version(None, conversation, "blue", "rendered", 1, "tiny-sd", waiting.id)
    merged = versions.add_version(None, conversation, "red, blue", "merged")

    found = versions.versions(None, conversation)
    assert [(row.id, image and image.id) for row, image in found] == [(a.id, red_images[0].id), (b.id, None),
                                                                       (merged.id, None)]
    assert {row.image_id for row in DirectorVersion.select()} == {None}  # a read wrote nothing

    versions.set_look(None, a.id, red_images[1].id, {"prompt_score": 0.3})
    assert versions.versions(None, conversation)[0][1].id == red_images[1].id  # the look's own image
    repo.delete_image(None, red_images[1].id)
    assert versions.versions(None, conversation)[0][1] is None  # deleted: neither shown nor scored again
    repo.db.close()
