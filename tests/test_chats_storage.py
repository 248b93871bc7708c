"""Chats and subscriptions on SQLite and PostgreSQL: what /start, /dangky, /stop and the
sender rely on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from storage import chats
from storage.db import Database
from storage.models import Chat, Delivery, Outbox, Story, Subscription

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_chat_is_created_once_and_comes_back_after_being_inactive(db: Database) -> None:
    with db.write() as s:
        chat = chats.get_or_create_chat(s, "telegram", "42", kind="private", language="en", now=T0)
        first_pk = chat.id
        assert (chat.active, chat.language, chat.since) == (True, "en", T0)
    with db.write() as s:
        again = chats.get_or_create_chat(s, "telegram", "42", language="vi", now=T0)
        assert again.id == first_pk and again.language == "en"  # language set once
        chats.mark_inactive(s, first_pk, "blocked")
    with db.read() as s:
        chat = chats.find_chat(s, "telegram", "42")
        assert chat is not None and not chat.active and chat.inactive_reason == "blocked"
    later = T0 + timedelta(days=3)
    with db.write() as s:
        back = chats.get_or_create_chat(s, "telegram", "42", now=later)
        assert back.id == first_pk
        assert (back.active, back.inactive_reason, back.failures) == (True, None, 0)
        assert back.since == later  # nothing from its time away is pushed
    assert count(db, Chat) == 1
    with db.read() as s:
        assert chats.find_chat(s, "zalo", "42") is None  # channels are separate


def test_subscriptions_have_no_duplicates_and_a_limit(db: Database) -> None:
    with db.write() as s:
        chat = chats.get_or_create_chat(s, "telegram", "7")
        sub, created = chats.add_subscription(
            s, chat, "unit", "ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An"
        )
        assert created and sub.include_children
        same, created = chats.add_subscription(
            s, chat, "unit", "ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An"
        )
        assert not created and same.id == sub.id
        chats.add_subscription(s, chat, "keyword", "đại hội", "đại hội -chi bộ", exclude="chi bộ")
        for i in range(chats.MAX_SUBSCRIPTIONS - 2):
            chats.add_subscription(s, chat, "keyword", f"từ {i}", f"từ {i}")
        with pytest.raises(chats.SubscriptionLimitError):
            chats.add_subscription(s, chat, "topic", "nu_cong", "Nữ công")
        with pytest.raises(ValueError):
            chats.add_subscription(s, chat, "regex", ".*", ".*")
    with db.read() as s:
        chat = chats.find_chat(s, "telegram", "7")
        listed = chats.list_subscriptions(s, chat)
        assert len(listed) == chats.MAX_SUBSCRIPTIONS
        assert (listed[1].kind, listed[1].value, listed[1].exclude) == (
            "keyword",
            "đại hội",
            "chi bộ",
        )


def test_remove_only_touches_the_chats_own_subscriptions(db: Database) -> None:
    with db.write() as s:
        mine = chats.get_or_create_chat(s, "telegram", "1")
        other = chats.get_or_create_chat(s, "telegram", "2")
        theirs, _ = chats.add_subscription(s, other, "topic", "nu_cong", "Nữ công")
        own, _ = chats.add_subscription(s, mine, "topic", "nu_cong", "Nữ công")
        assert chats.remove_subscription(s, mine, theirs.id) is None
        removed = chats.remove_subscription(s, mine, own.id)
        assert removed is not None and removed.value == "nu_cong"
    assert count(db, Subscription) == 1


def test_settings_round_trip(db: Database) -> None:
    with db.write() as s:
        chat = chats.get_or_create_chat(s, "telegram", "5")
        chats.set_digest(s, chat, time(6, 45))
        chats.set_remind_days(s, chat, [1, 7, 0, 1])
        chats.set_quiet(s, chat, time(21, 30), time(6, 0))
        chats.set_language(s, chat, "en")
        with pytest.raises(ValueError):
            chats.set_language(s, chat, "fr")
    with db.read() as s:
        chat = chats.find_chat(s, "telegram", "5")
        assert chat.digest_time == time(6, 45)
        assert chat.remind_days == "7,1,0" and chats.remind_days(chat) == [7, 1, 0]
        assert (chat.quiet_start, chat.quiet_end, chat.language) == (time(21, 30), time(6), "en")
    with db.write() as s:
        chat = chats.find_chat(s, "telegram", "5")
        chats.set_digest(s, chat, None)
        chats.set_remind_days(s, chat, [])
        chats.set_quiet(s, chat, None, None)
    with db.read() as s:
        chat = chats.find_chat(s, "telegram", "5")
        assert (chat.digest_time, chat.remind_days, chat.quiet_start) == (None, "", None)
        assert chats.remind_days(chat) == []


def test_forget_chat_deletes_everything_owed_to_it(db: Database) -> None:
    with db.write() as s:
        story = Story(title="Tin", url="http://x/1")
        s.add(story)
        chat = chats.get_or_create_chat(s, "telegram", "9")
        keep = chats.get_or_create_chat(s, "telegram", "10")
        s.flush()
        for c in (chat, keep):
            chats.add_subscription(s, c, "topic", "nu_cong", "Nữ công")
            s.add(Delivery(chat_pk=c.id, story_id=story.id, mode="push"))
            s.add(Outbox(chat_pk=c.id, dedup_key=f"push:{story.id}:{c.id}", kind="push", text="x"))
    with db.write() as s:
        chats.forget_chat(s, chats.find_chat(s, "telegram", "9"))
    assert (count(db, Chat), count(db, Subscription), count(db, Delivery), count(db, Outbox)) == (
        1,
        1,
        1,
        1,
    )


def test_migration_moves_or_merges_subscriptions(db: Database) -> None:
    with db.write() as s:
        group = chats.get_or_create_chat(s, "telegram", "-400", kind="group", title="CĐ")
        chats.add_subscription(s, group, "topic", "nu_cong", "Nữ công")
        chats.set_digest(s, group, time(7))
    with db.write() as s:
        moved = chats.migrate_chat(s, "telegram", "-400", "-100400")
        assert moved is not None and (moved.chat_id, moved.kind) == ("-100400", "supergroup")
    with db.read() as s:
        assert chats.find_chat(s, "telegram", "-400") is None
        sup = chats.find_chat(s, "telegram", "-100400")
        assert [x.value for x in chats.list_subscriptions(s, sup)] == ["nu_cong"]
        assert sup.digest_time == time(7)

    # The supergroup was used before the old group's migration was seen: merge.
    with db.write() as s:
        old = chats.get_or_create_chat(s, "telegram", "-500", kind="group")
        chats.add_subscription(s, old, "topic", "nu_cong", "Nữ công")
        chats.add_subscription(s, old, "unit", "ldld-tp-vinh", "LĐLĐ TP Vinh")
        new = chats.get_or_create_chat(s, "telegram", "-100500", kind="supergroup")
        chats.add_subscription(s, new, "topic", "nu_cong", "Nữ công")
    with db.write() as s:
        chats.migrate_chat(s, "telegram", "-500", "-100500")
        assert chats.migrate_chat(s, "telegram", "-500", "-100500") is not None  # idempotent
    with db.read() as s:
        assert chats.find_chat(s, "telegram", "-500") is None
        new = chats.find_chat(s, "telegram", "-100500")
        assert sorted(x.value for x in chats.list_subscriptions(s, new)) == [
            "ldld-tp-vinh",
            "nu_cong",
        ]


def test_active_subscription_rows_for_the_matching_index(db: Database) -> None:
    with db.write() as s:
        a = chats.get_or_create_chat(s, "telegram", "1")
        b = chats.get_or_create_chat(s, "telegram", "2")
        chats.add_subscription(s, a, "unit", "ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An")
        sub, _ = chats.add_subscription(s, a, "unit", "ldld-tp-vinh", "LĐLĐ TP Vinh")
        chats.set_include_children(s, sub, False)
        chats.add_subscription(s, a, "keyword", "đại hội", "đại hội -chi bộ", exclude="chi bộ")
        chats.add_subscription(s, b, "topic", "nu_cong", "Nữ công")
        a_pk, b_pk = a.id, b.id
        chats.mark_inactive(s, b_pk, "blocked")
    with db.read() as s:
        rows = [tuple(r) for r in chats.active_subscriptions_rows(s)]
        since = s.get(Chat, a_pk).since
    assert rows == [
        (a_pk, "unit", "ldld-tinh-nghe-an", "LĐLĐ tỉnh Nghệ An", True, "", since),
        (a_pk, "unit", "ldld-tp-vinh", "LĐLĐ TP Vinh", False, "", since),
        (a_pk, "keyword", "đại hội", "đại hội -chi bộ", True, "chi bộ", since),
    ]


def test_stats_count_what_operators_watch(db: Database) -> None:
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with db.write() as s:
        a = chats.get_or_create_chat(s, "telegram", "1")
        b = chats.get_or_create_chat(s, "telegram", "2")
        chats.add_subscription(s, a, "topic", "nu_cong", "Nữ công")
        chats.add_subscription(s, b, "keyword", "tết", "tết")
        chats.mark_inactive(s, b.id, "blocked")
        s.add(Story(title="t", url="u"))
        s.add_all(
            [
                Outbox(chat_pk=a.id, dedup_key="1", kind="push", text="x", status="sent",
                       sent_at=now),
                Outbox(chat_pk=a.id, dedup_key="2", kind="push", text="x", status="sent",
                       sent_at=now - timedelta(days=1)),
                Outbox(chat_pk=a.id, dedup_key="3", kind="digest", text="x", status="pending"),
                Outbox(chat_pk=a.id, dedup_key="4", kind="push", text="x", status="dead"),
            ]
        )  # fmt: skip
    with db.read() as s:
        stats = chats.chat_stats(s, now - timedelta(hours=10))
    assert (stats.chats_active, stats.chats_inactive, stats.stories) == (1, 1, 1)
    assert stats.subscriptions == {"unit": 0, "topic": 1, "keyword": 1}
    assert stats.outbox == {"pending": 1, "sending": 0, "sent": 2, "dead": 1}
    assert stats.pushes_today == 1


def test_merging_into_a_known_supergroup_keeps_the_groups_settings_and_history(
    db: Database,
) -> None:
    with db.write() as s:
        stories = [Story(title=f"Tin {n}", url=f"http://x/{n}") for n in (1, 2)]
        s.add_all(stories)
        old = chats.get_or_create_chat(s, "telegram", "-600", kind="group")
        chats.set_digest(s, old, time(7))
        chats.set_quiet(s, old, time(21), time(6, 30))
        chats.set_remind_days(s, old, [1])
        new = chats.get_or_create_chat(s, "telegram", "-100600", kind="supergroup")
        s.flush()
        for story in stories:
            s.add(Delivery(chat_pk=old.id, story_id=story.id, mode="digest"))
        s.add(Delivery(chat_pk=new.id, story_id=stories[1].id, mode="push"))
        new_pk, story_ids = new.id, [st.id for st in stories]
    with db.write() as s:
        moved = chats.migrate_chat(s, "telegram", "-600", "-100600")
        assert moved is not None and moved.id == new_pk
    with db.read() as s:
        chat = s.get(Chat, new_pk)
        assert chat is not None
        assert (chat.digest_time, chat.quiet_start, chat.quiet_end, chat.remind_days) == (
            time(7),
            time(21),
            time(6, 30),
            "1",
        )
        owed = s.execute(
            select(Delivery.story_id, Delivery.mode).where(Delivery.chat_pk == new_pk)
        ).all()
        # Each story once: the supergroup's own push of story 2 stays as it was.
        assert sorted(owed) == [(story_ids[0], "digest"), (story_ids[1], "push")]
    assert (count(db, Chat), count(db, Delivery)) == (1, 2)
