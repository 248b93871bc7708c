"""The outbox on SQLite and PostgreSQL: claims, leases, order, retries, dead chats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import chats, outbox
from storage.db import Database
from storage.models import Chat, Subscription
from storage.outbox import NewMessage
from tests.support.factories import NOW, add_chat, outbox_rows, subscribe


def _queue(db: Database, chat_pk: int, key: str, *texts: str, at=NOW) -> int:  # type: ignore[no-untyped-def]
    with db.write() as s:
        return outbox.enqueue(
            s, chat_pk, key, "push", [NewMessage(t, "HTML") for t in texts], not_before=at
        )


def test_enqueue_is_idempotent_per_key(db: Database) -> None:
    chat = add_chat(db, "201")
    assert _queue(db, chat, "push:1:1", "một", "hai") == 2
    assert _queue(db, chat, "push:1:1", "một", "hai") == 0
    rows = outbox_rows(db, chat)
    assert [(r.part, r.text, r.status) for r in rows] == [
        (0, "một", "pending"),
        (1, "hai", "pending"),
    ]


def test_claim_takes_one_row_per_chat_in_order_with_a_lease(db: Database) -> None:
    a, b = add_chat(db, "202"), add_chat(db, "203")
    _queue(db, a, "k1", "a1", "a2")
    _queue(db, b, "k2", "b1")
    _queue(db, a, "k3", "a3")

    first = outbox.claim(db, "w1", 10, 60, NOW)
    assert sorted(m.text for m in first) == ["a1", "b1"]  # one in flight per chat
    assert outbox.claim(db, "w2", 10, 60, NOW) == []  # both chats busy
    for m in first:
        outbox.mark_sent(db, m.id, f"tg-{m.id}", NOW)
    second = outbox.claim(db, "w1", 10, 60, NOW)
    assert [m.text for m in second] == ["a2"]
    outbox.mark_sent(db, second[0].id, "tg-x", NOW)
    assert [m.text for m in outbox.claim(db, "w1", 10, 60, NOW)] == ["a3"]
    sent = [r for r in outbox_rows(db) if r.status == "sent"]
    assert len(sent) == 3 and all(r.message_id and r.sent_at == NOW for r in sent)


def test_expired_lease_is_claimed_again_and_sent_rows_never(db: Database) -> None:
    chat = add_chat(db, "204")
    _queue(db, chat, "k", "một")
    [m] = outbox.claim(db, "dead-worker", 10, 30, NOW)
    assert outbox.claim(db, "w2", 10, 30, NOW + timedelta(seconds=29)) == []
    [again] = outbox.claim(db, "w2", 10, 30, NOW + timedelta(seconds=31))
    assert again.id == m.id and again.attempts == 2
    outbox.mark_sent(db, again.id, "42", NOW)
    assert outbox.claim(db, "w3", 10, 30, NOW + timedelta(days=1)) == []
    assert outbox.stats(db) == {"pending": 0, "sending": 0, "sent": 1, "dead": 0}


def test_not_before_and_retry_keep_the_chat_order(db: Database) -> None:
    chat = add_chat(db, "205")
    _queue(db, chat, "k1", "p0", "p1")
    [m] = outbox.claim(db, "w", 10, 60, NOW)
    # A 429: the same row waits 5 s, and the part after it waits behind it.
    outbox.mark_retry(db, m.id, NOW + timedelta(seconds=5), "429", count_attempt=False)
    assert outbox.claim(db, "w", 10, 60, NOW + timedelta(seconds=1)) == []
    [m2] = outbox.claim(db, "w", 10, 60, NOW + timedelta(seconds=5))
    assert (m2.text, m2.attempts) == ("p0", 1)


def test_future_rows_wait(db: Database) -> None:
    chat = add_chat(db, "206")
    _queue(db, chat, "k", "sáng mai", at=NOW + timedelta(hours=8))
    assert outbox.claim(db, "w", 10, 60, NOW) == []
    assert outbox.next_due(db) == NOW + timedelta(hours=8)
    assert len(outbox.claim(db, "w", 10, 60, NOW + timedelta(hours=8))) == 1


def test_deactivate_kills_the_queue_but_keeps_subscriptions(db: Database) -> None:
    chat = add_chat(db, "207")
    subscribe(db, chat, "topic", "nu_cong")
    _queue(db, chat, "k1", "a")
    _queue(db, chat, "k2", "b")
    with db.write() as s:  # one behaviour for the sender's 403 and the chat front's "kicked"
        assert chats.mark_inactive(s, chat, "Forbidden: bot was blocked by the user") == 2
    assert {r.status for r in outbox_rows(db, chat)} == {"dead"}
    with db.read() as s:
        row = s.get(Chat, chat)
        assert row is not None and not row.active and "blocked" in (row.inactive_reason or "")
        assert s.scalar(select(Subscription.value).where(Subscription.chat_pk == chat))


def _migrate(db: Database, old_id: str, new_id: str) -> int | None:
    with db.write() as s:
        chat = chats.migrate_chat(s, "telegram", old_id, new_id)
        return chat.id if chat is not None else None


def test_migrate_chat_takes_the_new_id_or_merges(db: Database) -> None:
    group = add_chat(db, "-3001", kind="group")
    assert _migrate(db, "-3001", "-1003001") == group
    with db.read() as s:
        row = s.get(Chat, group)
        assert row is not None and (row.chat_id, row.kind) == ("-1003001", "supergroup")
    # The supergroup was already known: the old chat's subscriptions and queue move.
    old = add_chat(db, "-3002", kind="group")
    known = add_chat(db, "-1003002", kind="supergroup")
    subscribe(db, old, "topic", "nu_cong")
    subscribe(db, old, "topic", "atvsld")
    subscribe(db, known, "topic", "nu_cong")
    _queue(db, old, "k-old", "tin")
    assert _migrate(db, "-3002", "-1003002") == known
    with db.read() as s:
        values = set(s.scalars(select(Subscription.value).where(Subscription.chat_pk == known)))
        assert values == {"nu_cong", "atvsld"}
        assert s.get(Chat, old) is None  # the old id is dead at Telegram: its row goes
    assert [r.text for r in outbox_rows(db, known)] == ["tin"]


def test_merging_a_migrated_group_owes_each_message_once(db: Database) -> None:
    """The supergroup had the same push and reminder queued as the old group: each is
    sent once; what only the old group had (sent, in flight, queued) moves with it."""
    old = add_chat(db, "-3003", kind="group")
    known = add_chat(db, "-1003003", kind="supergroup")
    _queue(db, old, f"push:6:{old}", "tin 6")
    _queue(db, old, f"push:8:{old}", "tin 8")
    _queue(db, old, f"push:7:{old}", "tin 7 (nhóm cũ)", "tin 7 (nhóm cũ, phần 2)")
    _queue(db, old, f"remind:3:1:{old}", "nhắc (nhóm cũ)")
    _queue(db, old, f"push:9:{old}", "tin 9")
    _queue(db, known, f"push:7:{known}", "tin 7")
    _queue(db, known, f"remind:3:1:{known}", "nhắc")
    claimed = {m.text: m for m in outbox.claim(db, "w", 10, 60, NOW)}
    outbox.mark_sent(db, claimed["tin 6"].id, "1", NOW)
    outbox.mark_sent(db, claimed["tin 7"].id, "2", NOW)
    in_flight = {m.text for m in outbox.claim(db, "w", 10, 60, NOW + timedelta(seconds=5))}
    assert in_flight == {"tin 8", "nhắc"}
    assert _migrate(db, "-3003", "-1003003") == known
    assert [(r.text, r.status) for r in outbox_rows(db, known)] == [
        ("tin 6", "sent"),
        ("tin 8", "sending"),
        ("tin 9", "pending"),
        ("tin 7", "sent"),
        ("nhắc", "sending"),
    ]
    assert outbox_rows(db, old) == []


def test_concurrent_claimers_never_share_a_chat(db: Database) -> None:
    chats = [add_chat(db, str(300 + i)) for i in range(30)]
    for chat in chats:
        _queue(db, chat, f"k{chat}", *(f"{chat}-{n}" for n in range(4)))
    claimed: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        for _ in range(40):
            for m in outbox.claim(db, name, 5, 60, NOW):
                with lock:
                    claimed.append((name, m.chat_pk, m.text))
                outbox.mark_sent(db, m.id, "1", NOW)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [text for _w, _c, text in claimed]
    assert len(texts) == len(set(texts)) == 120  # nothing twice, nothing lost
    for chat in chats:  # each chat's parts in order
        mine = [text for _w, c, text in claimed if c == chat]
        assert mine == [f"{chat}-{n}" for n in range(4)]
    assert outbox.stats(db)["sent"] == 120


def test_a_sender_claims_only_the_channels_it_can_reach(db: Database) -> None:
    """A worker started with the Telegram token alone leaves Zalo's queue pending."""
    now = datetime.now(UTC)
    with db.write() as s:
        tg = Chat(channel="telegram", chat_id="1")
        zl = Chat(channel="zalo", chat_id="z1")
        s.add_all([tg, zl])
        s.flush()
        for chat in (tg, zl):
            outbox.enqueue(
                s, chat.id, f"push:1:{chat.id}", "push", [NewMessage("tin", None)], not_before=now
            )
    claimed = outbox.claim(db, "w", 10, 30, now + timedelta(seconds=1), channels=("telegram",))
    assert [m.channel for m in claimed] == ["telegram"]
    later = outbox.claim(db, "w", 10, 30, now + timedelta(seconds=2), channels=("zalo",))
    assert [m.channel for m in later] == ["zalo"]
