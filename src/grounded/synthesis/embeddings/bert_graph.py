"""An ONNX graph of a BERT sentence encoder (embeddings, N encoder layers, mean pooling over
the attention mask, L2 normalisation), built from its weights with the ``onnx`` package
alone: no torch, no exporter.

The arithmetic follows the BERT paper (Devlin et al., 2019) as the Hugging Face
``BertModel`` implements it, and sentence-transformers' mean pooling and normalisation
(Reimers and Gurevych, 2019): post-layer-norm residual blocks, exact (erf) GELU, additive
attention mask. Weights keep their Hugging Face names; linear layers are stored transposed
so every projection is one ``MatMul`` (the form ONNX Runtime's int8 quantiser rewrites).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: ONNX opset: 17 has LayerNormalization as one operator.
OPSET = 17
#: IR version 8 is read by every ONNX Runtime since 1.10.
IR_VERSION = 8


@dataclass(frozen=True)
class BertShape:
    layers: int
    hidden: int
    heads: int
    intermediate: int
    layer_norm_eps: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BertShape:
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act {config.get('hidden_act')!r} is not supported (only exact gelu)")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        return cls(
            layers=int(config["num_hidden_layers"]),
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            intermediate=int(config["intermediate_size"]),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        )


class _Builder:
    """Nodes and initializers, with names made unique by a counter."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], stem: str | None = None, **attributes: Any) -> str:
        out = self.name(stem or kind.lower())
        self.nodes.append(self.helper.make_node(kind, inputs, [out], **attributes))
        return out


def build(weights: Mapping[str, np.ndarray], config: Mapping[str, Any], *, name: str = "sentence-encoder") -> Any:
    """The encoder as an ``onnx.ModelProto``: inputs ``input_ids`` and ``attention_mask``
    (int64, batch × tokens), output ``embedding`` (float32, batch × hidden, unit length)."""
    from onnx import TensorProto, helper

    shape = BertShape.from_config(config)
    w = _Weights(weights)
    b = _Builder()
    f32 = np.float32
    head_size = shape.hidden // shape.heads

    # Embeddings: word + position + token type 0, then layer norm.
    words = b.op("Gather", [b.constant("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"])
    length = b.op("Shape", ["input_ids"], start=1, end=2)  # [tokens], 1-D
    position_table = b.constant("position_embeddings", w["embeddings.position_embeddings.weight"])
    zero = b.constant("zero", np.array([0], dtype=np.int64))
    position_vectors = b.op("Slice", [position_table, zero, length, zero])  # the first `tokens` rows
    token_type = w["embeddings.token_type_embeddings.weight"][0]
    x = b.op("Add", [b.op("Add", [words, position_vectors]), b.constant("token_type", token_type)])
    x = _layer_norm(b, x, w, "embeddings.LayerNorm", shape.layer_norm_eps)

    # Additive attention mask: 0 where attended, -10000 on padding (batch × 1 × 1 × tokens).
    mask = b.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    blocked = b.op(
        "Mul",
        [
            b.op("Sub", [b.constant("one_f", np.array(1.0, dtype=f32)), mask]),
            b.constant("minus", np.array(-10000.0, dtype=f32)),
        ],
    )
    additive = b.op("Unsqueeze", [blocked, b.constant("axes_1_2", np.array([1, 2], dtype=np.int64))])

    split_heads = b.constant("split_heads", np.array([0, 0, shape.heads, head_size], dtype=np.int64))
    merge_heads = b.constant("merge_heads", np.array([0, 0, shape.hidden], dtype=np.int64))
    scale = b.constant("scale", np.array(1.0 / math.sqrt(head_size), dtype=f32))
    for layer in range(shape.layers):
        p = f"encoder.layer.{layer}."

        def heads(stem: str, perm: list[int], source: str, prefix: str = p) -> str:
            projected = _linear(b, source, w, prefix + f"attention.self.{stem}")
            return b.op("Transpose", [b.op("Reshape", [projected, split_heads])], perm=perm)

        q = heads("query", [0, 2, 1, 3], x)
        k = heads("key", [0, 2, 3, 1], x)
        v = heads("value", [0, 2, 1, 3], x)
        scores = b.op("Add", [b.op("Mul", [b.op("MatMul", [q, k]), scale]), additive])
        context = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), v])
        merged = b.op("Reshape", [b.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        attended = _linear(b, merged, w, p + "attention.output.dense")
        x = _layer_norm(b, b.op("Add", [attended, x]), w, p + "attention.output.LayerNorm", shape.layer_norm_eps)
        inner = _gelu(b, _linear(b, x, w, p + "intermediate.dense"))
        out = _linear(b, inner, w, p + "output.dense")
        x = _layer_norm(b, b.op("Add", [out, x]), w, p + "output.LayerNorm", shape.layer_norm_eps)

    # Mean over the attended tokens, then unit length.
    weights_3d = b.op("Unsqueeze", [mask, b.constant("axis_2", np.array([2], dtype=np.int64))])
    summed = b.op(
        "ReduceSum", [b.op("Mul", [x, weights_3d]), b.constant("axis_1", np.array([1], dtype=np.int64))], keepdims=0
    )
    counts = b.op("ReduceSum", [weights_3d, b.constant("axis_1b", np.array([1], dtype=np.int64))], keepdims=0)
    mean = b.op("Div", [summed, b.op("Max", [counts, b.constant("tiny", np.array(1e-9, dtype=f32))])])
    norm = b.op("ReduceL2", [mean], axes=[1], keepdims=1)  # axes an attribute until opset 18
    unit = b.op("Div", [mean, b.op("Max", [norm, b.constant("tiny_norm", np.array(1e-12, dtype=f32))])])
    b.nodes.append(helper.make_node("Identity", [unit], ["embedding"]))

    graph = helper.make_graph(
        b.nodes,
        name,
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        outputs=[helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", shape.hidden])],
        initializer=b.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="grounded")
    model.ir_version = IR_VERSION
    return model


class _Weights:
    """The checkpoint's tensors by name, with a clear error for one that is missing."""

    def __init__(self, tensors: Mapping[str, np.ndarray]) -> None:
        self.tensors = tensors

    def __getitem__(self, key: str) -> np.ndarray:
        for candidate in (key, f"bert.{key}"):
            if candidate in self.tensors:
                return np.asarray(self.tensors[candidate], dtype=np.float32)
        raise KeyError(f"the weights have no tensor '{key}'")


def _linear(b: _Builder, x: str, w: _Weights, prefix: str) -> str:
    weight = b.constant(prefix + ".weight_t", w[prefix + ".weight"].T)
    return b.op("Add", [b.op("MatMul", [x, weight]), b.constant(prefix + ".bias", w[prefix + ".bias"])])


def _layer_norm(b: _Builder, x: str, w: _Weights, prefix: str, eps: float) -> str:
    scale = b.constant(prefix + ".weight", w[prefix + ".weight"])
    bias = b.constant(prefix + ".bias", w[prefix + ".bias"])
    return b.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=eps)


def _gelu(b: _Builder, x: str) -> str:
    """0.5 · x · (1 + erf(x / √2)), the exact GELU BERT was trained with."""
    root2 = b.constant("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    half = b.constant("half", np.array(0.5, dtype=np.float32))
    one = b.constant("one_g", np.array(1.0, dtype=np.float32))
    return b.op("Mul", [b.op("Mul", [x, half]), b.op("Add", [b.op("Erf", [b.op("Div", [x, root2])]), one])])
