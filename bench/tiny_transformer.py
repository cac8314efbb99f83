"""A tiny Hugging Face sequence classifier with random weights, built offline for benchmarks
that exercise ``moderation model finetune`` (no model weights can be downloaded here).

A 2-layer BERT (hidden size 64, 2 heads, 64 positions) with seeded random weights, and a
lower-casing WordPiece tokenizer trained with ``tokenizers`` on the texts given, wrapped as
``BertTokenizerFast``; both saved with ``save_pretrained`` into one folder, which
``finetune --base`` takes like a fetched checkpoint. Its figures measure the path, not a
language model: nothing in it was pre-trained. The weights are seeded, but ``tokenizers``
learns another vocabulary from build to build (ties), so no two builds are the same model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

POSITIONS = 64
VOCABULARY = 8000
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
LABELS = {0: "OTHER", 1: "OFFENSE"}
POSITIVE_LABEL = LABELS[1]


def build_tokenizer(texts: Iterable[str]) -> BertTokenizerFast:
    """A WordPiece tokenizer (umlauts kept) learnt from ``texts``."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))  # noqa: S106  (no password)
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=VOCABULARY, special_tokens=list(SPECIAL),
                                         show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=POSITIONS,
                             do_lower_case=True, strip_accents=False)


def build_checkpoint(folder: Path, texts: Iterable[str], *, seed: int = 13) -> Path:
    """Save the tiny two-label classifier (``LABELS``) and its tokenizer into ``folder``."""
    tokenizer = build_tokenizer(texts)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=128,
                        max_position_embeddings=POSITIONS, num_labels=len(LABELS),
                        id2label=LABELS, label2id={name: i for i, name in LABELS.items()})
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
