#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (the image runs
# /docker-entrypoint-initdb.d/*). Two roles (docs/database-roles.md):
#   plankeeper_owner  owns the database and every table; `manage.py migrate` runs as it
#   plankeeper_app    what web, worker and beat run as; `migrate` grants it its privileges,
#                     the audit trail only SELECT and INSERT
# Neither is a superuser; the superuser (POSTGRES_USER) is for the operator alone.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v db="$POSTGRES_DB" \
     -v owner_pw="$PLANKEEPER_OWNER_DB_PASSWORD" -v app_pw="$PLANKEEPER_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE plankeeper_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
CREATE ROLE plankeeper_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO plankeeper_owner;
ALTER SCHEMA public OWNER TO plankeeper_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO plankeeper_app;
SQL
