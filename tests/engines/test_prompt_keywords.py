"""Keywords beyond each category's own terms: a mood's cue words, colours carried by things, word forms."""


def found(analysis) -> dict[str, list[str]]:
    return {c: [k.term for k in ks] for c, ks in analysis.keywords.items()}


def test_a_mood_s_cue_words_are_mood_keywords(analyzer):
    """The labelled set marks a mood where the scene implies one; the words that imply it are what the user sees."""
    words = found(analyzer.analyze("violent storm over the sea, crashing waves against the cliffs"))
    assert {"violent", "storm", "crashing waves"} <= set(words["mood"])
    assert found(analyzer.analyze("a kitchen table, a lamp, two chairs"))["mood"] == []


def test_a_mood_phrase_does_not_hide_another_category_s_word(analyzer):
    words = found(analyzer.analyze("a candlelit dinner for two on a terrace"))
    assert "candlelit dinner" in words["mood"] and "candlelit" in words["lighting"]


def test_things_that_carry_a_colour_give_it_to_the_palette(analyzer):
    analysis = analyzer.analyze("a field of poppies swaying in the wind")
    assert found(analysis)["colour"] == ["poppies"]
    assert analysis.palette[0] == {"hex": analyzer.lexicon["colours"]["red"], "name": "red",
                                   "why": "the colour of poppies"}


def test_word_forms_count(analyzer):
    words = found(analyzer.analyze("a rusting gate between two stones"))
    assert {"rust", "stones"} <= set(words["texture"])  # "stones" is its own term


def test_a_compound_s_ending_says_what_kind_of_word_it_is(analyzer):
    words = found(analyzer.analyze("a moss-covered wall, a sun-drenched yard, rose-tinted windows"))
    assert "moss-covered" in words["texture"] and "sun-drenched" in words["lighting"]
    assert "rose-tinted" in words["colour"]


def test_what_a_thing_is_made_of_is_its_texture(analyzer):
    """Any material after "made of" counts, listed in the lexicon or not: "starlight" is in no texture list."""
    words = found(analyzer.analyze("a dancer made of starlight, a city carved from obsidian"))
    assert {"starlight", "obsidian"} <= set(words["texture"])
    assert found(analyzer.analyze("a dancer in starlight"))["texture"] == []
    sources = {k.term: k.source for k in analyzer.analyze("a dancer carved from starlight").keywords["texture"]}
    assert sources["starlight"] == "after 'carved from'"


def test_a_colour_after_a_hyphen_is_still_a_colour(analyzer):
    words = found(analyzer.analyze("a sky-blue door, jet-black hair, a sea-green vase"))
    assert {"sky-blue", "jet-black", "sea-green"} <= set(words["colour"])


def test_english_words_that_are_foreign_material_names_are_not_keywords(analyzer):
    """"or" is French for gold and "arena" Spanish for sand: in an English prompt they are neither."""
    words = found(analyzer.analyze("a red or blue dragon in an arena"))
    assert "or" not in words["texture"] and "arena" not in words["texture"]


def test_colour_names_beyond_the_basic_ones_are_colours(analyzer):
    """Painters' and fashion names, "-ish" colours and colour film stocks all say what colours a picture has."""
    words = found(analyzer.analyze("a mauve dress, a reddish sky, a fox with a russet coat, kodachrome photo"))
    assert {"mauve", "reddish", "russet", "kodachrome"} <= set(words["colour"])
    analysis = analyzer.analyze("a peacock on a garden wall")
    assert found(analysis)["colour"] == ["peacock"]
    assert analysis.palette[0]["why"] == "the colour of peacock"
