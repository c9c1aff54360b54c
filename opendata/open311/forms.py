"""Reading a GeoReport v2 POST: every problem is reported at once, in the spec's error list."""

from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from opendata.models import ServiceAttribute
from opendata.params import BadParameter, parse_instant
from signals.models import Category
from signals.photos import CleanPhoto, InvalidPhoto, photo_clean, photo_read
from signals.selectors import categories_reportable

MAX_DESCRIPTION = 4000
MAX_MEDIA_BYTES = 10 * 1024 * 1024


@dataclass
class PostedRequest:
    category: Category | None = None
    description: str = ""
    location: Point | None = None
    email: str = ""
    address: str = ""
    photos: list[CleanPhoto] = field(default_factory=list)
    attributes: list[tuple[ServiceAttribute, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _coordinate(data, name: str, limit: float, errors: list[str]) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        errors.append(
            _("%(name)s is required (this server does not geocode addresses).") % {"name": name}
        )
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not -limit <= value <= limit:
        errors.append(
            _("%(name)s must be a number between -%(limit)s and %(limit)s.")
            % {"name": name, "limit": int(limit)}
        )
        return None
    return round(value, 9)  # as the API's points: no subnormal noise reaches PostgreSQL


def _attribute_values(attribute: ServiceAttribute, data, errors: list[str]) -> list[str]:
    key = f"attribute[{attribute.code}]"
    if attribute.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
        values = [v.strip() for v in data.getlist(key) + data.getlist(key + "[]") if v.strip()]
    else:
        values = [data.get(key, "").strip()] if data.get(key, "").strip() else []
    if not values:
        if attribute.required:
            errors.append(_("%(key)s is required.") % {"key": key})
        return []
    for value in values:
        if (
            attribute.datatype
            in (
                ServiceAttribute.Datatype.SINGLEVALUELIST,
                ServiceAttribute.Datatype.MULTIVALUELIST,
            )
            and value not in attribute.value_keys()
        ):
            errors.append(
                _("%(key)s: “%(value)s” is not one of %(keys)s.")
                % {
                    "key": key,
                    "value": value[:40],
                    "keys": ", ".join(sorted(attribute.value_keys())),
                }
            )
        elif attribute.datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                float(value)
            except ValueError:
                errors.append(_("%(key)s must be a number.") % {"key": key})
        elif attribute.datatype == ServiceAttribute.Datatype.DATETIME:
            try:
                parse_instant(key, value)
            except BadParameter as error:
                errors.append(f"{key}: {error}")
    return values


def read_post(data, files) -> PostedRequest:
    posted = PostedRequest()
    errors = posted.errors

    # PostgreSQL text cannot hold a NUL: refused before any value reaches a query.
    for name in sorted(key for key, values in data.lists() if "\x00" in key + "".join(values)):
        errors.append(
            _("%(name)s contains a NUL character, which is not allowed.")
            % {"name": name.replace("\x00", "%00")}
        )
    if errors:
        return posted

    code = (data.get("service_code") or "").strip()
    if not code:
        errors.append(_("service_code is required."))
    else:
        posted.category = (
            categories_reportable().filter(code=code).prefetch_related("open311_attributes").first()
        )
        if posted.category is None:
            errors.append(
                _("service_code “%(code)s” is not a service we offer.") % {"code": code[:80]}
            )

    lat = _coordinate(data, "lat", 90, errors)
    lon = _coordinate(data, "long", 180, errors)
    if lat is not None and lon is not None:
        posted.location = Point(lon, lat, srid=4326)

    posted.description = (data.get("description") or "").strip()
    if not posted.description:
        errors.append(_("description is required."))
    elif len(posted.description) > MAX_DESCRIPTION:
        errors.append(_("description is limited to %(max)d characters.") % {"max": MAX_DESCRIPTION})

    posted.email = (data.get("email") or "").strip()
    if posted.email:
        try:
            validate_email(posted.email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))

    posted.address = (data.get("address_string") or "").strip()
    if len(posted.address) > 255:
        errors.append(_("address_string is limited to 255 characters."))

    if (data.get("media_url") or "").strip():
        # Fetching a URL given by a client would let it make our server call anywhere.
        errors.append(_("media_url is not fetched by this server: upload the file as “media”."))
    media = files.get("media")
    if media is not None:
        if media.size > MAX_MEDIA_BYTES:
            errors.append(_("media is larger than 10 MB."))
        else:
            try:
                posted.photos.append(photo_clean(data=photo_read(upload=media), name="open311"))
            except InvalidPhoto as error:
                errors.append(f"media: {error}")

    if posted.category is not None:
        for attribute in posted.category.open311_attributes.all():
            for value in _attribute_values(attribute, data, errors):
                posted.attributes.append((attribute, value))
    return posted
