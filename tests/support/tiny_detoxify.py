"""A tiny, randomly initialised detoxify checkpoint built offline, for tests.

Mirrors the published detoxify checkpoints closely enough for ``detoxify.Detoxify`` to load it
with its own code: a ``{"config": ..., "state_dict": ...}`` file whose ``arch.args.model_type``
points at a local folder holding ``config.json`` and a WordPiece tokenizer (``vocab.txt``).
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification

# detoxify's ``unbiased``/``multilingual`` class names; its renaming leaves them as they are.
CATEGORIES = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
MAX_TOKENS = 512
SEED = 1234

_SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_LETTERS = string.ascii_lowercase + "äöüß"
# fmt: off
_WORDS = (
    "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "du", "sie", "wir", "ich",
    "kommentar", "artikel", "danke", "gut", "schlecht", "sehr", "für", "über", "schön",
    "dumm", "idiot", "halt", "maul", "straße", "grüße", "the", "a", "is", "you", "are",
    "thanks", "good", "bad", "great", "article", "comment", "stupid", "hate", "love",
)
# fmt: on


def _vocabulary() -> list[str]:
    """Special tokens, characters (word-initial and ``##`` continuations), then whole words."""
    characters = _LETTERS + string.digits
    return [
        *_SPECIAL,
        *characters,
        *string.punctuation,
        *(f"##{c}" for c in characters),
        *_WORDS,
    ]


def build_tiny_checkpoint(folder: Path) -> tuple[Path, Path]:
    """Write a tiny 2-layer BERT detoxify checkpoint and its config folder under ``folder``.

    Returns ``(checkpoint_path, config_dir)`` for
    ``Detoxify(checkpoint=checkpoint_path, huggingface_config_path=config_dir)``.
    The weights are random but fixed (seeded), so scores are reproducible across runs.
    """
    config_dir = folder / "tiny-detoxify-config"
    config_dir.mkdir(parents=True)
    vocab = _vocabulary()
    (config_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (config_dir / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "BertTokenizer",
                "do_lower_case": True,
                "strip_accents": False,
                "model_max_length": MAX_TOKENS,
            }
        ),
        encoding="utf-8",
    )

    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_TOKENS,
        # Wide initialisation, so that different texts get clearly different scores.
        initializer_range=0.5,
        num_labels=len(CATEGORIES),
        id2label=dict(enumerate(CATEGORIES)),
        label2id={name: i for i, name in enumerate(CATEGORIES)},
    )
    config.save_pretrained(config_dir)
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        model = BertForSequenceClassification(config)

    checkpoint = folder / "tiny-detoxify.ckpt"
    torch.save(
        {
            "config": {
                "name": "tiny-detoxify",
                "arch": {
                    "type": "tiny-bert",
                    "args": {
                        # detoxify loads the config from here: a local folder works offline.
                        "model_type": str(config_dir),
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(CATEGORIES),
                    },
                },
                "dataset": {"type": "JigsawDataBias", "args": {"classes": list(CATEGORIES)}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, config_dir
