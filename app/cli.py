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


def _write_env_file() -> bool:
    """Create .env with fresh random secrets unless they are configured already."""
    if ENV_FILE.exists() or ("MCRED_KEY_SECRET" in os.environ
                             and "MCRED_ADMIN_TOKEN" in os.environ):
        return False
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# Created by `mcred init`. Keep it secret; never commit it.\n"
                 f"MCRED_KEY_SECRET={secrets.token_urlsafe(32)}\n"
                 f"MCRED_ADMIN_TOKEN={secrets.token_urlsafe(32)}\n")
    return True


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from app.main import build_services

    return build_services(settings)


def cmd_init(args: argparse.Namespace) -> None:
    from app import migrate
    from app.issuers import service
    from app.issuers.schemas import IssuerCreate

    if _write_env_file():
        print(f"wrote {ENV_FILE} with a new key-encryption secret and admin token (mode 0600)")
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
    base = settings.public_base_url
    print(f"ready: DID documents at {base}/.well-known/did.json"
          f" and {base}/issuers/<slug>/did.json")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app

    settings = _load_settings()
    app = create_app(settings, _services(settings))
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower(),
                proxy_headers=True)


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


def cmd_issuer_api_key(args: argparse.Namespace) -> None:
    from app.issuers import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.get_issuer(session, args.slug)
        token, _ = service.create_api_key(session, issuer, args.label, "cli")
    print(token)


def cmd_keys_rotate(args: argparse.Namespace) -> None:
    from app.issuers import service

    settings = _load_settings()
    svc = _services(settings)
    with svc.db.session() as session:
        issuer = service.get_issuer(session, args.slug)
        key = service.add_key(session, svc.keystore, issuer, "cli")
        did = service.issuer_did(settings.public_base_url, issuer.slug)
        print(f"{did}#{key.fragment} {key.public_key_multibase}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcred", description="Verifiable micro-credentials.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create .env secrets if absent, migrate, create keys")
    p.add_argument("--no-demo", dest="demo", action="store_false",
                   help="do not create the demo issuer")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run the HTTP service")
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

    keys = sub.add_parser("keys", help="manage signing keys").add_subparsers(dest="action",
                                                                            required=True)
    p = keys.add_parser("rotate", help="add a new key; old keys stay resolvable")
    p.add_argument("slug")
    p.set_defaults(func=cmd_keys_rotate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.errors import ProblemError
    from app.issuers.keys import KeyStoreError
    from app.main import StartupError

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
