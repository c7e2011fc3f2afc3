"""Imports every domain's tables so that Base.metadata is complete (for Alembic and tests)."""


def load_all() -> None:
    from app import audit  # noqa: F401
    from app.console import models as console_models  # noqa: F401
    from app.credentials import cohort_models  # noqa: F401
    from app.credentials import models as credential_models  # noqa: F401
    from app.images import models as image_models  # noqa: F401
    from app.issuers import models as issuer_models  # noqa: F401
    from app.learners import models as learner_models  # noqa: F401
    from app.mail import models as mail_models  # noqa: F401
    from app.recognition import models as recognition_models  # noqa: F401
    from app.registry import models as registry_models  # noqa: F401
    from app.status import models as status_models  # noqa: F401
    from app.trustlists import models as trustlist_models  # noqa: F401
    from app.verify import challenges  # noqa: F401
    from app.wallets import (
        exchange_models,  # noqa: F401
        sd_jwt_models,  # noqa: F401
    )
    from app.wallets.oid4vci import models as oid4vci_models  # noqa: F401
