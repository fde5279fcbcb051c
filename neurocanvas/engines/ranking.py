"""Image-text ranking with CLIP: how well each image matches its prompt (cosine similarity of embeddings)."""
from __future__ import annotations

from typing import Any

from PIL import Image


class ClipRanker:
    def __init__(self, clip: Any) -> None:
        self.clip = clip  # loaders.Clip: model, preprocess, tokenizer

    def scores(self, images: list[Image.Image], prompts: list[str]) -> list[float]:
        """One score per (image, prompt) pair, in [-1, 1]; higher means a closer match."""
        import torch

        if len(images) != len(prompts):
            raise ValueError("Give one prompt per image.")
        with torch.inference_mode():
            pixels = torch.stack([self.clip.preprocess(image.convert("RGB")) for image in images])
            image_features = self.clip.model.encode_image(pixels)
            text_features = self.clip.model.encode_text(self.clip.tokenizer([p or "" for p in prompts]))
            image_features = image_features / image_features.norm(dim=-1, keepdim=True)
            text_features = text_features / text_features.norm(dim=-1, keepdim=True)
            return [round(float(s), 4) for s in (image_features * text_features).sum(-1)]

    def term_scores(self, images: list[Image.Image], terms: list[list[str]]) -> list[dict[str, float]]:
        """Each image against each of its own terms (the parts of its prompt): {term: score} per image."""
        import torch

        if len(images) != len(terms):
            raise ValueError("Give one list of terms per image.")
        flat = sorted({t for ts in terms for t in ts if t.strip()})
        if not flat:
            return [{} for _ in images]
        with torch.inference_mode():
            pixels = torch.stack([self.clip.preprocess(image.convert("RGB")) for image in images])
            image_features = self.clip.model.encode_image(pixels)
            text_features = self.clip.model.encode_text(self.clip.tokenizer(flat))
            image_features = image_features / image_features.norm(dim=-1, keepdim=True)
            text_features = text_features / text_features.norm(dim=-1, keepdim=True)
            table = image_features @ text_features.T
        column = {t: j for j, t in enumerate(flat)}
        return [{t: round(float(table[i, column[t]]), 4) for t in ts if t in column} for i, ts in enumerate(terms)]
