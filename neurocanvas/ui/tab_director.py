"""Art director tab: streamed chat, quick actions, saved conversations, and the refinement panel."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.director import DirectorHandler
from neurocanvas.handlers.director_loop import DirectorLoopHandler
from neurocanvas.ui import director_loop_panel

DIFF_COLOURS = {"+": "#b6d7a8", "-": "#ea9999"}


def build(demo: gr.Blocks, director: DirectorHandler, loop: DirectorLoopHandler, tabs: gr.Tabs, t2i_prompt: gr.Textbox,
          compare_ids: gr.Textbox, heavy: str, heavy_limit: int) -> None:
    conversation = gr.Number(None, visible=False, precision=0, label="Conversation id")  # in the API too
    versions = gr.State([])
    with gr.Row():
        with gr.Column(scale=1, min_width=220):
            model = gr.Dropdown(director.model_choices(), value=director.default_model(), label="Model",
                                allow_custom_value=True)
            past = gr.Dropdown([], label="Past conversations", allow_custom_value=True, elem_id="director-past")
            with gr.Row():
                new = gr.Button("New", size="sm")
                delete = gr.Button("Delete", size="sm", variant="stop")
            deleted = gr.Markdown()
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Art director", height=420, buttons=["copy"], elem_id="director-chat")
            message = gr.Textbox(label="Message (Enter sends, Shift+Enter adds a line)", lines=1, max_lines=8,
                                 placeholder="Ask about lighting, styles, composition…", elem_id="director-message")
            with gr.Row():
                send = gr.Button("Send", variant="primary", elem_id="director-send")
                stop = gr.Button("Stop", variant="stop")
                regenerate = gr.Button("Regenerate")
            stats = gr.Markdown(elem_id="director-stats")
    with gr.Accordion("Refine a prompt step by step", open=True):
        with gr.Row():
            working = gr.Textbox(label="Working prompt", lines=2, scale=3, elem_id="director-working")
            action = gr.Dropdown([(label, key) for key, label in director.actions().items()], value="refine",
                                 label="Quick action", scale=1)
            run_action = gr.Button("Run", variant="primary", scale=1, elem_id="director-refine")
        candidate = gr.Textbox(label="Refined prompt", interactive=False, buttons=["copy"], elem_id="director-candidate")
        diff = gr.HighlightedText(label="Changes (word by word)", color_map=DIFF_COLOURS, combine_adjacent=True)
        explanation = gr.Markdown()
        alternatives = gr.Textbox(label="Alternatives", lines=3, interactive=False)
        history_text = gr.Textbox(label="Versions", lines=3, interactive=False)
        with gr.Row():
            accept = gr.Button("Accept", variant="primary")
            reject = gr.Button("Reject")
            use = gr.Button("Use in Text to image")
        accepted = gr.Markdown()
    to_render, rendering = director_loop_panel.build(
        demo, loop, director_loop_panel.Refining(conversation, model, candidate, diff, explanation), tabs, compare_ids,
        heavy, heavy_limit)

    answer = [chatbot, message, conversation, stats]
    chat_event = send.click(director.chat, [message, chatbot, conversation, model], answer, api_name="director_chat",
                            concurrency_id="llm", concurrency_limit=1)
    submit_event = message.submit(director.chat, [message, chatbot, conversation, model], answer,
                                  api_visibility="private", concurrency_id="llm", concurrency_limit=1)
    regen_event = regenerate.click(director.regenerate, [chatbot, conversation, model], answer,
                                   api_name="director_regenerate", concurrency_id="llm", concurrency_limit=1)
    stop.click(None, None, None, cancels=[chat_event, submit_event, regen_event], queue=False)
    for event in (chat_event, submit_event, rendering):
        event.then(director.conversation_choices, None, past, queue=False, api_visibility="private")

    gr.api(director.refine, api_name="refine_prompt", concurrency_id="llm", concurrency_limit=1)
    gr.api(director.conversations, api_name="director_conversations")
    run_action.click(director.refine_step, [working, action, model, versions],
                     [versions, history_text, diff, candidate, explanation, alternatives, to_render],
                     api_visibility="private", concurrency_id="llm", concurrency_limit=1)
    accept.click(director.accept, [candidate, conversation], [working, accepted])
    reject.click(director.reject, versions, [versions, history_text, diff, candidate])
    use.click(lambda text: (text, gr.Tabs(selected="text_to_image")), candidate, [t2i_prompt, tabs], queue=False)

    past.select(director.load, past, [chatbot, conversation], api_name="director_load")
    new.click(lambda: ([], None, []), None, [chatbot, conversation, versions], queue=False)
    delete.click(director.delete, conversation, [chatbot, conversation, deleted],
                 api_name="director_delete").then(director.conversation_choices, None, past)
    demo.load(director.conversation_choices, None, past, queue=False)
