#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY PostgreSQL database:
#   createdb shop_restored
#   deploy/restore.sh /var/backups/shop/shop-20260101T030000Z.dump postgresql://shop@127.0.0.1/shop_restored
# Then point DATABASE_URL at it and run `flask --app wsgi db upgrade` (a no-op when the
# code is the same version) before starting the shop. Tested in CI (tests/production/test_backup.py).
set -euo pipefail
dump="${1:?the .dump file made by backup.sh}"
url="${2:?the URL of an empty database to restore into}"
url="postgresql://${url#*://}"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$url" "$dump"
echo "restored $dump"
