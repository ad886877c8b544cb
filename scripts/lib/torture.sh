# Shared by the torture scripts: parses [--kills K] [--docs N] [--seed S] and runs the long form
# of a torture test (release build), which reads them from the environment.
#
#   torture_long TEST_FILE TEST_NAME DEFAULT_KILLS DEFAULT_DOCS SERVICES "$@"
#   (SERVICES: "services" when the test needs PostgreSQL and a current nats-server, else "")
torture_long() {
    local test_file="$1" test_name="$2" kills="$3" docs="$4" services="$5" seed=1
    shift 5
    while [ $# -gt 0 ]; do
        case "$1" in
            --kills) kills="$2"; shift 2 ;;
            --docs) docs="$2"; shift 2 ;;
            --seed) seed="$2"; shift 2 ;;
            *) echo "usage: $0 [--kills K] [--docs N] [--seed S]" >&2; exit 2 ;;
        esac
    done
    if [ -n "$services" ]; then
        scripts/test-services.sh >/dev/null
        export NEWSMILL_REQUIRE_SERVICES=1
    fi
    NEWSMILL_TORTURE_KILLS="$kills" NEWSMILL_TORTURE_DOCS="$docs" NEWSMILL_TORTURE_SEED="$seed" \
        cargo test --release --test "$test_file" -- --ignored --nocapture --exact "$test_name"
}
