"""Tiny random-weight models, saved in the same on-disk format a real download has.

Each builder writes one model folder; `install_tiny_models` adds catalog entries for them and registers
the folders, so the app loads them through the registry's normal path. Nothing is downloaded: the
tokenizers are built here too (diffusers' own tiny fixtures fetch theirs from the hub).
"""
from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np

from neurocanvas.registry import ModelSpec, Registry

SEED = 0


def _hub(repo: str) -> dict:
    return {"type": "hub", "repo": f"neurocanvas-test/{repo}", "revision": "main", "allow_patterns": ["*"]}


TINY_SPECS = {
    "tiny-sd": ModelSpec(id="tiny-sd", task="text-to-image", name="Tiny SD (test)", source=_hub("tiny-sd"),
                         size_mb=7, ram_mb=20, licence="test", defaults={"num_inference_steps": 2, "guidance_scale": 0.0,
                                                                        "width": 64, "height": 64, "min_steps": 1,
                                                                        "max_steps": 8, "max_size": 128}),
    "tiny-llm": ModelSpec(id="tiny-llm", task="llm", name="Tiny GGUF chat model (test)", source=_hub("tiny-llm"),
                          size_mb=1, ram_mb=10, licence="test", defaults={"n_ctx": 2048}),
    "tiny-clip": ModelSpec(id="tiny-clip", task="ranking", name="Tiny OpenCLIP (test)", source=_hub("tiny-clip"),
                           size_mb=14, ram_mb=20, licence="test"),
    "tiny-vgg": ModelSpec(id="tiny-vgg", task="style-features", name="Tiny VGG (test)", source=_hub("tiny-vgg"),
                          size_mb=1, ram_mb=5, licence="test",
                          defaults={"architecture": "vgg", "layers": [8, 8, "M", 16, 16, "M", 32, "M"]}),
}


# -- text to image: a diffusers folder --------------------------------------------------------------
def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table (transformers 5 no longer exports it)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, map(chr, chars)))


def build_clip_tokenizer(folder: Path):
    """A byte-level CLIP BPE tokenizer with a few merges, written as vocab.json + merges.txt."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    symbols = list(_bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols]
    merges = ["a r", "ar t</w>", "f o", "fo x</w>"]
    vocab += [m.replace(" ", "") for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    (folder / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    # transformers 5: vocab=/merges= (vocab_file=/merges_file= are silently ignored)
    return CLIPTokenizer(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"), model_max_length=77)


TINY_UNET = dict(sample_size=32, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
                 down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                 up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32, attention_head_dim=8,
                 norm_num_groups=32)  # the tiny SD's UNet; tests that need a bare UNet build the same one


def build_tiny_sd(folder: Path) -> Path:
    """UNet, VAE and CLIP text encoder at a few hundred thousand parameters each, saved with save_pretrained."""
    import torch
    from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(SEED)
    tokenizer = build_clip_tokenizer(folder.parent / f"{folder.name}-tokenizer-src")
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_attention_heads=4, num_hidden_layers=2,
        max_position_embeddings=77, projection_dim=32, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id))
    unet = UNet2DConditionModel(**TINY_UNET)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(32, 64), layers_per_block=1,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=32, sample_size=64)
    scheduler = EulerAncestralDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                                num_train_timesteps=1000, steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(str(folder))
    return folder


# -- art director: a GGUF chat model ----------------------------------------------------------------
CHAT_TEMPLATE = (  # must emit bos_token itself: llama-cpp-python renders chats with add_bos=False
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)
WORDS = ("art light color paint brush canvas sky blue red gold warm soft dream night sun moon sea wave forest "
         "city style mood dark bright calm wild storm glow mist stone fire water the a of and in with").split()


def _spm_vocab() -> tuple[list[str], list[float], list[int]]:
    """SentencePiece-style vocab: specials, 256 byte tokens (llama.cpp requires them), then pieces with all prefixes."""
    import gguf

    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    pieces: list[str] = ["▁"] + list(string.ascii_letters + string.digits + string.punctuation)
    for word in WORDS + ["user", "assistant", "system"]:
        full = "▁" + word
        pieces += [full[:i] for i in range(2, len(full) + 1)]
    pieces = list(dict.fromkeys(p for p in pieces if p not in tokens))
    tokens += pieces
    types += [gguf.TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (3 + 256) + [float(len(p)) for p in pieces]  # longer pieces win merges
    return tokens, scores, types


def build_tiny_gguf(path: Path, n_embd: int = 64, n_layer: int = 2, n_head: int = 4, n_head_kv: int = 2,
                    n_ff: int = 128, n_ctx: int = 2048, n_vocab: int = 0, f16: bool = False, tied: bool = False) -> Path:
    """A random Llama-architecture GGUF that llama.cpp loads and streams from.

    Dimension 0 of every token embedding is 1, so column 0 of the output matrix acts as a per-token
    bias: byte and control tokens get -5 and never come out. Otherwise random weights emit invalid
    UTF-8 byte tokens and llama-cpp-python holds back every streamed chunk until the end.
    """
    import gguf

    rng = np.random.default_rng(SEED)
    tokens, scores, types = _spm_vocab()
    for i in range(n_vocab - len(tokens)):  # pad to a real model's vocabulary size (benchmarks)
        tokens.append(f"<pad{i}>")
        scores.append(-1.0)
        types.append(gguf.TokenType.USER_DEFINED)
    n_vocab = len(tokens)
    head_dim = n_embd // n_head
    path.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(n_ctx)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float16 if f16 else np.float32)

    embd = rand(n_vocab, n_embd)
    embd[:, 0] = 1.0  # norms below stay float32 either way
    w.add_tensor("token_embd.weight", embd)
    for i in range(n_layer):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", rand(n_head * head_dim, n_embd))
        w.add_tensor(f"blk.{i}.attn_k.weight", rand(n_head_kv * head_dim, n_embd))
        w.add_tensor(f"blk.{i}.attn_v.weight", rand(n_head_kv * head_dim, n_embd))
        w.add_tensor(f"blk.{i}.attn_output.weight", rand(n_embd, n_head * head_dim))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", rand(n_ff, n_embd))
        w.add_tensor(f"blk.{i}.ffn_up.weight", rand(n_ff, n_embd))
        w.add_tensor(f"blk.{i}.ffn_down.weight", rand(n_embd, n_ff))
    w.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    if not tied:  # tied (Llama 3.2): the output layer reuses token_embd, and the bias channel is lost
        out = rand(n_vocab, n_embd)
        out[:, 0] = [-5.0 if t != gguf.TokenType.NORMAL else 0.0 for t in types]
        w.add_tensor("output.weight", out)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


# -- ranking: an open_clip local-dir folder ---------------------------------------------------------
TINY_CLIP_CFG = {"embed_dim": 32,
                 "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "head_width": 32, "patch_size": 8},
                 "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2}}


def build_tiny_clip(folder: Path) -> Path:
    """open_clip's `local-dir:` layout: open_clip_config.json beside open_clip_model.safetensors."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    model = open_clip.CLIP(**TINY_CLIP_CFG)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "open_clip_model.safetensors"))
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": TINY_CLIP_CFG, "preprocess_cfg": {}}))
    return folder


def build_predictable_clip(folder: Path, unseen: tuple[str, ...]) -> Path:
    """A tiny CLIP whose scores are known: every image "shows" every word but those in `unseen`.

    The image tower ends in a constant vector w; the text tower is a bag of words (one block that averages the
    tokens, nothing else), each word's embedding w, an unseen word's u (orthogonal to w), and the start, end and
    padding tokens zero. So a text of seen words scores 1.0, an unseen word alone 0.0, and a mix in between."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    cfg = {**TINY_CLIP_CFG, "vision_cfg": {**TINY_CLIP_CFG["vision_cfg"], "layers": 1},
           "text_cfg": {**TINY_CLIP_CFG["text_cfg"], "layers": 1, "heads": 1}}
    model = open_clip.CLIP(**cfg)
    state = model.state_dict()
    w, u = torch.tensor([1.0, -1.0] * 32), torch.tensor([1.0, 1.0, -1.0, -1.0] * 16)
    first = torch.zeros(64, 32)
    first[:32, :32] = torch.eye(32)
    block = "transformer.resblocks.0."
    with torch.no_grad():
        state["visual.ln_post.weight"].zero_()
        state["visual.ln_post.bias"].copy_(w)
        state["visual.proj"].copy_(first)
        state["text_projection"].copy_(first)
        state["positional_embedding"].zero_()
        embedding = state["token_embedding.weight"]
        embedding[:] = w
        tokens = open_clip.get_tokenizer("ViT-B-32")(list(unseen))
        for row in tokens:
            for token in row[1:]:
                if int(token) not in (0, 49407):
                    embedding[int(token)] = u
        embedding[[0, 49406, 49407]] = 0
        state[block + "ln_1.weight"].fill_(1)
        state[block + "ln_1.bias"].zero_()
        state[block + "attn.in_proj_weight"].zero_()
        state[block + "attn.in_proj_weight"][128:] = torch.eye(64)  # queries and keys zero: an even average
        state[block + "attn.in_proj_bias"].zero_()
        state[block + "attn.out_proj.weight"].copy_(torch.eye(64))
        state[block + "attn.out_proj.bias"].zero_()
        state[block + "mlp.c_proj.weight"].zero_()
        state[block + "mlp.c_proj.bias"].zero_()
        state["ln_final.weight"].fill_(1)
        state["ln_final.bias"].zero_()
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "open_clip_model.safetensors"))
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": cfg, "preprocess_cfg": {}}))
    return folder


# -- style features: a VGG-shaped network -----------------------------------------------------------
def build_tiny_vgg(folder: Path) -> Path:
    """timm's VGG layout (`features.N.weight`) in safetensors, with a head the loader must ignore."""
    import torch
    from safetensors.torch import save_file
    from torchvision.models.vgg import make_layers

    torch.manual_seed(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    features = make_layers(TINY_SPECS["tiny-vgg"].defaults["layers"])
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    state["head.fc.weight"] = torch.zeros(10, 32)
    save_file(state, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({"architecture": "vgg19", "num_classes": 10}))
    return folder


BUILDERS = {
    "tiny-sd": build_tiny_sd,
    "tiny-llm": lambda folder: build_tiny_gguf(folder / "tiny-llm.gguf").parent,
    "tiny-clip": build_tiny_clip,
    "tiny-vgg": build_tiny_vgg,
}


def build_all(models_dir: Path) -> Path:
    for model_id, build in BUILDERS.items():
        build(models_dir / model_id)
    return models_dir


def install_tiny_models(registry: Registry, built_dir: Path) -> None:
    """Copy the built folders into the registry's models folder and register them as installed."""
    import shutil

    for model_id in BUILDERS:
        registry.add(TINY_SPECS[model_id])
        target = registry.models_dir / model_id
        if not target.exists():
            shutil.copytree(built_dir / model_id, target)
        registry.adopt(model_id)
