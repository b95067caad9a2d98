"""The language a story's text is most likely written in, to catch a story
whose language was left at the site's default (a Portuguese story going
out as lang="en"). py3langid ships its model inside the package: nothing
is downloaded at run time; the model loads once per process (~0.4 s)."""

import functools

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Shorter text says too little.
MIN_CHARACTERS = 40
# Ask only when the text is clearly in another language than the chosen
# one: the guess at least this sure, the chosen language at most this likely
# (close languages, Portuguese and Galician, share the rest).
MIN_CONFIDENCE = 0.8
MAX_CHOSEN = 0.01


@functools.cache
def _identifier(bases: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(identifier.labels)
    identifier.set_languages([base for base in bases if base in known])
    return identifier


def other_language(text: str, chosen: str, choices) -> str | None:
    """The code among `choices` (the stories' language codes: "en",
    "pt-br", "zh-hans"...) that `text` is clearly written in when that is
    not `chosen`'s language; None when the text is short, the guess unsure,
    or the chosen language plausible. A base language stands for its first
    code in `choices`, or `chosen` when that is one of its variants."""
    text = " ".join(text.split())
    if len(text) < MIN_CHARACTERS:
        return None
    by_base: dict[str, str] = {}
    for code in choices:
        by_base.setdefault(code.split("-")[0], code)
    chosen_base = chosen.split("-")[0]
    by_base[chosen_base] = chosen
    ranks = dict(_identifier(tuple(sorted(by_base))).rank(text))
    best = max(ranks, key=ranks.get)
    if best == chosen_base or ranks[best] < MIN_CONFIDENCE:
        return None
    if ranks.get(chosen_base, 0.0) > MAX_CHOSEN:
        return None
    return by_base.get(best)
