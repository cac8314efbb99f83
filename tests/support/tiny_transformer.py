"""A tiny Hugging Face sequence classifier saved like a Hub checkpoint, built offline for tests.

A 2-layer BERT (hidden size 32, 2 heads) with random but seeded weights, and a WordPiece
tokenizer built with ``tokenizers`` from the words and characters of a few German sentences,
wrapped as ``BertTokenizerFast``; both written with ``save_pretrained`` into one folder, which
stands in for a Hub repository (transformers' ``from_pretrained`` takes a folder exactly like
a name). Its 64 positions make windowing show with short texts.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertTokenizerFast,
)

MAX_TOKENS = 64
SEED = 1234
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Plain sentences of our own: what the tokenizer learns its word pieces from.
SENTENCES = (
    "Danke für den Artikel, sehr gut geschrieben!",
    "Schöne Grüße aus München und Köln.",
    "Über die Straße gehen die Bürger zur Wahl.",
    "Die Größe der Städte wächst jedes Jahr.",
    "Ich finde den Kommentar dumm und ärgerlich.",
    "Du bist ein Idiot, halt den Mund!",
    "Der Bäcker öffnet um sieben Uhr früh.",
    "Fußball am Wochenende: ein schönes Spiel.",
)
BINARY = {0: "OTHER", 1: "OFFENSE"}


def vocabulary() -> dict[str, int]:
    """Special tokens, then the characters of ``SENTENCES`` (word-initial and ``##``
    continuations), then their whole words, each group sorted. Built, not trained:
    ``tokenizers``' trainer breaks ties in another order in every process, and the same
    seeded weights would then score the same text differently from run to run."""
    lowered = " ".join(SENTENCES).lower()
    characters = sorted(set(lowered) - {" "})
    words = sorted(set(re.findall(r"\w+", lowered)) - set(characters))
    tokens = [*SPECIAL, *characters, *(f"##{c}" for c in characters if c.isalnum()), *words]
    return {token: index for index, token in enumerate(tokens)}


def build_tokenizer() -> BertTokenizerFast:
    """A lower-casing WordPiece tokenizer that keeps umlauts, on ``vocabulary()``."""
    tokenizer = Tokenizer(models.WordPiece(vocabulary(), unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=MAX_TOKENS,
                             do_lower_case=True, strip_accents=False)


def build_checkpoint(
    folder: Path,
    *,
    id2label: dict[int, str] | None = None,
    problem_type: str | None = None,
    head: bool = True,
) -> Path:
    """Save a tiny BERT sequence classifier and its tokenizer into ``folder``; return it.

    ``id2label`` defaults to ``BINARY``; ``problem_type`` as transformers names it (``None``
    for what most Hub checkpoints store). ``head=False`` saves a masked-language model
    instead: a checkpoint that is no sequence classifier.
    """
    labels = BINARY if id2label is None else id2label
    tokenizer = build_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=MAX_TOKENS,
        # Wide initialisation, so that different texts get clearly different scores.
        initializer_range=0.5,
        num_labels=len(labels),
        id2label=labels,
        label2id={name: index for index, name in labels.items()},
        problem_type=problem_type,
    )
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        model = (BertForSequenceClassification if head else BertForMaskedLM)(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
