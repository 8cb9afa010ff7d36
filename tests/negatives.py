"""Deterministic generator of realistic support-ticket text that holds no secret and no PII.

The hard-negatives corpus for issue 3: everything that merely looks random or looks like a
key but is not one. Request ids (``req_...``, ``X-Request-Id`` UUIDs, trace ids), org and
project ids, cloud resource ids, git SHAs, sha256/sha512 digests, base64 images, minified
JS, lockfile integrity hashes (package-lock, yarn.lock, pip, Cargo, go.sum), Subresource
Integrity attributes, placeholders (``YOUR_API_KEY``, ``<token>``, ``sk-...``, ``xxxx``),
documentation example keys, already-masked keys, key prefixes quoted alone, camelCase
identifiers, file paths, URLs, version strings, timestamps, stack traces, JSON bodies, hex
colours, JWT-like strings that are not JWTs, random-looking slugs and multilingual prose.

Ticket ``i`` is built from its own ``random.Random`` seeded by ``(seed, i)`` (string seeds
do not depend on ``PYTHONHASHSEED``), so the corpus is the same in every process. Random
runs come from ``randbytes`` in bulk, which keeps 5 MB well under a second or two.

>>> len(corpus(20_000, seed=1)) > 3
True
"""

# ruff: noqa: RUF001  (typographic quotes and full-width punctuation are part of the prose)
from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable, Iterator

MB = 1_000_000

Gen = Callable[[random.Random], str]

ALNUM = string.ascii_letters + string.digits
_B64_TO_ALNUM = str.maketrans({"+": "k", "/": "Q", "=": ""})
_B64_TO_LOWALNUM = str.maketrans({"+": "x", "/": "7", "=": ""})


# --------------------------------------------------------------------------- random runs


def b64(rng: random.Random, n: int) -> str:
    """``n`` characters of standard base64 (no padding)."""
    return base64.b64encode(rng.randbytes(n)).decode()[:n]


def b64url(rng: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(n)).decode()[:n]


def alnum(rng: random.Random, n: int) -> str:
    return b64(rng, n + 4).translate(_B64_TO_ALNUM)[:n]


def lowalnum(rng: random.Random, n: int) -> str:
    return b64(rng, n + 4).lower().translate(_B64_TO_LOWALNUM)[:n]


def hexs(rng: random.Random, n: int) -> str:
    return rng.randbytes((n + 1) // 2).hex()[:n]


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pick(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[rng.randrange(len(items))]


def ts(rng: random.Random) -> str:
    return (f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d}Z")


# --------------------------------------------------------------------------- prose

PROSE: tuple[str, ...] = (
    "Hi team, since this morning every call to the export endpoint returns a 502 for us.",
    "We rotated our credentials last week as recommended, and the new ones work in staging.",
    "Could you check whether the rate limit for our organisation was lowered? We now see 429s.",
    "The dashboard shows the usage correctly, but the invoice for March is missing two days.",
    "I followed the quickstart step by step and still get an authentication error.",
    "Our build pipeline started failing after the SDK upgrade; the log is below.",
    "Thanks for the quick answer yesterday! Unfortunately the workaround did not help.",
    "Please note that we never shared the key with anyone; it only lives in our vault.",
    "The webhook deliveries are delayed by 10 to 15 minutes since the maintenance window.",
    "Is there a way to scope a key to a single project? The docs are not clear about it.",
    "Guten Tag, seit dem Update bekommen wir beim Hochladen großer Dateien einen Timeout.",
    "Die Rechnung enthält eine doppelte Position, bitte korrigieren Sie das für Mai.",
    "Wir haben den Schlüssel wie beschrieben erneuert, aber der Fehler bleibt bestehen.",
    "Bonjour, depuis ce matin l’API renvoie « invalid_request » pour toutes nos requêtes.",
    "Pourriez-vous vérifier la configuration de notre projet ? Merci d’avance.",
    "La clé a été régénérée hier, mais l’ancienne semble encore fonctionner.",
    "Hola, desde la actualización el webhook ya no recibe eventos de pago.",
    "¿Podrían revisar por qué la factura de abril muestra un cargo duplicado?",
    "Olá, o limite de requisições parece ter mudado sem aviso prévio.",
    "Ciao, la chiamata all’endpoint di esportazione fallisce con un errore 500.",
    "こんにちは。昨日からAPIの応答が遅くなっています。確認をお願いします。",
    "請求書の金額が間違っているようです。ご確認いただけますか。",
    "您好，我们的 Webhook 从昨天开始无法接收事件，请帮忙查看。",
    "Здравствуйте, после обновления SDK запросы завершаются с ошибкой 401.",
    "안녕하세요, 대시보드에서 사용량이 표시되지 않습니다.",
    "Merhaba, fatura sayfası açılmıyor, yardımcı olabilir misiniz?",
    "Cześć, od wczoraj eksport danych kończy się błędem przekroczenia czasu.",
    "The password field in the signup form is required and the error says so.",
    "The API key is shown only once, so we stored it in our secrets manager right away.",
    "I regenerated the token and updated the secret in GitHub Actions, no luck.",
    "Our security team asks whether tokens can be restricted by IP range.",
    "Looks great 👍 — we’ll roll it out on Monday 🚀 and report back.",
    "“It worked yesterday”, says our on-call engineer… and today it doesn’t.",
)
GREETINGS: tuple[str, ...] = ("Hello,", "Hi support,", "Dear team,", "Hallo zusammen,",
                              "Bonjour,", "Hola,", "お世話になっております。", "Hey folks,")
SIGNOFFS: tuple[str, ...] = ("Best regards,\nThe platform team", "Thanks,\nOps",
                             "Viele Grüße\nIT-Betrieb", "Cordialement,\nL’équipe technique",
                             "Saludos,\nSoporte interno", "よろしくお願いいたします。",
                             "Cheers,\nBackend crew")


def prose(rng: random.Random) -> str:
    return " ".join(pick(rng, PROSE) for _ in range(rng.randint(2, 6)))


# --------------------------------------------------------------------------- ids


def request_ids(rng: random.Random) -> str:
    lines = [
        f"request id: req_{alnum(rng, 24)}",
        f"X-Request-Id: {uid(rng)}",
        f"x-amzn-RequestId: {uid(rng)}",
        f"x-amz-id-2: {b64(rng, 76)}=",
        f"x-amz-cf-id: {b64url(rng, 54)}==",
        f"traceparent: 00-{hexs(rng, 32)}-{hexs(rng, 16)}-01",
        f"cf-ray: {hexs(rng, 16)}-FRA",
        f"x-correlation-id: {uid(rng)}",
        f"Anthropic request_id: req_011C{alnum(rng, 20)}",
        f"Sentry event id {hexs(rng, 32)}",
        f'ETag: "{hexs(rng, 32)}"',
        f"x-goog-request-id: {lowalnum(rng, 26)}",
        f"trace_id={hexs(rng, 32)} span_id={hexs(rng, 16)}",
    ]
    rng.shuffle(lines)
    return "\n".join(lines[:rng.randint(2, 6)])


def org_ids(rng: random.Random) -> str:
    items = [
        f"org-{alnum(rng, 24)}", f"proj_{alnum(rng, 24)}", f"user-{alnum(rng, 24)}",
        f"asst_{alnum(rng, 24)}", f"thread_{alnum(rng, 24)}", f"run_{alnum(rng, 24)}",
        f"file-{alnum(rng, 22)}", f"chatcmpl-{alnum(rng, 29)}", f"msg_01{alnum(rng, 22)}",
        f"toolu_01{alnum(rng, 22)}", f"cus_{alnum(rng, 14)}", f"pi_3{alnum(rng, 23)}",
        f"ch_3{alnum(rng, 23)}", f"evt_1{alnum(rng, 23)}", f"acct_1{alnum(rng, 15)}",
        f"sub_1{alnum(rng, 23)}", f"in_1{alnum(rng, 23)}", f"price_1{alnum(rng, 23)}",
        f"AC{hexs(rng, 32)}", f"CA{hexs(rng, 32)}", f"SM{hexs(rng, 32)}",
        f"i-0{hexs(rng, 16)}", f"vpc-0{hexs(rng, 16)}", f"sg-0{hexs(rng, 16)}",
        f"ami-0{hexs(rng, 16)}", f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/ci-deploy",
        f"/subscriptions/{uid(rng)}/resourceGroups/rg-prod/providers/Microsoft.Web/sites/api",
        f"tenant {uid(rng)}", f"projects/kestrel-prod-{rng.randint(100000, 999999)}",
        f"node_id MDQ6VXNlcj{b64(rng, 10)}=", f"PR_kwDO{b64url(rng, 14)}",
        f"Slack channel C0{alnum(rng, 9).upper()} user U0{alnum(rng, 9).upper()}",
        f"k8s uid {uid(rng)}", f"pod kestrel-api-{lowalnum(rng, 10)}-{lowalnum(rng, 5)}",
        f"container {hexs(rng, 64)}", f"image kestrel/api@sha256:{hexs(rng, 64)}",
        f"Discord message {rng.randint(10**17, 10**18)}",
    ]
    rng.shuffle(items)
    return "IDs for reference: " + ", ".join(items[:rng.randint(3, 9)])


def git_shas(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(2, 6)):
        out.append(f"commit {hexs(rng, 40)}\nAuthor: CI Bot <ci-bot>\nDate:   {ts(rng)}\n\n"
                   f"    {pick(rng, ('fix: retry on 502', 'chore: bump deps', 'feat: export'))}"
                   f" ({hexs(rng, 7)})\n")
    out.append(f"Merge: {hexs(rng, 7)} {hexs(rng, 7)}")
    out.append(f"https://git.kestrel.dev/kestrel/api/commit/{hexs(rng, 40)}")
    out.append(f"https://git.kestrel.dev/kestrel/api/compare/{hexs(rng, 12)}...{hexs(rng, 12)}")
    return "\n".join(out)


def digests(rng: random.Random) -> str:
    lines = [
        f"{hexs(rng, 64)}  kestrel-cli-linux-amd64.tar.gz",
        f"sha512: {hexs(rng, 128)}",
        f"md5sum {hexs(rng, 32)} export.csv",
        f"sha1 {hexs(rng, 40)}",
        f"Digest: sha256:{hexs(rng, 64)}",
        f"checksum = \"{hexs(rng, 64)}\"",
        f"h1:{b64(rng, 43)}=",
        f"--hash=sha256:{hexs(rng, 64)}",
        f"SHA256 fingerprint {':'.join(hexs(rng, 2).upper() for _ in range(32))}",
        f"SHA256:{b64(rng, 43)} jane@laptop (ED25519)",
        f"blake2b {hexs(rng, 128)}",
    ]
    rng.shuffle(lines)
    return "\n".join(lines[:rng.randint(2, 6)])


def base64_image(rng: random.Random) -> str:
    kind = pick(rng, ("png", "jpeg", "gif", "webp", "svg+xml"))
    head = {"png": "iVBORw0KGgoAAAANSUhEUgAA", "jpeg": "/9j/4AAQSkZJRgABAQ",
            "gif": "R0lGODlhAQABAIAAAP", "webp": "UklGRlYAAABXRUJQVlA4",
            "svg+xml": "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv"}[kind]
    body = b64(rng, rng.randint(800, 12000))
    return f'<img alt="screenshot" src="data:image/{kind};base64,{head}{body}==">'


def minified_js(rng: random.Random) -> str:
    names = ("e", "t", "n", "r", "o", "i", "a", "s", "u", "c", "l", "f", "d", "p")
    parts = ['!function(e,t){"object"==typeof exports?module.exports=t():e.Kestrel=t()}'
             '(this,function(){"use strict";']
    for _ in range(rng.randint(20, 80)):
        a, b, c = pick(rng, names), pick(rng, names), pick(rng, names)
        parts.append(pick(rng, (
            f"var {a}={b}.apiKey||{c}.env.KESTREL_API_KEY;",
            f"function {a}({b},{c}){{return {b}.headers.Authorization=\"Bearer \"+{c}.token,{b}}}",
            f"{a}.password={b}.password?{c}({b}.password):void 0;",
            f"const {a}=\"{hexs(rng, 20)}\";",
            f"{a}[{rng.randint(100, 999)}]=\"{hexs(rng, 16)}\";",
            f"{a}.exports={{accessToken:{b}.accessToken,refreshToken:{c}}};",
            f"if(!{a}.secret)throw new Error(\"missing secret\");",
            f"{a}=Object.assign({{}},{b},{{tokenType:\"Bearer\",expiresIn:3600}});",
            f"return {a}.map(function({b}){{return {b}.id}}).filter(Boolean);",
            f"{a}.prototype.getApiKey=function(){{return this._apiKey}};",
        )))
    chunks = ",".join(f'{rng.randint(10, 999)}:"{hexs(rng, 20)}"'
                      for _ in range(rng.randint(5, 30)))
    parts.append(f"var chunkHashes={{{chunks}}};}});")
    parts.append(f"//# sourceMappingURL=main.{hexs(rng, 8)}.js.map")
    return "".join(parts)


def lockfiles(rng: random.Random) -> str:
    pkgs = ("lodash", "react", "axios", "express", "typescript", "zod", "webpack", "jest")
    out = []
    for _ in range(rng.randint(2, 6)):
        name = pick(rng, pkgs)
        ver = f"{rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}"
        out.append(pick(rng, (
            f'    "node_modules/{name}": {{\n      "version": "{ver}",\n'
            f'      "resolved": "https://artifacts.kestrel.dev/npm/{name}/-/{name}-{ver}.tgz",\n'
            f'      "integrity": "sha512-{b64(rng, 86)}=="\n    }},',
            f'{name}@^{ver}:\n  version "{ver}"\n'
            f'  resolved "https://artifacts.kestrel.dev/npm/{name}/-/{name}-{ver}.tgz'
            f'#{hexs(rng, 40)}"\n'
            f"  integrity sha512-{b64(rng, 86)}==",
            f'{name}=={ver} \\\n    --hash=sha256:{hexs(rng, 64)} \\\n'
            f'    --hash=sha256:{hexs(rng, 64)}',
            f'[[package]]\nname = "{name}"\nversion = "{ver}"\nchecksum = "{hexs(rng, 64)}"',
            f"github.com/kestrel/{name} v{ver} h1:{b64(rng, 43)}=",
            f'"{name}": {{"version": "{ver}", "integrity": "sha1-{b64(rng, 27)}="}},',
        )))
    return "\n".join(out)


def sri(rng: random.Random) -> str:
    algo, n = pick(rng, ("sha256", "sha384", "sha512")), 0
    n = {"sha256": 43, "sha384": 64, "sha512": 86}[algo]
    pad = "=" if algo == "sha256" else ("" if algo == "sha384" else "==")
    return (f'<script src="https://cdn.kestrel.dev/sdk/{rng.randint(1, 5)}.{rng.randint(0, 9)}.0/'
            f'kestrel.min.js" integrity="{algo}-{b64(rng, n)}{pad}" crossorigin="anonymous">'
            f"</script>\n"
            f'<link rel="stylesheet" href="/static/app.{hexs(rng, 8)}.css" '
            f'integrity="sha384-{b64(rng, 64)}">')


def placeholders(rng: random.Random) -> str:
    lines = [
        "OPENAI_API_KEY=YOUR_API_KEY", "OPENAI_API_KEY=sk-...", "ANTHROPIC_API_KEY=<your key>",
        "STRIPE_SECRET_KEY=sk_test_...", "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
        "STRIPE_SECRET_KEY=sk_test_YOUR_SECRET_KEY",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "SLACK_BOT_TOKEN=xoxb-your-bot-token", "Authorization: Bearer <token>",
        "Authorization: Bearer $ACCESS_TOKEN", "Authorization: Bearer YOUR_ACCESS_TOKEN",
        "api_key: ${KESTREL_API_KEY}", "password: ********", "PASSWORD=changeme",
        "DB_PASSWORD=", "client_secret: <client-secret>", "token: {{ secrets.KESTREL_TOKEN }}",
        "secret: !Ref DbSecret", "apiKey: process.env.KESTREL_API_KEY",
        "aws_access_key_id = <access-key-id>", "AWS_SECRET_ACCESS_KEY=xxxx",
        "HEROKU_API_KEY=<heroku-api-key>", "X-Auth-Key: <global-api-key>",
        'curl -u "$USER:$PASSWORD" https://api.kestrel.dev/v1/me',
        "curl -H 'X-Api-Key: YOUR_API_KEY' https://api.kestrel.dev/v1/items",
        "export KESTREL_TOKEN=<paste token here>", "password: required",
        '"password": "string"', '"api_key": null', "api_key = os.environ['KESTREL_API_KEY']",
        "vaultKey: inf-vsqt-01-secret-id", "secretName: kestrel-tls-cert",
        "secretKeyRef:\n  name: kestrel-db\n  key: password",
        "password_min_length: 12", "token_type: Bearer", "expires_in: 3600",
        "OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "KESTREL_API_KEY=kst_live_<32 characters>",
        "NPM_TOKEN=npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ]
    rng.shuffle(lines)
    return "```\n" + "\n".join(lines[:rng.randint(3, 8)]) + "\n```"


def doc_examples(rng: random.Random) -> str:
    return pick(rng, (
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = us-west-2",
        "$ aws configure\nAWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\n"
        "AWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "Default region name [None]: us-west-2\nDefault output format [None]: json",
        "As in the docs: export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "The docs say: stripe.api_key = \"sk_test_...\" and then create a PaymentIntent.",
        "Example from your guide: curl https://api.kestrel.dev/v1/charges -u sk_test_xxx:",
        "jwt.io shows eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<payload>.<signature> as the layout.",
        "Your README uses KESTREL_API_KEY=kst_example_0000000000000000 in the snippet.",
        "From the Slack docs: token=xoxb-XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX",
    ))


def masked(rng: random.Random) -> str:
    tail = alnum(rng, 4)
    return pick(rng, (
        f"The dashboard shows the key as sk-proj-{tail}****, is that the right one?",
        f"our token ghp_**** was revoked? It ended in …{tail}.",
        f"aws configure list shows access_key ****************{tail.upper()}",
        f"key: sk_live_...{rng.randint(1000, 9999)} (masked in the UI)",
        f"Bearer sk-...{tail} returned 401",
        f"AKIA************{tail.upper()} is the key id from the console",
        f"xoxb-****-****-{tail} was posted in the channel by mistake and already rotated",
        f"api_key=****{tail}",
        f"The key ends in {tail}, starts with sk-ant-api03-",
        f"password: {'*' * rng.randint(6, 14)}",
        "Authorization: Bearer eyJhbGciOi... (truncated)",
    ))


def prefixes_alone(rng: random.Random) -> str:
    p = pick(rng, ("sk-proj-", "sk-ant-api03-", "ghp_", "github_pat_", "glpat-", "xoxb-",
                   "sk_live_", "rk_live_", "AKIA", "AIza", "npm_", "hf_", "SG.", "dop_v1_",
                   "pypi-AgEIcHlwaS5vcmc", "whsec_", "sk-"))
    return pick(rng, (
        f"my key starts with {p}{alnum(rng, 4)}",
        f"Which keys begin with {p}? Ours does.",
        f"the prefix is `{p}` followed by random characters",
        f"We grep our repos for '{p}' in CI.",
    ))


def code_identifiers(rng: random.Random) -> str:
    idents = ("getApiKeyFromEnvironment", "existingSubscriptionToken", "accessTokenProvider",
              "refreshTokenIfExpired", "clientSecretCredential", "passwordResetRequested",
              "validateSecretKeyFormat", "TokenBucketRateLimiter", "apiKeyHeaderName",
              "SecretManagerServiceClient", "useAuthTokenQuery", "decryptPasswordHash")
    out = []
    for _ in range(rng.randint(3, 8)):
        a, b = pick(rng, idents), pick(rng, idents)
        out.append(pick(rng, (
            f"const {a[0].lower() + a[1:]} = await {b}(config);",
            f"def {a.lower()}(self, token: str) -> bool:",
            f"    secret = self.{b.lower()}(name=secret_name)",
            f"private final {a} {b[0].lower() + b[1:]};",
            f"api_key = settings.{b.upper()}",
            "password = request.form.get('password')",
            f"token = get_token(scope='{lowalnum(rng, 6)}')",
            "access_token = response.json()['access_token']",
            f"client_secret = load_secret('{a.lower()}')",
        )))
    return "```\n" + "\n".join(out) + "\n```"


def paths_urls(rng: random.Random) -> str:
    items = [
        f"/var/log/kestrel/api-{rng.randint(1, 9)}.log",
        f"C:\\Users\\jdoe\\AppData\\Local\\Kestrel\\cache\\{hexs(rng, 16)}.tmp",
        f"~/.config/kestrel/profiles/{lowalnum(rng, 8)}.toml",
        f"https://app.kestrel.dev/orgs/org-{alnum(rng, 24)}/projects/proj_{alnum(rng, 24)}/usage",
        f"https://status.kestrel.dev/incidents/{lowalnum(rng, 12)}",
        "https://docs.kestrel.dev/api-reference/authentication#api-keys",
        f"https://cdn.kestrel.dev/assets/{hexs(rng, 32)}/logo.svg",
        f"https://kestrel-{lowalnum(rng, 9)}-kestrel.vercel.app/dashboard?tab=keys&page=2",
        f"https://storage.kestrel.dev/exports/{uid(rng)}.csv?expires={rng.randint(1, 9)}h",
        f"s3://kestrel-exports-prod/{rng.randint(2024, 2026)}/{uid(rng)}/part-00000.parquet",
        "https://app.kestrel.dev/settings/api-keys?utm_source=mail"
        f"&utm_campaign={lowalnum(rng, 8)}",
        f"file:///home/jdoe/projects/kestrel/node_modules/.cache/{hexs(rng, 40)}.json",
    ]
    rng.shuffle(items)
    return "See " + "\n".join(items[:rng.randint(2, 6)])


def versions_times(rng: random.Random) -> str:
    v = f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}"
    items = [
        f"kestrel-python {v}",
        f"node v{rng.randint(16, 22)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        f"Chrome/{rng.randint(100, 130)}.0.{rng.randint(5000, 6999)}.{rng.randint(10, 200)}",
        f"Windows 10.0.{rng.randint(19041, 22631)}.{rng.randint(1000, 4000)}",
        f"openssl 3.0.{rng.randint(0, 15)}", f"build {v}+{hexs(rng, 7)}",
        f"{v}-rc.{rng.randint(1, 5)}", f"api-version=2024-{rng.randint(1, 12):02d}-01",
        ts(rng), f"{rng.randint(1_700_000_000, 1_800_000_000)}",
        f"{rng.randint(1_700_000_000_000, 1_800_000_000_000)} ms",
        f"Tue, {rng.randint(1, 28)} Nov 2026 "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00 GMT",
        f"took {rng.randint(1, 9999)} ms (p99 {rng.random() * 10:.3f}s)",
        f"Slack ts {rng.randint(1_700_000_000, 1_800_000_000)}.{rng.randint(0, 999999):06d}",
    ]
    rng.shuffle(items)
    return "Environment: " + "; ".join(items[:rng.randint(3, 8)])


def stack_trace(rng: random.Random) -> str:
    return pick(rng, (
        "Traceback (most recent call last):\n"
        f'  File "/app/kestrel/client.py", line {rng.randint(10, 900)}, in request\n'
        "    resp = self._session.send(prepared, timeout=self.timeout)\n"
        f'  File "/usr/lib/python3.11/site-packages/requests/sessions.py", line 703, in send\n'
        "    r = adapter.send(request, **kwargs)\n"
        "kestrel.errors.AuthenticationError: Incorrect API key provided: sk-proj-****"
        f"{alnum(rng, 4)}. (request id req_{alnum(rng, 24)})",
        "java.lang.IllegalStateException: token expired\n"
        "\tat dev.kestrel.client.AuthInterceptor.intercept(AuthInterceptor.java:"
        f"{rng.randint(10, 300)})\n"
        "\tat okhttp3.internal.http.RealInterceptorChain.proceed(RealInterceptorChain.kt:109)\n"
        f"\tat dev.kestrel.client.KestrelClient$$Lambda${rng.randint(100, 999)}/0x0000000"
        f"{hexs(rng, 9)}.apply(Unknown Source)",
        "Error: Request failed with status code 401\n"
        "    at createError (/app/node_modules/axios/lib/core/createError.js:16:15)\n"
        f"    at settle (/app/node_modules/axios/lib/core/settle.js:17:12)\n"
        f"    at IncomingMessage.handleStreamEnd (/app/node_modules/axios/lib/adapters/http.js:"
        f"{rng.randint(200, 400)}:11)",
        f"panic: runtime error: invalid memory address or nil pointer dereference\n"
        f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x{hexs(rng, 7)}]\n"
        f"goroutine {rng.randint(1, 500)} [running]:\n"
        f"github.com/kestrel/kestrel-go.(*Client).Do(0xc{hexs(rng, 9)}, 0x0)\n"
        f"\t/go/pkg/mod/github.com/kestrel/kestrel-go@v1.{rng.randint(0, 9)}.0/client.go:"
        f"{rng.randint(10, 400)} +0x{hexs(rng, 3)}",
    ))


def json_body(rng: random.Random) -> str:
    return pick(rng, (
        f'{{"error": {{"type": "invalid_request_error", "code": "invalid_api_key", '
        f'"message": "Incorrect API key provided.", "param": null}}, '
        f'"request_id": "req_{alnum(rng, 24)}"}}',
        f'{{"id": "evt_1{alnum(rng, 23)}", "object": "event", "created": '
        f'{rng.randint(1_700_000_000, 1_800_000_000)}, "livemode": false, "data": '
        f'{{"object": {{"id": "pi_3{alnum(rng, 23)}", "amount": {rng.randint(100, 99999)}, '
        f'"currency": "eur", "status": "succeeded"}}}}}}',
        '{"token_type": "Bearer", "expires_in": 3600, "scope": "read write", '
        '"access_token": "<redacted by customer>"}',
        f'{{"object": "list", "data": [{{"id": "key_{alnum(rng, 16)}", "name": "ci", '
        f'"redacted_value": "sk-...{alnum(rng, 4)}", "created_at": "{ts(rng)}", '
        f'"last_used_at": null}}], "has_more": false, "next_page_token": "{b64(rng, 40)}"}}',
        f'{{"kind": "Secret", "metadata": {{"name": "kestrel-api", "uid": "{uid(rng)}", '
        f'"resourceVersion": "{rng.randint(10**6, 10**8)}"}}, "type": "Opaque"}}',
        f'{{"tokenizationId": "{hexs(rng, 32)}", "status": "ACTIVE", '
        f'"cursor": "{b64url(rng, 32)}", "apiKeyId": "{uid(rng)}"}}',
    ))


def css_colours(rng: random.Random) -> str:
    rules = [f".btn-{lowalnum(rng, 5)} {{ color: #{hexs(rng, 6)}; background: #{hexs(rng, 3)}; "
             f"border-color: #{hexs(rng, 8)}; }}" for _ in range(rng.randint(2, 6))]
    return "\n".join(rules)


def jwt_like(rng: random.Random) -> str:
    return pick(rng, (
        f"session cookie: {b64url(rng, 22)}.{b64url(rng, 6)}.{b64url(rng, 27)}",
        f"signed url sig {b64url(rng, 40)}.{b64url(rng, 60)}.{b64url(rng, 43)}",
        f"eyJ{b64url(rng, 30)}.eyJ{b64url(rng, 60)}.{b64url(rng, 43)} (corrupted in transit)",
        f"Macaroon MDAxY2xvY2F0aW9u{b64url(rng, 60)}",
        f"cursor=eyJwYWdlIjo{b64url(rng, 12)}",
        f"etag W/\"{b64url(rng, 27)}\"",
    ))


def slugs(rng: random.Random) -> str:
    adj = ("calm", "sleepy", "brave", "shiny", "rapid", "quiet", "frosty", "amber")
    noun = ("river", "falls", "meadow", "canyon", "forest", "harbor", "summit", "dune")
    items = [f"{pick(rng, adj)}-{pick(rng, noun)}-{rng.randint(1000, 99999)}"
             for _ in range(rng.randint(2, 5))]
    items += [f"kestrel-web-{lowalnum(rng, 9)}", f"deploy-{lowalnum(rng, 16)}",
              f"build #{rng.randint(1000, 99999)} ({lowalnum(rng, 26)})",
              f"invoice INV-{rng.randint(2024, 2026)}-{rng.randint(1, 999999):06d}",
              f"order {alnum(rng, 10).upper()}", f"coupon SPRING{rng.randint(10, 50)}"]
    rng.shuffle(items)
    return "Names: " + ", ".join(items)


def log_lines(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(3, 12)):
        out.append(pick(rng, (
            f"{ts(rng)} INFO  http method=GET path=/v1/items status=200 "
            f"duration_ms={rng.randint(1, 900)} request_id=req_{alnum(rng, 24)}",
            f"{ts(rng)} WARN  retrying after 429 attempt={rng.randint(1, 5)} "
            f"trace_id={hexs(rng, 32)}",
            f"{ts(rng)} ERROR auth failed: invalid api key (key_id=key_{alnum(rng, 16)}, "
            f"org=org-{alnum(rng, 24)})",
            f"{ts(rng)} DEBUG cache hit key=items:{hexs(rng, 40)} ttl=300",
            f"{ts(rng)} INFO  token refreshed for client_id={lowalnum(rng, 20)} expires_in=3600",
            f"[{ts(rng)}] worker-{rng.randint(1, 32)} job {uid(rng)} done in "
            f"{rng.random() * 20:.2f}s",
        )))
    return "\n".join(out)


def public_material(rng: random.Random) -> str:
    """Public keys, certificates and publishable keys: keys, but nothing to hide."""
    lines = [b64(rng, 64) for _ in range(rng.randint(4, 10))]
    return pick(rng, (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(lines)
        + f"\n={b64(rng, 4)}\n-----END PGP PUBLIC KEY BLOCK-----",
        "-----BEGIN CERTIFICATE-----\nMIID" + "\n".join(lines)
        + "\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
        + "\n".join(lines[:5]) + "\n-----END PUBLIC KEY-----",
        f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rng, 43)} deploy@ci-runner",
        f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{b64(rng, 500)} jdoe@laptop",
        f"STRIPE_PUBLISHABLE_KEY=pk_live_{alnum(rng, 99)}",
        f"Stripe.js init with pk_test_{alnum(rng, 99)}",
        f"SENTRY_DSN=https://{hexs(rng, 32)}@o{rng.randint(10**5, 10**7)}.ingest.sentry.io/"
        f"{rng.randint(10**5, 10**7)}",
        f'<div class="g-recaptcha" data-sitekey="6Lc{b64url(rng, 37)}"></div>',
        "mapboxgl.accessToken = 'pk.eyJ1Ijoia2VzdHJlbCIsImEiOiJ"
        f"{b64url(rng, 20)}In0.{b64url(rng, 22)}';",
        f"Stripe-Signature: t={rng.randint(1_700_000_000, 1_800_000_000)},v1={hexs(rng, 64)}",
        f"X-Hub-Signature-256: sha256={hexs(rng, 64)}",
        f"oid sha256:{hexs(rng, 64)}\nsize {rng.randint(1000, 10**8)}",
    ))


def dotnet_trace(rng: random.Random) -> str:
    v = f"{rng.randint(4, 8)}.0.0.0"
    return (f"System.Net.Http.HttpRequestException: Response status code does not indicate "
            f"success: 401 (Unauthorized).\n   at Kestrel.Client.ApiClient.SendAsync"
            f"(HttpRequestMessage request) in C:\\src\\Kestrel\\ApiClient.cs:line "
            f"{rng.randint(10, 500)}\nSystem.Runtime, Version={v}, Culture=neutral, "
            f"PublicKeyToken={hexs(rng, 16)}\nNewtonsoft.Json, Version=13.0.0.0, "
            f"Culture=neutral, PublicKeyToken={hexs(rng, 16)}\nCorrelationId: {uid(rng)}")


def assignment_bait(rng: random.Random) -> str:
    """Assignments whose names say key/token/secret/password but whose values are not."""
    items = [
        f'"apiKeyId": "{uid(rng)}"', f'"api_key_name": "billing-prod-{lowalnum(rng, 4)}"',
        f"api_key_last4: {alnum(rng, 4)}", f'"token_count": {rng.randint(10, 9000)}',
        f"max_tokens={rng.randint(16, 8192)}", f'"prompt_tokens": {rng.randint(1, 900)}',
        f'"next_page_token": "{b64(rng, 48)}"', f"X-CSRF-Token: {b64url(rng, 43)}",
        f"csrftoken={alnum(rng, 32)}", f'"idempotency_key": "{uid(rng)}"',
        '"session_token": null', f"password_hash: $2b$12${b64(rng, 53)}",
        f'"password_updated_at": "{ts(rng)}"', f"secret_version: {rng.randint(1, 40)}",
        '"client_secret": "<hidden>"', f"secretArn: arn:aws:secretsmanager:eu-west-1:"
        f"{rng.randint(10**11, 10**12 - 1)}:secret:kestrel/api-{alnum(rng, 6)}",
        '"tokenUrl": "https://auth.kestrel.dev/oauth/token"',
        "token_endpoint_auth_method: client_secret_basic", f"pwd: /home/ci/{lowalnum(rng, 8)}",
        f"OLDPWD=/srv/kestrel/releases/{rng.randint(10**9, 10**10)}",
        f"access_key_id: key_{alnum(rng, 16)}", f'"secret": "{uid(rng)}"',
        f"token: {uid(rng)}", f"api_key: {hexs(rng, 40)}",
        f"secret_key_ref: kestrel-{lowalnum(rng, 5)}",
        '"tokenizer": "cl100k_base"', "password: see 1Password item \"Kestrel prod\"",
        "Passwort: siehe Tresor", f"the password must be at least {rng.randint(8, 16)} characters",
        f"pagination cursor token=eyJpZCI6{b64url(rng, 16)}", f"nextToken: {b64(rng, 60)}",
        f"sync_token={b64url(rng, 40)}", f"device_token: {hexs(rng, 64)}",
        f"encryption_key_id = \"{uid(rng)}\"", f"kms_key_arn = \"arn:aws:kms:eu-west-1:"
        f"{rng.randint(10**11, 10**12 - 1)}:key/{uid(rng)}\"",
        f"ssh_key_fingerprint: SHA256:{b64(rng, 43)}",
    ]
    rng.shuffle(items)
    return "\n".join(items[:rng.randint(3, 8)])


#: (generator, weight): base64 images and minified JS are heavy, so they weigh less
SECTIONS: tuple[tuple[Gen, int], ...] = (
    (prose, 14), (request_ids, 6), (org_ids, 5), (git_shas, 3), (digests, 4),
    (base64_image, 2), (minified_js, 2), (lockfiles, 4), (sri, 3), (placeholders, 5),
    (doc_examples, 3), (masked, 5), (prefixes_alone, 4), (code_identifiers, 4),
    (paths_urls, 4), (versions_times, 4), (stack_trace, 4), (json_body, 5), (css_colours, 2),
    (jwt_like, 3), (slugs, 3), (log_lines, 5), (public_material, 4), (dotnet_trace, 2),
    (assignment_bait, 6),
)
_GENS = tuple(g for g, _ in SECTIONS)
_WEIGHTS = tuple(w for _, w in SECTIONS)


def ticket(seed: int, index: int) -> str:
    """One ticket: a greeting, 3-9 sections, a sign-off; the same for the same (seed, index)."""
    rng = random.Random(f"negatives:{seed}:{index}")
    parts = [pick(rng, GREETINGS), prose(rng)]
    for gen in rng.choices(_GENS, _WEIGHTS, k=rng.randint(3, 9)):
        parts.append(gen(rng))
    parts.append(pick(rng, SIGNOFFS))
    return "\n\n".join(parts)


def tickets(size: int = 5 * MB, seed: int = 0) -> Iterator[str]:
    """Tickets until their UTF-8 size reaches ``size`` bytes."""
    total, i = 0, 0
    while total < size:
        text = ticket(seed, i)
        total += len(text.encode("utf-8"))
        i += 1
        yield text


def corpus(size: int = 5 * MB, seed: int = 0) -> list[str]:
    """The hard-negatives corpus as a list of tickets (at least ``size`` UTF-8 bytes)."""
    return list(tickets(size, seed))
