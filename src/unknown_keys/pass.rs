//! The passes of a decode, per thread: which objects are numbered, which collect
//! their unknown keys, and [`from_body`], the client's decode of a response body.
//!
//! [`from_body`] decodes the body with every object that keeps unknown keys numbered
//! in the order its decode starts, none of them building a map; an object that had
//! some gets an [`Extra`] naming the body (shared) and its number. Reading one of
//! them runs the collecting pass: the same decode of the same bytes into the same
//! type, so the same objects start in the same order and take the same numbers, this
//! time each storing its map under its number. Outside both (no pass on the thread),
//! maps are built at once. A pass is set only around one synchronous `from_slice`,
//! and the one before it is put back after it, also on a panic.

use std::cell::RefCell;
use std::sync::Arc;

use bytes::Bytes;
use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::extra::{Body, Extra};

enum Pass {
    /// No body decode of the crate's: build each map.
    None,
    /// The first decode of `body`: number the objects, build nothing.
    Number { body: Arc<Body>, next: usize },
    /// The decode again: each object's map, by number.
    Collect { maps: Vec<Map<String, Value>> },
}

thread_local! {
    static PASS: RefCell<Pass> = const { RefCell::new(Pass::None) };
}

/// What one object's decode does with its unknown keys.
#[derive(Clone, Copy)]
pub(super) enum Turn {
    Build,
    Number(usize),
    Collect(usize),
}

/// The turn of an object whose decode starts now (and its number, in a body).
pub(super) fn turn() -> Turn {
    PASS.with_borrow_mut(|pass| match pass {
        Pass::None => Turn::Build,
        Pass::Number { next, .. } => {
            *next += 1;
            Turn::Number(*next - 1)
        }
        Pass::Collect { maps } => {
            maps.push(Map::new());
            Turn::Collect(maps.len() - 1)
        }
    })
}

/// The `Extra` of object `index` of the body being decoded.
pub(super) fn in_body(index: usize) -> Extra {
    PASS.with_borrow(|pass| match pass {
        Pass::Number { body, .. } => Extra::in_body(body.clone(), index),
        _ => unreachable!("numbered objects are decoded in a numbering pass"),
    })
}

/// Stores the map of object `index` in the collecting pass.
pub(super) fn collected(index: usize, map: Map<String, Value>) {
    PASS.with_borrow_mut(|pass| {
        if let Pass::Collect { maps } = pass {
            maps[index] = map;
        }
    });
}

/// Runs `decode` with `pass` set on this thread; returns its result and the pass as
/// it left it, and puts back the one before, also if `decode` panics.
fn within<R>(pass: Pass, decode: impl FnOnce() -> R) -> (R, Pass) {
    struct Restore(Option<Pass>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                PASS.set(previous);
            }
        }
    }
    let mut restore = Restore(Some(PASS.replace(pass)));
    let result = decode();
    let previous = restore.0.take().unwrap_or(Pass::None);
    (result, PASS.replace(previous))
}

/// Decodes a response body as the client does: like `serde_json::from_slice`, but
/// the unknown keys of the crate's response types are not built while decoding.
/// Each [`Extra`](crate::Extra) of an object that had some keeps `body` (shared,
/// not copied) and is filled, with all the others of `body`, when one is first read.
/// Other types decode as `from_slice` decodes them.
pub fn from_body<T: DeserializeOwned>(body: Bytes) -> Result<T, serde_json::Error> {
    decode(&body)
}

/// [`from_body`] of a body the caller keeps (the pass shares it: no copy).
fn decode<T: DeserializeOwned>(body: &Bytes) -> Result<T, serde_json::Error> {
    let shared = Arc::new(Body::new(body.clone(), collect::<T>));
    let numbering = Pass::Number {
        body: shared,
        next: 0,
    };
    within(numbering, || serde_json::from_slice(body)).0
}

/// The collecting pass over a body [`from_body`] decoded as `T`.
fn collect<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<Vec<Map<String, Value>>, serde_json::Error> {
    let collecting = Pass::Collect { maps: Vec::new() };
    match within(collecting, || serde_json::from_slice::<T>(bytes)) {
        (Ok(_), Pass::Collect { maps }) => Ok(maps),
        (Ok(_), _) => Ok(Vec::new()),
        (Err(error), _) => Err(error),
    }
}

/// progenitor's `ResponseValue::from_response`, decoding through [`from_body`]: the
/// generated client calls this instead (codegen/unknown_keys.rs).
pub(crate) async fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    // Taken, not cloned as progenitor does: reading the body needs no header (its
    // decoding was chosen when the response arrived), and a clone costs a map.
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match decode(&full) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(full, e)),
    }
}
