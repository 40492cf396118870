"""Who is acting, and what their role lets them do."""

from __future__ import annotations

from dataclasses import dataclass

from pactline.core.errors import PermissionDenied
from pactline.users.enums import ROLE_PERMISSIONS, Permission, Role
from pactline.users.models import User


@dataclass(frozen=True)
class Principal:
    """The acting person (or the operator's shell), as seen by the service layer."""

    user_id: int | None
    username: str
    display_name: str
    role: Role

    @classmethod
    def of(cls, user: User) -> Principal:
        """The principal for a signed-in user."""
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
        )

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The operator at the command line, who already holds the server's keys."""
        return cls(user_id=None, username=name, display_name=name, role=Role.ADMIN)

    def can(self, permission: Permission) -> bool:
        """Whether this principal's role grants the permission."""
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied unless the role grants the permission."""
        if not self.can(permission):
            raise PermissionDenied(
                f"the {self.role.value} role may not do this (needs {permission.value})",
                details={"permission": permission.value, "role": self.role.value},
            )
