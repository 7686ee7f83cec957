"""Where a participant is served: here, on the hub, or on its own national node.

A question every use case that acts for a participant asks first (issuing, confirming,
cancelling, reminding), so it lives apart from the exchange's use cases: it reads two
tables and imports nothing of the certificates.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.errors import Conflict
from kpcs.exchange.messages import HUB
from kpcs.exchange.models import HubLink, Node


def hub_link(session: Session) -> HubLink | None:
    """This node's link to its hub, or None on the hub."""
    return session.get(HubLink, 1)


@dataclass(frozen=True)
class Topology:
    """Who is served where, as this system sees it."""

    node_of: str | None  # on a node: its participant; on the hub: None
    nodes: dict[str, str]  # on the hub: participant -> its node's address

    def destination(self, participant: str) -> str | None:
        """Where a message for ``participant`` goes: ``'hub'`` (from a node), the
        participant's own node (from the hub), or None when it is served here."""
        if self.node_of is not None:
            return None if participant == self.node_of else HUB
        return participant if participant in self.nodes else None

    def require_served_here(self, participant: str, what: str) -> None:
        """Refuse to act for a participant that another kpcs system serves."""
        if self.node_of is not None and participant != self.node_of:
            raise Conflict(
                f"this national node serves {self.node_of} only: {what} for {participant} is done "
                "in that participant's own system or on the hub"
            )
        if participant in self.nodes:
            raise Conflict(
                f"{participant} runs its own national node ({self.nodes[participant]}): {what} is done there"
            )


_topologies: dict[tuple[str, int], Topology] = {}


def topology(session: Session, revision: int | None = None) -> Topology:
    """The topology; cached by registry revision when the caller has just read it (every
    enrollment and hub link moves the revision)."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), revision or -1)
    if revision is not None and (cached := _topologies.get(key)) is not None:
        return cached
    link = hub_link(session)
    nodes = (
        {}
        if link is not None
        else {code: url for code, url in session.execute(sa.select(Node.participant, Node.url))}
    )
    found = Topology(node_of=link.participant if link is not None else None, nodes=nodes)
    if revision is not None:
        if len(_topologies) > 100:
            _topologies.clear()
        _topologies[key] = found
    return found


def destination_of(session: Session, participant: str) -> str | None:
    """Where a message for ``participant`` must go (see :meth:`Topology.destination`)."""
    return topology(session).destination(participant)
