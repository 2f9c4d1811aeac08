#!/bin/sh
# Rebuilds the embedded reputation snapshot (data/reputation.igrep) from the shared source data.
# Usage: scripts/build-snapshot.sh [SOURCE_DIR]   (default: ../shared/data next to the checkout)
# The snapshot is committed, so a fresh clone builds without the source data; run this only
# when the source data changes. Newer data reaches users through `installguard update`.
set -eu
cd "$(dirname "$0")/.."
src=${1:-../shared/data}
cargo run --quiet --release --bin installguard -- data build "$src" --out data/reputation.igrep
