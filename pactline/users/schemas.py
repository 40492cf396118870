"""What goes in and out of the users area."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from pactline.users.enums import Role

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(
        description="Lower-case letters, digits, '.', '_' or '-'; 2-64 characters",
        json_schema_extra={"pattern": USERNAME_PATTERN},
    )
    full_name: str = Field("", max_length=200)
    email: EmailStr | None = None
    role: Role = Role.VIEWER
    password: str | None = Field(
        None, description="Leave empty to generate one (shown once)", repr=False
    )

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("username")
    @classmethod
    def _username_rule(cls, value: str) -> str:
        if not re.fullmatch(USERNAME_PATTERN, value):
            raise ValueError(
                "must be 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _empty_email(cls, value: object) -> object:
        return None if value == "" else value


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str | None = Field(None, max_length=200)
    email: EmailStr | None = None
    role: Role | None = None
    is_active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    is_active: bool
    can_sign_in: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreated(BaseModel):
    user: UserRead
    generated_password: str | None = Field(
        None, description="Present only when Pactline generated the password; shown once"
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, description="Leave empty to generate one", repr=False)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="What the token is for")
    expires_in_days: int | None = Field(
        90, ge=1, le=3650, description="Days until the token stops working; null for never"
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(BaseModel):
    token: str = Field(description="The secret; shown once, store it now")
    details: TokenRead


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    subject_type: str
    subject_id: str
    summary: str
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
