"""What decides a compact model: the components of its stack and the training parameters.
Kept apart from ``train`` so the ``moderation`` command can offer them without importing the
training code."""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.scoring.compact import CHAR_SCOPES, FeatureSpec

METHODS = ("nbsvm", "lr", "svm")
BLOCKS = ("char", "word", "all")
DEFAULT_COMPONENTS = ("nbsvm:char:4", "nbsvm:word:4", "lr:all:16")


@dataclass(frozen=True)
class Component:
    """One linear model of the stack: ``method`` on feature ``block`` with inverse
    regularisation ``c``; written ``method:block:c`` (e.g. ``nbsvm:char:4``)."""

    method: str
    block: str
    c: float

    @classmethod
    def parse(cls, raw: str) -> Component:
        parts = raw.split(":")
        if len(parts) != 3:
            raise ValueError(f"component {raw!r}: expected METHOD:BLOCK:C, e.g. nbsvm:char:4")
        method, block, c = parts
        if method not in METHODS:
            raise ValueError(f"component {raw!r}: method must be one of {', '.join(METHODS)}")
        if block not in BLOCKS:
            raise ValueError(f"component {raw!r}: block must be one of {', '.join(BLOCKS)}")
        try:
            value = float(c)
        except ValueError:
            raise ValueError(f"component {raw!r}: C is not a number") from None
        if not value > 0:
            raise ValueError(f"component {raw!r}: C must be positive")
        return cls(method, block, value)


@dataclass(frozen=True)
class TrainParams:
    """Everything that decides the model; recorded in the manifest."""

    components: tuple[str, ...] = DEFAULT_COMPONENTS
    char_min: int = 2
    char_max: int = 5
    word_min: int = 1
    word_max: int = 2
    char_scope: str = "text"
    mask_groups: bool = False
    evaluative: bool = False
    min_df: int = 2
    max_char_features: int = 300_000
    max_word_features: int = 100_000
    folds: int = 5
    meta_c: float = 1.0
    seed: int = 13
    match_base_rate: bool = True
    file_weights: dict[str, float] = field(default_factory=dict)
    # extra head -> fine labels that make it positive, e.g. {"insult": ["INSULT"]}
    heads: dict[str, list[str]] = field(default_factory=dict)
    # generated training sets (moderation.training.augment), e.g. ("identity",)
    augment: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("at least one component is needed")
        for raw in self.components:
            Component.parse(raw)
        if self.folds < 2:
            raise ValueError("folds must be at least 2")
        if self.meta_c <= 0:
            raise ValueError("meta_c must be positive")
        if self.char_scope not in CHAR_SCOPES:
            raise ValueError(f"char scope must be one of {', '.join(CHAR_SCOPES)}")

    @property
    def spec(self) -> FeatureSpec:
        return FeatureSpec(self.char_min, self.char_max, self.word_min, self.word_max,
                           self.char_scope, self.mask_groups, self.evaluative)

    @property
    def parsed_components(self) -> list[Component]:
        return [Component.parse(raw) for raw in self.components]
