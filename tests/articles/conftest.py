import pytest

from tests.factories import AuthorProfileFactory, UserFactory

ROLES = ["Journalist", "Editor", "Moderator", "admin"]


@pytest.fixture
def people(roles):
    """One user per newsroom role, and a reader, each with a profile."""
    users = {role: UserFactory(username=role.lower(), groups=role) for role in ROLES}
    users["reader"] = UserFactory(username="reader")
    for user in users.values():
        AuthorProfileFactory(user=user, display_name=f"{user.username} profile")
    return users
