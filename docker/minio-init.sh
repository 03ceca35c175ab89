#!/bin/sh
# One-shot set-up of MinIO for docker/compose.yaml (the minio-init service). It is idempotent, so it runs
# on every `docker compose up`:
#   1. the bundle bucket (STORAGE_S3_BUCKET);
#   2. a policy that allows everything on that bucket and nothing else;
#   3. the services' access key (STORAGE_S3_ACCESS_KEY / STORAGE_S3_SECRET_KEY) with that policy, so the
#      API and the Runner never hold the MinIO root credentials.
# Browser CORS is not set here: MinIO has no per-bucket CORS; the minio service's
# MINIO_API_CORS_ALLOW_ORIGIN allows the console's origin.
# The minio/mc image is minimal, so this script uses only shell built-ins and mc.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${STORAGE_S3_BUCKET:?}"
: "${STORAGE_S3_ACCESS_KEY:?}" "${STORAGE_S3_SECRET_KEY:?}"
endpoint="${MINIO_ENDPOINT:-http://minio:9000}"
policy_name=extplat-bundle-store
policy_file=/tmp/$policy_name.json

mc alias set local "$endpoint" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$STORAGE_S3_BUCKET"

if [ "$STORAGE_S3_ACCESS_KEY" = "$MINIO_ROOT_USER" ]; then
  echo "minio-init: STORAGE_S3_ACCESS_KEY is the root user; no separate services user is created"
  exit 0
fi

printf '%s\n' \
  '{' \
  '  "Version": "2012-10-17",' \
  '  "Statement": [' \
  '    {' \
  '      "Effect": "Allow",' \
  '      "Action": ["s3:*"],' \
  "      \"Resource\": [\"arn:aws:s3:::$STORAGE_S3_BUCKET\", \"arn:aws:s3:::$STORAGE_S3_BUCKET/*\"]" \
  '    }' \
  '  ]' \
  '}' >"$policy_file"

# Both commands replace what exists: the policy text, and the user's secret key.
mc admin policy create local "$policy_name" "$policy_file"
mc admin user add local "$STORAGE_S3_ACCESS_KEY" "$STORAGE_S3_SECRET_KEY"

# Older mc releases fail when the policy is already attached; that case is success here.
if ! output=$(mc admin policy attach local "$policy_name" --user "$STORAGE_S3_ACCESS_KEY" 2>&1); then
  case "$output" in
    *"already in effect"*) ;;
    *)
      echo "$output" >&2
      exit 1
      ;;
  esac
fi

echo "minio-init: bucket $STORAGE_S3_BUCKET and user $STORAGE_S3_ACCESS_KEY are ready"
