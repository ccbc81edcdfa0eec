"""Language selection (the person's choice, then their browser's, then French) and time zones."""
from datetime import datetime, timezone
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.units import format_unit
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, get_locale, get_timezone
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def select_locale() -> str:
    if not has_request_context():  # the command line and the worker write in French
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return browser_locale(request.environ.get("HTTP_ACCEPT_LANGUAGE"), current_app.config)


def browser_locale(accept_language: str | None, config) -> str:
    """The language the browser prefers (its Accept-Language header) among the site's."""
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(config["LANGUAGES"]) or config["BABEL_DEFAULT_LOCALE"]


@cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def request_locale() -> Locale:
    """The page's language as Flask-Babel wants it: parsed once per language and process,
    not at every request."""
    return _parsed(select_locale())


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


#: Units of a file size, each 1,000 times the one before (as file managers count).
_SIZE_UNITS = ("digital-kilobyte", "digital-megabyte", "digital-gigabyte")


def file_size(size: int) -> str:
    """A file size in the reader's language: "45 octets", "12,3 ko", "1,2 Mo" in French;
    "45 bytes", "12.3 kB", "1.2 MB" in English."""
    locale = get_locale()
    if size < 1000:
        return format_unit(size, "digital-byte", length="long", locale=locale)
    value, unit = size / 1000, _SIZE_UNITS[0]
    for larger in _SIZE_UNITS[1:]:
        if round(value, 1) < 1000:
            break
        value, unit = value / 1000, larger
    return format_unit(value, unit, length="short", format="#,##0.#", locale=locale)


def day(value: datetime) -> str:
    """A date, in one format on every page and mail: "3 décembre 2026", "December 3, 2026"."""
    return format_date(value, "long")


@cache
def _moment_pattern(locale: Locale) -> dates.DateTimePattern:
    """The pattern of `moment` in `locale`, put together once per language and process."""
    return dates.parse_pattern(str(locale.datetime_formats["long"]).format(
        locale.time_formats["short"].pattern, locale.date_formats["long"].pattern))


def moment(value: datetime) -> str:
    """A date and time, without seconds, in one format on every page and mail:
    "3 décembre 2026, 14:05", "December 3, 2026, 2:05 PM" (in the site's time zone).
    Babel's own formatting, as Flask-Babel's format_datetime would call it, without its
    look-ups of the configured formats at each date of a list."""
    locale = get_locale()
    return dates.format_datetime(value, _moment_pattern(locale), tzinfo=get_timezone(),
                                 locale=locale)


def in_english() -> bool:
    """Whether the page (or mail) being made is in English."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def in_language(french: str, english: str | None) -> str:
    """One of a consultation's own texts in the reader's language: the English one in
    English when the admin gave it, the French one otherwise."""
    return english if english and english.strip() and in_english() else french


def init_app(app: Flask) -> None:
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["moment"] = moment

    @app.context_processor
    def language_context():
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
        }


def local_to_utc(moment: datetime | None) -> datetime | None:
    """A naive date and time typed in the site's time zone, as naive UTC."""
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def utc_to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)
