"""The art director: a chat model that streams answers and rewrites prompts as structured output.

Pure: it receives a llama.cpp-compatible object (`create_chat_completion`, `tokenize`, `n_ctx`) and the
templates from presets/director.json. A remote OpenAI-compatible server is wrapped to the same shape.
"""
from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from typing import Any, Iterator

MAX_MESSAGE_CHARS = 20_000
# Bounded lengths keep a small model from running out of tokens mid-string (which breaks the JSON).
REFINE_SCHEMA = {
    "type": "object",
    "properties": {"refined_prompt": {"type": "string", "minLength": 3, "maxLength": 300},
                   "explanation": {"type": "string", "maxLength": 300},
                   "alternatives": {"type": "array", "items": {"type": "string", "minLength": 3, "maxLength": 200},
                                    "maxItems": 3}},
    "required": ["refined_prompt", "explanation", "alternatives"],
}
REFINE_MAX_TOKENS = 512  # enough for the longest answer the schema allows


class DirectorError(RuntimeError):
    """The model cannot answer (server unreachable, model broken); the message is for the user."""


@dataclasses.dataclass
class Refinement:
    action: str
    original: str
    refined_prompt: str
    explanation: str
    alternatives: list[str]
    parsed: bool  # False when the model's answer was not the JSON asked for and a fallback was used
    seconds: float


@dataclasses.dataclass
class Turn:
    """One streamed answer's statistics."""
    tokens: int = 0
    seconds: float = 0.0
    first_token_s: float | None = None
    stopped: bool = False
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def clean_message(text: str, limit: int) -> tuple[str, list[str]]:
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The message is empty: type something for the director.")
    text = text.replace("\x00", "").strip()
    if len(text) > limit:
        return text[:limit], [f"Your message had {len(text):,} characters; the first {limit:,} were kept to fit the model's context."]
    return text, []


class Director:
    def __init__(self, llm: Any, templates: dict) -> None:
        self.llm = llm
        self.templates = templates
        self.n_ctx = int(llm.n_ctx())

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # context -----------------------------------------------------------------------------------
    def fit(self, history: list[dict], max_new_tokens: int) -> tuple[list[dict], list[str]]:
        """System prompt + as many recent turns as fit; older turns become a short summary line."""
        history = [m for m in history if m.get("role") in ("user", "assistant")]  # only ours is a system turn
        budget = self.n_ctx - max_new_tokens - 16
        system = {"role": "system", "content": self.templates["system"]}
        used = self.count_tokens(system["content"]) + 8
        costs = [self.count_tokens(m["content"]) + 8 for m in history]
        # when not everything fits, a quarter of the room (up to 256 tokens) goes to the summary of older turns
        limit = budget if used + sum(costs) <= budget else budget - min(256, max(budget - used, 0) // 4)
        kept: list[dict] = []
        for message, cost in zip(reversed(history), reversed(costs)):
            if used + cost > limit:
                break
            kept.insert(0, message)
            used += cost
        dropped = history[: len(history) - len(kept)]
        notes = []
        if not kept and history:  # even the latest message alone is too long: cut it to the budget
            latest = dict(history[-1])
            room = max(budget - used, 16)
            latest["content"] = self._truncate_tokens(latest["content"], room)
            kept, dropped = [latest], history[:-1]
            notes.append("Your message was cut to fit the model's context window.")
        if dropped:
            summary = self._summary(dropped, max(budget - used, 0))
            if summary:
                system = {"role": "system", "content": f"{system['content']}\n\n{summary}"}
            notes.append(f"{len(dropped)} older message(s) were summarised to fit the model's {self.n_ctx}-token context.")
        if kept and kept[0]["role"] == "assistant":
            kept = kept[1:]  # chat templates expect the user to speak first after the system prompt
        return [system, *kept], notes

    def _summary(self, dropped: list[dict], room: int) -> str:
        """An extractive summary: the first sentence of each older turn, newest kept when room is short."""
        lines = []
        for message in dropped:
            first = re.split(r"(?<=[.!?])\s", message["content"].strip(), maxsplit=1)[0][:160]
            lines.append(f"- {message['role']}: {first}")
        text = self.templates.get("summary_prefix", "Earlier:")
        while lines and self.count_tokens(text + "\n" + "\n".join(lines)) > room:
            lines.pop(0)
        return text + "\n" + "\n".join(lines) if lines else ""

    def _truncate_tokens(self, text: str, tokens: int) -> str:
        if isinstance(self.llm, RemoteLLM):
            return text[: tokens * 4]  # the remote tokenizer is unknown: about 4 characters per token
        ids = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)[:tokens]
        return self.llm.detokenize(ids).decode("utf-8", errors="ignore")

    # chat --------------------------------------------------------------------------------------
    def chat(self, history: list[dict], cancel: threading.Event | None = None,
             turn: Turn | None = None, seed: int | None = None) -> Iterator[str]:
        """Stream the answer to the last user message, piece by piece; stops between tokens on cancel."""
        turn = turn if turn is not None else Turn()
        max_new = int(self.templates.get("max_new_tokens", 384))
        messages, turn.notes[:] = self.fit(history, max_new)
        started = time.perf_counter()
        try:
            stream = self.llm.create_chat_completion(messages=messages, stream=True, max_tokens=max_new,
                                                     temperature=float(self.templates.get("temperature", 0.7)),
                                                     repeat_penalty=float(self.templates.get("repeat_penalty", 1.1)),
                                                     **({"seed": seed} if seed is not None else {}))
        except Exception as exc:
            raise DirectorError(f"The model could not answer: {exc}") from exc
        try:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    turn.stopped = True
                    break
                piece = chunk["choices"][0].get("delta", {}).get("content")
                if piece:
                    if turn.first_token_s is None:
                        turn.first_token_s = time.perf_counter() - started
                    turn.tokens += 1
                    yield piece
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()
            turn.seconds = time.perf_counter() - started

    # structured refinement ---------------------------------------------------------------------
    def refine(self, prompt: str, action: str = "refine", seed: int | None = 0, details: dict | None = None,
               examples: bool = True) -> Refinement:
        """A rewritten prompt, why, and alternatives: JSON constrained by a grammar built from a schema.
        `details` fill the action's placeholders (what the image showed and missed, for "from_result");
        `examples` puts the action's worked example first (a small model follows one far better than a rule)."""
        actions = self.templates["actions"]
        if action not in actions:
            raise ValueError(f"Unknown action {action!r}; choose one of {', '.join(actions)}.")
        prompt, _ = clean_message(prompt, 4000)
        instruction = actions[action]["instruction"]
        if details:
            instruction = instruction.format(**details)
        user = self.templates["refine_template"].format(instruction=instruction, prompt=prompt)
        shots = []
        for example in (actions[action].get("examples", []) if examples else []):
            shots += [{"role": "user", "content": self.templates["refine_template"].format(
                          instruction=instruction, prompt=example["prompt"])},
                      {"role": "assistant", "content": json.dumps(example["answer"])}]
        messages, _ = self.fit([*shots, {"role": "user", "content": user}], REFINE_MAX_TOKENS)
        started = time.perf_counter()
        try:
            answer = self.llm.create_chat_completion(
                messages=messages, max_tokens=REFINE_MAX_TOKENS, temperature=0.3, repeat_penalty=1.2,
                response_format={"type": "json_object", "schema": REFINE_SCHEMA},
                **({"seed": seed} if seed is not None else {}))
        except Exception as exc:
            raise DirectorError(f"The model could not answer: {exc}") from exc
        text = answer["choices"][0]["message"]["content"] or ""
        return parse_refinement(text, action, prompt, time.perf_counter() - started)


def parse_refinement(text: str, action: str, original: str, seconds: float) -> Refinement:
    """Read the model's JSON; when it does not parse, fall back to its plain text (or the original)."""
    try:
        data = json.loads(text, strict=False)  # a small model may put a raw newline inside a string
        refined = str(data["refined_prompt"]).strip()
        if not refined:
            raise ValueError("empty refined_prompt")
        alternatives = [str(a).strip() for a in data.get("alternatives", []) if str(a).strip()][:5]
        return Refinement(action, original, refined, str(data.get("explanation", "")).strip(), alternatives, True, seconds)
    except (ValueError, KeyError, TypeError, AttributeError):
        salvaged = _salvage(text)
        if salvaged is not None:
            return Refinement(action, original, salvaged[0], salvaged[1], salvaged[2], True, seconds)
        fallback = re.sub(r"[{}\[\]\"]", " ", text).strip()
        fallback = re.sub(r"\s+", " ", fallback)[:1000] or original
        return Refinement(action, original, fallback,
                          "The model's answer was not in the expected format; its text is shown as is.", [], False, seconds)


_STRING = r'"((?:[^"\\]|\\.)*)"'


def _salvage(text: str) -> tuple[str, str, list[str]] | None:
    """An answer cut off after its refined prompt (the token limit hit in the alternatives): keep the complete
    strings. None when not even the refined prompt is whole."""
    def field(name: str) -> str:
        found = re.search(rf'"{name}"\s*:\s*' + _STRING, text)
        return _unquote(found.group(1)) if found else ""

    refined = field("refined_prompt")
    if not refined:
        return None
    listed = re.search(r'"alternatives"\s*:\s*\[(.*)', text, re.S)
    alternatives = [_unquote(a) for a in re.findall(_STRING + r'\s*[,\]]', listed.group(1))] if listed else []
    return refined, field("explanation"), [a for a in alternatives if a][:5]


def _unquote(body: str) -> str:
    try:
        return json.loads(f'"{body}"', strict=False).strip()
    except ValueError:
        return body.strip()


class RemoteLLM:
    """An OpenAI-compatible chat server (llama.cpp server, Ollama) with the llama_cpp.Llama calls we use."""

    def __init__(self, base_url: str, model: str = "default", n_ctx: int = 4096, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._n_ctx = n_ctx
        self.timeout = timeout

    def n_ctx(self) -> int:
        return self._n_ctx

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return list(range(max(1, len(data) // 4)))  # an estimate: about 4 bytes per token

    def detokenize(self, ids: list[int]) -> bytes:
        raise DirectorError("A remote model cannot cut text by tokens.")

    def create_chat_completion(self, messages: list[dict], stream: bool = False, **options) -> Any:
        import httpx

        body = {"model": self.model, "messages": messages, "stream": stream,
                **{k: v for k, v in options.items() if k in ("max_tokens", "temperature", "seed", "response_format")}}
        url = f"{self.base_url}/v1/chat/completions"
        try:
            if not stream:
                response = httpx.post(url, json=body, timeout=self.timeout)
                response.raise_for_status()
                return response.json()
            return self._stream(url, body)
        except httpx.HTTPError as exc:
            raise DirectorError(f"The director's server at {self.base_url} cannot be reached: {type(exc).__name__}.") from exc

    def _stream(self, url: str, body: dict) -> Iterator[dict]:
        import httpx

        try:
            with httpx.stream("POST", url, json=body, timeout=self.timeout) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if line.startswith("data: ") and line[6:].strip() != "[DONE]":
                        yield json.loads(line[6:])
        except httpx.HTTPError as exc:
            raise DirectorError(f"The director's server at {self.base_url} cannot be reached: {type(exc).__name__}.") from exc


def word_diff(before: str, after: str) -> list[tuple[str, str | None]]:
    """Word-level differences for HighlightedText: ('word', '+'), ('word', '-') or ('word', None)."""
    import difflib

    a, b = before.split(), after.split()
    pieces: list[tuple[str, str | None]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append((" ".join(a[i1:i2]) + " ", None))
        if op in ("delete", "replace"):
            pieces.append((" ".join(a[i1:i2]) + " ", "-"))
        if op in ("insert", "replace"):
            pieces.append((" ".join(b[j1:j2]) + " ", "+"))
    return pieces

