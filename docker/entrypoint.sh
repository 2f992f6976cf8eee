#!/bin/sh
# Makes sample data when the landing folder is empty (as bin/demo does), then runs the command.
set -e
if [ -z "$(ls -A "$HORROR_LAKE_LANDING" 2>/dev/null)" ]; then
    horror-lake sample --out "$HORROR_LAKE_LANDING"
fi
exec "$@"
