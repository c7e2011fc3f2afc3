#!/bin/sh
# Re-extract the page texts into app/web/locales/messages.pot and merge them into each
# language's messages.po (new texts arrive empty, changed ones marked fuzzy): then translate
# those entries. tests/web/test_catalogues.py fails while any is empty or fuzzy.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
LOCALES=app/web/locales
PYTHONPATH=. "$PYTHON" -m babel.messages.frontend extract -F babel.cfg \
  -k msg -k N_ -k NP_:1c,2 --add-comments=Translators: --add-location=file --sort-by-file \
  --project=mcred --version=0.1.0 --msgid-bugs-address="" --width=100 \
  -o "$LOCALES/messages.pot" app
# The languages are app/web/i18n.py LANGUAGES (English is the msgids themselves).
for lang in $(PYTHONPATH=. "$PYTHON" -c \
    "from app.web.i18n import LANGUAGES; print(*(l for l in LANGUAGES if l != 'en'))"); do
  if [ -f "$LOCALES/$lang/LC_MESSAGES/messages.po" ]; then
    "$PYTHON" -m babel.messages.frontend update -i "$LOCALES/messages.pot" -d "$LOCALES" \
      -l "$lang" --ignore-obsolete --width=100
  else
    "$PYTHON" -m babel.messages.frontend init -i "$LOCALES/messages.pot" -d "$LOCALES" \
      -l "$lang" --width=100
  fi
done
