"""Users by Telegram id: created on first contact, with their language and active account."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from kisbot.kis.credentials import Environment
from kisbot.store.models import User
from kisbot.store.repos._base import Repo, ensure_user

_LOCALE = select(User.locale).where(User.id == bindparam("user_id"))


class UserRepo(Repo):
    async def get(self, user_id: int) -> User | None:
        """The user with this Telegram id, or None if they never wrote to the bot."""
        async with self._sessions() as session:
            return await session.get(User, user_id)

    async def locale(self, user_id: int) -> str | None:
        """The language the user chose with /lang, or None (also for an unknown user)."""
        row = await self._first_row(_LOCALE, {"user_id": user_id})
        return None if row is None else row[0]

    async def get_or_create(self, user_id: int, chat_id: int | None = None) -> User:
        """The user with this Telegram id, created if new; `chat_id` is remembered if given."""
        now = self._now()
        async with self._sessions.begin() as session:
            await ensure_user(session, user_id, now)
            if chat_id is not None:
                await session.execute(
                    update(User)
                    .where(User.id == user_id, User.chat_id.is_distinct_from(chat_id))
                    .values(chat_id=chat_id, updated_at=now)
                )
            user = await session.get(User, user_id, populate_existing=True)
            assert user is not None
            return user

    async def set_locale(self, user_id: int, locale: str | None) -> None:
        """Remember this user's language (`ko`, `en`, or None for KISBOT_LOCALE)."""
        if locale not in (None, "ko", "en"):
            raise ValueError("locale must be ko or en")
        await self._set(user_id, locale=locale)

    async def set_active_env(self, user_id: int, environment: Environment) -> None:
        """Make this environment's credential the one the user's commands use."""
        await self._set(user_id, active_env=Environment(environment).value)

    async def _set(self, user_id: int, **values: object) -> None:
        now = self._now()
        async with self._sessions.begin() as session:
            await ensure_user(session, user_id, now)
            await session.execute(
                update(User).where(User.id == user_id).values(**values, updated_at=now)
            )
