"""The English names of things the pages look up by key (an element, a check, a rating…),
marked for extraction: the templates translate them with ``_()`` (criteria with the
``criterion`` context, since "Verification" names a criterion and the list of checks)."""

from __future__ import annotations

from app.elements.model import ELEMENT_LABELS
from app.messages import N_, NP_

ELEMENTS = ELEMENT_LABELS
CHECKS = {
    "format": N_("Credential format"), "proof": N_("Signature"),
    "registry": N_("Trusted issuer registry"), "status": N_("Revocation status"),
    "validity": N_("Validity dates"), "completeness": N_("EU standard elements"),
    "score": N_("Recognition"), "reading": N_("How it was read"),
    # JAdES seals (app/seals)
    "timestamps": N_("Timestamps"), "certificate": N_("Seal certificate"),
    "seal": N_("Electronic seal"),
}
SEAL_LEVELS = {"qualified": N_("Qualified electronic seal"),
               "advanced": N_("Advanced electronic seal"),
               "unknown": N_("Electronic seal of unknown level")}
CHECK_STATUS = {"passed": N_("passed"), "failed": N_("failed"), "warning": N_("attention"),
                "skipped": N_("not applicable")}
ELEMENT_STATUS = {"present": N_("present"), "missing": N_("missing"),
                  "malformed": N_("malformed")}
HEADLINES = {"verified": N_("Verified"), "failed": N_("Not verified"),
             "untrusted": N_("Genuine, but the issuer is not in the trusted registry")}
CRITERIA = {
    "qualityAssurance": NP_("criterion", "Quality assurance"),
    "verification": NP_("criterion", "Verification"), "level": NP_("criterion", "Level"),
    "learningOutcomes": NP_("criterion", "Learning outcomes"),
    "workload": NP_("criterion", "Workload"), "assessment": NP_("criterion", "Assessment"),
    "identification": NP_("criterion", "Identification of the learner"),
    "authenticity": NP_("criterion", "Authenticity"),
}
RATINGS = {3: N_("Strong"), 2: N_("Sufficient"), 1: N_("Weak"), 0: N_("Missing"),
           None: N_("Does not apply")}
OUTCOMES = {"recognisable": N_("Recognisable"), "context-dependent": N_("Context-dependent"),
            "not-recognisable": N_("Not recognisable")}
ADVICE = {
    "green": N_("Recognisable in line with the Lisbon Recognition Convention: you can"
                " recognise it like comparable learning."),
    "orange": N_("What to do: check the criteria rated weak or missing below against what you"
                 " need; ask the issuer for details or use recognition of prior learning."),
    "red": N_("What to do: do not recognise it as it stands; ask for a further assessment or"
              " recognition of prior learning."),
}
VERDICTS = {
    "altered": N_("Altered after signing — do not rely on it"),
    "unverifiable": N_("The signature could not be checked — do not rely on it"),
    "malformed": N_("Not a valid credential — do not rely on it"),
    "open-badges-2": N_("An Open Badges 2.0 badge, not a verifiable credential — ask the"
                        " issuer for its Open Badges 3.0 version"),
    "revoked": N_("Revoked by the issuer — no longer valid"),
    "suspended": N_("Suspended by the issuer — not valid at the moment"),
    "revoked_on": N_("Revoked on %(date)s — no longer valid"),
    "suspended_on": N_("Suspended since %(date)s — not valid at the moment"),
    "status-unknown": N_("Whether it was revoked could not be checked"),
    "expired": N_("Expired on %(date)s"),
    "not-yet-valid": N_("Not yet valid: valid from %(date)s"),
    "bad-dates": N_("Its validity dates are not usable"),
    "failed": N_("Could not be verified"),
    "seal-revoked": N_("Its seal's certificate was revoked when it was sealed — do not rely"
                       " on it"),
    "seal-expired": N_("Its seal's certificate was not valid when it was sealed — do not rely"
                       " on it"),
    "seal-certificate": N_("Its seal's certificate could not be validated — do not rely on it"),
    "bad-timestamp": N_("A timestamp of its seal is not valid — do not rely on it"),
}
HOLDER = {
    "match": N_("Matches: the credential was issued to this e-mail address"),
    "no-match": N_("Does not match the e-mail address the credential was issued to"),
    "none": N_("The credential names no e-mail address to compare with"),
}
# Problem titles a browser can meet on the public pages; any other stays as the API says it.
PROBLEM_TITLES = (
    N_("Not found"), N_("Bad request"), N_("Invalid request"), N_("Unknown rubric"),
    N_("Request body too large"), N_("JSON nested too deeply"), N_("Not acceptable"),
    N_("Internal server error"), N_("Database unavailable"), N_("Method not allowed"),
    N_("Unsupported media type"), N_("Too many outbound fetches in progress"),
    N_("Credential could not be fetched"), N_("Forbidden"), N_("Authentication required"),
    N_("Too many sign-in attempts"), N_("Cross-site request refused"), N_("Form expired"),
)

# Recognition cases (app.recognition.cases): what a case is for, what is recommended or
# decided, on which track, how each criterion came out and how an outcome was matched.
PURPOSES = {"exemption": N_("Exemption from a course"), "credit": N_("Credit towards a course"),
            "admission": N_("Admission to a programme")}
DECISIONS = {"recognise": N_("Recognise"), "partial": N_("Recognise in part"),
             "not-recognise": N_("Do not recognise")}
TRACKS = {"lisbon": N_("No substantial differences: recognition in line with the Lisbon"
                       " Recognition Convention"),
          "substantial-differences": N_("Substantial differences: recognise what is covered,"
                                        " assess the rest by recognition of prior learning"),
          "rpl": N_("Not recognisable as it stands: recognition of prior learning (RPL)")}
RESULTS = {"met": N_("Met"), "partly": N_("Partly met"), "not-met": N_("Not met")}
METHODS = {"framework": N_("shared ESCO skill"), "words": N_("shared words"),
           "meaning": N_("same meaning"), "words+meaning": N_("shared words and same meaning")}

# Console roles at an issuer (app.console.accounts.ROLES).
ROLES = {"viewer": N_("Viewer"), "staff": N_("Staff"), "admin": N_("Issuer admin")}


# What the log's action codes mean, in words (the code is shown too, for searching).
AUDIT_ACTIONS = {
    "issuer.create": N_("Institution registered"),
    "issuer.update": N_("Institution details changed"),
    "key.create": N_("Signing key created"),
    "key.rotate": N_("Signing key rotated"),
    "key.compromised": N_("Signing key marked compromised"),
    "apikey.create": N_("API key created"),
    "apikey.revoke": N_("API key revoked"),
    "achievement.create": N_("Micro-credential defined"),
    "credential.issue": N_("Credential issued"),
    "credential.revoke": N_("Credential revoked"),
    "credential.suspend": N_("Credential suspended"),
    "credential.unsuspend": N_("Credential reinstated"),
    "credential.deliver": N_("Credential delivered to a wallet"),
    "exchange.create": N_("Wallet link made for the learner"),
    "credential.reissue": N_("Credential re-signed"),
    "bulk.create": N_("Bulk issuing started"),
    "image.logo.set": N_("Logo set"),
    "image.logo.remove": N_("Logo removed"),
    "image.badge.set": N_("Badge image set"),
    "image.badge.remove": N_("Badge image removed"),
    "share.enable": N_("Learner turned sharing on"),
    "share.disable": N_("Learner turned sharing off"),
    "share.search-engines.allow": N_("Learner allowed search engines"),
    "share.search-engines.refuse": N_("Learner refused search engines"),
    "staff.role": N_("Role changed"),
    "staff.create": N_("Console account created"),
    "staff.invite": N_("Invitation link made"),
    "achievement.revise": N_("Micro-credential edited (new version)"),
    "achievement.retire": N_("Micro-credential retired"),
    "cohort.draft": N_("Cohort file uploaded"),
    "cohort.confirm": N_("Cohort confirmed for issuing"),
    "cohort.cancel": N_("Cohort upload deleted"),
    "mail.queue": N_("E-mail to the learner queued"),
    "issuer.mail-texts": N_("E-mail texts changed"),
    "issuer.sso-settings": N_("Single sign-on settings changed"),
}
# Europass EDC conformance (SHACL, app.elements.shacl): what kind of rule a result broke, by
# the SHACL constraint component, in plain words; pyshacl's own (English) message follows it.
SHACL_RULES = {
    "MinCount": N_("%(property)s is missing"),
    "MaxCount": N_("%(property)s is given more often than allowed"),
    "Datatype": N_("%(property)s has a value of the wrong kind"),
    "NodeKind": N_("%(property)s has a value of the wrong kind"),
    "Class": N_("%(property)s is not of the type the profile requires"),
    "In": N_("%(property)s is not one of the allowed values"),
    "HasValue": N_("%(property)s does not have the required value"),
    "Node": N_("%(property)s is incomplete or not as the profile describes it"),
    "QualifiedValueShape": N_("%(property)s is incomplete or not as the profile describes it"),
    "Pattern": N_("%(property)s is not written as the profile requires"),
    "MinLength": N_("%(property)s is not written as the profile requires"),
    "MaxLength": N_("%(property)s is not written as the profile requires"),
}
SHACL_RULE_OTHER = N_("%(property)s breaks a rule of the profile")
SHACL_ERRORS = {
    "unreadable-jsonld": N_("its JSON-LD could not be read"),
    "unreadable-rdf": N_("its data could not be read as RDF"),
    "shacl-engine": N_("the SHACL validator could not process it"),
}
