"""The shipped starter lists: well-formed, every term with its source, and matching German
as it is written (inflections, variants) without catching everyday sentences."""

from __future__ import annotations

import pytest

from moderation import starterlists
from moderation.starterlists import StarterChoice
from moderation.wordlists import WordList, _key, validate_term

NAMES = ("beleidigungen-gruppen", "drohungen", "entmenschlichung")


def hits(name: str, text: str) -> list[str]:
    newest = StarterChoice(name, starterlists.latest(name).version)
    words = WordList(starterlists.entries((newest,)))
    return [m.matched for m in words.find(text)]


NEWEST = {"beleidigungen-gruppen": 1, "drohungen": 2, "entmenschlichung": 1}


def test_the_three_lists_are_shipped_and_the_newest_versions_are_the_default():
    assert tuple(starterlists.shipped()) == NAMES
    assert starterlists.default_choices() == tuple(StarterChoice(n, NEWEST[n]) for n in NAMES)


def test_a_new_version_keeps_every_term_of_the_one_before():
    old, new = starterlists.get("drohungen", 1), starterlists.get("drohungen", 2)
    assert {t.term for t in old.terms} < {t.term for t in new.terms}
    assert [t for t in new.terms if t.term in {o.term for o in old.terms}] == list(old.terms)


@pytest.mark.parametrize("name", NAMES)
def test_every_term_is_valid_stored_once_and_says_where_it_comes_from(name):
    starter = starterlists.latest(name)
    assert starter.label("de") and starter.label("en") and starter.provenance
    keys = [(t.term.startswith("*"), _key(t.term.strip("*")), t.term.endswith("*"))
            for t in starter.terms]
    assert len(keys) == len(set(keys)), "a term the matcher cannot tell from another"
    for term in starter.terms:
        assert validate_term(term.term) == term.term
        assert term.group and term.source.startswith("redaktionelle Auswahl 2026-12")


@pytest.mark.parametrize("text", [
    "Ich weiß, wo du wohnst.",
    "Ich weiss genau, wo deine Frau arbeitet.",
    "Wir wissen, wo dein Büro ist.",
    "Wir wissen, wo deine Kinder zur Schule gehen.",
    "Ich kenne deine Adresse, pass bloß auf.",
    "Deine Tage sind gezählt.",
    "Man sollte diese korrupten Typen alle aufhängen!",
    "Den gehört an die Wand gestellt.",
    "Die gehören alle an die Wand gestellt",
    "Einfach abknallen, das Pack.",
    "Die hätte man abgeknallt, so einfach ist das.",
    "Ich bring dich um.",
    "Ich stech dich ab, wenn ich dich sehe.",
    "Man sollte die alle vergasen.",
    "Sollen die doch alle verrecken.",
    "Die gehören ausgerottet.",
    "Den sollte man standrechtlich erschießen.",
    "Der gehört doch umgebracht",
    "ABKN4LLEN sollte man die",
    "Wir wissen, wo Sie wohnen, Frau Schulz.",
    "Ich weiß genau, in welchem Büro Sie arbeiten.",
    "Wir wissen, welche Schule Ihre Tochter besucht.",
    "Ich habe Ihre Adresse, das nur zur Info.",
    "Ihr Kennzeichen habe ich mir gemerkt.",
    "Wäre doch schade, wenn Ihrem Laden etwas passiert.",
    "Es wäre schade, wenn Ihnen mal etwas zustößt.",
    "Sie sollten nachts nicht mehr allein unterwegs sein.",
    "Denken Sie an Ihre Familie, bevor Sie weiterschreiben.",
    "Das werden Sie noch bitter bereuen.",
])
def test_threats_are_found_veiled_and_inflected(text):
    assert hits("drohungen", text)


@pytest.mark.parametrize("text", [
    "Flüchtlinge sind Ungeziefer.",
    "Das ist Menschenabschaum.",
    "Diese Sozialschmarotzer leben auf unsere Kosten.",
    "Diese Parasiten sollen verschwinden.",
    "Ihr Ratten!",
    "Das sind doch alles Ratten.",
    "Die vermehren sich wie die Ratten.",
    "Das sind Untermenschen.",
    "Linke Zecken überall.",
    "Das sind doch keine Menschen mehr.",
])
def test_dehumanising_terms_are_found(text):
    assert hits("entmenschlichung", text)


@pytest.mark.parametrize("text", [
    "Scheiß Kanaken.",
    "Drecksk4nake",
    "Diese Kanacken wieder.",
    "Du Spast.",
    "Du Spasti!",
    "Du Sp4ssti!",
    "Bist du behindert?",
    "Du bist doch total behindert.",
    "Du Mongo",
    "So ein Krüppel.",
    "Blöde Schwuchtel",
    "Du Schwuchtl",
    "N3ger raus",
    "Z i g e u n e r",
    "Kopftuchmädchen und Messermänner",
    "Frauen gehören in die Küche.",
])
def test_slurs_against_groups_are_found_with_their_variants(text):
    assert hits("beleidigungen-gruppen", text)


# What must not be held: animals, illness, places, names and neutral mentions of groups.
@pytest.mark.parametrize("text", [
    "Wir haben Ratten im Keller.",
    "Parasiten im Darm des Hundes sind gefährlich.",
    "Zecken im Wald übertragen Borreliose.",
    "Ungezieferbekämpfung im Hotel war nötig.",
    "Die Masern wurden fast ausgerottet.",
    "Lass uns die Zeit totschlagen.",
    "Der Vergaser meines Mopeds ist kaputt.",
    "Wir hängen morgen Bilder auf.",
    "Ich weiß nicht, wann der Zug kommt.",
    "Ich finde dich sympathisch.",
    "Wir finden euch toll!",
    "Ich beobachte sie gern, die Kraniche im Herbst.",
    "Wir haben das alte Haus am Markt fotografiert.",
    "Es wäre schade, wenn das Konzert ausfällt.",
    "Ich weiß, wo das Rathaus ist.",
    "Passen Sie gut auf sich auf und gute Besserung!",
    "Wir bekommen am Wochenende Besuch von Oma.",
    "Arnold Schwarzenegger war Gouverneur.",
    "Niger liegt in Westafrika.",
    "Die Mongolei ist ein schönes Land.",
    "Der Asylantrag wurde abgelehnt.",
    "Ich bin schwul.",
    "Mein Bruder ist behindert und arbeitet in einer Werkstatt.",
    "Juden, Muslime und Christen feierten gemeinsam.",
    "Geflüchtete finden hier Arbeit.",
    "Die Linke hat gewonnen.",
])
def test_everyday_sentences_match_no_starter_list(text):
    assert [hits(name, text) for name in NAMES] == [[], [], []]


def test_a_starter_match_names_its_list_and_version():
    match = WordList(starterlists.entries(starterlists.default_choices())).find(
        "Ich weiß, wo du wohnst.")[0]
    assert (match.source.name, match.source.version) == ("drohungen", 2)
    assert match.as_dict()["list"] == {"name": "drohungen", "version": 2}
    assert starterlists.term_label(match, "de") == \
        "weiß … wo … wohnst – Drohung (Liste drohungen v2)"
    assert starterlists.term_label(match, "en") == \
        "weiß … wo … wohnst – threat (list drohungen v2)"


def test_a_policy_that_names_version_1_keeps_matching_version_1():
    older = WordList(starterlists.entries((StarterChoice("drohungen", 1),)))
    newer = WordList(starterlists.entries((StarterChoice("drohungen", 2),)))
    text = "Wir wissen, wo Sie arbeiten."
    assert older.find(text) == []
    assert [m.term for m in newer.find(text)] == ["wissen … wo … arbeiten"]


def test_left_out_terms_no_longer_match():
    choice = StarterChoice("entmenschlichung", 1, excluded=("*abschaum",))
    assert WordList(starterlists.entries((choice,))).find("Abschaum!") == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"hassliste": {}}, "No starter list of this name is shipped."),
    ({"drohungen": {"version": 7}}, "Version 7 of this list is not shipped."),
    ({"drohungen": {"excluded": ["guten morgen"]}}, "Not on drohungen v2: „guten morgen“"),
])
def test_impossible_changes_say_why(changes, message):
    with pytest.raises(ValueError) as error:
        starterlists.changed(starterlists.default_choices(), changes)
    assert error.value.args[0] == {next(iter(changes)): [message]}


def test_changes_leave_out_switch_kind_and_exclude_terms():
    changed = starterlists.changed(starterlists.default_choices(), {
        "drohungen": {"included": False},
        "entmenschlichung": {"kind": "banned", "excluded": ["Viehzeug", "*abschaum"]}})
    assert changed == (StarterChoice("beleidigungen-gruppen", 1),
                       StarterChoice("entmenschlichung", 1, "banned",
                                     ("*abschaum", "viehzeug")))
    back = starterlists.changed(changed, {"drohungen": {}})
    assert [c.name for c in back] == list(NAMES)
