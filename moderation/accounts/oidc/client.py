"""The OpenID provider as the service talks to it: discovery, the authorization request
(code flow with PKCE, ``state`` and ``nonce``), the code exchanged for tokens, the ID token
verified (signature against the provider's published keys, issuer, audience, authorized
party, expiry, nonce, ``at_hash``) and the userinfo read.

Every failure is one of three errors, so that the pages can say what happened without
telling an attacker more than the person needs to know.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from moderation.accounts.oidc.transaction import Transaction

TIMEOUT_SECONDS = 10
# Discovery is read again after this (a provider may move an endpoint); keys are read again
# at once when a token names one we do not know (the provider rotated its keys).
METADATA_SECONDS = 3600
# Public-key signatures only: an HS256 token is signed with our own client secret, "none"
# with nothing at all.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                      "ES512", "EdDSA", "Ed25519")
# Clocks of two machines: a minute either way.
LEEWAY_SECONDS = 60


class ProviderError(Exception):
    """The sign-in at the provider did not give us a verified person."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, or answered something that is not OpenID Connect."""


class CodeRefused(ProviderError):
    """The provider refused the code: used before, expired, or issued to someone else."""


class TokenInvalid(ProviderError):
    """The ID token or the userinfo failed a check (signature, issuer, audience, expiry,
    nonce, subject)."""


@dataclass(frozen=True)
class ClientSettings:
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]


class OpenIdProvider:
    """One provider, with its discovery document and keys cached for the process."""

    def __init__(self, settings: ClientSettings,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_read_at = 0.0
        self._keys: KeySet | None = None

    def authorization_url(self, transaction: Transaction, redirect_uri: str) -> str:
        """Where to send the browser: the provider's sign-in for this transaction."""
        with self._session(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=transaction.state,
                nonce=transaction.nonce, code_verifier=transaction.code_verifier)
        return url

    def check_response_issuer(self, iss: str | None) -> None:
        """RFC 9207: the callback's ``iss``, where there is one (and always where the
        provider promises it), names our provider: no answer of another provider is taken
        for its (mix-up)."""
        promised = self.metadata().get("authorization_response_iss_parameter_supported")
        if (iss is None and promised) or (iss is not None and iss != self.settings.issuer):
            raise TokenInvalid(f"the callback names the issuer {iss!r}")

    def verified_claims(self, code: str, transaction: Transaction,
                        redirect_uri: str) -> dict[str, Any]:
        """The person's claims for ``code``: the verified ID token's, completed by the
        userinfo (same subject) where the provider has one."""
        metadata = self.metadata()
        with self._session(redirect_uri) as client:
            try:
                token = client.fetch_token(metadata["token_endpoint"], code=code,
                                           code_verifier=transaction.code_verifier,
                                           grant_type="authorization_code")
            except OAuthError as error:
                if error.error == "invalid_grant":
                    raise CodeRefused("token endpoint: invalid_grant") from None
                # invalid_client and the like: our settings, not the person's sign-in.
                raise ProviderUnavailable(f"token endpoint: {error}") from None
            except (requests.RequestException, ValueError) as error:
                raise ProviderUnavailable(f"token endpoint: {error}") from None
            if not isinstance(token.get("id_token"), str):
                raise TokenInvalid("no ID token in the token response")
            claims = self._id_token_claims(token, transaction)
            if metadata.get("userinfo_endpoint") and token.get("access_token"):
                claims.update(self._userinfo(client, metadata["userinfo_endpoint"],
                                             claims["sub"]))
        return claims

    def _id_token_claims(self, token: dict[str, Any], transaction: Transaction
                         ) -> dict[str, Any]:
        decoded = self._decoded(token["id_token"])
        id_token = CodeIDToken(
            decoded.claims, decoded.header,
            {"iss": {"essential": True, "value": self.settings.issuer},
             "aud": {"essential": True, "value": self.settings.client_id}},
            {"nonce": transaction.nonce, "client_id": self.settings.client_id,
             "access_token": token.get("access_token")})
        try:
            # The token's times are the provider's wall clock, so ours is the one to compare
            # them with (never a clock a test has stopped).
            id_token.validate(leeway=LEEWAY_SECONDS)
        except JoseError as error:
            raise TokenInvalid(f"ID token: {error}") from None
        return dict(id_token)

    def _decoded(self, id_token: str) -> jwt.Token:
        allowed = [alg for alg in self.metadata().get(
            "id_token_signing_alg_values_supported", ["RS256"]) if alg in SIGNING_ALGORITHMS]
        registry = JWSRegistry(algorithms=allowed or ["RS256"], strict_check_header=False)
        try:
            try:
                return jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:
                return jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
        except JoseError as error:
            raise TokenInvalid(f"ID token: {error}") from None
        except ValueError as error:  # not even the shape of a JWT
            raise TokenInvalid(f"ID token: {error}") from None

    def _userinfo(self, client: OAuth2Session, endpoint: str, subject: str) -> dict[str, Any]:
        try:
            answer = client.get(endpoint)
            answer.raise_for_status()
            userinfo = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(f"userinfo: {error}") from None
        if not isinstance(userinfo, dict):
            raise ProviderUnavailable("userinfo: not a JSON object")
        # OpenID Connect Core 5.3.2: another subject's claims must not be used.
        if userinfo.get("sub") != subject:
            raise TokenInvalid("userinfo: another subject than the ID token's")
        return userinfo

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, read at most once an hour."""
        with self._lock:
            stale = self._monotonic() - self._metadata_read_at > METADATA_SECONDS
            if self._metadata is None or stale:
                self._metadata = self._discover()
                self._metadata_read_at = self._monotonic()
                self._keys = None
            return self._metadata

    def _discover(self) -> dict[str, Any]:
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = _json(url, "discovery")
        # OpenID Connect Discovery 4.3: the document must name exactly the issuer asked.
        if metadata.get("issuer") != self.settings.issuer:
            raise ProviderUnavailable(f"discovery names the issuer {metadata.get('issuer')!r}")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                raise ProviderUnavailable(f"discovery has no {endpoint}")
        return metadata

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        metadata = self.metadata()
        with self._lock:
            if self._keys is None or refresh:
                try:
                    self._keys = KeySet.import_key_set(_json(metadata["jwks_uri"], "keys"))
                except (JoseError, ValueError, KeyError, TypeError) as error:
                    raise ProviderUnavailable(f"keys: {error}") from None
            return self._keys

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(self.settings.client_id, self.settings.client_secret,
                             scope=" ".join(self.settings.scopes), redirect_uri=redirect_uri,
                             code_challenge_method="S256", default_timeout=TIMEOUT_SECONDS)



def _json(url: str, what: str) -> dict[str, Any]:
    try:
        answer = requests.get(url, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{what}: {error}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{what}: not a JSON object")
    return document
