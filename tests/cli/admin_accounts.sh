#!/usr/bin/env bash
# `sealgate admin user` and `sealgate admin token`: accounts and API tokens of the admin
# listener, made on the command line. Passwords come from the first line of stdin or of
# --password-file and are refused when empty or shorter than 8 characters; the store keeps an
# Argon2id hash, never the password; a token is printed once, as the only word of 32 or more
# characters, and the store keeps its SHA-256 only; every change is in the audit log.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
A init > /dev/null

# --- accounts --------------------------------------------------------------------------------
expect "user add reads the password from stdin" \
    sh -c "printf 'correct horse battery\n' | '$SEALGATE' --store '$W/a.db' admin user add alice --role admin > add.out"
expect "user add says what it did" grep -qx "added admin account alice (admin)" add.out
printf 'a viewer password\r\nsecond line is ignored\n' > pw.txt
expect "user add --password-file" A admin user add victor --role viewer --password-file pw.txt
expect "user list shows both with their roles" \
    sh -c "'$SEALGATE' --store '$W/a.db' admin user list > list.out && grep -Eq '^alice +admin ' list.out && grep -Eq '^victor +viewer ' list.out"
expect_not "an empty password is refused" sh -c "printf '\n' | '$SEALGATE' --store '$W/a.db' admin user add empty --role admin 2> empty.err"
expect "  with a reason" grep -q "password is empty" empty.err
expect_not "a short password is refused" sh -c "printf '1234567\n' | '$SEALGATE' --store '$W/a.db' admin user add short --role admin 2> short.err"
expect "  with a reason" grep -q "shorter than 8" short.err
expect_not "an unknown role is refused" sh -c "printf 'long enough pw\n' | '$SEALGATE' --store '$W/a.db' admin user add r --role root"
expect_not "a bad name is refused" sh -c "printf 'long enough pw\n' | '$SEALGATE' --store '$W/a.db' admin user add 'bad name' --role admin"
expect_not "an existing name is refused" sh -c "printf 'long enough pw\n' | '$SEALGATE' --store '$W/a.db' admin user add alice --role viewer"
expect "none of the refused accounts exists" test "$(A admin user list | wc -l)" -eq 2
expect "the store holds an Argon2id hash, not the password" \
    sh -c "sqlite3 '$W/a.db' .dump | grep -q 'argon2id' && ! sqlite3 '$W/a.db' .dump | grep -q 'correct horse battery'"
expect "user passwd" sh -c "printf 'another long one\n' | '$SEALGATE' --store '$W/a.db' admin user passwd alice > passwd.out"
expect "  says so" grep -qx "changed the password of alice" passwd.out
expect_not "user passwd of nobody" sh -c "printf 'another long one\n' | '$SEALGATE' --store '$W/a.db' admin user passwd nobody"
expect "user remove" A admin user remove victor
expect_not "user remove of nobody" A admin user remove victor
expect "the list is one shorter" test "$(A admin user list | wc -l)" -eq 1

# --- tokens ----------------------------------------------------------------------------------
expect "token create" sh -c "'$SEALGATE' --store '$W/a.db' admin token create --name deploy --role admin > token.out"
TOKEN=$(head -1 token.out)
long_words() { tr -s ' \t' '\n\n' < "$1" | grep -Ec '^[^[:space:]]{32,}$'; }
expect "the token is one word of 32 or more characters, alone on its line" \
    test "$(head -1 token.out | wc -w)" -eq 1 -a "${#TOKEN}" -ge 32
expect "it is the only such word in the output" test "$(long_words token.out)" -eq 1
expect "the output says it is shown once" grep -q "shown once" token.out
expect "the store keeps only its SHA-256" \
    sh -c "! sqlite3 '$W/a.db' .dump | grep -qF -e '$TOKEN' && sqlite3 '$W/a.db' .dump | grep -q \"\$(printf %s '$TOKEN' | sha256sum | cut -c1-64)\""
expect "a second token differs" sh -c "'$SEALGATE' --store '$W/a.db' admin token create --name ro --role viewer > token2.out && [ \"\$(head -1 token2.out)\" != '$TOKEN' ]"
expect_not "a token name twice is refused" A admin token create --name deploy --role viewer
expect "token list shows both" \
    sh -c "'$SEALGATE' --store '$W/a.db' admin token list > tlist.out && grep -Eq '^deploy +admin .*last used never' tlist.out && grep -Eq '^ro +viewer ' tlist.out"
expect "token list never shows a token" test "$(grep -cF -e "$TOKEN" tlist.out)" -eq 0
expect "token revoke" A admin token revoke deploy
expect_not "token revoke of nothing" A admin token revoke deploy
expect "one token left" test "$(A admin token list | wc -l)" -eq 1

# --- the audit log ---------------------------------------------------------------------------
ME="cli:$(id -un)"
A audit > audit.out
expect "the changes are in the audit log, by the CLI user" \
    sh -c "grep -Eq ' $ME account.add alice: role admin$' audit.out && grep -q ' $ME account.remove victor' audit.out && grep -q ' $ME account.password alice' audit.out && grep -q ' $ME token.create deploy' audit.out && grep -q ' $ME token.revoke deploy' audit.out"
expect "refused changes are not" test "$(grep -c 'short\|empty\|nobody' audit.out)" -eq 0

finish
