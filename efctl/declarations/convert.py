"""Between a schema-valid declaration document (plain data) and the engine's ClientSpec.

``to_client_spec`` trusts the schema: it is only called on documents without diagnostics.
``client_document`` is its inverse, the shortest document that reads back as the same spec
(defaults left out), for writing declarations (``efctl import``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reconcile.model import (
    ApiKeySpec,
    ClientSpec,
    DeliveriesSpec,
    DeliveryOverride,
    Grants,
    SingleGrant,
    UserSpec,
)

DEFAULT_ADMIN = UserSpec(id="", name="").admin


def normalise_client_id(client_id: str) -> str:
    """``"1043 2210"`` is how people write ``"10432210"``."""
    return client_id.replace(" ", "")


def to_client_spec(data: dict[str, Any]) -> ClientSpec:
    client = data["client"]
    deliveries = data.get("deliveries", {})
    return ClientSpec(
        id=normalise_client_id(client["id"]),
        name=client["name"],
        language=client["language"],
        users=tuple(_user(user) for user in data["users"]),
        deliveries=DeliveriesSpec(
            iso_version=deliveries.get("iso_version"),
            overrides=tuple(
                DeliveryOverride(o["delivery"], o["iso_version"])
                for o in deliveries.get("overrides", ())
            ),
        ),
        api_keys=tuple(
            ApiKeySpec(k["name"], k["user"], k.get("rotate", False), _until(k))
            for k in data.get("api_keys", ())
        ),
    )


def _user(user: dict[str, Any]) -> UserSpec:
    grants = user.get("authorizations", {})
    return UserSpec(
        id=user["id"],
        name=user["name"],
        email=user.get("email"),
        github=user.get("github"),
        github_id=user.get("github_id"),
        admin=user.get("admin", DEFAULT_ADMIN),
        language=user.get("language"),
        grants=Grants(
            all=dict(grants["all"]) if "all" in grants else None,
            copy_from=grants.get("copy_from"),
            exclude=tuple(grants.get("exclude", ())),
            single=tuple(
                SingleGrant(s["contract"], s["profile"], _until(s))
                for s in grants.get("single", ())
            ),
        ),
        signing_key=user.get("signing_key"),
        until=_until(user),
    )


def _until(entry: dict[str, Any]) -> date | None:
    """The schema has checked the day's form (``YYYY-MM-DD``)."""
    return date.fromisoformat(entry["until"]) if "until" in entry else None


def client_document(spec: ClientSpec) -> dict[str, Any]:
    """The declaration for a spec, in the documented key order, without default values."""
    document: dict[str, Any] = {
        "version": 1,
        "client": {"id": spec.id, "name": spec.name, "language": spec.language},
    }
    deliveries = _present(
        iso_version=spec.deliveries.iso_version,
        overrides=[
            {"delivery": o.delivery, "iso_version": o.iso_version}
            for o in spec.deliveries.overrides
        ],
    )
    if deliveries:
        document["deliveries"] = deliveries
    document["users"] = [user_document(user) for user in spec.users]
    if spec.api_keys:
        document["api_keys"] = [
            _present(name=k.name, user=k.user, until=_day(k.until)) for k in spec.api_keys
        ]
    return document


def user_document(user: UserSpec) -> dict[str, Any]:
    grants = user.grants
    authorizations = _present(
        all=None if grants.all is None else dict(grants.all),
        copy_from=grants.copy_from,
        exclude=list(grants.exclude),
        single=[
            _present(contract=s.contract, profile=s.profile, until=_day(s.until))
            for s in grants.single
        ],
    )
    return _present(
        id=user.id,
        name=user.name,
        email=user.email,
        github=user.github,
        github_id=user.github_id,
        language=user.language,
        admin=None if user.admin == DEFAULT_ADMIN else user.admin.value,
        authorizations=authorizations or None,
        signing_key=user.signing_key,
        until=_day(user.until),
    )


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that say something: None and empty lists are the defaults."""
    return {name: value for name, value in fields.items() if value is not None and value != []}
