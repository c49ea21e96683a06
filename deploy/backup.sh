#!/usr/bin/env bash
# Back up the shop's database into BACKUP_DIR (default /var/backups/shop), keeping
# BACKUP_KEEP_DAYS days (default 14). Run daily by shop-backup.timer; by hand:
#   set -a; . /etc/shop/shop.env; set +a; deploy/backup.sh
# PostgreSQL: pg_dump's custom format (restore with deploy/restore.sh). SQLite: a copy made
# with SQLite's online backup, safe while the shop runs.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL is not set}"
dir="${BACKUP_DIR:-/var/backups/shop}"
keep="${BACKUP_KEEP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir"
umask 077  # backups hold customers' names and addresses

case "$DATABASE_URL" in
  postgres://*|postgresql://*|postgresql+psycopg://*)
    url="postgresql://${DATABASE_URL#*://}"
    file="$dir/shop-$stamp.dump"
    pg_dump --format=custom --no-owner --no-privileges --file "$file.partial" "$url"
    ;;
  sqlite:///*)
    file="$dir/shop-$stamp.sqlite"
    python3 - "${DATABASE_URL#sqlite:///}" "$file.partial" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
PY
    ;;
  *) echo "backup.sh: unsupported DATABASE_URL" >&2; exit 2 ;;
esac
mv "$file.partial" "$file"  # a backup that is there is a whole one
find "$dir" -maxdepth 1 -name 'shop-*' -mtime +"$keep" -delete
echo "backup: $file"
