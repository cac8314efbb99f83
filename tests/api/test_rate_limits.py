"""Rate limits on the public endpoints: per client network, author email and article."""

from __future__ import annotations

import pytest

from moderation import create_app
from moderation.api.limits import limiter
from tests.support.http import ARTICLE, assert_error

LOTS = "1000/hour"


@pytest.fixture
def limited(config, database, clock):
    """Build a client of an app with rate limits on and the given settings."""
    apps = []

    def build(**settings):
        values = {"limit_comments_per_address": LOTS, "limit_comments_per_email": LOTS,
                  "limit_comments_per_article": LOTS, "limit_reads_per_address": LOTS,
                  **settings}
        app = create_app(config.replace(rate_limits_enabled=True, **values), clock=clock)
        apps.append(app)
        return app.test_client()

    yield build
    for app in apps:
        app.extensions["moderation"].database.dispose()


def post_from(client, address, body="Schöner Artikel, danke!", article_path=ARTICLE,
              headers=None, **fields):
    payload = {"author_name": "Jürgen Müller", "body": body, **fields}
    return client.post(article_path, json=payload, headers=headers,
                       environ_base={"REMOTE_ADDR": address})


def statuses(responses):
    return [response.status_code for response in responses]


def test_a_refusal_is_a_429_in_our_error_shape_with_retry_after(limited):
    client = limited(limit_comments_per_address="2/hour")
    assert statuses(post_from(client, "203.0.113.10", f"Kommentar {i}")
                    for i in range(2)) == [202, 202]

    refused = post_from(client, "203.0.113.10", "Noch einer",
                        headers={"Origin": "https://blog.example.de"})

    body = assert_error(refused, 429, "too_many_requests")
    assert "network" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    # The widget runs on the publisher's origin: it may read how long to wait.
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]


def test_addresses_in_one_ipv4_24_share_a_bucket_another_network_does_not(limited):
    client = limited(limit_comments_per_address="2/hour")
    assert statuses([post_from(client, "203.0.113.10", "Erster"),
                     post_from(client, "203.0.113.200", "Zweiter"),
                     post_from(client, "203.0.113.99", "Dritter"),
                     post_from(client, "203.0.114.10", "Vierter")]) == [202, 202, 429, 202]


def test_ipv6_addresses_are_bucketed_by_48(limited):
    client = limited(limit_comments_per_address="2/hour")
    assert statuses([post_from(client, "2001:db8:abcd:1::1", "Erster"),
                     post_from(client, "2001:db8:abcd:ffff::2", "Zweiter"),
                     post_from(client, "2001:db8:abcd:42::3", "Dritter"),
                     post_from(client, "2001:db8:abce::1", "Vierter")]) == [202, 202, 429, 202]


def test_an_author_email_is_limited_across_networks(limited):
    client = limited(limit_comments_per_email="2/hour")
    same_author = [post_from(client, f"198.51.{n}.7", f"Kommentar {n}",
                             author_email=email)
                   for n, email in enumerate(["juergen@example.de", "Juergen@Example.de",
                                              "juergen@example.de"])]
    assert statuses(same_author) == [202, 202, 429]
    assert "email" in same_author[-1].get_json()["message"]
    assert post_from(client, "198.51.9.7", "Andere", author_email="kaethe@example.de"
                     ).status_code == 202
    assert post_from(client, "198.51.10.7", "Ohne Adresse").status_code == 202


def test_the_email_is_counted_only_as_a_hash(limited):
    client = limited(limit_comments_per_email="5/hour")
    post_from(client, "198.51.100.7", author_email="juergen@example.de")
    keys = " ".join(str(key) for key in limiter.limiter.storage.storage)
    assert "email:" in keys
    assert "juergen" not in keys and "example.de" not in keys


def test_an_article_is_limited_for_all_readers_together(limited):
    client = limited(limit_comments_per_article="2/hour")
    assert statuses(post_from(client, f"192.0.{n}.1", f"Kommentar {n}")
                    for n in range(3)) == [202, 202, 429]
    other = post_from(client, "192.0.9.1", article_path="/v1/articles/anderes-thema/comments")
    assert other.status_code == 202
    assert "article" in post_from(client, "192.0.10.1").get_json()["message"]


def test_public_reads_share_one_budget_apart_from_posting(limited):
    client = limited(limit_reads_per_address="2/hour", limit_comments_per_address="5/hour")
    submitted = post_from(client, "203.0.113.10").get_json()
    reads = [client.get(ARTICLE, environ_base={"REMOTE_ADDR": "203.0.113.10"}),
             client.get(f"/v1/comments/{submitted['id']}",
                        headers={"X-Author-Token": submitted["author_token"]},
                        environ_base={"REMOTE_ADDR": "203.0.113.11"}),
             client.get(ARTICLE, environ_base={"REMOTE_ADDR": "203.0.113.12"})]
    assert statuses(reads) == [200, 200, 429]
    assert post_from(client, "203.0.113.10", "Trotzdem").status_code == 202


def test_editor_endpoints_are_not_limited(limited, editor):
    client = limited(limit_reads_per_address="1/hour")
    answers = [client.get("/v1/moderation/comments", headers=editor,
                          environ_base={"REMOTE_ADDR": "203.0.113.10"}) for _ in range(3)]
    assert statuses(answers) == [200, 200, 200]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(limited):
    client = limited(limit_comments_per_address="1/hour")
    spoofed = [post_from(client, "203.0.113.10", f"Kommentar {n}",
                         headers={"X-Forwarded-For": f"198.51.{n}.1"}) for n in range(2)]
    assert statuses(spoofed) == [202, 429]


def test_x_forwarded_for_is_the_client_behind_a_trusted_proxy(limited):
    client = limited(limit_comments_per_address="1/hour", proxy_count=1)
    proxy = "10.0.0.2"
    readers = [post_from(client, proxy, f"Kommentar {n}",
                         headers={"X-Forwarded-For": f"198.51.{n}.1"}) for n in range(2)]
    assert statuses(readers) == [202, 202]
    # Only the hop our proxy added counts: what the client wrote before it does not.
    forged = post_from(client, proxy, "Nochmal",
                       headers={"X-Forwarded-For": "192.0.2.1, 198.51.0.1"})
    assert forged.status_code == 429


def test_without_redis_counting_goes_on_in_memory(limited):
    client = limited(limit_comments_per_address="1/hour",
                     rate_limit_storage_url="redis://127.0.0.1:9/0")  # nobody listens there
    assert statuses([post_from(client, "203.0.113.10", "Erster"),
                     post_from(client, "203.0.113.10", "Zweiter")]) == [202, 429]


def test_switched_off_limits_leave_everything_alone(config, database, clock):
    app = create_app(config.replace(rate_limits_enabled=False,
                                    limit_comments_per_address="1/hour",
                                    limit_reads_per_address="1/hour"), clock=clock)
    client = app.test_client()
    try:
        posts = [post_from(client, "203.0.113.10", f"Kommentar {n}") for n in range(3)]
        reads = [client.get(ARTICLE) for _ in range(3)]
        assert statuses(posts + reads) == [202] * 3 + [200] * 3
        assert "Retry-After" not in posts[-1].headers
    finally:
        app.extensions["moderation"].database.dispose()


def test_a_mistyped_limit_is_refused_at_start(config):
    with pytest.raises(ValueError, match="MODERATION_LIMIT_COMMENTS_PER_EMAIL"):
        create_app(config.replace(rate_limits_enabled=True,
                                  limit_comments_per_email="vier pro Minute"))


def test_limited_operations_document_their_429(limited):
    spec = limited().get("/openapi.json").get_json()
    thread = spec["paths"]["/v1/articles/{article_key}/comments"]
    for operation in (thread["get"], thread["post"],
                      spec["paths"]["/v1/comments/{comment_id}"]["get"]):
        refusal = operation["responses"]["429"]
        assert refusal["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
        assert "Retry-After" in refusal["headers"]
    assert "429" not in spec["paths"]["/v1/moderation/comments"]["get"]["responses"]


def test_an_email_in_any_spelling_is_one_bucket(limited):
    client = limited(limit_comments_per_email="2/hour")
    spellings = ["JÜRGEN.Müller@Example.DE", "jürgen.müller@example.de",
                 "JU\u0308RGEN.MU\u0308LLER@EXAMPLE.DE"]  # the last one decomposed
    assert statuses(post_from(client, f"198.51.{n}.7", f"Kommentar {n}", author_email=email)
                    for n, email in enumerate(spellings)) == [202, 202, 429]


@pytest.mark.parametrize("hostile", [
    {"data": '{"author_email": "juergen@example.de", "body": "' + "x" * 70_000 + '"}'},
    {"data": "[" * 3000 + "]" * 3000},
    {"data": '{"author_email": "juergen@example.de", "parent_id": ' + "9" * 5000 + "}"},
], ids=["70 KB", "3000 deep", "5000 digits"])
def test_a_hostile_body_does_not_reset_the_counters(limited, caplog, hostile):
    """Flask-Limiter takes an exception in a key function for a storage outage and counts on
    in fresh memory: one such body would let the next five comments through."""
    # An hour, not a minute: the sliding window's estimate must not drop at a minute's turn
    # while a slow machine posts the six comments.
    client = limited(limit_comments_per_email="5/hour")

    def post(n):
        return post_from(client, f"198.51.{n}.7", f"Kommentar {n}",
                         author_email="juergen@example.de")

    assert statuses(post(n) for n in range(6)) == [202] * 5 + [429]
    refused = client.post(ARTICLE, content_type="application/json",
                          environ_base={"REMOTE_ADDR": "198.51.100.7"}, **hostile)
    assert refused.status_code in {400, 413}
    assert set(refused.get_json()) == {"code", "message", "errors"}

    assert statuses(post(n) for n in range(10, 13)) == [429] * 3
    assert not [r for r in caplog.records if r.name.startswith("flask-limiter")]


def test_an_app_made_after_a_storage_outage_counts_in_its_own_storage(limited):
    gone = limited(limit_comments_per_address="1/hour",
                   rate_limit_storage_url="redis://127.0.0.1:9/0")  # nobody listens there
    assert post_from(gone, "203.0.113.10", "Erster").status_code == 202  # counted in memory
    client = limited(limit_comments_per_address="1/hour")
    assert limiter.limiter.storage is limiter.storage  # not the fallback of the app before
    assert statuses([post_from(client, "203.0.113.10", "Zweiter"),
                     post_from(client, "203.0.113.10", "Dritter")]) == [202, 429]
