"""Route dependencies: the session the app was made for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from deepling.server.session import Session


def get_session(request: Request) -> Session:
    session: Session = request.app.state.session
    return session


SessionDep = Annotated[Session, Depends(get_session)]
