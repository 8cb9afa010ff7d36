"""Scrubbing twice gives the first result, also where a PII value sits right after a name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scrubber
from scrubber import ruletest
from scrubber.fakes import expand

from .conftest import TEST_KEY

RULES = scrubber.load_rules()
DEFAULT = scrubber.Scrubber(RULES, key=TEST_KEY)
PII_VALUES = sorted({c.secret or c.text for r in RULES if r.kind == "pii"
                     for c in ruletest.cases(r) if c.kind == "match"})
IBAN = expand("{{iban:DE}}", "idempotence")
CUES = ("Grüße, ", "Thanks, ", "Best,\n", "Hi ", "Dear ", "Cheers - ", "Saludos,\n",
        "My name is ", "Kind regards,\n")
NAMES = ("Zoë", "Anna", "Zoë Müller", "Seán O'Brien", "JOHN SMITH", "Marie-Claire Dupont")


@pytest.mark.parametrize("text", [
    f"Grüße, Zoë {IBAN}",
    f"Thanks, Zoë Müller {IBAN}",
    f"Hi Zoë {IBAN} thanks",
    "Best,\nAnna DE89 3704 0044 0532 0130 00",
])
def test_issue_8_name_before_a_pii_value_is_found_on_the_first_pass(text: str) -> None:
    once = DEFAULT.scrub(text)
    assert "PERSON" in once.text
    assert DEFAULT.scrub(once.text).text == once.text


@given(st.sampled_from(CUES), st.sampled_from(NAMES), st.sampled_from((" ", ", ", "\n", " - ")),
       st.sampled_from(PII_VALUES), st.sampled_from(("", " thanks", "\n", ".")))
def test_issue_8_idempotent_with_a_name_next_to_any_pii(cue: str, name: str, sep: str,
                                                        value: str, tail: str) -> None:
    once = DEFAULT.scrub(f"{cue}{name}{sep}{value}{tail}").text
    assert DEFAULT.scrub(once).text == once
