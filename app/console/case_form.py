"""The "New case" form: its fields (a target, a purpose, an applicant, credentials pasted,
uploaded or linked) to the API's body (what ``schemas.validate_case`` reads), and the API's
field errors back onto the form's fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.limits import loads_json
from app.messages import Message, msg
from app.recognition.assess import PURPOSES
from app.recognition.schemas import MAX_CASE_CREDENTIALS
from app.web import baking

TEXTS = ("targetId", "purpose", "applicant", "pasted", "links")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Built:
    """The body made of the form, where each of its credentials came from, and the errors
    found before the API's validation (a file or a paste that is no JSON document)."""

    body: dict[str, Any]
    sources: list[str] = field(default_factory=list)  # the form field of each credential
    errors: dict[str, Message | str] = field(default_factory=dict)


def typed_values(fields: dict[str, str]) -> dict[str, str]:
    """What the form re-shows: every text field as typed."""
    return {name: fields.get(name, "") for name in TEXTS}


def _pasted(text: str) -> list[dict[str, Any]]:
    """One JSON credential, or a JSON array of them. Raises ValueError, said plainly."""
    try:
        document = loads_json(text.encode("utf-8"))
    except ValueError as exc:
        raise ValueError(msg("This is not JSON: %(detail)s", detail=str(exc))) from None
    documents = document if isinstance(document, list) else [document]
    if not documents or not all(isinstance(d, dict) for d in documents):
        raise ValueError(msg("Paste a credential as a JSON object, or several in a JSON"
                             " array."))
    return documents


def _uploaded(name: str, data: bytes) -> dict[str, Any]:
    """A credential file: JSON, or a badge image (PNG or SVG) with the credential baked in."""
    stripped = data.lstrip()
    text: str
    try:
        if data.startswith(PNG_SIGNATURE) or stripped.startswith(b"<"):
            text = baking.extract(data)
        else:
            text = data.decode("utf-8-sig")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(msg("%(file)s: no credential can be read from it (%(detail)s)",
                             file=name, detail=str(exc))) from None
    try:
        document = loads_json(text.encode("utf-8"))
    except ValueError:
        raise ValueError(msg("%(file)s: it holds no JSON credential (a .json file, or a PNG or"
                             " SVG badge with one baked in)", file=name)) from None
    if not isinstance(document, dict):
        raise ValueError(msg("%(file)s: it holds no JSON credential (a .json file, or a PNG or"
                             " SVG badge with one baked in)", file=name))
    return document


def build(typed: dict[str, str], files: list[tuple[str, bytes]]) -> Built:
    """The API's body: pasted documents first, then the files, then the links."""
    body: dict[str, Any] = {"purpose": typed["purpose"].strip() or None}
    if typed["targetId"].strip():
        body["targetId"] = typed["targetId"].strip()
    else:
        body["targetCode"] = None
    if typed["applicant"].strip():
        body["applicant"] = typed["applicant"].strip()
    built = Built(body)
    # Said here, all at once: the API's validation names the target only once the rest is
    # valid.
    if not typed["targetId"].strip():
        built.errors["targetId"] = msg("Choose the course or programme to weigh the"
                                       " credentials against.")
    if typed["purpose"] not in PURPOSES:
        built.errors["purpose"] = msg("Choose what the recognition is for.")
    credentials: list[Any] = []
    if typed["pasted"].strip():
        try:
            documents = _pasted(typed["pasted"])
            credentials += documents
            built.sources += ["pasted"] * len(documents)
        except ValueError as exc:
            built.errors["pasted"] = exc.args[0]
    for name, data in files:
        try:
            credentials.append(_uploaded(name, data))
            built.sources.append("files")
        except ValueError as exc:
            built.errors.setdefault("files", exc.args[0])
    links = [line.strip() for line in typed["links"].splitlines() if line.strip()]
    credentials += links
    built.sources += ["links"] * len(links)
    if not credentials and not {"pasted", "files"} & built.errors.keys():
        built.errors["credentials"] = msg("Give at least one credential: paste it, upload its"
                                          " file, or give its link.")
    elif len(credentials) > MAX_CASE_CREDENTIALS:
        built.errors["credentials"] = msg("At most %(n)s credentials can be weighed in one case"
                                          " (%(given)s were given).", n=MAX_CASE_CREDENTIALS,
                                          given=len(credentials))
    body["credentials"] = credentials
    if "targetCode" in body and body["targetCode"] is None:
        del body["targetCode"]
    if body["purpose"] is None:
        del body["purpose"]
    return built


def field_errors(errors: list[dict[str, object]], sources: list[str]) -> dict[str, str]:
    """The API's field errors on the form's fields: ``credentials.N`` on the field credential
    N came from, the target (``targetId``, or none named: ``body``) on the target picker."""
    out: dict[str, str] = {}
    for error in errors:
        path = str(error.get("field", "")).split(".")
        if path[0] == "credentials" and len(path) > 1 and path[1].isdigit() \
                and int(path[1]) < len(sources):
            name = sources[int(path[1])]
        elif path[0] in ("purpose", "applicant", "credentials"):
            name = path[0]
        else:  # targetId, targetCode, or the body's "give targetId or targetCode"
            name = "targetId"
        out.setdefault(name, str(error["message"]))
    return out
