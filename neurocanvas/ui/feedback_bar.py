"""The reactions bar under every tab's results: stars, like, favourite, share (copies a link), stop sharing,
download.

The picked image is a number the tab keeps: the first result of a run, or the one the user clicks. Every gallery
caption of ours starts with '#<id>', which is how a picked image is found.
"""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import ProfileHandler

REACTIONS = (("like", "Like"), ("favourite", "★ Favourite"), ("share", "Share (copy link)"))
COPY_LINK_JS = """(message) => {
  const link = (message || "").match(/Link \\(copied\\): (\\S+)/);
  if (link && navigator.clipboard) navigator.clipboard.writeText(location.origin + link[1]);
}"""


def build(prefs: PreferencesHandler, profile: ProfileHandler, image_id: gr.Number, elem_id: str,
          download: bool = True) -> gr.Markdown:
    """The bar, acting on `image_id`; returns the line that answers (the Profile gallery has its own download)."""
    with gr.Row():
        stars = gr.Radio([1, 2, 3, 4, 5], label="Rate the picked result", elem_id=f"{elem_id}-stars", scale=2)
        buttons = {kind: gr.Button(label, size="sm", scale=1) for kind, label in REACTIONS}
        unshare = gr.Button("Stop sharing", size="sm", scale=1)
        download_button = gr.Button("Download PNG", size="sm", scale=1, visible=download)
    thanks = gr.Markdown(elem_id=f"{elem_id}-thanks")
    file = gr.File(label="Download", interactive=False, visible=False)

    def rate(picked: float, value: float, request: gr.Request) -> str:
        return prefs.feedback(picked, "rating", value, request)

    stars.select(rate, [image_id, stars], thanks, api_visibility="private")
    for kind, button in buttons.items():
        event = button.click(reaction(prefs, kind), image_id, thanks, api_visibility="private")
        if kind == "share":
            event.success(None, thanks, None, js=COPY_LINK_JS)

    def stop(picked: float, request: gr.Request) -> str:  # its own name: /stop_sharing is the Profile tab's API
        return prefs.stop_sharing(picked, request)

    unshare.click(stop, image_id, thanks, api_visibility="private")

    def save(picked: float, request: gr.Request) -> tuple:
        path = profile.download(picked, "PNG", request)
        return gr.File(value=path, visible=True), prefs.feedback(picked, "download", 0, request)

    download_button.click(save, image_id, [file, thanks], api_visibility="private")
    # another picked image: the stars, the answer and the download were the previous image's, so they go
    image_id.change(lambda: (None, "", gr.File(value=None, visible=False)), None, [stars, thanks, file], queue=False,
                    api_visibility="private")
    return thanks


def reaction(prefs: PreferencesHandler, kind: str):
    def react(image_id: float, request: gr.Request) -> str:
        return prefs.feedback(image_id, kind, 0, request)

    return react


def caption_id(caption: str | None) -> int | None:
    return int(caption[1:].split(" ")[0]) if caption and caption.startswith("#") else None


def selected_image_id(evt: gr.SelectData) -> int | None:
    """The clicked image's id."""
    return caption_id((evt.value or {}).get("caption"))


def first_result(gallery: list | None) -> int | None:
    """The first image's id in a gallery's value."""
    for item in gallery or []:
        found = caption_id(item[1] if isinstance(item, (list, tuple)) else (item or {}).get("caption"))
        if found is not None:
            return found
    return None
