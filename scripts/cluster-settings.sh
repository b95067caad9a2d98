# Sourced by scripts/backup and scripts/restore: with a cluster running from
# this checkout (scripts/cluster; NEWSROOM_CLUSTER_DIR, default var/cluster),
# take its settings (database, object store, media folder), so a backup of
# the cluster holds its database and both buckets. Refuses when the cluster
# that holds the media in its object store is not running: a backup without
# its media would look complete and not be.
adopt_cluster_settings() {
    local here="$1" what="$2" line
    local cluster_dir="${NEWSROOM_CLUSTER_DIR:-$here/var/cluster}"
    if NEWSROOM_CLUSTER_DIR="$cluster_dir" "$here/scripts/cluster" running; then
        while IFS= read -r line; do
            [ -n "$line" ] && export "${line?}"
        done < <(NEWSROOM_CLUSTER_DIR="$cluster_dir" "$here/scripts/cluster" env)
        echo "Using the running cluster's settings ($cluster_dir/cluster.env)" >&2
    elif [ -z "${NEWSROOM_S3_ENDPOINT_URL:-}" ] && [ -s "$cluster_dir/cluster.env" ] \
            && grep -q '^NEWSROOM_CLUSTER_OWN_OBJECTSTORE=1' "$cluster_dir/cluster.env"; then
        echo "error: the cluster in $cluster_dir keeps its media in its object store," \
             "which is not running: nothing to $what them from or into. Start it" \
             "(scripts/cluster start), then run this again." >&2
        exit 1
    fi
}
