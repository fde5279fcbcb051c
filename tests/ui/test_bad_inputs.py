"""A corpus of bad inputs through the client API (issue 14): each gets a short, human message and changes nothing.

Every case is sent as a script would send it; the answer must read as a sentence for a person (no exception
class names, no tracebacks, no server paths, not the generic fault line), and the row count of every table
must be the same before and after the whole corpus."""
from __future__ import annotations

import re

from gradio_client import handle_file
from PIL import Image, PngImagePlugin

from neurocanvas.store.tables import ALL_TABLES
from tests.uploads import huge_png_header, png_bytes

LONG = "a castle on a hill " * 530  # 10,070 characters
BIG = 2**63  # one past the database's integer range
HUGE = 10**30

# The form's good values, so each case spoils one field at a time
T2I = dict(prompt="a red fox", negative="", model_id="tiny-sd", steps=2, guidance=1.0, width=64, height=64, seed=1,
           batch=1, scheduler="euler", tiny_vae=False)
STYLE = dict(content=None, preset_a="the-scream", weight_a=1.0, preset_b="none", weight_b=0.5, own_style=None,
             own_weight=1.0, strength=1.0, size=256, steps=20, keep_colors=False, method="tiny-vgg")

INSTANT = "magenta-arbitrary"

# What a message meant for a person never holds
LEAKS = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|NoneType|has no attribute|invalid literal|"
                   r"could not convert|Something went wrong|/tmp/|/work/|\.py\b|line \d+|\bNone\b|object is not")


def t2i(**bad) -> tuple:
    return tuple({**T2I, **bad}.values())


def style(**bad) -> tuple:
    return tuple({**STYLE, **bad}.values())


def corpus(files: dict) -> list[tuple[str, str, tuple]]:
    """(label, endpoint, arguments): at least 60 inputs a user or a script could send by mistake or on purpose."""
    photo = handle_file(str(files["photo"]))
    return [
        # Text to image: every field of the form
        ("empty prompt", "/text_to_image", t2i(prompt="")),
        ("blank prompt", "/text_to_image", t2i(prompt=" \n\t ")),
        ("10,000-character prompt", "/text_to_image", t2i(prompt=LONG)),
        ("10,000-character negative", "/text_to_image", t2i(negative=LONG)),
        ("unknown model", "/text_to_image", t2i(model_id="nope")),
        ("model of another kind", "/text_to_image", t2i(model_id="tiny-clip")),
        ("path as a model", "/text_to_image", t2i(model_id="../../etc/passwd")),
        ("zero steps", "/text_to_image", t2i(steps=0)),
        ("a million steps", "/text_to_image", t2i(steps=10**6)),
        ("fractional steps", "/text_to_image", t2i(steps=2.5)),
        ("negative guidance", "/text_to_image", t2i(guidance=-5)),
        ("huge guidance", "/text_to_image", t2i(guidance=1e6)),
        ("width 7", "/text_to_image", t2i(width=7)),
        ("width 100,000", "/text_to_image", t2i(width=100_000)),
        ("height 10**30", "/text_to_image", t2i(height=HUGE)),
        ("seed past 64 bits", "/text_to_image", t2i(seed=2**70)),
        ("no images", "/text_to_image", t2i(batch=0)),
        ("a thousand images", "/text_to_image", t2i(batch=1000)),
        ("unknown scheduler", "/text_to_image", t2i(scheduler="nope")),
        # Style transfer: uploads and parameters
        ("no photo", "/style_transfer", style()),
        ("text file as a photo", "/style_transfer", style(content=handle_file(str(files["text"])))),
        ("empty file as a photo", "/style_transfer", style(content=handle_file(str(files["empty"])))),
        ("truncated PNG", "/style_transfer", style(content=handle_file(str(files["truncated"])))),
        ("decompression bomb", "/style_transfer", style(content=handle_file(str(files["bomb"])))),
        ("corrupt own style", "/style_transfer", style(content=photo, own_style=handle_file(str(files["text"])))),
        ("unknown preset", "/style_transfer", style(content=photo, preset_a="nope")),
        ("path as a preset", "/style_transfer", style(content=photo, preset_a="../../../etc/passwd")),
        ("no style at all", "/style_transfer", style(content=photo, preset_a="none")),
        ("negative weight", "/style_transfer", style(content=photo, weight_a=-1)),
        ("size 10", "/style_transfer", style(content=photo, size=10)),
        ("size 100,000", "/style_transfer", style(content=photo, size=100_000)),
        ("zero steps", "/style_transfer", style(content=photo, steps=0)),
        ("zero strength", "/style_transfer", style(content=photo, strength=0)),
        ("unknown method", "/style_transfer", style(content=photo, method="nope")),
        ("diffusion model as a method", "/style_transfer", style(content=photo, method="tiny-sd")),
        # ... and the instant network, which takes the same form
        ("instant: truncated PNG", "/style_transfer", style(content=handle_file(str(files["truncated"])),
                                                               method=INSTANT)),
        ("instant: decompression bomb", "/style_transfer", style(content=handle_file(str(files["bomb"])), method=INSTANT)),
        ("instant: own style not an image", "/style_transfer", style(content=photo, own_style=handle_file(
            str(files["text"])), method=INSTANT)),
        ("instant: weights summing to 0", "/style_transfer", style(content=photo, weight_a=0.0, method=INSTANT)),
        ("instant: negative weight", "/style_transfer", style(content=photo, weight_a=-1, method=INSTANT)),
        ("instant: size 100,000", "/style_transfer", style(content=photo, size=100_000, method=INSTANT)),
        ("instant: negative strength", "/style_transfer", style(content=photo, strength=-2, method=INSTANT)),
        # PNG settings
        ("text file as a PNG", "/read_png_settings", (handle_file(str(files["text"])),)),
        ("bomb as a PNG", "/read_png_settings", (handle_file(str(files["bomb"])),)),
        ("settings that are a number", "/read_png_settings", (handle_file(str(files["settings_42"])),)),
        # Prompt lab
        ("analyse nothing", "/analyze_prompt", ("",)),
        ("analyse blanks", "/analyze_prompt", ("  \n ",)),
        ("analyse 10,000 characters", "/analyze_prompt", (LONG,)),
        ("enhance nothing", "/enhance_prompt", ("", 1)),
        ("enhance 10,000 characters", "/enhance_prompt", (LONG, 1)),
        ("favourite prompt 0", "/favourite_prompt", (0, True)),
        ("favourite prompt 2**63", "/favourite_prompt", (BIG, True)),
        ("favourite prompt -5", "/favourite_prompt", (-5, True)),
        ("favourite a prompt that is not there", "/favourite_prompt", (987654, True)),
        # Auto and Compare
        ("plan for nothing", "/auto_plan", ("", 2)),
        ("plan 10,000 characters", "/auto_plan", (LONG, 2)),
        ("compare unknown models", "/generate_to_compare", ("a fox", "", ["nope", "tiny-sd"], 2)),
        ("compare with a ranking model", "/generate_to_compare", ("a fox", "", ["tiny-clip"], 2)),
        ("compare for nothing", "/generate_to_compare", ("", "", ["tiny-sd"], 2)),
        ("the same image twice", "/compare", ("1, 1",)),
        ("ids that are words", "/compare", ("abc, def",)),
        ("one image", "/compare", ("1",)),
        ("five images", "/compare", ("1,2,3,4,5",)),
        ("an id of 23 digits", "/compare", ("99999999999999999999999, 1",)),
        ("images that are not there", "/compare", ("987654, 987655",)),
        ("vote for an image not compared", "/vote", ("987654, 987655", 3)),
        ("vote for images that are not there", "/vote", ("987654, 987655", 987654)),
        ("export words", "/export_comparison", ("x, y",)),
        # Art director
        ("chat with nothing", "/director_chat", ("", [], 0, "tiny-llm")),
        ("chat with an unknown model", "/director_chat", ("hello", [], 0, "nope")),
        ("chat in a conversation that is not there", "/director_chat", ("hello", [], 987654, "tiny-llm")),
        ("chat in conversation 2**63", "/director_chat", ("hello", [], BIG, "tiny-llm")),
        ("refine with an unknown action", "/refine_prompt", ("a fox", "nope", "tiny-llm")),
        ("refine nothing", "/refine_prompt", ("", "more detail", "tiny-llm")),
        ("refine 10,000 characters", "/refine_prompt", (LONG, "more detail", "tiny-llm")),
        ("chat with a history that is not a list", "/director_chat", ("hello", "abc", 0, "tiny-llm")),
        ("delete conversation 10**30", "/director_delete", (HUGE,)),
        # Gallery and images
        ("a date that is a word", "/gallery", (1, "", "", False, "yesterday", "", "newest")),
        ("an impossible date", "/gallery", (1, "", "", False, "2026-02-31", "", "newest")),
        ("page 10**30", "/gallery", (HUGE, "", "", False, "", "", "newest")),
        ("unknown sort", "/gallery", (1, "", "", False, "", "", "nope")),
        ("details of image 2**63", "/image_details", (BIG,)),
        ("details of image -1", "/image_details", (-1,)),
        ("details of an image that is not there", "/image_details", (987654,)),
        ("feedback of an unknown kind", "/feedback", (1, "nope", 1)),
        ("rating 11", "/feedback", (1, "rating", 11)),
        ("rating -1", "/feedback", (1, "rating", -1)),
        ("feedback on an image that is not there", "/feedback", (987654, "like", 1)),
        ("stop sharing image 0", "/stop_sharing", (0,)),
        ("download as .exe", "/download_image", (1, "exe")),
        ("download an image that is not there", "/download_image", (987654, "png")),
        ("delete image 10**30", "/delete_image", (HUGE,)),
        ("delete an image that is not there", "/delete_image", (987654,)),
        # Preferences, models and settings
        ("unknown algorithm", "/set_algorithm", ("nope", 0.1)),
        ("epsilon 5", "/set_algorithm", ("epsilon-greedy", 5)),
        ("pull an unknown model", "/pull_model", ("nope",)),
        ("pull a path", "/pull_model", ("../../etc/passwd",)),
        ("unknown default model", "/save_defaults", ("nope", "tiny-vgg")),
        ("a diffusion model as the style method", "/save_defaults", ("tiny-sd", "tiny-sd")),
        ("zero threads", "/studio_settings", (0, 4)),
        ("a million threads", "/studio_settings", (10**6, 4)),
        ("negative memory", "/studio_settings", (1, -1)),
        ("report a link of no image", "/report_shared", ("/nc/share/1/00000000.png", "spam", "")),
        ("report a file path", "/report_shared", ("/gradio_api/file=/etc/passwd", "spam", "")),
        ("settle report 0", "/settle_report", (0, "dismiss")),
        ("settle report 2**63", "/settle_report", (BIG, "dismiss")),
        ("settle a report that is not there", "/settle_report", (987654, "dismiss")),
        ("cancel job 0", "/cancel_job", (0,)),
        ("cancel job 2**64", "/cancel_job", (2**64,)),
    ]


def make_files(folder) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    settings_42 = PngImagePlugin.PngInfo()
    settings_42.add_text("neurocanvas", "42")
    contents = {
        "photo.png": png_bytes(Image.new("RGB", (64, 48), "teal")),
        "text.png": b"this is not an image at all\n" * 20,
        "empty.png": b"",
        "truncated.png": png_bytes(Image.new("RGB", (64, 64), "red"))[:60],
        "bomb.png": huge_png_header(30_000, 30_000),
        "settings_42.png": png_bytes(Image.new("RGB", (8, 8)), pnginfo=settings_42),
    }
    paths = {}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        paths[name.split(".")[0]] = folder / name
    return paths


def row_counts() -> dict[str, int]:
    return {table.__name__: table.select().count() for table in ALL_TABLES}


def answer(client, endpoint: str, args: tuple) -> tuple[bool, str]:
    """(refused, text): a refusal's message, or the text of what came back."""
    try:
        result = client.predict(*args, api_name=endpoint)
    except Exception as exc:  # gradio_client raises AppError with the studio's message
        return True, str(exc)
    return False, str(result)


def test_bad_inputs_get_a_clear_message_and_change_nothing(ctx, app, tmp_path):
    demo, client = app
    files = make_files(tmp_path / "uploads")
    image = ctx.repo.save_image(None, None, Image.new("RGB", (8, 8), "red"), {"prompt": "red"}, model_id="tiny-sd")
    assert image.id == 1  # the cases that name image 1 reach a real image of this user
    cases = corpus(files)
    assert len(cases) >= 60
    before = row_counts()
    problems = []
    for label, endpoint, args in cases:
        refused, text = answer(client, endpoint, args)
        if not refused:
            problems.append(f"{label}: accepted ({text[:120]})")
        elif LEAKS.search(text) or len(text.strip()) < 12 or str(tmp_path) in text:
            problems.append(f"{label}: {text[:200]!r}")
    assert not problems, "\n".join(problems)
    assert row_counts() == before
