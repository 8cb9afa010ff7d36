"""HTML and Jira ADF fields: text nodes and attributes scrubbed, markup kept."""

from __future__ import annotations

from scrubber.batch.fields import FieldMap
from scrubber.batch.partition import BatchConfig, scrub_partition

from .data import secrets_for


def _one(cfg: BatchConfig, fields: FieldMap, record: dict[str, object]) -> dict[str, object]:
    part = scrub_partition([record], cfg.with_fields(fields))
    out = part.records[0]
    assert isinstance(out, dict)
    return out


def test_html_text_nodes_and_href_are_scrubbed_markup_kept(cfg: BatchConfig) -> None:
    _, stripe = secrets_for(1)
    html = (f'<div class="x"><p>key {stripe} &amp; co</p>'
            f'<a href="https://app.test/?mail=jane@kestrel.io">link</a></div>')
    out = _one(cfg, FieldMap(html=("body",)), {"id": 1, "body": html})["body"]
    assert isinstance(out, str)
    assert stripe not in out
    assert "jane@kestrel.io" not in out
    assert out.startswith('<div class="x"><p>key sk_live_')
    assert "&amp; co</p>" in out
    assert 'href="https://app.test/?mail=&lt;EMAIL_ADDRESS&gt;"' in out


def test_unchanged_html_is_kept_byte_for_byte(cfg: BatchConfig) -> None:
    html = "<p>Caf&eacute; &amp; <b>order</b> 12345 &#8212; thanks</p><!-- x -->"
    assert _one(cfg, FieldMap(html=("body",)), {"id": 1, "body": html})["body"] == html


def test_a_key_split_by_inline_tags_is_removed_from_every_node(cfg: BatchConfig) -> None:
    _, stripe = secrets_for(2)
    html = f"<p>key <b>{stripe[:12]}</b><wbr>{stripe[12:20]}<span>{stripe[20:]}</span> end</p>"
    out = _one(cfg, FieldMap(html=("body",)), {"id": 1, "body": html})["body"]
    assert isinstance(out, str)
    for piece in (stripe[12:20], stripe[20:]):
        assert piece not in out
    assert "[REDACTED:stripe-live-key]" in out
    assert out.endswith(" end</p>")


def test_jira_adf_text_nodes_and_link_marks(cfg: BatchConfig) -> None:
    gh, _ = secrets_for(3)
    doc = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": f"token {gh}"},
        {"type": "text", "text": "mail", "marks": [
            {"type": "link", "attrs": {"href": "mailto:jane@kestrel.io"}}]}]}]}
    out = _one(cfg, FieldMap(adf=("fields.description",)),
               {"id": 1, "fields": {"description": doc}})
    text = str(out)
    assert gh not in text
    assert "jane@kestrel.io" not in text
    para = out["fields"]["description"]["content"][0]  # type: ignore[index]
    assert para["content"][0]["text"].startswith("token ghp_")
    assert para["content"][1]["marks"][0]["attrs"]["href"] == "mailto:<EMAIL_ADDRESS>"
    assert out["fields"]["description"]["version"] == 1  # type: ignore[index]
