"""Mails in the metrics: attempts by kind and outcome, and the lag of those sent."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.mail.conftest import report


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_mail_attempts_by_outcome_and_the_lag_of_a_sent_one(client, comment_id, add_account,
                                                           mailer, sink, clock):
    add_account("anna@zeitung.example.de")
    report(client, comment_id)
    retried = sample("moderation_mails_total", kind="report_alert", outcome="retry")
    sent = sample("moderation_mails_total", kind="report_alert", outcome="sent")
    lag = sample("moderation_mail_lag_seconds_sum")
    sink.answers = ["451 4.3.0 Bitte später noch einmal"]

    assert mailer.run_once() == 1
    assert sample("moderation_mails_total", kind="report_alert", outcome="retry") == retried + 1
    clock.advance(minutes=10)
    assert mailer.run_once() == 1
    assert sample("moderation_mails_total", kind="report_alert", outcome="sent") == sent + 1
    assert sample("moderation_mail_lag_seconds_sum") - lag == 600
