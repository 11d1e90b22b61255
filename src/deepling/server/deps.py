"""Route dependencies: the session the app was made for, and which of its models a request
means."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from deepling.server.session import ModelSide, Session


def get_session(request: Request) -> Session:
    session: Session = request.app.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]

# ``?model=compare``: the request is about B, the model compared with, instead of A.
ModelQuery = Annotated[
    ModelSide, Query(description="the selected model (default) or the one compared with")
]
