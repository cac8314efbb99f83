"""Tiny Hugging Face checkpoints for the transformer scorer's tests, with the Hub switched off."""

from tests.support.tiny_transformer_fixtures import (  # noqa: F401  (fixtures)
    offline_hub,
    tiny_cache,
    tiny_hub,
)
