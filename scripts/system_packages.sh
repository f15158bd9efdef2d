#!/usr/bin/env bash
# The Debian/Ubuntu (apt) packages this project needs, in one place. Prints them on one line;
# with --install, installs those not yet installed (apt-get, through sudo unless root).
#   sudo apt-get install $(bash scripts/system_packages.sh)
#   bash scripts/system_packages.sh --install                           # what .ci/run does
#   bash scripts/system_packages.sh --install --client=mysql build server   # CI's tests job
#
# Groups, all of them unless some are named:
#   build    pkg-config and the client headers the mysqlclient driver compiles against:
#            --client=mariadb (the default) libmariadb-dev, Debian's;
#            --client=mysql libmysqlclient-dev, Ubuntu's (Oracle's MySQL client library)
#   server   mariadb-server: the throwaway server the tests start (pytest-mysql)
#   browser  chromium: the browser tests drive Debian's Chromium, not Playwright's download
#   fonts    fonts-noto-cjk: a Japanese font, as a Japanese reader's device has (without one,
#            Chromium draws boxes, and scripts/lighthouse.py would measure that layout work)
#   node     nodejs npm: the Markdown and Japanese linters (scripts/lint.sh). They need
#            Node.js 20 or newer, which Debian 12's nodejs (18) is not (.ci/run adds one)
set -euo pipefail

install=false
client=mariadb
groups=()
for arg in "$@"; do
    case $arg in
        --install) install=true ;;
        --client=mariadb | --client=mysql) client=${arg#--client=} ;;
        build | server | browser | fonts | node) groups+=("$arg") ;;
        *)
            echo "usage: bash scripts/system_packages.sh [--install] [--client=mariadb|mysql]" \
                "[build] [server] [browser] [fonts] [node]" >&2
            exit 2
            ;;
    esac
done
[ ${#groups[@]} -gt 0 ] || groups=(build server browser fonts node)
headers=libmariadb-dev
[ "$client" = mariadb ] || headers=libmysqlclient-dev

packages=()
for group in "${groups[@]}"; do
    case $group in
        build) packages+=(pkg-config "$headers") ;;
        server) packages+=(mariadb-server) ;;
        browser) packages+=(chromium) ;;
        fonts) packages+=(fonts-noto-cjk) ;;
        node) packages+=(nodejs npm) ;;
    esac
done

if ! "$install"; then
    echo "${packages[*]}"
    exit 0
fi
# Installed: by apt, or (Node.js, which is often installed otherwise) found on PATH.
installed() {
    case $1 in
        nodejs) command -v node >/dev/null && return ;;
        npm) command -v npm >/dev/null && return ;;
    esac
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=()
for pkg in "${packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0
echo "system_packages: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
