"""Writes to accounts. A person is not tenant data (one account may belong to several
organizations) and the audit trail is per organization, so account changes are logged rather
than recorded as AuditEvents; what a person may do inside an organization is audited by tenancy."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from vsm.accounts.models import User
from vsm.errors import Conflict, InvalidInput

logger = logging.getLogger(__name__)


def user_create(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """Without a password (None), the account signs in through single sign-on, or its owner sets
    a password through the reset link. A password given here has passed the validators already
    (the form that asked for it checks it against the new account)."""
    email = email.strip().lower()
    user = User(email=email, full_name=full_name)
    _validate(user, ["email", "full_name"])
    user.set_password(password)  # None makes it unusable
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(f"An account for {email} already exists.", fields={"email": ["already in use"]}) from exc
    logger.info("account created", extra={"user_id": user.pk})
    return user


def user_update(*, user: User, full_name: str | None = None, time_zone: str | None = None) -> User:
    """Change what is given; an empty time zone means "use the organization's"."""
    changes = {name: value for name, value in (("full_name", full_name), ("time_zone", time_zone))
               if value is not None and getattr(user, name) != value}
    if not changes:
        return user
    before = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        _validate(user, list(changes))
    except InvalidInput:
        # The caller's instance (often request.user, still rendered on the page) stays as stored.
        for name, value in before.items():
            setattr(user, name, value)
        raise
    with transaction.atomic():
        user.save(update_fields=list(changes))
    logger.info("account updated", extra={"user_id": user.pk, "fields": sorted(changes)})
    return user


def _validate(user: User, fields: list[str]) -> None:
    try:
        user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in fields], validate_unique=False)
    except ValidationError as exc:
        messages = {field: [str(m) for m in errors] for field, errors in exc.message_dict.items()}
        first = next(iter(messages.values()))[0]
        raise InvalidInput(first, fields=messages) from exc
