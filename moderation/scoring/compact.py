"""A compact German/English toxicity classifier that ships inside the package.

Inference needs numpy alone: no torch, no download. The model is linear over sparse n-gram
features of a normalised text:

1. ``normalize_for_model`` folds what readers vary without changing meaning: case (ß → ss),
   umlauts (ä → ae, so "Ärger" and "Aerger" meet), accents, URLs and @handles (each becomes
   one placeholder: tweets' handles are shortcut features that say who is answered, not
   what is said), elongations ("sooo" → "soo") and runs of one punctuation mark. With the
   model's lexicon (the words of its training data) it also undoes disguise, but only where
   the result is a known word: digits and symbols read as letters ("1diot", "@rschl*ch",
   "Id!ot"), letters kept apart by marks or spaces ("A.r.s.c.h", "I-d-i-o-t", "a r s c h").
   A product code, version or update id ("A55", "2.5.1", "KB5034441") stays as it is.
   Emoji stay: they are signal.
2. Two blocks of features: character 2–5-grams (they survive typos, inflection and German
   compounds), read across the whole text or, with ``char_scope="word"``, inside each token
   between boundary markers, and word 1–2-grams; each block is weighted sub-linear tf × idf
   and L2-normalised, like scikit-learn's ``TfidfVectorizer``. With ``mask_groups`` every
   name of a group of people is read as one token (``GROUP``). With ``evaluative`` the word
   block also reads praise and blame (see ``evaluations``): what is said of a group, and
   whether it is denied, not only that a group is named.
3. One weight column per output head (``toxicity``, optionally ``insult``/``obscene``) and an
   affine calibration per head, ``p = sigmoid(a · raw + b)``. Training stacks several linear
   models (NB-SVM on each block, a logistic regression on both) under a logistic meta-model;
   all of it is linear in the features, so it is exported already summed into one column.

The model folder holds ``model.npz`` (vocabularies, the lexicon and the word lists it was
trained with, ``Lexicons``, as UTF-8 blobs; idf and weights as float16/float32) and
``manifest.json`` (how it was trained, on which data, its figures and its ``version``).
``moderation.training`` writes both.

``CombinedScorer`` runs several scorers on the same texts and keeps, per category, the
highest probability (see its docstring for why).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from moderation.scoring.base import Scorer, ScorerUnavailable, Scores

MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
# Prefix of the model file's arrays that hold its word lists (see ``Lexicons``).
TERMS = "terms_"
FORMAT = 2
# Longer comments are cut before featurising: scoring time stays bounded on pasted novels.
MAX_CHARS = 20_000

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"@\w+")
# Letters only: "sooo" → "soo", while "KB5034441" and "1000" keep their digits.
_ELONGATION = re.compile(r"([^\W\d_])\1{2,}")
_PUNCT_RUN = re.compile(r"([^\w\s])\1{2,}")
_UMLAUTS = {"a\u0308": "ae", "o\u0308": "oe", "u\u0308": "ue"}
_UMLAUT = re.compile("[aou]\u0308")
_TOKEN = re.compile(r"\w+|[^\w\s]")
USER, LINK = "@user", "http"

# What readers put in place of a letter; "*" hides any one letter. A digit or symbol is read
# as a letter only where the result is a known word (see ``deobfuscate``).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_STANDS_FOR = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
               "$": "s", "!": "il", "|": "il", "€": "e", "*": _ALPHABET}
_MAX_CANDIDATES = 1024
# Quotes and brackets around a word, and sentence punctuation after it, are not part of it
# ("Idiot!" is a word and a "!", "Id!ot" one word).
_EDGES = re.compile(r"([\"'„“”‚‘’«»(\[{<]*)(.*?)([\"'„“”‚‘’«»)\]}>.,;:!?…]*)", re.S)
# Letters kept apart by one mark each ("a.r.s.c.h", "i-d-i-o-t", "ar_sch_lo_ch").
_SPACED_OUT = re.compile(r"[^\W\d_]{1,2}(?:[.\-_·'+~/*][^\W\d_]{1,2}){2,}")
# Single letters kept apart by single spaces ("a r s c h").
_SPACED_LETTERS = re.compile(r"(?<!\S)[^\W\d_](?: [^\W\d_]){2,}(?!\S)")


def _readings(core: str) -> list[str]:
    """Every way of reading ``core``'s digits and symbols as letters (at most
    ``_MAX_CANDIDATES``), or none where it is no word in disguise."""
    letters = sum(c.isalpha() for c in core)
    stand_ins = [c for c in core if c in _STANDS_FOR]
    if not stand_ins or letters < 2 or letters < len(stand_ins) \
            or letters + len(stand_ins) != len(core) or stand_ins.count("*") > 2:
        return []  # "a55", "kb5034441", "h2o": a product code or a unit, not a word
    readings = [""]
    for c in core:
        readings = [r + option for r in readings for option in _STANDS_FOR.get(c, c)]
        if len(readings) > _MAX_CANDIDATES:
            return []
    return readings


def deobfuscate(word: str, lexicon: Mapping[str, int]) -> str:
    """``word`` as the known word it disguises ("1diot" → "idiot", "@rschl*ch" → "arschloch",
    "a.r.s.c.h" → "arsch"), else unchanged. ``lexicon`` maps known words to their frequency
    rank: where several readings are words, the most frequent wins."""
    if not lexicon or word.isalpha():
        return word
    lead, core, trail = _EDGES.fullmatch(word).groups()  # type: ignore[union-attr]
    if _SPACED_OUT.fullmatch(core):
        joined = "".join(c for c in core if c.isalpha())
        return lead + joined + trail if joined in lexicon else word
    known = [r for r in _readings(core) if r in lexicon]
    return lead + min(known, key=lexicon.__getitem__) + trail if known else word


def _join_spaced_letters(match: re.Match[str], lexicon: Mapping[str, int]) -> str:
    joined = match.group().replace(" ", "")
    return joined if joined in lexicon else match.group()


def normalize_for_model(text: str, lexicon: Mapping[str, int] | None = None) -> str:
    """The text as the model reads it (see the module docstring); without a ``lexicon`` no
    digit or symbol is read as a letter."""
    text = text[:MAX_CHARS]
    text = _URL.sub(f" {LINK} ", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _UMLAUT.sub(lambda m: _UMLAUTS[m.group()], text)
    text = "".join(c for c in text
                   if c.isspace() or unicodedata.category(c) not in ("Mn", "Me", "Cf", "Cc"))
    if lexicon:
        # Before handles: "@rschl*ch" is a word in disguise, "@dirki_m" stays a handle.
        text = " ".join(deobfuscate(word, lexicon) for word in text.split())
        text = _SPACED_LETTERS.sub(lambda m: _join_spaced_letters(m, lexicon), text)
    text = _HANDLE.sub(f" {USER} ", text)
    text = _ELONGATION.sub(r"\1\1", text)
    text = _PUNCT_RUN.sub(r"\1\1", text)
    return " ".join(text.split())


def tokenize(normalized: str) -> list[str]:
    """The tokens of a normalised text: runs of word characters, and each other mark."""
    return _TOKEN.findall(normalized)


def known_words(normalized: str) -> list[str]:
    """The tokens of a normalised text that may enter a lexicon: letters only, three or more."""
    return [t for t in tokenize(normalized) if len(t) >= 3 and t.isalpha()]


CHAR_SCOPES = ("text", "word", "unknown")

# Names of groups of people (normalised; with their common endings). With ``mask_groups`` the
# model reads each as one token, ``GROUP``: a group's name is then no evidence of abuse of its
# own, whichever group it is, and abuse is read from what is said about it. Terms that
# German also uses as a slur ("behindert", "homo") are left out on purpose.
GROUP = "<gruppe>"


def _declined(*stems: str, endings: tuple[str, ...] = ("", "e", "en", "er", "es")
              ) -> set[str]:
    return {stem + ending for stem in stems for ending in endings}


GROUP_TERMS = frozenset(
    _declined("schwul", "lesbisch", "bisexuell", "homosexuell", "heterosexuell", "hetero",
              "queer", "nichtbinaer", "juedisch", "muslimisch", "christlich", "tuerkisch",
              "arabisch", "afrikanisch", "syrisch", "gehoerlos", "blind", "schwarz", "deutsch",
              "konservativ", "liberal", "link", "gruen", "sozialdemokratisch", "autistisch")
    | {"lesbe", "lesben", "trans", "transgender", "transfrau", "transfrauen", "transmann",
       "transmaenner", "frau", "frauen", "mann", "maenner", "maedchen", "feministin",
       "feministinnen", "jude", "juden", "juedin", "juedinnen", "muslim", "muslime", "muslimen",
       "muslima", "musliminnen", "moslem", "moslems", "christ", "christen", "christin",
       "atheist", "atheisten", "hindu", "hindus", "buddhist", "buddhisten", "fluechtling",
       "fluechtlinge", "fluechtlingen", "gefluechtete", "gefluechteten", "migrant",
       "migranten", "migrantin", "migrantinnen", "auslaender", "auslaenderin",
       "auslaenderinnen", "auslaendern", "asylbewerber", "asylbewerbern", "tuerke", "tuerken",
       "tuerkin", "araber", "arabern", "syrer", "syrern", "afrikaner", "afrikanern", "roma",
       "sinti", "behinderung", "behinderungen", "rollstuhlfahrer", "autist", "autisten",
       "sozialdemokrat", "sozialdemokraten", "spd", "cdu", "csu", "fdp", "afd", "bsw"})


# Groups of people whose praise or blame is read as a pair (see ``evaluations``). Parties and
# political camps are left out: criticising them is legitimate debate, not derogation.
POLITICAL_TERMS = frozenset(
    _declined("konservativ", "liberal", "link", "gruen", "sozialdemokratisch")
    | {"sozialdemokrat", "sozialdemokraten", "spd", "cdu", "csu", "fdp", "afd", "bsw"})
PEOPLE_TERMS = GROUP_TERMS - POLITICAL_TERMS

# What a sentence says of someone: praise and blame, our own lexicons (normalised, with the
# common endings). Blame holds judgements of worth and character that derogation of a group
# uses without a swear word; swear words and slurs are left to the n-grams and word lists.
PRAISE, BLAME = "<lob>", "<tadel>"
NEGATED = "nicht"
PRAISE_TERMS = frozenset(
    _declined("toll", "grossartig", "wunderbar", "klug", "fleissig", "freundlich",
              "hilfsbereit", "herzlich", "nett", "lieb", "ehrlich", "mutig", "talentiert",
              "kreativ", "wertvoll", "willkommen", "schoen", "sympathisch", "warmherzig",
              "zuverlaessig", "liebenswert", "bewundernswert", "inspirierend", "tapfer",
              "grosszuegig", "engagiert", "kompetent", "fair", "offen", "witzig",
              "super", "prima", "stark", "gebildet", "friedlich", "anstaendig", "tolerant",
              "respektvoll", "gastfreundlich", "bereichernd")
    | {"bereicherung", "gewinn", "vorbild", "vorbilder", "respekt"})
BLAME_TERMS = frozenset(
    _declined("faul", "kriminell", "gefaehrlich", "widerlich", "eklig", "primitiv",
              "dreckig", "asozial", "minderwertig", "krank", "gestoert", "hinterhaeltig",
              "verlogen", "gewalttaetig", "unfaehig", "nutzlos", "ueberfluessig", "laestig",
              "abartig", "pervers", "verdorben", "unterentwickelt", "rueckstaendig",
              "schmarotzend", "unerwuenscht", "wertlos", "unzivilisiert", "ungebildet",
              "verkommen", "unmenschlich", "unnatuerlich", "degeneriert", "bloed", "dumm")
    | {"plage", "gefahr", "schande", "problem", "abschaum", "pack", "gesindel",
       "schmarotzer", "kriminelle", "verbrecher", "taugenichtse",
       # Dehumanising: people called vermin, parasites or a disease.
       "ungeziefer", "parasit", "parasiten", "ratte", "ratten", "kakerlake", "kakerlaken",
       "pest", "seuche", "geschwuer", "krebsgeschwuer"})
NEGATIONS = frozenset({"nicht", "kein", "keine", "keinen", "keiner", "keinem", "keines",
                       "nie", "niemals", "nirgends"})
# How many tokens before a praise or blame word a negation may stand ("sind nicht alle faul").
NEGATION_REACH = 2


@dataclass(frozen=True)
class Lexicons:
    """The word lists the features read besides the n-grams: names of groups of people (read
    as ``GROUP`` with ``mask_groups``), the groups whose praise or blame is read as a pair,
    praise, blame and negations, and how many tokens back a negation reaches (all for
    ``evaluative``). Not to be confused with a model's ``lexicon``, the known words of its
    training data.

    A model stores the lists it was trained with and reads those: editing this module's
    lists changes what a new model learns, never what a shipped one reads."""

    groups: frozenset[str]
    people: frozenset[str]
    praise: frozenset[str]
    blame: frozenset[str]
    negations: frozenset[str]
    negation_reach: int

    @classmethod
    def current(cls) -> Lexicons:
        """This module's lists as they are now: what a new model is trained with, and what a
        model file from before the lists were stored reads."""
        return cls(GROUP_TERMS, PEOPLE_TERMS, PRAISE_TERMS, BLAME_TERMS, NEGATIONS,
                   NEGATION_REACH)

    def lists(self) -> dict[str, frozenset[str]]:
        """The word lists by name (as the model file and the manifest name them)."""
        return {"groups": self.groups, "people": self.people, "praise": self.praise,
                "blame": self.blame, "negations": self.negations}

    def summary(self) -> dict[str, int | str]:
        """Sizes and one sha256 of the lists, for the manifest."""
        digest = hashlib.sha256()
        for name, words in self.lists().items():
            digest.update(f"{name}\t{' '.join(sorted(words))}\n".encode())
        digest.update(f"negation_reach\t{self.negation_reach}\n".encode())
        return {**{name: len(words) for name, words in self.lists().items()},
                "negation_reach": self.negation_reach, "sha256": digest.hexdigest()}


def evaluations(tokens: Sequence[str], lexicons: Lexicons | None = None) -> list[str]:
    """The evaluative features of a tokenised, normalised text: ``<lob>`` or ``<tadel>`` per
    praise or blame word, ``nicht <…>`` where a negation stands up to ``negation_reach``
    tokens before it, and the same prefixed with ``<gruppe>`` where the text names a group of
    people (not a party): "Flüchtlinge sind faul" gives ``<tadel>`` and ``<gruppe> <tadel>``,
    "… sind nicht faul" ``nicht <tadel>`` and ``<gruppe> nicht <tadel>``. ``lexicons``:
    the lists to read with (default: this module's)."""
    words = lexicons or Lexicons.current()
    names_people = any(t in words.people for t in tokens)
    features = []
    for i, token in enumerate(tokens):
        tag = PRAISE if token in words.praise else BLAME if token in words.blame else None
        if tag is None:
            continue
        if any(t in words.negations for t in tokens[max(0, i - words.negation_reach):i]):
            tag = f"{NEGATED} {tag}"
        features.append(tag)
        if names_people:
            features.append(f"{GROUP} {tag}")
    return features


@dataclass(frozen=True)
class FeatureSpec:
    """Which n-grams the model reads; stored in the model so training and scoring agree.

    ``char_scope`` says where character n-grams are taken: ``text``, across the whole text;
    ``word``, inside each token padded with spaces (scikit-learn's ``char_wb``); ``unknown``,
    as ``word`` but only for tokens not in the lexicon: a known word counts as one whole-token
    feature, so "switch" is read as itself and not as the "itch" of a slur, while a typo, a
    compound or a word in disguise is still read by its parts. ``evaluative`` adds
    ``evaluations`` to the word n-grams. ``lexicons``: the word lists both read (default:
    this module's, as they are when the spec is made).
    """

    char_min: int = 2
    char_max: int = 5
    word_min: int = 1
    word_max: int = 2
    char_scope: str = "text"
    mask_groups: bool = False
    evaluative: bool = False
    lexicons: Lexicons = field(default_factory=Lexicons.current)

    def __post_init__(self) -> None:
        if self.char_scope not in CHAR_SCOPES:
            raise ValueError(f"char scope {self.char_scope!r}: expected one of "
                             f"{', '.join(CHAR_SCOPES)}")

    def grams(self, normalized: str, lexicon: Mapping[str, int] | None = None
              ) -> tuple[list[str], list[str]]:
        """(character n-grams, word n-grams) of a normalised text, with repeats."""
        tokens = tokenize(normalized)
        evaluative = evaluations(tokens, self.lexicons) if self.evaluative else []
        if self.mask_groups:
            tokens = [GROUP if t in self.lexicons.groups else t for t in tokens]
        sizes = range(self.char_min, self.char_max + 1)
        if self.char_scope == "text":
            pieces = [f" {normalized} "]
            chars = []
        else:
            pieces, chars = [], []
            for token in tokens:
                if token == GROUP or (self.char_scope == "unknown" and lexicon
                                      and token in lexicon):
                    chars.append(f"<{token}>")
                else:
                    pieces.append(f" {token} ")
        chars += [piece[i:i + n] for piece in pieces for n in sizes
                  for i in range(len(piece) - n + 1)]
        words = []
        for n in range(self.word_min, self.word_max + 1):
            words += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return chars, words + evaluative

    def as_dict(self) -> dict[str, int | str | bool]:
        return {"char_min": self.char_min, "char_max": self.char_max,
                "word_min": self.word_min, "word_max": self.word_max,
                "char_scope": self.char_scope, "mask_groups": self.mask_groups,
                "evaluative": self.evaluative}


class SparseRows:
    """Rows of a sparse matrix in CSR parts: ``indptr``, ``indices`` and raw term counts."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray) -> None:
        self.indptr, self.indices, self.counts = indptr, indices, counts


def count_rows(gram_lists: Sequence[list[str]], vocabulary: dict[str, int]) -> SparseRows:
    """Term counts of each text's grams that are in ``vocabulary``, as CSR parts."""
    indptr = [0]
    indices: list[int] = []
    counts: list[int] = []
    for grams in gram_lists:
        for gram, count in Counter(grams).items():
            j = vocabulary.get(gram)
            if j is not None:
                indices.append(j)
                counts.append(count)
        indptr.append(len(indices))
    return SparseRows(np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64),
                      np.asarray(counts, dtype=np.float64))


def tfidf_values(rows: SparseRows, idf: np.ndarray) -> np.ndarray:
    """Sub-linear tf × idf, L2-normalised per row; aligned with ``rows.indices``."""
    values = (1.0 + np.log(rows.counts)) * idf[rows.indices]
    lengths = np.diff(rows.indptr)
    row_of = np.repeat(np.arange(len(lengths)), lengths)
    norms = np.sqrt(np.bincount(row_of, weights=values * values, minlength=len(lengths)))
    norms[norms == 0.0] = 1.0
    return values / norms[row_of]


def encode_vocabulary(grams: Sequence[str]) -> np.ndarray:
    """A vocabulary as one UTF-8 blob ("\\n" never occurs in a normalised text)."""
    return np.frombuffer("\n".join(grams).encode("utf-8"), dtype=np.uint8)


def decode_vocabulary(blob: np.ndarray) -> dict[str, int]:
    text = blob.tobytes().decode("utf-8")
    return {gram: i for i, gram in enumerate(text.split("\n"))} if text else {}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow warnings for large |x|


class CompactModel:
    """The exported linear model: vocabularies, idf, weights, bias and calibration per head."""

    def __init__(self, *, spec: FeatureSpec, heads: list[str],
                 vocabularies: list[dict[str, int]], idf: list[np.ndarray],
                 weights: list[np.ndarray], bias: np.ndarray, calibration: np.ndarray,
                 lexicon: dict[str, int]) -> None:
        self.spec, self.heads = spec, heads
        self.lexicon = lexicon  # known word -> frequency rank (0: the most frequent)
        self.vocabularies, self.idf, self.weights = vocabularies, idf, weights
        self.bias = bias  # (heads,)
        self.calibration = calibration  # (heads, 2): p = sigmoid(a * raw + b)

    def normalize(self, text: str) -> str:
        """``text`` as this model reads it (its lexicon undoes disguised words)."""
        return normalize_for_model(text, self.lexicon)

    def features(self, text: str) -> tuple[list[str], list[str]]:
        """(character n-grams, word n-grams) of ``text``."""
        return self.spec.grams(self.normalize(text), self.lexicon)

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated decision values, shape (texts, heads)."""
        grams = [self.features(t) for t in texts]
        total = np.tile(self.bias.astype(np.float64), (len(texts), 1))
        for block, (vocabulary, idf, weights) in enumerate(
                zip(self.vocabularies, self.idf, self.weights, strict=True)):
            rows = count_rows([g[block] for g in grams], vocabulary)
            if not len(rows.indices):
                continue
            contributions = (tfidf_values(rows, idf)[:, None]
                             * weights[rows.indices].astype(np.float64))
            nonempty = np.diff(rows.indptr) > 0
            starts = rows.indptr[:-1][nonempty]
            total[nonempty] += np.add.reduceat(contributions, starts, axis=0)
        return total

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (texts, heads)."""
        raw = self.raw_scores(texts)
        return _sigmoid(raw * self.calibration[:, 0] + self.calibration[:, 1])

    def save(self, folder: Path) -> None:
        """Write ``model.npz`` deterministically (same model, same bytes)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "format": np.asarray([FORMAT], dtype=np.int32),
            "heads": encode_vocabulary(self.heads),
            "spec": np.asarray([self.spec.char_min, self.spec.char_max, self.spec.word_min,
                                self.spec.word_max, CHAR_SCOPES.index(self.spec.char_scope),
                                int(self.spec.mask_groups), int(self.spec.evaluative)],
                               dtype=np.int32),
            "lexicon": encode_vocabulary(sorted(self.lexicon, key=self.lexicon.__getitem__)),
            "bias": self.bias.astype(np.float32),
            "calibration": self.calibration.astype(np.float64),
            "negation_reach": np.asarray([self.spec.lexicons.negation_reach], dtype=np.int32),
        }
        for name, words in self.spec.lexicons.lists().items():
            arrays[f"{TERMS}{name}"] = encode_vocabulary(sorted(words))
        for block, (vocabulary, idf, weights) in enumerate(
                zip(self.vocabularies, self.idf, self.weights, strict=True)):
            grams = sorted(vocabulary, key=vocabulary.__getitem__)
            arrays[f"vocabulary{block}"] = encode_vocabulary(grams)
            arrays[f"idf{block}"] = idf.astype(np.float16)
            arrays[f"weights{block}"] = weights.astype(np.float16)
        _write_npz(folder / MODEL_FILE, arrays)

    @classmethod
    def load(cls, path: Path) -> CompactModel:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"][0]) != FORMAT:
                raise ValueError(f"model format {int(data['format'][0])}, expected {FORMAT}")
            # Models written before the evaluative block store six numbers.
            char_min, char_max, word_min, word_max, scope, mask, evaluative = (
                [int(v) for v in data["spec"]] + [0])[:7]
            spec = FeatureSpec(char_min, char_max, word_min, word_max, CHAR_SCOPES[scope],
                               bool(mask), bool(evaluative), _stored_lexicons(data))
            blocks = sum(1 for key in data.files if key.startswith("vocabulary"))
            return cls(
                spec=spec,
                heads=list(decode_vocabulary(data["heads"])),
                vocabularies=[decode_vocabulary(data[f"vocabulary{b}"]) for b in range(blocks)],
                idf=[data[f"idf{b}"].astype(np.float64) for b in range(blocks)],
                weights=[data[f"weights{b}"].astype(np.float32) for b in range(blocks)],
                bias=data["bias"].astype(np.float64),
                calibration=data["calibration"].astype(np.float64),
                lexicon=decode_vocabulary(data["lexicon"]))


def _stored_lexicons(data: Any) -> Lexicons:
    """The word lists a model file was trained with; a file from before they were stored
    reads this module's lists, as it always did."""
    if "negation_reach" not in data.files:
        return Lexicons.current()
    lists = {name: frozenset(decode_vocabulary(data[f"{TERMS}{name}"]))
             for name in Lexicons.current().lists()}
    return Lexicons(**lists, negation_reach=int(data["negation_reach"][0]))


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed-member zip with fixed timestamps: byte-identical for equal arrays."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())


def shipped_model_dir() -> Path:
    """The folder of the model that ships with the package."""
    return Path(str(resources.files("moderation.scoring") / "compact_model"))


class CompactScorer:
    """Scores texts with the compact model: ``{head: probability}`` per text.

    ``path`` is a model folder (``model.npz`` + ``manifest.json``); default: the shipped one.
    """

    name = "compact-de"
    device = "cpu"

    def __init__(self, path: Path | None = None) -> None:
        folder = path if path is not None else shipped_model_dir()
        self.folder = folder
        try:
            self.manifest: dict[str, Any] = json.loads(
                (folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            self.model = CompactModel.load(folder / MODEL_FILE)
        except (OSError, ValueError, KeyError) as error:
            raise ScorerUnavailable(f"compact model in {folder} cannot be loaded: {error}") \
                from error
        self.version = str(self.manifest.get("version", "unknown"))
        self.categories = list(self.model.heads)

    def score(self, texts: list[str]) -> list[Scores]:
        if not texts:
            return []
        probabilities = self.model.probabilities([str(t) for t in texts])
        return [{head: float(p) for head, p in zip(self.categories, row, strict=True)}
                for row in probabilities]


class CombinedScorer:
    """Runs several scorers on the same texts and keeps, per category, the highest probability.

    Why the maximum: each part is a probability on its own training distribution, and the
    parts fail differently (detoxify's models barely saw German abuse, the compact model
    knows little beyond GermEval/Davidson-style offence). A miss by one part must not hide a
    hit by the other, and an editor reviews what any part flags; averaging would halve a
    confident German hit that detoxify scores near 0. Categories only one part knows (e.g.
    detoxify's ``threat``) pass through unchanged. The cost is more false positives than
    either part alone: the union of both parts' holds (measured by ``moderation eval``).

    Every part must load; if one raises ``ScorerUnavailable`` the whole scorer is unavailable
    (the factory decides whether to fall back to a single part).
    """

    def __init__(self, *parts: Scorer) -> None:
        if not parts:
            raise ValueError("CombinedScorer needs at least one scorer")
        self.parts = parts
        self.name = "max(" + ",".join(p.name for p in parts) + ")"
        self.version = "+".join(f"{p.name}={p.version}" for p in parts)
        self.device = ",".join(dict.fromkeys(p.device for p in parts))

    def score(self, texts: list[str]) -> list[Scores]:
        combined: list[Scores] = [{} for _ in texts]
        for part in self.parts:
            scored = part.score(texts)
            if len(scored) != len(texts):
                raise ScorerUnavailable(f"{part.name} returned {len(scored)} results for "
                                        f"{len(texts)} texts")
            for merged, scores in zip(combined, scored, strict=True):
                for category, value in scores.items():
                    value = float(value)
                    if math.isnan(value):
                        continue  # a part that cannot judge a category does not lower it
                    merged[category] = max(merged.get(category, value), value)
        return combined
