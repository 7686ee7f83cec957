"""A study of the re-used-photo search on one generator: every stage of every search kept,
so that a rule can be tried offline on what the search measured (docs/photos.md, "How the
rules are chosen").

    python -m benchmarks.photo_study collect tests.factories.parcel_photos_sixth /tmp/sixth.pkl
    python -m benchmarks.photo_study report /tmp/sixth.pkl

``collect`` indexes the generator's 200 originals through the service (nothing else in the
index), then searches each copy and each of the 1,000 other parcels with the close look's
verdict replaced by a recorder that never confirms, so every candidate the search would
look at closely is measured (:func:`kpcs.photos.close_look.measure`). For each copy it also
keeps how far its own original got: the keys they share in the band index, their hash
distance, the second look's difference. ``report`` replays the search's decision with the
close look's rule of the day and says where copies are lost and which other parcels are
reported, by kind.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.photos import NOW, ORIGINALS, UNRELATED, _jpeg, _kind, bench_dossier
from kpcs.accounts.permissions import operator
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.photos import close_look, domain
from kpcs.photos import services as photos
from kpcs.photos.models import ShipmentPhoto
from kpcs.photos.store import PhotoStore


@dataclass
class Looked:
    """One candidate the search looked at closely (or would have): the original it is, the
    hash distance, the second look's difference and the close look's measure."""

    original: int
    distance: int
    difference: float
    measured: close_look.Measured | None


@dataclass
class Searched:
    """One search: a copy of an original (``target``) or another parcel (``target`` None)."""

    kind: str
    target: int | None
    looked: list[Looked] = field(default_factory=list)
    shared_keys: int = 0
    distance: int = 256
    difference: float | None = None


def collect(module: str, out: Path) -> None:
    made = importlib.import_module(module)
    searches: list[Searched] = []
    with tempfile.TemporaryDirectory() as tmp:
        from tests.conftest import build_database

        url = f"sqlite:///{tmp}/study.db"
        build_database(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        dossier_id = bench_dossier(factory)
        store = PhotoStore(Path(tmp) / "photos")
        clock = FixedClock(NOW)
        ids: dict[int, int] = {}
        for index, image in enumerate(made.originals(1, ORIGINALS)):
            content = _jpeg(image)
            added = photos.add_to_dossier(
                UnitOfWork(factory), operator("study"), clock, store, dossier_id, content
            )
            ids[added["id"]] = index
        current: list[Searched] = []

        def recorded(
            store: PhotoStore,
            query: domain.Query,
            photo: Any,
            look: domain.SecondLook,
            distance: int,
            read: Any = None,
        ) -> None:
            grey = photos.grey_for_close_look(store.read(photo.grey_sha256 or photo.sha256))
            measured = close_look.measure(query.grey, grey, look.alignment)
            current[-1].looked.append(Looked(ids[photo.id], distance, look.difference, measured))

        photos._closely = recorded  # type: ignore[assignment]
        nobody = photos.Shipment()
        named = getattr(made, "unrelated_kind", None)
        kind_of: Callable[[int], str] = (lambda i: named(2, i)) if named else (lambda i: "unrelated")

        def queries() -> Iterator[tuple[str, int | None, Any]]:
            """Made one at a time: 3,000 photos of up to 4,000 pixels do not fit in memory."""
            for index, image in enumerate(made.originals(1, ORIGINALS)):
                yield from ((_kind(name), index, copy) for name, copy in made.variants(image, index).items())
            yield from ((kind_of(i), None, image) for i, image in enumerate(made.unrelated(2, UNRELATED)))

        with factory() as session:
            shipment_photos = {ids[p.id]: p for p in session.scalars(sa.select(ShipmentPhoto))}
            for number, (kind, target, image) in enumerate(queries()):
                query = domain.query(image)
                current.append(Searched(kind, target))
                photos.search(session, store, query, nobody)
                if target is not None:
                    _own_original(current[-1], query, store, shipment_photos[target])
                if number % 200 == 0:
                    print(f"{number} searched", file=sys.stderr)
        searches = current
        engine.dispose()
    out.write_bytes(pickle.dumps((module, searches)))


def _own_original(
    searched: Searched,
    query: domain.Query,
    store: PhotoStore,
    photo: ShipmentPhoto,
) -> None:
    """How far a copy's own original got: shared band keys, hash distance, second look (its
    hashes as the service kept them)."""
    stored = domain.parted(photo.hashes)
    keys = set().union(*(domain.band_keys(h) for h in query.fingerprint.query))
    searched.shared_keys = len(keys & set().union(*(domain.band_keys(h) for h in stored)))
    nearest = domain.closest(query.fingerprint.query, [stored])[0]
    searched.distance = nearest.distance
    look = photos._second_look(store, query, photo, nearest)
    searched.difference = None if look is None else look.difference


Verdict = Callable[[close_look.Measured | None, float], bool]


def current_rule(measured: close_look.Measured | None, difference: float) -> bool:
    """The close look's rule as it stands: the same picture?"""
    found = close_look.CloseLook(0, 0) if measured is None else close_look._verdict(measured)
    return found.same_picture(difference)


def reported(searched: Searched, rule: Verdict = current_rule) -> set[int]:
    """The originals the search reports for this query under ``rule`` (the candidates were
    looked at in the search's own order; any that passes is reported)."""
    return {look.original for look in searched.looked if rule(look.measured, look.difference)}


def stage_lost(searched: Searched, rule: Verdict = current_rule) -> str:
    """Where a copy's original was lost, or "found"."""
    if searched.target in reported(searched, rule):
        return "found"
    if searched.shared_keys < domain.MIN_BAND_HITS:
        return "band index"
    if searched.distance > domain.MATCH_DISTANCE:
        return "hash distance"
    if searched.difference is None or searched.difference > domain.DETAIL_LIMIT:
        return "second look"
    if all(look.original != searched.target for look in searched.looked):
        return "not looked at closely"
    return "close look"


def report(path: Path, rule: Verdict = current_rule) -> None:
    module, searches = pickle.loads(path.read_bytes())
    copies = [s for s in searches if s.target is not None]
    others = [s for s in searches if s.target is None]
    print(f"{module}: {len(copies)} copies, {len(others)} other parcels")
    by_kind: dict[str, Counter[str]] = {}
    for searched in copies:
        by_kind.setdefault(searched.kind, Counter())[stage_lost(searched, rule)] += 1
    found = sum(c["found"] for c in by_kind.values())
    print(f"recall {found / len(copies):.3f}")
    for kind, counts in sorted(by_kind.items(), key=lambda kv: kv[1]["found"] / sum(kv[1].values())):
        total = sum(counts.values())
        lost = ", ".join(f"{stage} {n}" for stage, n in counts.most_common() if stage != "found")
        print(f"  {kind:28} {counts['found'] / total:.3f} of {total}  lost: {lost}")
    false = Counter(s.kind for s in others if reported(s, rule))
    kinds = Counter(s.kind for s in others)
    print(f"false matches {sum(false.values())} of {len(others)}")
    for kind, total in kinds.most_common():
        print(f"  {kind:28} {false[kind]} of {total}")


if __name__ == "__main__":
    from benchmarks import photo_study  # the records pickled as that module's, not __main__'s

    command, *arguments = sys.argv[1:]
    if command == "collect":
        photo_study.collect(arguments[0], Path(arguments[1]))
    else:
        photo_study.report(Path(arguments[0]))
