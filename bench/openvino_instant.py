"""The instant style method's transformer on OpenVINO against onnxruntime, in a process of its own (bench_openvino
runs it): `python -m bench.openvino_instant 512 5` prints the times and the pixel difference as JSON."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instant_worker(side: int, runs: int) -> dict:
    """The instant style method's transformer (the real packaged int8 ONNX file, height and width made free as the
    studio's loader does) at one size: onnxruntime, as the studio runs it, against OpenVINO reading the same graph."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import openvino as ov

    from neurocanvas.loaders import free_image_size
    from neurocanvas.registry import Registry, load_catalog

    registry = Registry(load_catalog(), ROOT / "models", threads=2)
    spec = registry.spec("magenta-arbitrary")
    graph = free_image_size(onnx.load(str(registry.require(spec.id) / spec.defaults["transformer"])))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    content, vector = (i.name for i in session.get_inputs())
    rng = np.random.default_rng(0)
    feed = {content: rng.random((1, side, side, 3), dtype=np.float32),
            vector: rng.standard_normal(tuple(d if isinstance(d, int) else 1 for d in session.get_inputs()[1].shape))
            .astype(np.float32)}
    core = ov.Core()
    compiled = core.compile_model(core.read_model(graph.SerializeToString(), b""), "CPU",
                                  {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": 2})
    request = compiled.create_infer_request()
    calls = {"onnxruntime": lambda: session.run(None, feed)[0],
             "openvino": lambda: request.infer([feed[content], feed[vector]])[compiled.outputs[0]]}
    times, outputs = {}, {}
    for name, fn in calls.items():
        outputs[name] = np.array(fn())  # warm-up
        times[name] = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    diff = float(np.abs(np.clip(outputs["openvino"], 0, 1) - np.clip(outputs["onnxruntime"], 0, 1)).mean() * 255)
    return {"times": times, "diff": diff}


if __name__ == "__main__":
    print(json.dumps(instant_worker(int(sys.argv[1]), int(sys.argv[2]))))
