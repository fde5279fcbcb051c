"""Assemble the tabs into one Blocks app and launch it with the queue and the security settings."""
from __future__ import annotations

import gc
import logging
import threading

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.admin import AdminHandler
from neurocanvas.handlers.auto import AutoHandler
from neurocanvas.handlers.budget import BudgetHandler
from neurocanvas.handlers.compare import CompareHandler
from neurocanvas.handlers.director import DirectorHandler
from neurocanvas.handlers.director_loop import DirectorLoopHandler
from neurocanvas.handlers.edit import EditHandler
from neurocanvas.handlers.jobs import JobsHandler
from neurocanvas.handlers.models import ModelsHandler
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import ProfileHandler
from neurocanvas.handlers.settings import SettingsHandler
from neurocanvas.handlers.status import StatusHandler
from neurocanvas.handlers.prompt_lab import PromptLabHandler
from neurocanvas.handlers.text_to_image import TextToImageHandler
from neurocanvas.handlers.style_transfer import StyleTransferHandler
from neurocanvas.ui import (
    guard,
    jobs_panel,
    tab_admin,
    tab_compare,
    tab_director,
    tab_status,
    tab_profile,
    tab_prompt_lab,
    tab_style_transfer,
    tab_text_to_image,
)

log = logging.getLogger(__name__)
HEAVY = "heavy"  # the concurrency_id every model-running event shares
MAX_ADMITTED = 32  # heavy events Gradio lets in at once; the job service's workers run them a few at a time
# Gradio 6 sends every event through its queue, queue=False ones included: light events (prompt analysis,
# gallery, profile) get their own limit, or they would wait one at a time behind each other.
LIGHT_CONCURRENCY = 8
SERVING_WAIT = 30.0  # the warm-up waits this long for the server (an app built but never launched warms up anyway)
_serving = threading.Event()
# Events whose handler can refuse an input stay on the queue (no queue=False): Gradio 6.31 shows a queue=False
# event's gr.Error as a bare "Error" badge without its message. queue=False is kept for loads, timers, Stop and
# widget-only updates that cannot fail (tests/ui/test_browser_messages.py).

HEADER = """# NeuroCanvas
A local, CPU-first AI art studio: everything runs on this machine."""

# Ctrl+Enter (Cmd+Enter) in the prompt lab's box analyses, as in most prompt tools.
HEAD = """<script>
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && e.target.closest('#prompt-lab-input')) {
    e.preventDefault(); document.querySelector('#analyze-btn').click();
  }
});
</script>"""
CSS = """
.nc-palette {display: flex; gap: 8px; flex-wrap: wrap}
.nc-swatch {display: flex; flex-direction: column; align-items: center; font-size: 12px}
.nc-swatch span {width: 56px; height: 40px; border-radius: 6px; border: 1px solid #0002}
.nc-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; align-items: center}
@media (max-width: 600px) {  /* phones: two thumbnails a row, not four postage stamps */
  #director-gallery .grid-container, #t2i-gallery .grid-container, #compare-gallery .grid-container {
    grid-template-columns: repeat(2, minmax(100px, 1fr))}
}
"""


def build_app(ctx: AppContext, warmup: bool = False) -> gr.Blocks:
    """`warmup` loads the light models (prompt analysis) in the background so the first click is fast."""
    status = StatusHandler(ctx)
    prompt_lab = PromptLabHandler(ctx)
    director = DirectorHandler(ctx, prompt_lab.analyzer)
    models = ModelsHandler(ctx)
    profile = ProfileHandler(ctx)
    analyse = lambda prompt: prompt_lab.analyzer().analyze(prompt)  # noqa: E731 (one analyzer, loaded once)
    preferences = PreferencesHandler(ctx, analyse=analyse)
    ctx.jobs.on_submit = preferences.skip_unanswered  # a new job: the last job's unanswered images count as skipped
    auto = AutoHandler(ctx, prompt_lab.analyzer, preferences.choose)
    t2i = TextToImageHandler(ctx, auto.runs)  # offers "Auto" in its model list, on the same Auto service
    compare = CompareHandler(ctx, preferences)
    style = StyleTransferHandler(ctx)
    admin = AdminHandler(ctx)
    if warmup:
        threading.Thread(target=_warm_up, args=(prompt_lab.analyzer, _serving), daemon=True, name="warmup").start()
    with gr.Blocks(title="NeuroCanvas", analytics_enabled=False) as demo:
        gr.Markdown(HEADER)
        jobs_panel.build(demo, JobsHandler(ctx))
        admitted = MAX_ADMITTED  # let in even past --queue-size: the job service then refuses with a message
        with gr.Tabs() as tabs:
            with gr.Tab("Style transfer", id="style_transfer"):
                tab_status.build(demo, status, "style_transfer")
                style_preset = tab_style_transfer.build(demo, style, preferences, profile, HEAVY, admitted)
            with gr.Tab("Text to image", id="text_to_image"):
                remix = tab_text_to_image.build(demo, t2i, BudgetHandler(ctx), models, preferences, profile, HEAVY, admitted)
            with gr.Tab("Prompt lab", id="prompt_lab"):
                tab_status.build(demo, status, "prompt_lab")
                tab_prompt_lab.build(demo, prompt_lab, director, preferences, tabs, remix.prompt)
            with gr.Tab("Compare & vote", id="compare") as compare_tab:
                tab_status.build(demo, status, "compare")
                compare_ids = tab_compare.build(demo, compare_tab, compare, auto, profile, models, preferences, HEAVY,
                                                admitted)
            remix.to_compare.click(compare.add, [compare_ids, remix.picked], [compare_ids, remix.thanks],
                                   api_visibility="private")
            with gr.Tab("Art director", id="director"):
                tab_status.build(demo, status, "director")
                tab_director.build(demo, director, DirectorLoopHandler(ctx, analyse), tabs, remix.prompt, compare_ids,
                                   HEAVY, admitted)
            with gr.Tab("Profile", id="profile"):
                tab_profile.build(demo, profile, models, preferences, SettingsHandler(ctx, t2i, style),
                                  EditHandler(ctx), t2i, remix, tabs,
                                  dict(concurrency_id=HEAVY, concurrency_limit=admitted), (compare, compare_ids),
                                  style_preset)
                with gr.Tab("Report"):
                    tab_admin.build_report(admin)
            with gr.Tab("Admin", id="admin") as admin_tab:
                tab_admin.build(demo, admin, admin_tab)
    return demo


def _warm_up(load, serving: threading.Event | None = None) -> None:
    """Load the light models once the page is served (loading them beside Gradio's start made the start 0.9 s
    slower), then freeze what is loaded: a full collection walked the ~1M long-lived objects of torch,
    transformers and Gradio in 0.4-0.6 s, three times a minute under load, and every request in flight waited
    (measured with gc.callbacks; after the freeze such a collection took 26 ms)."""
    if serving is not None:
        serving.wait(timeout=SERVING_WAIT)
    try:
        load()
    except Exception:  # the tab reports the same error when it is used
        log.exception("warm-up failed")
    gc.collect()
    gc.freeze()


def launch(demo: gr.Blocks, ctx: AppContext, **overrides) -> gr.Blocks:
    """Jobs on (the studio's workers and collector), housekeeping on, queue on, uploads capped, files guarded."""
    s = ctx.settings
    ctx.jobs.start()
    ctx.housekeeper.start()
    # No max_size: Gradio counts light events in it, and a queue full of renders would refuse prompt analysis.
    # The job service bounds the heavy work itself (--queue-size, --max-jobs-per-user) with a clear message.
    demo.queue(default_concurrency_limit=LIGHT_CONCURRENCY, max_size=None)
    # Saved images are served from the images folder itself, where the file guard checks owner and row on every
    # fetch: Gradio would otherwise hash and copy every gallery image into its shared cache on every page, on its
    # event loop (the gallery's p95 under load), leaving copies of private images outside the guard.
    gr.set_static_paths([s.images_dir.resolve()])
    options = dict(server_name=s.host, server_port=s.port, share=s.share, auth=list(s.auth) or None,
                   max_file_size=f"{s.max_file_size_mb}mb", allowed_paths=[str(s.images_dir.resolve())],
                   footer_links=["api"], show_error=True, max_threads=MAX_ADMITTED + 64, theme=gr.themes.Soft(), quiet=True, head=HEAD, css=CSS,
                   app_kwargs={"middleware": guard.middleware(s, ctx.files, ctx.shares)})  # before any route
    options.update(overrides)
    demo.launch(**{**options, "prevent_thread_lock": True})
    _serving.set()
    guard.explicit_cors(demo.server_app, s)
    if not options.get("prevent_thread_lock"):
        demo.block_thread()
    return demo
