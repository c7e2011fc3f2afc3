"""Application factory: settings in, a FastAPI app with every domain router out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import system
from app.config import Settings, get_settings
from app.console import achievements as console_achievements
from app.console import audit_pages as console_audit
from app.console import auth as console_auth
from app.console import cases as console_cases
from app.console import credentials as console_credentials
from app.console import issuing as console_issuing
from app.console import keys as console_keys
from app.console import registry_admin as console_registry
from app.console import router as console_router
from app.console import settings as console_settings
from app.console import sso as sso_router
from app.console import targets as console_targets
from app.credentials import bulk_router
from app.credentials import router as credentials_router
from app.deps import Services
from app.errors import install_handlers
from app.images import router as images_router
from app.issuers import router as issuers_router
from app.learners import router as learners_router
from app.learners import wallet_pages as learner_wallet_pages
from app.limits import AccessLog, BodySizeLimit, SecurityHeaders
from app.recognition import router as recognition_router
from app.recognition.schemas import MAX_CASE_CREDENTIALS
from app.registry import router as registry_router
from app.services import StartupError, build_services  # noqa: F401 (the app's entry points)
from app.status import router as status_router
from app.trustlists import router as trustlists_router
from app.verify import router as verify_router
from app.wallets import exchange_router, exchanges, sd_jwt_router
from app.wallets.oid4vci import router as oid4vci_router
from app.web import router as web_router
from app.web.render import error_page, page_policy

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"


def start_background(svc: Services) -> Callable[[], None]:
    """Start the in-process bulk worker, the e-mail sender and the registry refresher (each
    if enabled) as
    threads; returns the function that stops them. Runs once per service: in the app's
    lifespan with one process, in the supervisor with several (`mcred serve --workers`)."""
    from app.credentials.batch import BackgroundWorker
    from app.credentials.service import Issuing

    stoppers: list[Callable[[], None]] = []
    if svc.settings.inprocess_worker:
        worker = BackgroundWorker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url,
                                                  svc.settings.elm_credential_status))
        worker.start()
        stoppers.append(worker.stop)
    if svc.settings.smtp_host and svc.settings.mail_send_seconds:
        from app.mail.sender import BackgroundSender

        sender = BackgroundSender(svc.db, svc.settings)
        sender.start()
        stoppers.append(sender.stop)
    if svc.settings.registry_refresh_seconds:
        from app.outbound import outbound_policy
        from app.registry.publish import RegistryRefresher

        refresher = RegistryRefresher(svc.db, svc.settings.public_base_url,
                                      outbound_policy(svc.settings),
                                      svc.settings.registry_refresh_seconds)
        refresher.start()
        stoppers.append(refresher.stop)

    def stop() -> None:
        for stopper in stoppers:
            stopper()

    return stop


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the background threads (if enabled); stop them on shutdown."""
    svc: Services = app.state.services
    if not svc.settings.public_base_is_https_or_local:
        # Credentials carry status-list and DID URLs under this base; verifiers fetch them
        # with https-only loaders, so a public http base makes every credential unverifiable.
        logging.getLogger("mcred").warning(
            "MCRED_PUBLIC_BASE_URL %s is plain http on a non-local host: verifiers will not"
            " fetch its status lists or did:web documents; use https in production",
            svc.settings.public_base_url)
    stop = start_background(svc)
    yield
    stop()


def create_app(settings: Settings | None = None, svc: Services | None = None) -> FastAPI:
    """The mcred ASGI app."""
    settings = settings or (svc.settings if svc else get_settings())
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    svc = svc or build_services(settings)
    # docs_url/redoc_url: app.system serves both pages itself, under their own CSP.
    app = FastAPI(title="mcred", version="0.1.0", lifespan=_lifespan,
                  docs_url=None, redoc_url=None,
                  description="Issue, share and verify EU micro-credentials as W3C Verifiable "
                              "Credentials (Open Badges 3.0 and ELM renderings).")
    app.state.services = svc
    install_handlers(app, page=error_page)
    app.add_exception_handler(web_router.MovedLink, web_router.moved_link)  # type: ignore[arg-type]
    app.add_exception_handler(console_auth.SignInRequired,  # type: ignore[arg-type]
                              console_auth.sign_in_first)
    app.include_router(system.router)
    app.include_router(issuers_router.public)
    app.include_router(issuers_router.admin)
    app.include_router(registry_router.admin)
    app.include_router(registry_router.public)
    app.include_router(trustlists_router.admin)
    app.include_router(status_router.router)
    app.include_router(sd_jwt_router.router)
    app.include_router(verify_router.router)
    app.include_router(web_router.router)
    app.include_router(learners_router.router)
    app.include_router(learner_wallet_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(status_router.admin)
    app.include_router(bulk_router.router)
    app.include_router(credentials_router.router)
    app.include_router(recognition_router.router)
    app.include_router(recognition_router.cases_router)
    app.include_router(images_router.router)
    app.include_router(images_router.admin)
    app.include_router(exchange_router.router)
    app.include_router(oid4vci_router.router)
    # The service admin's registry pages first: no /console/{slug}/... route may take them.
    app.include_router(console_registry.router)
    app.include_router(sso_router.router)
    app.include_router(console_achievements.router)
    app.include_router(console_targets.router)
    app.include_router(console_cases.router)
    app.include_router(console_issuing.router)
    app.include_router(console_credentials.router)
    app.include_router(console_keys.router)
    app.include_router(console_audit.router)
    app.include_router(console_settings.router)
    app.include_router(console_router.router)
    # Added innermost first: SecurityHeaders wraps everything, so even a 413 from the body
    # guard or a 500 from the error boundary (installed by install_handlers) carries them.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger={bulk_router.BULK_PATH: settings.max_upload_bytes,
                               console_issuing.UPLOAD_PATH: settings.max_upload_bytes,
                               # a case's credentials: up to ten files, each one body's worth
                               console_cases.UPLOAD_PATH:
                                   MAX_CASE_CREDENTIALS * settings.max_body_bytes,
                               exchange_router.PARTICIPATE_PATH: exchanges.MAX_PARTICIPATE_BYTES,
                               # several lists in one upload
                               trustlists_router.UPLOAD_PATH: 4 * settings.max_trust_list_bytes})
    app.add_middleware(AccessLog)
    app.add_middleware(SecurityHeaders, page_policy=page_policy(settings.public_base_url),
                       https=settings.public_base_url.startswith("https://"))
    return app


def app_from_environment() -> FastAPI:
    """The app as a uvicorn factory (`mcred serve --workers N` imports it in each worker
    process): settings from the environment and .env, as the supervisor read them."""
    return create_app(get_settings())
