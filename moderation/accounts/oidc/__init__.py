"""Single sign-on at the newsroom's OpenID provider (OpenID Connect, Authlib).

``transaction``: one trip to the provider, bound to the browser that started it.
``client``: the provider itself — discovery, the authorization request with PKCE, the code
exchanged for tokens, the ID token verified against the provider's keys, the userinfo.
``admission``: who the verified person is here — the account by email, the role by group —
and the audit log. Nothing here knows Flask; ``moderation.workspace.sso`` is the HTTP side.
"""
