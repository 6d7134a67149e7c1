//! HTTPS works out of the box with each TLS feature, and the client speaks through the
//! backend and provider its features select (src/tls.rs). CI runs this file with the
//! default features, with `--no-default-features --features rustls-aws-lc` and with
//! `--no-default-features --features native-tls`.
//!
//! The test server reads the ClientHello the client sends, then answers with bytes that
//! are not TLS. The hello tells the backends apart without any network: only aws-lc-rs
//! offers the post-quantum group X25519MLKEM768, only a platform TLS library offers CBC
//! cipher suites (rustls has none); the failure is reported in the backend's own words.

mod common;

use common::*;
use tallyfy_groups::{Error, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const X25519: u16 = 0x001d;
const X25519_MLKEM768: u16 = 0x11ec;
/// TLS_RSA_WITH_AES_{128,256}_CBC_SHA, TLS_ECDHE_{ECDSA,RSA}_WITH_AES_{128,256}_CBC_SHA.
const CBC_SUITES: [u16; 6] = [0x002f, 0x0035, 0xc009, 0xc00a, 0xc013, 0xc014];

/// What the client offered in its ClientHello.
#[derive(Debug, Default)]
struct Hello {
    cipher_suites: Vec<u16>,
    groups: Vec<u16>,
    alpn: Vec<String>,
}

/// Parses a ClientHello record (RFC 8446 §4.1.2); `None` if it is not one.
fn parse_hello(record: &[u8]) -> Option<Hello> {
    fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
    }
    fn u16_list(bytes: &[u8]) -> Vec<u16> {
        bytes
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect()
    }
    // Record header (5), handshake header (4), legacy version (2), random (32).
    if record.first() != Some(&0x16) || record.get(5) != Some(&0x01) {
        return None;
    }
    let mut at = 5 + 4 + 2 + 32;
    at += 1 + usize::from(*record.get(at)?); // session id
    let suites_len = usize::from(u16_at(record, at)?);
    let mut hello = Hello {
        cipher_suites: u16_list(record.get(at + 2..at + 2 + suites_len)?),
        ..Hello::default()
    };
    at += 2 + suites_len;
    at += 1 + usize::from(*record.get(at)?); // compression methods
    let end = at + 2 + usize::from(u16_at(record, at)?);
    at += 2;
    while at + 4 <= end {
        let kind = u16_at(record, at)?;
        let len = usize::from(u16_at(record, at + 2)?);
        let data = record.get(at + 4..at + 4 + len)?;
        match kind {
            0x000a => hello.groups = u16_list(data.get(2..)?),
            0x0010 => {
                let mut names = data.get(2..)?;
                while let Some((&n, rest)) = names.split_first() {
                    let name = rest.get(..usize::from(n))?;
                    hello.alpn.push(String::from_utf8_lossy(name).into_owned());
                    names = &rest[usize::from(n)..];
                }
            }
            _ => {}
        }
        at += 4 + len;
    }
    Some(hello)
}

/// Sends one request to a server that accepts one connection, records the client's
/// first TLS record and answers with plain text. Returns the hello and the error.
async fn handshake_with_a_plain_text_server() -> (Hello, Error, String) {
    let (address, server) = serve_one_connection(|mut socket| async move {
        let mut record = vec![0; 5];
        socket.read_exact(&mut record).await.unwrap();
        let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
        record.resize(5 + len, 0);
        socket.read_exact(&mut record[5..]).await.unwrap();
        let _ = socket.write_all(b"this is not TLS\r\n\r\n").await;
        record
    })
    .await;
    let port = address.port();
    let api = builder(format!("https://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = api.groups().get(GROUP_ID).send().await.unwrap_err();
    let mut chain = format!("{err}");
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        chain.push_str(&format!(" / {inner}"));
        source = inner.source();
    }
    assert!(
        !chain.contains(TOKEN),
        "the TLS error contains the token: {chain}"
    );
    let record = server.await.unwrap();
    let hello = parse_hello(&record).unwrap_or_else(|| panic!("not a ClientHello: {record:?}"));
    (hello, err, chain)
}

// Proves HTTPS works out of the box: a TLS handshake is attempted (and fails against a
// server that speaks plain TCP) instead of the URL scheme being unsupported; HTTP/2 is
// offered (ALPN) as reqwest offers it; and the backend is the one the features select.
#[tokio::test]
async fn https_goes_through_the_selected_backend() {
    let (hello, err, chain) = handshake_with_a_plain_text_server().await;
    assert!(matches!(err, Error::Transport { .. }), "{chain}");
    assert_eq!(hello.alpn, ["h2", "http/1.1"], "{hello:?}");
    assert!(hello.groups.contains(&X25519), "{hello:?}");
    let offers_cbc = hello.cipher_suites.iter().any(|s| CBC_SUITES.contains(s));

    if cfg!(feature = "native-tls") {
        // The platform's TLS library, not rustls (which never offers CBC suites).
        assert!(offers_cbc, "{hello:?}");
        assert!(!chain.contains("corrupt message"), "{chain}");
    } else {
        assert!(!offers_cbc, "{hello:?}");
        // rustls read the server's first bytes as a TLS record and rejected them.
        assert!(
            chain.contains("corrupt message") || chain.contains("InvalidContentType"),
            "{chain}"
        );
        // aws-lc-rs offers the hybrid post-quantum group; ring cannot.
        let aws_lc = cfg!(feature = "rustls-aws-lc");
        assert_eq!(hello.groups.contains(&X25519_MLKEM768), aws_lc, "{hello:?}");
    }
}

// Proves the crate's TLS setup leaves the process alone: after a client was built and
// used, no process-wide rustls provider is installed (an application's own rustls
// clients still choose theirs, and one that installs a default later succeeds).
#[cfg(all(
    any(feature = "rustls-ring", feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
#[tokio::test]
async fn no_process_wide_crypto_provider_is_installed() {
    let _ = handshake_with_a_plain_text_server().await;
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}
