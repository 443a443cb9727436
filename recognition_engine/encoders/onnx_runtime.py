"""ONNX Runtime for sentence-transformers models that are a BERT encoder with mean pooling
(all-MiniLM-L6-v2 among them).

The same vectors as sentence-transformers on torch (largest difference about 1e-7, like a
change of thread count) at a fraction of the time on the small batches a ranking sends, and
steady when other processes share the cores, where torch's threads stall: a credential's
texts took p50 61 ms here against 94-1,138 ms on torch, on 2 busy cores (README, speed).

The model is exported once from its own weights (torch.onnx) into the cache folder; later
processes load the exported file with the model's own tokenizer and never import torch.

`quantized=True` runs an int8 copy of it (ONNX Runtime's dynamic quantisation, weights per
output channel): about 1.6 times faster on a credential's texts, vectors at cosine 0.99 of the
float32 ones (README, speed). Other vectors: a model of its own, with its own fitted profile.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import threads

TRANSFORMER = "sentence_transformers.models.Transformer"
POOLING = "sentence_transformers.models.Pooling"
NORMALIZE = "sentence_transformers.models.Normalize"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def supported(model_path: Path) -> bool:
    """Whether the folder holds what this runtime reproduces exactly: a BERT transformer, mean
    pooling over tokens and (optionally) normalisation, with a fast tokenizer file."""
    try:
        modules = [m["type"] for m in json.loads((model_path / "modules.json").read_text(encoding="utf-8"))]
        pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    return (modules in ([TRANSFORMER, POOLING], [TRANSFORMER, POOLING, NORMALIZE])
            and modes == {"pooling_mode_mean_tokens"} and config.get("model_type") == "bert"
            and (model_path / "tokenizer.json").is_file())


def _exported_path(model_path: Path, folder: Path) -> Path:
    """The exported file's name: the model folder's name and a digest of its configuration and
    weights, so changed weights are exported again."""
    digest = hashlib.sha256(f"opset{OPSET}".encode())
    for f in sorted(model_path.glob("*")):
        if f.suffix == ".json":
            digest.update(f.read_bytes())
        elif f.suffix in (".safetensors", ".bin"):
            digest.update(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}".encode())
    return folder / f"{model_path.name}-{digest.hexdigest()[:16]}.onnx"


def _export(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = LastHiddenState(AutoModel.from_pretrained(str(model_path))).eval()
    example = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in INPUTS)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on branches that are constant for an encoder (no cache, a mask)
        torch.onnx.export(model, example, str(partial), input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*INPUTS, "last_hidden_state"]},
                          opset_version=OPSET, dynamo=False)
    os.replace(partial, target)  # atomic: a concurrent process sees no file or a whole one


def _quantize(source: Path, target: Path) -> None:
    """int8 weights per output channel: per-tensor scales cost too much (vectors at cosine 0.96
    of float32 against 0.99, on the dev sets' outcomes)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(f".{os.getpid()}.partial")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph first: the vectors were measured without
    try:
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    os.replace(partial, target)  # atomic, as the export


class OnnxRuntimeModel:
    """Tokenises, runs the exported transformer and mean-pools, as sentence-transformers does.

    Batches run side by side, one thread each, as many as the process may use cores: a
    credential's short outcomes and its long whole text are two batches (`length_batches`),
    and two one-thread runs took p50 51 ms where one two-thread run after the other took 61
    (a credential's texts, 2 cores)."""

    def __init__(self, model_path: Path, folder: Path, max_length: int, quantized: bool = False):
        import onnxruntime
        from tokenizers import Tokenizer

        path = _exported_path(model_path, folder)
        if not path.is_file():
            _export(model_path, path)
        if quantized:
            path, source = path.with_name(f"{path.stem}-int8.onnx"), path
            if not path.is_file():
                _quantize(source, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        # Threads that spin between calls take the cores from whatever runs next on a shared machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        padding = self._tokenizer.padding or {}
        self._tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))

    def encode_batches(self, batches: Sequence[Sequence[str]]) -> list[np.ndarray]:
        executor = threads.pool("onnx", threads.cores())
        # the costliest batch first, so that the last one to finish is a short one
        cost = [len(b) * max(map(len, b)) for b in batches]
        futures = {i: executor.submit(self._encode, batches[i]) for i in sorted(range(len(batches)), key=lambda i: -cost[i])}
        return [futures[i].result() for i in range(len(batches))]

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        batch = self._tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
        }
        hidden = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
