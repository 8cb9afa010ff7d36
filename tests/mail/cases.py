"""The 18 tricky MIME cases of the research note, built from placeholders (no committed keys).

Each case is an RFC 5322 message built here with fake values from ``scrubber.fakes``;
``tests/mail/golden/<name>.eml`` holds the scrubbed output. Regenerate the goldens with
``SCRUBBER_REGEN_GOLDEN=1 python -m pytest tests/mail/test_cases.py`` after reviewing a change.
"""

from __future__ import annotations

import base64
import binascii
import io
import quopri
import zipfile
from collections.abc import Callable

from scrubber.fakes import expand

SEED = "mail-cases"
GH = expand("{{crc32:ghp_}}", SEED)
GH2 = expand("{{crc32:ghp_#2}}", SEED)
STRIPE = expand("sk_live_{{alnum:24}}", SEED)
SLACK = expand("xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}", SEED)
CARD = expand("{{card:4:16}}", SEED)
EMAIL = "jane.doe@kestrel-analytics.co"
#: every full secret value the cases contain (none may survive scrubbing)
SECRETS = (GH, GH2, STRIPE, SLACK)
CRLF = "\r\n"


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", CRLF)


def _qp(data: bytes) -> str:
    return quopri.encodestring(data).decode().replace("\r\n", "\n").replace("\n", CRLF)


def _q(text: str) -> str:
    """RFC 2047 Q-encoding of ASCII text (an underscore is a space there)."""
    return text.replace("_", "=5F").replace(" ", "_")


def head(subject: str = "Ticket", extra: str = "", mid: str = "case") -> str:
    return (f"From: Jane Doe <{EMAIL}>{CRLF}To: support@example.test{CRLF}"
            f"Subject: {subject}{CRLF}Message-ID: <{mid}@example.test>{CRLF}"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000{CRLF}MIME-Version: 1.0{CRLF}{extra}")


def multipart(kind: str, parts: list[str], boundary: str = "BND") -> str:
    body = "".join(f"--{boundary}{CRLF}{p}{CRLF}" for p in parts)
    return (f"Content-Type: multipart/{kind}; boundary=\"{boundary}\"{CRLF}{CRLF}"
            f"{body}--{boundary}--{CRLF}")


def part(ctype: str, body: str, cte: str = "7bit", extra: str = "") -> str:
    return (f"Content-Type: {ctype}{CRLF}Content-Transfer-Encoding: {cte}{CRLF}{extra}{CRLF}"
            f"{body}")


def c01_alternative() -> bytes:
    text = f"Hi,{CRLF}my key is {STRIPE}{CRLF}Thanks{CRLF}".encode()
    html = f"<p>key <b>{GH}</b></p>".encode()
    return (head(mid="c01") + multipart("alternative", [
        part("text/plain; charset=utf-8", _qp(text), "quoted-printable"),
        part("text/html; charset=utf-8", _b64(html), "base64")])).encode()


def c02_split_encodings() -> bytes:
    qp = f"token={GH[:20]}={CRLF}{GH[20:]}{CRLF}"
    long_line = ("x" * 40 + f" {STRIPE} " + "y" * 40).encode()
    return (head(mid="c02") + multipart("mixed", [
        part("text/plain; charset=us-ascii", qp, "quoted-printable"),
        part("text/plain; charset=us-ascii", _b64(long_line), "base64")])).encode()


def c03_subject_encodings() -> bytes:
    b = base64.b64encode(f"key {GH}".encode()).decode()
    split = f"=?utf-8?q?a_{_q(STRIPE[:12])}?= =?utf-8?q?{_q(STRIPE[12:])}_b?="
    folded = f"Thread-Topic: =?iso-8859-1?q?cl=E9_{_q(GH2)}?={CRLF}"
    return (head(subject=f"=?utf-8?b?{b}?=", mid="c03", extra=folded
                 + f"Comments: first line{CRLF} {split}{CRLF}")
            + part("text/plain; charset=us-ascii", f"see subject{CRLF}")).encode()


def c04_names() -> bytes:
    disposition = f"attachment; filename*=utf-8''prod-{GH}.txt"
    return (f"From: \"{STRIPE}\" <jane@example.test>{CRLF}"
            + head(mid="c04").split(CRLF, 1)[1]
            + multipart("mixed", [
                part("text/plain; charset=us-ascii", f"hello{CRLF}"),
                part("text/plain; charset=us-ascii", f"nothing here{CRLF}",
                     extra=f"Content-Disposition: {disposition}{CRLF}")])).encode()


def c05_utf8() -> bytes:
    return (f"From: Zoë <zoe@example.test>{CRLF}To: support@example.test{CRLF}"
            f"Subject: clé {GH}{CRLF}Message-ID: <c05@example.test>{CRLF}"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000{CRLF}MIME-Version: 1.0{CRLF}"
            f"Content-Type: text/plain; charset=utf-8{CRLF}{CRLF}"
            f"Grüße, mein Schlüssel: {STRIPE}{CRLF}").encode()


def c06_charsets() -> bytes:
    jp = f"鍵は {GH} です{CRLF}".encode("iso-2022-jp")
    utf16 = f"key={STRIPE}\n".encode("utf-16")
    mislabel = f"caf\xe9 {GH2}{CRLF}".encode("latin-1")
    return (head(mid="c06") + multipart("mixed", [
        part("text/plain; charset=iso-2022-jp", jp.decode("ascii")),
        part("text/plain; charset=utf-16", _b64(utf16), "base64"),
        part("text/plain; charset=us-ascii", mislabel.decode("latin-1"), "8bit"),
        part("text/plain; charset=x-unknown-charset", f"k {SLACK}{CRLF}")])).encode(
            "latin-1")


def c07_forwarded() -> bytes:
    inner = (head(subject="inner", mid="c07-inner") + multipart("alternative", [
        part("text/plain; charset=utf-8", f"key {GH}{CRLF}")], "IN1"))
    eml = (head(mid="c07-eml") + part("text/plain; charset=utf-8", f"key {STRIPE}{CRLF}"))
    level3 = inner
    for i in range(2):
        level3 = head(mid=f"c07-l{i}") + f"Content-Type: message/rfc822{CRLF}{CRLF}" + level3
    return (head(mid="c07") + multipart("mixed", [
        part("text/plain; charset=us-ascii", f"forwarding{CRLF}"),
        f"Content-Type: message/rfc822{CRLF}{CRLF}{inner}",
        part("application/octet-stream; name=\"ticket.eml\"", _b64(eml.encode()), "base64"),
        f"Content-Type: message/rfc822{CRLF}{CRLF}{level3}"])).encode()


def c08_text_attachments() -> bytes:
    def attach(name: str, ctype: str, body: str) -> str:
        disposition = f"Content-Disposition: attachment; filename=\"{name}\"{CRLF}"
        return part(ctype, body, extra=disposition)
    return (head(mid="c08") + multipart("mixed", [
        attach("app.log", "text/x-log", f"ERROR auth {STRIPE}{CRLF}"),
        attach("cfg.json", "application/json", f"{{\"token\": \"{GH}\"}}{CRLF}"),
        attach("prod.env", "application/octet-stream", f"SLACK={SLACK}{CRLF}"),
        attach("users.csv", "text/csv", f"name,email,card{CRLF}Jane,{EMAIL},{CARD}{CRLF}")])
            ).encode()


def _docx(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("word/document.xml", date_time=(2026, 11, 27, 10, 0, 0))
        z.writestr(info, f"<w:document><w:t>{text}</w:t></w:document>", zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def c09_binaries() -> bytes:
    pdf = f"%PDF-1.4\n1 0 obj\n<<>>\nstream\nBT ({STRIPE}) Tj ET\nendstream\nendobj\n".encode()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    clean_zip = _docx("nothing secret here")

    def attach(name: str, ctype: str, data: bytes) -> str:
        return part(ctype, _b64(data), "base64",
                    f"Content-Disposition: attachment; filename=\"{name}\"{CRLF}")
    return (head(mid="c09") + multipart("mixed", [
        part("text/plain; charset=us-ascii", f"see attachments{CRLF}"),
        attach("invoice.pdf", "application/pdf", pdf),
        attach("notes.docx", "application/vnd.openxmlformats-officedocument."
               "wordprocessingml.document", _docx(f"key {GH}")),
        attach("logo.png", "image/png", png),
        attach("archive.zip", "application/zip", clean_zip),
        attach("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22" + bytes(64))])
            ).encode()


def c10_html() -> bytes:
    entity = "".join(f"&#{ord(c)};" for c in STRIPE[:6]) + STRIPE[6:]
    html = (f"<html><body><a href=\"https://x.test/cb?api_key={GH}&amp;x=1\">link</a>"
            f"<pre>{SLACK}</pre><p>{entity}</p><p><span>{GH2[:10]}</span>"
            f"<span>{GH2[10:]}</span></p><!-- {STRIPE} --></body></html>{CRLF}")
    return (head(mid="c10") + part("text/html; charset=utf-8", html)).encode()


def c11_long_lines() -> bytes:
    line = "x" * 963 + " " + STRIPE  # 996 octets; the longer mask forces quoted-printable
    masked = "a" * 900 + " " + EMAIL + " " + "b" * 60
    return (head(mid="c11") + part("text/plain; charset=us-ascii",
                                   f"{line}{CRLF}{masked}{CRLF}")).encode()


def c12_signed_encrypted() -> bytes:
    signed = multipart("signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256", [
        part("text/plain; charset=us-ascii", f"key {GH}{CRLF}"),
        part("application/pgp-signature", f"-----BEGIN PGP SIGNATURE-----{CRLF}"
             f"iQEzBAEBCAAdFiEE{CRLF}-----END PGP SIGNATURE-----{CRLF}")], "SIG")
    enc = part("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
               _b64(bytes(range(200))), "base64")
    return (head(mid="c12") + multipart("mixed", [signed.rstrip(CRLF) + CRLF, enc], "OUT")
            ).encode()


def c13_dkim_signed() -> bytes:
    dkim = (f"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=sel; h=from:subject;{CRLF}"
            f"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA{CRLF}")
    arc = f"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.test; s=sel; b=BBBB{CRLF}"
    auth = f"Authentication-Results: mx.example.test; dkim=pass header.d=example.test{CRLF}"
    received = (f"Received: from mx.example.test (mx.example.test [192.0.2.1]){CRLF}"
                f"\tby scrub.example.test; Fri, 27 Nov 2026 10:00:00 +0000{CRLF}")
    return (received + dkim + arc + auth + head(subject=f"key {GH}", mid="c13")
            + part("text/plain; charset=us-ascii", f"body {STRIPE}{CRLF}")).encode()


def c14_malformed() -> bytes:
    body = (f"Content-Type: multipart/mixed; boundary=\"M\"{CRLF}"
            f"Content-Type: text/plain{CRLF}{CRLF}"
            f"--M{CRLF}Content-Type: text/plain{CRLF}{CRLF}"
            f"--Mnot-a-boundary {GH}{CRLF}nul\x00byte{CRLF}"
            f"--M{CRLF}Content-Type: text/plain{CRLF}{CRLF}bare\nlf {STRIPE}\n")
    return (head(mid="c14") + body).encode()


def c15_dots() -> bytes:
    return (head(mid="c15") + part("text/plain; charset=us-ascii",
                                   f".leading dot {GH}{CRLF}.{CRLF}..double{CRLF}")).encode()


def c16_clean() -> bytes:
    html = "<p>Request <b>req_8a7d6f5e</b> failed with 500 &amp; retried.</p>"
    return (head(subject="=?utf-8?q?Caf=C3=A9_bug?=", mid="c16") + multipart("mixed", [
        part("text/plain; charset=utf-8", "Status 500 at 2026-11-27T10:02:11Z\r\n.dot\r\nJosé\r\n",
             "8bit"),
        part("text/html; charset=utf-8", _b64(html.encode()), "base64"),
        part("text/plain; charset=utf-8", _qp("Ünïcode clean line ".encode() * 8),
             "quoted-printable"),
        part("image/png", _b64(b"\x89PNG\r\n\x1a\n" + bytes(100)), "base64")])).encode()


def c17_calendar() -> bytes:
    desc = f"DESCRIPTION:Rotate {GH} today please and also check the other service"
    folded = CRLF.join([desc[:75]] + [" " + desc[i:i + 74] for i in range(75, len(desc), 74)])
    ics = (f"BEGIN:VCALENDAR{CRLF}BEGIN:VEVENT{CRLF}{folded}{CRLF}END:VEVENT{CRLF}"
           f"END:VCALENDAR{CRLF}")
    return (head(mid="c17") + part("text/calendar; charset=utf-8; method=REQUEST",
                                   _b64(ics.encode()), "base64")).encode()


def c18_pasted_blobs() -> bytes:
    blob = base64.encodebytes(f"config: token={GH}\nother: 1\n".encode()).decode()
    uu = binascii.b2a_uu(f"SLACK={SLACK}"[:45].encode()).decode()
    uu2 = binascii.b2a_uu(f"SLACK={SLACK}"[45:].encode()).decode()
    text = (f"pasted log:{CRLF}{blob.replace(chr(10), CRLF)}and uu:{CRLF}"
            f"begin 644 env.txt{CRLF}{uu.strip()}{CRLF}{uu2.strip()}{CRLF}`{CRLF}end{CRLF}")
    return (head(mid="c18") + part("text/plain; charset=us-ascii", text)).encode()


def nested(levels: int) -> bytes:
    """A message nested ``levels`` multiparts deep."""
    raw = b"Content-Type: text/plain\r\n\r\nhi\r\n"
    for i in range(levels):
        b = f"b{i}".encode()
        raw = (b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n"
               + raw + b"\r\n--" + b + b"--\r\n")
    return raw


CASES: tuple[tuple[str, Callable[[], bytes]], ...] = (
    ("01-alternative-qp-base64", c01_alternative),
    ("02-split-by-soft-break-and-wrap", c02_split_encodings),
    ("03-rfc2047-subjects", c03_subject_encodings),
    ("04-display-name-rfc2231-filename", c04_names),
    ("05-8bit-utf8-headers", c05_utf8),
    ("06-charsets", c06_charsets),
    ("07-forwarded-nested", c07_forwarded),
    ("08-text-attachments", c08_text_attachments),
    ("09-binary-attachments", c09_binaries),
    ("10-html", c10_html),
    ("11-long-lines", c11_long_lines),
    ("12-signed-encrypted", c12_signed_encrypted),
    ("13-dkim-arc-trace", c13_dkim_signed),
    ("14-malformed", c14_malformed),
    ("15-dot-stuffing", c15_dots),
    ("16-clean-no-match", c16_clean),
    ("17-calendar", c17_calendar),
    ("18-pasted-blobs", c18_pasted_blobs),
)
