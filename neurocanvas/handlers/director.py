"""Art director: streamed chat with saved conversations, and structured prompt refinement."""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines.director import (
    MAX_MESSAGE_CHARS,
    DirectorError,
    Turn,
    clean_message,
    word_diff,
)
from neurocanvas.handlers.common import row_id, run_in_worker, user_errors, user_of
from neurocanvas.services.director import SERVER, DirectorModels
from neurocanvas.services.refine import CheckedRefiner


def flatten(content: Any) -> str:
    """Gradio 6 chat content is a list of parts ([{"type": "text", "text": ...}]); llama.cpp wants a string."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "".join(flatten(part) for part in content)
    return "" if content is None else str(content)


def plain_history(history: list | None) -> list[dict]:
    return [{"role": m["role"], "content": flatten(m["content"])} for m in history or []
            if isinstance(m, dict) and m.get("role") in ("user", "assistant")]


class DirectorHandler:
    def __init__(self, ctx: AppContext, analyzer: Callable[[], Any]) -> None:
        """`analyzer` is the prompt lab's (loaded once): the refinement checks read its keywords."""
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.server_url = ctx.settings.director_url
        self.models = DirectorModels(ctx.registry, ctx.settings.director_url)
        self.templates = self.models.templates
        self.refiner = CheckedRefiner(self.models, analyzer)

    def model_choices(self) -> list[tuple[str, str]]:
        choices = [(s.name, s.id) for s in self.registry.specs("llm")]
        return choices + ([(f"Server at {self.server_url}", SERVER)] if self.server_url else [])

    def default_model(self) -> str:
        return self.models.default_model()

    def actions(self) -> dict[str, str]:
        return {key: value["label"] for key, value in self.templates["actions"].items() if not value.get("needs_result")}

    # chat --------------------------------------------------------------------------------------
    def chat(self, message: str, history: list, conversation_id: float | None, model_id: str,
             request: gr.Request) -> Iterator[tuple]:
        """Yields (chat history, cleared textbox, conversation id, statistics line) as the answer streams."""
        user = user_of(request)
        with user_errors():
            text, notes = clean_message(message or "", MAX_MESSAGE_CHARS)
            self.models.check(model_id)  # an unknown or missing model writes no conversation (issue 14)
            conversation = row_id(conversation_id, "a conversation") if conversation_id else \
                self.repo.create_conversation(user, text, model_id).id
            self.repo.add_message(user, conversation, "user", text)
        history = [*plain_history(history), {"role": "user", "content": text}]
        yield from self._answer(user, conversation, history, model_id, notes)

    def regenerate(self, history: list, conversation_id: float | None, model_id: str,
                   request: gr.Request) -> Iterator[tuple]:
        user = user_of(request)
        with user_errors():
            if not conversation_id:
                raise ValueError("There is no answer to regenerate yet.")
            history = plain_history(history)
            if history and history[-1]["role"] == "assistant":
                history = history[:-1]
                self.repo.delete_last_answer(user, row_id(conversation_id, "a conversation"))
            if not history:
                raise ValueError("There is no question to answer again.")
        yield from self._answer(user, row_id(conversation_id, "a conversation"), history, model_id, [])

    def _answer(self, user: str, conversation: int, history: list[dict], model_id: str,
                notes: list[str]) -> Iterator[tuple]:
        cancel = threading.Event()
        turn = Turn()
        answer = ""
        finished = False
        shown = [*history, {"role": "assistant", "content": ""}]
        yield shown, "", conversation, "Thinking…"

        def work(emit) -> None:
            with self.models.director(model_id) as director:
                for piece in director.chat(history, cancel=cancel, turn=turn):
                    emit("piece", piece)

        try:
            for event in run_in_worker(work, f"director-{conversation}"):
                if event is None:
                    yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
                    continue
                kind, payload = event
                if kind == "piece":
                    answer += payload
                    shown[-1] = {"role": "assistant", "content": answer}
                    yield shown, "", conversation, f"{turn.tokens} tokens…"
                elif kind == "error":
                    finished = True
                    with user_errors():
                        raise payload
            finished = True
            if not answer.strip():
                answer = "(The model gave an empty answer; try again or rephrase.)"
                shown[-1] = {"role": "assistant", "content": answer}
            self._save(user, conversation, answer, turn)
            yield shown, "", conversation, self._stats(turn, notes)
        finally:
            if not finished:  # Stop pressed mid-answer: the worker stops at the next token; keep what was said
                cancel.set()
                turn.stopped = True
                if answer:
                    self._save(user, conversation, answer, turn)

    def _save(self, user: str, conversation: int, answer: str, turn: Turn) -> None:
        meta = {"tokens": turn.tokens, "tokens_per_second": round(turn.tokens_per_second, 1),
                "first_token_s": round(turn.first_token_s or 0, 3), "stopped": turn.stopped}
        self.repo.add_message(user, conversation, "assistant", answer, meta)

    @staticmethod
    def _stats(turn: Turn, notes: list[str]) -> str:
        first = f", first token after {turn.first_token_s:.2f} s" if turn.first_token_s is not None else ""
        return " ".join([f"{turn.tokens} tokens in {turn.seconds:.1f} s ({turn.tokens_per_second:.1f} tokens/s{first}).",
                         *notes, *turn.notes])

    # conversations -----------------------------------------------------------------------------
    def conversation_choices(self, request: gr.Request) -> gr.Dropdown:
        with user_errors():
            rows = self.repo.conversations(user_of(request))
            return gr.Dropdown(choices=[(f"{r.title} · {r.updated_at:%m-%d %H:%M}", r.id) for r in rows], value=None)

    def conversations(self, request: gr.Request) -> list[dict]:
        with user_errors():
            return [{"id": r.id, "title": r.title, "updated_at": r.updated_at.isoformat(timespec="seconds"),
                     "final_prompt": r.final_prompt} for r in self.repo.conversations(user_of(request))]

    def load(self, conversation_id: float | None, request: gr.Request) -> tuple[list[dict], int | None]:
        with user_errors():
            if not conversation_id:
                return [], None
            conversation = row_id(conversation_id, "a conversation")
            rows = self.repo.messages(user_of(request), conversation)
            return [{"role": m.role, "content": m.content} for m in rows], conversation

    def delete(self, conversation_id: float | None, request: gr.Request) -> tuple[list, None, str]:
        with user_errors():
            if not conversation_id:
                raise ValueError("Open a conversation to delete it.")
            conversation = row_id(conversation_id, "a conversation")
            self.repo.delete_conversation(user_of(request), conversation)
            return [], None, f"Conversation {conversation} deleted."

    # refinement --------------------------------------------------------------------------------
    def refine(self, prompt: str, action: str, model_id: str, request: gr.Request) -> dict:
        """The rewritten prompt, an explanation and alternatives as plain data."""
        with user_errors():
            result = self.refiner.refine(prompt or "", action or "refine", model_id)
            self.repo.record_event(user_of(request), "refine_prompt", {"action": result["action"],
                                   "parsed": result["parsed"], "fallback": result["fallback"]})
            return result

    def enhance(self, prompt: str, request: gr.Request) -> tuple[str, list[tuple[str, str | None]]]:
        """Prompt lab's "Enhance with the art director": the LLM's refinement, changes marked like the rule-based one."""
        result = self.refine(prompt, "refine", self.default_model(), request)
        marked = [(text, "added" if tag == "+" else None) for text, tag in word_diff(result["original"], result["refined_prompt"])
                  if tag != "-"]
        return result["refined_prompt"], marked

    def refine_step(self, prompt: str, action: str, model_id: str, versions: list[str] | None,
                    request: gr.Request) -> tuple:
        """Refinement panel: add the new version, show the word diff against the previous one; the new version and
        its alternatives become the versions to render."""
        result = self.refine(prompt, action, model_id, request)
        versions = [*(versions or [result["original"]]), result["refined_prompt"]]
        explanation = result["explanation"] + ("" if result["parsed"] else "  \n(Shown as the model wrote it.)")
        alternatives = "\n".join(f"{i}. {a}" for i, a in enumerate(result["alternatives"], 1))
        return (versions, _numbered(versions), word_diff(versions[-2], versions[-1]), result["refined_prompt"],
                explanation, alternatives, "\n".join([result["refined_prompt"], *result["alternatives"]][:4]))

    @staticmethod
    def reject(versions: list[str] | None) -> tuple:
        versions = list(versions or [])
        if len(versions) > 1:
            versions.pop()
        previous = versions[-2] if len(versions) > 1 else (versions[-1] if versions else "")
        current = versions[-1] if versions else ""
        return versions, _numbered(versions), word_diff(previous, current), current

    def accept(self, candidate: str, conversation_id: float | None, request: gr.Request) -> tuple[str, str]:
        with user_errors():
            if not (candidate or "").strip():
                raise ValueError("There is no refined prompt to accept yet.")
            if conversation_id:
                self.repo.set_final_prompt(user_of(request), row_id(conversation_id, "a conversation"), candidate)
            return candidate, "Accepted: it is now the working prompt."


def _numbered(versions: list[str]) -> str:
    return "\n".join(f"{'v' + str(i) if i else 'original'}: {v}" for i, v in enumerate(versions))


__all__ = ["DirectorError", "DirectorHandler", "SERVER", "flatten"]
