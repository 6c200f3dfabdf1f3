"""The policies users accept before using the integration manager (MSC2140).

Each policy version has its own URL (the URL identifies the document, so it never changes);
publishing a new version means adding a template and bumping `version`: every user is then
asked again, because acceptance is recorded per (policy, version).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Policy:
    key: str  # the key in the "policies" object, e.g. "terms_of_service"
    slug: str  # short name in the document URL
    version: str
    names: dict  # language -> display name; one document per language

    def document(self, lang: str) -> str:
        return f"{self.slug}-{self.version}-{lang}.html"

    def template(self, lang: str) -> str:
        return f"integrations/{self.slug}-{self.version}-{lang}.html"


POLICIES: tuple[Policy, ...] = (
    Policy(key="terms_of_service", slug="tos", version="1.0", names={"en": "Hexpack Terms of Service"}),
)


def document_url(public_url: str, policy: Policy, lang: str) -> str:
    return f"{public_url.rstrip('/')}/terms/{policy.document(lang)}"


def policies_document(public_url: str) -> dict:
    """The body of GET /_matrix/integrations/v1/terms."""
    policies = {}
    for policy in POLICIES:
        entry: dict = {"version": policy.version}
        for lang, name in policy.names.items():
            entry[lang] = {"name": name, "url": document_url(public_url, policy, lang)}
        policies[policy.key] = entry
    return {"policies": policies}


def policy_for_document(name: str) -> tuple[Policy, str] | None:
    """(policy, language) served at /terms/<name>, or None."""
    for policy in POLICIES:
        for lang in policy.names:
            if policy.document(lang) == name:
                return policy, lang
    return None


def accepted_versions(urls: list[str]) -> set[tuple[str, str]]:
    """The (policy key, version) pairs named by `urls`; any language counts, unknown URLs are ignored.

    Matched on the path, so a change of PUBLIC_URL (or http/https behind a proxy) between
    showing and accepting a document does not lose the acceptance.
    """
    found = set()
    for url in urls:
        path = urlsplit(url).path
        if path.startswith("/terms/"):
            match = policy_for_document(path[len("/terms/"):])
            if match is not None:
                found.add((match[0].key, match[0].version))
    return found


def required_versions() -> set[tuple[str, str]]:
    return {(policy.key, policy.version) for policy in POLICIES}
