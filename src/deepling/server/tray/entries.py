"""Tray images made from requests: an image with edits applied, described for the list."""

from __future__ import annotations

from deepling.analysis.edits import apply_edits
from deepling.server.images.outputs import label_name
from deepling.server.images.refs import ImageRef, resolve_image
from deepling.server.session import Session
from deepling.server.tray.schemas import TrayEntry
from deepling.server.tray.store import TrayImage
from deepling.server.whatif.schemas import EditList


def describe_edits(edits: EditList) -> str:
    return " + ".join(dict.fromkeys(e.op for e in edits)) if edits else "copy"


def add_to_tray(session: Session, ref: ImageRef, edits: EditList, name: str | None) -> TrayImage:
    resolved = resolve_image(session, ref)
    pixels = apply_edits(resolved.pixels, edits)
    # An edit of a tray image keeps the dataset image it came from (for side-by-side views).
    source = ref.index if ref.index is not None else session.tray.get(str(ref.tray)).source
    title = name or f"{resolved.title}, {describe_edits(edits)}"
    return session.tray.add(pixels, title, resolved.label, source)


def tray_entry(session: Session, image: TrayImage) -> TrayEntry:
    return TrayEntry(
        id=image.id,
        name=image.name,
        label=image.label,
        label_name=label_name(session, image.label),
        created=image.created,
        source=image.source,
    )
