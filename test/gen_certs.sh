#!/usr/bin/env bash
# Makes the test PKI into OUTDIR (see the list at the bottom). Nothing here is
# committed; test/CMakeLists.txt runs this as the ctest fixture `gen_certs`.
# Usage: gen_certs.sh OUTDIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
command -v openssl >/dev/null || { echo "gen_certs.sh: openssl not found" >&2; exit 1; }

# Regenerate everything every time: partial output from an interrupted run must
# not survive, and fresh validity periods keep the "valid" certificates valid.
work=$(mktemp -d "${TMPDIR:-/tmp}/mtls-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

key_ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -out "$1.key" 2>/dev/null; }
key_rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null; }

# Self-signed root: self_root NAME CN
self_root() {
    key_ec "$1" P-256
    openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 3650 -sha256 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash"
}

# Extension sections for leaf and intermediate certificates.
cat > ext.cnf <<'EOF'
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_wildcard]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_wrong_purpose]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[intermediate]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# Sections for the certificate-check tests (certificate_checks_test.cpp).
cat >> ext.cnf <<'EOF'
[server_no_digital_signature]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[client_no_digital_signature]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
extendedKeyUsage = clientAuth
[server_wildcard_tld]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.test,DNS:*..test
[server_partial_wildcard]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:f*.example.test
[server_san_other]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.test
[server_ipv6]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:7f00:1::,IP:::1
[ca_unlimited]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# Leaf or intermediate signed by an existing CA: issue NAME CA SECTION CN
issue() {
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$4"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
        -out "$1.pem" -days 825 -sha256 -extfile ext.cnf -extensions "$3" 2>/dev/null
}

# Like issue, but with a validity period entirely in the past. `x509 -req`
# cannot backdate, so this uses `openssl ca` with a throwaway database.
issue_expired() {
    mkdir -p ca-db
    : > ca-db/index.txt
    cat > ca-db/ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
    openssl rand -hex 16 > ca-db/serial
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$4"
    openssl ca -batch -notext -config ca-db/ca.cnf -cert "$2.pem" -keyfile "$2.key" \
        -startdate 20200101000000Z -enddate 20210101000000Z \
        -extfile ext.cnf -extensions "$3" -in "$1.csr" -out "$1.pem" 2>/dev/null
}

self_root ca "mtls test CA"
self_root other-ca "mtls untrusted CA"

key_ec server-ecdsa P-256;  issue server-ecdsa ca server localhost
key_rsa server-rsa;         issue server-rsa ca server localhost
key_ec server-p384 P-384;   issue server-p384 ca server localhost
key_ec client-ecdsa P-256;  issue client-ecdsa ca client "mtls test client"
key_ec client-p384 P-384;   issue client-p384 ca client "mtls test client"
key_rsa client-rsa;         issue client-rsa ca client "mtls test client"

key_ec client-untrusted P-256; issue client-untrusted other-ca client "mtls untrusted client"
key_ec server-untrusted P-256; issue server-untrusted other-ca server localhost

key_ec server-expired P-256; issue_expired server-expired ca server localhost
key_ec client-expired P-256; issue_expired client-expired ca client "mtls expired client"

key_ec client-wrong-purpose P-256
issue client-wrong-purpose ca client_wrong_purpose "mtls wrong purpose client"

# Traditional PEM encryption: mbedTLS 2.28 cannot decrypt AES-encrypted PKCS#8.
openssl ec -aes256 -passout pass:secret \
    -in client-ecdsa.key -out client-ecdsa-encrypted.key

key_ec intermediate-ca P-256; issue intermediate-ca ca intermediate "mtls test intermediate CA"
key_ec server-chain-leaf P-256; issue server-chain-leaf intermediate-ca server localhost
cat server-chain-leaf.pem intermediate-ca.pem > server-chain.pem
cp server-chain-leaf.key server-chain.key

key_ec server-wildcard P-256; issue server-wildcard ca server_wildcard "*.example.test"

# Certificate checks: keyUsage without digitalSignature, host name rules.
key_ec server-no-digital-signature P-256
issue server-no-digital-signature ca server_no_digital_signature localhost
key_ec client-no-digital-signature P-256
issue client-no-digital-signature ca client_no_digital_signature "mtls no digitalSignature client"
key_ec server-wildcard-tld P-256; issue server-wildcard-tld ca server_wildcard_tld "*.test"
key_ec server-partial-wildcard P-256
issue server-partial-wildcard ca server_partial_wildcard "f*.example.test"
key_ec server-san-other P-256; issue server-san-other ca server_san_other localhost
key_ec server-ipv6 P-256; issue server-ipv6 ca server_ipv6 "mtls ipv6 server"

# Chain depth: depth-ca0 (root) signs depth-ca1, ..., depth-ca8 signs the
# leaves. Trusting depth-caK leaves 8 - K intermediates between leaf and anchor.
self_root depth-ca0 "mtls depth CA 0"
for i in 1 2 3 4 5 6 7 8; do
    key_ec "depth-ca$i" P-256; issue "depth-ca$i" "depth-ca$((i - 1))" ca_unlimited "mtls depth CA $i"
done
key_ec depth-server P-256; issue depth-server depth-ca8 server localhost
key_ec depth-client P-256; issue depth-client depth-ca8 client "mtls depth client"

openssl x509 -in ca.pem -outform DER -out ca.der
openssl x509 -in client-ecdsa.pem -outform DER -out client-ecdsa.der
openssl pkcs8 -topk8 -nocrypt -in client-ecdsa.key -outform DER -out client-ecdsa.key.der

# Revocation (engine_crl_test.cpp): `openssl ca` databases for ca and
# intermediate-ca, certificates they revoke, and CRLs. int-crl lists
# client-revoked and server-revoked; ca-crl lists crl-intermediate, which
# issued client-under-revoked; the -empty CRLs list nothing; the expired and
# future CRLs (intermediate-ca's, listing nothing) are outside their validity;
# int-crl-forged names intermediate-ca as its issuer but another key signed it.
crl_db() { # crl_db DIR: a fresh `openssl ca` database and config
    mkdir -p "$1"
    : > "$1/index.txt"
    openssl rand -hex 16 > "$1/serial"
    echo 01 > "$1/crlnumber"
    printf '%s\n' '[ca]' 'default_ca = crl_ca' '[crl_ca]' "database = $1/index.txt" \
        "new_certs_dir = $1" "serial = $1/serial" "crlnumber = $1/crlnumber" 'default_md = sha256' \
        'default_days = 825' 'default_crl_days = 30' 'policy = any' 'unique_subject = no' \
        'copy_extensions = none' '[any]' 'commonName = supplied' > "$1/ca.cnf"
}
crl_issue() { # crl_issue NAME DB CA SECTION CN
    key_ec "$1" P-256
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$5"
    openssl ca -batch -notext -config "$2/ca.cnf" -cert "$3.pem" -keyfile "$3.key" \
        -extfile ext.cnf -extensions "$4" -in "$1.csr" -out "$1.pem" 2>/dev/null
}
crl_gen() { # crl_gen DB CA OUT [openssl ca options]
    openssl ca -batch -config "$1/ca.cnf" -cert "$2.pem" -keyfile "$2.key" -gencrl -out "$3" "${@:4}" 2>/dev/null
}
crl_revoke() { # crl_revoke DB CA CERT [openssl ca options]
    openssl ca -batch -config "$1/ca.cnf" -cert "$2.pem" -keyfile "$2.key" -revoke "$3.pem" "${@:4}" 2>/dev/null
}
crl_db crl-ca-db
crl_db crl-int-db
crl_issue client-revoked crl-int-db intermediate-ca client "mtls revoked client"
crl_issue client-crl-ok crl-int-db intermediate-ca client "mtls not revoked client"
crl_issue server-revoked crl-int-db intermediate-ca server localhost
crl_issue crl-intermediate crl-ca-db ca intermediate "mtls revoked intermediate CA"
crl_issue client-under-revoked crl-ca-db crl-intermediate client "mtls client of a revoked CA"
crl_gen crl-int-db intermediate-ca int-crl-empty.pem
crl_gen crl-ca-db ca ca-crl-empty.pem
crl_gen crl-int-db intermediate-ca int-crl-expired.pem -crl_lastupdate 20200101000000Z -crl_nextupdate 20210101000000Z
crl_gen crl-int-db intermediate-ca int-crl-future.pem -crl_lastupdate 20400101000000Z -crl_nextupdate 20400201000000Z
crl_revoke crl-int-db intermediate-ca client-revoked -crl_reason keyCompromise
crl_revoke crl-int-db intermediate-ca server-revoked
crl_revoke crl-ca-db ca crl-intermediate
crl_gen crl-int-db intermediate-ca int-crl.pem
crl_gen crl-ca-db ca ca-crl.pem
openssl crl -in int-crl.pem -outform DER -out int-crl.der
key_ec crl-forger P-256
openssl req -new -x509 -key crl-forger.key -out crl-forger.pem -days 30 -sha256 \
    -subj "/CN=mtls test intermediate CA" -addext "keyUsage=critical,keyCertSign,cRLSign"
crl_gen crl-int-db crl-forger int-crl-forged.pem
for leaf in client-revoked client-crl-ok server-revoked; do
    cat "$leaf.pem" intermediate-ca.pem > "$leaf-chain.pem"
    cp "$leaf.key" "$leaf-chain.key"
done
cat client-under-revoked.pem crl-intermediate.pem > client-under-revoked-chain.pem
cp client-under-revoked.key client-under-revoked-chain.key

files=(
    ca.pem ca.key other-ca.pem other-ca.key
    server-ecdsa.pem server-ecdsa.key server-rsa.pem server-rsa.key
    server-p384.pem server-p384.key
    client-ecdsa.pem client-ecdsa.key client-rsa.pem client-rsa.key client-p384.pem client-p384.key
    client-untrusted.pem client-untrusted.key server-untrusted.pem server-untrusted.key
    server-expired.pem server-expired.key client-expired.pem client-expired.key
    client-wrong-purpose.pem client-wrong-purpose.key client-ecdsa-encrypted.key
    intermediate-ca.pem intermediate-ca.key server-chain.pem server-chain.key
    server-wildcard.pem server-wildcard.key
    ca.der client-ecdsa.der client-ecdsa.key.der
)
files+=(
    server-no-digital-signature.pem server-no-digital-signature.key
    client-no-digital-signature.pem client-no-digital-signature.key
    server-wildcard-tld.pem server-wildcard-tld.key
    server-partial-wildcard.pem server-partial-wildcard.key
    server-san-other.pem server-san-other.key server-ipv6.pem server-ipv6.key
    depth-ca0.pem depth-ca1.pem depth-ca2.pem depth-ca3.pem depth-ca4.pem
    depth-ca5.pem depth-ca6.pem depth-ca7.pem depth-ca8.pem
    depth-server.pem depth-server.key depth-client.pem depth-client.key
)
files+=(
    client-revoked-chain.pem client-revoked-chain.key client-crl-ok-chain.pem client-crl-ok-chain.key
    server-revoked-chain.pem server-revoked-chain.key
    client-under-revoked-chain.pem client-under-revoked-chain.key
    int-crl.pem int-crl.der int-crl-empty.pem ca-crl.pem ca-crl-empty.pem
    int-crl-expired.pem int-crl-future.pem int-crl-forged.pem
)
# Peer identity (engine_identity_test, certificate_info_test,
# interop/client_uri_s_client.sh): client certificates with SPIFFE URI SANs,
# and one with every kind of name, a serial with the high bit set (DER adds a
# zero byte) and a two-RDN subject, whose fingerprint, serial and validity
# OpenSSL reports into client-identity.openssl.txt for the test to compare.
cat >> ext.cnf <<'EOF'
[client_spiffe_billing]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = URI:spiffe://example.org/ns/prod/sa/billing
[client_spiffe_web]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = URI:spiffe://example.org/ns/prod/sa/web
[client_identity]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:identity.example.test,IP:192.0.2.7,email:billing@example.test,URI:spiffe://example.org/ns/prod/sa/billing,IP:2001:0db8:0:0::1,DNS:*.identity.example.test,URI:https://example.test/a
EOF
key_ec client-spiffe-billing P-256
issue client-spiffe-billing ca client_spiffe_billing "mtls billing client"
key_ec client-spiffe-web P-256; issue client-spiffe-web ca client_spiffe_web "mtls web client"
key_ec client-identity P-256
openssl req -new -key client-identity.key -out client-identity.csr -subj "/O=mtls test/CN=mtls identity client"
openssl x509 -req -in client-identity.csr -CA ca.pem -CAkey ca.key -set_serial 0x80a1b2c3d4e5f60718293a4b \
    -out client-identity.pem -days 825 -sha256 -extfile ext.cnf -extensions client_identity 2>/dev/null
openssl x509 -in client-identity.pem -outform DER -out client-identity.der
{
    openssl x509 -in client-identity.pem -noout -fingerprint -sha256 -serial
    for field in startdate enddate; do
        when=$(openssl x509 -in client-identity.pem -noout "-$field" | cut -d= -f2)
        echo "$field=$(date -u -d "$when" +%s)"
    done
} > client-identity.openssl.txt
# A negative serial (RFC 5280 forbids it; OpenSSL prints "-" and the magnitude).
openssl x509 -req -in client-identity.csr -CA ca.pem -CAkey ca.key -set_serial -0x0180 \
    -out client-negative-serial.pem -days 825 -sha256 2>/dev/null
openssl x509 -in client-negative-serial.pem -outform DER -out client-negative-serial.der
openssl x509 -in client-negative-serial.pem -noout -serial > client-negative-serial.openssl.txt
# Validity beyond what std::chrono::system_clock holds: 1600 to 9999 (RFC
# 5280 §4.1.2.5's "no expiry"); `x509 -req` cannot set dates, `openssl ca` can.
mkdir -p identity-ca-db
: > identity-ca-db/index.txt
openssl rand -hex 16 > identity-ca-db/serial
printf '%s\n' '[ca]' 'default_ca = identity_ca' '[identity_ca]' 'database = identity-ca-db/index.txt' \
    'new_certs_dir = identity-ca-db' 'serial = identity-ca-db/serial' 'default_md = sha256' 'policy = any' \
    'unique_subject = no' '[any]' 'commonName = supplied' > identity-ca-db/ca.cnf
openssl ca -batch -notext -config identity-ca-db/ca.cnf -cert ca.pem -keyfile ca.key \
    -startdate 16000101000000Z -enddate 99991231235959Z -in client-identity.csr -out client-forever.pem 2>/dev/null
openssl x509 -in client-forever.pem -outform DER -out client-forever.der
# parse_certificate_info's limits: 1024 names pass, 1025 do not, nor 65 URIs
# of about 1 KiB (over 64 KiB together).
names_cert() {
    printf '[names]\nsubjectAltName = %s\n' "$2" > "$1.cnf"
    openssl x509 -req -in client-identity.csr -CA ca.pem -CAkey ca.key -set_serial 1 \
        -out "$1.pem" -days 825 -sha256 -extfile "$1.cnf" -extensions names 2>/dev/null
    openssl x509 -in "$1.pem" -outform DER -out "$1.der"
}
names_cert names-1024 "$(seq -f 'DNS:n%g.test' -s , 1024)"
names_cert names-1025 "$(seq -f 'DNS:n%g.test' -s , 1025)"
long_path=$(head -c 996 /dev/zero | tr '\0' a)
names_cert names-64k "$(seq -f "URI:https://e.test/%04g$long_path" -s , 65)"
files+=(
    client-spiffe-billing.pem client-spiffe-billing.key client-spiffe-web.pem client-spiffe-web.key
    client-identity.pem client-identity.key client-identity.der client-identity.openssl.txt
    client-negative-serial.der client-negative-serial.openssl.txt
    client-forever.der names-1024.der names-1025.der names-64k.der
)
chmod 600 ./*.key ./*.key.der
cp "${files[@]}" "$out/"

# ---- Encrypted private keys (context_keys_test.cpp) ------------------------
# OpenSSL 3 writes PKCS#8 with PBES2 (RFC 8018 §6.2): AES-CBC and, unless told
# otherwise, HMAC-SHA256. Password "mtls key pw" for all of them. The pkcs8
# ones re-encrypt server-ecdsa.key so that they match server-ecdsa.pem.
pw=pass:'mtls key pw'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass "$pw" -out pbes2-genpkey-aes256.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes128 -pass "$pw" -out pbes2-genpkey-aes128.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-192-cbc -pass "$pw" \
    -out pbes2-genpkey-rsa-aes192.key 2>/dev/null
encrypt() { openssl pkcs8 -topk8 -in server-ecdsa.key -passout "$pw" -out "$1" "${@:2}"; }
encrypt pbes2-sha1-aes128.key -v2 aes-128-cbc -v2prf hmacWithSHA1
encrypt pbes2-sha256-aes256.key -v2 aes-256-cbc
encrypt pbes2-sha256-aes256.key.der -v2 aes-256-cbc -outform DER
for prf in SHA224 SHA384 SHA512; do encrypt "pbes2-$prf-aes192.key" -v2 aes-192-cbc -v2prf "hmacWith$prf"; done
encrypt pbes2-sha256-des3.key -v2 des3
encrypt pbes2-camellia.key -v2 camellia-256-cbc
encrypt pkcs12-3des.key -v1 PBE-SHA1-3DES
encrypted_keys=(pbes2-genpkey-aes256.key pbes2-genpkey-aes128.key pbes2-genpkey-rsa-aes192.key
    pbes2-sha1-aes128.key pbes2-sha256-aes256.key pbes2-sha256-aes256.key.der pbes2-SHA224-aes192.key
    pbes2-SHA384-aes192.key pbes2-SHA512-aes192.key pbes2-sha256-des3.key pbes2-camellia.key pkcs12-3des.key)
chmod 600 "${encrypted_keys[@]}"
cp "${encrypted_keys[@]}" "$out/"

# ---- Provider signatures (crypto_provider_pki_test.cpp) --------------------
# The test keys as DER in each form a provider loads (SEC1 or PKCS#1, and
# PKCS#8) and their SubjectPublicKeyInfo; RSA-PSS signatures of one message
# with the salt length TLS requires (the digest's) and another one; an RSA CA
# signing a leaf with PKCS#1 v1.5 and one with RSA-PSS.
provider_files=()
for k in server-ecdsa server-p384 server-rsa client-rsa client-ecdsa; do
    openssl pkey -in "$k.key" -traditional -outform DER -out "$k.trad.der"
    openssl pkcs8 -topk8 -nocrypt -in "$k.key" -outform DER -out "$k.pk8.der"
    openssl pkey -in "$k.key" -pubout -outform DER -out "$k.spki.der"
    provider_files+=("$k.trad.der" "$k.pk8.der" "$k.spki.der")
done
printf 'mtls provider PSS message' > pss.msg
for salt in 32 20; do
    openssl dgst -sha256 -sign server-rsa.key -sigopt rsa_padding_mode:pss -sigopt rsa_mgf1_md:sha256 \
        -sigopt rsa_pss_saltlen:$salt -out "server-rsa.pss-salt$salt.sig" pss.msg
    provider_files+=("server-rsa.pss-salt$salt.sig")
done
key_rsa rsa-ca
openssl req -new -x509 -key rsa-ca.key -out rsa-ca.pem -days 3650 -sha256 -subj "/CN=mtls RSA CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
key_ec server-rsa-ca-pkcs1 P-256; issue server-rsa-ca-pkcs1 rsa-ca server localhost
key_ec server-rsa-ca-pss P-256
openssl req -new -key server-rsa-ca-pss.key -out server-rsa-ca-pss.csr -subj "/CN=localhost"
openssl x509 -req -in server-rsa-ca-pss.csr -CA rsa-ca.pem -CAkey rsa-ca.key -CAcreateserial \
    -out server-rsa-ca-pss.pem -days 825 -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    -extfile ext.cnf -extensions server 2>/dev/null
# What the provider boundary does not name (SHA-224, P-521) stays mbedTLS's
# check with every provider: a SHA-224 signature by ca, a P-521 CA.
key_ec server-sha224 P-256
openssl req -new -key server-sha224.key -out server-sha224.csr -subj "/CN=localhost"
openssl x509 -req -in server-sha224.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server-sha224.pem \
    -days 825 -sha224 -extfile ext.cnf -extensions server 2>/dev/null
key_ec p521-ca P-521
openssl req -new -x509 -key p521-ca.key -out p521-ca.pem -days 3650 -sha512 -subj "/CN=mtls P-521 CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
key_ec server-p521-ca P-256; issue server-p521-ca p521-ca server localhost
openssl pkey -in p521-ca.key -pubout -outform DER -out p521-ca.spki.der
openssl pkcs8 -topk8 -nocrypt -in p521-ca.key -outform DER -out p521-ca.pk8.der
provider_files+=(rsa-ca.pem server-rsa-ca-pkcs1.pem server-rsa-ca-pss.pem server-sha224.pem
    p521-ca.pem p521-ca.spki.der p521-ca.pk8.der server-p521-ca.pem)
chmod 600 ./*.trad.der ./*.pk8.der
cp "${provider_files[@]}" "$out/"
