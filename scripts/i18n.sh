#!/usr/bin/env bash
# The web pages' message catalogues (api/web/i18n): extract every string from the Python code
# and the templates, merge it into each language's .po, and compile the .mo files that are
# committed (the server reads only those). Run after changing an interface string, then
# translate the new entries (tests/api/test_web_pages.py fails while one is untranslated).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
DIR=api/web/i18n
"$PYBABEL" --quiet extract -F "$DIR/babel.cfg" -k N_ -k tr:2 -k msg --no-location --sort-output \
    --project recognition-engine -o "$DIR/messages.pot" .
for po in "$DIR"/*/LC_MESSAGES/messages.po; do
    locale="$(basename "$(dirname "$(dirname "$po")")")"
    "$PYBABEL" --quiet update --no-fuzzy-matching --ignore-obsolete -l "$locale" -i "$DIR/messages.pot" -o "$po"
done
"$PYBABEL" compile --statistics -d "$DIR"
