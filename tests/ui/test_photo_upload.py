"""PhotoUpload keeps Gradio's image front end and words an unreadable upload."""
import gradio as gr
import pytest

from neurocanvas.ui.photo_upload import PhotoUpload


def test_it_uses_gradios_image_front_end():
    assert PhotoUpload().get_block_name() == "image"


def test_an_unreadable_upload_is_refused_in_words(tmp_path):
    from gradio.data_classes import ImageData

    path = tmp_path / "photo.png"
    path.write_bytes(b"not an image")
    with pytest.raises(gr.Error, match="Your photo: not an image file the studio can read"):
        PhotoUpload(label="Your photo").preprocess(ImageData(path=str(path), orig_name="photo.png"))
