"""The image tray over HTTP: keep an edited image or an upload, list and remove them (their
pixels and outputs are the images feature's, ``/api/image/...?tray=``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deepling.data.uploads import MAX_UPLOAD_BYTES, decode_upload
from deepling.errors import DeeplingError
from deepling.server.deps import SessionDep
from deepling.server.jobs.links import TRAY_IMAGE, makes, takes
from deepling.server.tray.entries import add_to_tray, tray_entry
from deepling.server.tray.schemas import TrayAdd, TrayEntry

router = APIRouter(prefix="/api", tags=["tray"])
TrayId = Annotated[
    str, Path(max_length=64, description="tray image id", json_schema_extra=takes(TRAY_IMAGE))
]
# A new tray image's id is what the per-image routes' `tray` takes.
MAKES_IMAGE = makes(201, **{TRAY_IMAGE: "$response.body#/id"})
MAX_FORM_FIELDS = 4  # form fields besides the file (the server ignores them)
UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "maxLength": MAX_UPLOAD_BYTES,
                            "description": "an image file in any format PIL reads",
                        }
                    },
                    "maxProperties": 1 + MAX_FORM_FIELDS,
                }
            }
        },
    },
    **MAKES_IMAGE,
}


@router.get(
    "/tray",
    response_model=list[TrayEntry],
    openapi_extra=makes(200, **{TRAY_IMAGE: "$response.body#/0/id"}),
)
def list_tray(session: SessionDep) -> list[TrayEntry]:
    """The kept images, oldest first."""
    return [tray_entry(session, image) for image in session.tray.list()]


@router.post("/tray", response_model=TrayEntry, status_code=201, openapi_extra=MAKES_IMAGE)
def keep(session: SessionDep, body: TrayAdd) -> TrayEntry:
    """Keep ``image`` with ``edits`` applied as a tray image (any view can then use it)."""
    return tray_entry(session, add_to_tray(session, body.image, body.edits, body.name))


@router.post("/tray/upload", response_model=TrayEntry, status_code=201, openapi_extra=UPLOAD_SCHEMA)
async def upload(session: SessionDep, request: Request) -> TrayEntry:
    """Keep an uploaded image file (multipart field ``file``): any format PIL reads, fitted to
    the model's input. Too large: 413; not an image: 415; truncated or corrupt: 400."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 65536:
        raise DeeplingError(
            f"The upload has {int(declared):,} bytes; uploads are limited to "
            f"{MAX_UPLOAD_BYTES:,} bytes.",
            status=413,
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise DeeplingError(
            "Send the image as multipart/form-data with the field `file`.", status=415
        )
    async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise DeeplingError("The form has no file in the field `file`.")
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        name = (file.filename or "upload")[:80]
    shape = session.model.input_shape
    pixels = await run_in_threadpool(decode_upload, data, shape)
    return tray_entry(session, session.tray.add(pixels, name))


@router.delete("/tray/{tray_id}", status_code=204, response_class=Response)
def remove(session: SessionDep, tray_id: TrayId) -> Response:
    session.tray.remove(tray_id)
    return Response(status_code=204)
