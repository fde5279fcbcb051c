"""Art director through the client API with the tiny GGUF model: streaming, stop, persistence, refinement."""
import time

import pytest

from neurocanvas.handlers.director import flatten
from neurocanvas.store.tables import Conversation, Message


def chat(client, text, history=None, conversation=None, model="tiny-llm"):
    return client.submit(text, history or [], conversation, model, api_name="/director_chat")


def test_answer_streams_and_the_conversation_is_saved(app):
    demo, client = app
    job = chat(client, "Which lighting suits a portrait?")
    history, cleared, conversation, stats = job.result(timeout=60)
    partials = [o for o in job.outputs() if o and isinstance(o[0], list) and o[0]  # not a heartbeat's skip
                and o[0][-1]["role"] == "assistant"]
    assert len({len(flatten(o[0][-1]["content"])) for o in partials}) >= 3  # the answer grew in several steps
    assert cleared == "" and "tokens/s" in stats and history[-1]["role"] == "assistant"
    rows = list(Message.select().order_by(Message.id))
    assert [m.role for m in rows] == ["user", "assistant"] and rows[0].content == "Which lighting suits a portrait?"
    assert '"tokens_per_second"' in rows[1].meta
    listed = client.predict(api_name="/director_conversations")
    assert listed[0]["id"] == conversation and listed[0]["title"].startswith("Which lighting")
    second = chat(client, "And for a landscape?", history, conversation).result(timeout=60)
    assert second[2] == conversation and Message.select().count() == 4
    loaded, loaded_id = client.predict(conversation, api_name="/director_load")
    assert loaded_id == conversation and [m["role"] for m in loaded] == ["user", "assistant", "user", "assistant"]


def test_regenerate_replaces_the_last_answer(app):
    demo, client = app
    history, _, conversation, _ = chat(client, "hello").result(timeout=60)
    again, _, same, stats = client.predict(history, conversation, "tiny-llm", api_name="/director_regenerate")
    assert same == conversation and [m["role"] for m in again] == ["user", "assistant"]
    assert Message.select().count() == 2 and "tokens/s" in stats


def test_stop_keeps_the_conversation_intact(ctx, app):
    demo, client = app
    job = chat(client, "Tell me everything about colour theory")
    deadline = time.time() + 30
    while time.time() < deadline and not any(o and o[0] and flatten(o[0][-1]["content"]) for o in job.outputs()):
        time.sleep(0.01)
    job.cancel()
    deadline = time.time() + 10
    while time.time() < deadline and Message.select().count() < 2:
        time.sleep(0.05)
    rows = list(Message.select().order_by(Message.id))
    assert rows[0].role == "user" and rows[0].content == "Tell me everything about colour theory"
    if len(rows) > 1:  # the partial answer, marked as stopped
        assert rows[1].role == "assistant" and '"stopped": true' in rows[1].meta


def test_refine_prompt_returns_structured_output(app):
    demo, client = app
    result = client.predict("a cat on a windowsill", "variations", "tiny-llm", api_name="/refine_prompt")
    assert set(result) >= {"refined_prompt", "explanation", "alternatives", "parsed", "original", "action"}
    assert result["parsed"] and result["original"] == "a cat on a windowsill"


@pytest.mark.parametrize("args, message", [
    (("   ", [], None, "tiny-llm"), "empty"),
    (("hi", [], None, "nope"), "Unknown model 'nope'"),
    (("hi", [], None, "llama-3.2-1b-instruct"), "python -m neurocanvas pull llama-3.2-1b-instruct"),
    (("hi", [], None, "server"), "--director-url"),
])
def test_bad_input_is_a_clear_message(app, args, message):
    from neurocanvas.store.tables import Conversation, Message

    demo, client = app
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/director_chat")
    assert Conversation.select().count() == 0 and Message.select().count() == 0  # nothing written for a refusal


def test_corrupt_gguf_is_reported_and_the_conversation_survives(ctx, app):
    demo, client = app
    history, _, conversation, _ = chat(client, "first question").result(timeout=60)
    ctx.registry.unload("tiny-llm")
    (ctx.registry.local_path("tiny-llm") / "tiny-llm.gguf").write_bytes(b"not a gguf at all" * 10)
    with pytest.raises(Exception, match="not a GGUF file"):
        client.predict("second", history, conversation, "tiny-llm", api_name="/director_chat")
    assert [m.role for m in Message.select().order_by(Message.id)] == ["user", "assistant", "user"]
    assert Conversation.select().count() == 1


def test_delete_a_conversation(app):
    demo, client = app
    _, _, conversation, _ = chat(client, "to be deleted").result(timeout=60)
    assert "deleted" in client.predict(conversation, api_name="/director_delete")[2]
    assert client.predict(api_name="/director_conversations") == [] and Message.select().count() == 0


def test_prompt_lab_enhance_with_the_art_director(app):
    demo, client = app
    text, marked = client.predict("a cat on a windowsill", api_name="/enhance_prompt_llm")
    assert text and "".join(piece["token"] for piece in marked).split() == text.split()
