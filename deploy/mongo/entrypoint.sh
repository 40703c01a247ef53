#!/usr/bin/env bash
# MongoDB for docker-compose: a one-node replica set with authentication on. With authentication, the members
# of a replica set must authenticate each other, with a shared key file; it is generated on the first start
# into the config volume and kept there. Then the image's own entrypoint runs: on an empty data directory it
# creates the root user (MONGO_INITDB_ROOT_*) and runs initdb/create-users.js before mongod starts for real.
set -euo pipefail
key=/data/configdb/replica-set.key
if [ ! -s "$key" ]; then
  head -c 756 /dev/urandom | base64 -w 0 > "$key"
fi
chown mongodb:mongodb "$key"
chmod 400 "$key"
exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile "$key"
