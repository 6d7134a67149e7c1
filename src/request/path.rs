//! [`encode_path`]: a path parameter as progenitor's generated client encodes it
//! (`progenitor_client::encode_path`, percent-encoding the WHATWG path-segment set
//! plus `/` and `%`), without copying a parameter that needs no encoding (ids and
//! names of letters, digits and the like: every parameter of this API). The
//! generated calls are pointed here by codegen/generate.rs.

use std::borrow::Cow;

/// `segment` percent-encoded for a URL path: borrowed as it is when no byte needs
/// encoding, else exactly what progenitor's `encode_path` makes of it.
pub(crate) fn encode_path(segment: &str) -> Cow<'_, str> {
    if segment.bytes().all(is_plain) {
        Cow::Borrowed(segment)
    } else {
        Cow::Owned(progenitor_client::encode_path(segment))
    }
}

/// Whether progenitor's path set leaves `byte` as it is: a printable ASCII byte
/// other than space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`, `/` and `%`
/// (controls and non-ASCII bytes are encoded).
#[inline]
fn is_plain(byte: u8) -> bool {
    byte < 128 && PLAIN >> byte & 1 == 1
}

/// Bit `b` set for each byte `b` that [`is_plain`].
const PLAIN: u128 = {
    let mut mask = 0u128;
    let mut b = 0u8;
    while b < 128 {
        let special = matches!(
            b,
            b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
        );
        if b.is_ascii_graphic() && !special {
            mask |= 1 << b;
        }
        b += 1;
    }
    mask
};

#[cfg(test)]
mod tests {
    use super::encode_path;

    // Proves the result is progenitor's for every byte value and for mixed strings
    // (the borrowed fast path changes nothing), and that plain ids are not copied.
    #[test]
    fn encodes_as_progenitor_does() {
        let mut inputs: Vec<String> = (0u32..=0x7f)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        inputs.extend(
            [
                "53a4560dc877f9b4f709f97630efbb5a",
                "sales team",
                "a/b%2F",
                "ünïcødé",
                "",
                "~-._!$&'()*+,;=:@[]|\\^",
            ]
            .map(String::from),
        );
        for input in &inputs {
            assert_eq!(
                encode_path(input),
                progenitor_client::encode_path(input),
                "{input:?}"
            );
        }
        let id = "53a4560dc877f9b4f709f97630efbb5a";
        assert!(matches!(encode_path(id), std::borrow::Cow::Borrowed(_)));
    }
}
