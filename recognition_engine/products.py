"""The product a ranking reads the whole catalogue for: every local outcome's cosine with every
incoming outcome (n x m; n up to millions of outcomes, m a credential's few).

BLAS is slow at this tall, skinny shape: on one thread OpenBLAS took 25 ms for 59,944 x 384 by
7 (reading the matrix once takes 8), ONNX Runtime's MLAS kernel 15 (2026-11-28, this 2-core
machine). The two differ in the last float32 bit, as BLAS does from itself between shapes;
features are rounded to 4 decimals.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _session():
    """One MatMul graph, one intra-op thread: the caller decides what runs on which core."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["local", "incoming"], ["cosines"])], "cosines",
        [helper.make_tensor_value_info("local", TensorProto.FLOAT, [None, None]),
         helper.make_tensor_value_info("incoming", TensorProto.FLOAT, [None, None])],
        [helper.make_tensor_value_info("cosines", TensorProto.FLOAT, [None, None])],
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def pair_cosines(local: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """local @ incoming.T (float32, n x m) on the calling thread; both sides unit vectors."""
    if not len(local) or not len(incoming):
        return np.zeros((len(local), len(incoming)), dtype=np.float32)
    return _session().run(None, {"local": np.ascontiguousarray(local, dtype=np.float32),
                                 "incoming": np.ascontiguousarray(np.asarray(incoming, dtype=np.float32).T)})[0]
