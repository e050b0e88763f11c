"""API: co-ops — the directory, as its pages show it (applicants only to stewards and their delegates)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..errors import NotFound
from ..members import permissions, queries
from ..members import services as members
from ..members.models import Cooperative
from . import present
from .auth import current_person
from .blueprint import bp
from .helpers import listing_query
from .openapi import PAGE_PARAMS, operation, page, path_slug
from .schemas import ref

COOP = path_slug("coop_slug", "The co-op's slug, e.g. `kazi-riders`.")


@operation(bp, "GET", "/coops", summary="List co-ops", tag="Co-ops", params=PAGE_PARAMS,
           response=(200, page("Coop"), "A page of co-ops, in the order they were registered."))
def list_coops(query: dict[str, Any]):
    """The network's co-ops: members, suspended ones and those that left (and, for stewards, applicants)."""
    statement = queries.visible_coops(current_person())
    return listing_query(statement, present.coop, column=Cooperative.id, query=query)


@operation(bp, "GET", "/coops/{coop_slug}", summary="Get a co-op", tag="Co-ops", params=(COOP,),
           response=(200, ref("Coop"), "The co-op."))
def get_coop(coop_slug: str):
    """A co-op: its kind, country, status and since when it is a member."""
    coop = members.get_coop(coop_slug)
    person = current_person()
    if not permissions.can_see_coop(person, coop):
        raise NotFound(_("There is no co-op at this address."))
    return present.coop(coop)
