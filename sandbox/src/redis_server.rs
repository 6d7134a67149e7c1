//! A real `redis-server` for tests: started on a free port of 127.0.0.1 with no
//! persistence, answered `PING` before [`RedisServer::start`] returns, stopped by pid
//! (the child killed and reaped) on drop or [`RedisServer::stop`]. Also a minimal RESP
//! client ([`RedisServer::command`]) so tests can look at keys without a Redis crate.
//! Never skips: without `redis-server` on the PATH it panics saying how to install it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` child process.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

/// A RESP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`, or a bulk string.
    Text(String),
    /// An integer.
    Int(i64),
    /// A nil bulk string or array.
    Nil,
    /// An array.
    Array(Vec<Reply>),
    /// `-ERR …`.
    Error(String),
}

impl RedisServer {
    /// Starts a server on a free port. Panics (with the command to install it) when
    /// `redis-server` is missing, or when it does not answer `PING` within 10 s.
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        RedisServer::start_on(port)
    }

    /// Starts a server on `port` (to restart one where it was).
    pub fn start_on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): these tests need a real Redis; \
                     install it with `apt-get install redis-server`"
                )
            });
        let server = RedisServer {
            child: Some(child),
            port,
        };
        let started = Instant::now();
        while server.try_command(&["PING"]).ok() != Some(Reply::Text("PONG".into())) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server on port {port} did not answer PING within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `redis://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (by pid) and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends one command; panics when the server cannot be reached.
    pub fn command(&self, args: &[&str]) -> Reply {
        self.try_command(args)
            .unwrap_or_else(|e| panic!("redis command {args:?} failed: {e}"))
    }

    fn try_command(&self, args: &[&str]) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut out = format!("*{}\r\n", args.len());
        for arg in args {
            out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(out.as_bytes())?;
        read_reply(&mut BufReader::new(stream))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_reply(input: &mut impl BufRead) -> std::io::Result<Reply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    input.read_line(&mut line)?;
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at_checked(1).ok_or_else(|| bad("empty reply"))?;
    let number = || rest.parse::<i64>().map_err(|_| bad("not a number"));
    Ok(match kind {
        "+" => Reply::Text(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Int(number()?),
        "$" if number()? < 0 => Reply::Nil,
        "$" => {
            let mut bytes = vec![0; number()? as usize + 2];
            input.read_exact(&mut bytes)?;
            bytes.truncate(bytes.len() - 2);
            Reply::Text(String::from_utf8_lossy(&bytes).into_owned())
        }
        "*" if number()? < 0 => Reply::Nil,
        "*" => Reply::Array(
            (0..number()?)
                .map(|_| read_reply(input))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(bad("unknown reply type")),
    })
}
