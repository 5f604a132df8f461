"""Text embedders, offline: all-MiniLM-L6-v2 on ONNX Runtime (fp32, or int8 by default), and
WordLlama's static embeddings, the fast tier for very large corpora."""

from __future__ import annotations

from pathlib import Path

from grounded.errors import InvalidInput
from grounded.synthesis.vectors import Embedder

#: Embedder names → what they are (for help texts and errors).
MODELS = {
    "minilm-int8": "all-MiniLM-L6-v2, int8-quantised ONNX (the default: about twice as fast, cosine 0.99 to fp32)",
    "minilm": "all-MiniLM-L6-v2, fp32 ONNX (the reference model's own vectors)",
    "wordllama": "WordLlama l2_supercat, 256-dimension static embeddings (the fast tier for very large corpora: "
    "over 100 times faster than minilm-int8, themes less exact)",
}
DEFAULT = "minilm-int8"


def embedder(name: str, model_dir: Path) -> Embedder:
    """An embedder by name; the model files it builds are kept in ``model_dir``."""
    if name not in MODELS:
        raise InvalidInput(f"unknown model '{name}'; choose one of: {', '.join(MODELS)}", field="model")
    if name == "wordllama":
        from grounded.synthesis.embeddings.wordllama import WordLlama

        return WordLlama()
    from grounded.synthesis.embeddings.minilm import MiniLM

    return MiniLM(model_dir.expanduser(), quantized=name == "minilm-int8")
