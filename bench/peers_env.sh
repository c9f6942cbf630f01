#!/usr/bin/env bash
# Bench-only virtualenv for the sentiment peers (oseti, asari): bench/.venv-peers.
#
#     bash bench/peers_env.sh
#
# Kept apart from the product's .venv because asari pins janome 0.4.2 and packaging 21.3; the
# product never imports these.  oseti needs IPADIC (ipadic) and mecab-python3 (whose MeCab/
# package shadows the `mecab` fork oseti pulls in).  asari's ONNX model builds an en_US.UTF-8
# locale, so that locale is generated here if missing.  Re-running installs nothing that is
# already importable.  A peer that fails to install is logged to
# bench/.venv-peers/install-<peer>.log and the other one is still installed.
set -uo pipefail
cd "$(dirname "$0")/.."  # the repo root: in bench/, bench/tokenize.py would shadow pip's tokenize
VENV=bench/.venv-peers
PY=${PYTHON:-python3}

if ! locale -a 2>/dev/null | grep -qiE '^en_US\.utf-?8$'; then
    command -v localedef >/dev/null || { apt-get update -qq && apt-get install -y -qq locales; }
    localedef -i en_US -f UTF-8 en_US.UTF-8 || echo "peers_env: could not generate en_US.UTF-8 (asari will fail)"
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" || { echo "peers_env: cannot create $VENV"; exit 1; }

install_peer() {  # install_peer NAME "import check" packages...
    local name=$1 check=$2; shift 2
    if "$VENV/bin/python" -c "$check" 2>/dev/null; then
        echo "peers_env: $name already installed"
        return
    fi
    echo "peers_env: installing $name ($*)"
    if "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" >"$VENV/install-$name.log" 2>&1 \
        && "$VENV/bin/python" -c "$check" >>"$VENV/install-$name.log" 2>&1; then
        rm -f "$VENV/install-$name.log"
    else
        echo "peers_env: $name FAILED to install; last lines of $VENV/install-$name.log:"
        tail -n 5 "$VENV/install-$name.log"
    fi
}

install_peer oseti "import oseti, ipadic, MeCab" oseti ipadic mecab-python3
install_peer asari "import asari.api" asari
exit 0
