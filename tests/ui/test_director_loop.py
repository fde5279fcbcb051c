"""The director's loop through the client API: refine, render the versions at one seed, let a CLIP with known
scores look at them, refine from the result, merge; and the refusals that leave the conversation as it was."""
import pytest
from gradio_client.exceptions import AppError

from neurocanvas.store.tables import Conversation, DirectorVersion, Generation
from tests.fixtures import build_predictable_clip

PROMPT = "oil painting of a lighthouse in a storm"


@pytest.fixture
def ctx(ctx):
    """The tiny CLIP replaced by one that sees every word but 'lighthouse'."""
    build_predictable_clip(ctx.registry.models_dir / "tiny-clip", unseen=("lighthouse",))
    return ctx


def test_the_whole_loop_names_what_the_image_missed(app):
    demo, client = app
    refined = client.predict(PROMPT, "refine", "tiny-llm", api_name="/refine_prompt")
    versions = [PROMPT, "a lighthouse, golden hour, watercolour", refined["refined_prompt"]]
    gallery, conversation, line, _ = client.predict("\n".join(versions), None, "tiny-sd", 1234,
                                                    api_name="/director_generate")
    assert len(gallery) == 3 and "seed 1234" in line and conversation
    rows = list(DirectorVersion.select().order_by(DirectorVersion.id))
    assert [r.seed for r in rows] == [1234] * 3
    assert all(v["image_id"] for v in client.predict(conversation, api_name="/director_versions"))
    assert [Generation.get_by_id(r.generation_id).status for r in rows] == ["done"] * 3

    table, verdict = client.predict(conversation, api_name="/director_score")
    first = next(r for r in table["data"] if r[0].endswith(PROMPT))
    assert "lighthouse 0.00" in first[4] and "oil painting 1.00" in first[3] and "storm 1.00" in first[3]
    assert "Best match" in verdict

    stored = client.predict(conversation, api_name="/director_versions")
    painting = next(v for v in stored if v["prompt"] == PROMPT)
    assert painting["look"]["missing"] == ["lighthouse"]
    assert "shows 'oil painting' and 'storm' but not 'lighthouse' (0.00)" in painting["look"]["text"]

    again = client.predict(conversation, painting["id"], "tiny-llm", api_name="/director_refine_from_result")
    assert again["missing"] == ["lighthouse"] and again["from_version"] == painting["id"]
    assert again["from_image"] == painting["image_id"] and "not 'lighthouse'" in again["look"]
    assert again["parsed"] and again["refined_prompt"].strip()
    kept = client.predict(conversation, api_name="/director_versions")
    assert kept[-1]["origin"] == "from result" and kept[-1]["prompt"] == again["refined_prompt"]

    merged = client.predict(PROMPT, "a lighthouse, golden hour, watercolour", [PROMPT, "golden hour"],
                            conversation, api_name="/director_merge")
    assert merged["merged"] == f"{PROMPT}, golden hour"
    assert any("golden hour" in words and tag == "+" for words, tag in merged["diff"])
    assert client.predict(conversation, api_name="/director_versions")[-1]["origin"] == "merged"


def test_refusals_leave_the_conversation_as_it_was(ctx, app):
    demo, client = app
    gallery, conversation, _, _ = client.predict(PROMPT, None, "tiny-sd", 7, api_name="/director_generate")
    before = DirectorVersion.select().count()
    with pytest.raises(AppError, match="merged prompt is empty"):
        client.predict(PROMPT, "a red barn", [], conversation, api_name="/director_merge")
    with pytest.raises(AppError, match="nothing to render"):
        client.predict("  \n ", conversation, "tiny-sd", 7, api_name="/director_generate")
    with pytest.raises(AppError, match="at most 4 versions"):
        client.predict("a\nb\nc\nd\ne", conversation, "tiny-sd", 7, api_name="/director_generate")
    with pytest.raises(AppError, match="No conversation"):
        client.predict(PROMPT, 999, "tiny-sd", 7, api_name="/director_generate")
    with pytest.raises(AppError, match="has been scored yet"):
        client.predict(conversation, None, "tiny-llm", api_name="/director_refine_from_result")
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-clip"}
    table, verdict = client.predict(conversation, api_name="/director_score")
    assert table["data"] in ([], [[None] * 5], [["", "", "", "", ""]]) or not any(any(r) for r in table["data"])
    assert "needs a CLIP model" in verdict and "clip-vit-b-32" in verdict
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-sd"}
    with pytest.raises(AppError, match="No text-to-image model is installed"):
        client.predict(PROMPT, conversation, None, 7, api_name="/director_generate")
    assert DirectorVersion.select().count() == before and Conversation.select().count() == 1


def test_stop_half_way_cancels_the_versions_still_queued(app, ctx):
    from neurocanvas.handlers.director_loop import DirectorLoopHandler

    handler = DirectorLoopHandler(ctx, analyse=lambda prompt: None)
    rendering = handler.generate("a red barn\na blue barn\na green barn", None, "tiny-sd", 5, None, None)
    _, conversation, line, _ = next(rendering)  # all three are queued
    assert line == "Rendering 3 version(s)…"
    jobs = [r.generation_id for r in DirectorVersion.select().order_by(DirectorVersion.id)]
    rendering.close()  # what Stop (or a closed page) does to the handler
    ended = [ctx.jobs.wait(gid).status for gid in jobs]
    assert ended[-1] == "cancelled" and set(ended) <= {"done", "cancelled"}
    assert Conversation.get_by_id(conversation) and DirectorVersion.select().count() == 3  # the conversation stays
