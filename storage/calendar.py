"""Calendar feed addresses: one secret per chat, replaced on demand."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import CalendarLink, Chat


def _new_secret() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 bits: not guessable


def calendar_secret(session: Session, chat: Chat) -> str:
    """The chat's secret, created on first use."""
    secret = session.scalar(select(CalendarLink.secret).where(CalendarLink.chat_pk == chat.id))
    if secret is None:
        secret = _new_secret()
        session.add(CalendarLink(secret=secret, chat_pk=chat.id))
        session.flush()
    return secret


def replace_calendar_secret(session: Session, chat: Chat) -> str:
    """A new secret for the chat; the old address stops working."""
    session.execute(delete(CalendarLink).where(CalendarLink.chat_pk == chat.id))
    secret = _new_secret()
    session.add(CalendarLink(secret=secret, chat_pk=chat.id))
    session.flush()
    return secret


def chat_by_calendar_secret(session: Session, secret: str) -> Chat | None:
    """The active chat a secret belongs to, else None (unknown, replaced or stopped)."""
    if not secret or len(secret) > 64:
        return None
    chat = session.scalar(
        select(Chat)
        .join(CalendarLink, CalendarLink.chat_pk == Chat.id)
        .where(CalendarLink.secret == secret)
    )
    return chat if chat is not None and chat.active else None
