//! The state file of a sandbox ([`SandboxBuilder::state_file`](crate::SandboxBuilder::state_file)):
//! its format, loading it on start, saving it atomically after every change,
//! and the lock that keeps a second sandbox off it.
//!
//! Owns the file, its temporary sibling and its `.lock` companion; knows
//! nothing of HTTP. It never overwrites a file it could not read as its own
//! (unless asked to start over), and it never deletes the lock file, so two
//! processes always lock the same inode.
//!
//! The file is one JSON document:
//! `{"format": "tallyfy-groups-sandbox-state", "version": 1, "store": {…}}`.
//! A save writes `FILE.tmp` in the same directory, fsyncs it, renames it over
//! `FILE` and fsyncs the directory, so after a crash at any moment `FILE`
//! holds either the state before a change or the state after it.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::TryLockError;
use serde::Serialize;
use serde_json::Value;

use crate::store::Store;

/// The `format` marker of a state file.
pub const STATE_FORMAT: &str = "tallyfy-groups-sandbox-state";
/// The `version` this sandbox writes and reads.
pub const STATE_VERSION: u64 = 1;

/// How often a waiting sandbox tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(25);

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u64,
    store: &'a Store,
}

/// An open, locked state file. The lock lasts as long as this value.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    tmp: PathBuf,
    dir: PathBuf,
    /// The open `.lock` file holding the exclusive lock; closing it unlocks.
    _lock: File,
}

/// Why a state file cannot be used.
#[derive(Debug)]
pub(crate) struct StateError {
    path: PathBuf,
    problem: Problem,
}

#[derive(Debug)]
enum Problem {
    /// Another process holds the lock.
    Locked { lock: PathBuf, waited: Duration },
    /// The file (or its lock file or directory) cannot be read or created.
    Io(io::Error),
    /// Not JSON, or our format with contents that do not fit.
    Corrupt(String),
    /// JSON without our format marker.
    Foreign,
    /// Our format, another version.
    Version(Value),
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let kept = "it was left as it is; move it away or delete it to start from the seed";
        match &self.problem {
            Problem::Locked { lock, waited } => {
                write!(
                    f,
                    "sandbox state file {path} is in use by another sandbox process \
                     (it holds the lock on {}",
                    lock.display()
                )?;
                if !waited.is_zero() {
                    write!(f, "; waited {:.1} s", waited.as_secs_f64())?;
                }
                write!(f, "); stop that process or use another file")
            }
            Problem::Io(e) => write!(f, "cannot use sandbox state file {path}: {e}"),
            Problem::Corrupt(detail) => {
                write!(f, "sandbox state file {path} is corrupt ({detail}); {kept}")
            }
            Problem::Foreign => write!(
                f,
                "{path} is not a sandbox state file (it has no \"format\": \"{STATE_FORMAT}\"); {kept}"
            ),
            Problem::Version(v) => write!(
                f,
                "sandbox state file {path} has format version {v}, but this sandbox reads \
                 version {STATE_VERSION} only; {kept}"
            ),
        }
    }
}

impl std::error::Error for StateError {}

impl From<StateError> for io::Error {
    fn from(error: StateError) -> io::Error {
        let kind = match &error.problem {
            Problem::Locked { .. } => io::ErrorKind::WouldBlock,
            Problem::Io(e) => e.kind(),
            Problem::Corrupt(_) | Problem::Foreign | Problem::Version(_) => {
                io::ErrorKind::InvalidData
            }
        };
        io::Error::new(kind, error)
    }
}

impl StateFile {
    /// Locks `path` (waiting up to `wait` for another process to let go) and
    /// reads it: `Some(store)` if it holds a state, `None` if it does not
    /// exist yet or `fresh` asks to ignore what it holds.
    pub(crate) fn open(
        path: &Path,
        wait: Duration,
        fresh: bool,
    ) -> Result<(StateFile, Option<Store>), StateError> {
        let err = |problem| StateError {
            path: path.to_owned(),
            problem,
        };
        let name = path
            .file_name()
            .ok_or_else(|| err(Problem::Io(io::Error::other("the path has no file name"))))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| err(Problem::Io(e)))?;
        let with_suffix = |suffix: &str| {
            let mut name = name.to_owned();
            name.push(suffix);
            dir.join(name)
        };
        let lock_path = with_suffix(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| err(Problem::Io(e)))?;
        let started = Instant::now();
        loop {
            // fs4's, not std's `File::try_lock` (Rust 1.89, above this crate's MSRV).
            match fs4::FileExt::try_lock(&lock) {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(err(Problem::Locked {
                        lock: lock_path,
                        waited: started.elapsed(),
                    }));
                }
                Err(TryLockError::Error(e)) => return Err(err(Problem::Io(e))),
            }
        }
        let file = StateFile {
            path: path.to_owned(),
            tmp: with_suffix(".tmp"),
            dir,
            _lock: lock,
        };
        if fresh {
            return Ok((file, None));
        }
        let store = match fs::read(path) {
            Ok(bytes) => Some(parse(&bytes).map_err(err)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(err(Problem::Io(e))),
        };
        Ok((file, store))
    }

    /// The state file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file with `store`, atomically and durably: write the
    /// temporary file, fsync it, rename it over the file, fsync the directory.
    pub(crate) fn save(&self, store: &Store) -> io::Result<()> {
        let document = Document {
            format: STATE_FORMAT,
            version: STATE_VERSION,
            store,
        };
        let mut bytes = serde_json::to_vec_pretty(&document).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let mut tmp = File::create(&self.tmp)?;
        tmp.write_all(&bytes)?;
        tmp.sync_all()?;
        drop(tmp);
        fs::rename(&self.tmp, &self.path)?;
        sync_dir(&self.dir)
    }
}

/// Makes a rename in `dir` durable. Directories cannot be opened as files on
/// Windows, where the rename itself is what there is.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}

/// Reads a state file's bytes: our marker, our version, a consistent store.
fn parse(bytes: &[u8]) -> Result<Store, Problem> {
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| Problem::Corrupt(format!("not JSON: {e}")))?;
    if value.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
        return Err(Problem::Foreign);
    }
    match value.get("version") {
        Some(v) if v.as_u64() == Some(STATE_VERSION) => {}
        Some(v) => return Err(Problem::Version(v.clone())),
        None => return Err(Problem::Corrupt("no \"version\"".to_owned())),
    }
    let store = value
        .get_mut("store")
        .map(Value::take)
        .ok_or_else(|| Problem::Corrupt("no \"store\"".to_owned()))?;
    let store: Store = serde_json::from_value(store)
        .map_err(|e| Problem::Corrupt(format!("\"store\" does not fit: {e}")))?;
    store.check().map_err(Problem::Corrupt)?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tallyfy-sandbox-unit-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Proves a saved store reads back equal (same file bytes when saved
    /// again), and that a missing file reads as "no state yet".
    #[test]
    fn saves_and_loads() {
        let dir = temp_dir("roundtrip");
        let path = dir.join("state.json");
        let (file, loaded) = StateFile::open(&path, Duration::ZERO, false).unwrap();
        assert!(loaded.is_none());
        let store = Store::seeded("org", 7);
        file.save(&store).unwrap();
        let first = fs::read(&path).unwrap();
        drop(file);
        let (file, loaded) = StateFile::open(&path, Duration::ZERO, false).unwrap();
        let loaded = loaded.expect("the saved state");
        assert_eq!(loaded.groups("org").len(), 7);
        file.save(&loaded).unwrap();
        assert_eq!(fs::read(&path).unwrap(), first);
        assert!(!file.tmp.exists(), "the temporary file was renamed away");
        fs::remove_dir_all(dir).unwrap();
    }

    /// Proves each kind of bad file is told apart, named, and left unchanged.
    #[test]
    fn refuses_bad_files() {
        let dir = temp_dir("bad");
        let cases: [(&str, &str); 5] = [
            (
                "{\"format\": \"tallyfy-groups-sandbox-state\", \"vers",
                "corrupt (not JSON",
            ),
            ("{\"hello\": 1}", "is not a sandbox state file"),
            (
                "{\"format\": \"tallyfy-groups-sandbox-state\", \"version\": 2, \"store\": {}}",
                "format version 2",
            ),
            (
                "{\"format\": \"tallyfy-groups-sandbox-state\", \"version\": 1, \"store\": {\"orgs\": 3}}",
                "\"store\" does not fit",
            ),
            ("", "corrupt (not JSON"),
        ];
        for (i, (contents, expected)) in cases.iter().enumerate() {
            let path = dir.join(format!("state-{i}.json"));
            fs::write(&path, contents).unwrap();
            let error = StateFile::open(&path, Duration::ZERO, false).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(expected), "{message}");
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert_eq!(fs::read_to_string(&path).unwrap(), *contents);
            assert_eq!(io::Error::from(error).kind(), io::ErrorKind::InvalidData);
        }
        fs::remove_dir_all(dir).unwrap();
    }

    /// Proves the lock excludes a second opener (which waits up to its
    /// bound, then fails naming the lock) and is released on drop.
    #[test]
    fn lock_excludes_a_second_opener() {
        let dir = temp_dir("lock");
        let path = dir.join("state.json");
        let (first, _) = StateFile::open(&path, Duration::ZERO, false).unwrap();
        let error = StateFile::open(&path, Duration::from_millis(60), false).unwrap_err();
        assert!(error.to_string().contains("in use by another"), "{error}");
        assert!(error.to_string().contains("state.json.lock"), "{error}");
        assert_eq!(io::Error::from(error).kind(), io::ErrorKind::WouldBlock);
        drop(first);
        assert!(StateFile::open(&path, Duration::ZERO, false).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }
}
