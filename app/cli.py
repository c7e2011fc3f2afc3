"""The ``mcred`` command line: the same service functions the HTTP API uses."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config import Settings, describe_settings_error
from app.limits import loads_json

ENV_FILE = Path(".env")
DEMO_ISSUER = {"slug": "demo-university", "legal_name": "Demo University of Applied Sciences",
               "country": "NL", "url": "https://demo-university.example",
               "email": "registrar@demo-university.example", "org_type": "hei"}


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise CliError(describe_settings_error(exc)) from None


SECRETS = ("MCRED_KEY_SECRET", "MCRED_ADMIN_TOKEN")


def _env_names(text: str) -> set[str]:
    """The names a .env file sets (``NAME=value`` lines, ``export`` allowed)."""
    names = set()
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0].strip())
    return names


def _write_env_file() -> list[str]:
    """Add fresh random secrets to .env for those neither it nor the environment sets; the
    lines already there stay untouched (never a secret overwritten). The names added."""
    existing = ENV_FILE.read_text("utf-8") if ENV_FILE.exists() else None
    known = _env_names(existing or "") | set(os.environ)
    missing = [name for name in SECRETS if name not in known]
    if not missing:
        return []
    lines = "".join(f"{name}={secrets.token_urlsafe(32)}\n" for name in missing)
    if existing is None:
        fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# Created by `mcred init`. Keep it secret; never commit it.\n" + lines)
    else:
        with ENV_FILE.open("a", encoding="utf-8") as fh:
            # appended after the last line, which may lack its newline
            fh.write(("" if existing.endswith("\n") or not existing else "\n")
                     + "# Added by `mcred init`.\n" + lines)
    return missing


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from app.services import build_services

    return build_services(settings)


def cmd_init(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from app import migrate
    from app.console.models import StaffUser
    from app.issuers import service
    from app.issuers.schemas import IssuerCreate

    added = _write_env_file()
    if added:
        print(f"wrote {', '.join(added)} to {ENV_FILE}")
    settings = _load_settings()
    migrate.upgrade(settings.database_url)
    print(f"database at migration {migrate.head_revision()}: {settings.database_url}")
    svc = _services(settings)
    with svc.db.session() as session:
        service.ensure_service_key(session, svc.keystore)
        if args.demo and service.count_issuers(session) == 0:
            issuer = service.create_issuer(session, svc.keystore, IssuerCreate(**DEMO_ISSUER),
                                           "cli")
            did = service.issuer_did(settings.public_base_url, issuer.slug)
            print(f"created demo issuer {did}")
        if args.demo:
            _trust_demo_issuer(session, settings.public_base_url)
        staff = session.scalar(select(func.count(StaffUser.id))) or 0
    base = settings.public_base_url
    print(f"ready: DID documents at {base}/.well-known/did.json"
          f" and {base}/issuers/<slug>/did.json")
    if not staff:
        # No console account yet: say how to make the first one (no default password exists).
        demo = f" --issuer {DEMO_ISSUER['slug']} --role admin" if args.demo else ""
        print(f"console at {base}/console: create your account with"
              f" mcred staff add YOU@YOUR-UNIVERSITY --service-admin{demo}")


def _trust_demo_issuer(session, base_url: str) -> None:  # type: ignore[no-untyped-def]
    """Put the demo issuer (if this database has it) in the local registry once, marked as a
    demo entry: its legal name ends in "(demo)" and its source is "demo"."""
    from datetime import date

    from app.issuers.models import Issuer
    from app.issuers.service import issuer_did
    from app.registry import service as registry
    from app.registry.models import RegistryDid
    from app.registry.schemas import RegistryEntryIn

    issuer = session.query(Issuer).filter_by(slug=DEMO_ISSUER["slug"]).one_or_none()
    if issuer is None:
        return
    did = issuer_did(base_url, issuer.slug)
    if session.get(RegistryDid, did) is not None:
        return
    registry.add(session, RegistryEntryIn.model_validate({
        "dids": [did], "legalName": f"{DEMO_ISSUER['legal_name']} (demo)",
        "country": DEMO_ISSUER["country"], "orgType": "hei",
        # a made-up QA result, so the demo shows a fully trusted credential
        "qualityAssurance": [{"agency": "Demo quality assurance agency (not real)",
                              "esgAligned": True, "validFrom": date(2020, 1, 1).isoformat()}]}),
        "cli", source="demo")
    print(f"added demo issuer {did} to the trusted issuer registry (marked demo)")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app import serving
    from app.children import cores
    from app.main import create_app, start_background

    settings = _load_settings()
    svc = _services(settings)  # wrong secret, stale schema: one line, before any worker starts
    workers = args.workers or cores()
    # access_log=False: uvicorn's access log prints raw paths, and share links carry their
    # token in the path; the app's own `mcred.access` log names the route template instead.
    options: dict[str, Any] = {"host": args.host, "port": args.port, "proxy_headers": True,
                               "log_level": settings.log_level.lower(), "access_log": False}
    if workers == 1:
        uvicorn.run(create_app(settings, svc), **options)
        return
    # Several processes: the bulk worker and the registry refresher run here, in the
    # supervisor, once; the HTTP workers (spawned, so they inherit the environment but not
    # these threads) are told not to start their own.
    stop = start_background(svc)
    os.environ["MCRED_INPROCESS_WORKER"] = "false"
    os.environ["MCRED_REGISTRY_REFRESH_SECONDS"] = "0"
    try:
        if serving.supported():
            serving.serve(args.host, args.port, workers,
                          {k: v for k, v in options.items() if k not in ("host", "port")}
                          | {"timeout_graceful_shutdown": 10})
        else:  # no SO_REUSEPORT: uvicorn's workers, sharing one socket
            uvicorn.run("app.main:app_from_environment", factory=True, workers=workers,
                        timeout_graceful_shutdown=10, **options)
    finally:
        stop()


def cmd_migrate(args: argparse.Namespace) -> None:
    from app import migrate

    settings = _load_settings()
    if args.down:
        migrate.downgrade(settings.database_url, args.down)
    else:
        migrate.upgrade(settings.database_url, args.to)
    print("migrated")


def _issuer_json(settings: Settings, session: Any, issuer: Any) -> str:
    from app.issuers import service

    return service.issuer_out(session, settings.public_base_url, issuer).model_dump_json(indent=2)


def cmd_issuer_create(args: argparse.Namespace) -> None:
    from app.issuers import service
    from app.issuers.schemas import IssuerCreate

    try:
        data = IssuerCreate(slug=args.slug, legal_name=args.name, country=args.country,
                            url=args.url, email=args.email, org_type=args.type)
    except ValidationError as exc:
        options = {"legal_name": "name", "org_type": "type"}
        raise CliError("; ".join(f"invalid --{options.get(str(e['loc'][0]), e['loc'][0])}:"
                                 f" {e['msg']}" for e in exc.errors())) from None
    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.create_issuer(session, svc.keystore, data, "cli")
        print(_issuer_json(settings, session, issuer))


def cmd_issuer_list(args: argparse.Namespace) -> None:
    from app.issuers import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        out = [json.loads(_issuer_json(settings, session, i))
               for i in service.list_issuers(session)]
    print(json.dumps(out, indent=2))


def _invalid_option(exc: ValidationError, option: str) -> CliError:
    return CliError("; ".join(f"invalid {option}: {e['msg']}" for e in exc.errors()))


def cmd_issuer_api_key(args: argparse.Namespace) -> None:
    from app.issuers import service
    from app.issuers.schemas import ApiKeyCreate

    try:
        label = ApiKeyCreate(label=args.label).label
    except ValidationError as exc:
        raise _invalid_option(exc, "--label") from None
    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.get_issuer(session, args.slug)
        token, _ = service.create_api_key(session, issuer, label, "cli")
    print(token)


def cmd_issuer_api_keys(args: argparse.Namespace) -> None:
    from app.issuers import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session(read_only=True) as session:
        issuer = service.get_issuer(session, args.slug)
        keys = [service.api_key_info(k).model_dump(mode="json")
                for k in service.list_api_keys(session, issuer)]
    print(json.dumps(keys, indent=2))


def _reason(text: str) -> str:
    from app.issuers.schemas import Reason

    try:
        return Reason(reason=text).reason
    except ValidationError as exc:
        raise _invalid_option(exc, "--reason") from None


def cmd_issuer_revoke_api_key(args: argparse.Namespace) -> None:
    from app.issuers import service

    reason = _reason(args.reason)
    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.get_issuer(session, args.slug)
        record = service.revoke_api_key(session, issuer, args.key_id, reason, "cli")
        print(f"API key {record.key_id} of {issuer.slug} revoked")


def cmd_keys_rotate(args: argparse.Namespace) -> None:
    from app.issuers import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.get_issuer(session, args.slug)
        key = service.add_key(session, svc.keystore, issuer, "cli")
        did = service.issuer_did(settings.public_base_url, issuer.slug)
        print(f"{did}#{key.fragment} {key.public_key_multibase}")


def _issuer_key(session: Any, base: str, args: argparse.Namespace) -> tuple[Any, Any]:
    """The issuer ``args.slug`` and its signing key ``args.key_id`` (CliError-friendly lookups)."""
    from app.issuers import service

    issuer = service.get_issuer(session, args.slug)
    return issuer, service.get_key(session, base, issuer, args.key_id)


def cmd_keys_compromised(args: argparse.Namespace) -> None:
    from datetime import datetime

    from app.issuers import compromise, service

    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        raise CliError(f"invalid --at {args.at!r}: expected an ISO 8601 date-time with a time"
                       " zone, e.g. 2026-05-01T12:00:00Z") from None
    reason = _reason(args.reason)
    settings = _load_settings()
    svc = _services(settings)
    base = settings.public_base_url
    with svc.db.session() as session:
        issuer, key = _issuer_key(session, base, args)
        current = compromise.mark_compromised(session, svc.keystore, base, issuer, key, at,
                                              reason, "cli")
        signed = compromise.signed_with(session, base, issuer, key)
        did = service.issuer_did(base, issuer.slug)
        print(f"{did}#{key.fragment} marked compromised at"
              f" {service.timestamp(key.compromised_at or at)}; current key {did}#"
              f"{current.fragment}")
    reissuable = sum(c.reissuable for c in signed)
    print(f"{len(signed)} credential(s) signed with it, {reissuable} to re-issue with"
          f" `mcred keys reissue {args.slug} {key.fragment}`", file=sys.stderr)


def cmd_keys_credentials(args: argparse.Namespace) -> None:
    from app.issuers import compromise

    settings = _load_settings()
    svc = _services(settings)
    base = settings.public_base_url
    with svc.db.session(read_only=True) as session:
        issuer, key = _issuer_key(session, base, args)
        found = [c.to_json() for c in compromise.signed_with(session, base, issuer, key)]
    print(json.dumps(found, indent=2))


def cmd_keys_reissue(args: argparse.Namespace) -> None:
    from app.issuers import compromise

    settings = _load_settings()
    svc = _services(settings)
    base = settings.public_base_url
    with svc.db.session(read_only=True) as session:
        issuer, key = _issuer_key(session, base, args)
        if key.retired_at is None and key.compromised_at is None:
            raise CliError(f"{key.fragment} is the current key of {issuer.slug}; rotate (or mark"
                           " it compromised, which rotates) first")
        found = compromise.signed_with(session, base, issuer, key)
    ids = [c.id for c in found if c.reissuable]
    skipped = [{"id": c.id, "reason": c.reason} for c in found if not c.reissuable]
    reissued: list[str] = []
    # One short transaction per batch: SQLite's write lock is never held for long, and a
    # second run picks up whatever an interrupted one left.
    for start in range(0, len(ids), args.batch):
        with svc.db.session() as session:
            issuer, key = _issuer_key(session, base, args)
            result = compromise.reissue(session, svc.keystore, base, issuer, key, "cli",
                                        ids=ids[start:start + args.batch])
        reissued += result.reissued
        skipped += result.skipped
        print(f"  {min(start + args.batch, len(ids))}/{len(ids)} processed", file=sys.stderr)
    print(json.dumps({"reissued": reissued, "skipped": skipped}, indent=2))
    print(f"{len(reissued)} credential(s) re-issued, {len(skipped)} skipped", file=sys.stderr)


def cmd_achievement_create(args: argparse.Namespace) -> None:
    from app.credentials import service
    from app.errors import ProblemError
    from app.issuers.service import get_issuer

    try:
        data = json.loads(Path(args.file).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from None
    settings = _load_settings()
    svc = _services(settings)
    try:
        spec = service.validate_spec(data)
    except ProblemError as exc:
        raise CliError("; ".join(f"{e['element']}: {e['message']}"
                                 for e in exc.extra["errors"])) from None
    with svc.db.session() as session:
        issuer = get_issuer(session, args.issuer)
        record = service.create_achievement(session, issuer, spec, "cli")
        print(json.dumps({"id": record.id, "url": service.achievement_url(
            settings.public_base_url, record.id)}, indent=2))


def _problem_line(exc: Any) -> str:
    """A 422's per-field errors on one line (``line 3 ects: …``)."""
    errors = exc.extra.get("errors") or []
    if not errors:
        return exc.detail or exc.title
    def where(e: dict[str, Any]) -> str:
        return " ".join(f"{k} {e[k]}" for k in ("line", "item") if k in e)
    return f"{exc.detail}: " + "; ".join(
        f"{where(e) + ' ' if where(e) else ''}{e['field']}: {e['message']}" for e in errors)


def cmd_targets_import(args: argparse.Namespace) -> None:
    from app.errors import ProblemError
    from app.issuers.service import get_issuer
    from app.recognition import targets

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    kind = "csv" if path.suffix.lower() == ".csv" else "json"
    svc = _services(_load_settings())
    try:
        with svc.db.session() as session:
            created = targets.import_targets(session, get_issuer(session, args.issuer), data,
                                             kind, "cli")
            out = [{"id": t.id, "code": t.code} for t in created]
    except ProblemError as exc:
        if not exc.extra.get("errors"):
            raise  # e.g. an unknown issuer: main() reports it, as for every command
        raise CliError(_problem_line(exc)) from None
    print(json.dumps({"imported": len(out), "targets": out}, indent=2))


def cmd_targets_list(args: argparse.Namespace) -> None:
    from app.issuers.service import get_issuer
    from app.recognition import targets

    svc = _services(_load_settings())
    with svc.db.session(read_only=True) as session:
        found = targets.list_targets(session, get_issuer(session, args.issuer),
                                     status=args.status)
        print(json.dumps([targets.to_json(t) for t in found], indent=2, ensure_ascii=False))


def cmd_cases_open(args: argparse.Namespace) -> None:
    """Weigh credential files (or links) against a target; print the case as JSON and the
    recommendation on stderr, as an officer reads it."""
    from app.errors import ProblemError
    from app.issuers.service import get_issuer
    from app.limits import loads_json
    from app.recognition import cases
    from app.recognition.schemas import validate_case

    credentials: list[Any] = []
    for item in args.credentials:
        if item.startswith(("https://", "http://")):
            credentials.append(item)
            continue
        try:
            credentials.append(loads_json(Path(item).read_bytes()))
        except OSError as exc:
            raise CliError(f"cannot read {item}: {exc.strerror}") from None
        except ValueError as exc:
            raise CliError(f"{item} is not JSON: {exc}") from None
    svc = _services(_load_settings())
    with svc.db.session(read_only=True) as session:
        issuer_id = get_issuer(session, args.issuer).id
    body = {"targetCode": args.target, "purpose": args.purpose, "credentials": credentials,
            **({"applicant": args.applicant} if args.applicant else {})}
    try:
        case = cases.open_case(svc, issuer_id, validate_case(body), "cli")
    except ProblemError as exc:
        if not exc.extra.get("errors"):
            raise
        raise CliError(_problem_line(exc)) from None
    answer = cases.to_json(case)
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    print(f"{answer['recommendation']['decision']}: {answer['recommendation']['summary']}",
          file=sys.stderr)


def cmd_issue(args: argparse.Namespace) -> None:
    from app.credentials import batch
    from app.credentials.service import Issuing
    from app.issuers.service import get_issuer

    path = Path(args.csv or args.jsonl)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    settings = _load_settings()
    svc = _services(settings)
    rows = batch.parse_rows(data, "csv" if args.csv else "jsonl")
    with svc.db.session() as session:
        issuer = get_issuer(session, args.issuer)
        job = batch.create_job(session, issuer, args.achievement, rows, path.name, "cli")
        job_id, total = job.id, job.total
    print(f"job {job_id}: {total} rows queued", file=sys.stderr)
    if args.no_wait:
        print(job_id)
        return
    issuing = Issuing(svc.keystore, settings.public_base_url, settings.elm_credential_status)
    processed = 0
    step = max(1, total // 20)

    def tick() -> None:
        nonlocal processed
        processed += 1
        if processed % step == 0 or processed == total:
            print(f"  {processed}/{total} rows processed", file=sys.stderr)

    batch.run_worker(svc.db, issuing, job_id=job_id, exit_when_idle=True, on_row=tick)
    with svc.db.session() as session:
        job = batch.get_job(session, None, job_id)
        summary = batch.progress(session, job).to_json()
        if args.report:
            Path(args.report).write_text(json.dumps(
                {**summary, "rows": batch.report(session, job, settings.public_base_url,
                                                 settings.key_secret.get_secret_value())},
                indent=2), "utf-8")
    print(json.dumps(summary, indent=2))


def cmd_worker(args: argparse.Namespace) -> None:
    import logging

    from app.credentials import batch
    from app.credentials.service import Issuing

    settings = _load_settings()
    svc = _services(settings)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    issuing = Issuing(svc.keystore, settings.public_base_url, settings.elm_credential_status)
    done = batch.run_worker(svc.db, issuing,
                            exit_when_idle=args.exit_when_idle)
    print(f"worker processed {done} rows", file=sys.stderr)


def cmd_status(args: argparse.Namespace) -> None:
    from app.status import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        states = service.change(session, None, args.credential_id, args.action, args.reason,
                                "cli")
    print(json.dumps({"credentialId": args.credential_id, "status": states}))


def cmd_mail_send_due(args: argparse.Namespace) -> None:
    from app.mail import sender

    settings = _load_settings()
    if not sender.configured(settings):
        raise CliError("MCRED_SMTP_HOST is not set: e-mails stay queued until it is")
    svc = _services(settings)
    print(f"sent {sender.send_due(svc.db, settings, limit=args.limit)} e-mails",
          file=sys.stderr)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def cmd_registry(args: argparse.Namespace) -> None:
    from app.errors import ProblemError
    from app.outbound import outbound_policy
    from app.registry import deqar, importers, publish, service
    from app.registry.schemas import RegistryEntryIn

    settings = _load_settings()
    svc = _services(settings)
    if args.action == "deqar-sync":  # network fetches outside the transactions
        from app.registry.router import deqar_client

        results = deqar.sync(svc.db, deqar_client(settings), args.deqar_ids, "cli")
        print(json.dumps(results, indent=2))
        if any("error" in r for r in results):
            raise CliError("; ".join(f"{r['deqarId']}: {r['error']}" for r in results
                                     if "error" in r))
        return
    if args.action == "refresh":  # its own short transactions, network fetches outside them
        results = publish.refresh_followed(svc.db, settings.public_base_url,
                                           outbound_policy(settings), "cli")
        print(json.dumps(results, indent=2))
        if any("error" in r for r in results):
            raise CliError("; ".join(f"{r['url']}: {r['error']}" for r in results
                                     if "error" in r))
        return
    with svc.db.session() as session:
        if args.action == "add":
            try:
                data = RegistryEntryIn.model_validate_json(_read(args.file))
            except ValueError as exc:
                raise CliError(f"invalid entry in {args.file}: {exc}".splitlines()[0]) from None
            entry = service.add(session, data, "cli")
            print(service.to_out(entry).model_dump_json(by_alias=True, indent=2))
        elif args.action == "import":
            kind = "csv" if args.file.lower().endswith(".csv") else "json"
            try:
                entries = importers.parse(_read(args.file), kind)
            except ProblemError as exc:
                first = (exc.extra.get("errors") or [{}])[0]
                where = f" (entry {first['entry']}, {first['field']}: {first['message']})" \
                    if "entry" in first else ""
                raise CliError(f"{exc.detail or exc.title}{where}") from None
            print(json.dumps(service.upsert_many(session, entries, "cli",
                                                 f"import:{Path(args.file).name}")))
        elif args.action == "deqar-import":
            kind = "csv" if args.file.lower().endswith(".csv") else "json"
            try:
                parsed = deqar.parse(_read(args.file), kind)
            except deqar.DeqarError as exc:
                raise CliError(f"{args.file}: {exc}") from None
            result = deqar.import_file(session, parsed, "cli",
                                       f"deqar:{Path(args.file).name}")
            print(json.dumps(result, indent=2))
        elif args.action == "export":
            print(json.dumps(publish.signed_export(session, svc.keystore,
                                                   settings.public_base_url), indent=2))
        elif args.action in ("suspend", "activate"):
            status = "suspended" if args.action == "suspend" else "active"
            service.set_status(session, args.id, status, args.reason, "cli")
            print(f"registry entry {args.id} is {status}")
        elif args.action == "remove":
            service.remove(session, args.id, args.reason, "cli")
            print(f"registry entry {args.id} removed")
        elif args.action == "subscribe":
            publish.subscribe(session, args.url, args.signer, "cli")
            print(f"following {args.url} (signed by {args.signer})")


def cmd_trustlists(args: argparse.Namespace) -> None:
    from app.trustlists import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        if args.action == "list":
            print(json.dumps(service.list_lists(session), indent=2))
            return
        # each file in its own savepoint: a refused one keeps its old copy, the rest import
        files = [Path(f) for f in args.files] if args.action == "import" else None
        results = service.refresh(session, settings, "cli", files)
    print(json.dumps(results, indent=2))
    if not results:
        raise CliError("no trusted list files (set MCRED_TRUST_LIST_FILES)")
    if any(r["outcome"] == "refused" for r in results):
        raise CliError("; ".join(f"{r['file']}: {r['reason']}" for r in results
                                 if r["outcome"] == "refused"))


def cmd_verify(args: argparse.Namespace) -> None:
    from app.outbound import OutboundError, fetch, outbound_policy
    from app.verify.context import build_context
    from app.verify.pipeline import verify_credential
    from app.verify.scoring import RubricError

    settings = _load_settings()
    if args.source.startswith(("https://", "http://")):
        try:
            data, _ = fetch(args.source, outbound_policy(settings))
        except OutboundError as exc:
            raise CliError(str(exc)) from None
    else:
        data = _read(args.source)
    try:
        document = loads_json(data)
    except ValueError as exc:
        raise CliError(f"{args.source} is not JSON: {exc}") from None
    svc = _services(settings)
    try:
        report = verify_credential(document, build_context(svc, args.rubric))
    except RubricError as exc:
        raise CliError(str(exc)) from None
    result = report.to_json()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for check in result["report"]["checks"]:
            print(f"{check['status']:>8}  {check['name']:<13} {check['message']}")
        score = result["report"]["score"]
        if score:
            print(f"recognition: {score['outcome']} ({score['trafficLight']})")
        print({"verified": "VERIFIED", "failed": "NOT VERIFIED",
               "untrusted": "VERIFIED, BUT THE ISSUER IS NOT IN THE TRUSTED REGISTRY"}
              [report.headline])
    if not report.verified:
        raise SystemExit(1)


def _staff_password(args: argparse.Namespace) -> str | None:
    """The new account's password: MCRED_STAFF_PASSWORD, else asked for on a terminal, else
    one line on stdin; none with --sso-only. Never an option (shell history, ps)."""
    if args.sso_only:
        return None
    if os.environ.get("MCRED_STAFF_PASSWORD"):
        return os.environ["MCRED_STAFF_PASSWORD"]
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password for the new account: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_staff_add(args: argparse.Namespace) -> None:
    from app import audit
    from app.console import accounts
    from app.issuers import service

    if bool(args.issuer) != bool(args.role):
        raise CliError("give --issuer and --role together")
    settings = _load_settings()
    svc = _services(settings)
    try:
        with svc.db.session() as session:
            user = accounts.find_user(session, args.email)
            if user is None:
                user = accounts.create_user(session, args.email, name=args.name or "",
                                            password=_staff_password(args),
                                            service_admin=args.service_admin, actor="cli")
            elif args.service_admin and not user.service_admin:
                user.service_admin = True
                audit.record(session, "cli", "staff.service-admin", f"staff:{user.email}")
            if args.issuer:
                accounts.set_role(session, service.get_issuer(session, args.issuer), user,
                                  args.role, actor="cli")
    except accounts.AccountError as exc:
        raise CliError(f"{exc.field}: {exc}") from None
    print(json.dumps({"email": user.email, "serviceAdmin": user.service_admin,
                      "issuer": args.issuer, "role": args.role}))


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcred", description="Verifiable micro-credentials.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create .env secrets if absent, migrate, create keys")
    p.add_argument("--no-demo", dest="demo", action="store_false",
                   help="do not create the demo issuer")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--workers", type=_positive, default=None,
                   help="HTTP worker processes (default: the number of CPU cores)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("--to", default="head", help="target revision (default head)")
    p.add_argument("--down", metavar="REV", help="downgrade to REV instead (e.g. base)")
    p.set_defaults(func=cmd_migrate)

    issuer = sub.add_parser("issuer", help="manage issuers").add_subparsers(dest="action",
                                                                            required=True)
    p = issuer.add_parser("create", help="register an issuer and create its first key")
    p.add_argument("--slug", required=True)
    p.add_argument("--name", required=True, help="legal name")
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
    p.add_argument("--url", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--type", default="hei", choices=["hei", "other"])
    p.set_defaults(func=cmd_issuer_create)
    p = issuer.add_parser("list", help="list issuers")
    p.set_defaults(func=cmd_issuer_list)
    p = issuer.add_parser("api-key", help="create an API key for an issuer (printed once)")
    p.add_argument("slug")
    p.add_argument("--label", default="")
    p.set_defaults(func=cmd_issuer_api_key)
    p = issuer.add_parser("api-keys", help="list an issuer's API keys (never their secrets)")
    p.add_argument("slug")
    p.set_defaults(func=cmd_issuer_api_keys)
    p = issuer.add_parser("revoke-api-key", help="revoke an API key (it gets 401 from now on)")
    p.add_argument("slug")
    p.add_argument("key_id", help="the key id (second part of the token, see api-keys)")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_issuer_revoke_api_key)

    achievement = sub.add_parser("achievement", help="define micro-credentials").add_subparsers(
        dest="action", required=True)
    p = achievement.add_parser("create", help="define a micro-credential from a JSON file")
    p.add_argument("--issuer", required=True, help="issuer slug")
    p.add_argument("--file", required=True, help="JSON with the EU elements (see docs/)")
    p.set_defaults(func=cmd_achievement_create)

    targets = sub.add_parser("targets", help="recognition targets (courses, programmes)") \
        .add_subparsers(dest="action", required=True)
    p = targets.add_parser("import", help="import targets from a JSON list or a .csv file"
                           " (all or nothing)")
    p.add_argument("file")
    p.add_argument("--issuer", required=True, help="issuer slug")
    p.set_defaults(func=cmd_targets_import)
    p = targets.add_parser("list", help="print an issuer's targets as JSON")
    p.add_argument("--issuer", required=True, help="issuer slug")
    p.add_argument("--status", choices=("active", "retired"))
    p.set_defaults(func=cmd_targets_list)

    recognition = sub.add_parser("cases", help="recognition cases (credentials weighed against"
                                 " a target)").add_subparsers(dest="action", required=True)
    p = recognition.add_parser("open", help="verify credential files or links and weigh them"
                               " against a target; prints the case as JSON")
    p.add_argument("credentials", nargs="+", help="credential JSON files or links")
    p.add_argument("--issuer", required=True, help="the office's institution (issuer slug)")
    p.add_argument("--target", required=True, help="the target's code")
    p.add_argument("--purpose", required=True, choices=("exemption", "credit", "admission"))
    p.add_argument("--applicant", help="the applicant's name or file reference")
    p.set_defaults(func=cmd_cases_open)

    p = sub.add_parser("issue", help="bulk-issue awards from a CSV or JSON Lines file")
    p.add_argument("--issuer", required=True, help="issuer slug")
    p.add_argument("--achievement", required=True, help="achievement id")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", help="CSV file (columns: name, email, awarded_on, …)")
    source.add_argument("--jsonl", help="JSON Lines file of award requests")
    p.add_argument("--report", help="write the per-row report (JSON) to this file")
    p.add_argument("--no-wait", action="store_true",
                   help="queue the job for the workers and print its id")
    p.set_defaults(func=cmd_issue)

    p = sub.add_parser("worker", help="run a bulk-issue worker (run several on PostgreSQL)")
    p.add_argument("--exit-when-idle", action="store_true", help="stop when no row is pending")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("status", help="revoke, suspend or unsuspend a credential")
    p.add_argument("action", choices=["revoke", "suspend", "unsuspend"])
    p.add_argument("credential_id")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_status)

    mail = sub.add_parser("mail", help="e-mail to learners").add_subparsers(dest="action",
                                                                          required=True)
    p = mail.add_parser("send-due", help="send the e-mails that are due (for cron)")
    p.add_argument("--limit", type=_positive, default=500, help="at most this many")
    p.set_defaults(func=cmd_mail_send_due)

    registry = sub.add_parser("registry", help="the trusted issuer registry").add_subparsers(
        dest="action", required=True)
    p = registry.add_parser("add", help="add an entry from a JSON file")
    p.add_argument("file")
    p = registry.add_parser("import", help="import entries (JSON or DEQAR-like CSV)")
    p.add_argument("file")
    registry.add_parser("export", help="print the registry, signed by the service DID")
    for name in ("suspend", "activate", "remove"):
        p = registry.add_parser(name, help=f"{name} an entry")
        p.add_argument("id", type=int)
        p.add_argument("--reason", required=True)
    p = registry.add_parser("subscribe", help="follow another registry's signed list")
    p.add_argument("url")
    p.add_argument("--signer", required=True, help="DID expected to sign the list")
    registry.add_parser("refresh", help="fetch, verify and import followed registries")
    p = registry.add_parser("deqar-import", help="import DEQAR report data (JSON or CSV)")
    p.add_argument("file")
    p = registry.add_parser("deqar-sync", help="fetch institutions' reports from DEQAR")
    p.add_argument("deqar_ids", nargs="+", metavar="ID", help="e.g. DEQARINST0382")
    for action_parser in registry.choices.values():
        action_parser.set_defaults(func=cmd_registry)

    trustlists = sub.add_parser("trustlists", help="EU trusted lists (ETSI TS 119 612)") \
        .add_subparsers(dest="action", required=True)
    p = trustlists.add_parser("import", help="import trusted list files (the LOTL first)")
    p.add_argument("files", nargs="+", metavar="FILE")
    trustlists.add_parser("refresh", help="re-import the files of MCRED_TRUST_LIST_FILES")
    trustlists.add_parser("list", help="the trusted lists stored")
    for action_parser in trustlists.choices.values():
        action_parser.set_defaults(func=cmd_trustlists)

    p = sub.add_parser("verify", help="verify a credential file or URL")
    p.add_argument("source", help="a JSON file or an https URL")
    p.add_argument("--rubric", default="default", help="scoring rubric name")
    p.add_argument("--json", action="store_true", help="print the full JSON report")
    p.set_defaults(func=cmd_verify)

    keys = sub.add_parser("keys", help="manage signing keys").add_subparsers(dest="action",
                                                                            required=True)
    p = keys.add_parser("rotate", help="add a new key; old keys stay resolvable")
    p.add_argument("slug")
    p.set_defaults(func=cmd_keys_rotate)
    p = keys.add_parser("compromised", help="mark a key compromised: no proof by it verifies")
    p.add_argument("slug")
    p.add_argument("key_id", help="e.g. key-1 (or the full did:web…#key-1)")
    p.add_argument("--at", required=True, help="time of compromise, e.g. 2026-05-01T12:00:00Z")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_keys_compromised)
    p = keys.add_parser("credentials", help="list the stored credentials a key signed")
    p.add_argument("slug")
    p.add_argument("key_id")
    p.set_defaults(func=cmd_keys_credentials)
    p = keys.add_parser("reissue", help="re-sign a key's credentials with the current key")
    p.add_argument("slug")
    p.add_argument("key_id")
    p.add_argument("--batch", type=_positive, default=200, help="credentials per transaction")
    p.set_defaults(func=cmd_keys_reissue)

    staff = sub.add_parser("staff", help="console accounts").add_subparsers(dest="action",
                                                                           required=True)
    p = staff.add_parser("add", help="create a console account or give it a role at an issuer"
                         " (password from MCRED_STAFF_PASSWORD, the terminal or stdin)")
    p.add_argument("email")
    p.add_argument("--name")
    p.add_argument("--issuer", help="issuer slug")
    p.add_argument("--role", choices=("viewer", "staff", "admin"))
    p.add_argument("--service-admin", action="store_true", help="may manage issuers and registry")
    p.add_argument("--sso-only", action="store_true", help="no password: single sign-on only")
    p.set_defaults(func=cmd_staff_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.errors import ProblemError
    from app.issuers.keys import KeyStoreError
    from app.services import StartupError

    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        func(args)
    except (CliError, KeyStoreError, StartupError) as exc:
        print(f"mcred: error: {exc}", file=sys.stderr)
        return 2
    except ProblemError as exc:
        print(f"mcred: error: {exc.detail or exc.title}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
