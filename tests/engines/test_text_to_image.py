import dataclasses
import threading

import numpy as np
import pytest

from neurocanvas.engines.text_to_image import Cancelled, InvalidRequest, Request, TextToImage, check_inputs


@pytest.fixture(scope="module")
def engine(registry):
    return TextToImage(registry.get("tiny-sd"))


BASE = Request(prompt="a fox, art", num_inference_steps=2, width=64, height=64, seed=42)


def pixels(image):
    return np.asarray(image, dtype=np.int16)


def test_same_seed_same_pixels_other_seed_other_pixels(engine):
    a, b = engine(BASE).images[0], engine(BASE).images[0]
    c = engine(dataclasses.replace(BASE, seed=43)).images[0]
    assert a.size == (64, 64) and np.array_equal(pixels(a), pixels(b))
    assert np.abs(pixels(a) - pixels(c)).mean() > 1


def test_batch_uses_successive_seeds(engine):
    result = engine(dataclasses.replace(BASE, batch_size=3))
    assert result.seeds == [42, 43, 44] and len(result.images) == 3
    alone = engine(dataclasses.replace(BASE, seed=43)).images[0]
    assert np.array_equal(pixels(result.images[1]), pixels(alone))  # any image reproduces from its own seed


def test_progress_reports_every_step_with_a_preview(engine):
    seen = []
    engine(dataclasses.replace(BASE, num_inference_steps=3, batch_size=2),
           progress=lambda i, step, total, preview: seen.append((i, step, total, preview.size)))
    assert [(i, s, t) for i, s, t, _ in seen] == [(0, 1, 3), (0, 2, 3), (0, 3, 3), (1, 1, 3), (1, 2, 3), (1, 3, 3)]
    latent = 64 // engine.pipe.vae_scale_factor
    assert seen[0][3] == (latent * 4, latent * 4)  # the latents, upscaled 4x


def test_cancel_stops_between_steps(engine):
    cancel = threading.Event()
    steps = []

    def progress(i, step, total, preview):
        steps.append(step)
        cancel.set()

    with pytest.raises(Cancelled):
        engine(dataclasses.replace(BASE, num_inference_steps=5), progress=progress, cancel=cancel)
    assert steps == [1]


def test_scheduler_swap_changes_the_result_but_not_the_shared_pipeline(engine):
    default = engine(BASE).images[0]
    lcm = engine(dataclasses.replace(BASE, scheduler="lcm")).images[0]
    assert np.abs(pixels(default) - pixels(lcm)).mean() > 0.5
    assert type(engine.pipe.scheduler).__name__ == "EulerAncestralDiscreteScheduler"
    assert np.array_equal(pixels(engine(BASE).images[0]), pixels(default))


def test_long_prompt_is_truncated_with_a_note(engine):
    result = engine(dataclasses.replace(BASE, prompt="a fox " * 2000))
    assert result.images and "longer than the text encoder's 77 tokens" in result.notes[0]


@pytest.mark.parametrize("change, message", [
    ({"prompt": "  "}, "prompt is empty"),
    ({"prompt": "x" * 10_001}, "limited to 10,000"),
    ({"width": 0}, "Width must be between 64 and 128"),
    ({"height": 100000}, "Height must be between 64 and 128"),
    ({"width": 100}, "multiple of 8"),
    ({"num_inference_steps": 0}, "Steps must be between 1 and 8"),
    ({"num_inference_steps": 10000}, "Steps must be between 1 and 8"),
    ({"batch_size": 1000}, "batch is 1 to 8"),
    ({"guidance_scale": float("nan")}, "Guidance scale"),
    ({"seed": -5}, "seed must be between"),
    ({"scheduler": "magic"}, "Unknown scheduler"),
])
def test_bad_requests_are_refused_before_any_work(change, message):
    with pytest.raises(InvalidRequest, match=message):
        check_inputs(dataclasses.replace(BASE, **change), max_size=128, max_steps=8)


# image to image ----------------------------------------------------------------------------------
def squares(colour_a, colour_b, size=64):
    from PIL import Image

    image = Image.new("RGB", (size, size), colour_a)
    image.paste(Image.new("RGB", (size // 2, size), colour_b), (0, 0))
    return image


START = dataclasses.replace(BASE, num_inference_steps=4, strength=0.5)


def test_image_to_image_shares_the_weights_and_runs_strength_times_steps(engine):
    view = engine._pipeline_for(START, image_to_image=True)
    assert type(view).__name__ == "StableDiffusionImg2ImgPipeline"
    assert view.unet is engine.pipe.unet and view.text_encoder is engine.pipe.text_encoder  # no second copy
    seen = []
    result = engine(START, progress=lambda i, step, total, preview: seen.append((step, total)),
                    init_image=squares("red", "blue", 96))
    assert seen == [(1, 2), (2, 2)] and result.images[0].size == (64, 64)  # fitted to the asked size


def test_the_start_image_shapes_the_result_and_a_seed_reproduces_it(engine):
    a = engine(START, init_image=squares("red", "blue")).images[0]
    again = engine(START, init_image=squares("red", "blue")).images[0]
    other = engine(START, init_image=squares("white", "black")).images[0]
    assert np.array_equal(pixels(a), pixels(again))
    assert np.abs(pixels(a) - pixels(other)).mean() > 1


@pytest.mark.parametrize("strength, message", [(0.0, "above 0 and at most 1"), (1.5, "above 0 and at most 1"),
                                               (float("nan"), "above 0"), (0.2, "use at least 5 steps")])
def test_bad_strength_is_refused_with_what_is_allowed(strength, message):
    with pytest.raises(InvalidRequest, match=message):
        check_inputs(dataclasses.replace(START, strength=strength))


def test_a_start_image_needs_a_strength_and_a_strength_a_start_image(engine):
    with pytest.raises(InvalidRequest, match="both a start image and a strength"):
        engine(START)
    with pytest.raises(InvalidRequest, match="both"):
        engine(BASE, init_image=squares("red", "blue"))
