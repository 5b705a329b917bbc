"""When a failed e-mail is tried again: 5 minutes after the first failure, then twice as long."""

from datetime import UTC, datetime, timedelta

from tracker.domain.notifications import MAX_ATTEMPTS, retry_due

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_never_tried_email_waits_for_its_own_job_first():
    assert not retry_due(attempts=0, last_attempt_at=None, created_at=NOW - timedelta(minutes=4),
                         now=NOW)
    assert retry_due(attempts=0, last_attempt_at=None, created_at=NOW - timedelta(minutes=5),
                     now=NOW)


def test_each_failure_doubles_the_wait():
    for attempts, wait in [(1, 5), (2, 10), (3, 20), (9, 5 * 256)]:
        last = NOW - timedelta(minutes=wait)
        assert retry_due(attempts=attempts, last_attempt_at=last, created_at=last, now=NOW)
        assert not retry_due(attempts=attempts, last_attempt_at=last + timedelta(seconds=1),
                             created_at=last, now=NOW)


def test_after_the_last_attempt_it_is_never_tried_again():
    long_ago = NOW - timedelta(days=365)
    assert not retry_due(attempts=MAX_ATTEMPTS, last_attempt_at=long_ago, created_at=long_ago,
                         now=NOW)
