"""Profile → Preferences: the recommendations as cards, each with the button that acts on it.

The `recommend` endpoint's answer (kept in a hidden JSON for the API) is drawn with gr.render: a prompt card
fills Text to image's prompt, a style card picks the style in Style transfer, and both open that tab."""
from __future__ import annotations

import re

import gradio as gr

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def plain(text: str) -> str:
    """A user's prompt shown as text: markdown and markup characters are escaped, never rendered."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def build(recommendation: gr.JSON, tabs: gr.Tabs, t2i_prompt: gr.Textbox, style_preset: gr.Dropdown) -> None:
    def use_prompt(text: str):
        return lambda: (text, gr.Tabs(selected="text_to_image"))

    def try_style(style: str):
        return lambda: (style, gr.Tabs(selected="style_transfer"))

    def prompt_card(text: str, why: str) -> None:
        with gr.Row(elem_classes="nc-card"):
            gr.Markdown(f"{plain(text)}  \n<small>{plain(why)}</small>" if why else plain(text), scale=4)
            gr.Button("Use this prompt", size="sm", scale=0, min_width=160).click(
                use_prompt(text), None, [t2i_prompt, tabs], queue=False, api_visibility="private")

    def style_card(style: str, name: str, why: str) -> None:
        with gr.Row(elem_classes="nc-card"):
            gr.Markdown(f"**{plain(name)}**  \n<small>{plain(why)}</small>", scale=4)
            gr.Button("Try this style", size="sm", scale=0, min_width=160).click(
                try_style(style), None, [style_preset, tabs], queue=False, api_visibility="private")

    @gr.render(inputs=recommendation)
    def cards(answer: dict | None) -> None:
        if not answer:
            gr.Markdown("Recommendations appear here when this tab opens.")
            return
        picked = [(family, answer.get(family)) for family in ("model", "style", "mood") if answer.get(family)]
        if picked:
            gr.Markdown("#### Picked for you")
            for family, pick in picked:
                if family == "style":
                    style_card(pick["choice"], pick.get("name", pick["choice"]), pick["reason"])
                else:
                    with gr.Row(elem_classes="nc-card"):
                        gr.Markdown(f"{family.title()}: **{plain(pick['choice'])}**  \n<small>{plain(pick['reason'])}"
                                    "</small>")
        sections = (("Prompts for you", answer.get("for_you") or []),
                    ("Liked by people with your taste", answer.get("from_similar_users") or []))
        for title, items in sections:
            if items:
                gr.Markdown(f"#### {title}")
                for item in items:
                    prompt_card(item["text"], item.get("reason", ""))
        if answer.get("trending_styles"):
            gr.Markdown("#### Trending styles this week")
            for item in answer["trending_styles"]:
                style_card(item["style"], item["name"], "much liked by everyone in the last 7 days")
        explore = answer.get("explore") or {}
        if explore.get("style"):
            gr.Markdown("#### Something new")
            style_card(explore["style"]["choice"], explore["style"].get("name", explore["style"]["choice"]),
                       explore["style"]["reason"])
        if answer.get("favourite_prompts"):
            gr.Markdown("#### Your favourite prompts")
            for text in answer["favourite_prompts"]:
                prompt_card(text, "")
