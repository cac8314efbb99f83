"""The suite's cases: every template filled with every surface form of every group, plus the
hand-written cases, expanded in a fixed order so that ids and texts never change by chance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bench.functional import handwritten, templates

Expected = Literal["flag", "pass"]

# Every functionality with what the pipeline must do with it: "flag" means held or
# rejected, "pass" means approved.
FUNCTIONALITIES: dict[str, Expected] = {
    "derogation_explicit": "flag",
    "derogation_implicit": "flag",
    "derogation_dehumanising": "flag",
    "threat_direct": "flag",
    "threat_normative": "flag",
    "threat_veiled": "flag",
    "slur": "flag",
    "slur_leetspeak": "flag",
    "slur_missing_char": "flag",
    "slur_added_char": "flag",
    "slur_spaces": "flag",
    "slur_punctuation": "flag",
    "slur_symbols": "flag",
    "profanity_targeted": "flag",
    "insult_individual": "flag",
    "profanity_untargeted": "pass",
    "identity_neutral": "pass",
    "identity_positive": "pass",
    "identity_self": "pass",
    "party_neutral": "pass",
    "party_criticism": "pass",
    "negation": "pass",
    "counter_quote": "pass",
    "counter_reference": "pass",
    "product_names": "pass",
    "numbers": "pass",
    "short_replies": "pass",
    "word_substrings": "pass",
}
# Pass cases that mention a group without attacking it: their held share per group is the
# bias measure.
MENTIONS = ("identity_neutral", "identity_positive", "identity_self", "party_neutral")


@dataclass(frozen=True)
class Case:
    """One comment and what the pipeline must do with it; ``target`` names the group a
    templated identity case is about (``None`` elsewhere)."""

    id: str
    text: str
    functionality: str
    expected: Expected
    target: str | None = None
    templated: bool = False


def suite() -> list[Case]:
    """Every case, in a fixed order."""
    cases = [*_identity_cases(), *_party_cases(), *_slur_cases(), *_insult_cases()]
    for functionality, texts in handwritten.CASES.items():
        cases += [_case(f"{functionality}-h{n:02d}", text, functionality)
                  for n, text in enumerate(texts, 1)]
    return cases


def _case(id: str, text: str, functionality: str, target: str | None = None,
          templated: bool = False) -> Case:
    return Case(id, text, functionality, FUNCTIONALITIES[functionality], target, templated)


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _identity_cases() -> list[Case]:
    cases = []
    for group in templates.GROUPS:
        for functionality, texts in templates.IDENTITY.items():
            for t, template in enumerate(texts, 1):
                for f, form in enumerate(group.forms, 1):
                    cases.append(_case(f"{functionality}-{group.key}-t{t}-f{f}",
                                       _capitalised(template.format(g=form)), functionality,
                                       group.key, True))
        for t, template in enumerate(templates.SELF, 1):
            for f, self_form in enumerate(group.self_forms, 1):
                cases.append(_case(f"identity_self-{group.key}-t{t}-f{f}",
                                   template.format(self=self_form), "identity_self", group.key,
                                   True))
    return cases


def _party_cases() -> list[Case]:
    cases = []
    for party in templates.PARTIES:
        for functionality, texts in templates.PARTY.items():
            for t, template in enumerate(texts, 1):
                for f, form in enumerate(party.forms, 1):
                    text = _capitalised(template.format(nom=form.nominative,
                                                        acc=form.accusative, **form.verbs()))
                    cases.append(_case(f"{functionality}-{party.key}-p{t}-f{f}", text,
                                       functionality, party.key, True))
        for functionality, texts in templates.VOTERS.items():
            for t, template in enumerate(texts, 1):
                cases.append(_case(f"{functionality}-{party.key}-v{t}",
                                   _capitalised(template.format(voters=party.voters)),
                                   functionality,
                                   party.key, True))
    return cases


def _slur_cases() -> list[Case]:
    cases = []
    frames = templates.SLUR_FRAMES
    for s, slur in enumerate(templates.SLURS):
        for n, frame in enumerate(frames, 1):
            cases.append(_case(f"slur-{s + 1:02d}-{n}", frame.format(slur.term), "slur"))
        for v, (functionality, spelling) in enumerate(slur.variants().items()):
            frame = frames[(s + v) % len(frames)]
            cases.append(_case(f"{functionality}-{s + 1:02d}", frame.format(spelling),
                               functionality))
    return cases


def _insult_cases() -> list[Case]:
    return [_case(f"insult_individual-{p}-{i}", f"{person} {insult}.", "insult_individual")
            for p, person in enumerate(templates.PERSONS, 1)
            for i, insult in enumerate(templates.INSULTS, 1)]
