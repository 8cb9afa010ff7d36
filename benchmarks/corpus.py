"""Deterministic generator of realistic support tickets for the benchmarks.

Every ticket is built from its own ``random.Random`` seeded by ``(seed, index)``,
so ``tickets(5, seed)`` is the prefix of ``tickets(500, seed)`` and the same seed
gives the same text in every process (string seeds do not depend on
``PYTHONHASHSEED``). Fake credentials come from ``scrubber.fakes.expand``; no
value in this file or in the generated text is a real credential.

A ticket mixes customer prose (English, German, French, Spanish, Japanese,
emoji, typographic quotes), greetings and signatures, HTTP responses with JSON
error bodies, ISO-timestamped log lines, ``req_`` ids, ``X-Request-Id`` UUIDs,
git SHAs, Python/JS/Java stack traces, curl commands, code snippets, ``.env``
fragments with documentation placeholders, and quoted replies. It plants about
one secret per 5 KB and some PII (emails, phones, cards, IBANs, SSNs); every
planted value is recorded in ``Ticket.plants`` with the rule ids that should
catch it.

>>> [len(t) > 500 for t in tickets(2, seed=1)]
[True, True]
"""

# ruff: noqa: RUF001  (typographic quotes, dashes and full-width punctuation are the point)
from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import phonenumbers

from scrubber import fakes

from . import languages

__all__ = ["CORPORA", "PII_TYPES", "SECRET_TYPES", "Plant", "Profile", "Ticket", "corpus_bytes",
           "generate", "generate_bytes", "tickets", "total_bytes"]

MB = 1_000_000
SECRET_EVERY = 5_000  # one planted secret per this many bytes of ticket, on average
B62 = string.digits + string.ascii_letters


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted value: ``value`` occurs verbatim in the ticket's text."""

    kind: str                  # "secret" | "pii"
    type: str                  # key of SECRET_TYPES / PII_TYPES
    value: str
    rule_ids: tuple[str, ...]  # rule ids that should catch it (any one is enough)


@dataclass(frozen=True, slots=True)
class Ticket:
    text: str
    plants: tuple[Plant, ...]
    lang: str

    @property
    def size(self) -> int:
        """UTF-8 size in bytes."""
        return len(self.text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class SecretType:
    template: str              # a scrubber.fakes placeholder template
    rule_ids: tuple[str, ...]
    weight: int
    env_var: str


#: What we plant, with the rule ids (current or likely future) that should catch it.
SECRET_TYPES: dict[str, SecretType] = {
    "openai": SecretType("sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74#2}}",
                         ("openai-project-key", "openai-api-key"), 4, "OPENAI_API_KEY"),
    "github": SecretType("{{crc32:ghp_}}", ("github-pat-classic", "github-pat"), 4,
                         "GITHUB_TOKEN"),
    "aws": SecretType("AKIA{{base32:16}}",
                      ("aws-access-key-id", "aws-access-token", "aws-access-key"), 3,
                      "AWS_ACCESS_KEY_ID"),
    "stripe": SecretType("sk_live_{{alnum:24}}",
                         ("stripe-live-key", "stripe-secret-key", "stripe-api-key"), 3,
                         "STRIPE_SECRET_KEY"),
    "slack": SecretType("xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}",
                        ("slack-bot-token", "slack-token"), 2, "SLACK_BOT_TOKEN"),
    "jwt": SecretType("{{jwt}}", ("jwt", "json-web-token", "jwt-token"), 3, "SESSION_TOKEN"),
    "gitlab": SecretType("glpat-{{alnum:20}}", ("gitlab-pat", "gitlab-personal-access-token"),
                         1, "GITLAB_TOKEN"),
    "google": SecretType("AIza{{alnum:35}}", ("gcp-api-key", "google-api-key"), 1,
                         "GOOGLE_API_KEY"),
    "npm": SecretType("{{crc32:npm_}}", ("npm-access-token", "npm-token"), 1, "NPM_TOKEN"),
}

#: PII types and the rule ids that should catch them.
PII_TYPES: dict[str, tuple[str, ...]] = {
    "email": ("email-address", "email"),
    "phone": ("phone-number-international", "phone-number-nanp", "phone-number-national",
              "phone-number-labeled", "phone-number"),
    "card": ("credit-card", "credit-card-number", "payment-card", "payment-card-number"),
    "iban": ("iban", "iban-code", "iban-number"),
    "ssn": ("us-ssn-dashed", "us-ssn", "us-ssn-spaced"),
    "ipv4": ("ipv4-address",),
    "ipv6": ("ipv6-address",),
}

_SECRET_NAMES = tuple(SECRET_TYPES)
_SECRET_WEIGHTS = tuple(t.weight for t in SECRET_TYPES.values())
#: the PII blocks of a ticket: (type, probability that a mailbox ticket has one)
MAILBOX_PII_ODDS = (("email", 0.35), ("phone", 0.2), ("card", 0.1), ("iban", 0.08),
                    ("ssn", 0.03))
MAILBOX_FILLERS = ("http_block", "log_block", "git_block", "trace_block", "curl_block",
                   "code_block", "env_block", "paragraph", "paragraph")


@dataclass(frozen=True, slots=True)
class Profile:
    """What one corpus is made of; the ticket builder reads it (``CORPORA`` names them)."""

    description: str
    langs: tuple[str, ...] = ("en", "de", "fr", "es", "ja")
    lang_weights: tuple[int, ...] = (50, 16, 12, 12, 10)
    fillers: tuple[str, ...] = MAILBOX_FILLERS  # builder blocks, drawn uniformly
    secret_every: int = SECRET_EVERY            # bytes per planted secret (0: none)
    pii_every: int = 0                          # bytes per PII block (0: MAILBOX_PII_ODDS)
    pii_odds: tuple[tuple[str, float], ...] = MAILBOX_PII_ODDS
    signature: bool = True                      # sender's name, phone and e-mail at the end
    quoted: float = 0.4                         # share of tickets quoting a support reply


#: The benchmark corpora. ``mailbox`` is the original realistic mix (its text is unchanged).
CORPORA: Mapping[str, Profile] = MappingProxyType({
    "mailbox": Profile("realistic support mailbox: prose in 5 languages, logs, traces, code, "
                       "a secret per ~5 KB, some PII"),
    "clean": Profile("prose only in 5 languages, no secret, no PII, no signature",
                     fillers=("paragraph",), secret_every=0, pii_odds=(), signature=False,
                     quoted=0.0),
    "secret-dense": Profile("a planted secret every ~300 bytes (.env, curl, JSON, code, prose)",
                            fillers=("env_block", "curl_block", "code_block"),
                            secret_every=300, pii_odds=()),
    "pii-dense": Profile("a PII sentence (e-mail, phone, card, IBAN, SSN) every ~300 bytes",
                         fillers=("paragraph", "http_block", "log_block"), secret_every=0,
                         pii_every=300),
    "log-heavy": Profile("access and application logs: IPv4/IPv6 addresses, timestamps, "
                         "request ids; a secret per ~5 KB",
                         fillers=("access_log_block", "access_log_block", "app_log_block",
                                  "log_block"), pii_odds=(), quoted=0.0),
    "non-ascii": Profile("prose mostly in Russian, Chinese, Korean, Arabic and Japanese (some "
                         "German/French/Spanish); a secret per ~5 KB, some PII",
                         langs=("ru", "zh", "ko", "ar", "ja", "de", "fr", "es"),
                         lang_weights=(20, 20, 15, 15, 15, 5, 5, 5),
                         fillers=("paragraph",) * 11 + ("http_block",),
                         quoted=0.1),
})
#: which PII a pii-dense ticket plants, and how often
_DENSE_PII = ("email", "phone", "card", "iban", "ssn")
_DENSE_PII_WEIGHTS = (3, 3, 2, 2, 1)

# --------------------------------------------------------------------------- vocabulary

LANGS = ("en", "de", "fr", "es", "ja")  # the mailbox corpus
LANG_WEIGHTS = (50, 16, 12, 12, 10)
ALL_LANGS = LANGS + languages.LANGS

# (display name, ascii first, ascii last)
NAMES = {
    "en": [("Emily Clarke", "emily", "clarke"), ("Zoë O’Neill", "zoe", "oneill"),
           ("Marcus Reed", "marcus", "reed"), ("Priya Natarajan", "priya", "natarajan"),
           ("Liam Walsh", "liam", "walsh"), ("Grace Okafor", "grace", "okafor")],
    "de": [("Jürgen Weiß", "juergen", "weiss"), ("Anna Müller", "anna", "mueller"),
           ("Lukas Schäfer", "lukas", "schaefer"), ("Sophie Kühn", "sophie", "kuehn")],
    "fr": [("Amélie Dubois", "amelie", "dubois"), ("François Lefèvre", "francois", "lefevre"),
           ("Chloé Martin", "chloe", "martin"), ("Hélène Girard", "helene", "girard")],
    "es": [("José Martínez", "jose", "martinez"), ("Lucía Fernández", "lucia", "fernandez"),
           ("Íñigo Ortega", "inigo", "ortega"), ("María Núñez", "maria", "nunez")],
    "ja": [("田中 太郎", "taro", "tanaka"), ("佐藤 花子", "hanako", "sato"),
           ("鈴木 一郎", "ichiro", "suzuki"), ("高橋 美咲", "misaki", "takahashi")],
}
COMPANIES = {
    "en": [("Kestrel Analytics", "kestrel-analytics.co"), ("Bluefin Labs", "bluefin.io"),
           ("Northgate Retail", "northgate-retail.com"), ("Orchard & Vine", "orchardvine.net")],
    "de": [("Nordwind Logistik GmbH", "nordwind-logistik.de"),
           ("Bäckerei Vogel", "baeckerei-vogel.de"), ("Rheinblick Software AG", "rheinblick.de")],
    "fr": [("Boulangerie Martin SARL", "boulangerie-martin.fr"),
           ("Éditions Lumière", "editions-lumiere.fr"), ("Atelier Côté Sud", "cote-sud.fr")],
    "es": [("Hotel Sol y Mar", "hotelsolymar.es"), ("Café Andaluz S.L.", "cafe-andaluz.es"),
           ("Tecnologías Río Verde", "rioverde.com.es")],
    "ja": [("さくら商事株式会社", "sakura-shoji.co.jp"), ("青空ソフト", "aozora-soft.jp"),
           ("富士データ", "fuji-data.jp")],
}
ROLES = {
    "en": ["Backend Engineer", "CTO", "Head of Operations", "Platform Team", "Billing Lead"],
    "de": ["Leiterin IT", "Softwareentwickler", "Geschäftsführer", "Buchhaltung"],
    "fr": ["Responsable technique", "Développeuse backend", "Gérant", "Comptabilité"],
    "es": ["Responsable de sistemas", "Desarrollador", "Director técnico", "Contabilidad"],
    "ja": ["開発部", "情報システム部 部長", "経理部", "エンジニア"],
}
PHONE_REGIONS = {"en": ["GB", "US"], "de": ["DE"], "fr": ["FR"], "es": ["ES"], "ja": ["JP"]}

PRODUCTS = ["Payments API", "Webhooks", "Billing Portal", "Reports export", "SSO login",
            "Mobile SDK", "Search API", "Usage dashboard"]
ENDPOINTS = ["/v1/charges", "/v2/invoices/{id}", "/api/v3/users/me", "/oauth/token",
             "/v1/webhooks/endpoints", "/graphql", "/v1/exports/{id}/download", "/v2/search"]
HOSTS = ["api.acme-cloud.io", "api.paylane.dev", "eu.api.northwind.app", "api.fennec.sh"]
STATUS = [(401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"),
          (409, "Conflict"), (422, "Unprocessable Entity"), (429, "Too Many Requests"),
          (500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable"),
          (504, "Gateway Timeout")]
ERROR_CODES = ["invalid_api_key", "rate_limit_exceeded", "resource_missing", "idempotency_error",
               "internal_error", "upstream_timeout", "permission_denied", "validation_failed"]
PLANS = ["Starter", "Growth", "Business", "Enterprise"]
VENDORS = ["paylane", "acme-cloud", "northwind", "fennec"]
DAYS = {"en": ["Monday", "Tuesday", "yesterday", "last Friday", "this morning"],
        "de": ["Montag", "Dienstag", "gestern", "letztem Freitag", "heute früh"],
        "fr": ["lundi", "mardi", "hier", "vendredi dernier", "ce matin"],
        "es": ["lunes", "martes", "ayer", "el viernes pasado", "esta mañana"],
        "ja": ["月曜日", "火曜日", "昨日", "先週の金曜日", "今朝"]}
PY_MODULES = ["billing/sync.py", "api/client.py", "workers/export.py", "webhooks/views.py"]
PY_FUNCS = ["run", "request", "_send", "handle", "sync_invoices"]
PY_LINES = ["resp = client.charges.create(amount=amount)",
            'raise AuthenticationError(body["error"]["message"])',
            "return self._session.post(url, json=payload, timeout=self.timeout)",
            'data = resp.json()["data"]']
JS_FUNCS = ["handleWebhook", "processTicksAndRejections", "Layer.handle [as handle_request]",
            "next", "async Promise.all (index 0)"]
JS_FILES = ["src/webhooks/handler.js", "node_modules/express/lib/router/layer.js",
            "src/billing/sync.ts"]
JS_ERRORS = ["TypeError: Cannot read properties of undefined (reading 'id')",
             "Error: Request failed with status code 401",
             "FetchError: request to https://{host}/v1/charges failed, reason: socket hang up"]
JAVA_CLASSES = ["client.ApiClient", "billing.InvoiceSync", "http.RetryInterceptor"]
JAVA_METHODS = ["execute", "run", "intercept", "call"]
EMOJI = ["🙏", "👋", "😅", "🚀", "✅", "❌", "🔥", "🤔"]

PROSE = {
    "en": [
        "Since {day} our integration with the {product} fails with HTTP {code} on {endpoint}.",
        "We rotated the API token last week and I’m not sure whether the old secret is still "
        "cached somewhere on your side.",
        "This started right after your maintenance window at {time} UTC — nothing changed on "
        "our side.",
        "About {n}% of requests are affected; the rest go through fine.",
        "Could you check whether our account is rate-limited? The dashboard says we’re well "
        "below the quota.",
        "I’ve included the relevant logs and the exact curl command we use below.",
        "Our password reset emails also seem to be delayed by ~{n} minutes {emoji}",
        "We’re on the {plan} plan and this is blocking a release, so any help is appreciated!",
        "Webhook deliveries to our endpoint keep timing out even though the server responds in "
        "under {n} ms.",
        "The {vendor} SDK version is {ver}; we upgraded from {ver2} on {day}.",
        "I couldn’t find anything about this in the docs or on the status page.",
        "Is there a way to scope a token so that it can only read invoices?",
        "Retrying with exponential backoff doesn’t help, the {code}s just keep coming.",
        "For context: we process roughly {n}k events per day and this is the first outage.",
    ],
    "de": [
        "Seit {day} schlägt unsere Integration mit der {product} mit HTTP {code} fehl – und "
        "zwar bei {endpoint}.",
        "Wir haben letzte Woche das API-Token rotiert, aber anscheinend wird noch der alte "
        "Schlüssel verwendet.",
        "Ungefähr {n} % der Anfragen sind betroffen; der Rest funktioniert einwandfrei.",
        "Könnten Sie bitte prüfen, ob unser Konto gedrosselt wird? Laut Dashboard liegen wir "
        "deutlich unter dem Kontingent.",
        "Unten finden Sie die Logs und den genauen curl-Befehl.",
        "Das Problem tritt erst seit Ihrem Wartungsfenster um {time} Uhr auf.",
        "Für uns ist das dringend, weil am Freitag ein Release geplant ist. Vielen Dank für "
        "Ihre Unterstützung! {emoji}",
        "Die Webhook-Zustellung an unseren Endpunkt läuft ständig in ein Timeout, obwohl der "
        "Server in weniger als {n} ms antwortet.",
        "Wir nutzen das {vendor}-SDK in Version {ver} (vorher {ver2}).",
        "Auf der Statusseite steht „alle Systeme betriebsbereit“ – das stimmt für uns leider "
        "nicht.",
    ],
    "fr": [
        "Depuis {day}, notre intégration avec le {product} échoue avec une erreur HTTP {code} "
        "sur {endpoint}.",
        "Nous avons renouvelé le jeton d’API la semaine dernière, mais l’ancienne clé semble "
        "encore utilisée.",
        "Environ {n} % des requêtes sont concernées ; les autres passent sans problème.",
        "Pourriez-vous vérifier si notre compte est limité ? Le tableau de bord indique que "
        "nous sommes bien en dessous du quota.",
        "Vous trouverez ci-dessous les journaux et la commande curl exacte.",
        "C’est assez urgent : une mise en production est prévue vendredi. Merci d’avance ! "
        "{emoji}",
        "Le problème a commencé juste après votre fenêtre de maintenance à {time} (heure de "
        "Paris).",
        "Nous utilisons le SDK {vendor} en version {ver} – la mise à jour depuis {ver2} date de "
        "{day}.",
        "La page de statut affiche « tous les systèmes sont opérationnels », ce qui n’est pas "
        "notre expérience.",
    ],
    "es": [
        "Desde el {day}, nuestra integración con la {product} falla con HTTP {code} en "
        "{endpoint}.",
        "Rotamos el token de la API la semana pasada, pero parece que todavía se usa la clave "
        "antigua.",
        "Aproximadamente el {n} % de las peticiones fallan; el resto funciona bien.",
        "¿Podrían comprobar si nuestra cuenta tiene algún límite? El panel indica que estamos "
        "muy por debajo de la cuota.",
        "Adjunto abajo los registros y el comando curl exacto que usamos.",
        "Es bastante urgente porque tenemos un despliegue el viernes. ¡Muchas gracias! {emoji}",
        "El problema empezó justo después de su ventana de mantenimiento a las {time}.",
        "Usamos el SDK de {vendor} en la versión {ver}; antes teníamos la {ver2}.",
        "La página de estado dice «todos los sistemas operativos», pero no es así para nosotros.",
    ],
    "ja": [
        "{day}から、{product}との連携が {endpoint} で HTTP {code} エラーになります。",
        "先週APIトークンをローテーションしましたが、古いキーがまだ使われているようです。",
        "リクエストの約{n}%が失敗しており、それ以外は正常に処理されています。",
        "アカウントにレート制限がかかっていないか確認していただけますか？"
        "ダッシュボード上は上限を大きく下回っています。",
        "ログと実行した curl コマンドを以下に記載します。",
        "金曜日にリリースを控えているため、至急ご対応いただけると助かります{emoji}",
        "{time}のメンテナンス以降にこの問題が発生し始めました。",
        "{vendor} SDK のバージョンは {ver} です（以前は {ver2}）。",
        "ステータスページでは「すべてのシステムが正常」と表示されていますが、当社では再現しています。",
    ],
}
SUBJECTS = {
    "en": ["API returns {code} since {day}", "Webhooks failing intermittently",
           "Urgent: invoices not syncing", "Question about token scopes", "Export stuck at 99%"],
    "de": ["API liefert {code} seit {day}", "Webhooks schlagen sporadisch fehl",
           "Dringend: Rechnungen werden nicht synchronisiert"],
    "fr": ["L’API renvoie {code} depuis {day}", "Webhooks en échec de façon intermittente",
           "Urgent : factures non synchronisées"],
    "es": ["La API devuelve {code} desde el {day}", "Los webhooks fallan de forma intermitente",
           "Urgente: las facturas no se sincronizan"],
    "ja": ["{day}からAPIが{code}を返す", "Webhookが断続的に失敗する", "至急：請求書が同期されない"],
}
GREETINGS = {
    "en": ["Hi team,", "Hello,", "Hey folks 👋", "Good morning,", "Dear Support,"],
    "de": ["Hallo zusammen,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Moin,"],
    "fr": ["Bonjour,", "Bonjour l’équipe,", "Madame, Monsieur,"],
    "es": ["Hola,", "Buenos días,", "Hola equipo 👋"],
    "ja": ["お世話になっております。", "サポートご担当者様"],
}
CLOSINGS = {
    "en": ["Thanks,", "Best regards,", "Cheers,", "Thanks in advance!"],
    "de": ["Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße"],
    "fr": ["Cordialement,", "Bien à vous,", "Merci d’avance,"],
    "es": ["Saludos,", "Un saludo,", "Gracias de antemano,"],
    "ja": ["よろしくお願いいたします。"],
}
LEAK_PROSE = {
    "en": ["Sorry, I think I pasted our live key in the previous message ({v}) — can you revoke "
           "it?", "This is the token we use: {v}", "Here is the key that fails: {v} (it worked "
           "until {day})."],
    "de": ["Ich habe versehentlich unseren Schlüssel {v} gepostet – bitte sperren.",
           "Das ist das Token, das wir verwenden: {v}"],
    "fr": ["J’ai collé par erreur notre clé {v} dans le ticket, pouvez-vous la révoquer ?",
           "Voici le jeton utilisé : {v}"],
    "es": ["Creo que pegué nuestra clave {v} por error. ¿Pueden revocarla?",
           "Este es el token que usamos: {v}"],
    "ja": ["誤ってキー {v} を貼り付けてしまいました。無効化をお願いします。",
           "使用しているトークンは {v} です。"],
}
PII_PROSE = {
    "email": {
        "en": ["You can also reach my colleague {name} at {v} if I’m out.",
               "Please send the invoice copy to {v} instead."],
        "de": ["Bei Rückfragen erreichen Sie auch meinen Kollegen unter {v}.",
               "Bitte schicken Sie die Rechnung an {v}."],
        "fr": ["Vous pouvez aussi contacter ma collègue à l’adresse {v}.",
               "Merci d’envoyer la facture à {v}."],
        "es": ["También pueden escribir a mi compañera: {v}.",
               "Envíen la factura a {v}, por favor."],
        "ja": ["不在の場合は {v} までご連絡ください。", "請求書は {v} 宛にお送りください。"],
    },
    "phone": {
        "en": ["Feel free to call me on {v} — I’m around until 6pm.", "My direct line: {v}"],
        "de": ["Sie erreichen mich telefonisch unter {v}.", "Rückruf gern unter {v}."],
        "fr": ["Vous pouvez m’appeler au {v}.", "Ligne directe : {v}"],
        "es": ["Pueden llamarme al {v}.", "Mi teléfono directo: {v}"],
        "ja": ["お電話の場合は {v} までお願いします。"],
    },
    "card": {
        "en": ["The card {v} was charged twice for the same invoice."],
        "de": ["Die Karte {v} wurde doppelt belastet."],
        "fr": ["La carte {v} a été débitée deux fois."],
        "es": ["La tarjeta {v} se cobró dos veces."],
        "ja": ["カード {v} に二重で請求されています。"],
    },
    "iban": {
        "en": ["Please refund the amount to our account, IBAN {v}."],
        "de": ["Bitte erstatten Sie den Betrag auf unser Konto, IBAN {v}."],
        "fr": ["Merci de rembourser sur notre IBAN {v}."],
        "es": ["Por favor, devuelvan el importe al IBAN {v}."],
        "ja": ["返金は口座 (IBAN {v}) までお願いします。"],
    },
    "ssn": {
        "en": ["As requested for the W-9, my SSN is {v}."],
        "de": ["Die US-Steuernummer (SSN) unseres Geschäftsführers lautet {v}."],
        "fr": ["Le numéro SSN demandé pour le formulaire W-9 est {v}."],
        "es": ["El SSN solicitado para el formulario W-9 es {v}."],
        "ja": ["W-9用のSSNは {v} です。"],
    },
}
QUOTE_HEADERS = {
    "en": "On {wd}, {d} {mon} 2024 at {hh}:{mm}, Acme Support <support@acme-cloud.example> wrote:",
    "de": "Am {d}.03.2024 um {hh}:{mm} schrieb Acme Support <support@acme-cloud.example>:",
    "fr": "Le {d} mars 2024 à {hh}:{mm}, Acme Support <support@acme-cloud.example> a écrit :",
    "es": "El {d} mar 2024 a las {hh}:{mm}, Acme Support <support@acme-cloud.example> escribió:",
    "ja": "2024年3月{d}日 {hh}:{mm} Acme Support <support@acme-cloud.example>:",
}
AGENT_LINES = [
    "Hi {first},", "", "thanks for reaching out. Could you send us the request id (it starts "
    "with req_) and the approximate time of the failing call?",
    "Please never include full API keys or passwords in tickets; the first few characters are "
    "enough for us to identify a key.", "", "Best,", "Sam — Acme Support",
    "Ticket #{ticket} · https://support.acme-cloud.example/t/{ticket}",
]
ENV_FILLER = [
    "DATABASE_URL=postgres://app:<password>@db.internal:5432/app",
    "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxx",
    "STRIPE_SECRET_KEY=sk_live_...",
    "REDIS_URL=redis://localhost:6379/0",
    "LOG_LEVEL=debug",
    "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY=<your-secret-access-key>",
    "SENTRY_DSN=",
    "API_TOKEN=${API_TOKEN}",
    "FEATURE_FLAGS=new_checkout,fast_export",
    "PORT=8080",
    "WEBHOOK_SECRET=changeme",
]
USER_AGENTS = ["curl/8.4.0", "paylane-python/4.2.1", "Go-http-client/2.0",
               "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
               "okhttp/4.12.0", "axios/1.6.7"]
PUBLIC_V4_FIRST = (31, 46, 81, 85, 91, 104, 141, 151, 178, 185, 198, 212)
V6_HEADS = ("2001:db8", "2a02:8071", "2600:1f18", "fd12:3456", "2a01:4f8")


def _merge_languages() -> None:
    """Adds the non-Latin languages (benchmarks/languages.py) to the vocabulary tables."""
    tables: tuple[tuple[dict[str, Any], Mapping[str, Any]], ...] = (
        (NAMES, languages.NAMES), (COMPANIES, languages.COMPANIES),
                         (ROLES, languages.ROLES), (PHONE_REGIONS, languages.PHONE_REGIONS),
                         (DAYS, languages.DAYS), (PROSE, languages.PROSE),
                         (SUBJECTS, languages.SUBJECTS), (GREETINGS, languages.GREETINGS),
                         (CLOSINGS, languages.CLOSINGS), (LEAK_PROSE, languages.LEAK_PROSE),
                         (QUOTE_HEADERS, languages.QUOTE_HEADERS))
    for table, extra in tables:
        table.update({lang: list(v) if isinstance(v, tuple) else v for lang, v in extra.items()})
    for type_, by_lang in languages.PII_PROSE.items():
        PII_PROSE[type_].update({lang: list(v) for lang, v in by_lang.items()})


_merge_languages()

# --------------------------------------------------------------------------- helpers


def _b62(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(B62, k=n))


def _hex(rng: random.Random, nchars: int) -> str:
    return f"{rng.getrandbits(nchars * 4):0{nchars}x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _req(rng: random.Random) -> str:
    return "req_" + _b62(rng, 24)


def _ts(rng: random.Random) -> str:
    return (f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z")


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"203.0.113.{rng.randint(1, 254)}"


def _ipv4(rng: random.Random) -> str:
    """Private (10/8, 192.168/16, 172.16/12) or public-looking addresses."""
    r = rng.random()
    tail = f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if r < 0.35:
        return f"10.{rng.randint(0, 255)}.{tail}"
    if r < 0.5:
        return f"192.168.{tail}"
    if r < 0.6:
        return f"172.{rng.randint(16, 31)}.{tail}"
    return f"{rng.choice(PUBLIC_V4_FIRST)}.{rng.randint(0, 255)}.{tail}"


def _ipv6(rng: random.Random) -> str:
    """Full, ``::``-compressed and short forms under documentation, ULA and global prefixes."""
    head = rng.choice(V6_HEADS)
    groups = [f"{rng.getrandbits(16):x}" for _ in range(6)]
    r = rng.random()
    if r < 0.4:
        return ":".join([head, *groups])
    if r < 0.8:
        return f"{head}:{groups[0]}:{groups[1]}::{groups[5]}"
    return f"{head}::{groups[5]}"


def _endpoint(rng: random.Random) -> str:
    return rng.choice(ENDPOINTS).replace("{id}", rng.choice(("in_", "ex_", "usr_")) + _b62(rng, 14))


def _ver(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"


def _phone(rng: random.Random, region: str) -> str:
    """A phone number that ``phonenumbers`` considers valid, in a region-typical format."""
    def d(k: int) -> str:
        return "".join(rng.choices(string.digits, k=k))

    for _ in range(50):
        if region == "GB":  # Ofcom drama range 020 7946 0000-0999
            value = rng.choice([f"+44 20 7946 0{d(3)}", f"020 7946 0{d(3)}"])
        elif region == "US":
            area = rng.choice(["212", "415", "646", "312", "617", "206"])
            value = rng.choice([f"+1 {area} 555 01{d(2)}", f"({area}) 555-01{d(2)}",
                                f"+1-{area}-555-01{d(2)}"])
        elif region == "DE":
            value = rng.choice([f"+49 30 {d(4)} {d(4)}", f"+49 (0)89 {d(3)} {d(4)}",
                                f"030 {d(4)} {d(4)}"])
        elif region == "FR":
            value = rng.choice([f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
                                f"01 {d(2)} {d(2)} {d(2)} {d(2)}"])
        elif region == "ES":
            value = rng.choice([f"+34 91{d(1)} {d(3)} {d(3)}", f"+34 6{d(2)} {d(3)} {d(3)}"])
        elif region == "RU":
            value = rng.choice([f"+7 495 {d(3)}-{d(2)}-{d(2)}", f"+7 916 {d(3)}-{d(2)}-{d(2)}"])
        elif region == "CN":
            value = rng.choice([f"+86 10 {d(4)} {d(4)}", f"+86 138 {d(4)} {d(4)}"])
        elif region == "KR":
            value = rng.choice([f"+82 2-{d(4)}-{d(4)}", f"+82 10-{d(4)}-{d(4)}"])
        elif region == "AE":
            value = rng.choice([f"+971 4 {d(3)} {d(4)}", f"+971 50 {d(3)} {d(4)}"])
        else:  # JP
            value = rng.choice([f"+81 3-{d(4)}-{d(4)}", f"03-{d(4)}-{d(4)}"])
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
                return value
        except phonenumbers.NumberParseException:
            pass
    return "+44 20 7946 0958"


# --------------------------------------------------------------------------- the builder


class _Builder:
    """Builds one ticket; records every planted value."""

    def __init__(self, seed: object, index: int, corpus: str = "mailbox") -> None:
        self.profile = CORPORA[corpus]
        scope = "" if corpus == "mailbox" else f"{corpus}|"
        self.seed = f"scrubber-bench|{scope}{seed}|{index}"
        self.rng = rng = random.Random(self.seed)
        self.index = index
        self.lang = rng.choices(self.profile.langs, self.profile.lang_weights)[0]
        self.plants: list[Plant] = []
        self.name, self.first, self.last = rng.choice(NAMES[self.lang])
        self.company, self.domain = rng.choice(COMPANIES[self.lang])

    # ---- planted values
    def secret(self, type_: str | None = None) -> tuple[str, SecretType]:
        rng = self.rng
        type_ = type_ or rng.choices(_SECRET_NAMES, _SECRET_WEIGHTS)[0]
        st = SECRET_TYPES[type_]
        value = fakes.expand(st.template, f"{self.seed}|s{len(self.plants)}")
        self.plants.append(Plant("secret", type_, value, st.rule_ids))
        return value, st

    def pii(self, type_: str) -> str:
        rng = self.rng
        if type_ == "email":
            first, last = self.first, self.last
            if rng.random() < 0.5:  # a colleague
                _, first, last = rng.choice(NAMES[self.lang])
            local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}",
                                f"{first}.{last}+support"])
            domain = rng.choice([self.domain, "mail." + self.domain])
            value = f"{local}@{domain}"
        elif type_ == "phone":
            value = _phone(rng, rng.choice(PHONE_REGIONS[self.lang]))
        elif type_ in ("ipv4", "ipv6"):
            value = _ipv4(rng) if type_ == "ipv4" else _ipv6(rng)
        else:
            template = {"card": rng.choice(["{{card:4:16}}", "{{card:4:16}}", "{{card:51:16}}",
                                            "{{card:53:16}}", "{{card:55:16}}",
                                            "{{card:37:15}}"]),
                        "iban": "{{iban:" + rng.choice(["DE", "DE", "FR", "NL", "GB"]) + "}}",
                        "ssn": "{{ssn}}"}[type_]
            value = fakes.expand(template, f"{self.seed}|p{len(self.plants)}")
        self.plants.append(Plant("pii", type_, value, PII_TYPES[type_]))
        return value

    # ---- prose
    def fill(self, template: str) -> str:
        rng = self.rng
        code = rng.choice(STATUS)[0]
        return template.format(
            day=rng.choice(DAYS[self.lang]), product=rng.choice(PRODUCTS),
            endpoint=_endpoint(rng), code=code,
            time=f"{rng.randint(0, 23):02d}:" + rng.choice(("00", "15", "30", "45")),
            n=rng.randint(2, 95), plan=rng.choice(PLANS),
            vendor=rng.choice(VENDORS), ver=_ver(rng), ver2=_ver(rng), emoji=rng.choice(EMOJI),
            first=self.name.split()[0], name=self.name, ticket=rng.randint(100000, 999999))

    def sentence(self) -> str:
        return self.fill(self.rng.choice(PROSE[self.lang]))

    def paragraph(self, k: int | None = None) -> str:
        k = k or self.rng.randint(2, 4)
        sep = "" if self.lang == "ja" else " "
        pool = PROSE[self.lang]
        return sep.join(self.fill(t) for t in self.rng.sample(pool, min(k, len(pool))))

    # ---- blocks (each returns text without trailing newline)
    def http_block(self) -> str:
        rng = self.rng
        code, reason = rng.choice(STATUS)
        err = rng.choice(ERROR_CODES)
        body = {"error": {"type": "api_error" if code >= 500 else "invalid_request_error",
                          "code": err,
                          "message": rng.choice([
                              "Incorrect API key provided: sk-proj-****" + _b62(rng, 4) + ".",
                              "Rate limit exceeded, retry after 30 seconds.",
                              "No such invoice: 'in_" + _b62(rng, 14) + "'",
                              "Upstream service did not respond in time."]),
                          "request_id": _req(rng)}}
        import json
        dumped = json.dumps(body, indent=2 if rng.random() < 0.5 else None, ensure_ascii=False)
        lines = [f"HTTP/1.1 {code} {reason}",
                 f"Date: Thu, {rng.randint(1, 28):02d} Mar 2024 {rng.randint(0, 23):02d}:"
                 f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} GMT",
                 "Content-Type: application/json; charset=utf-8",
                 f"X-Request-Id: {_uuid(rng)}"]
        if code == 429:
            lines.append("Retry-After: 30")
        return "\n".join([*lines, "", dumped])

    def log_block(self) -> str:
        rng = self.rng
        out = []
        for _ in range(rng.randint(3, 10)):
            level = rng.choice(["INFO ", "INFO ", "WARN ", "ERROR", "DEBUG"])
            code = rng.choice(STATUS)[0] if rng.random() < 0.6 else 200
            out.append(rng.choice([
                f"{_ts(rng)} {level} [http-nio-8080-exec-{rng.randint(1, 9)}] "
                f"c.a.api.RequestLogger - {_req(rng)} {rng.choice(['GET', 'POST', 'PUT'])} "
                f"{_endpoint(rng)} {code} {rng.randint(3, 2500)}ms ip={_ip(rng)}",
                f"{_ts(rng)} {level} [worker-{rng.randint(1, 4)}] retry {rng.randint(1, 3)}/3 "
                f"for {_req(rng)} after {rng.choice(STATUS)[0]} ({rng.choice(ERROR_CODES)})",
                f"{_ts(rng)} {level} webhook delivery id={_uuid(rng)} status={code} "
                f"attempt={rng.randint(1, 5)}",
                f"[{_ts(rng)}] {level.strip().lower()}: sync job {_hex(rng, 12)} finished in "
                f"{rng.random() * 9:.2f}s (build {_hex(rng, 7)})",
            ]))
        return "\n".join(out)

    def access_log_block(self) -> str:
        """Web server access log lines; every client address is a planted PII value."""
        rng = self.rng
        out = []
        for _ in range(rng.randint(5, 12)):
            ip = self.pii("ipv6" if rng.random() < 0.3 else "ipv4")
            code = rng.choice(STATUS)[0] if rng.random() < 0.4 else 200
            out.append(f'{ip} - - [{rng.randint(1, 28):02d}/Mar/2024:{rng.randint(0, 23):02d}:'
                       f'{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} +0000] '
                       f'"{rng.choice(["GET", "POST", "PUT", "DELETE"])} {_endpoint(rng)} '
                       f'HTTP/1.1" {code} {rng.randint(120, 48000)} "-" '
                       f'"{rng.choice(USER_AGENTS)}" rt={rng.random() * 3:.3f} '
                       f"req_id={_req(rng)}")
        return "\n".join(out)

    def app_log_block(self) -> str:
        """Structured application logs with client, upstream and peer addresses."""
        rng = self.rng
        out = []
        for _ in range(rng.randint(4, 10)):
            level = rng.choice(["info", "info", "warn", "error", "debug"])
            client = self.pii("ipv4" if rng.random() < 0.6 else "ipv6")
            if rng.random() < 0.5:
                upstream = self.pii("ipv4")
                out.append(f"{_ts(rng)} level={level} msg=\"upstream request\" client={client} "
                           f"upstream={upstream}:{rng.choice([443, 8443, 9000])} "
                           f"request_id={_uuid(rng)} status={rng.choice(STATUS)[0]} "
                           f"duration_ms={rng.randint(1, 9000)}")
            else:
                out.append(f'{{"ts":"{_ts(rng)}","level":"{level}","remote_addr":"{client}",'
                           f'"trace_id":"{_hex(rng, 32)}","span_id":"{_hex(rng, 16)}",'
                           f'"request_id":"{_req(rng)}","path":"{_endpoint(rng)}"}}')
        return "\n".join(out)

    def git_block(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            lines = [f"$ git log --oneline -{(k := rng.randint(3, 6))}"]
            msgs = ["Fix retry on 429", "Bump paylane-sdk to " + _ver(rng), "Rotate webhook secret "
                    "handling", "Add idempotency keys", "Revert “Use new auth flow”",
                    "Log request ids", "Handle 504 from upstream"]
            lines += [f"{_hex(rng, 7)} {rng.choice(msgs)}" for _ in range(k)]
            return "\n".join(lines)
        return (f"We deployed commit {_hex(rng, 40)} at {_ts(rng)}; the previous release was "
                f"{_hex(rng, 7)}. Diff: https://git.{self.domain}/platform/api/compare/"
                f"{_hex(rng, 12)}...{_hex(rng, 12)}")

    def trace_block(self) -> str:
        rng = self.rng
        kind = rng.choice(["py", "js", "java"])
        if kind == "py":
            frames = []
            for _ in range(rng.randint(2, 6)):
                mod = rng.choice(PY_MODULES)
                func = rng.choice(PY_FUNCS)
                frames += [f'  File "/srv/app/{mod}", line {rng.randint(10, 900)}, in {func}',
                           "    " + rng.choice(PY_LINES)]
            exc = rng.choice(["AuthenticationError", "RateLimitError", "APIConnectionError"])
            return "\n".join(["Traceback (most recent call last):", *frames,
                              f"paylane.errors.{exc}: request failed (request id: {_req(rng)})"])
        if kind == "js":
            frames = [f"    at {rng.choice(JS_FUNCS)} (/app/{rng.choice(JS_FILES)}:"
                      f"{rng.randint(1, 400)}:{rng.randint(1, 80)})"
                      for _ in range(rng.randint(3, 8))]
            head = rng.choice(JS_ERRORS).replace("{host}", rng.choice(HOSTS))
            return "\n".join([head, *frames])
        frames = []
        for _ in range(rng.randint(3, 9)):
            cls = rng.choice(JAVA_CLASSES)
            frames.append(f"\tat com.acme.{cls}.{rng.choice(JAVA_METHODS)}"
                          f"({cls.rsplit('.', 1)[-1]}.java:{rng.randint(20, 600)})")
        code, reason = rng.choice(STATUS)
        return "\n".join([f'Exception in thread "main" com.acme.client.ApiException: '
                          f"{code} {reason}", *frames,
                          "Caused by: java.net.SocketTimeoutException: Read timed out",
                          f"\t... {rng.randint(2, 9)} more"])

    def curl_block(self, secret: str | None = None) -> str:
        rng = self.rng
        auth = secret if secret is not None else rng.choice(["$ACME_TOKEN", "${API_KEY}",
                                                             "<token>", "sk_live_..."])
        payload = (f'{{"amount": {rng.randint(100, 99999)}, "currency": '
                   f'"{rng.choice(["eur", "usd", "jpy"])}", "customer": "cus_{_b62(rng, 14)}"}}')
        return "\n".join([f"curl -X POST https://{rng.choice(HOSTS)}{_endpoint(rng)} \\",
                          f'  -H "Authorization: Bearer {auth}" \\',
                          '  -H "Content-Type: application/json" \\',
                          f'  -H "Idempotency-Key: {_uuid(rng)}" \\',
                          f"  -d '{payload}'"])

    def code_block(self, secret: str | None = None, env_var: str = "PAYLANE_API_KEY") -> str:
        rng = self.rng
        key = f'"{secret}"' if secret is not None else f'os.environ["{env_var}"]'
        if rng.random() < 0.5:
            body = ["import os", "from paylane import Client", "",
                    f"client = Client(api_key={key}, timeout={rng.randint(5, 60)})",
                    f'invoice = client.invoices.retrieve("in_{_b62(rng, 14)}")',
                    "print(invoice.status)"]
            fence = "python"
        else:
            key = f"'{secret}'" if secret is not None else f"process.env.{env_var}"
            body = ["const { Paylane } = require('paylane');",
                    f"const client = new Paylane({{ apiKey: {key} }});",
                    "const res = await client.charges.create({ amount: 1999, currency: 'eur' });",
                    "console.log(res.id);"]
            fence = "js"
        return "\n".join([f"```{fence}", *body, "```"])

    def env_block(self, secret: str | None = None, env_var: str = "API_KEY") -> str:
        rng = self.rng
        lines = rng.sample(ENV_FILLER, rng.randint(3, 7))
        if secret is not None:
            lines.insert(rng.randint(0, len(lines)), rng.choice(
                [f"{env_var}={secret}", f'export {env_var}="{secret}"']))
        return "\n".join([rng.choice(["# .env (staging)", "# .env.production", "$ cat .env"]),
                          *lines])

    def json_config_block(self, secret: str) -> str:
        rng = self.rng
        return "\n".join(["{", f'  "endpoint": "https://{rng.choice(HOSTS)}/v1",',
                          f'  "{rng.choice(["api_key", "token", "apiKey"])}": "{secret}",',
                          f'  "timeout_ms": {rng.randint(1000, 30000)},',
                          f'  "retries": {rng.randint(0, 5)}', "}"])

    def secret_block(self) -> str:
        rng = self.rng
        value, st = self.secret()
        where = rng.choices(["env", "curl", "json", "code", "prose", "header"],
                            [30, 15, 15, 15, 18, 7])[0]
        if where == "env":
            return self.env_block(value, st.env_var)
        if where == "curl":
            return self.curl_block(value)
        if where == "json":
            return self.json_config_block(value)
        if where == "code":
            return self.code_block(value, st.env_var)
        if where == "header":
            return "\n".join([f"GET {_endpoint(rng)} HTTP/1.1", f"Host: {rng.choice(HOSTS)}",
                              f"Authorization: Bearer {value}", f"X-Request-Id: {_uuid(rng)}"])
        return self.fill(rng.choice(LEAK_PROSE[self.lang]).replace("{v}", value))

    def pii_block(self, type_: str) -> str:
        value = self.pii(type_)
        text = self.rng.choice(PII_PROSE[type_][self.lang])
        return self.fill(text.replace("{v}", value))

    def signature(self) -> str:
        rng = self.rng
        lines = [rng.choice(CLOSINGS[self.lang]), self.name]
        if rng.random() < 0.8:
            lines.append(f"{rng.choice(ROLES[self.lang])} · {self.company}")
        if rng.random() < 0.7:
            lines.append(("Tel. " if self.lang == "de" else "") + self.pii("phone"))
        if rng.random() < 0.6:
            lines.append(self.pii("email"))
        if rng.random() < 0.15:
            lines.append(rng.choice(["Sent from my iPhone", "Envoyé de mon iPhone",
                                     "Von meinem iPhone gesendet"]))
        return "\n".join(["--", *lines]) if rng.random() < 0.4 else "\n".join(lines)

    def plain_closing(self) -> str:
        """A closing without a person: the team and company only."""
        rng = self.rng
        return "\n".join([rng.choice(CLOSINGS[self.lang]),
                          f"{rng.choice(ROLES[self.lang])} · {self.company}"])

    def quoted_reply(self) -> str:
        rng = self.rng
        header = QUOTE_HEADERS[self.lang].format(
            wd=rng.choice(["Mon", "Tue", "Wed", "Thu"]), d=rng.randint(1, 28),
            mon="Mar", hh=f"{rng.randint(8, 18):02d}", mm=f"{rng.randint(0, 59):02d}")
        agent = [self.fill(line) for line in AGENT_LINES]
        quoted = [f"> {line}" if line else ">" for line in agent]
        if rng.random() < 0.5:  # the customer's first message, quoted twice
            quoted += [">", "> > " + self.paragraph(2)]
        return "\n".join([header, *quoted])

    # ---- assembly
    def planted_blocks(self, target: int) -> list[str]:
        """The blocks carrying this ticket's planted secrets and PII (profile densities)."""
        rng, prof = self.rng, self.profile
        body = []
        if prof.secret_every:  # stochastic rounding: the density holds on average
            expected = target / prof.secret_every
            n_secrets = int(expected) + (rng.random() < expected - int(expected))
            body = [self.secret_block() for _ in range(n_secrets)]
        if prof.pii_every:
            n_pii = max(1, round(target / prof.pii_every))
            body += [self.pii_block(t)
                     for t in rng.choices(_DENSE_PII, _DENSE_PII_WEIGHTS, k=n_pii)]
        for type_, p in prof.pii_odds:
            if rng.random() < p:
                body.append(self.pii_block(type_))
        return body

    def build(self, target: int) -> Ticket:
        rng, prof = self.rng, self.profile
        head = [f"Subject: {self.fill(rng.choice(SUBJECTS[self.lang]))}",
                rng.choice(GREETINGS[self.lang]), self.paragraph()]
        body = self.planted_blocks(target)
        tail = [self.sentence(), self.signature() if prof.signature else self.plain_closing()]
        if prof.quoted and rng.random() < prof.quoted:
            tail.append(self.quoted_reply())

        def size(parts: list[str]) -> int:
            return sum(len(p.encode("utf-8")) + 2 for p in parts)

        fixed = size(head) + size(tail)
        used = fixed + size(body)
        makers: list[Callable[[], str]] = [getattr(self, name) for name in prof.fillers]
        misses = 0
        while used < target * 0.95 and misses < 12:
            planted = len(self.plants)
            block = rng.choice(makers)() if misses < 6 else self.sentence()
            cost = len(block.encode("utf-8")) + 2
            if used + cost > target * 1.05 and used > 0.5 * target:
                del self.plants[planted:]  # the block is dropped, and what it planted
                misses += 1
                continue
            body.append(block)
            used += cost
        rng.shuffle(body)
        text = "\n\n".join([*head, *body, *tail]) + "\n"
        return Ticket(text, tuple(self.plants), self.lang)


# --------------------------------------------------------------------------- public API


def _target(rng_seed: str) -> int:
    rng = random.Random(rng_seed + "|size")
    return int(rng.triangular(1000, 6200, 3600))


def ticket(index: int, seed: object = 0, size: int | None = None, corpus: str = "mailbox"
           ) -> Ticket:
    """Ticket number ``index`` of ``corpus`` (a ``CORPORA`` name) under ``seed``.

    ``size`` is the target UTF-8 size in bytes (default: 1-6 KB, triangular around 3.6 KB).
    """
    b = _Builder(seed if size is None else f"{seed}|{size}", index, corpus)
    return b.build(size or _target(b.seed))


def iter_tickets(seed: object = 0, size: int | None = None, corpus: str = "mailbox"
                 ) -> Iterator[Ticket]:
    i = 0
    while True:
        yield ticket(i, seed, size, corpus)
        i += 1


def generate(n: int, seed: object = 0, size: int | None = None, corpus: str = "mailbox"
             ) -> list[Ticket]:
    """``n`` tickets with their planted values (1-6 KB each, or about ``size`` bytes)."""
    return [ticket(i, seed, size, corpus) for i in range(n)]


def generate_bytes(mb: float, seed: object = 0, size: int | None = None,
                   corpus: str = "mailbox") -> list[Ticket]:
    """Tickets whose total UTF-8 size first reaches ``mb`` * 10^6 bytes."""
    out, total = [], 0
    for t in iter_tickets(seed, size, corpus):
        if total >= mb * MB:
            break
        out.append(t)
        total += t.size
    return out


def tickets(n: int, seed: object = 0, size: int | None = None, corpus: str = "mailbox"
            ) -> list[str]:
    """The texts of ``generate(n, seed, size, corpus)``."""
    return [t.text for t in generate(n, seed, size, corpus)]


def corpus_bytes(mb: float, seed: object = 0, corpus: str = "mailbox") -> list[str]:
    """Ticket texts of ``corpus`` totalling at least ``mb`` MB (10^6 bytes) of UTF-8."""
    return [t.text for t in generate_bytes(mb, seed, corpus=corpus)]


def total_bytes(texts: list[str]) -> int:
    """Total UTF-8 size of ``texts`` in bytes."""
    return sum(len(t.encode("utf-8")) for t in texts)


def _stats(mb: float) -> None:  # pragma: no cover - manual inspection
    import time

    for name in CORPORA:
        t0 = time.perf_counter()
        corpus = generate_bytes(mb, corpus=name)
        took = time.perf_counter() - t0
        nbytes = sum(t.size for t in corpus)
        chars = sum(len(t.text) for t in corpus)
        non_ascii = sum(sum(not c.isascii() for c in t.text) for t in corpus) / chars
        secrets = sum(p.kind == "secret" for t in corpus for p in t.plants)
        pii = sum(p.kind == "pii" for t in corpus for p in t.plants)
        print(f"{name:<13} {len(corpus):>4} tickets, {nbytes:>9,} bytes in {took:.2f}s; "
              f"{secrets:>5} secrets (1 per {nbytes / max(secrets, 1):>6,.0f} B), {pii:>5} PII "
              f"(1 per {nbytes / max(pii, 1):>6,.0f} B); {non_ascii:.0%} non-ASCII characters")


if __name__ == "__main__":  # pragma: no cover - manual inspection
    import sys

    _stats(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
