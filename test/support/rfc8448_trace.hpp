#ifndef MTLS_TEST_SUPPORT_RFC8448_TRACE_HPP
#define MTLS_TEST_SUPPORT_RFC8448_TRACE_HPP

// RFC 8448 §3 "Simple 1-RTT Handshake", every value the test uses, copied
// from /work/shared/specs/rfc8448.txt by a script (hex reflowed, nothing
// recomputed). Names follow the trace's steps; each comment quotes the step.
// Plus, from §2, the server's RSA key (encoded as DER on demand), and the
// server's certificate taken out of the trace's Certificate message.

#include "support/hex.hpp"

namespace rfc8448 {

// RFC 8448 §3: {client} create an ephemeral x25519 key pair
inline const byte_vec client_private = hex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005"); // 32 octets
inline const byte_vec client_public = hex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"); // 32 octets

// {client} construct a ClientHello handshake message
inline const byte_vec client_hello = hex( // 196 octets
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef"
    "6283024dece7000006130113031302010000910000000b000900000673657276"
    "6572ff01000100000a00140012001d0017001800190100010101020103010400"
    "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e"
    "51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603"
    "020308040805080604010501060102010402050206020202002d00020101001c"
    "00024001");
inline const byte_vec client_random = hex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"); // 32 octets

// {client} send handshake record: complete record
inline const byte_vec client_hello_record = hex( // 201 octets
    "16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d99"
    "12ec18a2ef6283024dece7000006130113031302010000910000000b00090000"
    "06736572766572ff01000100000a00140012001d001700180019010001010102"
    "0103010400230000003300260024001d002099381de560e4bd43d23d8e435a7d"
    "bafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04"
    "0305030603020308040805080604010501060102010402050206020202002d00"
    "020101001c00024001");

// {server} extract secret "early"
inline const byte_vec early_secret = hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"); // 32 octets

// {server} create an ephemeral x25519 key pair
inline const byte_vec server_private = hex("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e"); // 32 octets
inline const byte_vec server_public = hex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"); // 32 octets

// {server} construct a ServerHello handshake message
inline const byte_vec server_hello = hex( // 90 octets
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155"
    "772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb"
    "f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304");
inline const byte_vec server_random = hex("a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928"); // 32 octets

// {server} derive secret for handshake "tls13 derived": hash of the empty string, expanded
inline const byte_vec empty_hash = hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); // 32 octets
inline const byte_vec derived_for_handshake = hex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"); // 32 octets

// {server} extract secret "handshake": IKM is the X25519 shared secret
inline const byte_vec ecdhe_shared = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"); // 32 octets
inline const byte_vec handshake_secret = hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"); // 32 octets

// {server} derive secret "tls13 c hs traffic" / "tls13 s hs traffic": hash = Transcript-Hash(ClientHello, ServerHello)
inline const byte_vec hash_ch_sh = hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"); // 32 octets
inline const byte_vec client_hs_traffic = hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"); // 32 octets
inline const byte_vec server_hs_traffic = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"); // 32 octets

// {server} derive secret for master "tls13 derived"
inline const byte_vec derived_for_master = hex("43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4"); // 32 octets

// {server} extract secret "master"
inline const byte_vec master_secret = hex("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"); // 32 octets

// {server} send handshake record (ServerHello): complete record
inline const byte_vec server_hello_record = hex( // 95 octets
    "160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb"
    "1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095"
    "fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304");

// {server} derive write traffic keys for handshake data
inline const byte_vec server_hs_key = hex("3fce516009c21727d0f2e4e86ee403bc"); // 16 octets
inline const byte_vec server_hs_iv = hex("5d313eb2671276ee13000b30"); // 12 octets

// {server} construct EncryptedExtensions, Certificate, CertificateVerify
inline const byte_vec encrypted_extensions = hex( // 40 octets
    "080000240022000a00140012001d00170018001901000101010201030104001c"
    "0002400100000000");
inline const byte_vec certificate = hex( // 445 octets
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a"
    "864886f70d01010b0500300e310c300a06035504031303727361301e170d3136"
    "303733303031323335395a170d3236303733303031323335395a300e310c300a"
    "0603550403130372736130819f300d06092a864886f70d010101050003818d00"
    "30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826"
    "d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312"
    "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480"
    "30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a"
    "8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355"
    "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5"
    "b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5"
    "8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102"
    "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0"
    "a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000");
inline const byte_vec certificate_verify = hex( // 136 octets
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145a"
    "b3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248ee"
    "aaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c"
    "9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea2"
    "0d53dfacd42f74f3");

// {server} calculate finished "tls13 finished": finished key (expanded) and verify_data
inline const byte_vec server_finished_key = hex("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"); // 32 octets
inline const byte_vec server_finished_verify_data = hex("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"); // 32 octets

// {server} construct a Finished handshake message
inline const byte_vec server_finished = hex( // 36 octets
    "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454"
    "b78f0718");

// {server} send handshake record (EncryptedExtensions..Finished): complete record
inline const byte_vec server_flight_record = hex( // 679 octets
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35e"
    "df7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78"
    "b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b"
    "d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9"
    "d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2e"
    "d65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092"
    "8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead68694"
    "5ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b368"
    "4596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f"
    "4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26"
    "f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b65962224531"
    "7b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e"
    "1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da"
    "8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d4"
    "61e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe"
    "5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb"
    "992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c859"
    "77b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038"
    "ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b84"
    "5e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5"
    "d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e"
    "750edc53370d2b");

// {server} derive secret "tls13 c ap traffic" / "s ap traffic" / "exp master": hash = Transcript-Hash(ClientHello..server Finished)
inline const byte_vec hash_ch_server_finished = hex("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"); // 32 octets
inline const byte_vec client_ap_traffic = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"); // 32 octets
inline const byte_vec server_ap_traffic = hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"); // 32 octets
inline const byte_vec exporter_master = hex("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"); // 32 octets

// {server} derive write traffic keys for application data
inline const byte_vec server_ap_key = hex("9f02283b6c9c07efc26bb9f2ac92e356"); // 16 octets
inline const byte_vec server_ap_iv = hex("cf782b88dd83549aadf1e984"); // 12 octets

// {server} derive read traffic keys for handshake data
inline const byte_vec client_hs_key = hex("dbfaa693d1762c5b666af5d950258d01"); // 16 octets
inline const byte_vec client_hs_iv = hex("5bd3c71b836e0b76bb73265f"); // 12 octets

// {client} calculate finished "tls13 finished"
inline const byte_vec client_finished_key = hex("b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4"); // 32 octets
inline const byte_vec client_finished_verify_data = hex("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"); // 32 octets

// {client} construct a Finished handshake message
inline const byte_vec client_finished = hex( // 36 octets
    "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2"
    "edd5ce61");

// {client} send handshake record (Finished): complete record
inline const byte_vec client_finished_record = hex( // 58 octets
    "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc"
    "44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546");

// {client} derive write traffic keys for application data
inline const byte_vec client_ap_key = hex("17422dda596ed5d9acd890e3c63f5051"); // 16 octets
inline const byte_vec client_ap_iv = hex("5b78923dee08579033e523d9"); // 12 octets

// {client} derive secret "tls13 res master": hash = Transcript-Hash(ClientHello..client Finished)
inline const byte_vec hash_ch_client_finished = hex("209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d"); // 32 octets
inline const byte_vec resumption_master = hex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c"); // 32 octets

// {server} generate resumption secret "tls13 resumption": hash is the ticket_nonce
inline const byte_vec ticket_nonce = hex("0000"); // 2 octets
inline const byte_vec resumption_psk = hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"); // 32 octets

// {server} construct a NewSessionTicket handshake message / send handshake record
inline const byte_vec new_session_ticket = hex( // 205 octets
    "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec9000000"
    "00262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785a"
    "bc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827"
    "db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529"
    "513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea61764"
    "6fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a"
    "e4d3570008002a000400000400");
inline const byte_vec new_session_ticket_record = hex( // 227 octets
    "17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d4"
    "1d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e078891a3"
    "8efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0"
    "9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406"
    "f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c8651"
    "9d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74"
    "bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf159"
    "85684f");

// {client} / {server} send application_data record: the same 50-octet payload both ways
inline const byte_vec application_data = hex( // 50 octets
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f3031");
inline const byte_vec client_application_record = hex( // 72 octets
    "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f"
    "2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae6"
    "3aeebb21694915e4");
inline const byte_vec server_application_record = hex( // 72 octets
    "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36"
    "e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf33254"
    "0dd032e167c2955d");

// {client} / {server} send alert record: close_notify (warning(1), close_notify(0))
inline const byte_vec close_notify = hex("0100"); // 2 octets
inline const byte_vec client_alert_record = hex("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3"); // 24 octets
inline const byte_vec server_alert_record = hex("1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9"); // 24 octets

// The server certificate: the one CertificateEntry of the Certificate message
// above (cert_data, 432 octets). Self-signed, CN=rsa, valid 2016-07-30 to
// 2026-07-30.
inline const byte_vec server_certificate_der = hex(
    "308201ac30820115a003020102020102300d06092a864886f70d01010b050030"
    "0e310c300a06035504031303727361301e170d3136303733303031323335395a"
    "170d3236303733303031323335395a300e310c300a0603550403130372736130"
    "819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f"
    "8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91"
    "d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b"
    "1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbf"
    "ae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f02030100"
    "01a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06"
    "092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a726717"
    "0618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6"
    "c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4"
    "2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d"
    "402dcc0cc8f8961229ac9187b42b4de1");

// §2 "Private Keys": the server's RSA key as the RFC prints it. The key
// file is built from these numbers when a test needs it, not kept as PEM.
inline const byte_vec key_modulus = hex(
    "b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd"
    "2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0"
    "ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8c"
    "a9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f");
inline const byte_vec key_public_exponent = hex(
    "010001");
inline const byte_vec key_private_exponent = hex(
    "04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985"
    "b8e31c44f6de62e1b4c2309f6126e77b7c41e923314bbfa3881305dc1217f16c"
    "819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f67"
    "9f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941");
inline const byte_vec key_prime1 = hex(
    "e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30"
    "a327aa0aaabc58cd67466af9845fadc675fe094af92c4bd1f2c1bc33dd2e0515");
inline const byte_vec key_prime2 = hex(
    "cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee"
    "8af1d9b4719ba6196cf2cbbaeeebf8b3490afe9e9ffa74a88aa51fc645629303");
inline const byte_vec key_exponent1 = hex(
    "3f57345c27fe1b687e6e761627b78b1b826433dd760fa0bea6a6acf39490aa1b"
    "47cda4869d68f584dd5b5029bd32093b8258661fe715025e5d70a45a08d3d319");
inline const byte_vec key_exponent2 = hex(
    "183da01363bd2f2885cacbdc9964bf4764f1517636f86401286f71893c52ccfe"
    "40a6c23d0d086b47c6fb10d8fd1041e04def7e9a40ce957c417794e10412d139");
inline const byte_vec key_coefficient = hex(
    "839ca9a085e4286b2c90e466997a2c681f21339aa3477814e4dec11833050ed5"
    "0dd13cc038048a43c59b2acc416889c037665fe5afa605969f8c01dfa5ca969d");

/// The key as an RSAPrivateKey (RFC 8017 §A.1.2) in DER: a SEQUENCE of
/// INTEGERs, version 0 first.
inline byte_vec server_key_der()
{
    auto length = [](byte_vec& out, std::size_t n) {
        if (n < 0x80) {
            out.push_back(std::byte(static_cast<std::uint8_t>(n)));
            return;
        }
        byte_vec digits;
        for (; n != 0; n >>= 8)
            digits.insert(digits.begin(), std::byte(static_cast<std::uint8_t>(n)));
        out.push_back(std::byte(static_cast<std::uint8_t>(0x80 | digits.size())));
        out.insert(out.end(), digits.begin(), digits.end());
    };
    byte_vec body;
    auto integer = [&](const byte_vec& magnitude) {
        // Positive: a leading zero when the top bit is set (X.690 §8.3).
        const bool pad = (std::to_integer<unsigned>(magnitude.front()) & 0x80) != 0;
        body.push_back(std::byte{0x02});
        length(body, magnitude.size() + (pad ? 1 : 0));
        if (pad)
            body.push_back(std::byte{0});
        body.insert(body.end(), magnitude.begin(), magnitude.end());
    };
    integer(byte_vec{std::byte{0}});
    for (const auto* part : {&key_modulus, &key_public_exponent, &key_private_exponent, &key_prime1, &key_prime2,
                             &key_exponent1, &key_exponent2, &key_coefficient})
        integer(*part);
    byte_vec der{std::byte{0x30}};
    length(der, body.size());
    der.insert(der.end(), body.begin(), body.end());
    return der;
}

} // namespace rfc8448

#endif
