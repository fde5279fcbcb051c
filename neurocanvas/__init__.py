"""NeuroCanvas: a local, CPU-first AI art studio.

Importing the package sets a few process-wide environment defaults. They must be in place before
torch, llama_cpp or huggingface_hub are imported anywhere, which is why they live here and not in
app.py: tests, benchmarks and the CLI import this package first too.
"""
import os

# Two busy OpenMP runtimes (torch and llama.cpp) that spin-wait on 2 cores slow each other 3-35x.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's queue rebuilds a pandas table of its last 10,000 events after every event, for its /monitoring
# page: under 20 clients that was ~10% of the studio's CPU (py-spy). Recompute it every 1,000 events instead.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "2000")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
