"""URL converters for path parameters; registered on the app before any blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer` (our primary keys): a larger id reaches the database as an error, a 500.
MAX_ID = 2**31 - 1


def decimal_at_most(limit: int) -> str:
    """A regex for the decimal numbers 1..limit, without leading zeros."""
    digits = str(limit)
    choices = [digits, rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else [digits]
    for index, digit in enumerate(digits):
        lowest = 1 if index == 0 else 0
        if int(digit) > lowest:  # same length, equal up to `index`, smaller digit there
            rest = len(digits) - index - 1
            choices.append(f"{digits[:index]}[{lowest}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id, 1..MAX_ID; anything else does not match the route (404).

    The range is in the regex, not only in to_python: werkzeug answers 405 rather than 404 when a
    sibling rule for another method matches the path's regex (PUT and DELETE of one favourite).
    """

    regex = decimal_at_most(MAX_ID)

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def register_converters(app) -> None:
    app.url_map.converters["id"] = IdConverter
