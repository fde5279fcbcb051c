"""CLIP ranking: open_clip ViT-B-32 (random weights of the real architecture) scoring 4 images at 224 px
against their prompts, through the same ClipRanker the Compare tab and Auto use."""
from __future__ import annotations

from bench.common import Result, result, timed


def run(runs: int = 5, calls: int = 0, smoke: bool = False) -> list[Result]:
    import open_clip
    import torch
    from PIL import Image

    from neurocanvas.engines.ranking import ClipRanker
    from neurocanvas.loaders import Clip

    torch.set_num_threads(2)
    name = "ViT-B-32"
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=None)
    ranker = ClipRanker(Clip(model=model.eval(), preprocess=preprocess, tokenizer=open_clip.get_tokenizer(name)))
    images = [Image.new("RGB", (512, 512), colour) for colour in ("red", "green", "blue", "white")]
    prompts = ["a red fox", "a green field", "the blue sea", "a white cat"]
    times = timed(lambda: ranker.scores(images, prompts), runs=1 if smoke else runs)
    return [result(f"CLIP {name} (random weights): score 4 images at 224 px", times)]
