"""Profile tab: stats, gallery, models (with Pull) and settings."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.compare import CompareHandler
from neurocanvas.handlers.edit import EditHandler
from neurocanvas.handlers.models import COLUMNS, ModelsHandler
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import FORMATS, HISTORY, KINDS, SORTS, ProfileHandler, models_frame, stats_text
from neurocanvas.handlers.settings import SettingsHandler
from neurocanvas.handlers.text_to_image import TextToImageHandler
from neurocanvas.ui import edit_panel, feedback_bar, recommend_cards
from neurocanvas.ui.tab_text_to_image import Remix, fresh


def build(demo: gr.Blocks, profile: ProfileHandler, models: ModelsHandler, prefs: PreferencesHandler,
          settings_handler: SettingsHandler, edit: EditHandler, t2i: TextToImageHandler, remix: Remix,
          tabs: gr.Tabs, heavy: dict, comparing: tuple[CompareHandler, gr.Textbox], style_preset: gr.Dropdown) -> None:
    """`remix` is the Text to image tab's: the gallery's Image to image and Variations start work there;
    `comparing` the Compare tab's handler and picks, for 'Add to compare'; `style_preset` Style transfer's style,
    which a recommended style picks."""
    with gr.Tab("Stats") as stats_tab:
        stats = gr.JSON(visible=False)  # the `profile` answer, for the API; the page shows numbers and a chart
        stats_line = gr.Markdown(stats_text(None), elem_id="profile-stats")
        per_model = gr.BarPlot(x="model", y="images", title="Your images per model", elem_id="profile-per-model")
        stats.change(lambda s: (stats_text(s), models_frame(s)), stats, [stats_line, per_model], queue=False,
                     api_visibility="private")
        history = gr.Dataframe(headers=HISTORY, label="History: your latest jobs", interactive=False, wrap=True)
        refresh_stats = gr.Button("Refresh")
        refresh_stats.click(profile.profile, None, stats, api_name="profile")
        refresh_stats.click(profile.history, None, history, api_name="job_history")
        stats_tab.select(profile.profile, None, stats, api_visibility="private").then(
            profile.history, None, history, api_visibility="private")
    with gr.Tab("Gallery") as gallery_tab:
        with gr.Row():
            page = gr.Number(value=1, precision=0, minimum=1, label="Page", scale=1)
            model = gr.Textbox(label="Model id", placeholder="all", scale=2)
            kind = gr.Dropdown([(v, k) for k, v in KINDS.items()], value="", label="Tab", scale=2)
            favourites = gr.Checkbox(label="Favourites only", scale=1)
        with gr.Row():
            since = gr.Textbox(label="From (YYYY-MM-DD)", scale=1)
            until = gr.Textbox(label="Until (YYYY-MM-DD)", scale=1)
            sort = gr.Radio(SORTS, value="newest", label="Sort", scale=2)
        with gr.Row():
            gallery = gr.Gallery(label="Your images (click one to enlarge it)", columns=6, height="auto",
                                 elem_id="profile-gallery", scale=3, interactive=False)
            details = gr.Dataframe(headers=["", "Picked image"], interactive=False, wrap=True, scale=1,
                                   elem_id="profile-details")
        filters = [page, model, kind, favourites, since, until, sort]
        show = gr.Button("Show")
        with gr.Accordion("Download several as a zip", open=False):
            ticks = gr.CheckboxGroup([], label="Images on this page (press Show to list them)", elem_id="zip-ticks")
            with gr.Row():
                tick_all = gr.Button("Tick all", size="sm")
                make_zip = gr.Button("Download the ticked as a zip", size="sm", variant="primary", elem_id="zip-go")
            zip_line = gr.Markdown(elem_id="zip-line")
            zip_file = gr.File(label="Zip", interactive=False, elem_id="zip-file")
        show.click(profile.gallery, filters, gallery, api_name="gallery").then(
            profile.selectable, filters + [gr.State(False)], ticks, api_visibility="private")
        # the gallery fills itself: on opening the tab, on a filter's change, after a delete or an undo
        reload = dict(fn=profile.gallery, inputs=filters, outputs=gallery, api_visibility="private")
        for trigger in (gallery_tab.select, sort.input, favourites.input, kind.input, model.submit, since.submit,
                        until.submit, page.submit):
            trigger(**reload).then(profile.selectable, filters + [gr.State(False)], ticks, api_visibility="private")
        tick_all.click(profile.selectable, filters + [gr.State(True)], ticks, api_visibility="private")
        make_zip.click(profile.download_zip, ticks, [zip_file, zip_line], api_name="zip_ticked", api_visibility="private")
        gr.api(profile.api_download_zip, api_name="download_zip")
        image_id = gr.Number(label="Image id (click an image)", precision=0, elem_id="feedback-image")
        thanks = feedback_bar.build(prefs, profile, image_id, "feedback", download=False)
        with gr.Row():
            fmt = gr.Radio(list(FORMATS), value="PNG", label="Download as", scale=2)
            download = gr.Button("Download", size="sm", scale=1)
            delete = gr.Button("Delete", size="sm", variant="stop", scale=1)
            undo = gr.Button("Undo delete", size="sm", scale=1)
        with gr.Row():
            to_i2i = gr.Button("Image to image", size="sm", elem_id="gallery-i2i")
            vary = gr.Button("Variations (new seeds)", size="sm", elem_id="gallery-vary")
            vary_close = gr.Button("Close variations", size="sm")
            to_compare = gr.Button("Add to compare", size="sm", elem_id="gallery-to-compare")
        file = gr.File(label="Download", interactive=False)
        last_deleted = gr.State(None)
        gallery.select(feedback_bar.selected_image_id, None, image_id, queue=False).then(
            profile.details_table, image_id, details, api_visibility="private")
        gr.api(profile.details, api_name="image_details")
        gr.api(prefs.feedback, api_name="feedback")
        gr.api(prefs.stop_sharing, api_name="stop_sharing")
        download.click(profile.download, [image_id, fmt], file, api_name="download_image").success(
            feedback_bar.reaction(prefs, "download"), image_id, thanks)
        delete.click(profile.delete, image_id, [thanks, last_deleted], api_name="delete_image").success(**reload)
        undo.click(profile.restore, last_deleted, thanks, api_name="restore_image").success(**reload)
        edit_panel.build(edit, image_id)
        to_text_to_image = (lambda: (gr.Tabs(selected="text_to_image"), *fresh()), None,
                            [tabs, *remix.results, remix.picked, remix.thanks])  # its last results go
        to_i2i.click(t2i.start_from, image_id, [remix.start, remix.start_id], api_visibility="private").success(
            lambda: (gr.Tabs(selected="text_to_image"), gr.Accordion(open=True)), None, [tabs, remix.panel], queue=False)
        runs = [button.click(*to_text_to_image, queue=False).then(
                    t2i.variations, [image_id, remix.batch, gr.State(close)], remix.results, api_visibility="private",
                    **heavy) for close, button in ((False, vary), (True, vary_close))]
        remix.stop.click(None, None, None, cancels=runs, queue=False, api_visibility="private")
        compare, compare_ids = comparing
        to_compare.click(compare.add, [compare_ids, image_id], [compare_ids, thanks], api_visibility="private")
    with gr.Tab("Preferences") as preferences_tab:
        with gr.Row():
            charts = [gr.BarPlot(x=family, y="average reward", title=f"Your {title}", y_lim=[0, 1])
                      for family, title in (("model", "models"), ("style", "styles"))]
        with gr.Row():
            charts += [gr.BarPlot(x=family, y="average reward", title=f"Your {title}", y_lim=[0, 1])
                       for family, title in (("mood", "moods"), ("colour", "colours"), ("concept", "subjects"))]
        recommendation = gr.JSON(visible=False)  # the `recommend` answer, for the API; the cards draw it
        gr.Markdown("### Recommended for you")
        recommend_cards.build(recommendation, tabs, remix.prompt, style_preset)
        with gr.Row():
            algorithm = gr.Radio(["epsilon_greedy", "ucb1", "thompson"], label="Learning algorithm")
            epsilon = gr.Slider(0, 1, value=0.1, step=0.05, label="Epsilon (epsilon-greedy)")
        algorithm_msg = gr.Markdown()
        report = gr.Dataframe(headers=["algorithm", "users", "total reward"], label="How each learning algorithm does across all users (total reward)")
        refresh = gr.Button("Refresh")
        refresh.click(prefs.preferences, None, charts, api_name="preferences")
        refresh.click(prefs.recommend, None, recommendation, api_name="recommend")
        refresh.click(prefs.report, None, report, api_name="algorithm_report")
        preferences_tab.select(prefs.preferences, None, charts, api_visibility="private").then(
            prefs.recommend, None, recommendation, api_visibility="private").then(
            prefs.report, None, report, api_visibility="private").then(
            prefs.current_algorithm, None, [algorithm, epsilon], api_visibility="private")
        algorithm.select(prefs.set_algorithm, [algorithm, epsilon], algorithm_msg, api_name="set_algorithm")
    with gr.Tab("Models"):
        table = gr.Dataframe(headers=COLUMNS, value=models.models(), interactive=False, wrap=True, label="Catalog")
        with gr.Row():
            choice = gr.Dropdown(models.model_ids(), label="Model", scale=2, allow_custom_value=True,
                                 elem_id="models-choice")
            pull = gr.Button("Pull", variant="primary", scale=1, elem_id="model-pull")
            remove = gr.Button("Remove", variant="stop", scale=1, visible=False, elem_id="model-remove")
        with gr.Row(visible=False) as export_row:  # an installed text-to-image model: its UNet for OpenVINO
            int8 = gr.Checkbox(label="int8 weights (smaller; slightly different images)", scale=2,
                               elem_id="export-int8")
            export = gr.Button("Export for OpenVINO", scale=1, elem_id="model-export")
        about = gr.Markdown()
        result = gr.Markdown(elem_id="pull-result")
        states = [pull, remove, export_row]
        choice.change(models.describe, choice, about).then(models.buttons, choice, states, queue=False,
                                                           api_visibility="private")
        pull.click(models.pull, choice, [result, table], api_name="pull_model", concurrency_id="pull",
                   concurrency_limit=1).then(models.buttons, choice, states, api_visibility="private")
        remove.click(models.remove, choice, [result, table], api_name="remove_model", concurrency_id="pull",
                     concurrency_limit=1).then(models.buttons, choice, states, api_visibility="private")
        export.click(models.export, [choice, int8], [result, table], api_name="export_openvino",
                     concurrency_id="pull", concurrency_limit=1)
        gr.Button("Refresh").click(models.models, None, table, api_name="models")
    with gr.Tab("Settings"):
        gr.Markdown("### Your defaults\nThe model each tab opens with. The learning algorithm and epsilon are under "
                    "Preferences.")
        with gr.Row():
            t2i_default = gr.Dropdown(settings_handler.t2i.model_choices(), label="Text to image model",
                                      allow_custom_value=True)
            style_default = gr.Dropdown(settings_handler.style.method_choices(), label="Style transfer method",
                                        allow_custom_value=True)
        save_defaults = gr.Button("Save my defaults", size="sm")
        gr.Markdown("### This studio\nFor the running studio, until it restarts; only its owner may change them.")
        with gr.Row():
            threads = gr.Number(value=settings_handler.registry.threads, precision=0, minimum=1, label="CPU threads")
            memory = gr.Number(value=settings_handler.registry.memory_budget_mb / 1024, minimum=0.5, label="Memory budget (GB)")
            apply_studio = gr.Button("Apply", size="sm")
        settings_msg = gr.Markdown(elem_id="settings-result")
        settings = gr.JSON(label="Settings (yours, this studio's now, and the launch options)")
        refresh_settings = gr.Button("Refresh")
        refresh_settings.click(settings_handler.settings, None, settings, api_name="settings")
        save_defaults.click(settings_handler.save_defaults, [t2i_default, style_default], settings_msg,
                            api_name="save_defaults").success(
            settings_handler.settings, None, settings)
        apply_studio.click(settings_handler.apply_studio, [threads, memory], settings_msg, api_name="studio_settings",
                           queue=False).success(settings_handler.settings, None, settings)

    demo.load(profile.profile, None, stats, queue=False)
    demo.load(settings_handler.settings, None, settings, queue=False)
    demo.load(_defaults(settings_handler), None, [t2i_default, style_default], queue=False)


def _defaults(handler: SettingsHandler):
    def defaults(request: gr.Request) -> tuple[str, str]:
        current = handler.settings(request)["yours"]
        return current["text_to_image_model"], current["style_method"]

    return defaults
