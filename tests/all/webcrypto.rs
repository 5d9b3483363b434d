//! `crypto.subtle` (deno_crypto) as plugins use it: known-answer vectors from the RFCs and
//! NIST, the everyday jobs (a webhook's HMAC header, JWTs with HS256/RS256/PS256/ES256/EdDSA,
//! PEM keys made by openssl), and bad input, which must end in the right error, never in a
//! panic or a hung host. Driven through the `webcrypto` fixture's exports.

use serde_json::{Value, json};

use qirvo::{PluginHandle, PluginRuntime};

use crate::helpers::*;

async fn load() -> (PluginRuntime, PluginHandle) {
    let (rt, _logs) = runtime();
    let p = rt.load(&plugin_fixture("webcrypto")).await.unwrap();
    (rt, p)
}

async fn call(p: &PluginHandle, name: &str, args: Vec<Value>) -> Value {
    match p.call(name, args.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{name}({args:?}): {e}"),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_file(name: &str) -> String {
    std::fs::read_to_string(plugin_fixture("webcrypto").join("keys").join(name)).unwrap()
}

#[tokio::test]
async fn digests_match_the_nist_vectors() {
    let (_rt, p) = load().await;
    // (input, SHA-1, SHA-256, SHA-384, SHA-512): FIPS 180-2 appendix examples and the empty string.
    let abc = hex(b"abc");
    let two_blocks = hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    let vectors = [
        (
            String::new(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        ),
        (
            abc,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        (
            two_blocks,
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
            "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
        ),
    ];
    for (input, sha1, sha256, sha384, sha512) in &vectors {
        for (alg, want) in [
            ("SHA-1", sha1),
            ("SHA-256", sha256),
            ("SHA-384", sha384),
            ("SHA-512", sha512),
        ] {
            let got = call(&p, "digest", vec![json!(alg), json!(input)]).await;
            assert_eq!(got, json!(want), "{alg} of {input:?}");
            // The algorithm may be a dictionary, and its name is case-insensitive.
            let got = call(
                &p,
                "digest",
                vec![json!({"name": alg.to_lowercase()}), json!(input)],
            )
            .await;
            assert_eq!(got, json!(want), "{alg} (as a dictionary) of {input:?}");
            // Only a view's own bytes are digested, whatever its offset in the buffer.
            let views = call(&p, "digestViews", vec![json!(alg), json!(input)]).await;
            assert_eq!(
                views,
                json!([want, want, want]),
                "{alg} through views of {input:?}"
            );
        }
    }
    // One million "a" (FIPS 180-2's long message).
    for (alg, want) in [
        ("SHA-1", "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
        (
            "SHA-256",
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        ),
        (
            "SHA-384",
            "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
        ),
        (
            "SHA-512",
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
        ),
    ] {
        let got = call(
            &p,
            "digestRepeated",
            vec![json!(alg), json!("a"), json!(1_000_000)],
        )
        .await;
        assert_eq!(got, json!(want), "{alg} of a million 'a'");
    }
}

#[tokio::test]
async fn hmac_matches_rfc_4231() {
    let (_rt, p) = load().await;
    let big_key = "aa".repeat(131);
    // (key, data, SHA-256, SHA-384, SHA-512): RFC 4231 test cases 1, 2, 3, 6 and 7.
    let cases = [
        (
            "0b".repeat(20),
            hex(b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ),
        (
            hex(b"Jefe"),
            hex(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
        (
            "aa".repeat(20),
            "dd".repeat(50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        ),
        (
            big_key.clone(),
            hex(b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        ),
        (
            big_key,
            hex(b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ),
    ];
    for (key, data, sha256, sha384, sha512) in &cases {
        for (hash, want) in [
            ("SHA-256", sha256),
            ("SHA-384", sha384),
            ("SHA-512", sha512),
        ] {
            let got = call(&p, "hmac", vec![json!(hash), json!(key), json!(data)]).await;
            assert_eq!(
                got,
                json!({"sig": want, "verifies": true}),
                "HMAC-{hash} key {key} data {data}"
            );
        }
    }
}

#[tokio::test]
async fn a_webhook_signature_header_is_checked_with_subtle_verify() {
    let (_rt, p) = load().await;
    let secret = "whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
    let body = r#"{"id":"evt_1","type":"payment.succeeded","amount":1299}"#;
    // The header a sender computes: HMAC-SHA256 over the raw body, in hex (RFC 2104 by hand,
    // so the test does not trust the code it checks).
    let good = format!("sha256={}", hmac_sha256(secret.as_bytes(), body.as_bytes()));
    let verify = |body: &str, header: String| {
        let p = p.clone();
        let body = body.to_string();
        async move {
            call(
                &p,
                "verifyWebhook",
                vec![json!(secret), json!(body), json!(header)],
            )
            .await
        }
    };
    assert_eq!(verify(body, good.clone()).await, json!(true));
    // Another body, another secret, a flipped bit in the signature, a truncated one: all refused.
    assert_eq!(
        verify(&body.replace("1299", "1"), good.clone()).await,
        json!(false)
    );
    let other = format!("sha256={}", hmac_sha256(b"another secret", body.as_bytes()));
    assert_eq!(verify(body, other).await, json!(false));
    for i in [7, 20, 70] {
        let mut flipped = good.clone().into_bytes();
        flipped[i] = if flipped[i] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            verify(body, String::from_utf8(flipped).unwrap()).await,
            json!(false),
            "bit {i}"
        );
    }
    assert_eq!(
        verify(body, good[..good.len() - 2].to_string()).await,
        json!(false)
    );
}

/// HMAC-SHA256 (RFC 2104) over the sha2 crate, for the sender's side of the webhook test.
fn hmac_sha256(key: &[u8], data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(data)
        .finalize();
    hex(&Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize())
}

#[tokio::test]
async fn hkdf_matches_rfc_5869() {
    let (_rt, p) = load().await;
    let range = |a: u8, b: u8| hex(&(a..=b).collect::<Vec<u8>>());
    // (hash, IKM, salt, info, L in bytes, OKM): RFC 5869 A.1, A.2, A.3 and A.4.
    let cases = [
        (
            "SHA-256",
            "0b".repeat(22),
            range(0, 0x0c),
            range(0xf0, 0xf9),
            42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (
            "SHA-256",
            range(0, 0x4f),
            range(0x60, 0xaf),
            range(0xb0, 0xff),
            82,
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        (
            "SHA-256",
            "0b".repeat(22),
            String::new(),
            String::new(),
            42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
        (
            "SHA-1",
            "0b".repeat(11),
            range(0, 0x0c),
            range(0xf0, 0xf9),
            42,
            "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
        ),
    ];
    for (hash, ikm, salt, info, len, okm) in &cases {
        let got = call(
            &p,
            "hkdf",
            vec![
                json!(hash),
                json!(ikm),
                json!(salt),
                json!(info),
                json!(len * 8),
            ],
        )
        .await;
        assert_eq!(got, json!(okm), "HKDF-{hash} ikm {ikm}");
    }
}

#[tokio::test]
async fn pbkdf2_matches_rfc_6070() {
    let (_rt, p) = load().await;
    // (password, salt, iterations, dkLen, DK): RFC 6070's PBKDF2-HMAC-SHA1 vectors but the
    // 16,777,216-iteration one, which is more work than one call may ask for (see below).
    let cases = [
        (
            "password",
            "salt",
            1,
            20,
            "0c60c80f961f0e71f3a9b524af6012062fe037a6",
        ),
        (
            "password",
            "salt",
            2,
            20,
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        ),
        (
            "password",
            "salt",
            4096,
            20,
            "4b007901b765489abead49d926f721d065a429c1",
        ),
        (
            "passwordPASSWORDpassword",
            "saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            25,
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
        ),
        (
            "pass\0word",
            "sa\0lt",
            4096,
            16,
            "56fa6aa75548099dcc37d7f03425e0c3",
        ),
    ];
    for (password, salt, iterations, len, dk) in cases {
        let got = call(
            &p,
            "pbkdf2",
            vec![
                json!("SHA-1"),
                json!(password),
                json!(salt),
                json!(iterations),
                json!(len * 8),
            ],
        )
        .await;
        assert_eq!(got, json!(dk), "PBKDF2 {password:?} {salt:?} {iterations}");
    }
    let err = p
        .call(
            "pbkdf2",
            vec![
                json!("SHA-1"),
                json!("password"),
                json!("salt"),
                json!(16_777_216),
                json!(160),
            ],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("OperationError") && err.contains("16777216 iterations"),
        "{err}"
    );
}

#[tokio::test]
async fn ed25519_matches_rfc_8032() {
    let (_rt, p) = load().await;
    // (secret key, public key, message, signature): RFC 8032 section 7.1, tests 1, 2 and 3.
    let cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
    ];
    for (secret, public, message, sig) in cases {
        let got = call(
            &p,
            "ed25519",
            vec![json!(secret), json!(public), json!(message)],
        )
        .await;
        assert_eq!(
            got,
            json!({"sig": sig, "verifies": true}),
            "Ed25519 message {message:?}"
        );
    }
}

#[tokio::test]
async fn jwts_sign_and_verify_with_each_algorithm() {
    let (_rt, p) = load().await;
    let claims = json!({"sub": "user-42", "iat": 1_700_000_000, "scope": "read"});
    for alg in ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"] {
        let got = call(&p, "jwtRoundTrip", vec![json!(alg), claims.clone()]).await;
        assert_eq!(got["parts"], json!(3), "{alg}: {got}");
        assert_eq!(got["header"], json!({"alg": alg, "typ": "JWT"}), "{alg}");
        assert_eq!(
            got["claims"], claims,
            "{alg}: a JWT signed with the key verifies"
        );
        assert_eq!(
            got["tampered"],
            Value::Null,
            "{alg}: changed claims do not verify"
        );
        assert_eq!(
            got["foreign"],
            Value::Null,
            "{alg}: another key's JWT does not verify"
        );
    }
}

#[tokio::test]
async fn pem_keys_from_openssl_import_sign_and_verify() {
    let (_rt, p) = load().await;
    let sigs: Value = serde_json::from_str(&key_file("openssl-signatures.json")).unwrap();
    let message = sigs["message"].as_str().unwrap();
    // (JWT name, key files, openssl's signature, deterministic?, algorithm, public key JWK kty)
    let cases = [
        ("RS256", "rsa", "rs256", true, "RSASSA-PKCS1-v1_5", "RSA"),
        ("PS256", "rsa", "ps256", false, "RSA-PSS", "RSA"),
        ("ES256", "p256", "es256", false, "ECDSA", "EC"),
        ("ES384", "p384", "es384", false, "ECDSA", "EC"),
        ("EdDSA", "ed25519", "eddsa", true, "Ed25519", "OKP"),
    ];
    for (alg, file, sig_name, deterministic, name, kty) in cases {
        let private = key_file(&format!("{file}.pkcs8.pem"));
        let public = key_file(&format!("{file}.spki.pem"));
        let openssl_sig = sigs[sig_name].as_str().unwrap();
        let got = call(
            &p,
            "pemKeys",
            vec![
                json!(alg),
                json!(private),
                json!(public),
                json!(message),
                json!(openssl_sig),
            ],
        )
        .await;
        assert_eq!(
            got["opensslVerifies"],
            json!(true),
            "{alg}: openssl's signature verifies: {got}"
        );
        assert_eq!(
            got["ownVerifies"],
            json!(true),
            "{alg}: the plugin's own signature verifies"
        );
        assert_eq!(
            got["otherMessage"],
            json!(false),
            "{alg}: not over another message"
        );
        assert_eq!(
            got["spkiSame"],
            json!(true),
            "{alg}: spki exports as imported"
        );
        assert_eq!(got["pkcs8Reimports"], json!("private"), "{alg}");
        assert_eq!(got["jwkKty"], json!(kty), "{alg}");
        assert_eq!(
            got["types"],
            json!(["private", "public", name, "verify"]),
            "{alg}"
        );
        if deterministic {
            assert_eq!(
                got["sig"],
                json!(openssl_sig),
                "{alg}: same signature as openssl"
            );
        }
    }
}

#[tokio::test]
async fn ciphers_and_key_agreement_round_trip() {
    let (_rt, p) = load().await;
    let got = call(&p, "ciphers", vec![]).await;
    let text = "the plaintext, 31 bytes of it..";
    // GCM adds a 16-byte tag; CBC pads to the block; CTR is the size of the input; OAEP the modulus.
    for (name, bytes, tampered) in [
        ("AES-GCM", 47, "OperationError"),
        ("AES-CBC", 32, "accepted"),
        ("AES-CTR", 31, "accepted"),
        ("RSA-OAEP", 256, "OperationError"),
    ] {
        assert_eq!(
            got[name],
            json!({"roundTrip": text, "bytes": bytes, "tampered": tampered}),
            "{name}: {got}"
        );
    }
    assert_eq!(
        got["AES-KW"],
        json!({"bytes": 24, "unwrapped": "000102030405060708090a0b0c0d0e0f"})
    );
    assert_eq!(got["ECDH"], json!({"agree": true, "bytes": 32}));
    assert_eq!(got["X25519"], json!({"agree": true, "bytes": 32}));
    // PBKDF2-HMAC-SHA256("hunter2", "salt", 1000 iterations) as a 256-bit AES-GCM key.
    assert_eq!(
        got["deriveKey"]["algorithm"],
        json!({"name": "AES-GCM", "length": 256})
    );
    assert_eq!(
        got["deriveKey"]["raw"],
        json!("e9b47eaaf07e11f89689f26f2e12d4b25232e0e72a8383cd1c40b074aaa1e21a")
    );
}

#[tokio::test]
async fn bad_input_rejects_with_the_right_error() {
    let (_rt, p) = load().await;
    let got = call(&p, "badInput", vec![]).await;
    let want = json!({
        "sign with a verify-only key": "InvalidAccessError (DOMException)",
        "decrypt with an encrypt-only key": "InvalidAccessError (DOMException)",
        "export a non-extractable key": "InvalidAccessError (DOMException)",
        "HMAC key for ECDSA": "InvalidAccessError (DOMException)",
        "importKey with an unknown usage": "TypeError",
        "importKey with a usage the algorithm has not": "SyntaxError (DOMException)",
        "generateKey with an unknown usage": "TypeError",
        "deriveKey with an unknown usage": "TypeError",
        "generateKey with no usages": "SyntaxError (DOMException)",
        "JWK that is not a JWK": "DataError (DOMException)",
        "JWK with k not base64url": "DataError (DOMException)",
        "JWK of the wrong kty": "DataError (DOMException)",
        "JWK whose alg disagrees": "DataError (DOMException)",
        "spki that is garbage": "DataError (DOMException)",
        "pkcs8 that is empty": "DataError (DOMException)",
        "AES key of 7 bytes": "DataError (DOMException)",
        "unknown algorithm": "NotSupportedError (DOMException)",
        "digest of a string": "TypeError",
        "digest of a detached buffer": "resolved",
        "HKDF deriveBits 2^32 bits": "OperationError (DOMException)",
        "HKDF deriveBits past 255 blocks": "OperationError (DOMException)",
        "PBKDF2 deriveBits 2^32 bits": "OperationError (DOMException)",
        "PBKDF2 deriveBits 2^32-8 bits": "OperationError (DOMException)",
        "PBKDF2 2^31 iterations": "OperationError (DOMException)",
        "PBKDF2 2^31 iterations by deriveKey": "OperationError (DOMException)",
        "PBKDF2 iterations that change when read twice": "resolved",
        "PBKDF2 zero iterations": "OperationError (DOMException)",
        "PBKDF2 length not a multiple of 8": "OperationError (DOMException)",
        "HMAC key of 2^32-8 bits": "OperationError (DOMException)",
        "RSA key of 65536 bits": "OperationError (DOMException)",
        "RSA with exponent 4": "OperationError (DOMException)",
        "AES-GCM with an empty iv": "NotSupportedError (DOMException)",
        "verify with a key that is not a CryptoKey": "TypeError",
        "getRandomValues on a Float64Array": "TypeMismatchError (DOMException)",
        "getRandomValues over 65536 bytes": "QuotaExceededError (DOMException)",
        "new CryptoKey()": "TypeError",
        "new SubtleCrypto()": "TypeError",
    });
    let mut wrong = Vec::new();
    for (case, expected) in want.as_object().unwrap() {
        if got[case] != *expected {
            wrong.push(format!("{case}: got {}, want {expected}", got[case]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The plugin, and the host, carry on.
    assert_eq!(
        call(&p, "digest", vec![json!("SHA-256"), json!("")]).await,
        json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    p.unload().await.unwrap();
}

#[tokio::test]
async fn the_crypto_globals_are_there() {
    // From the startup snapshot, where deno_crypto's JS is already evaluated and the
    // native `crypto` object is made on first use.
    let (rt, _logs) = runtime();
    assert!(
        tokio::task::spawn_blocking(|| qirvo::wait_for_startup_snapshot(
            std::time::Duration::from_secs(180)
        ))
        .await
        .unwrap()
    );
    let p = rt.load(&plugin_fixture("webcrypto")).await.unwrap();
    let got = call(&p, "surface", vec![]).await;
    assert_eq!(
        got,
        json!({
            "crypto": "[object Crypto]",
            "sameObject": true,
            "instances": [true, true],
            "classes": ["function", "function", "function"],
            "uuid": true,
            "uuidsDiffer": true,
            "random": true,
            "sameArray": true,
            "methods": ["decapsulateBits", "decapsulateKey", "decrypt", "deriveBits", "deriveKey", "digest",
                        "encapsulateBits", "encapsulateKey", "encrypt", "exportKey", "generateKey",
                        "getPublicKey", "importKey", "sign", "unwrapKey", "verify", "wrapKey"],
        })
    );
}
