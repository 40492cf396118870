"""Users, their API tokens and the record of sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pactline.core.db import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    # None: the account cannot sign in with a password (e.g. a named owner who never logs in).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password reset or deactivation: signed session cookies carrying an older
    # value stop working at once, on every worker.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the secret in the user's calendar feed URL (calendar apps cannot send
    # cookies or headers, so the URL itself is the credential).
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    @property
    def display_name(self) -> str:
        """The name to show: the full name, or the username."""
        return self.full_name or self.username


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "users_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginAttempt(Base):
    """Every password sign-in attempt; failures drive the lockout."""

    __tablename__ = "users_login_attempts"
    __table_args__ = (
        Index("ix_users_login_attempts_username_at", "username", "at"),
        Index("ix_users_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    succeeded: Mapped[bool] = mapped_column(Boolean)
