"""Help-desk exports: vendor field maps scrub every text leaf, HTML and ADF; ids stay."""

from __future__ import annotations

import json
from pathlib import Path

from scrubber.batch.exports import VENDORS, vendor_map
from scrubber.batch.partition import BatchConfig
from scrubber.batch.runner import run_files

from .data import secrets_for

GH, STRIPE = secrets_for(9)
MAIL = "jane.roe@kestrel.io"

SAMPLES = {
    "zendesk": {"id": 35436, "subject": f"Key {GH}", "created_at": "2024-01-02T03:04:05Z",
                "status": "open", "requester_id": 20978392,
                "comments": [{"id": 1274, "body": f"mail {MAIL}", "public": False,
                              "html_body": f'<p>key <a href="https://x.io/?k={STRIPE}">x</a></p>',
                              "attachments": [{"file_name": f"{MAIL}.png", "id": 5}]}]},
    "freshdesk": {"id": 20, "description": f"<div>{STRIPE}</div>", "description_text": STRIPE,
                  "cc_emails": [MAIL], "due_by": "2024-01-02T03:04:05Z", "status": 2,
                  "custom_fields": {"cf_note": f"token {GH}"}},
    "helpscout": {"id": 10, "number": 12, "subject": "hi", "createdAt": "2024-01-02T03:04:05Z",
                  "_embedded": {"threads": [{"id": 1, "type": "customer",
                                             "body": f"<p>{GH} from {MAIL}</p>"}]}},
    "intercom": {"id": "1911", "type": "conversation", "source": {"body": f"<p>{STRIPE}</p>",
                                                                 "author": {"email": MAIL}},
                 "conversation_parts": {"conversation_parts": [
                     {"id": "7", "part_type": "comment", "body": f"<p>{GH}</p>"}]}},
    "jira": {"id": "10002", "key": "SUP-7", "fields": {
        "summary": f"leaked {GH}", "comment": {"comments": [{"id": "1", "body": {
            "type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": f"mail {MAIL}"}]}]}}]},
        "description": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": STRIPE}]}]}}},
}


def test_every_vendor_has_a_sample() -> None:
    assert set(SAMPLES) == set(VENDORS)


def test_exports_scrub_text_html_and_adf_and_keep_ids(cfg: BatchConfig, tmp_path: Path) -> None:
    for vendor, record in SAMPLES.items():
        src = tmp_path / f"{vendor}.jsonl"
        src.write_text(json.dumps(record) + "\n")
        vcfg = cfg.with_fields(vendor_map(vendor))
        result = run_files([str(src)], vcfg, out_dir=tmp_path / vendor, report_dir=tmp_path / "r")
        text = (tmp_path / vendor / src.name).read_text()
        for value in (GH, STRIPE, MAIL):
            assert value not in text, vendor
        out = json.loads(text)
        assert out["id"] == record["id"], vendor
        assert result.failed == 0
        assert result.changed == 1
    z = json.loads((tmp_path / "zendesk" / "zendesk.jsonl").read_text())
    assert z["created_at"] == "2024-01-02T03:04:05Z"
    assert z["requester_id"] == 20978392
    assert z["comments"][0]["html_body"].startswith('<p>key <a href="https://x.io/?k=sk_live_')
    j = json.loads((tmp_path / "jira" / "jira.jsonl").read_text())
    assert j["key"] == "SUP-7"
    assert j["fields"]["description"]["content"][0]["content"][0]["text"].startswith("sk_live_")
